"""Real editions nobody here wrote ($TEIKIT_SHARED/corpora: Letters 1916, a Schnitzler
sample, a GerDraCor sample), read in place and opened once per session.

The counts they are held to are made independently of the code under test: with
plain lxml, from the files themselves."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import pytest
from lxml import etree
from lxml import html as lxml_html

from teikit.edition import Edition
from teikit.exports.geojson import build_geojson
from teikit.exports.network import build_network
from teikit.index import build_index
from teikit.validate import ValidateOptions, validate_files

from conftest import corpus

T = "{http://www.tei-c.org/ns/1.0}"
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"
NAMES = (
    "persName", "placeName", "orgName", "title", "rs", "name", "settlement", "country",
    "region", "geogName", "bloc", "district", "eventName",
)  # fmt: skip
OWN_TITLES = ("titleStmt", "seriesStmt", "editionStmt")


@pytest.fixture(scope="session")
def editions(real_editions) -> dict[str, Edition]:
    return real_editions


@pytest.fixture(scope="session")
def indexes(editions):
    return {name: build_index(edition) for name, edition in editions.items()}


@pytest.fixture(scope="session")
def sites(real_sites):
    """Each edition's site (built once per session, PDFs included: see conftest)."""
    return {name: folder for name, (folder, _) in real_sites.items()}


# --------------------------------------------------------------------------- independently


def tei_trees(folder: Path) -> dict[str, etree._ElementTree]:
    trees = {}
    for path in sorted(folder.rglob("*.xml")):
        tree = etree.parse(str(path))
        if tree.getroot().tag.startswith(T):
            trees[os.path.abspath(path)] = tree
    return trees


def absent_pointers(folder: Path) -> tuple[int, int]:
    """(pointers, pointers whose target is absent) over every @ref and @key of a name
    element (not the file's own titles, not authority URLs): ``file#id`` must name an
    id of that file, ``#id`` and a bare id an id anywhere in the edition."""
    trees = tei_trees(folder)
    ids = {path: set(tree.xpath("//@xml:id")) for path, tree in trees.items()}
    every_id = set().union(*ids.values())
    query = " | ".join(f"//*[local-name()='{n}'][@ref or @key]" for n in NAMES)
    total = absent = 0
    for path, tree in trees.items():
        for el in tree.xpath(query):
            parent = el.getparent()
            if etree.QName(el).localname == "title" and etree.QName(parent).localname in OWN_TITLES:
                continue
            for attr in ("ref", "key"):
                value = el.get(attr) or ""
                # @ref holds pointers; @key one value (TEI's data.text)
                for token in (
                    value.split() if attr == "ref" else [value.strip()] * bool(value.strip())
                ):
                    if token.startswith(("http:", "https:")):
                        continue
                    total += 1
                    file_part, hash_, fragment = token.partition("#")
                    if file_part and hash_:
                        target = os.path.normpath(os.path.join(os.path.dirname(path), file_part))
                        absent += fragment not in ids.get(target, set())
                    else:
                        absent += (fragment if hash_ else token) not in every_id
    return total, absent


def unresolved(edition: Edition) -> tuple[int, int]:
    """The same count, as the edition model resolves the mentions."""
    total = missing = 0
    for doc in edition.documents:
        for mention in edition.mentions(doc):
            for attribute, target in mention.targets:
                if attribute not in ("ref", "key") or target.pointer.startswith(
                    ("http:", "https:")
                ):
                    continue
                total += 1
                missing += not target.ok
    return total, missing


def own_title(tree: etree._ElementTree) -> str:
    titles = tree.getroot().findall(f"{T}teiHeader/{T}fileDesc/{T}titleStmt/{T}title")
    main = [t for t in titles if t.get("type") == "main" or t.get("level") == "a"]
    return " ".join("".join(main[0].itertext()).split())


# --------------------------------------------------------------------------- resolution


