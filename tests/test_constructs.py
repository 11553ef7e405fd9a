"""TEI constructs that real editions use, one small fixture each (tests/fixtures/constructs).

Every fixture is valid against tei_all and must transform to HTML, Typst (and PDF) and
plain text without an error. Golden files hold the part of the output the construct
shapes: the page's ``<main>`` for HTML, the Typst source after the preamble (which is the
same for every document) for print. TEIKIT_UPDATE_GOLDEN=1 rewrites them.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from lxml import html

import teikit
from teikit import render
from teikit.errors import Severity

from conftest import FIXTURES

pytest.importorskip("typst")

CONSTRUCTS = FIXTURES / "constructs"
EXPECTED = FIXTURES / "expected" / "constructs"
UPDATE = os.environ.get("TEIKIT_UPDATE_GOLDEN") == "1"
NAMES = sorted(p.stem for p in CONSTRUCTS.glob("*.xml"))


def normalised(text: str) -> str:
    """No trailing blanks, one final newline: the outputs hold no dates or run ids."""
    return "\n".join(line.rstrip() for line in text.splitlines()).strip("\n") + "\n"


def golden(path: Path, actual: str) -> None:
    text = normalised(actual)
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    assert path.is_file(), f"missing golden file {path}: run with TEIKIT_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8"), (
        f"{path.name} differs from its golden file (TEIKIT_UPDATE_GOLDEN=1)"
    )


def main_of(page: str) -> str:
    """The page's <main> element as serialised (the chrome around it is tested elsewhere)."""
    found = re.search(r"<main\b.*</main>", page, re.DOTALL)
    assert found, "no <main> in the page"
    return found.group(0)


def body_of(typst: str) -> str:
    """The Typst source after the preamble's last line (#set page(...))."""
    _, sep, body = typst.partition("\n#set page(")
    assert sep, "no #set page in the Typst source"
    return body.partition("\n")[2]


@pytest.fixture(scope="module")
def outputs() -> dict[str, dict[str, render.Rendered]]:
    """Each fixture rendered once in each format."""
    return {
        name: {to: render.render(CONSTRUCTS / f"{name}.xml", to) for to in ("html", "typst", "txt")}
        for name in NAMES
    }


def tree(page: str) -> html.HtmlElement:
    return html.fromstring(page.encode("utf-8"))


def test_fixtures_are_valid_tei():
    """Valid against tei_all (the edition's integrity rules are not the point here:
    the fixtures point at files and ids that do not exist on purpose)."""
    report = teikit.validate([CONSTRUCTS / f"{n}.xml" for n in NAMES], schemas=["tei_all"])
    invalid = [
        d for d in report.diagnostics if d.severity >= Severity.ERROR and d.source != "rules"
    ]
    assert [d.format() for d in invalid] == []


@pytest.mark.parametrize("name", NAMES)
def test_renders_without_errors(outputs, name):
    for rendered in outputs[name].values():
        assert not [d.format() for d in rendered.diagnostics if d.severity >= Severity.ERROR]


@pytest.mark.parametrize("name", NAMES)
def test_html_golden(outputs, name):
    golden(EXPECTED / f"{name}.html", main_of(outputs[name]["html"].text))


@pytest.mark.parametrize("name", NAMES)
def test_typst_golden(outputs, name):
    golden(EXPECTED / f"{name}.typ", body_of(outputs[name]["typst"].text))


@pytest.mark.parametrize("name", NAMES)
def test_pdf_compiles(outputs, name):
    pdf, warnings = render.compile_typst(outputs[name]["typst"].text, file=name)
    assert pdf.startswith(b"%PDF") and not warnings


# --------------------------------------------------------------------------- header


def test_header_with_repeated_parts(outputs):
    """Two resp in a respStmt (the XPTY0004 crash), two titles, senders, dates, idnos."""
    root = tree(outputs["header-many-values"]["html"].text)

    def row(key: str) -> str:
        cells = root.xpath(f"//div[contains(@class, 'tk-meta-{key}')]/dd")
        return " ".join(cells[0].text_content().split()) if cells else ""

    assert root.xpath("//h1")[0].text_content() == "First main title"
    assert row("translator") == "Tess Translator, Tom Translator and Eve Encoder"
    assert row("sender") == "Ann Author, Bill Writer and The Society"
    assert row("date") == "1 January 1800"
    # empty settlement, repository and collection leave no ", ," behind
    assert row("archive") == "Schiller Nationalmuseum, 1849, A 12 (Germany)"
    assert root.xpath("//a[@rel='next']/@href") == ["c.html"]
    typst = outputs["header-many-values"]["typst"].text
    assert "Schiller Nationalmuseum, 1849, A 12 \\(Germany\\)" in typst


