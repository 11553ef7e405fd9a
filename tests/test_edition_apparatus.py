"""The bundled edition as a scholarly edition: its editorial layers as the site and
the PDF show them, the declared attribute values, the pages of the print, and the
authority identifiers the CMIF export carries.

The "As printed" view is read as the site's CSS shows it (the .tk-reading parts
hidden, the .tk-diplomatic parts shown) and compared, word by word and bracket by
bracket, with the source text of the print, de-hyphenated as test_edition.py
reads it."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator

import pytest
from lxml import etree, html

from teikit import render
from teikit.document import load
from teikit.edition.registers import XML_ID
from teikit.exports import CmifOptions, ExportOptions, export
from teikit.index import build_index

from conftest import GLUED_MARKERS, TEI

NS = {"t": "http://www.tei-c.org/ns/1.0"}
REGISTER = TEI / "register.xml"
LETTERS = [
    "letter-1954-06-22.xml",
    "cable-1954-07-24.xml",
    "letter-1954-08-11.xml",
    "letter-1954-09-23.xml",
    "letter-1954-09-27.xml",
]
PRINT_ORDER = ["introduction.xml", *LETTERS]  # as the Bulletin prints them
# Where each document begins in the source text (the extraction of the print).
STARTS = {
    "letter-1954-06-22.xml": "DOCUMENT No. 1\n",
    "cable-1954-07-24.xml": "DOCUMENT No. 2\n",
    "letter-1954-08-11.xml": "DOCUMENT No.3\n",
    "letter-1954-09-23.xml": "DOCUMENT No 4.\n",
    "letter-1954-09-27.xml": "DOCUMENT No. 5\n",
}
AUTHOR_LINE = "Svetozar Rajak (London School of Economics)"
NOTE_NUMBERS = {"introduction.xml": ["1"], "letter-1954-06-22.xml": ["2", "3", "4"]}
NOTE_NUMBERS |= {"cable-1954-07-24.xml": ["5"], "letter-1954-09-23.xml": ["6"]}
NOTE_NUMBERS |= {"letter-1954-09-27.xml": ["7"], "letter-1954-08-11.xml": []}
# The declared attributes: every value of these that occurs must be in edition.xml's schemaSpec.
DECLARED = ("type", "subtype", "reason", "place", "unit", "role", "cert", "evidence")


def parse(name: str) -> etree._ElementTree:
    return etree.parse(str(TEI / name))


# --------------------------------------------------------------------------- the print


def tokens(text: str) -> list[str]:
    """Words and square brackets, as test_edition.word_counts reads words: hyphens
    and dashes dropped (resolved line-end hyphens and compounds compare equal),
    apostrophes unified, single digits (note numbers) ignored."""
    text = re.sub(r"[-–—]", "", text.replace("’", "'")).lower()
    return [t for t in re.findall(r"[\w']+|[\[\]]", text) if not re.fullmatch(r"\d", t)]


@pytest.fixture(scope="module")
def printed(source_text) -> dict[str, list[str]]:
    """The print's tokens: per document (its text and source line), per note."""
    lines = source_text.split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith("—————"))
    end = next(i for i, line in enumerate(lines) if line.startswith("[Reprinted from the NHD"))
    kept = [line for line in lines[:start] + lines[end + 1 :] if "Teachers Become" not in line]
    text = re.sub(r"-\n\s*", "", "\n".join(kept))
    for glued, clean in GLUED_MARKERS:
        text = text.replace(glued, clean)
    cuts = [text.index(STARTS[name]) for name in LETTERS]
    author = text.index(AUTHOR_LINE)
    notes_at = text.index("\n1 This article")
    parts = {"introduction.xml": text[: cuts[0]] + text[author:notes_at]}
    for name, begin, finish in zip(LETTERS, cuts, [*cuts[1:], author], strict=True):
        parts[name] = text[begin:finish]
    notes = re.split(r"\n([1-7]) ", text[notes_at:])
    for number, body in zip(notes[1::2], notes[2::2], strict=True):
        parts[f"note {number}"] = body
    return {key: tokens(value) for key, value in parts.items()}


# --------------------------------------------------------------------------- the views


@pytest.fixture(scope="module")
def pages() -> dict[str, etree._Element]:
    return {
        name: html.fromstring(render.render_html(TEI / name, register=REGISTER))
        for name in PRINT_ORDER
    }


