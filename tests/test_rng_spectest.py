"""James Clark's RELAX NG test suite (385 cases, read in place from
$TEIKIT_SHARED/conformance/relaxng/spectest.xml): every incorrect schema is
rejected with a located message, every correct one is read, and each of its
instances gets the verdict the suite gives, from the verdict walk and from the
explainer alike."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from lxml import etree

from teikit.validate.relaxng import compile_grammar, explain, is_valid
from teikit.validate.rng_schema import IncorrectSchema, read_schema

from conftest import SHARED

SPECTEST = SHARED / "conformance" / "relaxng" / "spectest.xml"
CASES = 385


def _cases() -> list[etree._Element]:
    if not SPECTEST.is_file():
        return []
    # The suite is trusted test data; its DOCTYPE declares one internal entity.
    parser = etree.XMLParser(resolve_entities=True, load_dtd=True, no_network=True)
    return list(etree.parse(str(SPECTEST), parser).iter("testCase"))


def _case_id(n: int, case: etree._Element) -> str:
    sections = "+".join(s.text.strip() for s in case.findall("section")) or "none"
    return f"case{n:03d}-section-{sections}"


ALL = _cases()
PARAMS = [pytest.param(case, id=_case_id(n, case)) for n, case in enumerate(ALL, 1)] or [
    pytest.param(None, id="spectest-missing")
]


def _serialise(el: etree._Element) -> bytes:
    # UTF-8: element names outside ASCII cannot be written as character references.
    return etree.tostring(copy.deepcopy(el), encoding="utf-8")


def _write_resources(folder: Path, parent: etree._Element) -> None:
    """The suite's <resource> and <dir> elements, as files beside the schema."""
    for child in parent:
        if child.tag == "resource":
            kids = [k for k in child if isinstance(k.tag, str)]
            data = _serialise(kids[0]) if kids else (child.text or "").encode()
            (folder / child.get("name")).write_bytes(data)
        elif child.tag == "dir":
            sub = folder / child.get("name")
            sub.mkdir()
            _write_resources(sub, child)


def _only_child(el: etree._Element) -> etree._Element:
    [child] = [k for k in el if isinstance(k.tag, str)]
    return child


def test_the_suite_is_there_and_whole():
    if not ALL:
        pytest.skip(f"RELAX NG test suite not found: {SPECTEST} (set TEIKIT_SHARED)")
    assert len(ALL) == CASES


@pytest.mark.parametrize("case", PARAMS)
def test_spectest_case(case, tmp_path):
    if case is None:
        pytest.skip(f"RELAX NG test suite not found: {SPECTEST} (set TEIKIT_SHARED)")
    _write_resources(tmp_path, case)
    correct = case.find("correct")
    schema = tmp_path / "c.rng"
    schema_el = correct if correct is not None else case.find("incorrect")
    kids = [k for k in schema_el if isinstance(k.tag, str)]
    schema.write_bytes(_serialise(kids[0]) if kids else (schema_el.text or "").encode())
    if correct is None:
        with pytest.raises(IncorrectSchema) as info:
            read_schema(schema)
        assert info.value.file and info.value.line > 0, info.value.message
        assert info.value.message.startswith(f"{info.value.file}:{info.value.line}:")
        return
    read_schema(schema)  # raises if rejected
    grammar = compile_grammar(schema)
    for expected in ("valid", "invalid"):
        for n, instance in enumerate(case.findall(expected)):
            path = tmp_path / f"{expected}-{n}.xml"
            path.write_bytes(_serialise(_only_child(instance)))
            tree = etree.parse(str(path))
            verdict = is_valid(tree, grammar)
            explained = not explain(tree, grammar, file=str(path))
            assert (verdict, explained) == (expected == "valid",) * 2, path.read_text()
