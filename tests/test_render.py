"""Rendering: HTML pages, Typst sources and PDFs of the edition (teikit.render).

Golden files: tests/fixtures/expected/html and expected/typst hold the output for
every file of tei/; set TEIKIT_UPDATE_GOLDEN=1 to rewrite them after an intended
change. PDFs are checked through their text and structure with pypdf.
"""

from __future__ import annotations

import itertools
import os
import re
from collections import Counter
from pathlib import Path

import pytest
from lxml import etree, html

from teikit import render
from teikit.document import TEI_NS, load
from teikit.errors import Severity, TeikitError, UsageError

from conftest import FIXTURES, ROOT, TEI

pypdf = pytest.importorskip("pypdf")
pytest.importorskip("typst")

RENDER = FIXTURES / "render"
EXPECTED = FIXTURES / "expected"
UPDATE = os.environ.get("TEIKIT_UPDATE_GOLDEN") == "1"
LETTERS = sorted(p.stem for p in TEI.glob("*.xml") if p.stem.startswith(("letter-", "cable-")))
DOCUMENTS = sorted(p.stem for p in TEI.glob("*.xml"))
T = f"{{{TEI_NS}}}"


def golden(path: Path, actual: str) -> None:
    """Compare with (or, under TEIKIT_UPDATE_GOLDEN=1, rewrite) a golden file."""
    # Normalised: no trailing blanks, one final newline. The output itself holds
    # no timestamps or generated ids, so nothing else needs masking.
    text = "\n".join(line.rstrip() for line in actual.splitlines()).strip("\n") + "\n"
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    assert path.is_file(), f"missing golden file {path}: run with TEIKIT_UPDATE_GOLDEN=1"
    expected = path.read_text(encoding="utf-8")
    assert text == expected, f"{path.name} differs from its golden file (TEIKIT_UPDATE_GOLDEN=1)"


@pytest.fixture(scope="module")
def pages() -> dict[str, str]:
    """The HTML page of every document of the edition."""
    return {name: render.render_html(TEI / f"{name}.xml") for name in DOCUMENTS}


def tree(page: str) -> html.HtmlElement:
    return html.fromstring(page.encode("utf-8"))


