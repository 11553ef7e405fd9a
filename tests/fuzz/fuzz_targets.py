"""Coverage-guided fuzz targets (atheris, libFuzzer) for teikit's loader and its
RELAX NG engine. Run by tests/test_fuzz.py with a fixed number of runs:

    python tests/fuzz/fuzz_targets.py loader -runs=3000 NEW_DIR tests/fuzz/corpus/loader

A target fails (and libFuzzer saves the input as crash-*) when anything but a
LoadError escapes the loader, or when teikit's RELAX NG verdict differs from
libxml2's.
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris

with atheris.instrument_imports():
    from lxml import etree

    from teikit.document import load
    from teikit.errors import LoadError
    from teikit.validate import relaxng

GRAMMAR = Path(__file__).resolve().parent / "grammar.rng"


def loader(data: bytes) -> None:
    try:
        load(data, path="fuzz.xml", require_tei=False)
    except LoadError as exc:
        if len(exc.diagnostics) != 1:
            raise AssertionError(f"{len(exc.diagnostics)} diagnostics") from None


_grammars: list = []


def grammar_check(data: bytes) -> None:
    if not _grammars:
        _grammars.append(relaxng.compile_grammar(GRAMMAR))
        _grammars.append(etree.RelaxNG(etree.parse(str(GRAMMAR))))
    ours, libxml2 = _grammars
    try:
        doc = load(data, path="fuzz.xml", require_tei=False)
    except LoadError:
        return
    expected = libxml2.validate(doc.tree)
    if relaxng.is_valid(doc.tree, ours) is not expected:
        raise AssertionError(f"verdicts differ: libxml2 says {expected}")


TARGETS = {"loader": loader, "relaxng": grammar_check}

if __name__ == "__main__":
    target = TARGETS[sys.argv.pop(1)]
    atheris.Setup(sys.argv, target)
    atheris.Fuzz()
