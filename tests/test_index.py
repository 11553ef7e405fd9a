"""teikit.index: the entity index of the bundled edition, pointer resolution,
suggestions of untagged names, and the index writers (JSON, CSV, TEI, Markdown).

Counts on the edition are checked against independent XPath counts, not against
numbers copied from the output. The JSON of the small corpus in
tests/fixtures/index/ is a golden file: TEIKIT_UPDATE_GOLDEN=1 rewrites it.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections import Counter
from pathlib import Path

import pytest
from lxml import etree

from teikit.dates import date_sort_key, parse_date
from teikit.document import load
from teikit.edition import Edition
from teikit.errors import UsageError
from teikit.exports.index_formats import (
    SCHEMA_VERSION,
    IndexFormat,
    dumps,
    parse_types,
    to_dict,
    write_index,
)
from teikit.index import build_index, suggest
from teikit.reading import fold
from teikit.schemas import tei_all

from conftest import FIXTURES, TEI, RelaxNG

NS = {"t": "http://www.tei-c.org/ns/1.0"}
INDEX_FIXTURES = FIXTURES / "index"
EXPECTED = FIXTURES / "expected"
UPDATE_GOLDEN = os.environ.get("TEIKIT_UPDATE_GOLDEN") == "1"
MENTION_XPATH = "//t:persName[@ref] | //t:placeName[@ref] | //t:orgName[@ref] | //t:title[@ref]"


@pytest.fixture(scope="module")
def edition_docs():
    return [load(p) for p in sorted(TEI.glob("*.xml"))]


@pytest.fixture(scope="module")
def edition_index(edition_docs):
    return build_index(edition_docs)


@pytest.fixture(scope="module")
def fixture_docs():
    return [load(p) for p in sorted(INDEX_FIXTURES.glob("*.xml"))]


@pytest.fixture(scope="module")
def fixture_index(fixture_docs):
    return build_index(fixture_docs)


def xpath_counts() -> Counter[str]:
    """Mentions per register id, counted with plain XPath over the files."""
    counts: Counter[str] = Counter()
    for path in TEI.glob("*.xml"):
        tree = etree.parse(str(path))
        prefix = "#" if path.name == "register.xml" else "register.xml#"
        for el in tree.xpath(MENTION_XPATH, namespaces=NS):
            for token in el.get("ref").split():
                if token.startswith(prefix):
                    counts[token[len(prefix) :]] += 1
    return counts


def line_of(file: str, ident: str) -> int:
    tree = etree.parse(str(TEI / file))
    return tree.xpath("//*[@xml:id=$id]", id=ident)[0].sourceline


# --------------------------------------------------------------------------- the edition


def test_occurrence_counts_match_an_independent_xpath_count(edition_index):
    expected = xpath_counts()
    got = {e.id: len(e.occurrences) for e in edition_index.entries if e.registered}
    assert got == {ident: expected.get(ident, 0) for ident in got}
    register = etree.parse(str(TEI / "register.xml"))
    ids = register.xpath(
        "//t:person/@xml:id | //t:place/@xml:id | //t:org/@xml:id | //t:text//t:bibl/@xml:id",
        namespaces=NS,
    )
    assert sorted(got) == sorted(ids)  # every register entry is in the index


def test_djilas_is_mentioned_in_two_letters_and_the_introduction(edition_index):
    djilas = edition_index.get("djilas")
    assert djilas is not None
    assert djilas.files == ["introduction.xml", "letter-1954-06-22.xml", "letter-1954-08-11.xml"]
    assert Counter(o.file for o in djilas.occurrences) == {
        "introduction.xml": 2,
        "letter-1954-06-22.xml": 3,
        "letter-1954-08-11.xml": 1,
    }
    assert djilas.name == "Milovan Đilas"
    assert djilas.sort_name == "Đilas, Milovan"
    assert djilas.variants == ["Milovan Djilas", "Djilas", "Milovan Dilas"]
    assert (djilas.birth, djilas.death) == ("1911", "1995")
    assert djilas.roles == ["Member of the Yugoslav Politburo until his expulsion in January 1954"]


def test_register_data_is_carried(edition_index):
    belgrade = edition_index.get("register.xml#belgrade")
    assert belgrade.type == "place"
    assert belgrade.coordinates == (44.8125, 20.4612)
    assert belgrade.variants == ["Beograd"]
    assert belgrade.subtype == "city"
    assert belgrade.note == "Capital of Yugoslavia."
    assert (belgrade.register, belgrade.line) == (
        "register.xml",
        line_of("register.xml", "belgrade"),
    )
    work = edition_index.get("historical-materialism")
    assert work.type == "work"
    assert {o.file for o in work.occurrences} == {"introduction.xml", "letter-1954-09-27.xml"}


def test_where_each_mention_occurs(edition_index):
    khrushchev = edition_index.get("khrushchev")
    wheres = Counter(o.where for o in khrushchev.occurrences)
    assert wheres["sender"] == 3  # correspAction type="sent" of three letters
    assert wheres["addressee"] == 1  # and the received action of Tito's reply
    assert wheres["header"] > 0 and wheres["body"] > 0
    note = next(o for o in edition_index.get("cpy").occurrences if o.where == "note")
    assert note.file == "letter-1954-06-22.xml"
    back = [o for o in edition_index.get("cwihp").occurrences if o.where == "back"]
    assert back, "the source line in <back> is a mention in the back"
    lse = [o.where for o in edition_index.get("lse").occurrences if o.file == "register.xml"]
    assert lse == ["register", "register"]  # affiliations of Rajak and Westad


def test_occurrence_location_and_snippet(edition_index):
    first = edition_index.get("djilas").occurrences[2]  # 22 June letter, first mention
    tree = etree.parse(str(TEI / "letter-1954-06-22.xml"))
    line = tree.xpath("//t:body//t:persName[@ref='register.xml#djilas']", namespaces=NS)[
        0
    ].sourceline
    assert (first.file, first.line, first.where) == ("letter-1954-06-22.xml", line, "body")
    assert first.xpath == "/TEI/text/body/div/p[11]/persName[1]"
    assert first.text == "[Milovan] Djilas"  # the print's interpolation is part of the name
    assert "outbursts by [Milovan] Djilas did not" in first.snippet
    assert first.title.startswith("Letter from Nikita S. Khrushchev")
    for entry in edition_index.entries:
        for o in entry.occurrences:
            assert o.snippet == " ".join(o.snippet.split())
            assert len(o.snippet) <= len(o.text) + 2 * 41 + 2
            assert o.text in o.snippet


def test_sic_is_not_in_texts_or_snippets(edition_index):
    cpy = edition_index.get("cpy")
    texts = " ".join(o.text + o.snippet for o in cpy.occurrences)
    assert "Yuogslavia" not in texts
    assert "Communist Party of Yugoslavia" in texts


def test_dates_are_normalised_and_sorted(edition_index):
    values = [d.value for d in edition_index.dates]
    assert values == sorted(values, key=date_sort_key)
    assert values[0] == "1948" and "2026" in values
    expected = Counter()
    for path in TEI.glob("*.xml"):
        tree = etree.parse(str(path))
        for attr in ("when", "from", "to", "notBefore", "notAfter"):
            for value in tree.xpath(f"//t:date/@{attr}", namespaces=NS):
                expected[value.strip()] += 1
    assert {d.value: len(d.occurrences) for d in edition_index.dates} == expected
    fifties = [(d.value, o.attribute, o.text) for d in edition_index.dates for o in d.occurrences]
    assert ("1950", "from", "the fifties") in fifties and ("1959", "to", "the fifties") in fifties


def test_chronology_of_the_letters(edition_index):
    letters = edition_index.letters
    assert [lt.date for lt in letters] == [
        "1954-06-22",
        "1954-07-24",
        "1954-08-11",
        "1954-09-23",
        "1954-09-27",
    ]
    reply = letters[2]
    assert reply.file == "letter-1954-08-11.xml"
    assert [p.id for p in reply.senders] == ["lcy-executive-committee", "tito"]
    assert [p.id for p in reply.addressees] == ["khrushchev", "cc-cpsu"]
    assert [p.id for p in reply.places_sent] == ["belgrade"]
    assert reply.archival == ["Arhiv Jugoslavije, Arhiv CK SKJ, 507 / IX, 119/I-50"]
    assert reply.prev == ["cable-1954-07-24.xml"] and reply.next == ["letter-1954-09-23.xml"]
    assert letters[1].senders[0].type == "org"
    # The place of sending the print does not give is the editors' conjecture.
    moscow = letters[0].places_sent[0]
    assert (moscow.id, moscow.cert, moscow.evidence) == ("moscow", "medium", "conjecture")
    assert (reply.places_sent[0].cert, reply.places_sent[0].evidence) == ("", "")
    exported = to_dict(edition_index)["letters"]  # the JSON says it only where the edition does
    assert exported[0]["places_sent"][0] == {
        "key": "register.xml#moscow",
        "id": "moscow",
        "type": "place",
        "name": "Moscow",
        "text": "Moscow",
        "cert": "medium",
        "evidence": "conjecture",
    }
    assert "cert" not in exported[2]["places_sent"][0]


def test_relations_of_the_register(edition_index):
    renamed = [r for r in edition_index.relations if r.name == "renamed"]
    assert {(r.active, r.passive, r.when) for r in renamed} == {
        (("register.xml#cpy",), ("register.xml#lcy",), "1952"),
        (("register.xml#cc-cpy",), ("register.xml#cc-lcy",), "1952"),
    }


def test_index_is_deterministic(edition_docs):
    first = dumps(build_index(edition_docs))
    again = dumps(build_index(list(reversed(edition_docs))))
    assert first == again


def test_single_letter_loads_its_register(edition_docs):
    letter = load(TEI / "letter-1954-06-22.xml")
    index = build_index([letter])
    assert index.get("djilas") is not None and len(index.get("djilas").occurrences) == 3
    assert index.get("nasser") is None  # register entries not mentioned are left out
    alone = build_index([letter], follow_refs=False)
    assert not any(e.registered for e in alone.entries)


# --------------------------------------------------------------------------- resolution


def test_every_way_of_pointing_resolves(fixture_index):
    molotov = fixture_index.get("molotov")
    assert {(o.file, o.attribute) for o in molotov.occurrences} == {
        ("a-letter.xml", "key"),  # @key="molotov"
        ("a-letter.xml", "ref"),  # @ref = the Wikidata URI in the register's idno
        ("b-letter.xml", "ref"),  # @ref = the VIAF URI (from a bare VIAF idno)
    }
    tito = fixture_index.get("tito")
    assert ("a-letter.xml", "sender") in {(o.file, o.where) for o in tito.occurrences}  # psn:tito
    bled = fixture_index.get("a-letter.xml#bled")  # "#bled": standOff of the same file
    assert bled is not None and bled.coordinates == (46.3683, 14.1146)
    belgrade = fixture_index.get("belgrade")
    assert [o.text for o in belgrade.occurrences] == ["Belgrade", "Beograd"]
    assert belgrade.authorities == ["https://www.geonames.org/100000004"]
    kardelj = next(e for e in fixture_index.persons if not e.registered)
    assert (kardelj.key, kardelj.name) == ("~person:edvard kardelj", "Edvard Kardelj")


def test_edition_resolve_reports_why(fixture_docs):
    edition = Edition.open(fixture_docs)
    letter = next(d for d in fixture_docs if d.path.endswith("a-letter.xml"))
    assert edition.resolve("psn:djilas", letter).expanded == "register.xml#djilas"
    assert edition.resolve("register.xml#nobody", letter).problem == "no-such-id"
    assert edition.resolve("missing.xml#x", letter).problem == "no-such-file"
    assert edition.resolve("xyz:abc", letter).problem == "undeclared-prefix"
    assert edition.resolve("psn:NOT-LOWER", letter).problem == "no-prefix-match"
    assert edition.resolve("https://example.org/x", letter).kind == "external"
    assert edition.resolve("register.xml", letter).kind == "document"
    assert edition.resolve("djilas", letter, attribute="key").kind == "entity"
    assert edition.resolve("nobody", letter, attribute="key").problem == "no-such-id"


def test_parse_date():
    assert parse_date("1954-06-22").day == 22
    assert parse_date("1954-06").month == 6
    assert parse_date("-0044-03-15").year == -44
    assert parse_date("--06-22") is not None and parse_date("10:15:00") is not None
    assert parse_date("1954-06-22T10:00:00Z").time == "10:00:00"
    for bad in ("1954-02-30", "1954-13", "54", "1954/06/22", "1954-6-2", "2023-02-29"):
        assert parse_date(bad) is None, bad
    assert parse_date("2024-02-29") is not None


def test_fold():
    assert fold("Đilas") == fold("Djilas") == "djilas"
    assert fold("Đilas", dj="d") == "dilas"
    assert fold("Hruščov  ČĆŠŽ") == "hruscov ccsz"


def test_moved_names_are_still_importable_from_teikit_index():
    # Dates and reading text moved out of teikit.index; code that imports them from
    # there must get the very same objects. (Pointer resolution is the edition
    # model's: teikit.edition.)
    import teikit.dates
    import teikit.edition.registers
    import teikit.index
    import teikit.reading

    for module in (teikit.dates, teikit.reading, teikit.edition.registers):
        for name in set(teikit.index.__all__) & set(module.__all__):
            assert getattr(teikit.index, name) is getattr(module, name), name
    moved = {"XML_ID", "parse_date", "W3CDate", "fold", "flatten", "localname"}
    assert moved <= set(teikit.index.__all__)


# --------------------------------------------------------------------------- suggest


def test_suggest_finds_planted_untagged_names(fixture_docs, fixture_index):
    found = suggest(fixture_docs, fixture_index)
    assert [(Path(s.file).name, s.line, s.text, s.candidates[0].id) for s in found] == [
        ("a-letter.xml", 43, "Dilas", "djilas"),
        ("a-letter.xml", 43, "Molotov", "molotov"),
        ("a-letter.xml", 43, "ĐILAS", "djilas"),  # accents and case do not matter
        ("a-letter.xml", 44, "Tito", "tito"),  # "Tito’s", but not "Titograd"
    ]
    molotov = found[1]
    assert molotov.where == "body" and molotov.matched == "Molotov"
    assert "Đilas disagreed. Molotov wrote again" in molotov.snippet
    assert molotov.format().endswith(molotov.snippet)


def test_suggest_ignores_header_and_tagged_names(fixture_docs, fixture_index):
    # b-letter.xml names Tito and Moscow only inside tagged names, and Molotov only
    # in its header: nothing to suggest there
    found = suggest(fixture_docs, fixture_index)
    assert not [s for s in found if not s.file.endswith("a-letter.xml")]
    # a-letter.xml names Molotov and Djilas in its header (lines before <standOff>)
    tree = etree.parse(str(INDEX_FIXTURES / "a-letter.xml"))
    header_end = tree.find("t:standOff", NS).sourceline
    assert all(s.line > header_end for s in found)


def test_suggest_on_the_edition_finds_only_post_stalin(edition_docs, edition_index):
    found = suggest(edition_docs, edition_index)
    assert {(Path(s.file).name, s.text) for s in found} == {("introduction.xml", "Stalin")}
    assert all("post-Stalin" in s.snippet for s in found)


# --------------------------------------------------------------------------- writers


def test_json_golden(fixture_index):
    text = dumps(fixture_index, "json")
    data = json.loads(text)
    assert data["schema_version"] == SCHEMA_VERSION == 2
    golden = EXPECTED / "index-fixture.json"
    if UPDATE_GOLDEN:
        golden.write_text(text, encoding="utf-8")
    assert golden.is_file(), "golden file missing: rerun with TEIKIT_UPDATE_GOLDEN=1"
    assert text == golden.read_text(encoding="utf-8"), "rerun with TEIKIT_UPDATE_GOLDEN=1"


def test_json_structure_and_type_filter(edition_index):
    data = to_dict(edition_index)
    assert set(data) == {
        "schema_version", "title", "types", "documents", "persons", "places", "organisations",
        "works", "events", "terms", "dates", "letters", "relations",
    }  # fmt: skip
    persons = to_dict(edition_index, "person")
    assert persons["types"] == ["person"]
    assert set(persons) == {"schema_version", "title", "types", "documents", "persons"}
    tito = next(p for p in data["persons"] if p["id"] == "tito")
    assert tito["occurrence_count"] == len(tito["occurrences"]) == xpath_counts()["tito"]
    assert tito["register"] == {"file": "register.xml", "line": line_of("register.xml", "tito")}
    assert set(tito["occurrences"][0]) == {
        "file", "title", "line", "id", "xpath", "where", "attribute", "text", "snippet",
    }  # fmt: skip
    assert "timestamp" not in json.dumps(data) and "generated" not in data


def test_parse_types():
    assert parse_types("all") == ("person", "place", "org", "work", "event", "term", "date")
    assert parse_types("places,persons") == ("person", "place")
    assert parse_types(["organisations", "dates"]) == ("org", "date")
    with pytest.raises(UsageError, match="unknown index type"):
        parse_types("animals")


def test_csv_writer(edition_index):
    rows = list(csv.DictReader(io.StringIO(dumps(edition_index, "csv", "place,date"))))
    belgrade = next(r for r in rows if r["id"] == "belgrade")
    assert (belgrade["latitude"], belgrade["longitude"]) == ("44.8125", "20.4612")
    assert {r["type"] for r in rows} == {"place", "date"}


def test_tei_writer_is_valid_tei(edition_index):
    text = dumps(edition_index, IndexFormat.TEI)
    tree = etree.fromstring(text.encode())
    validator = RelaxNG(tei_all().path)  # compiled once per process
    assert validator.validate(tree), validator.error_log
    renamed = tree.findall(".//t:relation[@name='renamed']", NS)
    assert {(r.get("active"), r.get("passive")) for r in renamed} == {
        ("#cpy", "#lcy"),
        ("#cc-cpy", "#cc-lcy"),
    }
    person = tree.find(
        ".//t:person[@xml:id='djilas']", {**NS, "xml": "http://www.w3.org/XML/1998/namespace"}
    )
    assert len(person.findall("t:note[@type='mentions']/t:list/t:item", NS)) == 6


def test_markdown_writer(edition_index):
    text = dumps(edition_index, "md")
    assert text.startswith("# Index\n")
    assert "### Đilas, Milovan (1911–1995)" in text
    assert "| 1954-08-11 | Tito to Khrushchev, 11 August 1954 |" in text


def test_write_index_infers_and_writes_atomically(edition_index, tmp_path):
    for name in ("index.json", "index.csv", "index.xml", "index.md"):
        write_index(edition_index, tmp_path / name, types="person")
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "index.csv",
        "index.json",
        "index.md",
        "index.xml",
    ]  # fmt: skip  -- no temporary files left behind
    with pytest.raises(UsageError, match="cannot infer"):
        write_index(edition_index, tmp_path / "index.yaml")


def _snippet_from_the_whole(text: str, start: int, end: int, width: int = 40) -> str:
    """A snippet as it is defined: the context cut from the whole text on each side."""
    from teikit.reading import normalize_space

    before = normalize_space(text[:start]) + (" " if text[:start][-1:].isspace() else "")
    if len(before) > width:
        cut = before[-width:]
        space = cut.find(" ")
        before = "…" + (cut[space + 1 :] if 0 <= space < width // 2 else cut)
    after = (" " if text[end:][:1].isspace() else "") + normalize_space(text[end:])
    if len(after) > width:
        cut = after[:width]
        space = cut.rfind(" ")
        after = (cut[:space] if space > width // 2 else cut) + "…"
    return (before + normalize_space(text[start:end]) + after).strip()


def test_snippets_cut_from_a_window_are_those_cut_from_the_whole():
    """The context of a snippet is cut from a window around the mention, each
    window normalised once: the same snippet as from the whole text, for texts
    with runs of whitespace of every length around the window's edges."""
    import random

    from teikit.reading import normalize_space, snippet

    rng = random.Random(7)
    words = ["a", "bb", "Wien", "ccc", "d" * 30, "e" * 90, " ", "  ", "\n  ", "\t", "x,"]
    for _ in range(3000):
        text = "".join(rng.choice(words) + rng.choice(["", " ", "   \n"]) for _ in range(60))
        start = rng.randrange(len(text))
        end = min(len(text), start + rng.randrange(12))
        expected = _snippet_from_the_whole(text, start, end)
        assert snippet(text, start, end) == expected
        middle = normalize_space(text[start:end])
        assert snippet(text, start, end, middle=middle) == expected


