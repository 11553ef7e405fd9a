"""Issue 12, findings 1 and 2: documents, and the schemas they name, are untrusted
(docs/security.md). They read no file, no environment variable and open no
connection; each attempt is one diagnostic for the document, and the batch goes
on. A loopback listener in another process (tests/loopback.py) proves that no
connection is made. Schemas the user gives (--schema, --xsl) keep full XPath.

One fixture per finding, in tests/fixtures/security/, named for it; ``@URL@``
in them is replaced by the listener's address."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from teikit.cli import cli
from teikit.errors import Severity
from teikit.validate import validate_files

from conftest import FIXTURES, ROOT
from loopback import Listener

HOSTILE = FIXTURES / "security"
# The hostile schema reads PATH: Saxon sees the environment as it was when its
# processor started, so a variable set by a test would prove nothing.
SECRET = os.environ["PATH"]


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def listener() -> Iterator[Listener]:
    with Listener() as running:
        yield running


@pytest.fixture
def hostile(tmp_path: Path, listener: Listener) -> Path:
    """The hostile fixtures, aimed at the listener, in a folder of their own."""
    for fixture in HOSTILE.iterdir():
        text = fixture.read_text(encoding="utf-8").replace("@URL@", listener.url)
        (tmp_path / fixture.name).write_text(text, encoding="utf-8")
    return tmp_path


def refusal_lines(result, path: Path) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith(f"{path}:")]


def test_untrusted_schematron_cannot_read_a_file(hostile: Path) -> None:
    path = hostile / "untrusted-sch-reads-file.xml"
    schema = hostile / "untrusted-sch-reads-file.sch"
    result = invoke("validate", str(path))
    assert result.exit_code == 1
    [line] = refusal_lines(result, path)
    # At the element the rule ran on: the sandbox stopped it there.
    assert line == (
        f"{path}:3:1: error: {schema}: the schema tried to read a file or URL, which a schema "
        "named by a document may not do (Access to URI file:/etc/passwd has been prohibited); "
        f"to trust it, pass it with --schema {schema} [sandbox:untrusted-code-refused]"
    )
    assert "root:" not in result.output and "leaked" not in result.output
    assert result.stderr.splitlines()[-1].startswith("1 files, 0 valid, 1 invalid, 1 errors")


def test_untrusted_schematron_cannot_read_the_environment(hostile: Path) -> None:
    path = hostile / "untrusted-sch-reads-environment.xml"
    schema = hostile / "untrusted-sch-reads-environment.sch"
    result = invoke("validate", str(path))
    assert result.exit_code == 1
    [line] = refusal_lines(result, path)
    # Refused before it ran: located in the schema (line 9), named the function.
    assert line == (
        f"{path}:2:1: error: {schema}:9: refused: it calls environment-variable() (reads the "
        "process environment), which a schema that a document names may not do; to trust it, "
        f"pass it with --schema {schema} [sandbox:untrusted-code-refused]"
    )
    assert SECRET not in result.output


def test_the_same_schematron_given_on_the_command_line_is_trusted(hostile: Path) -> None:
    path = hostile / "untrusted-sch-reads-environment.xml"
    schema = hostile / "untrusted-sch-reads-environment.sch"
    result = invoke("validate", str(path), "--schema", str(schema))
    assert result.exit_code == 1
    assert f"leaked: {SECRET} [schematron]" in result.stderr  # it ran, with full XPath


def test_untrusted_schematron_cannot_phone_home(hostile: Path, listener: Listener) -> None:
    path = hostile / "untrusted-sch-phones-home.xml"
    report = validate_files([str(path)])
    assert listener.connections() == 0
    # Each rule that tried is one refusal; the other rules still ran.
    assert [(d.line, d.code, d.source) for d in report.diagnostics] == [
        (3, "untrusted-code-refused", "sandbox"),
        (3, "untrusted-code-refused", "sandbox"),
    ]
    assert all("the schema tried to read a file or URL" in d.message for d in report.diagnostics)


def test_embedded_schematron_of_an_untrusted_grammar_cannot_phone_home(
    hostile: Path, listener: Listener
) -> None:
    path = hostile / "untrusted-rng-embedded-sch-phones-home.xml"
    report = validate_files([str(path)])
    assert listener.connections() == 0
    # doc-available() answers false (its assertion fails); doc() is refused.
    refusal, finding = report.diagnostics  # sandbox sorts before schematron
    assert (finding.source, finding.code, finding.message) == ("schematron", "", "not fetched")
    assert refusal.code == "untrusted-code-refused"
    assert str(hostile / "untrusted-rng-embedded-sch-phones-home.rng") in refusal.message


def test_xml_base_does_not_make_the_bundled_rules_fetch(hostile: Path, listener: Listener) -> None:
    path = hostile / "xml-base-phones-home.xml"
    report = validate_files([str(path)], ["teikit"])
    assert listener.connections() == 0
    # The register is not beside the letter (nor at xml:base): every file
    # reference is reported, from this file's own folder.
    assert [(d.line, d.code) for d in report.diagnostics] == [
        (11, "ref-target-missing"),
        (11, "ref-target-missing"),
        (15, "ref-target-missing"),
    ]


def test_xml_base_is_ignored_when_the_register_is_there(tmp_path: Path) -> None:
    letter = (FIXTURES / "schema" / "ref-dangling-1_error.xml").read_text(encoding="utf-8")
    (tmp_path / "letter.xml").write_text(
        letter.replace("<TEI ", '<TEI xml:base="http://127.0.0.1:9/elsewhere/" ', 1),
        encoding="utf-8",
    )
    (tmp_path / "register.xml").write_bytes((FIXTURES / "schema" / "register.xml").read_bytes())
    report = validate_files([str(tmp_path / "letter.xml")], ["teikit"])
    assert [(d.line, d.code) for d in report.diagnostics] == [(14, "ref-target-missing")]


def test_untrusted_xsd_does_not_fetch_its_imports(hostile: Path, listener: Listener) -> None:
    path = hostile / "xsd-import-phones-home.xml"
    schema = hostile / "xsd-import-phones-home.xsd"
    result = invoke("validate", str(path))
    assert listener.connections() == 0
    assert result.exit_code == 1
    [line] = refusal_lines(result, path)
    assert line == (
        f"{path}:2:1: error: remote schema not fetched: {listener.url}/elsewhere.xsd (named in "
        f"{schema}:7); teikit never downloads while validating: save a local copy and point "
        "the schemaLocation at it, or map the URL to a file in an XML catalog [xsd:remote-schema]"
    )


def test_xsd_loading_makes_no_dns_lookup(monkeypatch, tmp_path: Path) -> None:
    """Issue 11: XSD loading looked up www.w3.org, for an xs:import of xml.xsd by URL.
    Now nothing resolves a host name, trusted schema or not."""
    import socket

    from teikit.schemas import SchemaSource
    from teikit.validate import xsd

    def no_network(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args[:2]}")

    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    text = (HOSTILE / "xsd-import-phones-home.xsd").read_text(encoding="utf-8")
    path = tmp_path / "remote-import.xsd"
    path.write_text(text.replace("@URL@", "http://schemas.example.org"), encoding="utf-8")
    for trusted in (True, False):
        _, remote = xsd.load_schema(SchemaSource("x.xsd", path, "xsd", trusted=trusted))
        # xml.xsd comes with xmlschema: only the other import is reported.
        assert remote == ((str(path), 7, "http://schemas.example.org/elsewhere.xsd"),)


def test_a_refused_schema_does_not_stop_the_batch(hostile: Path) -> None:
    paths = [
        hostile / "untrusted-sch-reads-environment.xml",
        hostile / "untrusted-sch-reads-file.xml",
        FIXTURES / "schema" / "valid-letter.xml",
    ]
    report = validate_files([str(p) for p in paths], jobs=1)
    assert [f.valid for f in report.files] == [False, False, True]
    assert all(
        d.severity is Severity.ERROR and d.code == "untrusted-code-refused"
        for f in report.files[:2]
        for d in f.diagnostics
    )


# --------------------------------------------------------------------------- trusted paths


def test_trusted_schematron_keeps_full_xpath(tmp_path: Path) -> None:
    """A schema given with --schema may read files (here: the register beside it)."""
    (tmp_path / "register.xml").write_text(
        '<TEI xmlns="http://www.tei-c.org/ns/1.0"><text><body><listPerson>'
        '<person xml:id="p1"/></listPerson></body></text></TEI>',
        encoding="utf-8",
    )
    (tmp_path / "notes.txt").write_text("local notes", encoding="utf-8")
    (tmp_path / "mine.sch").write_text(
        """<schema xmlns="http://purl.oclc.org/dsdl/schematron" queryBinding="xslt3">
  <ns prefix="tei" uri="http://www.tei-c.org/ns/1.0"/>
  <pattern><rule context="tei:persName">
    <assert test="doc(resolve-uri('register.xml', base-uri()))//tei:person[@xml:id = substring-after(current()/@ref, '#')]">unknown person</assert>
    <report test="true()">notes: <value-of select="unparsed-text(resolve-uri('notes.txt', base-uri()))"/></report>
  </rule></pattern>
