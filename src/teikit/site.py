"""Build the static website of an edition (``teikit build``).

``build_site(tei_dir, out_dir)`` validates the edition, then writes into
``out_dir``:

* ``index.html``: the edition's title, the letters in date order, how to cite,
  and the introduction; ``chronology.html``: the letters by year;
* one page per TEI document (``<file stem>.html``, rendered by
  :func:`teikit.render.render_html` through the site profile
  ``data/site/site.xsl``, which gives every name mention an id);
* register pages (``persons.html``, ``places.html``, ``organisations.html``,
  ``works.html``, ``register.html``) whose entries list every occurrence,
  each linked to the mention itself (``letter.html#tk-m194``);
* ``search.html`` with ``search-index.js`` (the index as a script, because
  browsers refuse ``fetch()`` of local files under ``file://``) and
  ``assets/search.js``;
* ``downloads.html`` and ``downloads/``: the TEI sources, a PDF per document,
  the whole edition as one PDF, and the CMIF, CSV, GeoJSON and JSON-LD exports;
* ``.teikit-build.json``: the manifest that makes the next build incremental.

Every page carries a Content-Security-Policy that allows nothing but the
site's own files, so a page can make no request outside the site; URLs other
than http, https, mailto and relative ones are removed, as are event-handler
attributes and inline scripts. Every file is written atomically, only when
its content changed, and only inside ``out_dir``.
"""

from __future__ import annotations

import atexit
import bisect
import contextlib
import copy
import dataclasses
import hashlib
import json
import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

from lxml import etree
from lxml import html as lxml_html

import teikit
from teikit import render
from teikit import schemas as schema_lookup
from teikit.batch import OnStep, Step, WorkerFailure, default_jobs, output_folder, write_failure
from teikit.batch import run as run_jobs
from teikit.document import TEI_NS, Document, load, read_regular
from teikit.edition import Config, Edition, find_config, load_config
from teikit.edition.discovery import discover
from teikit.errors import (
    BuildError,
    Diagnostic,
    LoadError,
    OutputError,
    SchemaError,
    Severity,
    TeikitError,
    UsageError,
)
from teikit.exports import cmif_options, export
from teikit.exports.cmif import CmifOptions
from teikit.exports.common import ExportOptions
from teikit.index import (
    EntityIndex,
    Entry,
    Letter,
    Occurrence,
    Party,
    XPaths,
    build_index,
    flatten,
)
from teikit.index import parse_date as parse_w3c_date
from teikit.validate import ValidateOptions, validate_files

__all__ = [
    "CSP",
    "MANIFEST_NAME",
    "BuildError",
    "BuildReport",
    "build_site",
    "page_name",
    "safe_output_path",
]

T = f"{{{TEI_NS}}}"
SITE_DATA = Path(__file__).resolve().parent / "data" / "site"
MANIFEST_NAME = ".teikit-build.json"
MANIFEST_FORMAT = 1

# default-src 'self' covers scripts, styles, fonts and fetches; "file:" is what pages
# opened from disk need in browsers that give file: documents an opaque origin.
# Nothing else: no host, no inline code, no plugins, no <base> rewriting.
CSP = "default-src 'self' file:; object-src 'none'; base-uri 'none'; form-action 'self' file:"

# Register sections: (section, list element, page, heading, index entity type).
SECTIONS = (
    ("persons", "listPerson", "persons.html", "Persons", "person"),
    ("places", "listPlace", "places.html", "Places", "place"),
    ("organisations", "listOrg", "organisations.html", "Organisations", "org"),
    ("works", "listBibl", "works.html", "Works", "work"),
)
SECTION_PAGE = {kind: page for _, _, page, _, kind in SECTIONS}
KIND_LABEL = {"person": "person", "place": "place", "org": "organisation", "work": "work"}

HOME, CHRONOLOGY, SEARCH, DOWNLOADS = (
    "index.html",
    "chronology.html",
    "search.html",
    "downloads.html",
)
SEARCH_INDEX = "search-index.js"
REGISTER_PAGE = "register.html"
PRINCIPLES = "principles.html"  # the editorial principles of the contents file
FULL_PDF = "downloads/pdf/full-edition.pdf"
FULL_PDF_MAX_DOCUMENTS = 300  # see _plan: Typst's memory grows with the whole document
RESERVED = frozenset(
    {HOME, CHRONOLOGY, SEARCH, DOWNLOADS, SEARCH_INDEX, REGISTER_PAGE, PRINCIPLES}
    | {page for _, _, page, _, _ in SECTIONS}
)
# Data exports: (format, file under downloads/data/, label, description).
EXPORTS = (
    ("cmif", "edition.cmif.xml", "CMIF", "letter metadata for correspSearch (TEI, CMIF v1)"),
    ("csv", "csv", "CSV", "tables of letters, persons, places, organisations and mentions"),
    ("geojson", "places.geojson", "GeoJSON", "the places with coordinates (Linked Places)"),
    ("jsonld", "edition.jsonld", "JSON-LD", "letters and entities as schema.org linked data"),
)

# Elements the entity index may count as a mention; the site profile gives each an id.
MENTION_TAGS = frozenset(
    f"{T}{name}"
    for name in (
        "persName", "placeName", "orgName", "title", "name", "rs", "geogName",
        "settlement", "country", "region", "bloc", "district",
    )
)  # fmt: skip
# HTML blocks that become search records (the innermost ones), and what is not text.
BLOCK_TAGS = frozenset(
    {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "dd", "dt", "pre", "td", "th"}
)
SKIP_CONTAINERS = frozenset({"aside", "nav", "form", "script", "style", "noscript"})
SKIP_CLASSES = frozenset(
    {
        "tk-diplomatic",
        "tk-noteref",
        "tk-backlink",
        "tk-note-label",
        "tk-visually-hidden",
        "tk-pb",
        "tk-pb-bar",
    }
)
# Default parallelism starts at this many files to validate / outputs to render
# (measured on the bundled edition: 2 processes made 21 renderings 2x slower).
PARALLEL_VALIDATION = 200
PARALLEL_RENDERING = 60
URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "poster", "cite", "data"})
# Attributes whose URL the browser fetches as soon as the page opens.
RESOURCE_ATTRIBUTES = frozenset({"src", "poster", "data", "background"})
DROP_ELEMENTS = frozenset({"iframe", "frame", "object", "embed", "base", "applet"})


# --------------------------------------------------------------------------- results


@dataclass
class BuildReport:
    """What a build did: files written, files left as they were, files removed
    (outputs of an earlier build that this one no longer makes), and findings."""

    out_dir: Path
    written: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    validated: bool = False  # whether validation ran (it is skipped when no input changed)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not any(d.severity >= Severity.ERROR for d in self.diagnostics)

    def summary(self) -> str:
        errors = sum(1 for d in self.diagnostics if d.severity >= Severity.ERROR)
        warnings = sum(1 for d in self.diagnostics if d.severity == Severity.WARNING)
        return (
            f"{len(self.written)} files written, {len(self.skipped)} unchanged, "
            f"{len(self.removed)} removed, {errors} errors, {warnings} warnings "
            f"({self.seconds:.1f} s)"
        )


def _diag(file: str, message: str, code: str, severity: Severity = Severity.ERROR) -> Diagnostic:
    return Diagnostic(file, 0, 0, severity, " ".join(message.split()), code, "site")


# --------------------------------------------------------------------------- paths


def page_name(file_name: str, suffix: str = ".html") -> str:
    """The output name for a TEI file name: its last path component, ``.xml`` dropped,
    reduced to ASCII letters, digits, ``.``, ``_`` and ``-`` (no leading dot), plus
    ``suffix``. Never a path: ``../../x.xml`` gives ``x.html``."""
    last = PurePosixPath(file_name.replace("\\", "/")).name
    stem = last[:-4] if last.lower().endswith(".xml") else last
    clean = re.sub(r"[^A-Za-z0-9._-]", "_", stem).lstrip(".")
    return (clean or "document") + suffix


def safe_output_path(out_dir: str | os.PathLike[str], relative: str) -> Path:
    """``out_dir / relative``, refusing anything that would land outside ``out_dir``:
    absolute paths, ``..``, backslashes, NUL, and symbolic links (in the folders on
    the way or the file itself) that point outside. Raises :class:`BuildError`."""
    pure = PurePosixPath(relative)
    bad = (
        not relative
        or "\\" in relative
        or "\x00" in relative
        or pure.is_absolute()
        or any(part in ("..", "") for part in relative.split("/"))
    )
    root = Path(out_dir).resolve()
    target = root.joinpath(*pure.parts) if not bad else root
    # resolve() follows every symlink that exists on the way, so a linked folder
    # pointing elsewhere is caught before anything is created inside it.
    if bad or not target.resolve().is_relative_to(root) or target == root:
        diag = _diag(relative, f"refusing to write {relative!r}: outside the site", "unsafe-path")
        raise BuildError(diag.format(), [diag])
    return target


# --------------------------------------------------------------------------- helpers


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _key(*parts: object) -> str:
    return _sha(json.dumps(parts, sort_keys=True, default=str).encode("utf-8"))


def _text(el: etree._Element | None) -> str:
    """Reading text of a TEI element (corr over sic, no notes), whitespace-normalised."""
    return " ".join(flatten(el)[0].split()) if el is not None else ""


def safe_id(value: str) -> str:
    """What the stylesheets' tk:safe-id makes of an xml:id (register anchors)."""
    clean = re.sub(r"[^A-Za-z0-9_.\-]", "_", re.sub(r"[ \t\r\n]+", " ", value).strip(" \t\r\n"))
    return clean if re.match(r"[A-Za-z]", clean) else "id-" + clean


_SCHEME_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")


def safe_url(url: str) -> bool:
    """http, https, mailto, or relative (not "//host"); control characters and
    whitespace are ignored first, as browsers ignore them."""
    compact = re.sub(r"[\x00-\x20\x7f]", "", url)
    scheme = _SCHEME_RE.match(compact)
    if scheme:
        return scheme.group(1).lower() in ("http", "https", "mailto")
    return not re.match(r"^[/\\]{2}", compact)


_MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December",
)  # fmt: skip


def human_date(value: str) -> str:
    """``1954-06-22`` as ``22 June 1954``; partial dates as far as they go."""
    parsed = parse_w3c_date(value) if value else None
    if parsed is None or parsed.year is None:
        return value
    parts = [str(parsed.day)] if parsed.day else []
    if parsed.month:
        parts.append(_MONTHS[parsed.month - 1])
    return " ".join([*parts, str(parsed.year)])


def _classes(el: etree._Element) -> set[str]:
    return set((el.get("class") or "").split())


def E(tag: str, *content: Any, **attrs: str | None) -> etree._Element:
    """An HTML element: ``E("a", "text", href="x", class_="y")``. Text is escaped
    when the page is serialised; ``class_`` and ``for_`` lose their underscore,
    other underscores become hyphens (``aria_label``)."""
    el = etree.Element(tag)
    for name, value in attrs.items():
        if value is not None:
            el.set(name.rstrip("_").replace("_", "-"), value)
    _extend(el, content)
    return el


def _extend(el: etree._Element, content: Iterable[Any]) -> None:
    for item in content:
        if item is None or item == "":
            continue
        if isinstance(item, str):
            if len(el):
                el[-1].tail = (el[-1].tail or "") + item
            else:
                el.text = (el.text or "") + item
        elif isinstance(item, list | tuple):
            _extend(el, item)
        else:
            el.append(item)


def _serialize(root: etree._Element) -> bytes:
    text = etree.tostring(root, method="html", encoding="unicode", doctype="<!DOCTYPE html>")
    return (text.rstrip("\n") + "\n").encode("utf-8")