# --------------------------------------------------------------------------- every fixture

BLOCK_IN_P = re.compile(
    r"<p\b[^>]*>(?:(?!</p>).)*?<(div|ul|ol|dl|table|figure|section|blockquote|p)\b", re.DOTALL
)


@pytest.mark.parametrize("name", NAMES)
def test_html_is_well_formed_and_safe(outputs, name):
    """No paragraph holding blocks, unique ids, every fragment link lands on this page,
    nothing but http(s), mailto and relative URLs, no inline style or script."""
    page = outputs[name]["html"].text
    assert not BLOCK_IN_P.search(main_of(page))
    root = tree(page)
    ids = [el.get("id") for el in root.iter() if isinstance(el.tag, str) and el.get("id")]
    assert len(ids) == len(set(ids))
    for href in root.xpath("//a/@href"):
        if href.startswith("#"):
            assert href[1:] in ids, f"dead fragment link {href}"
        assert not re.match(r"\s*(javascript|data|vbscript|file):|//", href, re.I), href
    for el in root.iter():
        if isinstance(el.tag, str):
            assert "style" not in el.attrib and not [a for a in el.attrib if a.startswith("on")]
    assert not root.xpath("//a//a"), "nested links"


def pdf_lines(source: str) -> list[str]:
    pypdf = pytest.importorskip("pypdf")
    import io

    pdf, _ = render.compile_typst(source)
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return [
        " ".join(line.split())
        for page in reader.pages
        for line in page.extract_text().splitlines()
        if line.strip()
    ]


# --------------------------------------------------------------------------- constructs


def test_space_keeps_words_apart(outputs):
    rendered = outputs["space"]
    assert "düster, so düster" in tree(rendered["html"].text).text_content()
    assert "düster, so düster" in rendered["txt"].text
    assert "düster, so düster" in rendered["typst"].text
    assert "Drei #h(1.5em) Zeichen" in rendered["typst"].text
    assert len(tree(rendered["html"].text).xpath("//span[@class='tk-space-line']")) == 2


def test_speakers_start_their_own_line_in_the_pdf(outputs):
    lines = pdf_lines(outputs["drama"]["typst"].text)
    for speaker in ("ANNA.", "BEN."):
        assert speaker in lines, lines  # a line of its own, not glued to the speech before
    assert lines.index("ANNA.") < lines.index("BEN.")
    root = tree(outputs["drama"]["html"].text)
    assert [p.text for p in root.xpath("//div[@class='tk-sp']/p[@class='tk-speaker']")] == [
        "ANNA.",
        "BEN.",
    ]
    assert root.xpath("//p[contains(@class, 'tk-stage')]")  # between speeches: a block
    assert root.xpath("//p/span[@class='tk-stage']")  # inside a speech's text: inline


def test_verse_lines_and_numbers(outputs):
    root = tree(outputs["verse"]["html"].text)
    assert (
        len(root.xpath("//div[@id='poem']//span[contains(@class, 'tk-l ') or @class='tk-l']")) == 7
    )
    assert root.xpath("//span[@class='tk-l-n']/text()") == ["5"]
    assert '#tk-l(n: "5", indent: false)[and the fifth\\.]' in outputs["verse"]["typst"].text


def test_tables(outputs):
    root = tree(outputs["table"]["html"].text)
    table = root.get_element_by_id("t1")
    assert table.xpath("caption")[0].text_content() == "Prices"
    assert len(table.xpath(".//th")) == 3
    assert table.xpath(".//td[@rowspan='2']") and table.xpath(".//td[@colspan='3']")
    typst = outputs["table"]["typst"].text
    assert "#table(columns: 3" in typst and "table.cell(colspan: 3)" in typst


