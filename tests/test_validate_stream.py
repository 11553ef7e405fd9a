"""Findings stream: each file's findings (schemas, and the rules that need only
that file) are shown as it finishes, in input order; the rules' findings that
need every file follow."""

from __future__ import annotations

from click.testing import CliRunner

from teikit.cli import cli

from conftest import FIXTURES

RULES = FIXTURES / "rules" / "dangling-ref"
INVALID = FIXTURES / "validate" / "missing-attribute-1_error.xml"


def test_the_cli_shows_each_files_findings_as_it_finishes_rules_included():
    # The rules check each document where the schemas do (in the workers), so a
    # document's rule findings come with it, in input order; only what needs the
    # whole edition (pointers into files not given …) comes after.
    result = CliRunner().invoke(
        cli, ["validate", "--rules", str(RULES), str(INVALID), "-j", "2"], catch_exceptions=False
    )
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert [line.split(": ")[-1].rsplit("[", 1)[-1] for line in lines[:2]] == [
        "rules:dangling-ref]",
        "rng:attribute-missing]",
    ]
    assert lines[0].startswith(f"{RULES / 'text.xml'}:")
    assert lines[1].startswith(f"{INVALID}:")