def _parse_page(data: bytes) -> etree._Element:
    return lxml_html.document_fromstring(data.decode("utf-8"))


# --------------------------------------------------------------------------- the site profile

_profile_lock = threading.Lock()
_profiles: dict[str, Path] = {}
# The edition's own profile (teikit.toml's [site] profile), set by the build before
# workers fork: a stylesheet included into teikit's site profile.
_edition_profile: Path | None = None


def _escape_href(href: str) -> str:
    return href.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def _profile_path() -> Path:
    """site.xsl with its import pointed at teikit's html.xsl, written once per process
    into a private temporary folder (the stylesheet tree lives in different places in
    a checkout and in an installed package, so the href cannot be fixed in the file).
    The edition's profile, when it has one, is included: its templates (the hooks
    tk:hook-head, tk:hook-before-body, tk:hook-after-body, tk:hook-footer, and any
    other) win over teikit's."""
    extra = _edition_profile
    key = str(extra or "")
    with _profile_lock:
        found = _profiles.get(key)
        if found is None or not found.is_file():
            href = render.STYLESHEETS["html"].resolve().as_uri()
            text = (SITE_DATA / "site.xsl").read_text("utf-8")
            text = text.replace("@@HTML_XSL@@", _escape_href(href))
            if extra is not None:
                include = f'<xsl:include href="{_escape_href(extra.resolve().as_uri())}"/>'
                text = text.replace(
                    f'<xsl:import href="{_escape_href(href)}"/>',
                    f'<xsl:import href="{_escape_href(href)}"/>\n  {include}',
                )
            folder = Path(tempfile.mkdtemp(prefix="teikit-site-"))
            atexit.register(shutil.rmtree, folder, True)
            found = folder / "site.xsl"
            found.write_text(text, "utf-8")
            _profiles[key] = found
        return found


def mention_anchors(doc: Document) -> dict[str, str]:
    """The page anchor of every element that may be a mention, by its XPath as
    :meth:`Document.xpath_of` writes it (as the index's occurrences carry it).

    The anchor is ``tk-m`` + the element's position among all elements in
    document order, root = 1: what ``tks:mention-id`` computes in site.xsl.
    """
    out: dict[str, str] = {}
    xpaths = XPaths()
    for number, el in enumerate(doc.root.iter(etree.Element), 1):
        if el.tag in MENTION_TAGS:
            out[xpaths(el)] = f"tk-m{number}"
    return out


# --------------------------------------------------------------------------- rendering jobs


@dataclass(frozen=True)
class _Job:
    """One expensive output, made in a worker process when jobs > 1."""

    kind: str  # html | page | kept | pdf | edition-pdf
    path: str  # the TEI file ("" for edition-pdf)
    register: str  # the register file, "" for none
    params: tuple[tuple[str, str], ...] = ()
    paths: tuple[str, ...] = ()  # edition-pdf: every file
    page: str = ""  # page, kept: the document's page in the site
    written: str = ""  # kept: the page as the last build wrote it
    search: bool = False  # page, kept: make the page's search records


@dataclass
class _PageFacts:
    """What the edition's own pages (registers, search index) need of a document
    page: taken from the page where it is made, in a worker, so that no page tree
    has to be kept for them."""

    anchors: dict[str, str]  # xpath of a mention -> its anchor, where it is on the page
    metadata: bool  # the page has the metadata panel's heading (tk-metadata-heading)
    records: list[str]  # search records as JSON objects, without their document number


@dataclass
class _JobResult:
    data: bytes | None
    diagnostics: list[Diagnostic]
    typst: str | None = None  # PDFs, first round: the Typst source, compiled in the second
    file: str = ""  # the name Typst's diagnostics carry
    facts: _PageFacts | None = None  # page, kept
    stored: list[_Stored] | None = None  # what the worker wrote itself (pages, data exports)


# The edition's documents by path, set before rendering workers fork: they inherit
# the parsed documents (and the register's Saxon tree) instead of reading them again.
_loaded: dict[str, Document] = {}
# The PDFs of the second round: the jobs and their Typst sources, inherited likewise.
_typst: list[tuple[_Job, _JobResult]] = []


@dataclass
class _Site:
    """What workers need to finish pages and make the edition's data, set before
    they fork, like ``_loaded``."""

    edition: _Edition
    chrome: _Chrome
    entities: _Entities
    source: str  # the TEI folder, as the edition's diagnostics name it
    outputs: _Outputs  # workers write what they make (the parent records it)
    export_options: ExportOptions | None = None
    pages: _Pages | None = None  # the second round: the facts of every page


_site: _Site | None = None


def _document(path: str) -> Document | str:
    return _loaded.get(path, path)


def _run_job(job: _Job) -> _JobResult:
    """Render one job; never raises for bad input (the diagnostics say what failed).

    PDFs are made in two rounds of workers (a forked process must not run both Saxon
    and Typst, see teikit.render): this one gives their Typst source, and
    :func:`_compile_job` the PDF."""
    found: list[Diagnostic] = []
    register = _document(job.register) if job.register else None
    if job.kind == "kept":
        return _kept_page(job)
    model = _site.edition.model if _site is not None else None
    try:
        if job.kind in ("html", "page"):
            text = render.render_html(
                _document(job.path),
                register=register,
                params=dict(job.params),
                stylesheet=_profile_path(),
                diagnostics=found,
                edition=model,
            )
            if job.kind == "html":
                return _JobResult(text.encode("utf-8"), found)
            # A document's page, finished here rather than in the parent: put into
            # the site, serialised, and what the edition's own pages need of it taken.
            assert _site is not None
            root = _parse_page(text.encode("utf-8"))
            _assign_block_ids(root)
            media = _bring_media(root, job.path, _site, found)
            _site.chrome.decorate(root, job.page, found)
            stored = _site.outputs.store(job.page, _serialize(root))
            return _JobResult(None, found, facts=_page_facts(root, job), stored=[stored, *media])
        if job.kind == "pdf":  # render.render_pdf, in two rounds
            doc = render.as_document(_document(job.path))
            result = render.render(doc, "typst", register=register, edition=model)
            return _JobResult(None, result.diagnostics, result.text, doc.path)
        # render.render_edition_pdf, in two rounds
        docs = [_document(p) for p in job.paths]
        result, skipped = render.edition_typst(docs, register=register, edition=model)
        return _JobResult(None, skipped + result.diagnostics, result.text, FULL_PDF)
    except TeikitError as exc:
        return _failed(job, exc, found)
    except OSError as exc:
        return _JobResult(None, [*found, _diag(job.path, f"cannot render: {exc}", "render-failed")])


# Images a page may show, copied from the edition's folder into the site's media/.
MEDIA_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".avif"})
MEDIA_MAX_BYTES = 64 * 1024 * 1024
MEDIA_TAGS = ("img", "video", "audio", "source", "track")  # the page's own assets are not media


def _bring_media(
    root: etree._Element, tei_path: str, site: _Site, found: list[Diagnostic]
) -> list[_Stored]:
    """The images a document's page loads (``<graphic url>``), inside the site:
    a relative URL that names an image in the edition's folder is copied to
    ``media/`` and pointed there; one that leads outside the edition's folder
    (``../../``, an absolute path) or to anything but a regular image file is
    removed, with a warning. Opening a page then loads nothing outside the site."""
    edition = Path(site.source).resolve()
    folder = Path(tei_path).resolve().parent
    stored: list[_Stored] = []
    for el in root.iter(*MEDIA_TAGS):
        for name in RESOURCE_ATTRIBUTES & set(el.attrib):
            value = el.get(name) or ""
            if not _is_local(value) or value.startswith("#"):
                continue  # other sites: enforce_policy turns them into links
            path = unquote(urlsplit(value.strip()).path)
            source = (folder / path).resolve() if path else folder
            rel = ""
            if source.is_relative_to(edition) and source.suffix.lower() in MEDIA_SUFFIXES:
                rel = "media/" + re.sub(
                    r"[^A-Za-z0-9._/-]", "_", source.relative_to(edition).as_posix()
                )
                try:
                    data = read_regular(source, MEDIA_MAX_BYTES)
                except LoadError as exc:
                    found.append(_diag(tei_path, f"image {value!r} not copied: "
                                       f"{exc.diagnostics[0].message}", "missing-resource",
                                       Severity.WARNING))  # fmt: skip
                    del el.attrib[name]
                    continue
                done = site.outputs.store(rel, data)
                if done.failed:
                    found.extend(done.failed)
                    del el.attrib[name]
                    continue
                stored.append(done)
                el.set(name, rel)
            else:
                why = (
                    "it is outside the edition's folder"
                    if not source.is_relative_to(edition)
                    else "it is not an image (" + ", ".join(sorted(MEDIA_SUFFIXES)) + ")"
                )
                found.append(_diag(tei_path, f"refused {name}={value!r}: {why}; a page loads "
                                   "nothing outside the site", "resource-outside",
                                   Severity.WARNING))  # fmt: skip
                del el.attrib[name]
    return stored


def _kept_page(job: _Job) -> _JobResult:
    """The facts of a page the last build wrote and this one keeps (no facts when it
    cannot be read: then it is as if the page were missing)."""
    try:
        root = _parse_page(Path(job.written).read_bytes())
    except (OSError, etree.ParserError, UnicodeDecodeError):
        return _JobResult(None, [])
    return _JobResult(None, [], facts=_page_facts(root, job))


def _page_facts(root: etree._Element, job: _Job) -> _PageFacts:
    ids = _ids(root)
    doc = _loaded.get(job.path)
    mentions = mention_anchors(doc) if doc is not None else {}
    main = _main(root) if job.search else None
    assert _site is not None
    return _PageFacts(
        {xpath: anchor for xpath, anchor in mentions.items() if anchor in ids},
        "tk-metadata-heading" in ids,
        _search_records(main, _site.entities) if main is not None else [],
    )


def _export_job(fmt: str) -> _JobResult:
    """One data export (worker side): its files, or why the edition cannot fill it.

    A format the edition cannot fill (CMIF needs the editor's e-mail address and
    its own URL) is a warning: the site is still worth having without it."""
    assert _site is not None and _site.export_options is not None
    edition = _site.edition
    name, label = next((name, label) for f, name, label, _ in EXPORTS if f == fmt)
    docs = [d.doc for d in edition.order]
    with tempfile.TemporaryDirectory(prefix="teikit-export-") as tmp:
        try:
            written = export(
                docs, Path(tmp) / name, fmt, index=edition.index, options=_site.export_options
            )
        except TeikitError as exc:
            message = f"no {label} export: {exc.message}"
            diag = _diag(_site.source, message, f"{fmt}-skipped", Severity.WARNING)
            return _JobResult(None, [diag])
        stored = [
            _site.outputs.store(
                "downloads/data/" + path.relative_to(tmp).as_posix(), path.read_bytes()
            )
            for path in sorted(written)
        ]
    return _JobResult(None, [], stored=stored)


def _edition_job(item: tuple[str, str]) -> _JobResult:
    """A data export (``("export", format)``) or a register section's page
    (``("section", page)``) of the edition's own outputs (worker side)."""
    kind, name = item
    return _export_job(name) if kind == "export" else _finish_section(name)


def _finish_section(page: str) -> _JobResult:
    """A register section's page: put into the site, with every occurrence of every
    entry under it."""
    assert _site is not None and _site.pages is not None
    found: list[Diagnostic] = []
    root = _parse_page(_site.pages.sections[page])
    _site.chrome.decorate(root, page, found)
    _add_occurrences(root, page, _site.edition, _site.entities, _site.pages.facts)
    return _JobResult(None, found, stored=[_site.outputs.store(page, _serialize(root))])