def test_lists_of_every_type(outputs):
    root = tree(outputs["lists"]["html"].text)
    assert root.xpath("//ul[contains(@class, 'tk-list-bulleted')]/li/ol/li")
    assert root.xpath("//ul[contains(@class, 'tk-list-simple')]")
    gloss = root.xpath("//dl[contains(@class, 'tk-list-gloss')]")[0]
    assert [dt.text for dt in gloss.xpath("dt")] == ["TEI", "XSLT"]
    assert root.xpath("//span[contains(@class, 'tk-list-inline')]")
    typst = outputs["lists"]["typst"].text
    assert (
        "#enum(" in typst
        and "#list(marker: none," in typst
        and "#grid(columns: (auto, 1fr)" in typst
    )


def test_figures_and_graphics(outputs):
    rendered = outputs["figure"]
    root = tree(rendered["html"].text)
    img = root.xpath("//figure[@id='fig1']/img")[0]
    assert (
        img.get("src") == "images/portrait.jpg"
        and img.get("alt") == "Head and shoulders of a woman"
    )
    # an image on another site is a link, so that opening the page requests nothing elsewhere
    assert root.xpath("//a[@class='tk-graphic-link'][@href='https://upload.example.org/photo.jpg']")
    assert not root.xpath("//img[starts-with(@src, 'http')]")
    srcs = root.xpath("//img/@src")
    assert not [s for s in srcs if ".." in s or ":" in s]
    codes = [d.code for d in rendered["html"].diagnostics]
    assert codes.count("unsafe-url") == 2 and codes.count("resource-outside") == 1


def test_facsimile_links_resolve_to_images(outputs):
    rendered = outputs["facsimile"]
    root = tree(rendered["html"].text)
    facs = [a.get("href") for a in root.xpath("//div[@class='tk-body']//a[@class='tk-facs']")]
    assert facs == [
        "scans/p1.jpg",  # #s1: the surface's graphic
        "https://images.example.org/p2.jpg",  # #z2: the zone's surface
        "p3.png",  # g3: a bare id of a graphic
        "https://iiif.example.org/p6/full/max/0/default.jpg",
    ]
    # #nowhere, an identifier, ../ and javascript: are no links
    assert [d.code for d in rendered["html"].diagnostics] == ["resource-outside", "unsafe-url"]
    gallery = root.xpath("//section[@class='tk-facsimiles']//a")
    assert [a.text for a in gallery] == ["Page 1", "Page 2", "Page 3 (Envelope)"]


def test_back_and_standoff_lists_are_register_sections(outputs):
    root = tree(outputs["back-lists"]["html"].text)
    headings = root.xpath("//section[contains(@class, 'tk-entries')]/h2/text()")
    assert headings == ["Persons", "Places", "Organisations", "Works", "Events"]
    anna = root.get_element_by_id("p1")
    assert anna.xpath("h3")[0].text == "Anna Example"
    links = anna.xpath(".//a[@class='tk-idno']")
    assert [(a.text, a.get("href")) for a in links] == [
        ("gnd", "https://d-nb.info/gnd/000000000"),
        ("wikidata", "https://www.wikidata.org/entity/Q1"),
    ]
    assert root.get_element_by_id("p2").xpath("h3")[0].text == "McCarthy, P. C."
    text = root.xpath("//div[@class='tk-body']/p")[0]
    assert [a.get("href") for a in text.xpath("a")] == ["#p1", "#p2", "#pl1", "#o1", "#w1", "#e1"]
    assert not root.xpath("//section[@class='tk-notes']")  # entry notes stay with the entry
    typst = outputs["back-lists"]["typst"].text
    assert "#link(<tk-back-lists--p1>)[Anna]" in typst
    assert "[Anna Example] <tk-back-lists--p1>" in typst


def test_notes_by_place(outputs):
    root = tree(outputs["notes-place"]["html"].text)
    assert root.xpath("//a[@role='doc-noteref']/text()") == ["1", "2", "3"]
    assert len(root.xpath("//span[contains(@class, 'tk-note-margin')]")) == 2
    assert len(root.xpath("//span[contains(@class, 'tk-note-inline')]")) == 2
    typst = outputs["notes-place"]["typst"].text
    # place="end": an endnote at the end of the part (see the editorial layer)
    assert typst.count("#footnote(") == 4 and typst.count("#tk-endnote(") == 1
    assert "\\(an inline note\\)" in typst
    # the plain text keeps the same numbers; the notes in the text stay there
    text = outputs["notes-place"]["txt"].text
    assert "Text[1] and (A note in the left margin.) more (an inline note) text" in text
    assert "then[2] and[3] last (In the margin.)." in text


