"""The command line, through click's CliRunner: exit codes and exact lines."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from teikit import __version__
from teikit.cli import cli

from conftest import FIXTURES, ROOT, TEI

SCHEMA = FIXTURES / "schema"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def invoke(runner: CliRunner, *args: str):
    return runner.invoke(cli, list(args), catch_exceptions=False)


def test_version(runner):
    result = invoke(runner, "--version")
    assert result.exit_code == 0
    assert result.output.strip() == f"teikit, version {__version__}"


def test_validate_the_edition(runner):
    result = invoke(runner, "validate", str(TEI))
    assert result.exit_code == 0, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(
        "8 files, 8 valid, 0 invalid, 0 errors, 0 warnings (teikit, teikit.sch, teikit rules;"
    )


def test_validate_reports_findings_with_location(runner):
    path = SCHEMA / "ref-dangling-1_error.xml"
    result = invoke(runner, "validate", str(path), "--schema", str(ROOT / "schema" / "teikit.sch"))
    assert result.exit_code == 1
    first, summary = result.stderr.splitlines()
    assert first == (
        f'{path}:14:1: error: @ref "register.xml#nobody" on persName does not resolve: add an entry '
        "with that xml:id to the register, or correct the reference. [schematron:ref-target-missing]"
    )
    assert summary.startswith("1 files, 0 valid, 1 invalid, 1 errors, 0 warnings")


def test_validate_carries_on_past_bad_files(runner, tmp_path):
    missing = tmp_path / "missing.xml"
    malformed = FIXTURES / "cli" / "malformed-unclosed.xml"
    good = SCHEMA / "valid-letter.xml"
    result = invoke(
        runner, "validate", str(missing), str(malformed), str(good), "--schema", "tei_all"
    )
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"{missing}:0:0: error: ")
    assert lines[0].endswith("[xml:file-not-found]")
    assert lines[1].startswith(f"{malformed}:5:") and "[xml:not-well-formed]" in lines[1]
    assert lines[-1].startswith("3 files, 1 valid, 2 invalid")
    assert "Traceback" not in result.output


def test_quiet_prints_errors_only(runner):
    result = invoke(
        runner, "validate", "-q", str(SCHEMA / "valid-letter.xml"), "--schema", "tei_all"
    )
    assert result.exit_code == 0
    assert result.stderr == ""


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        ("schema.rnc", "RELAX NG compact syntax is not supported"),
        ("schema.dtd", "DTD validation is not supported"),
        ("schema.txt", "unknown schema"),
        ("missing.rng", "schema file not found"),
    ],
)
def test_unusable_schema_is_a_usage_error(runner, schema, message):
    result = invoke(runner, "validate", str(SCHEMA / "valid-letter.xml"), "--schema", schema)
    assert result.exit_code == 2
    assert message in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_broken_schematron_is_a_tool_failure(runner):
    result = invoke(
        runner,
        "validate",
        str(SCHEMA / "valid-letter.xml"),
        "--schema",
        str(FIXTURES / "cli" / "broken-schematron.sch"),
    )
    assert result.exit_code == 3
    [line] = result.stderr.splitlines()
    assert line.startswith("teikit: error: ") and "does not compile" in line


def test_empty_folder_is_a_usage_error(runner, tmp_path):
    result = invoke(runner, "validate", str(tmp_path))
    assert result.exit_code == 2
    assert "no XML files found" in result.stderr


HOSTILE = [
    ("xxe-local-file.xml", "external-entity"),
    ("xxe-parameter-entity.xml", "external-entity"),
    ("billion-laughs.xml", "entity-declaration"),
    ("invalid-utf8.xml", "bad-encoding"),
    ("empty.xml", "file-empty"),
    ("non-tei-root.xml", "not-tei"),
]


def test_hostile_and_broken_inputs_give_one_line_each(runner):
    paths = [str(FIXTURES / "loader" / name) for name, _ in HOSTILE]
    result = invoke(runner, "validate", *paths, "--schema", "tei_all")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == len(HOSTILE) + 1  # one diagnostic per file, then the summary
    for line, path, (_, code) in zip(lines, paths, HOSTILE, strict=False):
        assert line.startswith(f"{path}:") and ": error: " in line
        assert line.endswith(f"[xml:{code}]")
    assert "root:" not in result.output  # nothing of /etc/passwd leaked
    assert "Traceback" not in result.output