def has_class(name: str) -> str:
    """XPath predicate: the element's class list contains ``name``."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


# --------------------------------------------------------------------------- golden


@pytest.mark.parametrize("name", DOCUMENTS)
def test_html_golden(pages, name):
    golden(EXPECTED / "html" / f"{name}.html", pages[name])


@pytest.mark.parametrize("section", render.REGISTER_SECTIONS)
def test_register_page_golden(section):
    page = render.render_html(TEI / "register.xml", params={"register-section": section})
    golden(EXPECTED / "html" / f"register-{section}.html", page)


@pytest.mark.parametrize("name", DOCUMENTS)
def test_typst_golden(name):
    golden(EXPECTED / "typst" / f"{name}.typ", render.render_typst(TEI / f"{name}.xml"))


# --------------------------------------------------------------------------- HTML


@pytest.mark.parametrize("name", DOCUMENTS)
def test_html_outline_has_one_h1_and_no_skipped_levels(pages, name):
    headings = [int(el.tag[1]) for el in tree(pages[name]).iter("h1", "h2", "h3", "h4", "h5", "h6")]
    assert headings.count(1) == 1 and headings[0] == 1
    assert all(b - a <= 1 for a, b in itertools.pairwise(headings))


@pytest.mark.parametrize("name", DOCUMENTS)
def test_html_ids_unique_and_fragment_links_resolve(pages, name):
    root = tree(pages[name])
    ids = [el.get("id") for el in root.iter() if isinstance(el.tag, str) and el.get("id")]
    assert not [i for i, n in Counter(ids).items() if n > 1]
    for link in root.xpath("//a[starts-with(@href, '#')]"):
        assert link.get("href")[1:] in ids
    assert not root.xpath("//a//a"), "nested links"


def test_html_footnotes_link_both_ways(pages):
    root = tree(pages["letter-1954-06-22"])
    refs = root.xpath("//a[@role='doc-noteref']")
    assert [a.text_content() for a in refs] == ["2", "3", "4"]
    for ref in refs:
        note = root.get_element_by_id(ref.get("href")[1:])
        assert note.get("role") == "doc-endnote"
        back = note.xpath(".//a[@role='doc-backlink']")[0]
        assert back.get("href") == "#" + ref.get("id")
    # ids come from the TEI xml:id, so links to notes are stable across runs
    assert refs[0].get("href") == "#letter-1954-06-22-n2"
    text = root.get_element_by_id("letter-1954-06-22-n2").text_content()
    assert "renamed as League of Communists of Yugoslavia" in text


def test_html_metadata_panel(pages):
    root = tree(pages["letter-1954-06-22"])

    def row(key: str) -> str:
        return " ".join(
            root.xpath(f"//div[contains(@class, 'tk-meta-{key}')]/dd")[0].text_content().split()
        )

    assert row("sender") == (
        "Central Committee of the Communist Party of the Soviet Union and Nikita S. Khrushchev"
    )
    assert row("place") == "Moscow (conjecture, certainty: medium)"
    assert row("received") == "between 22 June and 24 July 1954 (inferred)"
    assert row("addressee") == (
        "Josip Broz Tito and Central Committee of the League of Communists of Yugoslavia"
    )
    assert row("date") == "22 June 1954"
    assert (
        row("archive") == "Arhiv Jugoslavije, Arhiv CK SKJ, 507 / IX, 119/I-48 (Belgrade, Serbia)"
    )
    assert "Cold War International History Project Bulletin 12/13" in row("source")
    assert row("translator") == "Svetozar Rajak"
    place = tree(pages["letter-1954-08-11"]).xpath("//div[contains(@class, 'tk-meta-place')]/dd")
    assert place[0].text_content().strip() == "Belgrade"  # from the closer's dateline


def test_html_letter_structure_is_semantic(pages):
    root = tree(pages["letter-1954-08-11"])
    assert root.xpath("//div[@class='tk-opener']/p[@class='tk-salute']")
    assert root.xpath(
        "//div[@class='tk-closer']/p[@class='tk-dateline']//time[@datetime='1954-08-11']"
    )
    assert root.xpath("//div[@class='tk-closer']/p[@class='tk-signed']/br")
    assert root.xpath("//article/header/p[@class='tk-kicker']")[0].text_content() == "DOCUMENT No.3"


def test_html_previous_and_next_letter(pages):
    nav = tree(pages["cable-1954-07-24"]).xpath("//nav[@class='tk-corresp-nav']")[0]
    assert nav.xpath(".//a[@rel='prev']/@href") == ["letter-1954-06-22.html"]
    assert nav.xpath(".//a[@rel='next']/@href") == ["letter-1954-08-11.html"]
    first = tree(pages["letter-1954-06-22"])
    assert not first.xpath("//a[@rel='prev']") and first.xpath("//a[@rel='next']")


def test_html_editorial_interventions_visible(pages):
    root = tree(pages["letter-1954-06-22"])
    printed = root.xpath(f"//span[{has_class('tk-interpolation')}]")[0]
    assert printed.text_content() == "[CC]"  # the print's own brackets: text in every view
    assert "tk-reading" not in printed.get("class")
    assert printed.get("title") == "Interpolation printed in the source"
    intro = tree(pages["introduction"])
    supplied = intro.xpath(f"//span[{has_class('tk-supplied')}]")[0]
    assert supplied.text_content() == "⟨2000⟩"
    assert "tk-reading" in supplied.get("class")
    assert supplied.get("title") == (
        "Added by the editors, not in the source: omitted in the source, "
        "by teikit developers, certainty high"
    )
    corr = root.xpath(f"//span[{has_class('tk-corr')}]")[0]
    assert corr.text_content() == "Yugoslavia"
    assert corr.get("title") == "Corrected; the source reads: Yuogslavia"
    sic = root.xpath(f"//span[{has_class('tk-sic')}]")[0]
    assert "tk-diplomatic" in sic.get("class") and sic.text_content() == "Yuogslavia"
    # the reading / as-printed switch: radio inputs plus CSS, no script needed
    assert root.xpath("//input[@id='tk-view-diplomatic'][@type='radio']")
    css = (render.ASSETS_DIR / "teikit.css").read_text()
    assert "#tk-view-diplomatic:checked ~ * .tk-reading { display: none; }" in css
    assert ":focus-visible" in css and "@media print" in css


def test_html_entities_link_to_register_with_tooltip(pages):
    root = tree(pages["letter-1954-06-22"])
    tito = root.xpath("//a[@href='persons.html#tito']")[0]
    assert tito.get("title") == (
        "Yugoslav leader; addressee of the Soviet letters and signatory of the Yugoslav reply "
        "of 11 August 1954."
    )
    assert root.xpath("//a[@href='places.html#moscow'][@title='Capital of the Soviet Union.']")
    assert root.xpath(
        "//a[@href='organisations.html#cc-cpsu'][contains(@class, 'tk-organisation')]"
    )
    works = tree(pages["letter-1954-09-27"]).xpath("//a[@href='works.html#historical-materialism']")
    assert works and works[0].xpath("cite")
    # every entity link points at an entry that exists on its register page
    entries = {
        section: set(
            tree(
                render.render_html(TEI / "register.xml", params={"register-section": section})
            ).xpath("//section/@id")
        )
        for section in render.REGISTER_SECTIONS
    }
    pages_of = dict(
        zip(
            ["persons.html", "places.html", "organisations.html", "works.html"],
            render.REGISTER_SECTIONS,
            strict=True,
        )
    )
    for page in pages.values():
        for href in tree(page).xpath("//a[contains(@class, 'tk-entity')]/@href"):
            file, _, frag = href.partition("#")
            assert frag in entries[pages_of[file]], href


def test_html_site_root_and_page_parameters():
    page = render.render_html(
        TEI / "letter-1954-06-22.xml",
        params={"site-root": "../", "persons-page": "people/index.html"},
    )
    root = tree(page)
    assert root.xpath("//a[@href='../people/index.html#tito']")
    assert root.xpath("//link[@href='../assets/teikit.css']")
    assert root.xpath("//script[@src='../assets/teikit.js']")


def test_html_lang_attributes(pages):
    root = tree(pages["letter-1954-06-22"])
    assert root.get("lang") == "en"
    sh = root.xpath("//*[@lang='sh']")
    assert sh and sh[0].text_content() == "Federativna Narodna Republika Jugoslavija"


@pytest.mark.parametrize("name", [*DOCUMENTS, "url-safety"])
def test_html_has_no_inline_code_and_no_external_requests(pages, name):
    page = pages.get(name) or render.render_html(RENDER / f"{name}.xml")
    root = tree(page)
    for el in root.iter():
        if isinstance(el.tag, str):
            assert not [a for a in el.attrib if a.lower().startswith("on")], el.tag
            assert "style" not in el.attrib
    scripts = root.xpath("//script")
    assert scripts and all(s.get("src") and not (s.text or "").strip() for s in scripts)
    # what the browser loads by itself (style sheets, scripts, images) is local
    for url in root.xpath("//link/@href | //script/@src | //img/@src"):
        assert not re.match(r"[a-z]+:|//", url), url


def test_url_safety_fixture():
    diagnostics: list = []
    page = render.render_html(RENDER / "url-safety.xml", diagnostics=diagnostics)
    root = tree(page)
    hrefs = root.xpath("//@href | //@src")
    assert "https://example.org/a?b=1&c=2" in hrefs
    assert {"http://example.org/", "mailto:editor@example.org", "other.html#p3", "#local"} <= set(
        hrefs
    )
    for url in hrefs:
        assert not re.match(r"\s*(javascript|data|vbscript|file):|//", url, re.IGNORECASE), url
    values = " ".join(root.xpath("//@*")).lower()
    assert "javascript" not in values and "vbscript" not in values and "data:" not in values
    assert "onerror" not in re.sub(r"&lt;img src=x onerror=alert\(12\)&gt;", "", page)
    assert "&lt;script&gt;alert(11)&lt;/script&gt;" in page  # escaped text, not markup
    unsafe = [d for d in diagnostics if d.code == "unsafe-url"]
    assert [d.line for d in unsafe] == [23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 10]
    assert all(d.severity is Severity.WARNING and d.source == "xslt" for d in unsafe)
    assert unsafe[0].xpath == "/TEI/text/body/p[2]/ref[1]"
    assert unsafe[0].file.endswith("url-safety.xml")


def test_url_safety_in_print():
    diagnostics: list = []
    source = render.render_typst(RENDER / "url-safety.xml", diagnostics=diagnostics)
    assert '#link("https://example.org/a?b=1&c=2")' in source
    assert "javascript" not in source.lower() and "data:" not in source
    assert {d.code for d in diagnostics} == {"unsafe-url"}


def test_unload_lets_go_of_saxons_state_and_rendering_makes_it_again(monkeypatch):
    """What a process done with Saxon holds (the compiled stylesheets, the documents'
    trees) goes with render.unload(); a later render compiles and parses again, the
    same page."""
    from teikit import xslt

    letter = load(TEI / "letter-1954-08-11.xml")
    register = load(TEI / "register.xml")
    before = render.render_html(letter, register=register)
    compiled: list[int] = []
    parsed: list[int] = []

    def counted(calls, real):
        return lambda *args, **kwargs: calls.append(1) or real(*args, **kwargs)

    monkeypatch.setattr(xslt, "compile_stylesheet", counted(compiled, xslt.compile_stylesheet))
    monkeypatch.setattr(xslt, "parse", counted(parsed, xslt.parse))
    assert render.render_html(letter, register=register) == before
    assert (compiled, parsed) == ([], [])  # held: nothing made again
    render.unload()
    assert render.render_html(letter, register=register) == before
    assert compiled and len(parsed) == 2  # the stylesheet compiled, both trees parsed again


def test_render_html_writes_page_and_assets(tmp_path):
    out = tmp_path / "site" / "cable.html"
    page = render.render_html(TEI / "cable-1954-07-24.xml", out_path=out)
    assert out.read_text(encoding="utf-8") == page
    assert (out.parent / "assets" / "teikit.css").is_file()
    assert (out.parent / "assets" / "teikit.js").is_file()
    assert not list(out.parent.glob(".*.tmp"))


def test_profile_overrides_hooks():
    profile = ROOT / "xslt" / "profiles" / "example.xsl"
    page = render.render_html(TEI / "cable-1954-07-24.xml", stylesheet=profile)
    root = tree(page)
    assert root.xpath("//head/meta[@name='profile'][@content='teikit-example']")
    assert (
        root.xpath("//header[@class='tk-site-header']/p[@class='example-banner']")[0].text
        == "Example project"
    )
    footer = root.xpath("//footer[@class='tk-site-footer']")[0]
    assert footer.xpath("p[@class='example-footer']")
    assert not footer.xpath("p[@class='tk-generator']")  # the default hook was replaced
    typed = render.render_html(
        TEI / "cable-1954-07-24.xml", stylesheet=profile, params={"banner": "Mine"}
    )
    assert '<p class="example-banner">Mine</p>' in typed


def test_print_profile_overrides_hooks():
    source = render.render_typst(
        TEI / "cable-1954-07-24.xml", stylesheet=RENDER / "print-profile.xsl"
    )
    assert source.rstrip().endswith("PRINT-PROFILE-MARKER")


def test_without_register_names_are_not_linked():
    doc = load(TEI / "cable-1954-07-24.xml")
    doc.path = "<bytes>"  # no folder to find register.xml in
    diagnostics: list = []
    page = render.render_html(doc, diagnostics=diagnostics)
    assert "persons.html" not in page
    assert [d.code for d in diagnostics] == ["no-register"]
    assert diagnostics[0].severity is Severity.INFO


def test_not_tei_fails_with_a_located_code():
    doc = load(b"<html><body/></html>", require_tei=False)
    with pytest.raises(render.RenderError) as caught:
        render.render_html(doc)
    assert caught.value.exit_code == 3
    assert caught.value.diagnostics[-1].code == "not-tei"
    assert "not a TEI document" in caught.value.diagnostics[-1].message


def test_typed_parameters_are_checked():
    with pytest.raises(UsageError) as caught:
        render.render_typst(TEI / "cable-1954-07-24.xml", params={"font-size": "big"})
    diag = caught.value.diagnostics[0]
    assert diag.file.endswith("print.xsl") and diag.line > 0 and diag.code == "bad-param"
    source = render.render_typst(TEI / "cable-1954-07-24.xml", params={"font-size": "12"})
    assert "size: 12pt" in source


def test_reading_text():
    text = render.render_text(TEI / "letter-1954-06-22.xml")
    assert text.startswith("DOCUMENT No. 1\n\nLetter from Nikita S. Khrushchev")
    assert "the CPY [Communist Party of Yugoslavia][2] and the rapid" in text
    assert "Yuogslavia" not in text
    assert "\n\nNotes\n\n[2] Communist Party of Yugoslavia, renamed" in text
    assert "Secretary of the CC CPSU\nN. Khrushchev\n\n22 June 1954" in text
    assert "<" not in text


# --------------------------------------------------------------------------- PDF


@pytest.fixture(scope="module")
def letter_pdfs(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("pdf")
    return {
        name: render.render_pdf(TEI / f"{name}.xml", out / f"{name}.pdf")
        for name in [*LETTERS, "introduction"]
    }


@pytest.fixture(scope="module")
def edition_pdf(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("edition") / "edition.pdf"
    return render.render_edition_pdf(sorted(TEI.glob("*.xml")), out, pdf_standard="a-2b")


def target_page(reader, link, index: dict[int, int]) -> int:
    """The page a link annotation goes to (explicit or named destination)."""
    dest = link.get("/Dest") or link["/A"]["/D"]
    if isinstance(dest, str):
        return reader.get_destination_page_number(reader.named_destinations[dest])
    return index[dest[0].idnum]


def footnote_links(path: Path) -> dict[str, tuple[int, int]]:
    """Footnote number -> (page of its marker, page its entry is on), from the PDF's links."""
    reader = pypdf.PdfReader(path)
    index = {page.indirect_reference.idnum: i for i, page in enumerate(reader.pages)}
    found: dict[str, tuple[int, int]] = {}
    for i, page in enumerate(reader.pages):
        for annotation in page.get("/Annots") or []:
            link = annotation.get_object()
            contents = str(link.get("/Contents", ""))
            if not contents.startswith("Footnote "):
                continue
            assert contents.split()[-1] not in found, "footnote numbers are unique"
            found[contents.split()[-1]] = (i, target_page(reader, link, index))
    return found


