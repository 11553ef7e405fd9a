"""A fresh build worker's own memory: what each rendering worker of ``teikit build``
holds that it does not share with the parent (``batch.own_bytes``: its private
pages), after its 1st, 10th and 40th job. It measures what the parent's warm-up
(``Builder._warm``) leaves for the workers to do themselves.

    python bench/bench_worker_start.py CORPUS -o OUT [--json F] [-- build options]

Run it with the teikit to measure on PYTHONPATH (old and new trees alternated).
Prints one line per figure and, with --json, writes every worker's figures.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

AFTER = (1, 10, 40)  # jobs done when a worker's own memory is read


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus")
    parser.add_argument("-o", "--out", required=True)
    parser.add_argument("--json")
    parser.add_argument("--no-pdf", action="store_true")
    parser.add_argument("--no-warm", action="store_true", help="skip Builder._warm")
    args = parser.parse_args()

    import teikit
    import teikit.site.build as site_build
    from teikit.batch import own_bytes

    parent = os.getpid()
    log = tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False)  # noqa: SIM115
    real = site_build.run_job
    done = {"n": 0}  # a forked worker's own copy: the parent never runs a job

    def probe(shop, job):
        result = real(shop, job)
        if os.getpid() != parent:
            done["n"] += 1
            if done["n"] in AFTER:
                row = {"pid": os.getpid(), "after": done["n"], "kind": job.kind,
                       "t": round(time.perf_counter() - started, 1), "path": job.path,
                       "own_mb": round(own_bytes(os.getpid()) / 2**20, 1)}  # fmt: skip
                with open(log.name, "a") as fh:
                    fh.write(json.dumps(row) + "\n")
        return result

    site_build.run_job = probe
    if args.no_warm:
        site_build.Builder._warm = staticmethod(lambda shop, todo: None)
    started, cpu = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
    report = teikit.build_site(args.corpus, args.out, keep_going=True, pdf=not args.no_pdf)
    wall = time.perf_counter() - started
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_s = own.ru_utime + own.ru_stime - cpu.ru_utime - cpu.ru_stime
    cpu_s += kids.ru_utime + kids.ru_stime
    rows = [json.loads(line) for line in Path(log.name).read_text().splitlines()]
    os.unlink(log.name)
    summary = {
        "teikit": str(Path(teikit.__file__).parent),
        "wall_s": round(wall, 1),
        "cpu_s": round(cpu_s, 1),
        "load": os.getloadavg(),
        "outputs": len(report.written) if hasattr(report, "written") else None,
        "workers": len({r["pid"] for r in rows if r["after"] == 1}),
    }
    for after in AFTER:
        # letters' pages and PDFs (a register's pages run in a fresh worker alone)
        values = [r["own_mb"] for r in rows if r["after"] == after and r["kind"] != "html"]
        if values:
            summary[f"own_mb_after_{after}"] = {
                "median": statistics.median(values), "min": min(values), "max": max(values),
                "n": len(values),
            }  # fmt: skip
    print(json.dumps(summary, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps({"summary": summary, "rows": rows}, indent=1))


if __name__ == "__main__":
    sys.exit(main())
