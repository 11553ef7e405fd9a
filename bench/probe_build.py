"""Run a teikit command with its build's steps logged, to tell which phase a memory
peak of bench_memory.py's timeline belongs to.

    PROBE_LOG=LOG python bench/probe_build.py build EDITION -o OUT --keep-going
    python bench/probe_build.py --phases TIMELINE.json NAME=LOG...

The first form runs teikit's CLI with each job logged as it starts and ends (the
validation's files, the stylesheets' jobs, the pages finished, the PDFs typeset:
seconds since the start, pid, what) and the build's own steps in its process
(validation, the fork of the page workers, Saxon let go). Run it as a case of
bench_memory.py --phases. The second form reads bench_memory.py's JSON and each
case's log and prints the highest sample of each phase: validation, the parent
alone before the page workers fork, the stylesheets' rounds, typesetting and the
edition's own pages. A sample is (seconds, tree RSS, tree PSS, parent PSS,
[workers' PSS]) in MB. Nothing here is a test.
"""

from __future__ import annotations

import functools
import importlib
import json
import os
import sys
import time


def _probe(log: str) -> None:
    started = time.time()

    def note(line: str) -> None:
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(f"{time.time() - started:.2f} {os.getpid()} {line}\n")

    def wrap(owner, name: str) -> None:
        original = getattr(owner, name)

        @functools.wraps(original)
        def logged(*args, **kwargs):
            what = next((_named(a) for a in args if _named(a)), "")
            note(f"start {name} {what}")
            try:
                return original(*args, **kwargs)
            finally:
                note(f"end {name} {what}")

        setattr(owner, name, logged)

    build = importlib.import_module("teikit.site.build")
    for name in ("run_job", "compile_job", "finish_page"):
        wrap(build, name)  # looked up in the module when the workers' jobs are made
    wrap(importlib.import_module("teikit.validate"), "_check_path")
    for name in ("_validate", "_render"):
        wrap(build.Builder, name)
    wrap(importlib.import_module("teikit.render"), "unload")


def _named(arg: object) -> str:
    """What a job is about: its kind and file name."""
    if isinstance(arg, tuple) and arg:
        arg = arg[0]
    path = getattr(arg, "path", None)
    if isinstance(arg, str | int):
        path = str(arg)
    if path is None:
        return ""
    return f"{getattr(arg, 'kind', '')}:{os.path.basename(str(path)) or '-'}"


def _when(events: list[list[str]], step: str, edge: str) -> float:
    """When the build's process first began (``start``) or ended ``step``."""
    found = [float(e[0]) for e in events if e[2] == edge and e[3] == step]
    return found[0] if found else float("inf")


def _phases(timeline_json: str, cases: list[str]) -> None:
    with open(timeline_json, encoding="utf-8") as fh:
        data = json.load(fh)
    for case in cases:
        name, _, log = case.partition("=")
        run = data[name]
        with open(log, encoding="utf-8") as fh:
            events = [line.split() for line in fh]
        typesetting = min(
            (float(e[0]) for e in events if e[3] == "compile_job"), default=float("inf")
        )
        ends = [
            ("validation", _when(events, "_validate", "end")),
            ("parent before the fork", _when(events, "_render", "start")),
            ("stylesheets", min(_when(events, "unload", "start"), typesetting)),
            ("typesetting", _when(events, "_render", "end")),
            ("edition's own pages", float("inf")),
        ]
        load = f"{run['load1_before']}-{run['load1_after']}"
        print(f"{name}: wall {run['wall_s']} s, CPU {run['cpu_s']} s, "
              f"tree PSS {run['tree_pss_mb']} MB, load {load}")  # fmt: skip
        begin = 0.0
        for label, end in ends:
            samples = [s for s in run["timeline"] if begin <= s[0] < end]
            if samples:
                top = max(samples, key=lambda s: s[2])
                print(f"  {label}: {top[2]} MB at {top[0]} s ({top[3]} + {top[4]})")
            begin = end


if __name__ == "__main__":
    if sys.argv[1:2] == ["--phases"]:
        _phases(sys.argv[2], sys.argv[3:])
    else:
        _probe(os.environ["PROBE_LOG"])
        from teikit.cli import main

        sys.argv[0] = "teikit"
        main()
