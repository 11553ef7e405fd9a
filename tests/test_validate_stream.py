"""Findings stream: each file's schema findings are shown as it finishes, in
input order; the corpus rules' findings, which need every file, follow."""

from __future__ import annotations

from click.testing import CliRunner

from teikit.cli import cli

from conftest import FIXTURES

RULES = FIXTURES / "rules" / "dangling-ref"
INVALID = FIXTURES / "validate" / "missing-attribute-1_error.xml"


def test_the_cli_shows_schema_findings_first_and_rule_findings_after():
    result = CliRunner().invoke(
        cli, ["validate", "--rules", str(RULES), str(INVALID), "-j", "2"], catch_exceptions=False
    )
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert [line.split(": ")[-1].rsplit("[", 1)[-1] for line in lines[:2]] == [
        "rng:attribute-missing]",
        "rules:dangling-ref]",
    ]
    assert lines[0].startswith(f"{INVALID}:")
    assert lines[1].startswith(f"{RULES / 'text.xml'}:")