def test_xpaths_of_many_elements_are_each_elements_own_xpath():
    """XPaths counts each parent's children once (without a call per sibling):
    the same path as Document.xpath_of for every node, comments, processing
    instructions and names repeated or not among the siblings included."""
    from teikit.document import load
    from teikit.index import XPaths

    xml = (
        b'<?xml version="1.0"?><!-- c --><?pi x?><TEI xmlns="http://www.tei-c.org/ns/1.0">'
        b"<text><body><p>a<persName>X</persName><!-- n --><persName>Y</persName><?p q?>"
        b"<placeName>Z</placeName><hi><persName>W</persName></hi></p><p/><div><p>q</p></div>"
        b'<ab xmlns="urn:other"><p>o</p></ab></body></text></TEI>'
    )
    doc = load(xml)
    paths = XPaths()
    nodes = [n for n in doc.root.iter()]
    assert len(nodes) > 12
    for node in reversed(nodes):  # deepest first: the ancestors' paths made on the way
        assert paths(node) == doc.xpath_of(node)


@pytest.mark.parametrize("source", ["tei", "index", "exports", "letters1916", "schnitzler-briefe"])
def test_index_without_details_differs_only_by_paths_and_snippets(source):
    """build_index(details=False), as most exports make it: the same entries, dates
    and occurrences (the mention's text too: its own reading text is its span of
    the block's), only without xpath and snippet."""
    if source == "tei":
        paths = [TEI]
    elif source in ("index", "exports"):
        paths = [FIXTURES / source]
    else:
        from conftest import corpus

        paths = [corpus(source)]
    full = build_index(Edition.open(paths))
    bare = build_index(Edition.open(paths), details=False)

    def without(index):
        entries = [
            (e.key, [(*astuple(o), o.position) for o in e.occurrences]) for e in index.entries
        ]
        dates = [(d.value, [(*astuple(o), o.position) for o in d.occurrences]) for d in index.dates]
        return entries, dates

    def astuple(o):
        return (o.file, o.title, o.line, o.id, o.where, o.text, o.attribute)

    assert without(full) == without(bare)
    assert full.letters == bare.letters
    occurrences = [o for e in bare.entries for o in e.occurrences]
    occurrences += [o for d in bare.dates for o in d.occurrences]
    assert occurrences
    assert all(o.xpath == "" and o.snippet == "" for o in occurrences)
    assert any(o.snippet for e in full.entries for o in e.occurrences)


