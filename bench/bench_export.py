"""Export of every format from one reading, against one parse of the edition.

    python bench/make_corpus.py /tmp/real -n 5000 --real
    python bench/bench_export.py /tmp/real [--repeat 1] [--json out.json]

Each run is a fresh process, timed from outside (wall time, interpreter start-up
included; CPU time, user and system, of the process and the workers it waited
for, and peak RSS of the largest of them, from ``os.wait4``). On a shared machine
the CPU seconds say more than the wall time, which other work stretches:

- ``parse``: ``Edition.open(CORPUS)``: every file read and parsed, the registers
  collected, nothing else: one parse of the edition;
- ``one format``: ``teikit export CORPUS --to gexf``: a parse and the index, as
  each format used to cost on its own;
- ``all``: ``teikit export CORPUS --to all``: every format from one streamed
  reading (the registers held, the other documents read, indexed and rendered
  by one worker per core, and let go one by one);
- ``all -j 1``: the same with one worker.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CMIF = [
    "--editor", "Bench Editor", "--editor-email", "bench@example.org", "--publisher", "Bench",
    "--licence", "CC-BY-4.0", "--date", "2026-12-07", "--base-url", "https://example.org/",
]  # fmt: skip


def measure(cmd: list[str]) -> dict:
    """Wall time and peak RSS of one child process."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
    wall = time.perf_counter() - started
    rc = os.waitstatus_to_exitcode(status)
    if rc not in (0, 1):
        raise SystemExit(f"{' '.join(cmd[:6])} … failed ({rc}): {stderr[-2000:]}")
    return {
        "wall_s": round(wall, 2),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
        "maxrss_mb": round(usage.ru_maxrss / 1024, 1),
        "rc": rc,
    }


def best(cmd: list[str], repeat: int) -> dict:
    tries = [measure(cmd) for _ in range(repeat)]
    fastest = min(tries, key=lambda t: t["wall_s"])
    return {**fastest, "tries_s": [t["wall_s"] for t in tries]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    out = Path(tempfile.mkdtemp(prefix="bench-export-"))
    teikit = [sys.executable, "-m", "teikit"]
    runs = {
        "parse": [
            sys.executable, "-c",
            "import sys; from teikit.edition import Edition; Edition.open(sys.argv[1])",
            str(args.corpus),
        ],
        "one format (gexf)": [
            *teikit, "export", str(args.corpus), "--to", "gexf", "-o", str(out / "net.gexf"),
        ],
        "all formats": [
            *teikit, "export", str(args.corpus), "--to", "all", "-o", str(out / "all"), *CMIF,
        ],
        "all formats -j 1": [
            *teikit, "export", str(args.corpus), "--to", "all", "-j", "1",
            "-o", str(out / "all-j1"), *CMIF,
        ],
    }  # fmt: skip
    results = {"load_before": os.getloadavg()}
    for name, cmd in runs.items():
        results[name] = best(cmd, args.repeat)
        print(name, results[name], flush=True)
    results["load_after"] = os.getloadavg()
    parse = results["parse"]["wall_s"]
    one = results["one format (gexf)"]["wall_s"]
    every = results["all formats"]["wall_s"]
    results["all / parse"] = round(every / parse, 2)
    results["all / one format"] = round(every / one, 2)
    results["all / parse, CPU"] = round(
        results["all formats"]["cpu_s"] / results["parse"]["cpu_s"], 2
    )
    results["files"] = sorted(str(p.relative_to(out / "all")) for p in (out / "all").iterdir())
    print(json.dumps(results, indent=2))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