def test_nested_notes_have_their_own_ids_numbers_and_links(outputs):
    """A note inside a note is numbered after it and gets its own id, in the page
    and as a PDF label (the same number and id as the outer note once made two
    list items with one id, links landing on the wrong note, and a PDF that did
    not compile: "label occurs multiple times")."""
    root = tree(outputs["notes-nested"]["html"].text)
    items = root.xpath("//li[@role='doc-endnote']")
    ids = [li.get("id") for li in items]
    assert len(ids) == len(set(ids)) == 7
    labels = {li.get("id"): li.xpath("span[@class='tk-note-label']")[0].text for li in items}
    assert sorted(labels.values()) == ["1", "2", "3", "4", "5", "6", "a"]
    for ref in root.xpath("//a[@role='doc-noteref']"):
        note = root.get_element_by_id(ref.get("href")[1:])
        assert labels[note.get("id")] == ref.text  # the marker names the note it links to
        assert note.xpath(".//a[@role='doc-backlink']/@href") == ["#" + ref.get("id")]
    inner = root.xpath("//span[@class='tk-note-body'][starts-with(., 'Outer note')]//a")[0]
    assert root.get_element_by_id(inner.get("href")[1:]).text_content().count("a note on the note")
    typst = outputs["notes-nested"]["typst"].text
    labels = re.findall(r"\] (<tk-notes-nested-note-[^>]+>)", typst)
    assert len(labels) == len(set(labels)) == 3
    assert "First[1] then[3] and[4] last[6]." in outputs["notes-nested"]["txt"].text


def test_choice_shows_reading_and_source(outputs):
    root = tree(outputs["choice"]["html"].text)
    pairs = [
        (c.xpath("span[contains(@class, 'tk-reading')]")[0].text,
         c.xpath("span[contains(@class, 'tk-diplomatic')]")[0].text)
        for c in root.xpath("//span[@class='tk-choice']")
    ]  # fmt: skip
    assert pairs == [("mistake", "mistaek"), ("abbreviation", "abbr."), ("old", "olde")]
    typst = outputs["choice"]["typst"].text
    assert "A mistake#super[" in typst and "an abbreviation, an old spelling" in typst


def test_additions_and_deletions(outputs):
    root = tree(outputs["add-del-subst"]["html"].text)
    assert root.xpath("//ins[@title='Added above the line']/text()") == ["quickly"]
    assert root.xpath("//span[@class='tk-subst']/del/text()") == ["red"]
    assert "#strike[slowly]" in outputs["add-del-subst"]["typst"].text


def test_rendition_from_rend_rendition_and_style(outputs):
    root = tree(outputs["hi-rend"]["html"].text)

    def classes(text: str) -> str:
        return root.xpath(f"//*[text()={text!r}]/@class")[0]

    assert root.xpath("//sup[text()='r']") and root.xpath("//sub[text()='2']")
    assert classes("both") == "tk-hi tk-rend-bold tk-rend-italic"
    assert classes("rendition css") == "tk-hi tk-rend-italic"
    assert classes("rendition word") == "tk-hi tk-rend-bold"
    assert classes("style bold") == "tk-hi tk-rend-bold"  # color and url() are dropped
    assert classes("spaced") == "tk-hi tk-rend-spaced"
    assert "javascript" not in outputs["hi-rend"]["html"].text
    typst = outputs["hi-rend"]["typst"].text
    assert "#strong[#emph[both]]" in typst and "#align(center)[A centred paragraph\\.]" in typst
    assert "javascript" not in typst and "color" not in typst


