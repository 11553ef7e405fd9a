"""A split page's finishing in one process: whole (jobs._put_page of its tree) or in
pieces (jobs._put_page_in_pieces), and its document's mention anchors loaded
(mention_anchors(load())) or read as a stream (mention_anchors_in_file).

    python bench/bench_finish_page.py capture EDITION RAW.html   # a build, keeping
        # the first half's page of its largest split document (the diary)
    python bench/bench_finish_page.py run RAW.html TEI.xml [--repeat 2] [--json OUT]

Each measure runs in a fresh process, the ways alternated: CPU seconds of the step
and its peak RSS over the process's RSS before it (VmHWM reset before the step).
The edition around the page is a stub (no register, entities by a checksum of
their URL): what is measured is the page's own work. The page and the search
records of both ways are compared byte for byte. Nothing here is a test.
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
import zlib
from pathlib import Path
from types import SimpleNamespace


def _status(key: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(key):
                return int(line.split()[1]) // 1024
    return 0


def _reset_peak() -> None:
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")


def _one(way: str, raw: Path, tei: Path, out: Path) -> dict:
    """One measure, in this process."""
    from teikit.document import load
    from teikit.site import jobs, records
    from teikit.site.chrome import Chrome
    from teikit.site.markup import parse_page
    from teikit.site.outputs import BuildReport, Outputs

    out.mkdir(parents=True, exist_ok=True)
    (out / "records").mkdir(exist_ok=True)
    entities = SimpleNamespace(
        index_of=lambda href: zlib.crc32(href.encode()) % 1000 if "#" in href else None
    )
    chrome = SimpleNamespace(
        decorate=lambda root, page, found: Chrome.decorate(None, root, page, found)
    )
    site = SimpleNamespace(source=str(tei.parent), outputs=Outputs(out, {}, True, BuildReport(out)),
                           chrome=chrome, entities=entities)  # fmt: skip
    shop = SimpleNamespace(site=site, records=out / "records")
    job = SimpleNamespace(page="page.html", path=str(tei), search=True)
    copy = out / "raw.html"
    shutil.copy(raw, copy)
    before = _status("VmRSS")
    _reset_peak()
    started = time.process_time()
    found: list = []
    if way == "whole":
        jobs._put_page(shop, job, parse_page(copy), found)
    elif way == "pieces":  # not in code before 2026-12-08: "whole" and "anchors-load" are
        jobs._put_page_in_pieces(shop, job, copy, found)
    elif way == "anchors-load":
        records.mention_anchors(load(str(tei)))
    else:
        records.mention_anchors_in_file(str(tei))  # not in code before 2026-12-08
    cpu = time.process_time() - started
    return {"way": way, "cpu_s": round(cpu, 2), "peak_over_start_mb": _status("VmHWM") - before}


def _capture(edition: str, raw: str) -> None:
    """A build of ``edition`` (--no-pdf) keeping the largest split page's first half."""
    from teikit.site import build, jobs

    real = jobs.finish_page
    kept: list[int] = [0]

    def finish_page(shop, item):
        size = os.path.getsize(item[1].html_path)
        if size > kept[0]:
            kept[0] = size
            shutil.copy(item[1].html_path, raw)
        return real(shop, item)

    build.finish_page = finish_page
    with tempfile.TemporaryDirectory() as out:
        build.build_site(edition, out, pdf=False, validate=False, keep_going=True)
    print(f"{raw}: {kept[0]} bytes")


def _made(out: Path) -> tuple[bytes, bytes]:
    """The page a measure wrote, and its search records."""
    records = b"".join(p.read_bytes() for p in sorted((out / "records").iterdir()))
    return (out / "page.html").read_bytes(), records


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    cap = sub.add_parser("capture")
    cap.add_argument("edition")
    cap.add_argument("raw")
    run = sub.add_parser("run")
    run.add_argument("raw", type=Path)
    run.add_argument("tei", type=Path)
    run.add_argument("--repeat", type=int, default=2)
    run.add_argument("--json")
    one = sub.add_parser("one")
    one.add_argument("way")
    one.add_argument("raw", type=Path)
    one.add_argument("tei", type=Path)
    one.add_argument("out", type=Path)
    args = parser.parse_args()
    if args.command == "capture":
        _capture(args.edition, args.raw)
    elif args.command == "one":
        print(json.dumps(_one(args.way, args.raw, args.tei, args.out)))
    else:
        results = []
        with tempfile.TemporaryDirectory() as scratch:
            for n in range(args.repeat):
                for way in ("whole", "pieces", "anchors-load", "anchors-stream"):
                    out = Path(scratch) / f"{way}-{n}"
                    done = subprocess.run(
                        [sys.executable, __file__, "one", way, str(args.raw), str(args.tei),
                         str(out)], capture_output=True, text=True, check=True,
                    )  # fmt: skip
                    result = json.loads(done.stdout)
                    result["load1"] = round(os.getloadavg()[0], 2)
                    results.append(result)
                    print(json.dumps(result))
                whole, pieces = (_made(Path(scratch) / f"{w}-{n}") for w in ("whole", "pieces"))
                print(f"round {n}: page and search records identical: {whole == pieces}")
        if args.json:
            Path(args.json).write_text(json.dumps(results, indent=1) + "\n", "utf-8")


if __name__ == "__main__":
    main()