def as_printed(node: etree._Element) -> etree._Element:
    """A copy of ``node`` as the "As printed" view shows it: without what only the
    reading view shows, without note markers and the page-break apparatus."""
    copy = html.fromstring(etree.tostring(node, encoding="unicode"))
    for el in copy.xpath(
        ".//*[contains(concat(' ', @class, ' '), ' tk-reading ')"
        " or contains(concat(' ', @class, ' '), ' tk-noteref ')"
        " or contains(concat(' ', @class, ' '), ' tk-pb ')"
        " or contains(concat(' ', @class, ' '), ' tk-pb-bar ')"
        " or contains(concat(' ', @class, ' '), ' tk-backlink ')"
        " or contains(concat(' ', @class, ' '), ' tk-note-label ')"
        " or contains(concat(' ', @class, ' '), ' tk-visually-hidden ')]"
    ):
        el.drop_tree()
    for br in copy.iter("br"):  # a line break parts words as a space does
        br.tail = " " + (br.tail or "")
    return copy


def view_text(nodes: list[etree._Element]) -> str:
    # The pages are indented: blocks are apart, inline markup is not.
    return " ".join(n.text_content() for n in nodes)


def text_of_page(page: etree._Element, name: str) -> str:
    article = page.xpath("//article")[0]
    header = [] if name == "introduction.xml" else article.xpath("header")
    return view_text([as_printed(n) for n in [*header, *article.xpath("div[@class='tk-text']")]])


def notes_of_page(page: etree._Element) -> Iterator[tuple[str, str]]:
    for li in page.xpath("//section[@class='tk-notes']//li"):
        label = li.xpath("string(span[@class='tk-note-label'])")
        yield label, view_text([as_printed(li)])


def assert_same(expected: list[str], actual: list[str], what: str) -> None:
    if expected != actual:
        diff = "\n".join(
            list(difflib.unified_diff(expected, actual, "print", "as printed", lineterm="", n=2))[
                :40
            ]
        )
        pytest.fail(f"{what}: the As printed view differs from the print\n{diff}")


@pytest.mark.parametrize("name", PRINT_ORDER)
def test_as_printed_view_is_the_print_word_for_word(name, pages, printed):
    assert_same(printed[name], tokens(text_of_page(pages[name], name)), name)
    numbers = []
    for label, text in notes_of_page(pages[name]):
        numbers.append(label)
        assert_same(printed[f"note {label}"], tokens(text), f"note {label}")
    assert numbers == NOTE_NUMBERS[name]


def test_as_printed_view_keeps_the_printed_brackets(pages):
    text = text_of_page(pages["letter-1954-06-22.xml"], "letter-1954-06-22.xml")
    for printed_insertion in ("[CC]", "[CPSU]", "[former secret police chief Lavrenty]"):
        assert printed_insertion in " ".join(text.split())
    assert "⟨" not in text_of_page(pages["introduction.xml"], "introduction.xml")


def test_reading_view_marks_every_editorial_conjecture(pages):
    for name in PRINT_ORDER:
        tree, page = parse(name), pages[name]
        supplied = tree.xpath("//t:text//t:supplied", namespaces=NS)
        shown = page.xpath("//span[contains(@class, 'tk-supplied')]")
        assert len(shown) == len(supplied), name
        for tei, span in zip(supplied, shown, strict=True):
            assert "tk-reading" in span.get("class").split()
            text = " ".join(span.text_content().split())
            assert text == f"⟨{' '.join(''.join(tei.itertext()).split())}⟩"
            assert "Added by the editors" in span.get("title")
            assert f"certainty {tei.get('cert')}" in span.get("title")
        # The editors' notes: a lettered marker in the text and an entry, reading view only.
        editorial = tree.xpath("//t:text//t:note[@type='editorial']", namespaces=NS)
        markers = page.xpath("//sup[contains(@class, 'tk-noteref-editorial')]")
        entries = page.xpath("//section[contains(@class, 'tk-notes-editorial')]//li")
        assert len(markers) == len(entries) == len(editorial), name
        assert [m.text_content() for m in markers] == [
            "abcdefghijklmnopqrstuvwxyz"[i] for i in range(len(markers))
        ]
        assert all("tk-reading" in m.get("class").split() for m in markers)
        if entries:
            section = page.xpath("//section[contains(@class, 'tk-notes-editorial')]")[0]
            assert "tk-reading" in section.get("class").split()
    assert len(pages["introduction.xml"].xpath("//span[contains(@class, 'tk-supplied')]")) == 1


