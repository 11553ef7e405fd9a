"""The sites of the real editions in ../shared/corpora, as ``teikit build`` makes
them (PDFs included, each built once per session: conftest.real_sites): no error,
no dead link, a register page for each register type the edition has and none
for the others, mentions linked both ways, the interface in the edition's
language, and nothing of the bundled edition in the generic pages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import html as lxml_html

from teikit.errors import Severity
from teikit.site import build_site
from teikit.site.records import SECTIONS

from conftest import IMAGE_SERVER, REAL_EDITIONS, corpus

PAGE_OF_TYPE = {kind: page for _, _, page, kind in SECTIONS}
LANGUAGE = {"letters1916": "en", "schnitzler-briefe": "de", "gerdracor": "de"}
HOME_LABEL = {"en": "Home", "de": "Startseite"}


def page(folder: Path, name: str):
    return lxml_html.parse(str(folder / name)).getroot()


def document_pages(folder: Path, report) -> list[str]:
    """The pages of the edition's documents (every page but the site's own)."""
    own = {"index.html", "chronology.html", "search.html", "downloads.html", "register.html"}
    own |= set(PAGE_OF_TYPE.values())
    return sorted(
        p.relative_to(folder).as_posix()
        for p in folder.glob("*.html")
        if p.name not in own and p.name != "principles.html"
    )


@pytest.mark.parametrize("name", REAL_EDITIONS)
def test_the_build_has_no_error_and_no_dead_link(real_sites, name):
    folder, report = real_sites[name]
    errors = [d.format() for d in report.diagnostics if d.severity >= Severity.ERROR]
    assert errors == []
    assert report.dead_links == 0
    assert ", 0 dead links, 0 errors" in report.summary()
    assert (folder / "index.html").is_file()


@pytest.mark.parametrize("name", REAL_EDITIONS)
def test_every_document_has_its_page_and_pdf(real_sites, real_editions, name):
    folder, report = real_sites[name]
    pages = document_pages(folder, report)
    assert len(pages) == len(real_editions[name].documents)
    pdfs = {p.name for p in (folder / "downloads" / "pdf").glob("*.pdf")}
    assert {p[:-5] + ".pdf" for p in pages} <= pdfs
    for pdf in sorted(pdfs)[:3]:
        assert (folder / "downloads" / "pdf" / pdf).read_bytes().startswith(b"%PDF-")


@pytest.mark.parametrize("name", REAL_EDITIONS)
def test_a_register_page_for_each_type_the_edition_has_and_none_other(
    real_sites, real_editions, name
):
    folder, _ = real_sites[name]
    types = set(real_editions[name].registers.types)
    for kind, register_page in PAGE_OF_TYPE.items():
        assert (folder / register_page).is_file() == (kind in types), (kind, register_page)
    nav = page(folder, "index.html").xpath("//nav[contains(@class, 'tks-nav')]//a/@href")
    assert {PAGE_OF_TYPE[k] for k in types if k in PAGE_OF_TYPE} <= set(nav)


@pytest.mark.parametrize("name", REAL_EDITIONS)
def test_register_entries_link_to_their_mentions_and_back(real_sites, real_editions, name):
    folder, report = real_sites[name]
    pages = set(document_pages(folder, report))
    linked_from_documents: set[str] = set()
    for doc_page in sorted(pages):
        for href in page(folder, doc_page).xpath("//a[contains(@class, 'tk-entity')]/@href"):
            linked_from_documents.add(href.split("#", 1)[0])
    for kind in real_editions[name].registers.types:
        register_page = PAGE_OF_TYPE[kind]
        occurrences = page(folder, register_page).xpath("//a[@class='tks-occurrence']/@href")
        if kind in ("person", "place"):  # every edition here mentions both, or persons
            assert occurrences, register_page
        assert {o.split("#", 1)[0] for o in occurrences} <= pages
    # names link to their register page, or to the entry on the page itself (a
    # letter's own <back> list, as in Schnitzler's letters)
    assert linked_from_documents & {PAGE_OF_TYPE["person"], ""}


@pytest.mark.parametrize("name", REAL_EDITIONS)
def test_the_interface_speaks_the_editions_language(real_sites, name):
    folder, _ = real_sites[name]
    lang = LANGUAGE[name]
    for name_of_page in ("index.html", "search.html", PAGE_OF_TYPE["person"]):
        root = page(folder, name_of_page)
        # the site's own pages in its language; register pages in the edition's (de-AT)
        assert root.get("lang").split("-")[0] == lang, name_of_page
        assert HOME_LABEL[lang] in root.xpath("//nav[contains(@class, 'tks-nav')]//a/text()")
    index = (folder / "search-index.js").read_text("utf-8")
    assert f'"lang":"{lang}"' in index


@pytest.mark.parametrize("name", REAL_EDITIONS)
def test_no_text_of_the_bundled_edition_in_generic_pages(real_sites, name):
    folder, _ = real_sites[name]
    for generic in ("index.html", "search.html", "downloads.html", "assets/search.js"):
        text = (folder / generic).read_text("utf-8")
        assert "Djilas" not in text and "Tito" not in text and "Khrushchev" not in text


def test_german_register_labels_and_headings(real_sites):
    folder, _ = real_sites["schnitzler-briefe"]
    root = page(folder, PAGE_OF_TYPE["person"])
    assert root.xpath("//h1/text()") == ["Personen"]
    assert root.xpath("//div[@class='tks-occurrences']/h3[contains(., '-mal erwähnt in')]")
    assert (folder / "events.html").is_file()
    assert page(folder, "events.html").xpath("//h1/text()") == ["Ereignisse"]


def test_facsimiles_link_to_the_image_server(real_sites):
    folder, report = real_sites["letters1916"]
    hrefs = {
        href
        for doc_page in document_pages(folder, report)[:20]
        for href in page(folder, doc_page).xpath("//a[contains(@class, 'tk-facs')]/@href")
    }
    assert hrefs and all(h.startswith(IMAGE_SERVER) for h in hrefs)


def test_without_an_image_server_missing_facsimiles_are_not_linked(tmp_path):
    """A letter whose facsimile images are not in the edition: no dead link, one
    warning for the page that says how to point at the images."""
    letter = corpus("letters1916") / "editions" / "item__0001.xml"
    report = build_site(letter, tmp_path / "site", pdf=False, validate=False)
    assert report.dead_links == 0
    [warning] = [d for d in report.diagnostics if d.code == "missing-image"]
    assert "resource_base" in warning.message
    assert not page(tmp_path / "site", "item__0001.html").xpath("//a[@class='tk-facs'][@href]")


@pytest.mark.parametrize("name", ["cmif-sig", "schnitzler-cmif"])
def test_cmif_folders_build_without_a_crash(tmp_path, name):
    report = build_site(corpus(name), tmp_path / "site", pdf=False, validate=False,
                        keep_going=True)  # fmt: skip
    assert report.dead_links == 0
    assert (tmp_path / "site" / "index.html").is_file()
    assert not [d for d in report.diagnostics if d.code in ("worker-crashed", "render-failed")]


def _english_only() -> tuple[set[str], list[re.Pattern[str]]]:
    """The catalog's English strings that German says otherwise: whole strings, and
    patterns for those with a {name} to fill in."""
    import json

    from teikit import render

    folder = render.XSLT_DIR / "common" / "i18n"
    english = json.loads((folder / "en.json").read_text("utf-8"))
    german = json.loads((folder / "de.json").read_text("utf-8"))
    plain: set[str] = set()
    patterns: list[re.Pattern[str]] = []
    for key, text in english.items():
        if key.startswith("_") or text == german.get(key) or len(text.strip()) < 3:
            continue
        if "{" in text:
            parts = re.split(r"\{\w+\}", text.strip())
            if len("".join(parts).strip()) >= 3:  # not a bare "{day} {month} {year}"
                patterns.append(re.compile(".+".join(re.escape(p) for p in parts)))
        else:
            plain.add(text.strip())
    return plain, patterns


def test_a_german_document_page_has_no_english_interface_string(real_sites):
    """Schnitzler's letters are German: no string of the English catalog that German
    says otherwise is on their pages, in the text or in a tooltip or label (the
    reading/diplomatic switch, the tooltips of additions and deletions, register
    section headings, page breaks, note links …)."""
    folder, report = real_sites["schnitzler-briefe"]
    plain, patterns = _english_only()
    assert {"Reading text", "As printed", "Relations", "Deleted", "Persons"} <= plain
    pages = document_pages(folder, report)
    assert len(pages) > 200
    found: dict[str, set[str]] = {}
    for name in pages:
        root = page(folder, name)
        strings = {s.strip() for s in root.xpath("//body//text()") if s.strip()}
        strings |= {s.strip() for s in root.xpath("//@title | //@aria-label | //@alt")}
        english = {s for s in strings if s in plain or any(p.fullmatch(s) for p in patterns)}
        # Deleted text's tooltip: "Deleted" or "Deleted: how", never English
        english |= {s for s in strings if s.startswith(("Deleted", "Added ", "Omitted"))}
        if english:
            found[name] = english
    assert found == {}
    # The German strings are there instead.
    switches = {
        tuple(page(folder, name).xpath("//div[@class='tk-view-switch']//label/text()"))
        for name in pages
    } - {()}
    assert switches == {("Lesetext", "Wie gedruckt")}


@pytest.mark.parametrize(
    ("name", "ours", "theirs"),
    [
        ("schnitzler-briefe", ("Von", "An", "Datum"), ("From", "To", "Date", "Received")),
        ("letters1916", ("From", "To", "Date"), ("Von", "Datum", "Empfangen")),
    ],
)
def test_the_pdfs_labels_speak_the_sites_language(real_sites, name, ours, theirs):
    """A letter's PDF has its metadata rows labelled as the site's pages are: the
    Schnitzler letters' PDFs in German, Letters 1916's in English."""
    from pypdf import PdfReader

    folder, _ = real_sites[name]
    letters = sorted((folder / "downloads" / "pdf").glob("*.pdf"))[:40]
    labelled = 0
    for pdf in letters:
        text = "\n".join(p.extract_text() or "" for p in PdfReader(pdf).pages[:1])
        lines = {line.strip() for line in text.splitlines()}
        words = {w for line in lines for w in re.findall(r"\w+", line[:12])}
        if set(ours) <= words:
            labelled += 1
        assert not (set(theirs) & {line.split()[0] for line in lines if line.split()}), pdf.name
    assert labelled > 0


def test_german_pages_say_how_certain_in_german(real_sites):
    """What the edition infers (@evidence, @cert) is said in the site's language:
    "(erschlossen)", not "(conjecture)", on the Schnitzler letters' pages."""
    folder, report = real_sites["schnitzler-briefe"]
    texts = [(folder / name).read_text("utf-8") for name in document_pages(folder, report)]
    assert any("(erschlossen)" in text for text in texts)
    for english in ("(conjecture", "(inferred", "(certainty:"):
        assert not any(english in text for text in texts), english