def _compile_job(index: int) -> _JobResult:
    """The PDF of the ``index``-th Typst source of the first round (worker side)."""
    job, first = _typst[index]
    try:
        pdf, warnings = render.compile_typst(first.typst or "", file=first.file)
    except TeikitError as exc:
        return _failed(job, exc, [])  # as render_pdf: without the stylesheet's messages
    except OSError as exc:
        return _JobResult(None, [_diag(job.path, f"cannot render: {exc}", "render-failed")])
    return _JobResult(pdf, first.diagnostics + warnings)


def _gave_up(file: str, what: str, failure: WorkerFailure) -> _JobResult:
    """An output a worker hung, crashed or failed on: a finding, and the build goes on."""
    if failure.kind == "timeout":
        message = (
            f"gave up on {what} after {failure.seconds:g} s: the worker did not finish (--timeout)"
        )
        return _JobResult(None, [_diag(file, message, "timeout")])
    message = f"cannot make {what}: " + failure.message("the worker")
    return _JobResult(None, [_diag(file, message, "worker-crashed")])


def _job_timed_out(job: _Job, failure: WorkerFailure) -> _JobResult:
    return _gave_up(job.path or FULL_PDF, f"the {job.kind} of {job.page or job.path}", failure)


def _failed(job: _Job, exc: TeikitError, found: list[Diagnostic]) -> _JobResult:
    failed = list(exc.diagnostics) or [_diag(job.path, exc.message, "render-failed")]
    if not any(d.severity >= Severity.ERROR for d in failed):
        failed.append(_diag(job.path, exc.message, "render-failed"))
    return _JobResult(None, found + failed)


# --------------------------------------------------------------------------- the edition


@dataclass
class _Doc:
    """One TEI file of the edition and where it goes."""

    file: str  # path relative to the edition folder, "/"-separated
    path: Path
    doc: Document
    data: bytes
    page: str  # e.g. letter-1954-06-22.html
    kind: str  # the edition model's: letter register introduction drama edition other
    title: str
    short_title: str
    date: str = ""  # letters: the sent date


# The merged register (when the edition keeps its registers in more than one file),
# as workers find it among the loaded documents.
MERGED_REGISTER = "<registers>"


class _Edition:
    """The loaded edition as the site uses it: the edition model's documents (kind,
    titles, reading order, registers), their pages, and the entity index."""

    def __init__(self, model: Edition, docs: list[_Doc]) -> None:
        self.model = model
        self.docs = docs
        self.by_file = {d.file: d for d in docs}
        by_doc = {id(d.doc): d for d in docs}
        self.index: EntityIndex = build_index(model)
        dates = {lt.file: lt.date for lt in self.index.letters}
        for d in docs:
            d.date = dates.get(d.file, "")
        self.order = [by_doc[id(doc)] for doc in model.order if id(doc) in by_doc]
        self.contents = by_doc.get(id(model.edition_file)) if model.edition_file else None
        intros = [d for d in self.order if d.kind == "introduction"]
        self.intro = intros[0] if intros else None
        # The editorial principles are those the contents file declares for the edition.
        self.principles = (
            self.contents
            if self.contents is not None
            and self.contents.doc.root.find(f"{T}teiHeader/{T}encodingDesc/{T}editorialDecl")
            is not None
            else None
        )
        # The register the stylesheets get: one of the files, or all of them merged.
        self.register_doc: Document | None = model.register_document
        reg = self.register_doc
        self.register = by_doc.get(id(reg)) if reg is not None else None
        self.register_path = (
            "" if reg is None else str(self.register.path) if self.register else MERGED_REGISTER
        )
        self.sections = self._sections()
        self.title = model.title or "Edition"

    def _sections(self) -> list[tuple[str, str, str, str, str]]:
        types = set(self.model.registers.types)
        return [s for s in SECTIONS if s[4] in types]

    def letters(self) -> list[tuple[Letter, _Doc]]:
        out = []
        for letter in self.index.letters:
            d = self.by_file.get(letter.file)
            if d is not None:
                out.append((letter, d))
        return out


def _assign_pages(docs: list[_Doc], diagnostics: list[Diagnostic]) -> None:
    """Unique, safe page names. The site's own pages keep their names: a document
    called index.xml becomes index-document.html (the register may be register.html)."""
    taken: set[str] = set()
    for d in sorted(docs, key=lambda d: (d.kind != "register", d.file)):
        natural = page_name(PurePosixPath(d.file).name)
        wanted = natural
        if d.kind == "register" and REGISTER_PAGE not in taken and natural in RESERVED:
            wanted = REGISTER_PAGE
        elif natural in RESERVED:
            wanted = natural[:-5] + "-document.html"
        name, n = wanted, 2
        while name in taken:
            name, n = f"{wanted[:-5]}-{n}.html", n + 1
        if name != natural:
            diagnostics.append(
                _diag(
                    str(d.path),
                    f"page name {natural} is taken by the site; the page is {name}",
                    "page-renamed",
                    Severity.WARNING,
                )
            )
        taken.add(name)
        d.page = name


# --------------------------------------------------------------------------- page chrome


class _Chrome:
    """What every page shares: head, site header with navigation, footer, policy."""

    def __init__(self, edition: _Edition) -> None:
        self.edition = edition
        nav = [(HOME, "Home")]
        if edition.intro is not None:
            nav.append((edition.intro.page, "Introduction"))
        if edition.principles is not None:
            nav.append((PRINCIPLES, "Editorial principles"))
        if edition.letters():
            nav.append((CHRONOLOGY, "Letters"))
        nav += [(page, heading) for _, _, page, heading, _ in edition.sections]
        nav += [(SEARCH, "Search"), (DOWNLOADS, "Downloads")]
        self.nav = nav
        # Links the stylesheets rewrite from x.xml to x.html, where the page is named otherwise.
        self.link_map: dict[str, str] = {}
        for d in edition.docs:
            name = PurePosixPath(d.file).name
            original = name[:-4] + ".html" if name.lower().endswith(".xml") else name
            # A reserved name ("persons.html") means the site's page, never a document.
            if original != d.page and original not in RESERVED:
                self.link_map[original] = d.page

    def head_items(self) -> list[etree._Element]:
        return [
            E("meta", http_equiv="Content-Security-Policy", content=CSP),
            E("meta", name="referrer", content="no-referrer"),
            E("link", rel="icon", href="assets/favicon.svg", type="image/svg+xml"),
        ]

    def header(self, current: str) -> etree._Element:
        items = []
        for page, label in self.nav:
            link = E("a", label, href=page)
            if page == current:
                link.set("aria-current", "page")
            items.append(E("li", link))
        parts: list[Any] = [
            E("p", E("a", self.edition.title, href=HOME), class_="tk-edition-title"),
            E("nav", E("ul", items), class_="tks-nav", aria_label="Site"),
        ]
        if current != SEARCH:  # the search page has its own, fuller form
            parts.append(
                E(
                    "form",
                    E(
                        "label",
                        "Search the edition",
                        for_="tks-quick-q",
                        class_="tk-visually-hidden",
                    ),
                    E("input", type="search", name="q", id="tks-quick-q", placeholder="Search"),
                    E("button", "Search", type="submit"),
                    class_="tks-quicksearch",
                    role="search",
                    action=SEARCH,
                    method="get",
                )
            )
        return E("header", parts, class_="tk-site-header")

    def page(
        self, title: str, current: str, *, scripts: Sequence[str] = ()
    ) -> tuple[etree._Element, etree._Element]:
        """A new page of the site's own (home, registers, search …): (root, main)."""
        head = E(
            "head",
            E("meta", charset="utf-8"),
            *self.head_items(),
            E("meta", name="viewport", content="width=device-width, initial-scale=1"),
            E("title", f"{title} · {self.edition.title}" if title else self.edition.title),
            E("meta", name="generator", content="teikit"),
            E("link", rel="stylesheet", href="assets/teikit.css"),
            E("link", rel="stylesheet", href="assets/site.css"),
            E("script", src="assets/teikit.js", defer="defer"),
            [E("script", src=src, defer="defer") for src in scripts],
        )
        main = E("main", id="tk-main", class_="tk-main tks-main")
        body = E(
            "body",
            E("a", "Skip to the text", class_="tk-skip-link", href="#tk-main"),
            self.header(current),
            main,
            E(
                "footer",
                E("p", "Generated from TEI with teikit.", class_="tk-generator"),
                class_="tk-site-footer",
            ),
            class_=f"tk-page tks-page tks-{current[:-5] if current.endswith('.html') else current}",
        )
        return E("html", head, body, lang="en"), main

    def decorate(self, root: etree._Element, current: str, found: list[Diagnostic]) -> None:
        """Put a rendered page into the site: policy, site header, link names, ids."""
        head = root.find("head")
        body = root.find("body")
        if head is None or body is None:
            return
        charset = head.find("meta[@charset]")
        at = head.index(charset) + 1 if charset is not None else 0
        for offset, item in enumerate(self.head_items()):
            head.insert(at + offset, item)
        css = head.find("link[@rel='stylesheet']")
        site_css = E("link", rel="stylesheet", href="assets/site.css")
        if css is not None:
            css.addnext(site_css)
        else:
            head.append(site_css)
        old = body.find("header[@class='tk-site-header']")
        new = self.header(current)
        if old is not None:
            new.tail = old.tail
            old.getparent().replace(old, new)
        else:
            body.insert(0, new)
        self.rewrite_links(root)
        _dedupe_ids(root)
        enforce_policy(root, current, found)

    def rewrite_links(self, root: etree._Element) -> None:
        if not self.link_map:
            return
        for el in root.iter("a"):
            href = el.get("href") or ""
            parts = urlsplit(href)
            if parts.scheme or parts.netloc:
                continue
            target = self.link_map.get(unquote(parts.path))
            if target is not None:
                el.set("href", target + (f"#{parts.fragment}" if parts.fragment else ""))


def _dedupe_ids(root: etree._Element) -> None:
    """A name rendered twice (in the text and again in the metadata panel) has its id
    twice: the text keeps it, so that links land in the text."""
    seen: dict[str, list[etree._Element]] = {}
    for el in root.iter(etree.Element):
        ident = el.get("id")
        if ident:
            seen.setdefault(ident, []).append(el)
    for elements in seen.values():
        if len(elements) < 2:
            continue
        keep = next(
            (e for e in elements if not any(a.tag == "aside" for a in e.iterancestors())),
            elements[0],
        )
        for el in elements:
            if el is not keep:
                del el.attrib["id"]


def _is_local(url: str) -> bool:
    """A relative URL: a file of the site, never a request elsewhere."""
    compact = re.sub(r"[\x00-\x20\x7f]", "", url)
    return not _SCHEME_RE.match(compact) and not re.match(r"^[/\\]{2}", compact)


def _leaves_site(page: str, url: str) -> bool:
    """Whether a relative URL on ``page`` names a file outside the site (``..``
    past its root, or an absolute path, which under file:// is the disk's root)."""
    path = unquote(urlsplit(re.sub(r"[\x00-\x20\x7f]", "", url)).path).replace("\\", "/")
    if path.startswith("/"):
        return True
    depth = len(PurePosixPath(page).parts) - 1
    for part in path.split("/"):
        if part == "..":
            depth -= 1
            if depth < 0:
                return True
        elif part not in ("", "."):
            depth += 1
    return False