# --------------------------------------------------------------------------- look-ups kept small


def test_forward_paths_keep_one_chain_and_match_xpath_of_in_any_order(edition_docs):
    from teikit.index import _ForwardPaths

    doc = max(edition_docs, key=lambda d: sum(1 for _ in d.root.iter()))
    elements = [el for el in doc.root.iter() if isinstance(el.tag, str)]
    expected = [doc.xpath_of(el) for el in elements]
    paths = _ForwardPaths()
    assert [paths(el) for el in elements] == expected
    # only the last element's ancestors are kept, not every path of the document
    depth = sum(1 for _ in elements[-1].iterancestors()) + 1
    assert len(paths._paths) == depth < len(elements)
    # asked out of order (a document's dates after its mentions), the same paths
    assert [paths(el) for el in reversed(elements)] == expected[::-1]
    shuffled = elements[1::2] + elements[::2]
    assert [paths(el) for el in shuffled] == [doc.xpath_of(el) for el in shuffled]


def test_mentions_given_out_of_order_keep_their_positions(edition_docs, edition_index):
    """The positions are counted as the mentions come, in document order; an
    edition whose mentions come otherwise gets the same positions."""
    edition = Edition.open(edition_docs)
    given = edition.mentions
    edition.mentions = lambda doc: reversed(list(given(doc)))  # type: ignore[method-assign]
    positions = sorted(
        (o.file, o.position, o.xpath, o.attribute)
        for entry in build_index(edition).entries
        for o in entry.occurrences
    )
    assert positions == sorted(
        (o.file, o.position, o.xpath, o.attribute)
        for entry in edition_index.entries
        for o in entry.occurrences
    )
    assert positions