def page_texts(path: Path) -> list[str]:
    return [" ".join(p.extract_text().split()) for p in pypdf.PdfReader(path).pages]


def tei_notes(name: str) -> list[tuple[str, str]]:
    """(n, first words) of each note of a TEI file."""
    doc = load(TEI / f"{name}.xml")
    notes = []
    for note in doc.root.iterfind(f".//{T}text//{T}note"):
        for choice in note.iter(f"{T}sic"):
            choice.text = ""  # the PDF prints the correction
        words = " ".join("".join(note.itertext()).split()).split()[:5]
        notes.append((note.get("n") or "", " ".join(words)))
    return notes


def internal_links(path: Path) -> list[tuple[int, int]]:
    """(page of the link, page it goes to) for every link inside the PDF."""
    reader = pypdf.PdfReader(path)
    index = {page.indirect_reference.idnum: i for i, page in enumerate(reader.pages)}
    return [
        (i, target_page(reader, link, index))
        for i, page in enumerate(reader.pages)
        for link in (a.get_object() for a in page.get("/Annots") or [])
        if link.get("/Dest") is not None or "/D" in (link.get("/A") or {})
    ]


@pytest.mark.parametrize("name", [*LETTERS, "introduction"])
def test_pdf_endnotes_stand_at_the_end_linked_from_their_markers(letter_pdfs, name):
    """The print has endnotes: the PDF prints the source's notes, as numbered, after
    the text, and the editors' notes, lettered, after them; each marker links there."""
    texts = page_texts(letter_pdfs[name])
    whole = " ".join(texts)
    numbered = [(n, start) for n, start in tei_notes(name) if n]
    lettered = [start for n, start in tei_notes(name) if not n]
    if numbered:
        notes = whole.index(f"Notes {numbered[0][0]} ")
        assert "#footnote" not in render.render_typst(TEI / f"{name}.xml")
        for n, start in numbered:
            assert f"{n} {start}" in whole[notes:], n
    if lettered:
        editorial = whole.rindex("Editorial notes ")
        for letter, start in zip(
            "abcdefghijklmnopqrstuvwxyz"[: len(lettered)], lettered, strict=True
        ):
            assert f"{letter} {start}" in whole[editorial:], letter
    forward = [(at, to) for at, to in internal_links(letter_pdfs[name]) if to >= at]
    assert len(forward) >= len(numbered) + len(lettered)