def test_the_pdf_shows_corrections_conjectures_and_endnotes():
    typst = render.render_typst(TEI / "introduction.xml")
    assert "⟨2000⟩" in typst
    assert "#tk-head[Corrections]" in typst
    assert "#tk-apparatus-entry[p\\. 315][Milosevic\\] Milosovic]" in typst
    assert "#footnote" not in typst  # the print has endnotes
    assert '#tk-endnote("1", editorial: false)' in typst
    assert '#tk-pb("316", true)' in typst


# --------------------------------------------------------------------------- the header


def declared_values() -> tuple[dict[tuple[str, str], set[str]], dict[str, set[str]]]:
    spec = parse("edition.xml").find(".//t:encodingDesc/t:schemaSpec", NS)
    by_element: dict[tuple[str, str], set[str]] = {}
    by_class: dict[str, set[str]] = {}
    for att in spec.iterfind(".//t:attDef", NS):
        values = set(att.xpath("t:valList/t:valItem/@ident", namespaces=NS))
        owner = att.xpath(
            "ancestor::*[self::t:elementSpec or self::t:classSpec][1]", namespaces=NS
        )[0]
        if etree.QName(owner).localname == "elementSpec":
            by_element[(owner.get("ident"), att.get("ident"))] = values
        else:
            by_class.setdefault(att.get("ident"), set()).update(values)
        assert all(v.find("t:desc", NS) is not None for v in att.iterfind(".//t:valItem", NS)), (
            "every declared value says what it means"
        )
    return by_element, by_class


def test_every_attribute_value_used_is_declared_in_the_header():
    by_element, by_class = declared_values()
    undeclared = []
    for name in sorted(p.name for p in TEI.glob("*.xml")):
        for el in parse(name).iter():
            if not isinstance(el.tag, str) or el.xpath("ancestor::t:schemaSpec", namespaces=NS):
                continue
            tag = etree.QName(el).localname
            for att in DECLARED:
                value = el.get(att)
                if value is None:
                    continue
                allowed = by_element.get((tag, att), by_class.get(att))
                for token in value.split() if att == "role" else [value]:
                    if allowed is None or token not in allowed:
                        undeclared.append(f"{name}:{el.sourceline}: {tag}/@{att}={token!r}")
    assert undeclared == []


def test_responsibility_points_into_the_headers_and_registers():
    register_ids = set(parse("register.xml").xpath("//@xml:id"))
    for name in sorted(p.name for p in TEI.glob("*.xml")):
        tree = parse(name)
        header_ids = set(tree.xpath("//t:teiHeader//@xml:id", namespaces=NS))
        for att in tree.xpath("//@resp | //@who | //t:idno/@source", namespaces=NS):
            for token in att.split():
                file, _, fragment = token.partition("#")
                assert fragment in (register_ids if file == "register.xml" else header_ids), (
                    f"{name}: {token}"
                )
        # The present editors' additions say who made them; the print's interpolations
        # do not claim an author the print does not name.
        for el in tree.xpath(
            "//t:text//t:supplied | //t:text//t:note[@type='editorial']", namespaces=NS
        ):
            assert el.get("resp") == f"#{tree.getroot().get(XML_ID)}-editors"
        assert tree.xpath("//t:seg[@type='interpolation'][@resp]", namespaces=NS) == []


def test_archival_register_says_translations_not_originals():
    entry = parse("register.xml").xpath("//t:org[@xml:id='arhiv-jugoslavije']", namespaces=NS)[0]
    text = " ".join("".join(entry.itertext()).split())
    assert "originals" not in text and "Serbo-Croatian translations" in text
    for name in sorted(p.name for p in TEI.glob("*.xml")):
        assert "Serbo-Croatian original" not in " ".join(parse(name).xpath("string(/)").split())


def test_tito_numbering_is_in_every_description():
    for name in LETTERS:
        additions = parse(name).find(".//t:msDesc/t:physDesc/t:additions", NS)
        assert additions is not None and "handwriting" in "".join(additions.itertext()), name


