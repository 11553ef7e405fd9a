"""jing is the reference: teikit and jing give the same valid/invalid verdict
against the same RELAX NG schema on every file of the edition and of the
fixtures, and teikit keeps going where jing stops at a malformed file."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

import pytest

from teikit.document import load
from teikit.errors import LoadError
from teikit.schemas import tei_all
from teikit.validate import ValidateOptions, validate_files

from conftest import FIXTURES, ROOT, SHARED, TEI, jing_command

pytestmark = pytest.mark.jing
TEI_ALL = tei_all().path  # the bundled current release
TEI_ALL_4_3_0 = tei_all("4.3.0").path
TEIKIT_RNG = ROOT / "schema" / "teikit.rng"
LETTERS_1916 = SHARED / "corpora" / "letters1916"


def jing_invalid_files(schema: Path, files: list[Path]) -> set[str]:
    """Files jing reports errors for. One JVM for all files; jing stops a batch
    at a fatal (parse) error, so after one the rest are checked one by one."""
    run = subprocess.run(
        [*jing_command(), str(schema), *map(str, files)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    lines = (run.stdout + run.stderr).splitlines()
    if any(": fatal: " in line for line in lines):
        invalid = set()
        for path in files:
            one = subprocess.run(
                [*jing_command(), str(schema), str(path)],
                capture_output=True,
                text=True,
                timeout=120,
            )
            if one.returncode != 0:
                invalid.add(str(path))
        return invalid
    return {str(path) for path in files if any(line.startswith(f"{path}:") for line in lines)}


def candidates() -> list[Path]:
    files = sorted(TEI.glob("*.xml"))
    for folder in ("validate", "schema", "rng", "xml-model", "render"):
        files += sorted((FIXTURES / folder).glob("*.xml"))
    usable = []
    for path in files:
        try:
            load(str(path))
        except LoadError:
            continue  # not well-formed or hostile: no schema verdict to compare
        usable.append(path)
    return usable


@pytest.mark.parametrize(
    "schema", [TEI_ALL, TEI_ALL_4_3_0, TEIKIT_RNG], ids=["tei_all", "tei_all-4.3.0", "teikit"]
)
def test_same_verdict_as_jing(schema):
    files = candidates()
    assert len(files) > 20
    report = validate_files(
        [str(p) for p in files],
        options=ValidateOptions(schemas=(str(schema),), embedded_schematron=False, rules=False),
    )
    ours = {
        r.file
        for r in report.files
        if any(d.source == "rng" and d.severity.name in ("ERROR", "FATAL") for d in r.diagnostics)
    }
    assert ours == jing_invalid_files(schema, files)


def test_teikit_keeps_going_where_jing_stops(tmp_path):
    malformed = FIXTURES / "cli" / "malformed-unclosed.xml"
    invalid = FIXTURES / "validate" / "missing-attribute-1_error.xml"
    jing = subprocess.run(
        [*jing_command(), str(TEI_ALL), str(malformed), str(invalid)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    # jing reports the malformed file and never gets to the invalid one.
    assert "missing required attribute" not in jing.stdout + jing.stderr
    report = validate_files([str(malformed), str(invalid)], [str(TEI_ALL)])
    assert [r.valid for r in report.files] == [False, False]
    assert "missing required attribute" in report.files[1].diagnostics[0].message


@pytest.fixture(scope="session")
def letters1916() -> list[Path]:
    files = sorted((LETTERS_1916 / "editions").glob("*.xml"))
    if not files:
        pytest.skip(f"Letters 1916 not found in {LETTERS_1916} (set TEIKIT_SHARED)")
    return files


def test_letters_1916_are_valid_offline_against_the_bundled_current_tei(letters1916, monkeypatch):
    """A fresh install (no cached release, no network), no schema option: the
    letters declare no schema, so tei_all, the bundled 4.12.0, applies."""

    def no_network(address, *args, **kwargs):
        raise AssertionError(f"network access attempted: {address}")

    monkeypatch.setattr(socket, "create_connection", no_network)
    report = validate_files([str(p) for p in letters1916])
    assert len(report.files) == 478
    assert [d.format() for d in report.diagnostics] == []
    assert report.used_schemas() == ["tei_all 4.12.0"]
    assert jing_invalid_files(TEI_ALL, letters1916) == set()


@pytest.mark.parametrize("name", ["schnitzler-briefe", "gerdracor"])
def test_real_editions_with_default_settings_find_only_what_jing_finds(name):
    """teikit's defaults add no finding of its own (the integrity rules are off
    unless the edition asks): against the same schema, the files it finds invalid
    are the files jing finds invalid."""
    folder = SHARED / "corpora" / name
    files = sorted(folder.rglob("*.xml"))
    if not files:
        pytest.skip(f"{folder} not found (set TEIKIT_SHARED)")
    report = validate_files(
        [str(p) for p in files],
        options=ValidateOptions(schemas=(str(TEI_ALL),), embedded_schematron=False),
        jobs=2,
    )
    assert not report.rules_ran
    ours = {r.file for r in report.files if not r.valid}
    assert {d.source for d in report.diagnostics} <= {"rng", "xml"}
    assert ours == jing_invalid_files(TEI_ALL, files)


def real_edition_files() -> list[Path]:
    corpora = SHARED / "corpora"
    if not corpora.is_dir():
        pytest.skip(f"real editions not found in {corpora} (set TEIKIT_SHARED)")
    return sorted(corpora.rglob("*.xml"))


def test_same_verdict_as_jing_on_every_real_edition():
    """Every file of the five real editions (letters, registers of thousands of
    entries, plays, CMIF; many invalid, some not TEI at all), file by file."""
    schema = TEI_ALL
    files = real_edition_files()
    assert len(files) > 800
    report = validate_files(
        [str(p) for p in files],
        options=ValidateOptions(schemas=(str(schema),), embedded_schematron=False, rules=False),
        jobs=2,
    )
    ours = {r.file for r in report.files if not r.valid}
    theirs = jing_invalid_files(schema, files)
    assert ours == theirs
    assert len(theirs) > 50  # invalid files are part of what is compared