def test_pdf_footnotes_on_many_pages(tmp_path):
    # A long letter whose notes fall near page breaks.
    paragraphs = "".join(
        f"<p>{'Paragraph text with some length to fill the page. ' * (3 + i % 7)}"
        f"ANCHOR{i}<note>Note {i} {'with a longer explanation ' * (i % 5)}END{i}</note> tail.</p>"
        for i in range(60)
    )
    source = tmp_path / "long.xml"
    source.write_text(
        f'<TEI xmlns="{TEI_NS}"><teiHeader><fileDesc><titleStmt><title>Long</title></titleStmt>'
        "<publicationStmt><p>x</p></publicationStmt><sourceDesc><p>x</p></sourceDesc></fileDesc>"
        f"</teiHeader><text><body><div>{paragraphs}</div></body></text></TEI>",
        encoding="utf-8",
    )
    pdf = render.render_pdf(source, tmp_path / "long.pdf")
    links = footnote_links(pdf)
    texts = page_texts(pdf)
    assert len(texts) > 3 and len(links) == 60
    for i in range(60):
        marker_page, entry_page = links[str(i + 1)]
        assert marker_page == entry_page
        assert f"ANCHOR{i}{i + 1}" in texts[marker_page].replace(" ", "")
        assert f"{i + 1}Note {i}" in texts[entry_page]