def enforce_policy(root: etree._Element, page: str, found: list[Diagnostic]) -> None:
    """The last line of defence, whatever a stylesheet wrote: no event handlers, no
    style attributes (the CSP would refuse them), no inline or foreign scripts, no
    frames or plugins; links only to http, https, mailto and relative URLs, and
    resources (images, scripts, styles) only from the site itself: an image on
    another host becomes a link to it, so that opening a page requests nothing."""

    def note(message: str, code: str) -> None:
        found.append(_diag(page, message, code, Severity.WARNING))

    for el in list(root.iter(etree.Element)):
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if tag in DROP_ELEMENTS or (
            tag == "script" and (not _is_local(el.get("src") or "//") or (el.text or "").strip())
        ):
            note(f"removed <{tag}> element", "unsafe-markup")
            _remove(el)
            continue
        if tag == "meta" and (el.get("http-equiv") or "").lower() == "refresh":
            _remove(el)
            continue
        for name in list(el.attrib):
            lower = name.lower()
            value = el.get(name) or ""
            if lower.startswith("on") or lower in ("style", "srcdoc", "srcset"):
                del el.attrib[name]
            elif (lower in URL_ATTRIBUTES or lower.endswith(":href")) and not safe_url(value):
                note(f"removed unsafe URL in @{name}", "unsafe-url")
                del el.attrib[name]
            elif lower in RESOURCE_ATTRIBUTES and _is_local(value) and _leaves_site(page, value):
                note(f"removed @{name} that leads outside the site: {value}", "resource-outside")
                del el.attrib[name]
            elif lower in RESOURCE_ATTRIBUTES and not _is_local(value):
                if tag == "img" and lower == "src":
                    link = E("a", el.get("alt") or "image", href=value, class_="tks-external-image")
                    link.tail = el.tail
                    el.getparent().replace(el, link)
                    note(f"image on another site made a link: {value}", "external-resource")
                    break
                note(f"removed request to another site in @{name}: {value}", "external-resource")
                del el.attrib[name]
        if tag == "link" and not _is_local(el.get("href") or ""):
            note("removed <link> to another site", "external-resource")
            _remove(el)


def _remove(el: etree._Element) -> None:
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        previous = el.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


# --------------------------------------------------------------------------- search records


def _main(root: etree._Element) -> etree._Element | None:
    found = root.xpath("//main[@id='tk-main']")
    return found[0] if found else None


def text_blocks(main: etree._Element) -> list[etree._Element]:
    """The innermost text blocks of a page's main part, outside asides, navigation
    and forms: what search results link to."""
    blocks = []
    for el in main.iter(*BLOCK_TAGS):
        if any(a.tag in SKIP_CONTAINERS for a in el.iterancestors()):
            continue
        if next(el.iterdescendants(*BLOCK_TAGS), None) is not None:
            continue
        blocks.append(el)
    return blocks


def _assign_block_ids(root: etree._Element) -> None:
    main = _main(root)
    if main is None:
        return
    for n, el in enumerate(text_blocks(main), 1):
        if not el.get("id"):
            el.set("id", f"tks-b{n}")


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
# re's \s is str.isspace(): both are Py_UNICODE_ISSPACE.
_SPACES = re.compile(r"\s+")


def _collapse(text: str) -> str:
    """Whitespace runs as one space, leading whitespace dropped (a trailing space kept)."""
    return _SPACES.sub(" ", text).lstrip(" ")


def _collapsed_offset(text: str) -> Callable[[int], int]:
    """Offset in ``text`` -> offset in ``_collapse(text)``: ``len(_collapse(text[:i]))``,
    from the whitespace runs found once."""
    starts: list[int] = []
    ends: list[int] = []
    removed = [0]  # characters dropped before each run
    for m in _SPACES.finditer(text):
        starts.append(m.start())
        ends.append(m.end())
        removed.append(removed[-1] + m.end() - m.start() - (1 if m.start() else 0))

    def offset(i: int) -> int:
        run = bisect.bisect_left(starts, i) - 1  # the last run that starts before i
        if run < 0:
            return i
        start = starts[run]
        inside = min(i, ends[run]) - start - (1 if start else 0)
        return i - removed[run] - inside

    return offset


def _utf16(text: str) -> Callable[[int], int]:
    """Code point offset -> UTF-16 offset (what JavaScript strings count)."""
    if _ASTRAL.search(text) is None:
        return lambda i: i
    prefix = [0]
    for c in text:
        prefix.append(prefix[-1] + (2 if ord(c) >= 0x10000 else 1))
    return lambda i: prefix[i]


def block_text(
    block: etree._Element, entity_of: Callable[[str], int | None]
) -> tuple[str, list[list[int]]]:
    """The reading text of an HTML block (no as-printed variants, no note markers),
    whitespace-normalised, and the entity mentions in it as [entity, start, end]
    (UTF-16 offsets, as JavaScript counts)."""
    raw: list[str] = []
    length = 0
    spans: list[tuple[int, int, int]] = []

    def emit(text: str | None) -> None:
        nonlocal length
        if text:
            raw.append(text)
            length += len(text)

    def walk(el: etree._Element) -> None:
        emit(el.text)
        for child in el:
            if isinstance(child.tag, str) and not (_classes(child) & SKIP_CLASSES):
                if child.tag == "br":
                    emit(" ")
                start = length
                walk(child)
                if child.tag == "a" and "tk-entity" in _classes(child):
                    entity = entity_of(child.get("href") or "")
                    if entity is not None:
                        spans.append((entity, start, length))
            emit(child.tail)

    walk(block)
    joined = "".join(raw)
    text = _collapse(joined).rstrip(" ")
    to16 = _utf16(text)
    mentions = []
    where = _collapsed_offset(joined)
    for entity, start, end in spans:
        s, e = min(where(start), len(text)), min(where(end), len(text))
        while s < e and text[s] == " ":
            s += 1
        while e > s and text[e - 1] == " ":
            e -= 1
        if e > s:
            mentions.append([entity, to16(s), to16(e)])
    return text, mentions


# --------------------------------------------------------------------------- manifest


@dataclass
class _Stored:
    """An output as :meth:`_Outputs.store` left it."""

    rel: str
    sha256: str
    wrote: bool  # False: it was there already, as made now
    failed: list[Diagnostic] = field(default_factory=list)  # why it could not be written
    unsafe: bool = False  # failed: the path leads outside the site
    fatal: bool = False  # failed: nothing can be written (full disk, read-only folder)


class _Outputs:
    """Writes outputs (atomically, only inside out_dir, only when changed) and
    remembers, per output, the key of its inputs for the next build."""

    def __init__(self, out_dir: Path, old: dict[str, Any], force: bool, report: BuildReport):
        self.out_dir = out_dir
        self.old: dict[str, dict[str, str]] = old.get("outputs", {}) if not force else {}
        self.force = force
        self.report = report
        self.new: dict[str, dict[str, str]] = {}

    def path(self, rel: str) -> Path:
        return safe_output_path(self.out_dir, rel)

    def fresh(self, rel: str, key: str) -> bool:
        """Made from the same inputs last time, and still there as written."""
        old = self.old.get(rel)
        if self.force or old is None or old.get("key") != key:
            return False
        path = self.path(rel)
        try:
            return path.is_file() and _sha(path.read_bytes()) == old.get("sha256")
        except OSError:
            return False

    def keep(self, rel: str) -> None:
        self.new[rel] = self.old[rel]
        self.report.skipped.append(self.path(rel))

    def read(self, rel: str) -> bytes:
        return self.path(rel).read_bytes()

    def put(self, rel: str, key: str, data: bytes, *, group: str = "") -> None:
        self.record(self.store(rel, data), key, group=group)

    def store(self, rel: str, data: bytes) -> _Stored:
        """Write one output when it changed; touches nothing but the file, so that
        workers can write what they make (then the parent records it)."""
        try:
            path = self.path(rel)
        except BuildError as exc:
            return _Stored(rel, "", False, exc.diagnostics, unsafe=True)
        unchanged = False
        if not self.force:
            with contextlib.suppress(OSError):
                unchanged = path.is_file() and path.read_bytes() == data
        if not unchanged:
            try:
                render.write_atomic(path, data)  # sets the mode a web server can read
            except OSError as exc:
                diag = _diag(str(path), f"cannot write: {exc.strerror or exc}", "write-failed")
                return _Stored(rel, "", False, [diag], fatal=write_failure(exc))
        return _Stored(rel, _sha(data), not unchanged)

    def record(self, stored: _Stored, key: str, *, group: str = "") -> None:
        """Account for an output :meth:`store` wrote (or found unchanged), in the
        report and the manifest; raises :class:`BuildError` for one it could not."""
        if stored.failed:
            diag = stored.failed[0]
            if stored.fatal:
                raise OutputError(f"cannot write {diag.file}: {diag.message.split(': ', 1)[-1]}")
            raise BuildError(diag.format(), stored.failed, None if stored.unsafe else self.report)
        path = self.path(stored.rel)
        (self.report.written if stored.wrote else self.report.skipped).append(path)
        self.new[stored.rel] = {"key": key, "sha256": stored.sha256}
        if group:
            self.new[stored.rel]["group"] = group

    def remove_stale(self) -> None:
        """Delete what an earlier build wrote and this one no longer makes."""
        for rel in sorted(set(self.old) - set(self.new)):
            try:
                path = self.path(rel)
            except BuildError:
                continue
            if path.is_file() and not path.is_symlink():
                with contextlib.suppress(OSError):
                    path.unlink()
                    self.report.removed.append(path)


def _stored(diagnostics: Sequence[Diagnostic]) -> list[list[Any]]:
    """Diagnostics as JSON rows for the manifest (see :func:`_restored`)."""
    return [
        [d.file, d.line, d.column, int(d.severity), d.message, d.code, d.source, d.xpath, d.schema]
        for d in diagnostics
    ]


def _restored(rows: Any) -> list[Diagnostic]:
    """The diagnostics :func:`_stored` wrote; rows that do not fit are skipped."""
    found = []
    for row in rows if isinstance(rows, list) else []:
        with contextlib.suppress(TypeError, ValueError):
            file, line, column, severity, message, code, source, xpath, schema = row
            found.append(
                Diagnostic(
                    str(file), int(line), int(column), Severity(int(severity)), str(message),
                    str(code), str(source), str(xpath), str(schema),
                )
            )  # fmt: skip
    return found


