"""What the edition's integrity rules cost, against the schema validation of the
same files.

    python bench/make_corpus.py /tmp/teikit-real -n 5000 --real
    python bench/bench_rules.py /tmp/teikit-real --jobs 2 --repeat 3

Runs ``teikit validate CORPUS --no-rules`` and ``teikit validate CORPUS --rules``,
each in a fresh process, ``--repeat`` times, and reports wall and CPU seconds (the
process and its workers, from ``os.wait4``); the fastest try counts. The machine
may be shared: CPU seconds are the steadier measure, and the ratio is what
counts. Then, in this process, where the rules' time goes (see ``breakdown``):
the parent's register files and edition model, and the rules against the schema
check on a sample of documents.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path


def run(args: list[str]) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (user + system, with children) and exit status."""
    started = time.perf_counter()
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    return wall, usage.ru_utime + usage.ru_stime, os.waitstatus_to_exitcode(status)


def teikit(corpus: Path, jobs: int, rules: bool) -> list[str]:
    return [
        sys.executable, "-m", "teikit", "validate", str(corpus), "-j", str(jobs),
        "--rules" if rules else "--no-rules", "-q",
    ]  # fmt: skip


def breakdown(corpus: Path, sample: int = 1000) -> dict[str, float]:
    """CPU seconds of the rules' steps, in this process, as ``teikit validate
    --rules`` takes them: in the parent, finding the register files (the scan kept
    in the user cache: warm after the runs above), reading them and modelling the
    edition; then, for ``sample`` documents, the schema check (with what the rules
    ask of its walk) against the rules on the same document right after it, as a
    validation worker does. The ratio of the two is the rules' share per document."""
    import gc

    from teikit import rules
    from teikit.document import load
    from teikit.edition import Config, Edition, discover, find_config, load_config
    from teikit.edition.registers import register_candidates
    from teikit.errors import LoadError
    from teikit.validate import ValidateOptions, Validator

    found_config = find_config(corpus)
    config = load_config(found_config) if found_config is not None else Config()
    files = discover([str(corpus)], root=config.root, exclude=config.exclude)
    started = time.process_time()
    candidates = register_candidates(files)
    found = time.process_time()
    docs = []
    for path in files:
        if path in candidates:
            with contextlib.suppress(LoadError):
                docs.append(load(path))
    loaded = time.process_time()
    edition = Edition(docs, config=config, root=config.root or corpus, given=files)
    # As `teikit validate` with its text report: findings without their XPaths.
    run = rules.Run(edition, rules.policy(config.rules), xpaths=False)
    modelled = time.process_time()
    validator = Validator(ValidateOptions(), roots=[corpus.resolve()])
    gc.freeze()  # as before the workers fork
    checking = ruling = 0.0
    findings = 0
    chosen = files[:: max(1, len(files) // sample)][:sample]
    for path in chosen:
        with contextlib.suppress(LoadError):
            doc = load(path)
            before = time.process_time()
            gathering = run.gathering(doc)
            validator.check(doc, gathering)
            checked = time.process_time()
            findings += len(run.document(doc, gathering)[0])
            ruling += time.process_time() - checked
            checking += checked - before
    gc.unfreeze()
    return {
        "files": len(files),
        "entities": len(edition.registers),
        "register files found": round(found - started, 2),
        "register files read": round(loaded - found, 2),
        "edition model": round(modelled - loaded, 2),
        "documents sampled": len(chosen),
        "their schema check": round(checking, 2),
        "their rules": round(ruling, 2),
        "their rule findings": findings,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path, help="write the figures here too")
    args = parser.parse_args(argv)
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    figures: dict[str, object] = {"tries": {}}
    best: dict[str, tuple[float, float]] = {}
    for name, rules in (("schemas", False), ("schemas+rules", True)):
        tries = []
        for _ in range(args.repeat):
            wall, cpu, status = run(teikit(args.corpus, args.jobs, rules))
            tries.append({"wall": round(wall, 2), "cpu": round(cpu, 2), "exit": status})
        figures["tries"][name] = tries  # type: ignore[index]
        best[name] = (min(t["wall"] for t in tries), min(t["cpu"] for t in tries))
        print(f"{name:>14}: wall {best[name][0]:.2f} s, cpu {best[name][1]:.2f} s  {tries}")
    wall_cost = best["schemas+rules"][0] - best["schemas"][0]
    cpu_cost = best["schemas+rules"][1] - best["schemas"][1]
    figures["rules_cost"] = {
        "wall_s": round(wall_cost, 2),
        "wall_ratio": round(wall_cost / best["schemas"][0], 3),
        "cpu_s": round(cpu_cost, 2),
        "cpu_ratio": round(cpu_cost / best["schemas"][1], 3),
    }
    print(
        f"rules cost: wall +{wall_cost:.2f} s ({100 * wall_cost / best['schemas'][0]:.0f} %), "
        f"cpu +{cpu_cost:.2f} s ({100 * cpu_cost / best['schemas'][1]:.0f} %)"
    )
    figures["breakdown_cpu_s"] = breakdown(args.corpus)
    print(f"in this process (CPU s): {figures['breakdown_cpu_s']}")
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