def test_pdf_layout_metadata_and_tags(letter_pdfs):
    reader = pypdf.PdfReader(letter_pdfs["letter-1954-06-22"])
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4
    meta = reader.metadata
    assert meta.title.startswith("Letter from Nikita S. Khrushchev, First Secretary")
    assert meta.author == (
        "Central Committee of the Communist Party of the Soviet Union, Nikita S. Khrushchev"
    )
    assert meta.subject.startswith("Letter in which the CC CPSU proposes")
    assert "Josip Broz Tito" in reader.metadata["/Keywords"]
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]  # tagged PDF
    assert root["/Lang"] == "en"
    texts = page_texts(letter_pdfs["letter-1954-06-22"])
    assert len(texts) >= 2
    assert texts[0].startswith("Khrushchev to Tito, 22 June 1954 DOCUMENT No. 1")
    assert texts[1].startswith("Khrushchev to Tito, 22 June 1954 2")  # running head + page number
    assert texts[0].endswith(" 1")  # page number on the first page
    assert (
        "From Central Committee of the Communist Party of the Soviet Union and Nikita S."
        in (texts[0])
    )
    assert "Translator Svetozar Rajak" in texts[0]


def test_pdf_fonts_cover_serbian_latin_and_cyrillic(tmp_path):
    pdf = render.render_pdf(RENDER / "typst-injection.xml", tmp_path / "x.pdf")
    reader = pypdf.PdfReader(pdf)
    text = " ".join(p.extract_text() for p in reader.pages)
    for word in (
        "Đorđe",
        "Žujović",
        "Ćuprija",
        "Čačak",
        "Šabac",
        "Ђорђе",
        "Ћирић",
        "Љубљана",
        "Џеп",
    ):
        assert word in text
    fonts = {
        str(font.get_object()["/BaseFont"])
        for page in reader.pages
        for font in (page["/Resources"].get("/Font") or {}).values()
    }
    # No fallback font was needed: every glyph came from Libertinus Serif.
    assert fonts and all("LibertinusSerif" in f for f in fonts), fonts