@pytest.mark.parametrize("name", ["letters1916", "schnitzler-briefe", "gerdracor"])
def test_every_pointer_the_registers_can_satisfy_resolves(editions, name):
    expected = absent_pointers(corpus(name))
    assert unresolved(editions[name]) == expected


def test_the_counts_are_not_trivial(editions):
    # Letters 1916: @key="#id" into indices/; Schnitzler: @ref="#pmb…" and bare ids
    # into each letter's <back> and indices/.
    assert unresolved(editions["letters1916"])[0] > 2000
    assert unresolved(editions["schnitzler-briefe"])[0] > 15000


def test_speakers_resolve_to_their_own_play(editions):
    edition = editions["gerdracor"]
    speeches = resolved = 0
    for doc in edition.documents:
        cast = set(
            doc.root.xpath(
                "//t:particDesc//*[self::t:person or self::t:personGrp]/@xml:id",
                namespaces={"t": T[1:-1]},
            )
        )
        for mention in edition.mentions(doc):
            if mention.element.tag != f"{T}sp":
                continue
            for _, target in mention.targets:
                speeches += 1
                assert target.entity is None or target.doc is doc
                resolved += target.entity is not None
                assert (target.entity is not None) == (target.pointer.lstrip("#") in cast)
    assert speeches > 5000 and resolved > 0.9 * speeches


# --------------------------------------------------------------------------- identity


@pytest.mark.parametrize("name", ["letters1916", "schnitzler-briefe", "gerdracor"])
def test_no_entity_appears_twice(indexes, name):
    entries = [e for e in indexes[name].entries if e.registered]
    assert len({e.key for e in entries}) == len(entries)
    assert len({e.id for e in entries}) == len(entries)


def test_a_register_repeated_in_every_back_is_one_entity(editions, indexes):
    edition, index = editions["schnitzler-briefe"], indexes["schnitzler-briefe"]
    backs = sum(
        1
        for doc in edition.documents
        for el in doc.root.iterfind(f"{T}text/{T}back//{T}person")
        if el.get(XML_ID) == "pmb2121"
    )
    schnitzler = [e for e in index.persons if e.id == "pmb2121"]
    assert backs > 250 and len(schnitzler) == 1
    (entry,) = schnitzler
    assert len(entry.files) > 250
    assert "https://d-nb.info/gnd/118609807/" in entry.authorities


def test_cast_lists_of_different_plays_stay_apart(editions):
    edition = editions["gerdracor"]
    ids = Counter(e.xml_id for e in edition.registers)
    shared = [ident for ident, n in ids.items() if n > 1]
    assert shared, "the sample has characters with the same id in two plays"
    for ident in shared:
        owners = [e for e in edition.registers if e.xml_id == ident]
        assert len({e.id for e in owners}) == len(owners)
        assert len({e.doc.path for e in owners}) == len(owners)


# --------------------------------------------------------------------------- titles


@pytest.mark.parametrize("name", ["letters1916", "schnitzler-briefe"])
def test_letter_titles_are_their_own(editions, indexes, name):
    edition = editions[name]
    trees = {os.path.abspath(d.path): d.tree for d in edition.documents}
    letters = [d for d in indexes[name].documents if d.kind == "letter"]
    assert len(letters) > 250
    for info in letters:
        tree = trees[os.path.abspath(os.path.join(edition.root, info.file))]
        assert info.title == own_title(tree), info.file


def test_edition_titles(editions):
    assert editions["letters1916"].title == "Letters 1916-1923"
    assert editions["schnitzler-briefe"].title == (
        "Arthur Schnitzler: Briefwechsel mit Autorinnen und Autoren"
    )
    assert editions["gerdracor"].title == "gerdracor"  # the plays share no series title


def test_kinds(editions):
    kinds = {name: Counter(e.kind(d) for d in e.documents) for name, e in editions.items()}
    assert kinds["letters1916"] == {"letter": 478, "register": 2}
    assert kinds["schnitzler-briefe"]["letter"] == 295
    assert kinds["gerdracor"] == {"drama": 20}