def _read_manifest(out_dir: Path) -> dict[str, Any]:
    try:
        data = json.loads((out_dir / MANIFEST_NAME).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT:
        return {}
    if not isinstance(data.get("outputs"), dict):
        data["outputs"] = {}
    return data


def _fingerprint(options: dict[str, Any]) -> str:
    """teikit's version, every file that shapes the output, and the build options."""
    digest = hashlib.sha256(teikit.__version__.encode())
    files: list[Path] = [Path(__file__), Path(render.__file__)]
    for folder in (render.XSLT_DIR, SITE_DATA):
        files += sorted(p for p in folder.rglob("*") if p.is_file())
    for path in files:
        digest.update(path.name.encode())
        with contextlib.suppress(OSError):
            digest.update(path.read_bytes())
    digest.update(json.dumps(options, sort_keys=True, default=str).encode())
    return digest.hexdigest()


# --------------------------------------------------------------------------- build


def _profile_hash(config: Config) -> str:
    """The edition's site profile, as the pages depend on it ("" without one)."""
    if not config.site_profile:
        return ""
    try:
        return _sha(config.resolve(config.site_profile).read_bytes())
    except OSError:
        return "missing"


def _site_config(folder: Path) -> Config:
    found = find_config(folder)
    return load_config(found) if found is not None else Config()


def build_site(
    tei_dir: str | os.PathLike[str] | Edition | Document | bytes,
    out_dir: str | os.PathLike[str],
    *,
    keep_going: bool = False,
    force: bool = False,
    jobs: int | None = None,
    pdf: bool | None = None,
    base_url: str | None = None,
    validate: bool = True,
    cmif: CmifOptions | None = None,
    timeout: float | None = None,
    config: Config | None = None,
    on_step: OnStep | None = None,
) -> BuildReport:
    """Build the website of the edition in ``tei_dir`` (its ``*.xml`` files, searched
    recursively; or an :class:`~teikit.edition.Edition`) into ``out_dir``.

    The edition's configuration (``config``, else its ``teikit.toml``) gives the
    title, the base URL, the CMIF metadata, the rule policy and whether PDFs are
    made; the arguments given here win over it.

    The documents are validated first against the schemas their ``<?xml-model?>``
    declare; findings stop the build with :class:`BuildError` (carrying them)
    unless ``keep_going``, which also carries on past documents that cannot be
    loaded or rendered. Only outputs whose inputs changed since the last build are
    made again (``force`` remakes all); nothing is validated when no input changed.
    ``jobs`` processes render pages and PDFs (default: one per CPU);
    ``pdf=False`` leaves out the PDFs; ``base_url`` (http or https) is where the
    site will be published, used in the citation and the data exports; ``cmif``
    gives what CMIF needs and the edition does not hold (the editor's e-mail).
    A page or PDF a worker spends more than ``timeout`` seconds on (default:
    batch.DEFAULT_TIMEOUT) is given up and reported. ``on_step`` hears of each file
    validated and each output made (:class:`~teikit.batch.Step`, with its findings),
    in order, as they finish; the report still holds every finding.
    """
    started = time.perf_counter()
    if (
        isinstance(tei_dir, Document | bytes | list | tuple)
        or Path(os.fspath(tei_dir) if isinstance(tei_dir, str | os.PathLike) else ".").is_file()
    ):
        tei_dir = Edition.open(tei_dir)  # a document, its bytes, or several: one edition
    edition = tei_dir if isinstance(tei_dir, Edition) else None
    source = edition.root if edition is not None else Path(tei_dir)
    target = Path(out_dir)
    if not source.is_dir():
        raise UsageError(f"{source}: not a folder of TEI files")
    if target.resolve() == source.resolve():
        raise UsageError(f"{target}: the site cannot be written into the TEI folder itself")
    if config is None:
        config = edition.config if edition is not None else _site_config(source)
    if base_url is None:
        base_url = config.base_url
    if pdf is None:
        pdf = config.pdf is not False
    if cmif is None and any(dataclasses.astuple(config.cmif)):
        cmif = cmif_options(config)
    if base_url is not None:
        base_url = base_url.strip()
        if (
            urlsplit(base_url).scheme.lower() not in ("http", "https")
            or not urlsplit(base_url).netloc
        ):
            raise UsageError(f"base URL must be an http or https URL, not {base_url!r}")
        base_url = base_url if base_url.endswith("/") else base_url + "/"
    if target.exists() and not target.is_dir():
        raise UsageError(f"{target}: exists and is not a folder")
    # The folder is this build's alone (a second build into it is refused), cleaned
    # of what a killed build left in it.
    with output_folder(target) as out:
        report = BuildReport(out_dir=out)
        builder = _Builder(
            source, report, keep_going, force, jobs, pdf, base_url, validate, cmif, timeout,
            config, edition, on_step,
        )  # fmt: skip
        try:
            builder.build()
        finally:
            report.seconds = time.perf_counter() - started
    return report


class _Builder:
    def __init__(
        self,
        source: Path,
        report: BuildReport,
        keep_going: bool,
        force: bool,
        jobs: int | None,
        pdf: bool,
        base_url: str | None,
        validate: bool,
        cmif: CmifOptions | None,
        timeout: float | None = None,
        config: Config | None = None,
        edition: Edition | None = None,
        on_step: OnStep | None = None,
    ) -> None:
        self.source = source
        self.on_step = on_step
        self.config = config or Config()
        self.given = edition
        self.timeout = timeout  # seconds a worker may spend on one job
        self.out = report.out_dir
        self.report = report
        self.keep_going = keep_going
        self.force = force
        self.jobs = jobs
        self.pdf = pdf
        self.base_url = base_url
        self.validate = validate
        self.cmif = cmif
        self.manifest = _read_manifest(self.out)
        self.fingerprint = _fingerprint(
            {
                "pdf": pdf,
                "base_url": base_url,
                "cmif": repr(cmif),
                "format": MANIFEST_FORMAT,
                "config": repr(self.config),
                "profile": _profile_hash(self.config),
            }
        )
        self.outputs = _Outputs(self.out, self.manifest, force, report)
        self.findings: dict[str, Any] | None = None  # validation findings, for the manifest

    # -- steps

    def build(self) -> None:
        global _edition_profile
        profile = self.config.site_profile
        _edition_profile = self.config.resolve(profile) if profile else None
        if _edition_profile is not None and not _edition_profile.is_file():
            raise UsageError(f"{_edition_profile}: the site profile teikit.toml names is missing")
        if self.given is not None:
            files = [Path(d.path) for d in self.given.documents]
            files += [Path(d.file) for exc in self.given.failed for d in exc.diagnostics[:1]]
        else:
            left_out: list[tuple[str, str]] = []
            found = discover([str(self.source)], root=self.config.root,
                             exclude=self.config.exclude, skipped=left_out)  # fmt: skip
            files = [Path(p) for p in found]
            self.report.diagnostics += [
                _diag(path, f"skipped: {why}", "skipped", Severity.WARNING)
                for path, why in left_out
            ]
        if not files:
            raise UsageError(f"{self.source}: no *.xml files to build a site from")
        rel = {path: self._rel(path) for path in files}
        # Read with the loader's checks (a regular file, its size before reading):
        # an unreadable or oversized file is a finding for that file, not the build's end.
        data: dict[str, bytes] = {}
        unreadable: dict[str, LoadError] = {}
        given = {d.path: d for d in self.given.documents} if self.given else {}
        for path in files:
            doc = given.get(str(path))
            if doc is not None and not path.is_file():  # given as bytes: its own text
                data[rel[path]] = etree.tostring(doc.tree, encoding="UTF-8", xml_declaration=True)
                continue
            try:
                data[rel[path]] = read_regular(path)
            except LoadError as exc:
                unreadable[rel[path]] = exc
        hashes = {name: _sha(blob) for name, blob in data.items()}
        hashes.update({name: _sha(exc.message.encode()) for name, exc in unreadable.items()})
        loaded, load_errors = self._load([p for p in files if rel[p] in data], rel, data)
        load_errors.update(unreadable)
        # XML that is not TEI (a project's own lists) is not part of the edition.
        for name, exc in list(load_errors.items()):
            first = exc.diagnostics[0] if exc.diagnostics else None
            if first is not None and first.code == "not-tei":
                del load_errors[name]
                files = [p for p in files if rel[p] != name]
                hashes.pop(name, None)
                self.report.diagnostics.append(
                    dataclasses.replace(
                        first,
                        severity=Severity.INFO,
                        message=f"not a TEI document, left out of the site ({first.message})",
                    )
                )
        validated = self._validate(files, hashes, loaded, load_errors, rel)
        if not loaded:
            raise BuildError("no document could be loaded", self.report.diagnostics, self.report)
        model = self.given or Edition(
            [loaded[rel[p]] for p in files if rel[p] in loaded],
            config=self.config,
            root=self.config.root or self.source,
        )
        docs = []
        for path in files:
            doc = loaded.get(rel[path])
            if doc is not None:
                docs.append(
                    _Doc(
                        rel[path],
                        path,
                        doc,
                        data[rel[path]],
                        "",
                        model.kind(doc),
                        model.title_of(doc),
                        model.short_title_of(doc),
                    )
                )
        _assign_pages(docs, self.report.diagnostics)
        edition = _Edition(model, docs)
        chrome = _Chrome(edition)
        # What every page's links depend on: which files there are, and their pages.
        layout = _key(
            sorted((d.file, d.page, d.kind) for d in docs),
            edition.intro.file if edition.intro else "",
            [s[0] for s in edition.sections],
        )
        everything = _key(self.fingerprint, layout, sorted(hashes.items()))
        whole = self._edition_fresh(everything)
        entities = _Entities(edition)
        pages = self._documents(edition, chrome, entities, hashes, layout, not whole)
        self._copies(edition, hashes)
        self._assets()
        if whole:
            for rel, entry in self.outputs.old.items():
                if entry.get("group") == "edition":
                    self.outputs.keep(rel)
        else:
            self._edition_outputs(edition, chrome, entities, pages, everything)
        self.outputs.remove_stale()
        self._write_manifest(validated)

    def _edition_fresh(self, key: str) -> bool:
        """The pages made from the whole edition (home, registers, search, data) are
        remade when any input changed: all or none, since each depends on all."""
        group = [rel for rel, e in self.outputs.old.items() if e.get("group") == "edition"]
        return HOME in group and all(self.outputs.fresh(rel, key) for rel in group)

    def _rel(self, path: Path) -> str:
        """A file's name in the site's records: relative to the edition folder."""
        try:
            return path.resolve().relative_to(self.source.resolve()).as_posix()
        except ValueError:
            return path.name

    def _load(
        self, files: list[Path], rel: dict[Path, str], data: dict[str, bytes]
    ) -> tuple[dict[str, Document], dict[str, LoadError]]:
        loaded: dict[str, Document] = {}
        errors: dict[str, LoadError] = {}
        given = {d.path: d for d in self.given.documents} if self.given else {}
        for number, path in enumerate(files, 1):
            name = rel[path]
            try:
                doc = given.get(str(path))
                loaded[name] = (
                    doc
                    if doc is not None
                    else load(data[name] if name in data else str(path), path=str(path))
                )
            except LoadError as exc:
                errors[name] = exc  # reported with the validation's findings
            if self.on_step is not None:
                self.on_step(Step("reading", number, len(files)))
        return loaded, errors

    def _validate(
        self,
        files: list[Path],
        hashes: dict[str, str],
        loaded: dict[str, Document],
        load_errors: dict[str, LoadError],
        rel: dict[Path, str],
    ) -> str | None:
        """Validate unless no input (nor a schema they declare) changed since the last
        valid build; returns the key to record as validated, None when not valid.

        Validation reports unloadable files itself; without it they are reported here.
        """
        if not self.validate:
            for exc in load_errors.values():
                self._fail_or_note(exc.diagnostics, "cannot load")
            return None
        schemas: dict[str, str] = {}
        for doc in loaded.values():
            with contextlib.suppress(SchemaError, LoadError):
                for found in schema_lookup.schemas_for(doc):
                    if str(found.path) not in schemas:  # a corpus shares its schemas
                        schemas[str(found.path)] = _sha(read_regular(found.path))
        key = _key(teikit.__version__, sorted(hashes.items()), sorted(schemas.items()))
        if not self.force and not load_errors and self.manifest.get("validated") == key:
            return key
        findings = self.manifest.get("findings")
        if (
            not self.force
            and not load_errors
            and isinstance(findings, dict)
            and findings.get("key") == key
        ):
            # Nothing changed since a build with findings: report them again, as
            # they were, instead of validating the whole edition again.
            diagnostics = _restored(findings.get("diagnostics", []))
            invalid = len({d.file for d in diagnostics if d.severity >= Severity.ERROR})
        else:
            # The schemas in workers; the corpus rules here, on the documents loaded
            # already (not loaded again).
            result = validate_files(
                [str(p) for p in files],
                options=ValidateOptions(config=self.config),
                jobs=self._jobs(len(files), PARALLEL_VALIDATION),
                documents={str(p): loaded[rel[p]] for p in files if rel[p] in loaded},
                **self._steps("validating", len(files), lambda r: r.diagnostics),
            )
            diagnostics = list(result.diagnostics)
            invalid = sum(1 for f in result.files if not f.valid)
            if not result.valid and not result.interrupted:
                self.findings = {"key": key, "diagnostics": _stored(diagnostics)}
        self.report.validated = True
        self.report.diagnostics.extend(diagnostics)
        if not any(d.severity >= Severity.ERROR for d in diagnostics):
            return key
        if not self.keep_going:
            errors = sum(1 for d in diagnostics if d.severity >= Severity.ERROR)
            raise BuildError(
                f"validation failed: {errors} errors in {invalid} of {len(files)} files; "
                "nothing was built (fix them, or build with --keep-going)",
                diagnostics,
                self.report,
            )
        if self.findings is None and isinstance(findings, dict):
            self.findings = findings  # still true: kept for the next build
        return None

    def _steps(
        self,
        phase: str,
        total: int,
        found: Callable[[Any], Sequence[Diagnostic]],
        unit: str = "files",
        name: Callable[[Any], str] = str,
    ) -> dict[str, Any]:
        """``on_result`` and ``on_progress`` for a batch, telling ``on_step`` of each
        item's findings (in input order) and of how many are done (in any order)."""
        if self.on_step is None:
            return {}
        tell, done = self.on_step, 0

        def progress(count: int) -> None:
            nonlocal done
            done = max(done, count)
            tell(Step(phase, done, total, unit=unit))

        def step(item: Any, result: Any) -> None:
            tell(Step(phase, done, total, name(item), tuple(found(result)), unit))

        return {"on_result": step, "on_progress": progress}

    def _fail_or_note(self, diagnostics: Sequence[Diagnostic], what: str) -> None:
        """Record a failure; without keep_going it stops the build."""
        self.report.diagnostics.extend(d for d in diagnostics if d not in self.report.diagnostics)
        if not self.keep_going:
            first = diagnostics[0].format() if diagnostics else ""
            raise BuildError(f"{what}: {first}", diagnostics, self.report)

    def _jobs(self, count: int, parallel_from: int) -> int:
        """Processes for ``count`` tasks. By default one per CPU, but only from
        ``parallel_from`` tasks on: forking a process that holds compiled schemas
        and stylesheets costs more than a small edition takes to render."""
        if self.jobs is None:
            wanted = default_jobs() if count >= parallel_from else 1
        else:
            wanted = max(1, self.jobs)
        return max(1, min(wanted, count))

    def _render_params(self, edition: _Edition, section: str | None = None) -> dict[str, str]:
        params = {
            "site-root": "",
            "home-page": HOME,
            "register-page": edition.register.page if edition.register else REGISTER_PAGE,
            "edition-title": edition.title,
        }
        for name, _, page, _, _ in SECTIONS:
            params[f"{name}-page"] = page
        if section is not None:
            params["register-section"] = section
        return params

    # -- document pages and PDFs

    def _documents(
        self,
        edition: _Edition,
        chrome: _Chrome,
        entities: _Entities,
        hashes: dict[str, str],
        layout: str,
        sections: bool,
    ) -> _Pages:
        """Render what changed: pages and PDFs, in parallel (and, when the edition's
        own pages are to be remade, the register sections and the facts of the
        pages kept from the last build). Workers finish each page (chrome, policy,
        serialisation) and take its facts, so no page tree comes back here."""
        register = edition.register_path
        # Pages depend on the registers: every file that holds register entries.
        reg_hash = _key(
            sorted(
                hashes.get(edition.model.relpath(doc), "")
                for doc in edition.model.registers.documents
            )
        )
        todo: list[tuple[str, str, _Job, _Doc | None]] = []  # (output, key, job, page of)
        html_params = tuple(self._render_params(edition).items())
        for d in edition.order:
            key = _key(self.fingerprint, layout, hashes[d.file], reg_hash, "page")
            search = d.kind != "register"
            if self.outputs.fresh(d.page, key):
                self.outputs.keep(d.page)
                if sections:  # the edition's pages are remade: they need its facts
                    written = str(self.outputs.path(d.page))
                    job = _Job("kept", str(d.path), "", page=d.page, written=written, search=search)
                    todo.append((d.page, "", job, d))
            else:
                job = _Job("page", str(d.path), register, html_params, page=d.page, search=search)
                todo.append((d.page, key, job, d))
            if self.pdf:
                rel = f"downloads/pdf/{d.page[:-5]}.pdf"
                key = _key(self.fingerprint, hashes[d.file], reg_hash, "pdf")
                if self.outputs.fresh(rel, key):
                    self.outputs.keep(rel)
                else:
                    todo.append((rel, key, _Job("pdf", str(d.path), register), None))
        size = sum(len(d.data) for d in edition.order)
        if self.pdf and (
            len(edition.order) > FULL_PDF_MAX_DOCUMENTS or size > render.EDITION_PDF_MAX_BYTES
        ):
            # Typst lays out one document in memory (render.EDITION_PDF_MAX_BYTES), so a
            # whole-edition PDF of a large edition would exhaust the machine.
            limit = render.EDITION_PDF_MAX_BYTES / 2**20
            self.report.diagnostics.append(
                _diag(
                    str(self.source),
                    f"no full-edition PDF: {len(edition.order)} documents, {size / 2**20:.1f} MB "
                    f"of TEI, is more than Typst can lay out in memory ({FULL_PDF_MAX_DOCUMENTS} "
                    f"documents, {limit:.1f} MB); each document still gets its own PDF",
                    "full-pdf-skipped",
                    Severity.WARNING,
                )
            )
        elif self.pdf:
            key = _key(self.fingerprint, sorted(hashes.items()), "full-pdf")
            if self.outputs.fresh(FULL_PDF, key):
                self.outputs.keep(FULL_PDF)
            else:
                paths = tuple(str(d.path) for d in edition.order)
                todo.append((FULL_PDF, key, _Job("edition-pdf", "", register, paths=paths), None))
        if sections and edition.principles is not None:
            params = (*html_params, ("principles", "true"))
            todo.append(
                (PRINCIPLES, "", _Job("html", str(edition.principles.path), register, params), None)
            )
        if sections and edition.register_doc is not None:
            for section, _, page, _, _ in edition.sections:
                params = tuple(self._render_params(edition, section).items())
                todo.append((page, "", _Job("html", register, register, params), None))
            if edition.register is None:  # merged: its own index page, as a file's would be
                params = tuple({**self._render_params(edition, ""), "kind": "register"}.items())
                job = _Job("html", register, register, params)
                todo.append((REGISTER_PAGE, "", job, None))
        jobs = self._jobs(len(todo), PARALLEL_RENDERING)
        # Typst already ran in this process: forked workers could not run it (teikit.render)
        typst_jobs = jobs if render.typst_forkable() else 1
        if any(job.kind != "kept" for _, _, job, _ in todo):
            # Compiled and parsed here, before workers fork, so that they all share it.
            render.load_stylesheet(_profile_path())
            if self.pdf:
                render.load_stylesheet(render.STYLESHEETS["typst"])
            if edition.register_doc is not None:
                render.xdm_node(edition.register_doc)
            if self.pdf and typst_jobs > 1:
                render.warm_typst()
        global _loaded, _typst, _site
        _loaded = {str(d.path): d.doc for d in edition.docs}
        if edition.register_doc is not None and edition.register is None:
            _loaded[MERGED_REGISTER] = edition.register_doc
        _site = _Site(edition, chrome, entities, str(self.source), self.outputs)
        try:
            jobs_todo = [job for _, _, job, _ in todo]
            results = run_jobs(
                _run_job,
                jobs_todo,
                jobs=jobs,
                timeout=self.timeout,
                on_failure=_job_timed_out,
                # A PDF's findings are told when it is typeset, in the second round.
                **self._steps(
                    "rendering", len(todo), lambda r: () if r.typst else r.diagnostics,
                    "outputs", lambda job: job.page or job.path or FULL_PDF,
                ),
            )  # fmt: skip
            pdfs = [i for i, result in enumerate(results) if result.typst is not None]
            _typst = [(jobs_todo[i], results[i]) for i in pdfs]
            made = run_jobs(
                _compile_job,
                list(range(len(pdfs))),
                jobs=typst_jobs,
                timeout=self.timeout,
                on_failure=lambda index, failure: _job_timed_out(_typst[index][0], failure),
                # Typst already ran here: a forked worker would hang in it (see render)
                isolate=render.typst_forkable(),
                **self._steps(
                    "typesetting", len(pdfs), lambda r: r.diagnostics, "PDFs",
                    lambda index: _typst[index][0].path or FULL_PDF,
                ),
            )  # fmt: skip
            for i, result in zip(pdfs, made, strict=True):
                results[i] = result
        finally:
            _loaded, _typst, _site = {}, [], None

        pages = _Pages()
        for (rel, key, job, d), result in zip(todo, results, strict=True):
            if result.facts is not None:
                pages.facts[rel] = result.facts
            if job.kind == "kept":
                if d is edition.intro and result.facts is not None:
                    with contextlib.suppress(OSError):
                        pages.intro = self.outputs.read(rel)
                continue
            self.report.diagnostics.extend(result.diagnostics)
            if result.stored is not None:  # a document's page, finished by the worker
                for stored in result.stored:
                    self.outputs.record(stored, key)
                if d is edition.intro:
                    with contextlib.suppress(OSError):
                        pages.intro = self.outputs.read(rel)
            elif result.data is None:
                self._fail_or_note(
                    [x for x in result.diagnostics if x.severity >= Severity.ERROR],
                    f"cannot make {rel}",
                )
            elif not key:  # a register section: finished with the edition's pages
                pages.sections[rel] = result.data
            else:  # a PDF
                self.outputs.put(rel, key, result.data)
        return pages

    def _copies(self, edition: _Edition, hashes: dict[str, str]) -> None:
        """The TEI sources, byte for byte, for the downloads page."""
        for d in edition.order:
            rel = f"downloads/tei/{d.page[:-5]}.xml"
            key = _key(hashes[d.file], "copy")
            if self.outputs.fresh(rel, key):
                self.outputs.keep(rel)
            else:
                self.outputs.put(rel, key, d.data)

    def _assets(self) -> None:
        """teikit's page assets and the site's own (search.js, site.css, the icon)."""
        key = _key(self.fingerprint, "assets")
        sources = [p for p in sorted(render.ASSETS_DIR.iterdir()) if p.suffix in (".css", ".js")]
        sources += [p for p in sorted(SITE_DATA.iterdir()) if p.suffix in (".css", ".js", ".svg")]
        for path in sources:
            rel = f"assets/{path.name}"
            if self.outputs.fresh(rel, key):
                self.outputs.keep(rel)
            else:
                self.outputs.put(rel, key, path.read_bytes())

    # -- pages made from the whole edition

    def _edition_outputs(
        self,
        edition: _Edition,
        chrome: _Chrome,
        entities: _Entities,
        pages: _Pages,
        key: str,
    ) -> None:
        def put(rel: str, data: bytes) -> None:
            self.outputs.put(rel, key, data, group="edition")

        # The data exports and the register sections (each with every occurrence):
        # the longest work on the edition's own pages, done by workers side by side.
        exports = [("export", fmt) for fmt, _, _, _ in EXPORTS]
        sections = [("section", page) for _, _, page, _, _ in edition.sections]
        sections += [("section", REGISTER_PAGE)]  # the merged registers' index page
        sections = [item for item in sections if item[1] in pages.sections]
        global _site
        _site = _Site(
            edition, chrome, entities, str(self.source), self.outputs, self._export_options(), pages
        )
        items = exports + sections
        try:
            jobs = self._jobs(len(edition.docs), PARALLEL_RENDERING)
            done = run_jobs(
                _edition_job,
                items,
                jobs=jobs,
                timeout=self.timeout,
                on_failure=lambda item, failure: _gave_up(str(self.source), item[1], failure),
                **self._steps(
                    "writing", len(items), lambda r: r.diagnostics, "outputs", lambda i: i[1]
                ),
            )
            made = dict(zip(items, done, strict=True))
        finally:
            _site = None
        exported: dict[str, list[str]] = {}
        for kind, name in sections + exports:  # the sections' findings first, as ever
            result = made[(kind, name)]
            self.report.diagnostics.extend(result.diagnostics)
            for stored in result.stored or []:
                self.outputs.record(stored, key, group="edition")
            if kind == "export" and result.stored is not None:
                exported[name] = [stored.rel for stored in result.stored]
        if edition.letters():
            put(CHRONOLOGY, _serialize(_chronology(edition, chrome, entities)))
        if PRINCIPLES in pages.sections:
            root = _parse_page(pages.sections[PRINCIPLES])
            chrome.decorate(root, PRINCIPLES, self.report.diagnostics)
            put(PRINCIPLES, _serialize(root))
        intro = None
        with contextlib.suppress(etree.ParserError, UnicodeDecodeError):
            intro = _parse_page(pages.intro) if pages.intro is not None else None
        put(HOME, _serialize(_home(edition, chrome, entities, intro, self.base_url)))
        put(SEARCH_INDEX, _search_index(edition, entities, pages.facts))
        put(SEARCH, _serialize(_search_page(edition, chrome)))
        put(DOWNLOADS, _serialize(_downloads(edition, chrome, self.outputs, exported, self.pdf)))

    def _export_options(self) -> ExportOptions:
        cmif = self.cmif or CmifOptions()
        if self.base_url and cmif.cmif_url is None:
            cmif = dataclasses.replace(
                cmif, cmif_url=f"{self.base_url}downloads/data/{EXPORTS[0][1]}"
            )
        return ExportOptions(base_url=self.base_url, cmif=cmif)

    def _write_manifest(self, validated: str | None) -> None:
        manifest = {
            "format": MANIFEST_FORMAT,
            "teikit": teikit.__version__,
            "fingerprint": self.fingerprint,
            "validated": validated,
            "findings": self.findings,  # of the last validation with errors (keep_going)
            "outputs": dict(sorted(self.outputs.new.items())),
        }
        data = json.dumps(manifest, indent=1, ensure_ascii=False).encode("utf-8") + b"\n"
        render.write_atomic(safe_output_path(self.out, MANIFEST_NAME), data)


@dataclass
class _Pages:
    """What the edition's own pages need of the rendered ones."""

    facts: dict[str, _PageFacts] = field(default_factory=dict)  # by page, documents only
    sections: dict[str, bytes] = field(default_factory=dict)  # register sections, undecorated
    intro: bytes | None = None  # the introduction's page, for the home page


def _ids(root: etree._Element | None) -> set[str]:
    if root is None:
        return set()
    return {el.get("id", "") for el in root.iter(etree.Element) if el.get("id")}


# --------------------------------------------------------------------------- entities


class _Entities:
    """The registered persons, places, organisations and works, with their pages."""

    def __init__(self, edition: _Edition) -> None:
        self.edition = edition
        self.entries: list[Entry] = [
            e for e in edition.index.entries if e.registered and e.type in SECTION_PAGE
        ]
        self.url = {id(e): f"{SECTION_PAGE[e.type]}#{safe_id(e.id)}" for e in self.entries}
        self.by_url = {url: i for i, url in enumerate(self.url[id(e)] for e in self.entries)}
        self.by_anchor = {(SECTION_PAGE[e.type], safe_id(e.id)): e for e in self.entries}

    def index_of(self, href: str) -> int | None:
        return self.by_url.get(href)

    def href(self, party: Party) -> str | None:
        if not party.id:
            return None
        kind = {"organisation": "org"}.get(party.type, party.type)
        page = SECTION_PAGE.get(kind, "")
        anchor = safe_id(party.id)
        return f"{page}#{anchor}" if (page, anchor) in self.by_anchor else None


def _occurrence_href(occ: Occurrence, d: _Doc, facts: _PageFacts | None) -> str:
    """The link to the mention itself; when it is not on the page (a name that is
    only in the header), the metadata panel, else the page."""
    anchor = facts.anchors.get(occ.xpath) if facts is not None else None
    if anchor:
        return f"{d.page}#{anchor}"
    if occ.where in ("header", "sender", "addressee") and facts is not None and facts.metadata:
        return f"{d.page}#tk-metadata-heading"
    return d.page


def _snippet(occ: Occurrence) -> list[Any]:
    """The index's snippet with the mention marked."""
    text, name = occ.snippet, occ.text
    at = text.find(name) if name else -1
    if at < 0:
        return [text or name]
    return [text[:at], E("mark", name), text[at + len(name) :]]


def _add_occurrences(
    root: etree._Element,
    page: str,
    edition: _Edition,
    entities: _Entities,
    facts: dict[str, _PageFacts],
) -> None:
    """Under each register entry: every document that mentions it, and every mention."""
    order = {d.file: i for i, d in enumerate(edition.order)}
    for section in root.iter("section"):
        if "tk-entry" not in _classes(section):
            continue
        entry = entities.by_anchor.get((page, section.get("id") or ""))
        if entry is None:
            continue
        by_doc: dict[str, list[Occurrence]] = {}
        for occ in entry.occurrences:
            if occ.where == "register" or occ.file not in edition.by_file:
                continue
            by_doc.setdefault(occ.file, []).append(occ)
        box = E("div", class_="tks-occurrences")
        if not by_doc:
            box.append(E("p", "Not mentioned in the documents.", class_="tks-none"))
        else:
            total = sum(len(v) for v in by_doc.values())
            box.append(
                E(
                    "h3",
                    f"Mentioned {total} time{'s' if total != 1 else ''} in "
                    f"{len(by_doc)} document{'s' if len(by_doc) != 1 else ''}",
                )
            )
            docs_list = E("ul", class_="tks-occurrence-docs")
            for name in sorted(by_doc, key=lambda n: order.get(n, len(order))):
                d = edition.by_file[name]
                items = []
                for occ in by_doc[name]:
                    where = {
                        "note": "note",
                        "header": "metadata",
                        "sender": "sender",
                        "addressee": "addressee",
                    }.get(occ.where)
                    items.append(
                        E(
                            "li",
                            E(
                                "a",
                                _snippet(occ),
                                href=_occurrence_href(occ, d, facts.get(d.page)),
                                class_="tks-occurrence",
                            ),
                            [" ", E("span", f"({where})", class_="tks-where")] if where else None,
                        )
                    )
                docs_list.append(
                    E(
                        "li",
                        E("a", d.short_title, href=d.page, class_="tks-occurrence-doc"),
                        E("ul", items),
                    )
                )
            box.append(docs_list)
        if entry.authorities:
            links = [E("a", uri, href=uri) for uri in entry.authorities if safe_url(uri)]
            if links:
                box.append(E("p", "Authority records: ", _join(links), class_="tks-authorities"))
        section.append(box)


def _join(items: Sequence[Any], sep: str = ", ") -> list[Any]:
    out: list[Any] = []
    for i, item in enumerate(items):
        if i:
            out.append(sep)
        out.append(item)
    return out


# --------------------------------------------------------------------------- own pages


def _party_links(parties: Sequence[Party], entities: _Entities) -> list[Any]:
    items: list[Any] = []
    for party in parties:
        href = entities.href(party)
        name = E("a", party.name, href=href) if href else party.name
        # The edition's own inference is said as such (a conjectured place of sending).
        doubt = "conjecture" if party.evidence == "conjecture" else ""
        if party.cert and party.cert != "high":
            doubt = doubt or "uncertain"
        items.append(E("span", name, f" ({doubt})", class_="tks-conjecture") if doubt else name)
    return _join(items)


def _letter_item(letter: Letter, d: _Doc, entities: _Entities, *, full: bool) -> etree._Element:
    parts: list[Any] = [
        E("time", human_date(letter.date), datetime=letter.date) if letter.date else None,
        " " if letter.date else None,
        E("a", d.short_title if not full else d.title, href=d.page, class_="tks-letter-link"),
    ]
    facts: list[Any] = []
    if letter.senders:
        facts.append(E("span", "From ", _party_links(letter.senders, entities), class_="tks-from"))
    if letter.addressees:
        facts += [" ", E("span", "to ", _party_links(letter.addressees, entities), class_="tks-to")]
    if full and letter.places_sent:
        facts += [", ", E("span", "sent from ", _party_links(letter.places_sent, entities))]
    if facts:
        parts.append(E("p", facts, class_="tks-parties"))
    if full:
        summary = d.doc.root.find(
            f"{T}teiHeader/{T}fileDesc/{T}sourceDesc//{T}msContents/{T}summary"
        )
        if _text(summary):
            parts.append(E("p", _text(summary), class_="tks-summary"))
        if letter.archival:
            parts.append(E("p", "; ".join(letter.archival), class_="tks-archival"))
    return E("li", parts, class_="tks-letter")


def _chronology(edition: _Edition, chrome: _Chrome, entities: _Entities) -> etree._Element:
    root, main = chrome.page("Chronology of the letters", CHRONOLOGY)
    main.append(E("h1", "Chronology of the letters"))
    by_year: dict[str, list[tuple[Letter, _Doc]]] = {}
    for letter, d in edition.letters():
        year = letter.date[:4] if re.match(r"\d{4}", letter.date) else "Undated"
        by_year.setdefault(year, []).append((letter, d))
    for year, letters in by_year.items():
        main.append(E("h2", year, id=f"year-{safe_id(year)}"))
        main.append(
            E(
                "ol",
                [_letter_item(lt, d, entities, full=True) for lt, d in letters],
                class_="tks-chronology",
            )
        )
    return root


def _citation(edition: _Edition, base_url: str | None) -> list[etree._Element]:
    """How to cite: the printed source, and the digital edition (with its URL)."""
    header_doc = edition.contents or (edition.order[0] if edition.order else None)
    out: list[etree._Element] = []
    if header_doc is None:
        return out
    header = header_doc.doc.root.find(f"{T}teiHeader")
    bibl = None
    if header is not None:
        bibls = header.findall(f"{T}fileDesc/{T}sourceDesc/{T}bibl")
        bibl = next((b for b in bibls if b.get("type") == "printed"), bibls[0] if bibls else None)
    if bibl is not None:
        out.append(
            E("p", E("strong", "The documents: "), _bibl_html(bibl), class_="tks-cite-print")
        )
    pub = header.find(f"{T}fileDesc/{T}publicationStmt") if header is not None else None
    editors = (
        [_text(e) for e in header.iterfind(f"{T}fileDesc/{T}titleStmt/{T}editor")]
        if header is not None
        else []
    )
    parts: list[Any] = [E("strong", "This edition: ")]
    if editors:
        parts.append(", ".join(dict.fromkeys(e for e in editors if e)) + " (eds.), ")
    parts.append(E("cite", edition.title))
    if pub is not None:
        publisher = _text(pub.find(f"{T}publisher"))
        date = _text(pub.find(f"{T}date"))
        extra = ", ".join(x for x in (publisher, date) if x)
        if extra:
            parts.append(f", {extra}")
    if base_url:
        parts += [", ", E("a", base_url, href=base_url)]
    parts.append(".")
    out.append(E("p", parts, class_="tks-cite-edition"))
    return out


def _bibl_html(bibl: etree._Element) -> list[Any]:
    """A bibliographic reference as text: titles of journals and books in <cite>,
    of articles in quotation marks; everything else as its reading text."""
    out: list[Any] = []

    def walk(el: etree._Element) -> None:
        if el.text:
            out.append(el.text)
        for child in el:
            if child.tag == f"{T}title":
                text = _text(child)
                out.append(f"“{text}”" if child.get("level") in ("a", "u") else E("cite", text))
            elif child.tag == f"{T}note":
                pass
            elif isinstance(child.tag, str):
                out.append(_text(child))
            if child.tail:
                out.append(child.tail)

    walk(bibl)
    text_parts: list[Any] = []
    for item in out:  # whitespace as a reader expects it
        text_parts.append(re.sub(r"\s+", " ", item) if isinstance(item, str) else item)
    if text_parts and isinstance(text_parts[0], str):
        text_parts[0] = text_parts[0].lstrip()
    if text_parts and isinstance(text_parts[-1], str):
        text_parts[-1] = text_parts[-1].rstrip()
    return text_parts


def _demote_headings(article: etree._Element) -> None:
    for el in article.iter("h1", "h2", "h3", "h4", "h5"):
        el.tag = f"h{int(el.tag[1]) + 1}"


def _home(
    edition: _Edition,
    chrome: _Chrome,
    entities: _Entities,
    intro_page: etree._Element | None,
    base_url: str | None,
) -> etree._Element:
    root, main = chrome.page("", HOME)
    main.append(E("h1", edition.title))
    project = None
    if edition.contents is not None:
        project = edition.contents.doc.root.find(
            f"{T}teiHeader/{T}encodingDesc/{T}projectDesc/{T}p"
        )
    if _text(project):
        main.append(E("p", _text(project), class_="tks-lead"))
    letters = edition.letters()
    if letters:
        main.append(
            E(
                "section",
                E("h2", "The letters", id="tks-letters"),
                E(
                    "ol",
                    [_letter_item(lt, d, entities, full=False) for lt, d in letters],
                    class_="tks-letters",
                ),
                E("p", E("a", "Chronology with summaries", href=CHRONOLOGY), class_="tks-more"),
                aria_labelledby="tks-letters",
            )
        )
    more: list[Any] = []
    if edition.contents is not None:
        more.append(E("li", E("a", "Table of contents", href=edition.contents.page)))
    if edition.register_doc is not None:
        page = edition.register.page if edition.register is not None else REGISTER_PAGE
        more.append(E("li", E("a", "Registers", href=page)))
    more += [
        E("li", E("a", "Search the texts", href=SEARCH)),
        E("li", E("a", "Downloads: TEI, PDF and data", href=DOWNLOADS)),
    ]
    main.append(E("ul", more, class_="tks-more-links"))
    citation = _citation(edition, base_url)
    if citation:
        main.append(
            E(
                "section",
                E("h2", "How to cite", id="tks-cite"),
                citation,
                class_="tks-cite",
                aria_labelledby="tks-cite",
            )
        )
    intro = edition.intro
    article = intro_page.find(".//main//article") if intro_page is not None else None
    if intro is not None and article is not None:
        article = _copy(article)
        for part in article.xpath(".//aside | .//nav | .//input | .//div[@role='group']"):
            _remove(part)
        _demote_headings(article)
        main.append(
            E(
                "section",
                E("h2", "Introduction", id="tks-introduction"),
                article,
                E(
                    "p",
                    E("a", "The introduction on its own page", href=intro.page),
                    class_="tks-more",
                ),
                class_="tks-introduction",
                aria_labelledby="tks-introduction",
            )
        )
    return root


def _copy(el: etree._Element) -> etree._Element:
    duplicate = copy.deepcopy(el)
    duplicate.tail = None
    return duplicate


def _search_page(edition: _Edition, chrome: _Chrome) -> etree._Element:
    root, main = chrome.page("Search", SEARCH, scripts=(SEARCH_INDEX, "assets/search.js"))
    people: dict[str, str] = {}
    years: set[str] = set()
    for letter, _ in edition.letters():
        for party in letter.senders + letter.addressees:
            people.setdefault(party.key or party.name, party.name)
        if re.match(r"\d{4}", letter.date):
            years.add(letter.date[:4])
    main.append(E("h1", "Search"))
    main.append(
        E(
            "form",
            E(
                "p",
                E("label", "Words or names", for_="tks-q"),
                " ",
                E(
                    "input",
                    type="search",
                    name="q",
                    id="tks-q",
                    autocomplete="off",
                    spellcheck="false",
                ),
            ),
            E(
                "p",
                E("label", "Correspondent", for_="tks-who"),
                " ",
                E(
                    "select",
                    E("option", "any", value=""),
                    [
                        E("option", name, value=key)
                        for key, name in sorted(people.items(), key=lambda kv: kv[1])
                    ],
                    name="who",
                    id="tks-who",
                ),
            ),
            E(
                "p",
                E("label", "Year", for_="tks-year"),
                " ",
                E(
                    "select",
                    E("option", "any", value=""),
                    [E("option", y, value=y) for y in sorted(years)],
                    name="year",
                    id="tks-year",
                ),
            ),
            E("p", E("button", "Search", type="submit")),
            id="tks-search-form",
            class_="tks-search-form",
            role="search",
            action=SEARCH,
            method="get",
        )
    )
    main.append(
        E(
            "p",
            "Accents do not matter: Djilas finds Đilas, Hruscov finds Hruščov. "
            "Several words find passages with all of them; a register name finds every "
            "mention of that person, place or organisation.",
            class_="tks-hint",
        )
    )
    main.append(E("p", id="tks-search-status", class_="tks-search-status", role="status"))
    main.append(E("div", id="tks-search-results", class_="tks-search-results"))
    main.append(
        E(
            "noscript",
            E(
                "p",
                "Search needs JavaScript. The registers and the chronology "
                "list every document and every mention without it.",
            ),
        )
    )
    return root


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} bytes"
    if n < 1024 * 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n / 1024 / 1024:.1f} MB"