def test_pdf_a2b(edition_pdf):
    reader = pypdf.PdfReader(edition_pdf)
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode("utf-8")
    assert re.search(r"pdfaid:part(>|=\")2", xmp) and re.search(r"pdfaid:conformance(>|=\")B", xmp)


def test_typst_injection_prints_literally(tmp_path):
    source = render.render_typst(RENDER / "typst-injection.xml")
    body = source[source.index("\n= ") :]
    # The only code in the body is teikit's own: escaped TEI never starts a # call
    # (string literals, where TEI text may say anything, are left out of the search).
    code = re.sub(r'(?<!\\)"(?:[^"\\]|\\.)*"', '""', body)
    calls = set(re.findall(r"(?<!\\)#([a-z-]+)", code))
    assert calls <= {"metadata", "tk-kicker", "tk-title", "footnote", "tk-meta", "emph", "text",
                     "link", "tk-closer", "tk-signed", "tk-dateline"}, calls  # fmt: skip
    pdf = render.render_pdf(RENDER / "typst-injection.xml", tmp_path / "injection.pdf")
    reader = pypdf.PdfReader(pdf)
    raw = "\n".join(p.extract_text() for p in reader.pages)
    text = " ".join(raw.split())
    for literal in [
        'HASH: #read("/etc/passwd")',
        'IMPORT: #import "@preview/cetz:0.2.0": *',
        "MATH: $x + y = z$",
        "STRONG: *not bold* EMPH: _not italic_",
        "REF: @label LABEL: <label> CHEVRONS: < >",
        r"BACKSLASH: \ and \\ and \u{41} and \n",
        "BRACKETS: [ ] { } ][ }{ ] closes?",
        "QUOTES: \"double\" 'single' `backtick`",
        "= HEADING-AT-LINE-START - LIST-AT-LINE-START + ENUM-AT-LINE-START / TERM: LINE-START",
        "~ TILDE ~ // COMMENT-LINE /* BLOCK-COMMENT */ 1. NUMBERED",
        "http://auto.link.example/path DOTS... DASHES -- --- -? -1",
        'CODE: #{ "code" } #(1 + 2) #let x = 1 #set text(size: 40pt) #show: none',
        "Note n attribute is hostile; note text #emph[not emphasised].",
        "Second note #footnote[nested?] text.",
        "#signed: *X*",
        "DOCUMENT #1 ]",
        "$x^2$ Archive, #set page(width: 1pt)",
        '#import "@preview/evil:0.1.0": * in *Bold* _Journal_',
    ]:
        assert literal in text, literal
    for char in "#$*_@<>\\[]{}\"'`=-+/~":
        assert char in text
    assert "root:" not in raw and "/bin/" not in raw  # nothing of /etc/passwd
    assert reader.metadata.title == 'Injection "test" \\ #read("/etc/passwd")'
    assert [item.title for item in reader.outline] == ['#read("/etc/passwd") [short] = title']
    assert len(reader.pages) == 1  # #set page(width: 1pt) did not run
    assert "javascript" not in text  # the unsafe link was dropped, its text kept
    assert "LINK: a link js" in text


def test_typst_sandbox_cannot_read_files():
    with pytest.raises(render.RenderError) as caught:
        render.compile_typst('#read("/etc/passwd")')
    assert "file not found" in caught.value.diagnostics[0].message
    with pytest.raises(render.RenderError):
        render.compile_typst(f'#read("{Path(__file__).resolve()}")')


def test_compile_typst_rejects_unknown_standards():
    with pytest.raises(UsageError):
        render.compile_typst("x", pdf_standard="a-9z")


def test_edition_pdf_has_contents_bookmarks_and_date_order(edition_pdf):
    reader = pypdf.PdfReader(edition_pdf)
    top = [item.title for item in reader.outline if not isinstance(item, list)]
    short_titles = {}
    for name in LETTERS:
        doc = load(TEI / f"{name}.xml")
        title = doc.root.find(f"{T}teiHeader/{T}fileDesc/{T}titleStmt/{T}title[@type='short']")
        short_titles[name] = title.text
    in_date_order = [short_titles[n] for n in sorted(LETTERS, key=lambda n: n.split("-", 1)[1])]
    assert top == ["Editorial principles", "Introduction", *in_date_order, "Notes", "Registers"]
    nested = [item for item in reader.outline if isinstance(item, list)]
    assert [item.title for item in nested[-1]] == ["Persons", "Places", "Organisations", "Works"]
    assert "Paragraphs, pages and notes" in [item.title for item in nested[0]]
    texts = page_texts(edition_pdf)
    assert texts[0].startswith("The Tito–Khrushchev Correspondence, 1954: A Digital Edition")
    assert texts[1].startswith("Contents Editorial principles")
    assert texts[2].startswith("Editorial principles")
    # the source's notes 1–7 together after the last document, as printed
    notes = reader.get_destination_page_number(
        next(i for i in reader.outline if not isinstance(i, list) and i.title == "Notes")
    )
    assert texts[notes].startswith("Notes The notes of the source")
    assert [n for n in range(1, 8) if f" {n} " in texts[notes]] == list(range(1, 8))
    # names link to their entries in the registers at the end
    index = {page.indirect_reference.idnum: i for i, page in enumerate(reader.pages)}
    registers = reader.get_destination_page_number(
        next(i for i in reader.outline if not isinstance(i, list) and i.title == "Registers")
    )
    targets = [
        target_page(reader, link, index)
        for page in reader.pages[:registers]
        for link in (a.get_object() for a in page.get("/Annots") or [])
        if str(link.get("/Contents", "")).startswith("Section")
    ]
    assert len(targets) > 100 and all(t >= registers for t in targets)


