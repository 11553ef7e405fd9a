"""The project's schema: teikit.rng is reproducible and a strict subset of
tei_all; teikit.sch runs; the edition is valid against all of them; each
restriction catches its fixture."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

from teikit.document import load
from teikit.schemas import tei_all
from teikit.validate import validate_files

from conftest import FIXTURES, ROOT, TEI, RelaxNG

SCHEMA_FIXTURES = FIXTURES / "schema"
EDITION = sorted(str(p) for p in TEI.glob("*.xml"))


def test_teikit_rng_is_reproducible():
    result = subprocess.run(
        [sys.executable, str(ROOT / "schema" / "build.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("schema", ["tei_all", "teikit"])
def test_edition_is_valid(schema):
    report = validate_files(EDITION, [schema])
    assert [d.format() for d in report.diagnostics] == []
    assert report.valid and len(report.files) == len(EDITION) == 8


def test_edition_is_valid_under_current_tei_release(shared_tei_all):
    validator = RelaxNG(shared_tei_all)
    for path in EDITION:
        assert validator.validate(etree.parse(path)), f"{path}: {validator.error_log}"


def test_fixtures_valid_for_teikit_are_valid_for_tei_all():
    """Strict subset: whatever teikit.rng accepts, tei_all accepts too."""
    tei = RelaxNG(tei_all().path)
    teikit = RelaxNG(ROOT / "schema" / "teikit.rng")
    candidates = [*EDITION, *map(str, SCHEMA_FIXTURES.glob("*.xml"))]
    accepted = [p for p in candidates if teikit.validate(load(p).tree)]
    assert len(accepted) >= len(EDITION)
    for path in accepted:
        assert tei.validate(load(path).tree), path


def errors(path: Path, schema: str) -> list[tuple[int, str]]:
    report = validate_files([str(path)], [schema])
    return [(d.line, d.code or d.message) for d in report.diagnostics if d.source != "xml"]


def test_valid_letter_fixture_passes_everything():
    assert errors(SCHEMA_FIXTURES / "valid-letter.xml", "teikit") == []


@pytest.mark.parametrize(
    ("fixture", "line", "column", "message"),
    [
        (
            "persname-without-ref-1_error.xml",
            14,
            2,
            'element "persName" missing required attribute "ref"',
        ),
        (
            "date-with-time-1_error.xml",
            14,
            2,
            'value of attribute "when" is invalid; must be an ISO date (YYYY, YYYY-MM or YYYY-MM-DD), got "1954-06-22T10:00:00"',
        ),
        (
            "correspdesc-without-received-1_error.xml",
            9,
            18,
            'element "correspDesc" incomplete; missing required element "correspAction"',
        ),
        (
            "msidentifier-without-idno-1_error.xml",
            7,
            27,
            'element "msIdentifier" incomplete; missing required element "idno"',
        ),
    ],
)
def test_teikit_rng_restrictions(fixture, line, column, message):
    path = SCHEMA_FIXTURES / fixture
    tei_report = validate_files([str(path)], ["tei_all"])
    assert tei_report.valid, "fixture must be valid TEI so that only the restriction fails"
    report = validate_files([str(path)], [str(ROOT / "schema" / "teikit.rng")])
    assert not report.valid
    found = [(d.line, d.column, d.message) for d in report.diagnostics if d.source == "rng"]
    assert found == [(line, column, message)]


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        ("sent-date-differs-from-dateline-1_error.xml", [(9, "sent-date-mismatch")]),
        ("ref-dangling-1_error.xml", [(14, "ref-target-missing")]),
        ("xml-id-duplicate-in-file-2_errors.xml", [(13, "duplicate-id"), (14, "duplicate-id")]),
    ],
)
def test_teikit_schematron_rules(fixture, expected):
    assert errors(SCHEMA_FIXTURES / fixture, str(ROOT / "schema" / "teikit.sch")) == expected


def test_xml_id_duplicated_across_the_edition():
    folder = FIXTURES / "edition-duplicate-id"
    report = validate_files([str(folder / "letter.xml")], [str(ROOT / "schema" / "teikit.sch")])
    [diagnostic] = report.diagnostics
    assert diagnostic.code == "duplicate-id-edition"
    assert "register.xml" in diagnostic.message and diagnostic.line == 13
