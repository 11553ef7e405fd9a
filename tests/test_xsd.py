"""XSD as Oxygen does it (issue 11, item 4): XSD 1.1 when the schema asks for it,
xsi:schemaLocation and xsi:noNamespaceSchemaLocation honoured, offline, with
catalogs; located findings; and, on a real edition, the verdicts of
xmlschema.XMLSchema11 file by file."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from teikit.cli import cli
from teikit.document import load
from teikit.schemas import SchemaSource
from teikit.validate import ValidateOptions, validate_files, xsd

from conftest import FIXTURES, SHARED
from loopback import Listener

XSD = FIXTURES / "xsd"
SCHNITZLER = SHARED / "corpora" / "schnitzler-briefe"


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_a_schema_asking_for_xsd_11_is_read_as_xsd_11() -> None:
    import xmlschema

    assert xsd.wants_xsd_11(XSD / "letter-xsd11.xsd")
    assert not xsd.wants_xsd_11(XSD / "note.xsd")
    schema, _ = xsd.load_schema(SchemaSource("x", XSD / "letter-xsd11.xsd", "xsd", trusted=True))
    assert isinstance(schema, xmlschema.XMLSchema11)
    schema, _ = xsd.load_schema(SchemaSource("x", XSD / "note.xsd", "xsd", trusted=True))
    assert type(schema) is xmlschema.XMLSchema10


def test_xsi_schema_location_is_honoured_and_xsd_11_assertions_run() -> None:
    path = XSD / "xsd11-assertion-fails-1_error.xml"
    result = invoke("validate", str(path))
    assert result.exit_code == 1, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"{path}:5:3: error: ") and lines[0].endswith("[xsd:invalid]")
    assert "assert" in lines[0].lower()
    assert lines[1].startswith(
        "1 files, 0 valid, 1 invalid, 1 errors, 0 warnings (letter-xsd11.xsd;"
    )


def test_xsi_no_namespace_schema_location_on_a_document_that_is_not_tei() -> None:
    path = XSD / "xsi-no-namespace-not-tei-1_error.xml"
    result = invoke("validate", str(path))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"{path}:3:3: error: invalid value 'nineteen fifty-four': not a valid xs:gYear [xsd:value]"
    )


def test_a_document_naming_no_schema_must_still_be_tei(tmp_path: Path) -> None:
    path = tmp_path / "plain.xml"
    path.write_text("<ead><unitdate>1954</unitdate></ead>", encoding="utf-8")
    report = validate_files([str(path)])
    [diagnostic] = report.diagnostics
    assert diagnostic.code == "not-tei"


def test_a_remote_schema_location_is_not_fetched(tmp_path: Path) -> None:
    with Listener() as listener:
        text = (XSD / "xsi-remote-schema-location.xml").read_text(encoding="utf-8")
        path = tmp_path / "remote.xml"
        path.write_text(text.replace("@URL@", listener.url), encoding="utf-8")
        result = invoke("validate", str(path))
        assert listener.connections() == 0
    # One warning; tei_all applies instead, and finds the xsi attribute it does not allow.
    warning = (
        f"{path}:4:6: warning: remote schema not fetched: {listener.url}/tei_all.xsd (named in "
        "xsi:schemaLocation); teikit never downloads while validating: save a local copy and "
        "point the schemaLocation at it, or map the URL to a file in an XML catalog "
        "[xsd:schema-not-fetched]"
    )
    assert warning in result.stderr.splitlines()
    assert "(tei_all 4.12.0;" in result.stderr


def test_catalogs_map_xsi_locations_and_imports(tmp_path: Path) -> None:
    """A remote location and a remote xs:import, both mapped to local copies."""
    (tmp_path / "local-letter.xsd").write_bytes((XSD / "letter-xsd11.xsd").read_bytes())
    (tmp_path / "main.xsd").write_text(
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:main" '
        'xmlns:vc="http://www.w3.org/2007/XMLSchema-versioning" vc:minVersion="1.1" '
        'xmlns:m="urn:main" elementFormDefault="qualified">'
        '<xs:import namespace="http://www.tei-c.org/ns/1.0" '
        'schemaLocation="https://schemas.example.org/letter.xsd"/>'
        '<xs:element name="box"><xs:complexType><xs:sequence>'
        '<xs:element ref="tei:TEI" xmlns:tei="http://www.tei-c.org/ns/1.0"/>'
        "</xs:sequence></xs:complexType></xs:element></xs:schema>",
        encoding="utf-8",
    )
    catalog = tmp_path / "catalog.xml"
    catalog.write_text(
        '<catalog xmlns="urn:oasis:names:tc:entity:xmlns:xml:catalog">'
        '<uri name="https://schemas.example.org/letter.xsd" uri="local-letter.xsd"/>'
        '<uri name="https://schemas.example.org/main.xsd" uri="main.xsd"/>'
        "</catalog>",
        encoding="utf-8",
    )
    path = tmp_path / "box.xml"
    path.write_text(
        '<box xmlns="urn:main" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="urn:main https://schemas.example.org/main.xsd">'
        '<TEI xmlns="http://www.tei-c.org/ns/1.0"><date from="1954-09-27" to="1954-09-23"/>'
        "</TEI></box>",
        encoding="utf-8",
    )
    with Listener():  # nothing listens at schemas.example.org; the catalog must answer
        report = validate_files([str(path)], options=ValidateOptions(catalogs=(str(catalog),)))
    assert [(d.source, d.code) for d in report.diagnostics] == [("xsd", "invalid")]
    assert report.files[0].schemas == ["https://schemas.example.org/main.xsd"]


def test_findings_are_located_at_the_element_or_attribute(tmp_path: Path) -> None:
    path = tmp_path / "note.xml"
    path.write_text(
        '<note xmlns="urn:teikit:note" bogus="1">\n  <to>x</to>\n  <date>1954-06-22</date>\n'
        "  <extra/>\n</note>\n",
        encoding="utf-8",
    )
    report = validate_files([str(path)], [str(XSD / "note.xsd")])
    assert [(d.line, d.column, d.code) for d in report.diagnostics] == [
        (1, 31, "invalid"),  # the attribute
        (4, 3, "content"),  # the unexpected child itself
    ]
    assert report.diagnostics[1].message == "Unexpected child with tag 'extra' at position 3."


# --------------------------------------------------------------------------- a real edition


@pytest.fixture(scope="session")
def schnitzler_files() -> list[Path]:
    files = sorted((SCHNITZLER / "editions").glob("*.xml"))
    if not files:
        pytest.skip(f"Schnitzler sample not found under {SCHNITZLER} (set TEIKIT_SHARED)")
    return files


@pytest.fixture(scope="session")
def schnitzler_reference(schnitzler_files) -> dict[str, int]:
    """xmlschema.XMLSchema11's error count per file, against the edition's own XSD."""
    import xmlschema

    schema = xmlschema.XMLSchema11(
        str(SCHNITZLER / "meta" / "schnitzler-briefe-schema.xsd"), allow="local"
    )
    return {
        str(path): len(list(schema.iter_errors(etree.parse(str(path)))))
        for path in schnitzler_files
    }


@pytest.fixture(scope="session")
def schnitzler_report(schnitzler_files):
    """teikit validate on the sample as a user runs it: no options; the letters
    name their Schematron in <?xml-model?> and their XSD in xsi:schemaLocation."""
    return validate_files([str(p) for p in schnitzler_files], jobs=2)


def test_schnitzler_xsd_verdicts_are_xmlschema11s(schnitzler_report, schnitzler_reference):
    ours = Counter(d.file for d in schnitzler_report.diagnostics if d.source == "xsd")
    verdicts = {f.file: ours[f.file] == 0 for f in schnitzler_report.files}
    assert verdicts == {file: errors == 0 for file, errors in schnitzler_reference.items()}
    assert list(verdicts.values()).count(False) == 6  # the sample's invalid letters
    # The same errors, less exact repeats (one finding per line, column and message).
    assert all(0 < ours[f] <= n for f, n in schnitzler_reference.items() if n)


def test_schnitzler_uses_both_declared_schemas_offline(schnitzler_report):
    assert schnitzler_report.used_schemas()[:2] == [
        "../meta/schnitzler-briefe-schematron.sch",
        "../meta/schnitzler-briefe-schema.xsd",
    ]
    codes = Counter(d.code for d in schnitzler_report.diagnostics)
    assert not codes["schema-not-fetched"] and not codes["remote-schema"]
    assert not codes["untrusted-code-refused"]  # its Schematron runs in the sandbox as is
    located = [d for d in schnitzler_report.diagnostics if d.source == "xsd"]
    assert located and all(d.line > 0 and d.column > 0 for d in located)


def test_xsd_is_an_engine_like_the_others() -> None:
    """Every schema language behind one protocol (issue 11, item 7): kind and
    suffixes that agree with how schemas are named, compile, then check."""
    from teikit.schemas import SUFFIX_KINDS
    from teikit.validate import Validator
    from teikit.validate.engine import Checked

    engines = Validator().engines
    assert sorted(engines) == ["rng", "rng-sch", "sch", "xsd"]
    for kind, engine in engines.items():
        assert engine.kind == kind
        assert all(SUFFIX_KINDS[suffix] == kind.split("-")[0] for suffix in engine.suffixes)
    assert {s for e in engines.values() for s in e.suffixes} == set(SUFFIX_KINDS)
    source = SchemaSource("note.xsd", XSD / "note.xsd", "xsd", trusted=True)
    compiled = engines["xsd"].compile(source)
    doc = load(XSD / "note-bad-date-1_error.xml", require_tei=False)
    checked = engines["xsd"].check(doc, source, compiled)
    assert isinstance(checked, Checked) and checked.active
    assert checked.diagnostics == xsd.check(doc, source)
    assert [(d.source, d.code) for d in checked.diagnostics] == [("xsd", "value")]


def test_a_broken_xsd_given_with_schema_stops_the_run(tmp_path: Path) -> None:
    """As a broken --schema grammar does: exit 3 and one message, not a finding per file."""
    schema = tmp_path / "broken.xsd"
    schema.write_text(
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">'
        '<xs:element name="a" type="undeclared"/></xs:schema>',
        encoding="utf-8",
    )
    for name in ("one.xml", "two.xml"):
        (tmp_path / name).write_text("<a/>", encoding="utf-8")
    result = invoke("validate", "-j", "2", "--schema", str(schema), str(tmp_path / "one.xml"),
                    str(tmp_path / "two.xml"))  # fmt: skip
    assert result.exit_code == 3
    [line] = result.stderr.splitlines()
    assert line.startswith(f"teikit: error: {schema}: cannot load XSD: unknown type 'undeclared'")