def test_edition_skips_unreadable_files(tmp_path):
    diagnostics: list = []
    out = render.render_edition_pdf(
        [TEI / "cable-1954-07-24.xml", RENDER / "malformed.xml"],
        tmp_path / "e.pdf",
        diagnostics=diagnostics,
    )
    assert out.is_file()
    assert [d.code for d in diagnostics if d.severity >= Severity.ERROR] == ["not-well-formed"]


def test_errors_are_teikit_errors():
    assert issubclass(render.RenderError, TeikitError)
    assert issubclass(render.StylesheetError, TeikitError)
    assert render.StylesheetError("x").exit_code == 3 == render.RenderError("x").exit_code


def test_xml_id_paths_map_back_to_lines():
    doc = load(RENDER / "url-safety.xml")
    line, column, xpath = render._locate(
        doc,
        "/Q{http://www.tei-c.org/ns/1.0}TEI[1]/Q{http://www.tei-c.org/ns/1.0}text[1]"
        "/Q{http://www.tei-c.org/ns/1.0}body[1]/Q{http://www.tei-c.org/ns/1.0}p[3]/@onclick",
    )
    assert (line, column, xpath) == (34, 7, "/TEI/text/body/p[3]")
    assert etree.QName(doc.root).localname == "TEI"
    # Saxon's short form in its error messages: local names, the root without [1]
    assert render._locate(doc, "/TEI/text[1]/body[1]/p[3]") == (34, 7, "/TEI/text/body/p[3]")


def test_note_numbers_are_the_running_position_also_for_nested_notes():
    # Issue 12, finding 4: notes are numbered from an accumulator (linear), with
    # the numbers counting the notes before them gives: a note inside a note comes
    # after the one it sits in (it once had the same number and id); header notes
    # do not count.
    text = (
        f'<TEI xmlns="{TEI_NS}"><teiHeader><fileDesc><titleStmt><title>t</title></titleStmt>'
        "<publicationStmt><p>p</p></publicationStmt><sourceDesc><p>s<note>header</note></p>"
        "</sourceDesc></fileDesc></teiHeader><text><body>"
        "<p>a<note>one</note> b<note>two<note>inner</note></note> c<note>four</note></p>"
        "</body></text></TEI>"
    )
    doc = load(text.encode(), path="nested-notes.xml")
    counted = [
        int(note.xpath("count((preceding::t:note | ancestor::t:note)[ancestor::t:text])",
                       namespaces={"t": TEI_NS})) + 1
        for note in doc.root.xpath("//t:text//t:note", namespaces={"t": TEI_NS})
    ]  # fmt: skip
    page = html.fromstring(render.render(doc, "html").text)
    items = page.xpath("//ol[@class='tk-notes-list']/li")
    labels = [int(li.xpath("span[@class='tk-note-label']/text()")[0]) for li in items]
    assert counted == [1, 2, 3, 4]
    assert labels == counted
    assert [li.get("id") for li in items] == [f"note-{n}" for n in counted]


def test_edition_pdf_with_a_register_that_has_a_correspdesc(tmp_path):
    # Issue 12, finding 7: such a register was printed as a letter and the names
    # linking to its entries pointed at Typst labels that did not exist.
    register = (TEI / "register.xml").read_text("utf-8")
    letter = (TEI / "letter-1954-06-22.xml").read_text("utf-8")
    corresp = letter[letter.index("<correspDesc") : letter.index("</correspDesc>") + 14]
    at = register.index("</teiHeader>")
    if "</profileDesc>" in register:
        at = register.index("</profileDesc>")
        register = register[:at] + corresp + register[at:]
    else:
        register = register[:at] + "<profileDesc>" + corresp + "</profileDesc>" + register[at:]
    (tmp_path / "register.xml").write_text(register, "utf-8")
    (tmp_path / "letter.xml").write_text(letter, "utf-8")
    found: list = []
    render.render_edition_pdf(
        [tmp_path / "letter.xml", tmp_path / "register.xml"],
        tmp_path / "edition.pdf",
        diagnostics=found,
    )
    assert not [d for d in found if d.severity >= Severity.ERROR]
    assert (tmp_path / "edition.pdf").stat().st_size > 0


# --------------------------------------------------------------------------- rule ambiguity

XSL = "{http://www.w3.org/1999/XSL/Transform}"