</schema>""",
        encoding="utf-8",
    )
    (tmp_path / "letter.xml").write_text(
        '<TEI xmlns="http://www.tei-c.org/ns/1.0"><text><body><p>'
        '<persName ref="register.xml#p1">A</persName><persName ref="register.xml#p2">B</persName>'
        "</p></body></text></TEI>",
        encoding="utf-8",
    )
    report = validate_files([str(tmp_path / "letter.xml")], [str(tmp_path / "mine.sch")])
    assert sorted(d.message for d in report.diagnostics) == [
        "notes: local notes",
        "notes: local notes",
        "unknown person",
    ]


def test_user_stylesheet_keeps_full_xpath(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("from a file", encoding="utf-8")
    xsl = tmp_path / "mine.xsl"
    xsl.write_text(
        """<xsl:stylesheet xmlns:xsl="http://www.w3.org/1999/XSL/Transform" version="3.0">
  <xsl:output method="text"/>
  <xsl:template match="/"><xsl:value-of select="unparsed-text(resolve-uri('notes.txt', static-base-uri()))"/></xsl:template>
</xsl:stylesheet>""",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = invoke(
        "transform",
        str(ROOT / "tei" / "cable-1954-07-24.xml"),
        "--xsl",
        str(xsl),
        "-o",
        str(out),
    )
    assert result.exit_code == 0, result.stderr
    assert (out / "cable-1954-07-24.html").read_text(encoding="utf-8") == "from a file"


def test_the_bundled_edition_keeps_its_cross_file_checks() -> None:
    """teikit.sch reads nothing itself, yet still sees the register (handed in)."""
    path = FIXTURES / "schema" / "ref-dangling-1_error.xml"
    report = validate_files([str(path)], [str(ROOT / "schema" / "teikit.sch")])
    [diagnostic] = report.diagnostics
    assert diagnostic.code == "ref-target-missing" and '"register.xml#nobody"' in diagnostic.message


def test_trusted_code_reaches_no_network_either(tmp_path: Path, listener: Listener) -> None:
    """A schema the user trusts, reading what a document points to: the document
    cannot make it phone home (Saxon's trusted processor allows file: only)."""
    (tmp_path / "mine.sch").write_text(
        """<schema xmlns="http://purl.oclc.org/dsdl/schematron" queryBinding="xslt3">
  <pattern><rule context="*[@target]">
    <assert test="doc-available(resolve-uri(@target, base-uri(.)))">not there</assert>
    <assert test="doc(resolve-uri(@target, base-uri(.)))">unreadable</assert>
  </rule></pattern>
</schema>""",
        encoding="utf-8",
    )
    doc = tmp_path / "letter.xml"
    doc.write_text(
        f'<TEI xmlns="http://www.tei-c.org/ns/1.0" xml:base="{listener.url}/">'
        '<text><body><p><ref target="secret.xml">x</ref></p></body></text></TEI>',
        encoding="utf-8",
    )
    report = validate_files([str(doc)], [str(tmp_path / "mine.sch")])
    assert listener.connections() == 0
    assert sorted((d.code, d.message.split(" (")[0]) for d in report.diagnostics) == [
        ("", "not there"),  # doc-available() is false
        ("dynamic-error", f"a rule of {tmp_path / 'mine.sch'} failed here with a dynamic error"),
    ]  # doc() was refused: a finding at the element, and the other check still ran
    assert "has been" in "".join(d.message for d in report.diagnostics)
