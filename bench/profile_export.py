"""Where the time of ``teikit export --to all`` goes: a timeline of its phases and
a cProfile of the parent and of each worker it forks.

    PROF_OUT=/tmp/prof python bench/profile_export.py export CORPUS --to all -o OUT -q [CMIF …]
    PROF=0 PROF_OUT=/tmp/tl python bench/profile_export.py …     # the timeline alone, no profiler

``PROF_OUT/timeline.txt``: one line per phase boundary (pid, wall s since the
start, the process's CPU s); ``parent-PID.prof`` and ``worker-PID.prof``: pstats
files. Nothing here is a test.
"""

from __future__ import annotations

import contextlib
import cProfile
import os
import sys
import time

import teikit.batch as batch
import teikit.exports as exports
import teikit.index as index
from teikit.cli import main

OUT = os.environ["PROF_OUT"]
PROFILE = os.environ.get("PROF", "1") == "1"
os.makedirs(OUT, exist_ok=True)
STARTED = time.perf_counter()
LOG = open(os.path.join(OUT, "timeline.txt"), "a")  # noqa: SIM115 - open for the run


def mark(what: str) -> None:
    now = time.perf_counter() - STARTED
    LOG.write(f"{os.getpid()} {now:8.3f} cpu={time.process_time():7.3f} {what}\n")
    LOG.flush()


def profiled(name: str, run, *args):
    profile = cProfile.Profile() if PROFILE else None
    if profile is not None:
        profile.enable()
    try:
        return run(*args)
    finally:
        if profile is not None:
            profile.disable()
            profile.dump_stats(os.path.join(OUT, f"{name}-{os.getpid()}.prof"))


def timed(module, name: str) -> None:
    function = getattr(module, name)

    def wrapper(*args, **kwargs):
        mark(f"start {name}")
        try:
            return function(*args, **kwargs)
        finally:
            mark(f"end {name}")

    setattr(module, name, wrapper)


serve = batch._serve


def worker(*args) -> None:
    mark("worker start")
    try:
        profiled("worker", serve, *args)
    finally:
        mark("worker end")


batch._serve = worker
for phase in ("_read_once", "_write_all", "_write_group", "_write_rest", "gather_network"):
    timed(exports, phase)
timed(index.Indexer, "finish")
with contextlib.suppress(SystemExit):  # the command's exit code
    profiled("parent", main, sys.argv[1:])
mark("parent end")
