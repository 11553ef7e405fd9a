"""Every export of every real edition, read back by the tool its users read it with.

Each edition ($TEIKIT_SHARED/corpora: Letters 1916, the Schnitzler sample, the
GerDraCor sample; and the bundled tei/) is exported once per session with
``--to all`` (one reading, one index) and the files are handed to their
consumers: networkx for GEXF, Python's csv at its default field size limit for
CSV, jing with the Correspondence SIG's cmi-customization.rng for CMIF, rdflib for
JSON-LD, json for GeoJSON. The counts they are held to are made with plain lxml
from the TEI files, not by the code under test.
"""

from __future__ import annotations

import csv
import json
import subprocess
from pathlib import Path

import pytest
from lxml import etree

from teikit.edition import Edition
from teikit.errors import Diagnostic, Severity
from teikit.exports import ALL_OUTPUTS, CmifOptions, ExportOptions, Format, cmif_check, export
from teikit.index import build_index

from conftest import SHARED, TEI, jing_command

CORPORA = SHARED / "corpora"
CMI_RNG = SHARED / "schemas" / "cmi-customization.rng"
T = "{http://www.tei-c.org/ns/1.0}"
EDITIONS = ("letters1916", "schnitzler-briefe", "gerdracor", "tei")
CMIF = CmifOptions(
    editor="Test Editor",
    editor_email="editor@example.org",
    publisher="Test Publisher",
    licence="CC-BY-4.0",
    date="2026-12-07",
)
# Python's csv refuses a field longer than this unless told otherwise.
CSV_DEFAULT_LIMIT = 131_072


def folder_of(name: str) -> Path:
    folder = TEI if name == "tei" else CORPORA / name
    if not folder.is_dir():
        pytest.skip(f"{folder} not found (set TEIKIT_SHARED)")
    return folder


class Exported:
    def __init__(self, name: str, folder: Path, out: Path) -> None:
        self.name, self.folder, self.out = name, folder, out
        self.findings: list[Diagnostic] = []
        # As `teikit export --to all` reads it: the registers first, then the other
        # documents one at a time, in two workers.
        edition = Edition.open(folder, lazy=True)
        self.options = ExportOptions(base_url=f"https://example.org/{name}/", cmif=CMIF)
        self.written = export(
            edition, out, "all", options=self.options, findings=self.findings, jobs=2
        )

    def path(self, fmt: Format) -> Path:
        return self.out / ALL_OUTPUTS[fmt]


@pytest.fixture(scope="session")
def exported(tmp_path_factory) -> dict[str, Exported]:
    return {
        name: Exported(name, folder_of(name), tmp_path_factory.mktemp(f"export-{name}"))
        for name in EDITIONS
    }


def correspdescs(folder: Path) -> int:
    """correspDesc elements of the edition's TEI files (not inside egXML), with lxml."""
    count = 0
    for path in folder.rglob("*.xml"):
        root = etree.parse(str(path)).getroot()
        if root.tag.startswith(T):
            count += len(
                root.xpath(
                    "//*[local-name()='correspDesc'][not(ancestor::*[local-name()='egXML'])]"
                )
            )
    return count


@pytest.mark.parametrize("name", EDITIONS)
def test_every_format_is_written_and_nothing_fails(exported, name):
    result = exported[name]
    assert [d for d in result.findings if d.severity >= Severity.ERROR] == []
    names = {p.relative_to(result.out).parts[0] for p in result.written}
    expected = set(ALL_OUTPUTS.values()) | {"network.co-mentions.gexf"}
    if correspdescs(result.folder) == 0:
        expected.discard("cmif.xml")
        assert {d.code for d in result.findings} >= {"cmif-no-letters"}
    assert names == expected
    # The texts waited in a scratch folder of the output while the workers wrote
    # them: moved into place, and the folder gone.
    assert {p.name for p in result.out.iterdir()} == expected
    assert all(p.exists() for p in result.written)


@pytest.mark.parametrize("name", EDITIONS)
def test_gexf_reads_in_networkx(exported, name):
    networkx = pytest.importorskip("networkx")
    result = exported[name]
    letters = networkx.read_gexf(result.path(Format.GEXF))
    co_mentions = networkx.read_gexf(result.out / "network.co-mentions.gexf")
    assert letters.is_directed() and not co_mentions.is_directed()
    for graph in (letters, co_mentions):
        assert all(data["weight"] >= 1 for _, _, data in graph.edges(data=True))
        assert all(data.get("label") for _, data in graph.nodes(data=True))
    if correspdescs(result.folder):
        assert letters.number_of_edges() > 0
        sent = sum(d["letters_sent"] for _, d in letters.nodes(data=True))
        assert sent > 0
    if name == "schnitzler-briefe":  # names tagged in the text, pointing at registers
        assert co_mentions.number_of_edges() > 0


