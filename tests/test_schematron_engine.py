"""Running Schematron for `teikit validate` (validate/schematron_engine.py): ISO
features on real runs, dynamic errors as findings, and what a schema that a
document names may read (includes, xsl:include, subordinate documents)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from teikit.cli import cli
from teikit.errors import Severity
from teikit.validate import validate_files

from conftest import FIXTURES
from loopback import Listener

SCH = FIXTURES / "schematron"
SCH_NS = "http://purl.oclc.org/dsdl/schematron"


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def model(href: str) -> str:
    return f'<?xml-model href="{href}" schematypens="{SCH_NS}"?>\n'


def test_iso_features_on_one_document() -> None:
    """The same let in two patterns, flag (not a severity) against role, current()
    in a rule context, a comment before the root, name/@path, xsl:key and
    xsl:function, diagnostics and properties."""
    report = validate_files([str(SCH / "iso-features.xml")], [str(SCH / "iso-features.sch")])
    assert [(d.line, d.column, d.severity, d.code, d.message) for d in report.diagnostics] == [
        (2, 0, Severity.WARNING, "todo", "a TODO comment"),
        (5, 3, Severity.ERROR, "over-limit", "item over 3 (n is 5)"),
        (6, 3, Severity.WARNING, "repeated-n", "item with n=2 repeated (2 times)"),
        (7, 3, Severity.INFO, "over-ten", "item over 10"),
        (7, 3, Severity.ERROR, "over-limit", "item over 3 (n is 12)"),
    ]


def test_properties_are_in_the_svrl(tmp_path: Path) -> None:
    from teikit.validate import ValidateOptions

    options = ValidateOptions(schemas=(str(SCH / "iso-features.sch"),), svrl=True, rules=False)
    [result] = validate_files([str(SCH / "iso-features.xml")], options=options).files
    svrl = result.svrl[0]
    assert 'property="doubled"' in svrl and "doubled: 10" in svrl
    assert 'xml:lang="en"' in svrl  # the schema's language, on each finding


def test_a_dynamic_error_is_a_finding_and_the_batch_goes_on(tmp_path: Path) -> None:
    bad, good = SCH / "dynamic-error-1_error.xml", SCH / "dynamic-error-none.xml"
    report_file = tmp_path / "report.json"
    result = invoke(
        "validate", str(bad), str(good), "--schema", str(SCH / "dynamic-error.sch"),
        "--format", "json", "--report", str(report_file),
    )  # fmt: skip
    assert result.exit_code == 1
    report = json.loads(report_file.read_text(encoding="utf-8"))
    assert report["summary"]["files"] == 2 and report["summary"]["valid"] == 1
    found = [(d["line"], d["column"], d["rule"]) for d in report["files"][0]["diagnostics"]]
    # The error at the item it happened on; the other items and patterns still checked.
    assert found == [(2, 1, "long"), (4, 3, "dynamic-error"), (5, 3, "small")]
    [message] = [d["message"] for d in report["files"][0]["diagnostics"] if d["line"] == 4]
    assert message == (
        f"a rule of {SCH / 'dynamic-error.sch'} failed here with a dynamic error "
        '(err:FORG0001): Cannot convert string "x" to an integer'
    )


def copy_into(folder: Path, *names: str) -> None:
    for name in names:
        shutil.copy(SCH / name, folder / name)


def test_an_include_holding_the_only_rule_runs_trusted_or_not(tmp_path: Path) -> None:
    copy_into(tmp_path, "include-only-rule.sch", "include-only-rule.rule.sch")
    doc = tmp_path / "list.xml"
    doc.write_text(model("include-only-rule.sch") + "<list><item/></list>\n", encoding="utf-8")
    for schemas in ([], [str(tmp_path / "include-only-rule.sch")]):
        report = validate_files([str(doc)], schemas)
        assert [(d.line, d.code) for d in report.diagnostics] == [(2, "n-missing")]


def test_an_untrusted_schema_includes_nothing_outside_the_roots(tmp_path: Path) -> None:
    (tmp_path / "outside.sch").write_bytes((SCH / "include-only-rule.rule.sch").read_bytes())
    edition = tmp_path / "edition"
    edition.mkdir()
    (edition / "s.sch").write_text(
        f'<schema xmlns="{SCH_NS}"><pattern><include href="../outside.sch"/></pattern></schema>',
        encoding="utf-8",
    )
    doc = edition / "list.xml"
    doc.write_text(model("s.sch") + "<list><item/></list>\n", encoding="utf-8")
    [diagnostic] = validate_files([str(doc)]).diagnostics
    assert diagnostic.code == "untrusted-code-refused"
    assert diagnostic.message.startswith(
        f'{edition / "s.sch"}:1:63: refused: sch:include href "../outside.sch" names no '
        "regular file inside the folders being validated"
    )
    # Given on the command line, the same schema is trusted and may.
    report = validate_files([str(doc)], [str(edition / "s.sch")])
    assert [d.code for d in report.diagnostics] == ["n-missing"]


def xsl(body: str) -> str:
    return (
        '<xsl:stylesheet xmlns:xsl="http://www.w3.org/1999/XSL/Transform" version="3.0" '
        f'xmlns:f="urn:f">{body}</xsl:stylesheet>'
    )


def test_xsl_include_of_an_untrusted_schema_is_inlined_and_vetted(tmp_path: Path) -> None:
    (tmp_path / "lib.xsl").write_text(
        xsl('<xsl:function name="f:ok"><xsl:sequence select="true()"/></xsl:function>'),
        encoding="utf-8",
    )
    (tmp_path / "s.sch").write_text(
        f'<schema xmlns="{SCH_NS}" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">'
        '<ns prefix="f" uri="urn:f"/><xsl:include href="lib.xsl"/>'
        '<pattern><rule context="item"><report test="f:ok()" id="ok">ok</report></rule></pattern>'
        "</schema>",
        encoding="utf-8",
    )
    doc = tmp_path / "list.xml"
    doc.write_text(model("s.sch") + "<list><item/></list>\n", encoding="utf-8")
    assert [d.code for d in validate_files([str(doc)]).diagnostics] == ["ok"]
    # What the included stylesheet does is vetted like the schema itself.
    (tmp_path / "lib.xsl").write_text(
        xsl(
            '<xsl:function name="f:ok">\n'
            "<xsl:sequence select=\"environment-variable('HOME') = ''\"/></xsl:function>"
        ),
        encoding="utf-8",
    )
    copy = tmp_path / "again"
    copy.mkdir()
    for name in ("lib.xsl", "s.sch", "list.xml"):
        shutil.copy(tmp_path / name, copy / name)  # a new path: compiled afresh
    [diagnostic] = validate_files([str(copy / "list.xml")]).diagnostics
    assert diagnostic.code == "untrusted-code-refused"
    assert diagnostic.message.startswith(f"{copy / 'lib.xsl'}:2: refused: it calls environment")


def test_subordinate_documents_of_an_untrusted_schema(tmp_path: Path) -> None:
    """pattern/@documents: read by teikit inside the roots; outside, or on the
    network, never read, and said so."""
    with Listener() as listener:
        (tmp_path / "s.sch").write_text(
            f'<schema xmlns="{SCH_NS}"><pattern documents="/list/see/@href">'
            '<rule context="note"><assert test="@n" id="note-n">a note needs @n</assert></rule>'
            "</pattern></schema>",
            encoding="utf-8",
        )
        (tmp_path / "notes.xml").write_text("<notes>\n<note/>\n</notes>", encoding="utf-8")
        (tmp_path.parent / "outside.xml").write_text("<notes><note/></notes>", encoding="utf-8")
        doc = tmp_path / "list.xml"
        doc.write_text(
            model("s.sch")
            + '<list><see href="notes.xml"/><see href="../outside.xml"/>'
            + f'<see href="{listener.url}/notes.xml"/></list>\n',
            encoding="utf-8",
        )
        report = validate_files([str(doc)])
        assert listener.connections() == 0
    found = [(d.file, d.line, d.code) for d in report.diagnostics]
    assert found == [
        (str(doc), 0, "document-unavailable"),
        (str(doc), 0, "document-unavailable"),
        (str(tmp_path / "notes.xml"), 2, "note-n"),  # the finding, in the file it is in
    ]
    unavailable = sorted(d.message for d in report.diagnostics if d.line == 0)
    assert f"{listener.url}/notes.xml" in unavailable[0] + unavailable[1]
    assert (tmp_path.parent / "outside.xml").as_uri().replace("///", "/") in "".join(unavailable)


def test_in_a_group_every_matching_rule_fires(tmp_path: Path) -> None:
    schema = tmp_path / "g.sch"
    schema.write_text(
        f'<schema xmlns="{SCH_NS}">'
        '<group><rule context="item[@n]"><report test="true()" id="has-n">n</report></rule>'
        '<rule context="item"><report test="true()" id="item">item</report></rule></group>'
        '<pattern><rule context="item[@n]"><report test="true()" id="first">first</report></rule>'
        '<rule context="item"><report test="true()" id="second">second</report></rule></pattern>'
        "</schema>",
        encoding="utf-8",
    )
    doc = tmp_path / "list.xml"
    doc.write_text('<list>\n<item n="1"/>\n<item/>\n</list>', encoding="utf-8")
    report = validate_files([str(doc)], [str(schema)])
    assert sorted((d.line, d.code) for d in report.diagnostics) == [
        (2, "first"), (2, "has-n"), (2, "item"), (3, "item"), (3, "second"),
    ]  # fmt: skip
