"""The static website of the edition (teikit.site.build_site).

The bundled edition is built once per module; the incremental, failure and
hostile-input tests build copies in their own folders. Browser behaviour
(search, anchors landing, no requests) is in test_browser.py.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from lxml import html

from teikit.errors import Severity, TeikitError, UsageError
from teikit.exports.cmif import CmifOptions
from teikit.site import (
    CSP,
    MANIFEST_NAME,
    BuildError,
    build_site,
    page_name,
    safe_output_path,
)

from conftest import FIXTURES, ROOT, TEI

BASE_URL = "https://example.org/tito-khrushchev/"
DOCUMENTS = sorted(p.stem for p in TEI.glob("*.xml"))
LETTERS = ["letter-1954-06-22", "cable-1954-07-24", "letter-1954-08-11", "letter-1954-09-23",
           "letter-1954-09-27"]  # fmt: skip
REGISTER_PAGES = ["persons.html", "places.html", "organisations.html", "works.html"]


# --------------------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The bundled edition, built once: (site folder, report)."""
    out = tmp_path_factory.mktemp("site")
    report = build_site(
        TEI, out, base_url=BASE_URL, cmif=CmifOptions(editor_email="editors@example.org"), jobs=1
    )
    return out, report


@pytest.fixture(scope="module")
def site(built) -> Path:
    return built[0]


def page(site: Path, name: str) -> html.HtmlElement:
    return html.parse(str(site / name)).getroot()


