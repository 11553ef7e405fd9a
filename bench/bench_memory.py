"""Peak memory and wall time of teikit's batch commands, as a user runs them.

    python bench/bench_memory.py --case NAME=COMMAND... [--json OUT.json] [--phases]

    python bench/bench_memory.py --breakdown $TEIKIT_SHARED/corpora/schnitzler-briefe
    python bench/bench_memory.py --links SITE      # the link checker alone, over a built site
    python bench/bench_memory.py --phases --json /tmp/m.json \
        --case "build=teikit build $TEIKIT_SHARED/corpora/schnitzler-briefe -o /tmp/s --keep-going"

(the commands of the recorded runs are in RESULTS.md).

Each command runs once in a fresh process (its own session), as typed. While it
runs, every 0.2 s, the process and all its descendants are read from ``/proc``:

* ``tree RSS``: the sum of their resident sizes. Forked workers share the
  parent's pages copy-on-write, and each counts them again: this is the figure
  a process monitor adds up, and an upper bound of the memory used.
* ``tree PSS``: the sum of their proportional set sizes (``smaps_rollup``):
  shared pages divided among the processes that share them, so the memory the
  run really takes from the machine.
* the largest single process, and whether it was the parent or a worker.

Both peaks are sampled (a spike shorter than 0.2 s can fall between samples);
``ru_maxrss`` from ``os.wait4`` (the largest single process the command reaped)
is kept too. With ``--phases`` the timeline (every sample: tree RSS and PSS, the
parent's PSS and each worker's) and the stderr lines are kept with the time they came,
so that a peak can be matched with what the command was doing (teikit prints
its progress every 10 s when stderr is not a terminal). The 1-minute load
average at the start and the end is recorded: the machine may be shared.

Nothing here is a test.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shlex
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field

from bench_commands import tree_pids  # this folder: run as python bench/bench_memory.py

PAGE = os.sysconf("SC_PAGE_SIZE")
MB = 2**20


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", "rb") as fh:
            return int(fh.read().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


def _pss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as fh:
            for line in fh:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, IndexError, ValueError):
        pass
    return 0


@dataclass(eq=False)  # a thread is hashed by identity
class Sampler(threading.Thread):
    """Samples a process tree's memory every ``interval`` seconds until stopped."""

    pid: int
    interval: float = 0.2
    limit: int = 8 * 2**30  # tree RSS at which the run is killed, to spare the machine
    peak_rss: int = 0
    peak_pss: int = 0
    peak_one: int = 0
    peak_one_is_parent: bool = True
    at_rss: float = 0.0  # seconds into the run of the RSS peak
    # (seconds, tree RSS, tree PSS, the parent's PSS, each descendant's PSS) in MB
    timeline: list[tuple[float, int, int, int, list[int]]] = field(default_factory=list)
    killed: str = ""

    def __post_init__(self) -> None:
        super().__init__(daemon=True)
        self.halt = threading.Event()
        self.started = time.perf_counter()

    def run(self) -> None:
        while not self.halt.is_set():
            pids = tree_pids(self.pid)
            sizes = {pid: _rss(pid) for pid in pids}
            rss = sum(sizes.values())
            shares = {pid: _pss(pid) for pid in pids}
            pss = sum(shares.values())
            now = time.perf_counter() - self.started
            workers = sorted((v for pid, v in shares.items() if pid != self.pid), reverse=True)
            self.timeline.append(
                (round(now, 1), rss // MB, pss // MB, shares.get(self.pid, 0) // MB,
                 [v // MB for v in workers])
            )  # fmt: skip
            if rss > self.peak_rss:
                self.peak_rss, self.at_rss = rss, now
            self.peak_pss = max(self.peak_pss, pss)
            biggest = max(sizes, key=sizes.get, default=self.pid)
            if sizes.get(biggest, 0) > self.peak_one:
                self.peak_one = sizes[biggest]
                self.peak_one_is_parent = biggest == self.pid
            if rss > self.limit and not self.killed:
                self.killed = f"killed: tree RSS passed {self.limit // MB} MB"
                os.killpg(self.pid, signal.SIGKILL)
            self.halt.wait(self.interval)

    def stop(self) -> None:
        self.halt.set()
        self.join()


def measure(command: str, *, phases: bool = False) -> dict:
    """Run ``command`` (a shell-quoted command line) once and measure it."""
    argv = shlex.split(os.path.expandvars(command))
    load_before = os.getloadavg()[0]
    lines: list[tuple[float, str]] = []
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        proc = subprocess.Popen(
            argv, stdout=out, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        sampler = Sampler(proc.pid)
        sampler.start()
        assert proc.stderr is not None
        for raw in proc.stderr:  # read as it comes: a full pipe would stall the run
            lines.append((time.perf_counter() - started, raw.decode("utf-8", "replace").rstrip()))
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        sampler.stop()
    result = {
        "command": command,
        "wall_s": round(wall, 1),
        "rc": os.waitstatus_to_exitcode(status),
        "tree_rss_mb": sampler.peak_rss // MB,
        "tree_pss_mb": sampler.peak_pss // MB,
        "largest_process_mb": sampler.peak_one // MB,
        "largest_is": "parent" if sampler.peak_one_is_parent else "a worker",
        "rss_peak_at_s": round(sampler.at_rss, 1),
        "maxrss_mb": usage.ru_maxrss // 1024,
        # user + system seconds of the command and the workers it waited for
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
        "load1_before": round(load_before, 2),
        "load1_after": round(os.getloadavg()[0], 2),
        "stderr_lines": len(lines),
        "first_stderr_at_s": round(lines[0][0], 1) if lines else None,
        "last_lines": [line[:200] for _, line in lines[-2:]],
    }
    if sampler.killed:
        result["killed"] = sampler.killed
    if phases:
        result["timeline"] = sampler.timeline
        result["stderr"] = [(round(t, 1), line[:200]) for t, line in lines]
    return result


def breakdown(corpus: str) -> list[tuple[str, int]]:
    """What the site holds in its parent before the rendering workers fork, step by
    step, in this process, as ``build_site`` does it (its own steps, called one by
    one): (step, resident MB after it)."""
    from pathlib import Path

    from teikit import render
    from teikit.batch import release_freed_memory
    from teikit.edition import Config, Edition
    from teikit.edition.discovery import discover
    from teikit.site.build import Builder, _site_config
    from teikit.site.outputs import BuildReport
    from teikit.site.profile import profile_path as _profile_path
    from teikit.site.records import Entities, SiteEdition, assign_pages

    steps = [("interpreter and teikit's modules", _rss(os.getpid()))]
    source = Path(corpus)
    config: Config = _site_config(source)
    with tempfile.TemporaryDirectory() as out:
        report = BuildReport(out_dir=Path(out))
        builder = Builder(source, report, True, True, 1, False, None, False, None, config=config)
        files = [Path(p) for p in discover([corpus], root=config.root, exclude=config.exclude)]
        rel = {path: builder._rel(path) for path in files}
        read = builder._read(files, rel)
        held = f"{len(read.held)} of {len(read.loaded)} documents held"
        held += f", {len(read.extracts)} as the copies of their register lists"
        steps.append((f"every file read once ({held})", _rss(os.getpid())))
        at_hand = {**read.held, **read.extracts}
        model = Edition(
            [at_hand[rel[p]] for p in files if rel[p] in at_hand],
            config=config,
            root=config.root or source,
            glimpses=read.glimpses,
        )
        steps.append((f"the edition model ({len(model.registers)} entities)", _rss(os.getpid())))
        docs, facts, index, languages = builder._gather(model, files, rel, read)
        assign_pages(docs, [])
        steps.append(("the entity index (a second reading, a file at a time)", _rss(os.getpid())))
        release_freed_memory()  # as the build does before workers fork
        steps.append(("the heap the documents freed, given back", _rss(os.getpid())))
        edition = SiteEdition(model, docs, facts=facts, index=index, languages=languages)
        Entities(edition)
        steps.append(("the register document (merged when need be)", _rss(os.getpid())))
        del at_hand
        builder._let_registers_go(edition, read)
        gc.collect()
        release_freed_memory()
        steps.append(("the register files let go (when merged)", _rss(os.getpid())))
        render.load_stylesheet(_profile_path())
        render.load_stylesheet(render.STYLESHEETS["typst"])
        steps.append(("the compiled stylesheets (site profile, Typst)", _rss(os.getpid())))
        if edition.register_doc is not None:
            render.xdm_node(edition.register_doc)
        steps.append(("the register as a Saxon tree", _rss(os.getpid())))
    return [(what, size // MB) for what, size in steps]


def links(site: str) -> tuple[int, int, float, int]:
    """The link checker alone over a built site, in this process, as the build runs
    it after everything else: (pages, dead links, CPU s, max RSS MB)."""
    import resource

    from teikit.site.links import check_links

    files = [
        os.path.relpath(os.path.join(folder, name), site)
        for folder, _, names in os.walk(site)
        for name in names
    ]
    pages = [f for f in files if f.endswith(".html")]
    started = time.process_time()
    dead = check_links(site, pages, files)
    cpu = time.process_time() - started
    return len(pages), len(dead), cpu, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--case", action="append", default=[], metavar="NAME=COMMAND")
    parser.add_argument(
        "--breakdown", metavar="CORPUS", help="what the site's parent holds, step by step"
    )
    parser.add_argument("--links", metavar="SITE", help="the link checker alone over a built site")
    parser.add_argument("--json", metavar="OUT")
    parser.add_argument("--phases", action="store_true", help="keep the timeline and stderr")
    args = parser.parse_args(argv)
    if args.breakdown:
        last = 0
        for what, size in breakdown(args.breakdown):
            print(f"{what}: {size} MB resident ({size - last:+d})")
            last = size
    if args.links:
        pages, dead, cpu, maxrss = links(args.links)
        print(f"{pages} pages, {dead} dead links: {cpu:.1f} CPU s, max RSS {maxrss} MB")
    results = {}
    if args.case:
        print("| case | wall s | CPU s | tree RSS MB | tree PSS MB | largest process MB "
              "| load 1 min |")  # fmt: skip
        print("|---|---:|---:|---:|---:|---:|---:|")
    for case in args.case:
        name, _, command = case.partition("=")
        result = measure(command, phases=args.phases)
        results[name] = result
        print(
            f"| {name} | {result['wall_s']} | {result['cpu_s']} | {result['tree_rss_mb']} "
            f"| {result['tree_pss_mb']} "
            f"| {result['largest_process_mb']} ({result['largest_is']}) "
            f"| {result['load1_before']}–{result['load1_after']} |",
            flush=True,
        )
        if args.json:
            with open(args.json, "w", encoding="utf-8") as fh:
                json.dump(results, fh, indent=1)
    for name, result in results.items():
        print(f"{name}: {result['command']}  (exit {result['rc']})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