def _mixed_namespaces_doc():
    """Siblings named p in TEI's namespace and in another: lxml counts them apart,
    xpath_of together."""
    return load(
        b'<TEI xmlns="http://www.tei-c.org/ns/1.0"><text><body><p>a</p>'
        b'<p xmlns="urn:other">o</p><p>b<persName>X</persName></p></body></text></TEI>'
    )


def _large_doc(paragraphs: int, *, mixed: bool = False):
    """Paragraphs of names and dates (names counted among their siblings, a comment
    and an entity among them); ``mixed``: with one paragraph of another namespace."""
    body = b"".join(
        b"<p>x<persName>N</persName> y<date when='1916'/><!-- c --><persName>M</persName>"
        b"&amp;<date when='1917'/></p>"
        for _ in range(paragraphs)
    )
    if mixed:
        body += b'<p xmlns="urn:other">o</p><p><persName>Z</persName></p>'
    return load(
        b'<TEI xmlns="http://www.tei-c.org/ns/1.0"><text><body>' + body + b"</body></text></TEI>"
    )


def test_tree_paths_are_xpath_of_in_lxml_and_python_alike(edition_docs):
    """_TreePaths makes a small TEI document's paths in lxml (getelementpath), other
    documents' (other namespaces, many elements) as _ForwardPaths: every element's
    path is xpath_of's either way."""
    from teikit.index import _TREE_PATHS_MAX, _TreePaths

    cases = [(doc, True) for doc in edition_docs]
    cases += [(_mixed_namespaces_doc(), False), (_large_doc(_TREE_PATHS_MAX // 3), False)]
    cases += [(_large_doc(10), True), (_large_doc(_TREE_PATHS_MAX // 3, mixed=True), False)]
    for doc, in_lxml in cases:
        paths = _TreePaths(doc)
        assert (paths._slow is None) is in_lxml, doc.path
        elements = [el for el in doc.root.iter() if isinstance(el.tag, str)]
        expected = [doc.xpath_of(el) for el in elements]
        assert [paths(el) for el in elements] == expected
        # asked out of document order (the last steps of a large TEI document by lxml)
        paths = _TreePaths(doc)
        assert [paths(el) for el in reversed(elements)] == expected[::-1]
    assert _TreePaths(_large_doc(_TREE_PATHS_MAX // 3))._last_step_in_lxml
    assert not _TreePaths(_large_doc(_TREE_PATHS_MAX // 3, mixed=True))._last_step_in_lxml
    # the case the fallback is for: lxml alone would say p[2]
    mixed = _mixed_namespaces_doc()
    third = mixed.root[0][0][2]
    assert _TreePaths(mixed)(third) == "/TEI/text/body/p[3]"
    assert mixed.tree.getelementpath(third).endswith("}p[2]")


def test_mentions_and_dates_in_one_pass_are_the_two_passes(edition_docs):
    """One walk for a document's mentions and dates gives the lists of the two
    passes, also when an edition gives its mentions out of document order."""
    from teikit.index import Indexer, _ForwardPaths, _Seen, _Snippets, _Wheres

    def seen():
        return _Seen(_Snippets(), _ForwardPaths(), _Wheres())

    for reverse in (False, True):
        edition = Edition.open(edition_docs)
        if reverse:
            given = edition.mentions
            edition.mentions = lambda doc, given=given: reversed(list(given(doc)))  # type: ignore[method-assign]
        builder = Indexer(edition).builder
        docs = [*edition_docs, _large_doc(50)]
        for doc in docs:
            one = builder.mentions_and_dates(doc, seen())
            two = (builder.mentions_of(doc, seen()), builder.dates_of(doc, seen()))
            assert one == two
        assert any(m and d for m, d in (builder.mentions_and_dates(d, seen()) for d in docs))


@pytest.mark.parametrize("given", ["in order", "mentions reversed", "documents reversed"])
def test_occurrences_are_in_document_order_however_they_were_merged(given):
    """The index's occurrences, each entry's and each date's, are in the order of
    the documents' files, then of each document: when everything was merged in
    that order finish leaves them as they came, else it sorts them."""
    from teikit.index import Indexer, _occurrence_order

    edition = Edition.open(TEI)
    if given == "mentions reversed":
        mentions = edition.mentions
        edition.mentions = lambda doc, mentions=mentions: reversed(list(mentions(doc)))  # type: ignore[method-assign]
    indexer = Indexer(edition)
    parts = [indexer.examine(doc) for doc in sorted(edition.order, key=indexer.builder.rel)]
    for part in reversed(parts) if given == "documents reversed" else parts:
        indexer.merge(part)
    assert indexer._ordered is (given == "in order")
    index = indexer.finish()
    order = _occurrence_order({info.file: n for n, info in enumerate(index.documents)})
    lists = [e.occurrences for e in index.entries] + [d.occurrences for d in index.dates]
    assert sum(len(occurrences) > 1 for occurrences in lists) > 10
    assert all(occurrences == sorted(occurrences, key=order) for occurrences in lists)
    assert index == build_index(TEI)


def test_wheres_of_a_document_are_where_of_each_element(edition_docs):
    """_Wheres (each ancestor's answer made from its parent's, a bounded memo) says
    what where_of says of every element: the nearest correspAction or teiHeader
    decides, then a register list, a note, the nearest front or back."""
    import teikit.index as index_module
    from teikit.index import _Wheres, where_of

    nested = etree.fromstring(
        '<TEI xmlns="http://www.tei-c.org/ns/1.0"><teiHeader><profileDesc><correspDesc>'
        '<correspAction type="sent"><persName/><note><persName/></note></correspAction>'
        '<correspAction type="received"><persName/></correspAction>'
        '<correspAction type="other"><persName/></correspAction></correspDesc>'
        "</profileDesc></teiHeader><text><front><p><persName/></p></front><body>"
        "<p><note><persName/><listPerson><person><persName/></person></listPerson></note></p>"
        "<back><note><correspAction><persName/></correspAction></note></back>"
        "<standOff><listPlace><place><placeName/></place></listPlace></standOff>"
        "</body><back><div><front><persName/></front><note><p><persName/></p></note></div>"
        "</back></text></TEI>"
    )
    roots = [doc.root for doc in edition_docs] + [nested]
    for kept in (index_module._KEPT_PARENTS, 2):  # also when the memo is cleared often
        saved = index_module._KEPT_PARENTS
        index_module._KEPT_PARENTS = kept
        try:
            for root in roots:
                wheres = _Wheres()
                elements = list(root.iter(etree.Element))
                assert [wheres(el) for el in elements] == [where_of(el) for el in elements]
        finally:
            index_module._KEPT_PARENTS = saved
    answers = {where_of(el) for el in nested.iter(etree.Element)}
    assert answers == {"header", "sender", "addressee", "body", "front", "back", "note", "register"}


def test_occurrences_made_through_their_slots_are_occurrences():
    """The merge makes its occurrences without the dataclass's __init__: the same
    objects, every field (the position too, which equality leaves out), frozen."""
    import dataclasses

    from teikit.index import Occurrence, _occurrences

    rows = [
        (3, "/TEI/text", "p1", "body", "Tito", "… to Tito …", "ref", 7),
        (9, "", "", "note", "x", "", "", 0),
    ]
    made = _occurrences("a.xml", "A", rows)
    expected = [Occurrence("a.xml", "A", *row) for row in rows]
    assert made == expected
    assert [dataclasses.astuple(o) for o in made] == [dataclasses.astuple(o) for o in expected]
    assert [o.position for o in made] == [7, 0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        made[0].text = "changed"  # type: ignore[misc]