def stylesheet_modules(entry: Path) -> list[etree._Element]:
    """The root of an entry stylesheet and of every module it includes or imports."""
    roots, todo, seen = [], [entry], set()
    while todo:
        path = todo.pop().resolve()
        if path in seen:
            continue
        seen.add(path)
        root = etree.parse(str(path)).getroot()
        roots.append(root)
        todo += [
            path.parent / el.get("href")
            for el in root
            if el.tag in (XSL + "include", XSL + "import")
        ]
    return roots


@pytest.mark.parametrize("entry", ["html/html.xsl", "print/print.xsl", "text/text.xsl"])
def test_every_mode_fails_on_an_ambiguous_match(entry):
    """Two rules of equal priority matching one node are a defect, not a choice: in
    a mode without on-multiple-match="fail" Saxon would take the last one with only
    a warning nobody sees. Every mode a template uses is declared failing."""
    roots = stylesheet_modules(ROOT / "xslt" / entry)
    used = {
        mode
        for root in roots
        for template in root.iter(XSL + "template")
        if template.get("match")
        for mode in (template.get("mode") or "#default").split()
        if mode != "#all"
    }
    declared = {
        (mode.get("name") or "#default"): mode.get("on-multiple-match")
        for root in roots
        for mode in root.iter(XSL + "mode")
    }
    assert {mode: declared.get(mode) for mode in used} == dict.fromkeys(used, "fail")


@pytest.mark.parametrize("to", ["html", "typst", "txt"])
def test_no_two_rules_match_a_note_of_any_place_and_type(to):
    """Every @place x @type combination, in the text, in notes, in a register entry
    and in the header (and an interpolated line of a closer), transforms: a mode
    that fails on multiple matches stops at the first ambiguous one."""
    rendered = render.render(RENDER / "note-place-type-ambiguous-rule.xml", to)
    assert not [d.format() for d in rendered.diagnostics if d.severity >= Severity.WARNING]
    if to == "html":
        root = tree(rendered.text)
        ids = [el.get("id") for el in root.iter() if isinstance(el.tag, str) and el.get("id")]
        assert not [i for i, n in Counter(ids).items() if n > 1]
        for link in root.xpath("//a[starts-with(@href, '#')]"):
            assert link.get("href")[1:] in ids
        assert root.xpath("//p[contains(@class, 'tk-seg-interpolation')]")
    if to == "typst":
        pdf, warnings = render.compile_typst(rendered.text)
        assert pdf.startswith(b"%PDF") and not warnings


def test_a_stand_in_renders_as_the_register_it_stands_for(tmp_path):
    """A merged register kept only as its Saxon tree (render.stand_in, as the site's
    parent keeps it): letters rendered with it, and the register's own page made
    from it, are those of the whole document, with a message about one of its
    entries at the same line; and so after its tree was pushed out of the cache."""
    import shutil
    from functools import partial

    from teikit.edition import Edition, merged_register

    for path in TEI.glob("*.xml"):
        shutil.copy(path, tmp_path / path.name)
    register = tmp_path / "register.xml"
    register.write_text(
        register.read_text(encoding="utf-8").replace(
            "<occupation>First Secretary",
            '<occupation><orgName ref="#nowhere">CC</orgName> First Secretary',
            1,
        ),
        encoding="utf-8",
    )
    model = Edition.open(tmp_path)
    letter = load(tmp_path / "letter-1954-06-22.xml")
    section = {"register-pages": "true", "register-section": "persons"}

    def outputs(reg: object, page: bool = True) -> list[object]:
        made: list[object] = [
            render.render_html(letter, register=reg, edition=model),
            render.render(letter, "typst", register=reg, edition=model).text,
        ]
        if page:
            found: list = []
            made.append(
                render.render_html(
                    reg, register=reg, edition=model, params=section, diagnostics=found
                )
            )
            made.append([d.format() for d in found])
        return made

    whole = merged_register(model)
    expected = outputs(whole)
    assert expected[3] and ':48:0: warning: @ref "#nowhere"' in expected[3][0]
    places = {"register-pages": "true", "register-section": "places"}
    places_page = render.render_html(whole, register=whole, edition=model, params=places)
    assert "tk-register" in places_page
    held = render.stand_in(whole, partial(merged_register, model))
    assert len(held.root) == 0 and held.made is None  # nothing of the tree is kept
    assert outputs(held, page=False) == expected[:2]
    assert held.made is None  # letters need only its Saxon tree
    assert outputs(held) == expected  # its own page: made again, once
    again = render.stand_in(merged_register(model), partial(merged_register, model))
    render._nodes.clear()
    assert outputs(again) == expected
    # What the model says of it taken with the stand-in: its own page needs no remake
    # (the site's register pages), unless a message is to be located in it.
    described = render.stand_in(merged_register(model), partial(merged_register, model), model)
    page = render.render_html(described, register=described, edition=model, params=places)
    assert page == places_page
    assert described.made is None
    assert outputs(described) == expected  # the message, at its line: made again
    assert described.made is not None
