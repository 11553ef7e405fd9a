"""teikit index, export, transform and build through click's CliRunner, plus
validate with XSD and a user catalog: exit codes and the lines users see."""

from __future__ import annotations

import csv
import json
import shutil

from click.testing import CliRunner
from lxml import etree

from teikit.cli import cli

from conftest import FIXTURES, TEI

RENDER = FIXTURES / "render"


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


# -- index --------------------------------------------------------------------


def test_index_persons_as_json_on_stdout():
    result = invoke("index", str(TEI), "--type", "person")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["schema_version"] == 2
    djilas = next(e for e in data["persons"] if e["id"] == "djilas")
    files = {o["file"] for o in djilas["occurrences"]}
    assert {"letter-1954-06-22.xml", "letter-1954-08-11.xml", "introduction.xml"} <= files
    assert set(data) == {"schema_version", "title", "types", "documents", "persons"}


def test_index_to_csv_file(tmp_path):
    out = tmp_path / "places.csv"
    result = invoke("index", str(TEI), "--type", "place", "-o", str(out))
    assert result.exit_code == 0
    assert result.stderr.strip() == f"wrote {out}"
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert any(r.get("id") == "belgrade" for r in rows)


def test_index_suggest_reports_untagged_names_with_exit_1():
    corpus = FIXTURES / "index"
    result = invoke("index", str(corpus), "--suggest")
    assert result.exit_code == 1
    suggestions = [line for line in result.stderr.splitlines() if line.startswith(str(corpus))]
    assert suggestions and all(":" in line for line in suggestions)


def test_index_of_an_unreadable_file_goes_on(tmp_path):
    shutil.copy(TEI / "register.xml", tmp_path)
    (tmp_path / "broken.xml").write_text("<TEI", encoding="utf-8")
    result = invoke("index", str(tmp_path))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0].startswith(f"{tmp_path / 'broken.xml'}:")
    assert json.loads(result.stdout)["persons"]


# -- export -------------------------------------------------------------------


def test_export_cmif_then_check_it(tmp_path):
    out = tmp_path / "edition.cmif.xml"
    result = invoke(
        "export",
        str(TEI),
        "-o",
        str(out),
        "--editor-email",
        "ed@example.org",
        "--licence",
        "CC-BY-4.0",
        "--cmif-url",
        "https://example.org/cmif.xml",
    )
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines()[-1] == f"wrote 1 file(s) to {out}"
    ns = {"t": "http://www.tei-c.org/ns/1.0"}
    assert len(etree.parse(str(out)).findall(".//t:correspDesc", ns)) == 5
    check = invoke("validate", "--cmif", str(out))
    assert check.exit_code == 0
    assert check.stderr.splitlines()[-1].startswith("1 files, 1 valid, 0 invalid, 0 errors")


def test_export_cmif_without_required_options_is_a_usage_error(tmp_path):
    result = invoke("export", str(TEI), "-o", str(tmp_path / "x.cmif.xml"))
    assert result.exit_code == 2
    assert "--editor-email" in result.stderr
    assert not (tmp_path / "x.cmif.xml").exists()


def test_export_format_inferred_from_suffix(tmp_path):
    out = tmp_path / "places.geojson"
    result = invoke("export", str(TEI), "-o", str(out))
    assert result.exit_code == 0
    features = json.loads(out.read_text(encoding="utf-8"))["features"]
    moscow = next(f for f in features if f["properties"]["title"] == "Moscow")
    assert moscow["geometry"]["coordinates"] == [37.6173, 55.7558]


def test_export_runs_without_full_collections_and_restores_the_thresholds(tmp_path, monkeypatch):
    # The export keeps its index to the end: a full collection would walk it for
    # nothing. The process's thresholds are its own again afterwards (CliRunner
    # runs the command in this process).
    import gc

    import teikit.exports

    real = teikit.exports.export
    during = []

    def export(*args, **kwargs):
        during.append(gc.get_threshold())
        return real(*args, **kwargs)

    monkeypatch.setattr(teikit.exports, "export", export)
    before = gc.get_threshold()
    result = invoke("export", str(TEI), "-o", str(tmp_path / "places.geojson"))
    assert result.exit_code == 0, result.stderr
    assert during == [(before[0], before[1], 1_000_000)]
    assert gc.get_threshold() == before


def test_export_ambiguous_suffix_asks_for_to(tmp_path):
    result = invoke("export", str(TEI), "-o", str(tmp_path / "out.xml"))
    assert result.exit_code == 2
    assert "--to" in result.stderr


# -- transform ----------------------------------------------------------------


def test_transform_user_stylesheet_with_params_over_a_folder(tmp_path):
    result = invoke(
        "transform",
        str(TEI),
        "--to",
        "txt",
        "-o",
        str(tmp_path),
        "--xsl",
        str(RENDER / "custom-params.xsl"),
        "--param",
        "count=41",
        "--param",
        "label=edition",
    )
    assert result.exit_code == 0, result.stderr
    first = (tmp_path / "letter-1954-06-22.txt").read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("count+1=42;") and "label=edition" in first
    warnings = [line for line in result.stderr.splitlines() if ": warning: " in line]
    assert any("note 2 seen (xsl:message at custom-params.xsl:25)" in w for w in warnings)
    assert result.stderr.splitlines()[-1].startswith("8 files, 8 transformed, 0 failed")