@pytest.mark.parametrize("name", EDITIONS)
def test_csv_reads_with_the_default_field_limit(exported, name):
    assert csv.field_size_limit() == CSV_DEFAULT_LIMIT
    result = exported[name]
    tables = {}
    for path in sorted((result.out / "csv").glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))  # raises on a field over the limit
        assert all(len(cell) <= 32_767 for row in rows for cell in row.values()), path.name
        tables[path.stem] = rows
    assert {"letters", "persons", "places", "mentions", "edges", "edge_letters"} <= set(tables)
    assert len(tables["letters"]) == correspdescs(result.folder)
    # Every mention a row, every entity's count the sum of its rows.
    per_entity: dict[str, int] = {}
    for row in tables["mentions"]:
        per_entity[row["entity_id"]] = per_entity.get(row["entity_id"], 0) + 1
    for kind in ("persons", "places", "organisations", "works"):
        for row in tables.get(kind, []):
            assert int(row["mentions"]) == per_entity.get(row["id"], 0), (kind, row["id"])
    weights = sum(int(e["Weight"]) for e in tables["edges"])
    assert weights == len(tables["edge_letters"])


@pytest.mark.jing
@pytest.mark.parametrize("name", EDITIONS)
def test_cmif_is_valid_against_the_sig_schema_with_jing(exported, name):
    if not CMI_RNG.is_file():
        pytest.skip(f"CMIF schema not found: {CMI_RNG} (set TEIKIT_SHARED)")
    result = exported[name]
    path = result.path(Format.CMIF)
    expected = correspdescs(result.folder)
    if not expected:
        assert not path.exists()
        return
    jing = subprocess.run(
        [*jing_command(), str(CMI_RNG), str(path)], capture_output=True, text=True, check=False
    )
    assert jing.returncode == 0, jing.stdout + jing.stderr
    tree = etree.parse(str(path))
    assert len(tree.findall(f".//{T}correspDesc")) == expected
    assert [d for d in cmif_check(path) if d.severity >= Severity.ERROR] == []
    # What CMIF cannot take was said at the letters' own lines, not the CMIF file's.
    for finding in result.findings:
        if finding.code == "cmif-date-invalid":
            assert Path(finding.file).resolve().is_relative_to(result.folder.resolve())
            assert finding.line > 0


@pytest.mark.parametrize("name", EDITIONS)
def test_jsonld_reads_in_rdflib(exported, name):
    rdflib = pytest.importorskip("rdflib")
    result = exported[name]
    graph = rdflib.Graph().parse(str(result.path(Format.JSONLD)), format="json-ld")
    schema = rdflib.Namespace("https://schema.org/")
    messages = set(graph.subjects(rdflib.RDF.type, schema.Message))
    assert len(messages) == correspdescs(result.folder)
    assert len(graph) > 0
    if messages:
        assert any(graph.objects(None, schema.sender))


@pytest.mark.parametrize("name", EDITIONS)
def test_geojson_and_text(exported, name):
    result = exported[name]
    data = json.loads(result.path(Format.GEOJSON).read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection"
    for feature in data["features"]:
        if feature["geometry"]:
            lon, lat = feature["geometry"]["coordinates"]
            assert -180 <= lon <= 180 and -90 <= lat <= 90
    texts = list((result.out / "txt").glob("*.txt"))
    assert len(texts) == len(list((result.out / "md").glob("*.md"))) > 0


@pytest.mark.parametrize("name", ["schnitzler-briefe", "tei"])
def test_one_streamed_reading_writes_what_each_format_writes_alone(exported, name, tmp_path):
    """--to all reads each document once (in two workers) and lets it go; each format
    exported alone from the edition held whole in memory, in this process, gives the
    same bytes."""
    result = exported[name]
    edition = Edition.open(result.folder)
    index = build_index(edition)
    for fmt, file_name in ALL_OUTPUTS.items():
        if not (result.out / file_name).exists():
            continue
        alone = export(edition, tmp_path / file_name, fmt, index=index, options=result.options)
        for path in alone:
            streamed = result.out / path.relative_to(tmp_path)
            assert streamed.read_bytes() == path.read_bytes(), streamed


def test_streaming_holds_one_document_at_a_time():
    """Edition.open(lazy=True) reads the registers only; stream() reads the others one
    at a time and lets each go before the next is read."""
    import gc
    import weakref

    edition = Edition.open(TEI, lazy=True)
    held = {edition.key_of(d) for d in edition.documents}
    assert edition.unloaded and len(held) < 8  # the letters are not read yet
    streamed: list[weakref.ref] = []
    for doc in edition.stream():
        gc.collect()
        alive = [r() for r in streamed if r() is not None]
        assert all(edition.key_of(d) in held for d in alive)  # the last one went
        if edition.key_of(doc) not in held:
            streamed.append(weakref.ref(doc))
    assert len(streamed) == len(edition.unloaded)