def _downloads(
    edition: _Edition,
    chrome: _Chrome,
    outputs: _Outputs,
    exported: dict[str, list[str]],
    pdf: bool,
) -> etree._Element:
    root, main = chrome.page("Downloads", DOWNLOADS)
    main.append(E("h1", "Downloads"))

    def link(rel: str, label: str) -> etree._Element | None:
        if rel not in outputs.new:
            return None
        try:
            size = outputs.path(rel).stat().st_size
        except OSError:
            return None
        return E("span", E("a", label, href=rel), f" ({_size(size)})", class_="tks-download")

    if pdf and FULL_PDF in outputs.new:
        main.append(
            E(
                "section",
                E("h2", "The whole edition", id="tks-dl-edition"),
                E(
                    "p",
                    link(FULL_PDF, "The edition as one PDF"),
                    ": title page, contents, introduction, the letters in date order, registers.",
                ),
                aria_labelledby="tks-dl-edition",
            )
        )
    rows = []
    for d in edition.order:
        tei = link(f"downloads/tei/{d.page[:-5]}.xml", "TEI")
        pdf_link = link(f"downloads/pdf/{d.page[:-5]}.pdf", "PDF") if pdf else None
        rows.append(
            E(
                "tr",
                E("th", E("a", d.short_title, href=d.page), scope="row"),
                E("td", tei),
                E("td", pdf_link if pdf_link is not None else "–"),
            )
        )
    main.append(
        E(
            "section",
            E("h2", "Documents", id="tks-dl-docs"),
            E(
                "table",
                E(
                    "thead",
                    E(
                        "tr",
                        E("th", "Document", scope="col"),
                        E("th", "TEI-XML", scope="col"),
                        E("th", "PDF", scope="col"),
                    ),
                ),
                E("tbody", rows),
                class_="tks-downloads",
            ),
            aria_labelledby="tks-dl-docs",
        )
    )
    items = []
    for fmt, _, label, description in EXPORTS:
        files = exported.get(fmt, [])
        if not files:
            # Say how to get it: CMIF needs what only the publisher knows.
            why = (
                "not in this build: CMIF needs the editor's e-mail and the site's URL; "
                "build with --editor-email and --base-url"
                if fmt == "cmif"
                else "not available in this build"
            )
            items.append(E("li", E("strong", label), f": {description} ({why})"))
            continue
        if len(files) == 1:
            items.append(E("li", link(files[0], label), f": {description}"))
        else:
            parts = [link(rel, PurePosixPath(rel).name) for rel in files]
            items.append(
                E(
                    "li",
                    E("strong", label),
                    f": {description}: ",
                    _join([p for p in parts if p is not None]),
                )
            )
    main.append(
        E(
            "section",
            E("h2", "Data", id="tks-dl-data"),
            E("ul", items, class_="tks-data"),
            aria_labelledby="tks-dl-data",
        )
    )
    return root


