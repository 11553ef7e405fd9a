"""The validate parent's serial set-up, in process: the CPU seconds from
``validate_files()`` to the fork of its workers, with or without the rules, and the
steps that make it up (the workers are not started: their pool is stubbed out).

    python bench/bench_rules_setup.py /tmp/vperf/real --rules
    PYTHONPATH=/tmp/old/src python bench/bench_rules_setup.py /tmp/vperf/real --rules

One fresh process per measure: run it several times, alternating trees (a tree is a
``src`` folder on ``PYTHONPATH``, compiled with ``python -m compileall -q``).
"""

from __future__ import annotations

import argparse
import importlib
import json
import time
from collections.abc import Callable
from typing import Any


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus")
    parser.add_argument("--rules", action="store_true")
    options = parser.parse_args()

    importlib.import_module("teikit.cli")  # the imports the command makes, not measured
    import teikit.document as document
    import teikit.edition as edition
    import teikit.edition.documents as documents
    import teikit.edition.registers as registers
    import teikit.rules.context as context
    from teikit.batch import discover

    validate = importlib.import_module("teikit.validate")  # the module, not its validate()
    steps: dict[str, float] = {}

    def timed(owner: Any, name: str, label: str = "") -> None:
        made: Callable[..., Any] = getattr(owner, name)

        def wrapped(*args: Any, **kwargs: Any) -> Any:
            started = time.process_time()
            try:
                return made(*args, **kwargs)
            finally:
                key = label or name
                steps[key] = steps.get(key, 0.0) + time.process_time() - started

        setattr(owner, name, wrapped)

    for name in ("_warm_from_first", "_load_edition", "_rule_run"):
        timed(validate, name)
    timed(document, "_parse")
    timed(document, "_collect_ids")
    timed(registers, "register_candidates")
    timed(registers.Registers, "add", "Registers.add")
    timed(documents, "document_kind")
    timed(edition.Edition, "__init__", "Edition()")
    timed(context.Context, "__post_init__", "Context()")
    validate._run_grouped = lambda *args, **kwargs: []  # no workers: the set-up only
    validate.run = lambda *args, **kwargs: []
    paths = discover([options.corpus])
    started = time.process_time()
    validate.validate_files(
        paths, options=validate.ValidateOptions(rules=options.rules, xpaths=False), jobs=2
    )
    total = time.process_time() - started
    figures = {"to_fork": total, **{k: round(v, 4) for k, v in steps.items()}}
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