def test_the_edition_page_shows_no_single_document_as_its_own():
    page = html.fromstring(render.render_html(TEI / "edition.xml", register=REGISTER))
    rows = {
        div.get("class").split()[-1]: " ".join(div.xpath("string(dd)").split())
        for div in page.xpath("//aside//div[contains(@class, 'tk-meta-row')]")
    }
    assert "tk-meta-archive" not in rows and "tk-meta-summary" not in rows
    assert rows["tk-meta-archives"].endswith("507 / IX, 119/I-48 to 119/I-52")


# --------------------------------------------------------------------------- pages


def page_of(el: etree._Element, current: str) -> str:
    return el.get("n") if etree.QName(el).localname == "pb" else current


def test_page_ranges_in_the_headers_match_the_page_breaks():
    """Walk the documents in the order of the print: each document's range in its
    header (biblScope) is the page it starts on to the last page break in it; the
    author's line and the notes follow the last document, on pp. 323–324."""
    page = "315"
    for name in PRINT_ORDER:
        tree = parse(name)
        parts = tree.xpath("//t:text/t:body | //t:text/t:back/t:div[@type='source']", namespaces=NS)
        first = page
        for part in parts:
            for pb in part.xpath(".//t:pb[not(ancestor::t:note)]", namespaces=NS):
                page = pb.get("n")
        scope = tree.find(".//t:sourceDesc/t:bibl[@type='printed']/t:biblScope[@unit='page']", NS)
        assert (scope.get("from"), scope.get("to")) == (first, page), name
    assert page == "323"  # where the last document ends: the author's line and notes follow
    note_pages = [
        [pb.get("n") for pb in note.xpath(".//t:pb", namespaces=NS)]
        for name in PRINT_ORDER
        for note in parse(name).xpath("//t:note[@type='authorial']", namespaces=NS)
    ]
    assert note_pages == [[], [], [], [], [], ["324"], []]  # note 6 runs over to p. 324
    whole = parse("edition.xml").find(".//t:sourceDesc/t:bibl/t:biblScope[@unit='page']", NS)
    assert (whole.get("from"), whole.get("to")) == ("315", "324")


# --------------------------------------------------------------------------- CMIF


def test_cmif_carries_the_authority_of_every_correspondent_that_has_one(tmp_path):
    docs = [load(p) for p in sorted(TEI.glob("*.xml"))]
    index = build_index(docs)
    options = ExportOptions(
        base_url="https://edition.example.org/",
        cmif=CmifOptions(editor_email="editors@example.org"),
    )
    (path,) = export(docs, tmp_path / "edition.cmif.xml", index=index, options=options)
    cmif = etree.parse(str(path))
    authorities = {
        entry.get(XML_ID): entry.xpath("t:idno/text()", namespaces=NS)
        for entry in parse("register.xml").xpath("//t:person | //t:place | //t:org", namespaces=NS)
    }
    descs = cmif.findall(".//t:profileDesc/t:correspDesc", NS)
    assert len(descs) == len(index.letters) == 5
    refs = 0
    for letter, desc in zip(index.letters, descs, strict=True):
        for kind, parties in (
            ("sent", [*letter.senders, *letter.places_sent]),
            ("received", [*letter.addressees, *letter.places_received]),
        ):
            names = desc.xpath(
                f"t:correspAction[@type='{kind}']/*[self::t:persName or self::t:orgName"
                " or self::t:placeName]",
                namespaces=NS,
            )
            assert [n.text for n in names] == [p.name for p in parties]
            for party, name in zip(parties, names, strict=True):
                uris = authorities[party.id]
                usable = [u for u in uris if "geonames" in u] if party.type == "place" else uris
                assert name.get("ref") == (usable[0] if usable else None), party.name
                refs += bool(usable)
    assert refs >= 1  # Moscow, with its GeoNames URI
    # The conjectured places of sending stay conjectures in the CMIF.
    conjectures = cmif.xpath(
        "//t:correspAction[@type='sent']/t:placeName[@evidence='conjecture'][@cert='low']",
        namespaces=NS,
    )
    assert len(conjectures) == 2


def test_register_header_names_the_source_of_every_identifier():
    register = parse("register.xml")
    sources = set(register.xpath("//t:teiHeader//t:bibl/@xml:id", namespaces=NS))
    idnos = register.xpath("//t:text//t:idno", namespaces=NS)
    assert idnos, "the register has authority identifiers"
    for idno in idnos:
        assert idno.get("source", "").lstrip("#") in sources, idno.text