# --------------------------------------------------------------------------- search index


def _search_records(main: etree._Element, entities: _Entities) -> list[str]:
    """The search records of a page's main part, as JSON objects without their
    document number (made where the page is, they come back as compact text)."""
    records: list[str] = []
    for block in text_blocks(main):
        text, mentions = block_text(block, entities.index_of)
        if not text:
            continue
        note = next(
            (a for a in block.iterancestors("li") if "tk-note" in _classes(a)),
            block if block.tag == "li" and "tk-note" in _classes(block) else None,
        )
        anchor = (note if note is not None else block).get("id") or ""
        record: dict[str, Any] = {"a": anchor, "t": text}
        if mentions:
            record["m"] = mentions
        if note is not None:
            label = note.find(".//span[@class='tk-note-label']")
            record["n"] = (label.text or "").strip() if label is not None else ""
        records.append(_json(record))
    return records


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _search_index(edition: _Edition, entities: _Entities, facts: dict[str, _PageFacts]) -> bytes:
    """search-index.js: documents, correspondents, entities and text records, as one
    global (a script, because fetch() of a local JSON file fails under file://)."""
    docs_out: list[dict[str, Any]] = []
    records: list[str] = []
    letter_of = {d.file: lt for lt, d in edition.letters()}
    for d in edition.order:
        if d.kind == "register" or d.page not in facts:
            continue
        letter = letter_of.get(d.file)
        who: list[str] = []
        if letter is not None:
            who = [party.key or party.name for party in letter.senders + letter.addressees]
        number = len(docs_out)
        docs_out.append(
            {
                "u": d.page,
                "t": d.short_title,
                "d": d.date,
                "y": d.date[:4] if re.match(r"\d{4}", d.date) else "",
                "c": sorted(set(who)),
                "k": d.kind,
            }
        )
        # {"d": number, ...the record}, as json.dumps writes it
        records += (f'{{"d":{number},{record[1:]}' for record in facts[d.page].records)
    payload = {
        "version": 1,
        "title": edition.title,
        "docs": docs_out,
        "entities": [
            {
                "n": e.name,
                "v": [v for v in e.variants if v != e.name],
                "k": KIND_LABEL.get(e.type, e.type),
                "u": entities.url[id(e)],
                "o": e.note,
            }
            for e in entities.entries
        ],
    }
    # The payload with "records" last, as json.dumps would write it.
    text = _json(payload)[:-1] + ',"records":[' + ",".join(records) + "]}"
    # U+2028/2029 are line ends to older JavaScript parsers: escape them.
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return (
        "/* Search index of the edition, written by teikit. A script, not JSON: browsers\n"
        "   refuse to fetch() local files, and the site must work from file://. */\n"
        f"window.TEIKIT_SEARCH_INDEX = {text};\n"
    ).encode()