# --------------------------------------------------------------------------- network and map


@pytest.mark.parametrize("name", ["letters1916", "schnitzler-briefe"])
def test_co_mention_network_and_geojson_are_not_empty(indexes, name):
    network = build_network(indexes[name])
    relations = Counter(edge.relation for edge in network.edges)
    assert relations["correspondence"] > 0
    features = build_geojson(indexes[name])["features"]
    linked = [
        f
        for f in features
        if f["geometry"]
        and (f["properties"]["letters_sent"] or f["properties"]["letters_mentioning"])
    ]
    assert len(linked) > 10
    if name == "schnitzler-briefe":  # Letters 1916 tags no names in the text
        assert relations["co-mention"] > 100


# --------------------------------------------------------------------------- the site


def entries_of(page: Path) -> list[etree._Element]:
    root = lxml_html.parse(str(page)).getroot()
    return root.xpath("//section[contains(concat(' ', @class, ' '), ' tk-entry ')]")


@pytest.mark.parametrize(
    ("name", "page", "entity_type"),
    [
        ("letters1916", "persons.html", "person"),
        ("letters1916", "places.html", "place"),
        ("schnitzler-briefe", "persons.html", "person"),
        ("schnitzler-briefe", "works.html", "work"),
        ("gerdracor", "persons.html", "person"),
    ],
)
def test_register_pages_show_the_mentions(sites, indexes, name, page, entity_type):
    sections = entries_of(sites[name] / page)
    mentioned = {e.id for e in indexes[name].of_type(entity_type) if e.registered and e.occurrences}
    assert len(sections) >= len(mentioned) > 0
    shown = {
        s.get("id")
        for s in sections
        if s.xpath(".//div[@class='tks-occurrences']//a[@class='tks-occurrence']")
    }
    ids = {s.get("id") for s in sections}
    assert len(ids) == len(sections)  # no entity twice on its page
    # every entity the index finds mentioned in a document shows those mentions
    in_documents = {
        e.id
        for e in indexes[name].of_type(entity_type)
        if e.registered and any(o.where != "register" for o in e.occurrences)
    }
    assert in_documents <= shown


def test_the_site_is_called_by_the_editions_title(sites):
    root = lxml_html.parse(str(sites["schnitzler-briefe"] / "index.html")).getroot()
    assert root.findtext(".//h1") == "Arthur Schnitzler: Briefwechsel mit Autorinnen und Autoren"


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize("name", ["letters1916", "schnitzler-briefe", "gerdracor"])
def test_default_validation_reports_only_what_a_schema_says(name):
    """No integrity rule runs unless the edition or --rules asks: every finding
    comes from a schema (or from reading the file)."""
    files = [str(p) for p in sorted(corpus(name).rglob("*.xml"))]
    report = validate_files(files, options=ValidateOptions(), jobs=2)
    assert not report.rules_ran
    sources = Counter(d.source for d in report.diagnostics)
    assert set(sources) <= {"rng", "schematron", "xml", "xml-model", "xsd"}, sources


def test_pages_link_mentions_as_the_model_resolved_them(editions):
    """Letters 1916 points with @key="#id" into a register file of its own: the
    stylesheet gets the model's answer and links the name to its register entry."""
    from teikit import render

    edition = editions["letters1916"]
    letter = next(d for d in edition.documents if d.path.endswith("item__0001.xml"))
    page = lxml_html.fromstring(render.render_html(letter, edition=edition))
    hrefs = page.xpath("//a[contains(@class, 'tk-entity')]/@href")
    assert "persons.html#letters1916_person-0109" in hrefs
    assert "places.html#letters1916_place-0123" in hrefs
    assert page.xpath("string(//body/@class)") == "tk-page tk-kind-letter"
    assert page.findtext(".//title").startswith("Letter from Corporal W. Bowes to Lady Clonbrock")