def pages_of(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def ids_of(root: html.HtmlElement) -> set[str]:
    return {el.get("id") for el in root.iter() if isinstance(el.tag, str) and el.get("id")}


def search_index(site: Path) -> dict:
    text = (site / "search-index.js").read_text("utf-8")
    match = re.search(r"window\.TEIKIT_SEARCH_INDEX = (\{.*\});\s*$", text, re.S)
    assert match, "search-index.js assigns one global"
    return json.loads(match.group(1))


def copy_edition(tmp_path: Path) -> Path:
    """The edition in a folder of its own; schema/ is linked, so that the documents'
    xml-model hrefs (../schema/…) resolve to the compiled schemas already in memory."""
    root = tmp_path / "edition"
    shutil.copytree(TEI, root / "tei")
    (root / "schema").symlink_to(ROOT / "schema", target_is_directory=True)
    return root / "tei"


def rel_names(paths, out: Path) -> set[str]:
    return {p.resolve().relative_to(out.resolve()).as_posix() for p in paths}


# --------------------------------------------------------------------------- pages


def test_build_reports_what_it_wrote(built):
    out, report = built
    assert report.ok, [d.format() for d in report.diagnostics]
    assert report.validated
    assert report.dead_links == 0  # the link checker read every page, PDFs included
    assert report.written and not report.skipped
    assert all(p.is_file() and p.resolve().is_relative_to(out.resolve()) for p in report.written)
    manifest = json.loads((out / MANIFEST_NAME).read_text("utf-8"))
    assert set(manifest["outputs"]) == rel_names(report.written, out)


def test_pages_exist(site):
    expected = [
        "index.html", "chronology.html", "search.html", "search-index.js", "downloads.html",
        "register.html", *REGISTER_PAGES, "assets/teikit.css", "assets/teikit.js",
        "assets/site.css", "assets/search.js", "assets/favicon.svg",
        *(f"{name}.html" for name in DOCUMENTS),
    ]  # fmt: skip
    missing = [name for name in expected if not (site / name).is_file()]
    assert not missing


def test_every_link_resolves_to_a_file_and_an_anchor(site):
    ids = {p.resolve(): ids_of(page(site, p.relative_to(site).as_posix())) for p in pages_of(site)}
    checked, broken = 0, []
    for path in pages_of(site):
        root = page(site, path.relative_to(site).as_posix())
        for el in root.iter():
            if not isinstance(el.tag, str):
                continue
            for attr in ("href", "src", "action"):
                value = el.get(attr)
                if value is None:
                    continue
                parts = urlsplit(value)
                if parts.scheme in ("http", "https", "mailto"):
                    continue
                assert not parts.scheme and not parts.netloc, f"{path.name}: {value}"
                target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
                checked += 1
                if not target.is_file():
                    broken.append(f"{path.name}: {value} (no such file)")
                elif parts.fragment and parts.fragment not in ids.get(target.resolve(), set()):
                    broken.append(f"{path.name}: {value} (no such anchor)")
    assert checked > 1000
    assert not broken, broken[:20]


def test_home_page_has_title_letters_citation_and_introduction(site):
    root = page(site, "index.html")
    assert root.findtext(".//h1") == "The Tito–Khrushchev Correspondence, 1954: A Digital Edition"
    dates = [t.get("datetime") for t in root.iterfind(".//ol[@class='tks-letters']//time")]
    assert dates == ["1954-06-22", "1954-07-24", "1954-08-11", "1954-09-23", "1954-09-27"]
    links = [a.get("href") for a in root.iterfind(".//a[@class='tks-letter-link']")]
    assert links == [f"{name}.html" for name in LETTERS]
    cite = " ".join(root.xpath("string(//section[@class='tks-cite'])").split())
    for part in ("Svetozar Rajak", "Cold War International History Project Bulletin", "12/13",
                 "315–324", "The Tito–Khrushchev Correspondence, 1954: A Digital Edition", BASE_URL):  # fmt: skip
        assert part in cite
    assert root.xpath("//section[@class='tks-cite']//a/@href") == [BASE_URL]
    intro = root.find(".//section[@class='tks-introduction']")
    assert intro is not None and "Rajak" in intro.text_content()
    assert len(root.findall(".//h1")) == 1  # the introduction's headings are demoted


def test_document_pages_carry_mention_ids_and_block_anchors(site):
    root = page(site, "letter-1954-06-22.html")
    mentions = root.xpath("//main//a[contains(@class, 'tk-entity')]")
    assert mentions and all(re.fullmatch(r"tk-m\d+", a.get("id", "")) for a in mentions)
    paragraphs = root.xpath("//div[@class='tk-text']//p")
    assert paragraphs and all(p.get("id") for p in paragraphs)
    assert len(ids_of(root)) == len(
        [e for e in root.iter() if isinstance(e.tag, str) and e.get("id")]
    )


def test_register_occurrences_land_on_the_mention(site):
    """Every occurrence link points into a letter page, at an element that is the
    mention: a link back to this very register entry."""
    landed = 0
    for register_page in REGISTER_PAGES:
        root = page(site, register_page)
        for entry in root.xpath("//section[contains(@class, 'tk-entry')]"):
            for link in entry.xpath(".//a[@class='tks-occurrence']"):
                parts = urlsplit(link.get("href"))
                assert parts.fragment, link.get("href")
                target = page(site, parts.path).get_element_by_id(parts.fragment)
                if parts.fragment.startswith("tk-m") and target.tag == "a":
                    assert target.get("href") == f"{register_page}#{entry.get('id')}"
                    landed += 1
    assert landed > 200


def test_djilas_entry_has_register_data_and_occurrences(site):
    root = page(site, "persons.html")
    entry = root.get_element_by_id("djilas")
    text = " ".join(entry.text_content().split())
    for part in ("Milovan Đilas", "1911–1995", "Milovan Djilas", "Yugoslav communist leader"):
        assert part in text
    hrefs = entry.xpath(".//a[@class='tks-occurrence']/@href")
    assert any(h.startswith("letter-1954-06-22.html#tk-m") for h in hrefs)
    target = urlsplit(next(h for h in hrefs if h.startswith("letter-1954-06-22.html")))
    mention = page(site, "letter-1954-06-22.html").get_element_by_id(target.fragment)
    assert "Djilas" in mention.text_content()
    assert mention.get("href") == "persons.html#djilas"


def test_editorial_principles_are_a_page_of_the_site(site):
    root = page(site, "principles.html")
    assert root.xpath("string(//h1)") == "Editorial principles"
    headings = root.xpath("//main//h2/text()")
    assert "Square brackets and angle brackets" in headings
    assert headings[-1] == "The values of the encoding"
    assert "interpolation" in root.xpath("string(//section[contains(@class, 'tk-values')])")
    for name in ("index.html", "letter-1954-06-22.html"):  # in every page's navigation
        assert page(site, name).xpath("//nav//a[@href='principles.html']")
    # The chronology says which place of sending is the editors' conjecture.
    chronology = page(site, "chronology.html").text_content()
    assert "sent from Moscow (conjecture)" in " ".join(chronology.split())


def test_places_show_coordinates(site):
    root = page(site, "places.html")
    assert "55.7558 37.6173" in root.text_content()  # Moscow


def test_chronology_lists_the_letters_by_date_with_summaries(site):
    root = page(site, "chronology.html")
    items = root.xpath("//ol[@class='tks-chronology']/li")
    assert [li.xpath("string(.//time/@datetime)") for li in items] == [
        "1954-06-22", "1954-07-24", "1954-08-11", "1954-09-23", "1954-09-27"
    ]  # fmt: skip
    assert "Beria and Djilas" in items[0].text_content()
    assert "507 / IX, 119/I-48" in items[0].text_content()


def test_search_index_finds_djilas_in_the_22_june_letter(site):
    index = search_index(site)
    docs = index["docs"]
    hits = [r for r in index["records"] if "Djilas" in r["t"]]
    assert any(docs[r["d"]]["u"] == "letter-1954-06-22.html" for r in hits)
    djilas = next(e for e in index["entities"] if e["u"] == "persons.html#djilas")
    assert djilas["n"] == "Milovan Đilas" and "Djilas" in djilas["v"]
    number = index["entities"].index(djilas)
    for record in hits:  # anchors exist, and the mention spans cover the name
        target = page(site, docs[record["d"]]["u"])
        assert record["a"] in ids_of(target)
        for entity, start, end in record.get("m", []):
            if entity == number:
                assert record["t"][start:end].endswith("Djilas")
    letter = next(d for d in docs if d["u"] == "letter-1954-06-22.html")
    assert letter["y"] == "1954" and "register.xml#tito" in letter["c"]


def test_downloads_page_links_sources_pdfs_and_exports(site):
    root = page(site, "downloads.html")
    hrefs = set(root.xpath("//main//a/@href"))
    for name in DOCUMENTS:
        assert f"downloads/tei/{name}.xml" in hrefs
        assert f"downloads/pdf/{name}.pdf" in hrefs
        assert (site / f"downloads/tei/{name}.xml").read_bytes() == (
            TEI / f"{name}.xml"
        ).read_bytes()
        assert (site / f"downloads/pdf/{name}.pdf").read_bytes().startswith(b"%PDF-")
    assert "downloads/pdf/full-edition.pdf" in hrefs
    for export in ("edition.cmif.xml", "places.geojson", "edition.jsonld", "csv/letters.csv"):
        assert f"downloads/data/{export}" in hrefs
    cmif = (site / "downloads/data/edition.cmif.xml").read_text("utf-8")
    assert f"{BASE_URL}letter-1954-06-22.html" in cmif
    json.loads((site / "downloads/data/places.geojson").read_text("utf-8"))


def test_pages_are_safe(site):
    """CSP on every page; no inline code, no event handlers, no resource from elsewhere."""
    for path in pages_of(site):
        root = page(site, path.relative_to(site).as_posix())
        csp = root.xpath("//head/meta[@http-equiv='Content-Security-Policy']/@content")
        assert csp == [CSP], path.name
        first = root.find("head")[1]
        assert first.get("http-equiv") == "Content-Security-Policy"  # before any resource
        for el in root.iter():
            if not isinstance(el.tag, str):
                continue
            assert not [a for a in el.attrib if a.lower().startswith("on") or a == "style"]
            if el.tag == "script":
                assert el.get("src") and not (el.text or "").strip()
            for attr in ("src", "poster"):
                if el.get(attr):
                    assert not urlsplit(el.get(attr)).scheme, (path.name, el.get(attr))
            if el.tag == "link":
                assert not urlsplit(el.get("href")).scheme
            if el.get("href"):
                scheme = urlsplit(el.get("href")).scheme
                assert scheme in ("", "http", "https", "mailto"), (path.name, el.get("href"))
    assert "default-src 'self'" in CSP and "http" not in CSP and "unsafe" not in CSP


def test_files_are_readable_by_a_web_server(site):
    assert (site / "index.html").stat().st_mode & 0o044 == 0o044


# --------------------------------------------------------------------------- incremental


def test_rebuild_without_changes_writes_nothing(built):
    out, _ = built
    report = build_site(
        TEI, out, base_url=BASE_URL, cmif=CmifOptions(editor_email="editors@example.org")
    )
    assert report.written == [] and report.removed == []
    assert not report.validated  # nothing changed: not even validation runs again
    assert len(report.skipped) == len(json.loads((out / MANIFEST_NAME).read_text())["outputs"])


def test_incremental_rebuild_and_force(tmp_path):
    tei = copy_edition(tmp_path)
    out = tmp_path / "site"
    first = build_site(tei, out)
    assert first.ok
    everything = rel_names(first.written, out)

    os.utime(tei / "letter-1954-08-11.xml")  # a touch alone changes nothing
    assert build_site(tei, out).written == []

    letter = tei / "letter-1954-09-27.xml"
    text = letter.read_text("utf-8")
    phrase = "will be correctly understood"
    assert text.count(phrase) == 1  # in the letter's last paragraph
    letter.write_text(text.replace(phrase, "will be duly understood"), "utf-8")
    second = build_site(tei, out)
    assert second.validated
    written = rel_names(second.written, out)
    document_pages = {f"{name}.html" for name in DOCUMENTS}
    assert written & document_pages == {"letter-1954-09-27.html"}
    assert document_pages - {"letter-1954-09-27.html"} <= rel_names(second.skipped, out)
    assert {"downloads/tei/letter-1954-09-27.xml", "downloads/pdf/letter-1954-09-27.pdf",
            "downloads/pdf/full-edition.pdf", "search-index.js"} <= written  # fmt: skip
    assert not {f"downloads/pdf/{n}.pdf" for n in DOCUMENTS if n != "letter-1954-09-27"} & written
    assert "duly understood" in (out / "letter-1954-09-27.html").read_text("utf-8")
    assert "duly understood" in (out / "search-index.js").read_text("utf-8")

    forced = build_site(tei, out, force=True)
    assert forced.validated
    assert rel_names(forced.written, out) == everything
    assert forced.skipped == []


def test_removed_document_removes_its_outputs(tmp_path):
    tei = copy_edition(tmp_path)
    out = tmp_path / "site"
    build_site(tei, out, pdf=False, validate=False)
    assert (out / "letter-1954-09-27.html").is_file()
    (tei / "letter-1954-09-27.xml").unlink()
    report = build_site(tei, out, pdf=False, validate=False)
    assert out / "letter-1954-09-27.html" in report.removed
    assert not (out / "letter-1954-09-27.html").exists()
    assert not (out / "downloads/tei/letter-1954-09-27.xml").exists()


def test_a_deleted_output_is_made_again(tmp_path, site):
    out = tmp_path / "site"
    shutil.copytree(site, out)
    (out / "places.html").unlink()
    (out / "letter-1954-08-11.html").write_text("edited by hand", "utf-8")
    report = build_site(
        TEI, out, base_url=BASE_URL, cmif=CmifOptions(editor_email="editors@example.org")
    )
    assert {"places.html", "letter-1954-08-11.html"} <= rel_names(report.written, out)
    assert (out / "letter-1954-08-11.html").read_bytes() == (
        site / "letter-1954-08-11.html"
    ).read_bytes()


def test_parallel_build_gives_the_same_pages(tmp_path, site):
    out = tmp_path / "site"
    report = build_site(TEI, out, jobs=2, pdf=False)
    for name in DOCUMENTS:
        assert (out / f"{name}.html").read_bytes() == (site / f"{name}.html").read_bytes()
    # Without the editor's e-mail and a base URL CMIF cannot be made: a warning, not a failure.
    findings = [d for d in report.diagnostics if d.severity >= Severity.WARNING]
    assert [(d.code, d.severity) for d in findings] == [("cmif-skipped", Severity.WARNING)]
    assert "build with --editor-email and --base-url" in page(out, "downloads.html").text_content()
    assert not list(out.glob("downloads/pdf/*"))


SITE_SCRIPT = """
import sys
from teikit import render
from teikit.site import build_site
tei, out = sys.argv[1:]
first = build_site(tei, out + "/forked", jobs=2, validate=False)
assert render.typst_forkable(), "Typst ran in the workers only"
render.compile_typst("x")  # now Typst's threads run here, and would not survive fork
second = build_site(tei, out + "/here", jobs=2, validate=False)  # so: Typst runs here
"""


def test_parallel_build_gives_the_same_pdfs(tmp_path, site):
    import subprocess
    import sys

    pypdf = pytest.importorskip("pypdf")
    # in a fresh process: the module's build has run Typst in this one
    subprocess.run([sys.executable, "-c", SITE_SCRIPT, str(TEI), str(tmp_path)], check=True,
                   timeout=600)  # fmt: skip

    def text(pdf: Path) -> list[str]:
        return [page.extract_text() for page in pypdf.PdfReader(pdf).pages]

    expected = sorted(p.name for p in (site / "downloads" / "pdf").glob("*.pdf"))
    assert len(expected) == len(DOCUMENTS) + 1  # and the whole edition
    for folder in ("forked", "here"):
        pdfs = tmp_path / folder / "downloads" / "pdf"
        assert sorted(p.name for p in pdfs.iterdir()) == expected
        for name in expected:
            assert text(pdfs / name) == text(site / "downloads" / "pdf" / name), name
        for name in DOCUMENTS:
            assert (tmp_path / folder / f"{name}.html").read_bytes() == (
                site / f"{name}.html"
            ).read_bytes()


TYPESET_SCRIPT = """
import json, os, sys, time
from teikit import render
import teikit.site.build as site_build
tei, out, log = sys.argv[1:]
site_build.HEAVY_BYTES = 50_000  # the introduction and the edition's PDF are large
real, real_run = site_build.compile_job, site_build.run_job

def compile_job(shop, index):
    # what the fork inherited: nothing of Saxon, Typst's compiler
    held = [len(render._sheets), len(render._nodes), bool(vars(render._typst_local))]
    started = time.monotonic()
    result = real(shop, index)
    job = shop.typst[index][0]
    with open(log, "a") as fh:
        print(json.dumps([job.output, started, time.monotonic(), held]), file=fh)
    return result

def run_job(shop, job):
    if "typst" in sys.modules:  # the stylesheets' workers have no use for Typst
        raise AssertionError("Typst in a page worker")
    return real_run(shop, job)

site_build.compile_job, site_build.run_job = compile_job, run_job
site_build.build_site(tei, out, jobs=2, validate=False)
"""


def test_a_large_pdf_is_typeset_alone_by_workers_that_hold_nothing_of_saxon(tmp_path, site):
    """Typst lays out a large document's PDF (a register of thousands of entries)
    with 150-170 MB of its own: nothing is typeset beside it. The parent is done
    with Saxon before Typst's workers fork: they inherit no stylesheet nor tree,
    but Typst's compiler, which the stylesheets' workers do not. The PDFs are the
    same."""
    import subprocess
    import sys

    pypdf = pytest.importorskip("pypdf")
    log = tmp_path / "typeset.jsonl"
    # in a fresh process: the module's build has run Typst in this one
    subprocess.run([sys.executable, "-c", TYPESET_SCRIPT, str(TEI), str(tmp_path / "out"),
                    str(log)], check=True, timeout=600)  # fmt: skip
    typeset = [json.loads(line) for line in log.read_text().splitlines()]
    assert len(typeset) == len(DOCUMENTS) + 1
    assert all(held == [0, 0, True] for _, _, _, held in typeset)
    large = {"downloads/pdf/introduction.pdf", "downloads/pdf/full-edition.pdf"}
    assert large <= {output for output, _, _, _ in typeset}
    for output, start, end, _ in typeset:
        if output in large:
            beside = [o for o, s, e, _ in typeset if o != output and s < end and e > start]
            assert beside == [], output
    pdfs = sorted(p.name for p in (site / "downloads" / "pdf").glob("*.pdf"))
    for name in pdfs:
        made = tmp_path / "out" / "downloads" / "pdf" / name
        assert [p.extract_text() for p in pypdf.PdfReader(made).pages] == [
            p.extract_text() for p in pypdf.PdfReader(site / "downloads" / "pdf" / name).pages
        ], name


# --------------------------------------------------------------------------- failures


def break_letter(tei: Path) -> Path:
    """An invalid (but well-formed) letter: a date that is not ISO."""
    broken = tei / "letter-1954-08-11.xml"
    text = broken.read_text("utf-8")
    assert '<date when="1954-08-11">' in text
    broken.write_text(text.replace('<date when="1954-08-11">', '<date when="11 August">', 1))
    return broken


def test_validation_failure_stops_the_build(tmp_path):
    tei = copy_edition(tmp_path)
    broken = break_letter(tei)
    out = tmp_path / "site"
    with pytest.raises(BuildError) as caught:
        build_site(tei, out, pdf=False)
    error = caught.value
    assert isinstance(error, TeikitError) and error.exit_code == 1
    assert error.diagnostics and {Path(d.file).name for d in error.diagnostics} == {broken.name}
    assert all(d.line > 0 for d in error.diagnostics)
    assert not (out / "index.html").exists() and not (out / MANIFEST_NAME).exists()


def test_keep_going_builds_despite_invalid_documents(tmp_path):
    tei = copy_edition(tmp_path)
    broken = break_letter(tei)
    out = tmp_path / "site"
    report = build_site(tei, out, pdf=False, keep_going=True)
    assert not report.ok
    assert any(Path(d.file).name == broken.name for d in report.diagnostics)
    assert (out / "index.html").is_file() and (out / "letter-1954-08-11.html").is_file()
    again = build_site(tei, out, pdf=False, keep_going=True)
    assert again.validated and not again.ok  # an invalid edition is checked every time


def test_unloadable_document_is_reported(tmp_path):
    tei = copy_edition(tmp_path)
    (tei / "zz-malformed.xml").write_text("<TEI xmlns='http://www.tei-c.org/ns/1.0'><teiHeader>")
    with pytest.raises(BuildError) as caught:
        build_site(tei, tmp_path / "a", pdf=False)
    assert any(d.file.endswith("zz-malformed.xml") for d in caught.value.diagnostics)
    report = build_site(tei, tmp_path / "b", pdf=False, keep_going=True)
    assert any(d.file.endswith("zz-malformed.xml") for d in report.diagnostics)
    assert (tmp_path / "b" / "index.html").is_file()


def test_bad_arguments_are_usage_errors(tmp_path):
    with pytest.raises(UsageError):
        build_site(tmp_path / "missing", tmp_path / "out")
    with pytest.raises(UsageError):
        build_site(TEI, TEI)
    with pytest.raises(UsageError):
        build_site(TEI, tmp_path / "out", base_url="javascript:alert(1)")
    (tmp_path / "empty").mkdir()
    with pytest.raises(UsageError):
        build_site(tmp_path / "empty", tmp_path / "out")


# --------------------------------------------------------------------------- hostile input


@pytest.mark.parametrize(
    "name",
    ["../../etc/passwd", "/etc/passwd.xml", "..\\..\\x.xml", "a/../../b.xml", "..", "...xml",
     "%2e%2e%2fx.xml", "x\x00y.xml", "<script>.xml", "Đilas.xml", ""],
)  # fmt: skip
def test_page_names_are_plain_file_names(name):
    result = page_name(name)
    assert re.fullmatch(r"[A-Za-z0-9_-][A-Za-z0-9._-]*\.html", result), result
    assert "/" not in result and ".." not in result.removesuffix(".html")


@pytest.mark.parametrize(
    "rel", ["../x.html", "/etc/passwd", "a/../../x", "a\\..\\x", "", ".", "a//b", "x\x00"]
)
def test_output_paths_cannot_escape(tmp_path, rel):
    with pytest.raises(BuildError) as caught:
        safe_output_path(tmp_path / "site", rel)
    assert caught.value.diagnostics[0].code == "unsafe-path"


def test_symlinked_folder_in_the_site_cannot_be_written_through(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    out = tmp_path / "site"
    out.mkdir()
    (out / "downloads").symlink_to(outside, target_is_directory=True)
    with pytest.raises(BuildError) as caught:
        build_site(TEI, out, pdf=False, validate=False)
    assert any(d.code == "unsafe-path" for d in caught.value.diagnostics)
    assert list(outside.iterdir()) == []


def test_hostile_documents_cannot_escape_or_inject(tmp_path):
    tei = tmp_path / "tei"
    tei.mkdir()
    hostile = (FIXTURES / "site" / "hostile.xml").read_bytes()
    names = ["a b&c<d>.xml", "index.xml", "persons.xml", "%2e%2e%2fescape.xml", "Đilas.xml",
             "..hidden.xml"]  # fmt: skip
    for name in names:
        (tei / name).write_bytes(hostile)
    out = tmp_path / "site"
    report = build_site(tei, out, pdf=False, validate=False)
    files = {p for p in tmp_path.rglob("*") if p.is_file()}
    assert files - {tei / n for n in names} == {p for p in out.rglob("*") if p.is_file()}
    made = {p.name for p in out.glob("*.html")}
    documents = {"a_b_c_d_.html", "index-document.html", "persons-document.html",
                 "_2e_2e_2fescape.html", "_ilas.html"}  # fmt: skip
    assert documents <= made  # ..hidden.xml is skipped, as hidden files are
    assert "index.html" in made and "persons.html" not in made  # no register: no persons page
    assert not any(p.name.startswith(".") and p.suffix == ".html" for p in out.rglob("*"))
    renamed = [d for d in report.diagnostics if d.code == "page-renamed"]
    assert len(renamed) == 2
    for path in out.glob("*.html"):
        root = html.parse(str(path)).getroot()
        scripts = root.xpath("//script")
        assert all(s.get("src") in ("assets/teikit.js", "assets/search.js", "search-index.js")
                   for s in scripts)  # fmt: skip
        for el in root.iter():
            if isinstance(el.tag, str):
                assert not [a for a in el.attrib if a.lower().startswith("on")], path.name
                for attr in ("href", "src"):
                    value = (el.get(attr) or "").replace(" ", "").lower()
                    assert not value.startswith(("javascript:", "data:", "vbscript:", "//"))
                if el.tag == "img":
                    assert not urlsplit(el.get("src", "")).scheme
    letter = (out / "a_b_c_d_.html").read_text("utf-8")
    assert "&lt;script&gt;alert(document.cookie)&lt;/script&gt;" in letter
    assert 'href="https://evil.example/tracker.png"' in letter  # the image became a link
    assert 'href="https://example.org/ok"' in letter
    index = (out / "search-index.js").read_text("utf-8")
    assert "<script>alert(document.cookie)</script>" in index  # as data, inside a JS string
    assert json.loads(index.split(" = ", 1)[1].rstrip().rstrip(";"))["docs"]


def test_a_page_that_hangs_a_worker_is_given_up_and_reported(tmp_path, monkeypatch, stuck):
    import sys

    from teikit.site import build_site

    from conftest import make_workers_hang

    module = sys.modules["teikit.site.build"]
    make_workers_hang(
        monkeypatch,
        module,
        "run_job",
        lambda shop, job: job.kind == "page" and "cable" in job.path,
    )
    report = build_site(
        TEI, tmp_path / "site", pdf=False, jobs=1, timeout=30, keep_going=True, validate=False
    )
    gave_up = [d for d in report.diagnostics if d.code == "timeout"]
    assert len(gave_up) == 1 and "cable-1954-07-24" in gave_up[0].message
    assert (tmp_path / "site" / "letter-1954-06-22.html").is_file()
    assert not (tmp_path / "site" / "cable-1954-07-24.html").exists()


def test_an_unchanged_edition_with_findings_is_not_validated_again(tmp_path, monkeypatch):
    import sys

    from teikit.site import build_site

    tei = tmp_path / "tei"
    shutil.copytree(TEI, tei)
    shutil.copytree(ROOT / "schema", tmp_path / "schema")  # what the xml-model PIs name
    letter = tei / "letter-1954-09-27.xml"
    letter.write_text(letter.read_text("utf-8").replace("#tito", "#nobody", 1), "utf-8")
    first = build_site(tei, tmp_path / "site", pdf=False, keep_going=True)
    found = [d for d in first.diagnostics if d.severity >= Severity.ERROR]
    assert found and first.validated

    module = sys.modules["teikit.site.build"]
    real = module.validate_files

    def not_again(*args, **kwargs):
        raise AssertionError("validated again although nothing changed")

    monkeypatch.setattr(module, "validate_files", not_again)
    second = build_site(tei, tmp_path / "site", pdf=False, keep_going=True)
    assert [d for d in second.diagnostics if d.severity >= Severity.ERROR] == found
    with pytest.raises(TeikitError):  # without --keep-going the same findings stop it
        build_site(tei, tmp_path / "site", pdf=False)

    monkeypatch.setattr(module, "validate_files", real)
    letter.write_text(letter.read_text("utf-8").replace("#nobody", "#tito", 1), "utf-8")
    third = build_site(tei, tmp_path / "site", pdf=False, keep_going=True)
    assert not [d for d in third.diagnostics if d.severity >= Severity.ERROR]


# --------------------------------------------------------------------------- memory


def test_the_parent_holds_only_what_the_edition_model_needs(tmp_path):
    """The letters are read for their hash and what the model needs of them, then
    let go: the worker that renders a letter reads it again. The register and the
    edition file stay at hand (pointers resolve into them)."""
    from teikit.edition import Config
    from teikit.site.build import Builder
    from teikit.site.outputs import BuildReport

    builder = Builder(TEI, BuildReport(out_dir=tmp_path), False, False, 1, False, None, True,
                      None, config=Config())  # fmt: skip
    files = sorted(TEI.glob("*.xml"))
    read = builder._read(files, {path: path.name for path in files})
    assert sorted(read.held) == ["edition.xml", "register.xml"]
    assert read.loaded == {path.name for path in files}
    assert sorted(g.path for g in read.glimpses) == sorted(
        str(p) for p in files if p.name not in ("edition.xml", "register.xml")
    )


def test_an_output_written_in_pieces_is_reported_written_only_when_it_changed(tmp_path):
    from teikit.site.outputs import BuildReport, Outputs

    outputs = Outputs(tmp_path, {}, False, BuildReport(out_dir=tmp_path))
    first = outputs.store_pieces("persons.html", iter([b"<p>", b"one", b"</p>"]))
    assert first.wrote and (tmp_path / "persons.html").read_bytes() == b"<p>one</p>"
    again = outputs.store_pieces("persons.html", iter([b"<p>one", b"</p>"]))
    assert not again.wrote and again.sha256 == first.sha256
    changed = outputs.store_pieces("persons.html", iter([b"<p>two</p>"]))
    assert changed.wrote and (tmp_path / "persons.html").read_bytes() == b"<p>two</p>"
    assert outputs.store_pieces("../out.html", iter([b"x"])).unsafe


def test_a_letter_a_pointer_made_the_model_read_still_gets_its_page(tmp_path, monkeypatch):
    """The parent lets letters go; a pointer from another document into one makes
    the edition model read it again, by its absolute path. Given the edition by a
    relative path, the letter is still the same document and gets its page."""
    shutil.copytree(TEI, tmp_path / "tei")
    cable = tmp_path / "tei" / "cable-1954-07-24.xml"
    text = cable.read_text("utf-8")
    cable.write_text(
        text.replace('ref="register.xml#rajak"', 'ref="letter-1954-08-11.xml#rajak"', 1), "utf-8"
    )
    monkeypatch.chdir(tmp_path)
    report = build_site("tei", "site", pdf=False, validate=False, jobs=1)
    assert (tmp_path / "site" / "letter-1954-08-11.html").is_file()
    assert report.dead_links == 0


def test_pages_finished_by_workers_of_their_own_are_the_same_pages(tmp_path, monkeypatch):
    """Heavy jobs (large documents, register pages) run one at a time in fresh
    workers, and a large document's page is finished by another worker than the
    one that rendered it: the site is the same, byte for byte."""
    import teikit.site.build as site_build

    plain = build_site(TEI, tmp_path / "plain", jobs=2, validate=False, pdf=False)
    monkeypatch.setattr(site_build, "HEAVY_BYTES", 0)  # every document is large
    split = build_site(TEI, tmp_path / "split", jobs=2, validate=False, pdf=False)

    def found(report):
        return [(d.severity, d.code, Path(d.file).name, d.line) for d in report.diagnostics]

    assert found(split) == found(plain)
    names = sorted(rel_names((tmp_path / "plain").rglob("*"), tmp_path / "plain"))
    assert names == sorted(rel_names((tmp_path / "split").rglob("*"), tmp_path / "split"))
    for name in names:
        if (tmp_path / "plain" / name).is_file() and name != MANIFEST_NAME:
            assert (tmp_path / "split" / name).read_bytes() == (
                tmp_path / "plain" / name
            ).read_bytes(), name


def test_a_split_page_whose_document_cannot_be_read_again_is_kept_with_an_error(
    tmp_path, monkeypatch
):
    """A large page is finished before its document is read again for its mentions'
    anchors (finish_page): when that reading fails, the page written stays in the
    site and the manifest, and the failure is an error of the document."""
    import teikit.site.build as site_build
    import teikit.site.jobs as site_jobs
    from teikit.errors import LoadError

    real, real_stream = site_jobs.load, site_jobs.mention_anchors_in_file
    gone = "letter-1954-08-11.xml"

    def load(path, *args, **kwargs):
        if Path(path).name == gone:
            raise LoadError(f"cannot read {path}: gone")
        return real(path, *args, **kwargs)

    def stream(path):  # read as a stream first (records.mention_anchors_in_file)
        if Path(path).name == gone:
            raise FileNotFoundError(path)
        return real_stream(path)

    monkeypatch.setattr(site_jobs, "load", load)
    monkeypatch.setattr(site_jobs, "mention_anchors_in_file", stream)
    monkeypatch.setattr(site_build, "HEAVY_BYTES", 0)  # every document is large
    out = tmp_path / "site"
    report = build_site(TEI, out, jobs=2, validate=False, pdf=False, keep_going=True)
    failed = [d for d in report.diagnostics if d.severity >= Severity.ERROR]
    assert [(Path(d.file).name, d.code) for d in failed] == [(gone, "render-failed")]
    assert (out / "letter-1954-08-11.html").is_file()
    manifest = json.loads((out / MANIFEST_NAME).read_text("utf-8"))
    assert "letter-1954-08-11.html" in manifest["outputs"]


# --------------------------------------------------------------------------- the warm-up


def test_the_first_documents_crashing_the_page_transform_cost_their_pages_alone(
    tmp_path, monkeypatch
):
    """Before the workers fork the parent warms Saxon up (Builder._warm). The
    documents are untrusted: the first ones in the edition crash the transform
    here, which in a worker costs their pages (the worker dies) and must not stop
    the build in the parent, where it would take every page with it."""
    import teikit.render as render_module

    from conftest import PARENT_PID

    order = ["introduction", "letter-1954-06-22", "cable-1954-07-24"]  # the site's first
    real = render_module.render

    def crashing(doc, to, **kwargs):
        path = Path(getattr(doc, "path", doc))
        if to == "html" and path.stem in order:
            if os.getpid() != PARENT_PID:
                os._exit(1)  # as Saxon would on a hostile document
            raise RuntimeError(f"the page transform crashed on {path.name}")
        return real(doc, to, **kwargs)

    monkeypatch.setattr(render_module, "render", crashing)
    out = tmp_path / "site"
    report = build_site(TEI, out, jobs=2, pdf=False, validate=False, keep_going=True)
    crashed = sorted(Path(d.file).stem for d in report.diagnostics if d.code == "worker-crashed")
    assert crashed == sorted(order)
    for name in order:
        assert not (out / f"{name}.html").exists()
    for name in ["letter-1954-08-11", "letter-1954-09-23", "letter-1954-09-27"]:
        assert (out / f"{name}.html").is_file(), name
    assert (out / "index.html").is_file()


def test_the_warm_up_renders_none_of_the_editions_documents(tmp_path, monkeypatch):
    """The parent renders teikit's own letter, as a page and as a Typst source, and
    nothing of the edition (its pages and PDFs are the workers')."""
    import teikit.render as render_module
    from teikit.site.build import WARM_LETTER

    from conftest import PARENT_PID

    rendered: list[tuple[str, str]] = []
    real = render_module.render

    def spy(doc, to, **kwargs):
        if os.getpid() == PARENT_PID:
            rendered.append((str(getattr(doc, "path", doc)), to))
        return real(doc, to, **kwargs)

    monkeypatch.setattr(render_module, "render", spy)
    build_site(TEI, tmp_path / "site", jobs=2, validate=False, keep_going=True)
    assert {path for path, _ in rendered} == {str(WARM_LETTER)}
    assert {to for _, to in rendered} == {"html", "typst"}
    assert (tmp_path / "site" / "downloads" / "pdf" / "letter-1954-06-22.pdf").is_file()


def test_an_export_that_fails_is_a_finding_and_the_edition_pages_are_still_made(
    tmp_path, monkeypatch
):
    """The data exports and register sections are made in the build's own process
    (no worker copies its pages): one that raises is reported, the others and the
    rest of the site are still made."""
    import teikit.site.jobs as site_jobs

    real = site_jobs.export

    def fails_for_csv(docs, out, fmt, **kwargs):
        if fmt == "csv":
            raise RuntimeError("broken on purpose")
        return real(docs, out, fmt, **kwargs)

    monkeypatch.setattr(site_jobs, "export", fails_for_csv)
    report = build_site(TEI, tmp_path / "site", jobs=2, validate=False, pdf=False)
    failed = [d for d in report.diagnostics if "broken on purpose" in d.message]
    assert len(failed) == 1 and failed[0].severity >= Severity.ERROR
    assert "cannot make csv" in failed[0].message
    assert (tmp_path / "site" / "downloads" / "data" / "places.geojson").is_file()
    assert not (tmp_path / "site" / "downloads" / "data" / "csv").exists()
    for name in ["index.html", "downloads.html", *REGISTER_PAGES]:
        assert (tmp_path / "site" / name).is_file()


def test_letters_that_hold_registers_are_let_go_for_an_extract_of_their_lists(
    tmp_path, monkeypatch
):
    """A letter that repeats the registers in its <back> is not held for them: the
    model gets a copy of its lists. The register file is held until the registers
    are merged for the stylesheets, then let go (its page's worker, and those that
    make the merged register again, read it again). The site is the one built with
    everything held, as it was before."""
    from teikit.edition import Config
    from teikit.site import build as module
    from teikit.site.build import Builder
    from teikit.site.outputs import BuildReport

    source = FIXTURES / "edition" / "registers-in-every-back"
    builder = Builder(source, BuildReport(out_dir=tmp_path), False, False, 1, False, None, True,
                      None, config=Config())  # fmt: skip
    files = sorted(source.glob("*.xml"))
    read = builder._read(files, {path: path.name for path in files})
    assert sorted(read.held) == ["places.xml"]
    assert sorted(read.extracts) == ["letter-a.xml", "letter-b.xml"]

    released: list[str] = []
    release = module.Edition.release

    def noting(model, docs):
        docs = list(docs)
        release(model, docs)
        released.extend(Path(d.path).name for d in docs if d not in model.files)

    monkeypatch.setattr(module.Edition, "release", noting)
    build_site(source, tmp_path / "let-go", pdf=False, jobs=2)
    # the register file, once the registers are merged for the stylesheets
    assert released == ["places.xml"]
    monkeypatch.setattr(module, "register_extract", lambda doc, kind: None)
    monkeypatch.setattr(module.Builder, "_let_registers_go", staticmethod(lambda e, r: None))
    build_site(source, tmp_path / "held", pdf=False, jobs=2)
    let_go = {p.relative_to(tmp_path / "let-go") for p in (tmp_path / "let-go").rglob("*")}
    held = {p.relative_to(tmp_path / "held") for p in (tmp_path / "held").rglob("*")}
    assert let_go == held
    assert "persons.html" in {p.name for p in held}
    for rel in sorted(held):
        if (tmp_path / "held" / rel).is_file() and rel.name != ".teikit-build.json":
            assert (tmp_path / "let-go" / rel).read_bytes() == (
                tmp_path / "held" / rel
            ).read_bytes(), rel