def test_transform_broken_stylesheet_is_located_and_exit_3(tmp_path):
    result = invoke("transform", str(TEI), "-o", str(tmp_path), "--xsl", str(RENDER / "broken.xsl"))
    assert result.exit_code == 3
    first = result.stderr.splitlines()[0]
    assert first.startswith(f"{RENDER / 'broken.xsl'}:6:39: error: ") and "XPST0003" in first
    assert not any(tmp_path.iterdir())


def test_transform_bad_param_syntax_is_a_usage_error(tmp_path):
    result = invoke(
        "transform",
        str(TEI),
        "-o",
        str(tmp_path),
        "--xsl",
        str(RENDER / "custom-params.xsl"),
        "--param",
        "count",
    )
    assert result.exit_code == 2
    assert "NAME=VALUE" in result.stderr


def test_transform_to_pdf(tmp_path):
    result = invoke(
        "transform", str(TEI / "cable-1954-07-24.xml"), "--to", "pdf", "-o", str(tmp_path)
    )
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "cable-1954-07-24.pdf").read_bytes().startswith(b"%PDF-")


# -- build --------------------------------------------------------------------


def test_build_writes_the_site_and_then_only_what_changed(tmp_path):
    site = tmp_path / "site"
    first = invoke("build", str(TEI), "-o", str(site), "--no-pdf")
    assert first.exit_code == 0, first.stderr
    assert (site / "index.html").is_file() and (site / "letter-1954-06-22.html").is_file()
    assert first.stderr.splitlines()[-1].endswith(f": {site}/index.html")
    again = invoke("build", str(TEI), "-o", str(site), "--no-pdf")
    assert again.exit_code == 0
    assert again.stderr.splitlines()[-1].startswith("0 files written, ")


def test_build_stops_on_invalid_tei_unless_keep_going(tmp_path):
    tei = tmp_path / "tei"
    shutil.copytree(TEI, tei)
    shutil.copytree(TEI.parent / "schema", tmp_path / "schema")  # the xml-model targets
    letter = tei / "cable-1954-07-24.xml"
    letter.write_text(
        letter.read_text(encoding="utf-8").replace(
            '<date when="1954-07-24">24 July 1954</date></dateline>',
            '<date when="24 July">24 July 1954</date></dateline>',
        ),
        encoding="utf-8",
    )
    stopped = invoke("build", str(tei), "-o", str(tmp_path / "site"), "--no-pdf")
    assert stopped.exit_code == 1
    assert any(
        line.startswith(f"{letter}:") and 'value of attribute "when" is invalid' in line
        for line in stopped.stderr.splitlines()
    )
    assert not (tmp_path / "site" / "index.html").exists()
    going = invoke("build", str(tei), "-o", str(tmp_path / "site"), "--no-pdf", "--keep-going")
    assert (tmp_path / "site" / "index.html").is_file()
    assert going.exit_code == 1


def test_build_missing_folder_is_a_usage_error(tmp_path):
    result = invoke("build", str(tmp_path / "nope"))
    assert result.exit_code == 2


# -- validate: XSD and catalogs -------------------------------------------------


def test_validate_against_xsd():
    path = FIXTURES / "xsd" / "note-bad-date-1_error.xml"
    schema = FIXTURES / "xsd" / "note.xsd"
    result = invoke("validate", str(path), "--schema", str(schema))
    assert result.exit_code == 1
    first = result.stderr.splitlines()[0]
    assert first == (
        f"{path}:4:3: error: invalid value '22 June 1954': not a valid xs:date [xsd:value]"
    )


def test_xsd_diagnostics_have_the_same_shape(tmp_path):
    from teikit.document import load
    from teikit.schemas import SchemaSource
    from teikit.validate import xsd

    path = FIXTURES / "xsd" / "note-bad-date-1_error.xml"
    doc = load(str(path), require_tei=False)
    [diagnostic] = xsd.check(doc, SchemaSource("note.xsd", FIXTURES / "xsd" / "note.xsd", "xsd"))
    assert (diagnostic.line, diagnostic.column) == (4, 3)  # the <date> start tag
    assert (diagnostic.source, diagnostic.code, diagnostic.severity.name) == (
        "xsd",
        "value",
        "ERROR",
    )
    assert diagnostic.xpath == "/note/date"


def test_validate_with_a_user_catalog(tmp_path):
    schema_dir = FIXTURES / "xml-model" / "schema"
    catalog = tmp_path / "catalog.xml"
    catalog.write_text(
        '<catalog xmlns="urn:oasis:names:tc:entity:xmlns:xml:catalog">'
        f'<uri name="https://example.org/tiny.rng" uri="{(schema_dir / "tiny.rng").as_uri()}"/>'
        "</catalog>",
        encoding="utf-8",
    )
    doc = tmp_path / "doc.xml"
    doc.write_text(
        (FIXTURES / "xml-model" / "relative-rng.xml")
        .read_text(encoding="utf-8")
        .replace('href="schema/tiny.rng"', 'href="https://example.org/tiny.rng"'),
        encoding="utf-8",
    )
    without = invoke("validate", str(doc))
    assert without.exit_code == 1
    assert (
        "https://example.org/tiny.rng" in without.stderr
        and "not available offline" in without.stderr
    )
    with_catalog = invoke("validate", str(doc), "--catalog", str(catalog))
    assert with_catalog.exit_code == 0, with_catalog.stderr