def test_quotations_get_marks_only_when_the_source_has_none(outputs):
    root = tree(outputs["quote-cit"]["html"].text)
    assert root.xpath("//q[@class='tk-q']/text()") == ["come in"]
    assert root.xpath("//q[contains(@class, 'tk-marked')]/text()") == ["wait", "„already marked“"]
    assert root.xpath("//figure[@class='tk-cit']/figcaption")
    typst = outputs["quote-cit"]["typst"].text
    assert "#quote[come in]" in typst and "»wait«" in typst
    assert "attribution: [Shakespeare, #emph[Hamlet]]" in typst


def test_links_and_pointers(outputs):
    root = tree(outputs["ref-ptr"]["html"].text)
    hrefs = root.xpath("//p[@id='para1']//a[@class='tk-ref' or @class='tk-ptr']/@href")
    assert hrefs == [
        "https://example.org/", "other.html#p3", "#note1", "#para2",
        "https://example.org/p", "#note1",
    ]  # fmt: skip
    spans = root.xpath("//span[@class='tk-ref']/text()")
    assert spans == ["missing", "an identifier", "a date", "script"]


def test_gaps_and_uncertain_text(outputs):
    root = tree(outputs["gap-unclear-damage"]["html"].text)
    assert root.xpath("//span[@class='tk-gap']/@title") == [
        "Omitted: illegible, 3 chars",
        "Omitted",
    ]
    assert root.xpath("//span[@class='tk-unclear']/@title") == ["Unclear: faded"]
    assert root.xpath("//span[@class='tk-damage']/@title") == ["Damaged: water"]


def test_dates_and_times(outputs):
    root = tree(outputs["date-time"]["html"].text)
    assert root.xpath("//time/@datetime") == [
        "1916-07-01", "14:30:00", "1916-07-02T09:15:00", "1917-01-05",
    ]  # fmt: skip
    assert root.xpath("//span[@class='tk-date']/@title") == ["1916-07 – 1916-08", "1918 – 1919"]
    assert "empty\\: 1917\\-01\\-05" in outputs["date-time"]["typst"].text


def test_names_are_written_once(outputs):
    root = tree(outputs["names"]["html"].text)
    assert root.xpath("//section[contains(@class, 'tk-entry')]/h3/text()") == [
        "McCarthy, P. C.", "Schnitzler, Arthur", "Josip Broz Tito",
    ]  # fmt: skip
    assert "Run Together" in root.text_content()


def test_title_once(outputs):
    """The page has one h1 with the document's title; the PDF does not repeat the
    heading's title under it."""
    for name in NAMES:
        typst = body_of(outputs[name]["typst"].text)
        heading = next(line for line in typst.splitlines() if line.startswith("= "))
        title = heading[2 : heading.rindex(" <")]
        assert f"#tk-title[{title}]" not in typst, name
        assert len(tree(outputs[name]["html"].text).xpath("//h1")) == 1


def test_foreign_keeps_its_language(outputs):
    root = tree(outputs["foreign"]["html"].text)
    assert root.xpath("//i[@class='tk-foreign']/@lang") == ["fr", "la"]
    assert '#emph[#text(lang: "fr")[c\\\'est la vie]]' in outputs["foreign"]["typst"].text


def test_hostile_attributes_stay_text(outputs):
    """Typst code in attributes and text prints literally (a #panic that ran would
    stop the compilation); CSS from @style and URLs with unsafe schemes go nowhere."""
    rendered = outputs["hostile-attributes"]
    lines = pdf_lines(rendered["typst"].text)
    assert any('#panic("line")' in line for line in lines)
    page = rendered["html"].text
    assert "javascript" not in page and "data:" not in page and "display: none" not in page
    root = tree(page)
    assert root.xpath("//p[.//text()[contains(., 'Styled')]]/@class") == ["tk-rend-bold"]
    assert {d.code for d in rendered["html"].diagnostics} == {"unsafe-url"}


def test_a_tei_corpus_is_refused_with_a_reason():
    """A teiCorpus is valid TEI but not rendered as one page yet: one clear finding."""
    with pytest.raises(render.RenderError) as caught:
        render.render(FIXTURES / "loader" / "tei-corpus.xml", "html")
    diagnostic = caught.value.diagnostics[-1]
    assert diagnostic.code == "tei-corpus"
    assert "teiCorpus holding 1 TEI document, " in diagnostic.message
    assert "no output is made for this file" in diagnostic.message
