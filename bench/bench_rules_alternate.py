"""The integrity rules' cost, alternated: ``teikit validate CORPUS -j 2`` against the
same with ``--rules``, one fresh process each, for one or more source trees taken in
turns (old and new code on the same load), best of ``--repeat`` tries.

    python bench/bench_rules_alternate.py /tmp/vperf/real --repeat 3 \\
        --tree old=/tmp/old/src --tree new=src --json results.json

Each run reports the whole tree's CPU seconds (user + system, from ``os.wait4``),
the parent's own CPU seconds and its workers' (from the parent's ``getrusage`` at
exit), the wall time, and the parent's CPU seconds before its first pool of workers
forks (its serial set-up), and the peak RSS of the parent and of its largest
worker. A tree is a ``src`` folder put on ``PYTHONPATH``; compile
it first (``python -m compileall -q src``) where ``PYTHONDONTWRITEBYTECODE`` is set,
or each run pays for compiling teikit. Both runs print the text report (standard
error, thrown away), so the two differ by the rules alone.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

# Run inside each teikit process: the parent's and the workers' CPU at exit, and the
# parent's CPU when its first pool forks.
# (Registered before teikit.batch is imported: exit handlers run last first, and
# batch's reaps the workers, whose CPU counts only once they are reaped.)
_WRAPPER = """
import atexit, os, resource, sys, time
_forked = []
def _report():
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(os.environ["BENCH_RULES_OUT"], "w") as fh:
        fh.write(" ".join(str(v) for v in (own.ru_utime + own.ru_stime,
                 kids.ru_utime + kids.ru_stime, _forked[0] if _forked else 0.0,
                 own.ru_maxrss / 1024, kids.ru_maxrss / 1024)))
atexit.register(_report)
import teikit.batch as batch
_init = batch._Workers.__init__
def _first_fork(self, *args, **kwargs):
    if not _forked:
        _forked.append(time.process_time())
    _init(self, *args, **kwargs)
batch._Workers.__init__ = _first_fork
from teikit.cli import main
sys.argv[0] = "teikit"
main()
"""


def run_once(tree: str, args: list[str]) -> dict[str, float]:
    with tempfile.NamedTemporaryFile(prefix="bench-rules-", suffix=".txt") as out:
        env = dict(os.environ, BENCH_RULES_OUT=out.name)
        if tree:
            env["PYTHONPATH"] = tree
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-c", _WRAPPER, *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        _, _, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        with open(out.name, encoding="utf-8") as fh:
            parent, workers, before_fork, parent_mb, worker_mb = map(float, fh.read().split())
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "parent": parent,
        "workers": workers,
        "before_fork": before_fork,
        "parent_peak_mb": parent_mb,  # peak RSS of the parent
        "worker_peak_mb": worker_mb,  # peak RSS of the largest worker
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--tree", action="append", default=[], help="NAME=SRC (default: the installed teikit)"
    )
    parser.add_argument("--json", help="write the raw figures here")
    options = parser.parse_args()
    trees = dict(t.split("=", 1) for t in options.tree) or {"installed": ""}
    base = ["validate", options.corpus, "-j", str(options.jobs)]
    cases = {
        f"{name} {kind}": (src, base + (["--rules"] if kind == "rules" else []))
        for name, src in trees.items()
        for kind in ("default", "rules")
    }
    tries: dict[str, list[dict[str, float]]] = {case: [] for case in cases}
    loads = [os.getloadavg()[0]]
    for _ in range(options.repeat):
        for case, (src, args) in cases.items():
            tries[case].append(run_once(src, args))
        loads.append(os.getloadavg()[0])
    best = {case: {k: min(t[k] for t in found) for k in found[0]} for case, found in tries.items()}
    for case, figures in best.items():
        print(f"{case:20s} " + "  ".join(f"{k} {v:.2f}" for k, v in figures.items()))
    for name in trees:
        plain, rules = best[f"{name} default"], best[f"{name} rules"]
        added_cpu, added_wall = rules["cpu"] - plain["cpu"], rules["wall"] - plain["wall"]
        cpu_share, wall_share = 100 * added_cpu / plain["cpu"], 100 * added_wall / plain["wall"]
        print(
            f"{name}: the rules add {added_cpu:.2f} CPU s ({cpu_share:.1f} %), "
            f"{added_wall:.2f} s wall ({wall_share:.1f} %); "
            f"20 % is {0.2 * plain['cpu']:.2f} CPU s and {0.2 * plain['wall']:.2f} s"
        )
    print("load average (1 min) before and after each round:", " ".join(f"{x:.2f}" for x in loads))
    if options.json:
        with open(options.json, "w", encoding="utf-8") as fh:
            json.dump({"tries": tries, "best": best, "loads": loads}, fh, indent=1)


if __name__ == "__main__":
    main()
