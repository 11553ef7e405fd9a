"""The expensive outputs: document pages (finished where they are made) and PDFs in
two rounds, made in forked workers; register sections and data exports, made in
the build's own process once the workers are gone. What workers need is handed
to them in a :class:`Workshop` set up before they fork."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TextIO
from urllib.parse import unquote, urlsplit

from lxml import etree

from teikit import render
from teikit.batch import WorkerFailure, file_size, release_freed_memory
from teikit.document import Document, LoadError, load, read_regular
from teikit.edition import Edition
from teikit.errors import Diagnostic, Severity, TeikitError
from teikit.exports import export
from teikit.exports.common import ExportOptions
from teikit.site.chrome import Chrome
from teikit.site.markup import parse_page, write_page
from teikit.site.outputs import Outputs, Stored, diag
from teikit.site.pages import occurrence_pages
from teikit.site.pieces import Unpieceable, finish_in_pieces
from teikit.site.policy import RESOURCE_ATTRIBUTES, Removal, is_local, police
from teikit.site.records import (
    EXPORTS,
    FULL_PDF,
    Entities,
    PageFacts,
    SiteEdition,
    ids_of,
    mention_anchors,
    mention_anchors_in_file,
)
from teikit.site.search import assign_block_ids, block_record, main_of, search_records

# --------------------------------------------------------------------------- rendering jobs


@dataclass(frozen=True)
class Job:
    """One expensive output, made in a worker process when jobs > 1."""

    kind: str  # html | page | kept | pdf | edition-pdf
    path: str  # the TEI file ("" for edition-pdf)
    register: str  # the register file, "" for none
    params: tuple[tuple[str, str], ...] = ()
    paths: tuple[str, ...] = ()  # edition-pdf: every file
    page: str = ""  # page, kept: the document's page in the site
    written: str = ""  # kept: the page as the last build wrote it
    search: bool = False  # page, kept: make the page's search records
    output: str = ""  # pdf, edition-pdf: where the PDF goes in the site
    # page: rendered here, finished (parsed, decorated, written) by another worker
    # (finish_page), so that Saxon's heap and the page's tree never share one;
    # pdf: its Typst source written by Saxon into a file, from a reading let go
    split: bool = False


@dataclass
class JobResult:
    data: bytes | None
    diagnostics: list[Diagnostic]
    typst: str | None = None  # PDFs, first round: the Typst source, compiled in the second
    file: str = ""  # the name Typst's diagnostics carry
    facts: PageFacts | None = None  # page, kept
    stored: list[Stored] | None = None  # what the worker wrote itself (pages, data exports)
    typst_path: str = ""  # PDFs, first round: the file the Typst source waits in instead
    # a split page (Job.split), first round: the file its HTML waits in
    html_path: str = ""

    @property
    def typeset(self) -> bool:
        """Whether this is a first round's Typst source, to be compiled."""
        return self.typst is not None or bool(self.typst_path)


@dataclass
class SiteContext:
    """What workers need to finish pages and make the edition's data."""

    edition: SiteEdition
    chrome: Chrome
    entities: Entities
    source: str  # the TEI folder, as the edition's diagnostics name it
    outputs: Outputs  # workers write what they make (the parent records it)
    export_options: ExportOptions | None = None
    pages: Pages | None = None  # the second round: the facts of every page


@dataclass
class Workshop:
    """What the workers of one build need, set up before they fork (they inherit
    it, with the parsed documents and the register's Saxon tree, instead of
    reading them again). Passed to every job: no worker state lives in globals."""

    profile: Path  # the site profile every page is rendered with
    loaded: dict[str, Document] = field(default_factory=dict)  # by path
    site: SiteContext | None = None
    # The PDFs of the second round: the jobs and their Typst sources.
    typst: list[tuple[Job, JobResult]] = field(default_factory=list)
    # Where the first round leaves the Typst sources (None: they travel back): a
    # folder, so that they never pile up in the parent.
    scratch: Path | None = None
    # Where pages leave their search records until the index is written (None:
    # they travel back with the page's facts).
    records: Path | None = None

    def document(self, path: str) -> Document | str:
        return self.loaded.get(path, path)


def job_size(job: Job) -> int:
    """The bytes of TEI a job reads: a large document gets more time (batch.time_limit)."""
    return sum(file_size(path) for path in job.paths or (job.path,) if path)


def run_job(shop: Workshop, job: Job) -> JobResult:
    """Render one job; never raises for bad input (the diagnostics say what failed).

    PDFs are made in two rounds of workers (a forked process must not run both Saxon
    and Typst, see teikit.render): this one gives their Typst source, and
    :func:`compile_job` the PDF."""
    found: list[Diagnostic] = []
    register = shop.document(job.register) if job.register else None
    if job.kind == "kept":
        return _kept_page(shop, job)
    model = shop.site.edition.model if shop.site is not None else None
    doc: Document | None = None
    try:
        if job.kind in ("html", "page"):
            params = dict(job.params)
            if shop.site is not None:  # where links between documents lead (site.xsl)
                params["site-pages"] = shop.site.chrome.pages_json
            held = shop.document(job.path)
            if job.split and shop.scratch is not None and isinstance(held, str):
                return _split_page(shop, job, held, register, params, found, model)
            doc = render.as_document(held)
            text = render.render_html(
                doc,
                register=register,
                params=params,
                stylesheet=shop.profile,
                diagnostics=found,
                edition=model,
            )
            if job.kind == "html":
                return JobResult(text.encode("utf-8"), found)
            # A document's page, finished here rather than in the parent: put into
            # the site, serialised, and what the edition's own pages need of it taken.
            if job.split and shop.scratch is not None:  # finished by another worker
                _let_go(doc, register)
                doc = None
                fd, path = tempfile.mkstemp(suffix=".html", dir=shop.scratch)
                with open(fd, "wb") as handle:
                    handle.write(text.encode("utf-8"))
                return JobResult(None, found, html_path=path)
            mentions = mention_anchors(doc)
            _let_go(doc, register)  # the page is all that is needed from here on
            doc = None  # a 20 MB diary: its trees (250 MB) need not live beside its page
            root = parse_page(text.encode("utf-8"))
            del text
            stored, taken = _put_page(shop, job, root, found)
            return JobResult(None, found, facts=taken.facts(mentions), stored=stored)
        # the PDFs' labels in the site's language, as its pages have them
        words = {"ui-lang": shop.site.chrome.msg.lang} if shop.site is not None else {}
        if job.kind == "pdf":  # render.render_pdf, in two rounds
            # where a long document's PDF may be cut into parts (render.compile_typst)
            marked = {**words, "part-breaks": "true"}
            held = shop.document(job.path)
            if job.split and shop.scratch is not None and isinstance(held, str):
                return _streamed_typst(shop, held, register, marked, model)
            doc = render.as_document(held)
            result = render.render(doc, "typst", register=register, params=marked, edition=model)
            return _typst_source(shop, result.text, result.diagnostics, doc.path)
        # render.render_edition_pdf, in two rounds
        docs = [shop.document(p) for p in job.paths]
        result, skipped = render.edition_typst(docs, register=register, params=words, edition=model)
        return _typst_source(shop, result.text, skipped + result.diagnostics, FULL_PDF)
    except TeikitError as exc:
        return _failed(job, exc, found)
    except OSError as exc:
        return JobResult(None, [*found, diag(job.path, f"cannot render: {exc}", "render-failed")])
    finally:
        if doc is not None:
            _let_go(doc, register)


def _split_page(
    shop: Workshop,
    job: Job,
    path: str,
    register: Document | str | None,
    params: dict[str, str],
    found: list[Diagnostic],
    model: Edition | None,
) -> JobResult:
    """The first half of a large document's page (Job.split): its HTML written by
    Saxon straight into a scratch file, from a reading let go before the
    transform. Neither the lxml tree nor the page as a Python string lives beside
    Saxon's trees (a 20 MB diary: its lxml tree 170 MB, its page 110 MB of text,
    twice). The mentions' anchors are taken by the worker that finishes the page
    (:func:`finish_page`)."""
    assert shop.scratch is not None
    fd, html_path = tempfile.mkstemp(suffix=".html", dir=shop.scratch)
    os.close(fd)
    try:
        result = render.render(path, "html", register=register, params=params,
                               stylesheet=shop.profile, edition=model, output=html_path,
                               let_go=True)  # fmt: skip
    except BaseException:
        Path(html_path).unlink(missing_ok=True)
        raise
    return JobResult(None, [*found, *result.diagnostics], html_path=html_path)


def _put_page(
    shop: Workshop,
    job: Job,
    root: etree._Element,
    found: list[Diagnostic],
    media: _Media | None = None,
) -> tuple[list[Stored], _Taken]:
    """A rendered page (``root``: parse_page of it, its text let go) put into the
    site: its blocks' ids, its images, the site's chrome; written as it is
    serialised, and what the edition's own pages need of it taken. ``media``: the
    images an attempt to finish it in pieces copied already."""
    site = shop.site
    assert site is not None
    assign_block_ids(root)
    media = media or _Media(job.path, site, found)
    for el in root.iter(*MEDIA_VISITED):
        media.visit(el)
    media.close()
    site.chrome.decorate(root, job.page, found)
    stored = site.outputs.store_written(job.page, partial(write_page, root))
    return [stored, *media.stored], _take(shop, root, job)


def _put_page_in_pieces(
    shop: Workshop, job: Job, path: Path, found: list[Diagnostic]
) -> tuple[list[Stored], _Taken]:
    """:func:`_put_page` of the page in the file ``path``, a piece at a time
    (site/pieces.py: the same page, the same findings, never its whole tree);
    whole when it cannot be done in pieces."""
    site = shop.site
    assert site is not None
    before = len(found)
    media = _Media(job.path, site, found)
    noted: list[Diagnostic] = []  # the policy's findings follow the images'
    sink = _RecordSink(shop.records)
    entities = site.entities

    def police_one(el: etree._Element) -> Removal | None:
        return police(el, job.page, noted)

    def record(block: etree._Element) -> None:
        made = block_record(block, entities)
        if made is not None:
            sink.add(made)

    with tempfile.TemporaryFile(dir=path.parent) as spool:
        try:
            page = finish_in_pieces(path, spool, media=media.visit, media_tags=MEDIA_VISITED,
                                    police=police_one,
                                    record=record if job.search else None)  # fmt: skip
        except Unpieceable:
            page = None  # the stream's tree goes with the exception, before the whole one
        except BaseException:
            sink.discard()
            raise
        if page is not None:
            media.close()
            found.extend(noted)
            stored = site.outputs.store_written(job.page, page.write)
            records, records_file = sink.close()
            return [stored, *media.stored], _Taken(page.ids, records, records_file)
    sink.discard()
    del found[before:]
    return _put_page(shop, job, parse_page(path), found, media.again(found))


def finish_page(shop: Workshop, item: tuple[Job, JobResult]) -> JobResult:
    """The second half of a split page (worker side): its HTML, as the first half
    left it, finished as :func:`run_job` finishes any page.

    The anchors of its document's mentions are taken here once the page is
    written and its tree let go, from the document read as a stream (never its
    tree: records.mention_anchors_in_file): made in the
    first half they lived beside Saxon's trees (the diary's 125,831: 21 MB of
    their own, 90 MB while they are counted), and made before the page was parsed
    they, and the heap their counting left, lived beside its tree (the diary's
    page: 280 MB; 100 MB more)."""
    job, first = item
    path = Path(first.html_path)
    found = list(first.diagnostics)
    try:
        stored, taken = _put_page_in_pieces(shop, job, path, found)
    except OSError as exc:
        failed = diag(job.path, f"cannot render: {exc}", "render-failed")
        return JobResult(None, [*first.diagnostics, failed])
    finally:
        path.unlink(missing_ok=True)
    release_freed_memory()  # what the page's pieces left, before the document is read
    try:
        mentions = _mention_anchors_again(shop.document(job.path))
    except TeikitError as exc:  # read when the page was made, and now it cannot be
        failed = _failed(job, exc, found).diagnostics
        return JobResult(None, failed, facts=taken.facts({}), stored=stored)
    return JobResult(None, found, facts=taken.facts(mentions), stored=stored)


def _streamed_typst(
    shop: Workshop,
    path: str,
    register: Document | str | None,
    params: dict[str, str],
    model: Edition | None,
) -> JobResult:
    """A large document's Typst source (Job.split), written by Saxon straight into a
    scratch file from a reading let go before the transform, as the first half of
    a split page is (:func:`_split_page`): neither its lxml tree nor the source as
    a Python string lives beside Saxon's trees (the diary: 170 MB and 33.6 MB of
    source, up to four times that as a string)."""
    assert shop.scratch is not None
    fd, typst_path = tempfile.mkstemp(suffix=".typ", dir=shop.scratch)
    os.close(fd)
    try:
        result = render.render(path, "typst", register=register, params=params, edition=model,
                               output=typst_path, let_go=True)  # fmt: skip
    except BaseException:
        Path(typst_path).unlink(missing_ok=True)
        raise
    return JobResult(None, result.diagnostics, None, path, typst_path=typst_path)


def _mention_anchors_again(held: Document | str) -> dict[str, str]:
    """The mentions' anchors of a document this worker does not hold: read from its
    file as a stream (records.mention_anchors_in_file); when the file cannot be
    read so, it is loaded, which says why (LoadError)."""
    if isinstance(held, Document):
        return mention_anchors(held)
    try:
        return mention_anchors_in_file(held)
    except (OSError, etree.LxmlError):
        return mention_anchors(load(held))


def _typst_source(shop: Workshop, text: str, found: list[Diagnostic], file: str) -> JobResult:
    """A first round's Typst source: in the shop's scratch folder when it has one."""
    if shop.scratch is None:
        return JobResult(None, found, text, file)
    fd, path = tempfile.mkstemp(suffix=".typ", dir=shop.scratch)
    with open(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    return JobResult(None, found, None, file, typst_path=path)


def _let_go(doc: Document, register: Document | str | None) -> None:
    """Drop a rendered document's Saxon tree (not the register's): each is rendered
    once here, and the cache would keep sixteen (80 MB of Schnitzler letters in
    every worker)."""
    if doc is not register:
        render.forget(doc)


# Images a page may show, copied from the edition's folder into the site's media/.
MEDIA_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".avif"})
MEDIA_MAX_BYTES = 64 * 1024 * 1024
MEDIA_TAGS = ("img", "video", "audio", "source", "track")  # the page's own assets are not media


def _image_link(el: etree._Element) -> bool:
    """A link to an image file of the edition (a facsimile: ``pb/@facs``, ``graphic``)."""
    href = (el.get("href") or "").strip()
    if not href or href.startswith("#") or not is_local(href):
        return False
    return Path(unquote(urlsplit(href).path)).suffix.lower() in MEDIA_SUFFIXES


MEDIA_VISITED = frozenset({*MEDIA_TAGS, "a"})


class _Media:
    """The images a document's page loads or links to (``<graphic url>``, a
    facsimile of ``pb/@facs``), inside the site: a relative URL that names an
    image in the edition's folder is copied to ``media/`` and pointed there; one
    that leads outside the edition's folder (``../../``, an absolute path) or to
    anything but a regular image file is removed, with a warning. Opening a page
    then loads nothing outside the site, and no link leads to a missing image
    (those of a page are one warning: the edition keeps its images elsewhere).
    :meth:`visit` each element of MEDIA_VISITED in document order, then :meth:`close`."""

    def __init__(self, tei_path: str, site: SiteContext, found: list[Diagnostic]) -> None:
        self.tei_path = tei_path
        self.site = site
        self.found = found
        self.edition = Path(site.source).resolve()
        self.folder = Path(tei_path).resolve().parent
        self.stored: list[Stored] = []
        self.copied: dict[Path, str] = {}
        self.missing: list[str] = []

    def again(self, found: list[Diagnostic]) -> _Media:
        """The same page's images visited again (finished whole after an attempt in
        pieces): those copied are not copied twice, and stay in the same order."""
        media = _Media(self.tei_path, self.site, found)
        media.stored, media.copied = self.stored, self.copied
        return media

    def visit(self, el: etree._Element) -> None:
        site, tei_path, found, copied = self.site, self.tei_path, self.found, self.copied
        if el.tag == "a":
            names = ["href"] if _image_link(el) else []
        else:
            names = sorted(RESOURCE_ATTRIBUTES & set(el.attrib))
        for name in names:
            value = el.get(name) or ""
            if not is_local(value) or value.startswith("#"):
                continue  # other sites: enforce_policy turns them into links
            path = unquote(urlsplit(value.strip()).path)
            source = (self.folder / path).resolve() if path else self.folder
            if source in copied:
                el.set(name, copied[source])
                continue
            edition = self.edition
            if source.is_relative_to(edition) and source.suffix.lower() in MEDIA_SUFFIXES:
                rel = "media/" + re.sub(
                    r"[^A-Za-z0-9._/-]", "_", source.relative_to(edition).as_posix()
                )
                if el.tag == "a" and not source.is_file():
                    self.missing.append(value)
                    del el.attrib[name]
                    continue
                try:
                    data = read_regular(source, MEDIA_MAX_BYTES)
                except LoadError as exc:
                    found.append(diag(tei_path, f"image {value!r} not copied: "
                                       f"{exc.diagnostics[0].message}", "missing-resource",
                                       Severity.WARNING))  # fmt: skip
                    del el.attrib[name]
                    continue
                done = site.outputs.store(rel, data)
                if done.failed:
                    found.extend(done.failed)
                    del el.attrib[name]
                    continue
                self.stored.append(done)
                copied[source] = rel
                el.set(name, rel)
            else:
                why = (
                    "it is outside the edition's folder"
                    if not source.is_relative_to(edition)
                    else "it is not an image (" + ", ".join(sorted(MEDIA_SUFFIXES)) + ")"
                )
                found.append(diag(tei_path, f"refused {name}={value!r}: {why}; a page loads "
                                   "nothing outside the site", "resource-outside",
                                   Severity.WARNING))  # fmt: skip
                del el.attrib[name]

    def close(self) -> None:
        """The page's missing images, as one warning."""
        if not self.missing:
            return
        unique = list(dict.fromkeys(self.missing))
        self.found.append(
            diag(
                self.tei_path,
                f"{len(unique)} image{'s' if len(unique) != 1 else ''} the page links to "
                f"{'are' if len(unique) != 1 else 'is'} not in the edition's folder "
                f"({unique[0]}{', …' if len(unique) > 1 else ''}): not linked; "
                "give the image server as [site] resource_base in teikit.toml",
                "missing-image",
                Severity.WARNING,
            )
        )


def _kept_page(shop: Workshop, job: Job) -> JobResult:
    """The facts of a page the last build wrote and this one keeps (no facts when it
    cannot be read: then it is as if the page were missing). Its document is read
    for its mentions once the page's tree is let go."""
    try:
        root = parse_page(Path(job.written))
    except (OSError, etree.ParserError, UnicodeDecodeError):
        return JobResult(None, [])
    taken = _take(shop, root, job)
    del root
    doc: Document | str = shop.document(job.path)
    if isinstance(doc, str):  # not held: read again for its mentions
        try:
            doc = load(doc)
        except LoadError:
            taken.discard()
            return JobResult(None, [])
    return JobResult(None, [], facts=taken.facts(mention_anchors(doc)))


@dataclass
class _Taken:
    """What the edition's own pages need of a page's tree (its ids, its search
    records), taken so that the tree can go before its document is read."""

    ids: set[str]
    records: list[str]
    records_file: str  # where the records wait instead (Workshop.records)

    def facts(self, mentions: dict[str, str]) -> PageFacts:
        """The page's facts; ``mentions``: the anchor of every mention of its
        document (records.mention_anchors)."""
        return PageFacts(
            {xpath: anchor for xpath, anchor in mentions.items() if anchor in self.ids},
            "tk-metadata-heading" in self.ids,
            self.records,
            self.records_file,
        )

    def discard(self) -> None:
        if self.records_file:
            Path(self.records_file).unlink(missing_ok=True)


def _take(shop: Workshop, root: etree._Element, job: Job) -> _Taken:
    """A page's ids and search records; the records go into a file of their own
    as they are made, when the shop has a folder for them."""
    site = shop.site
    assert site is not None
    main = main_of(root) if job.search else None
    records = search_records(main, site.entities) if main is not None else iter(())
    if shop.records is None:
        return _Taken(ids_of(root), list(records), "")
    return _Taken(ids_of(root), [], _keep_records(shop.records, records))


def _keep_records(folder: Path, records: Iterator[str]) -> str:
    """Write search records into a new file of ``folder``, one a line (JSON: no
    record holds a line end); "" when there are none (no file)."""
    sink = _RecordSink(folder)
    try:
        for record in records:
            sink.add(record)
    except BaseException:
        sink.discard()
        raise
    return sink.close()[1]


class _RecordSink:
    """A page's search records as they are made: kept in a list (``folder`` None),
    or written one a line into a new file of ``folder`` (none when there are none)."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.records: list[str] = []
        self.path = ""
        self.handle: TextIO | None = None

    def add(self, record: str) -> None:
        if self.folder is None:
            self.records.append(record)
        elif self.handle is None:
            fd, self.path = tempfile.mkstemp(suffix=".records", dir=self.folder)
            self.handle = open(fd, "w", encoding="utf-8", newline="\n")  # noqa: SIM115
            self.handle.write(record)
        else:
            self.handle.write("\n")
            self.handle.write(record)

    def close(self) -> tuple[list[str], str]:
        """(the records kept, the file they are in: "" for none)."""
        if self.handle is not None:
            self.handle.close()
            self.handle = None
        return self.records, self.path

    def discard(self) -> None:
        self.close()
        if self.path:
            Path(self.path).unlink(missing_ok=True)
            self.path = ""
        self.records = []


def _export_job(shop: Workshop, fmt: str) -> JobResult:
    """One data export: its files, or why the edition cannot fill it.

    A format the edition cannot fill (CMIF needs the editor's e-mail address and
    its own URL) is a warning: the site is still worth having without it."""
    site = shop.site
    assert site is not None and site.export_options is not None
    edition = site.edition
    name, label = next((name, label) for f, name, label in EXPORTS if f == fmt)
    # The writers take everything from the index but CMIF's header: the edition
    # file's, else the first letter's (as export_all hands them).
    heads = [d for d in edition.order if d.kind == "edition"]
    heads += [d for d in edition.order if d.kind == "letter"][:1]
    docs = []
    for d in heads:
        try:
            docs.append(edition.document(d))
        except LoadError:
            continue
    with tempfile.TemporaryDirectory(prefix="teikit-export-") as tmp:
        try:
            written = export(
                docs, Path(tmp) / name, fmt, index=edition.index, options=site.export_options
            )
        except TeikitError as exc:
            message = f"no {label} export: {exc.message}"
            skipped = diag(site.source, message, f"{fmt}-skipped", Severity.WARNING)
            return JobResult(None, [skipped])
        stored = [
            site.outputs.store(
                "downloads/data/" + path.relative_to(tmp).as_posix(), path.read_bytes()
            )
            for path in sorted(written)
        ]
    return JobResult(None, [], stored=stored)


def edition_job(shop: Workshop, item: tuple[str, str]) -> JobResult:
    """A data export (``("export", format)``) or a register section's page
    (``("section", page)``) of the edition's own outputs."""
    kind, name = item
    return _export_job(shop, name) if kind == "export" else _finish_section(shop, name)


def _finish_section(shop: Workshop, page: str) -> JobResult:
    """A register section's page: put into the site, with every occurrence of every
    entry under it."""
    site = shop.site
    assert site is not None and site.pages is not None
    found: list[Diagnostic] = []
    root = parse_page(site.pages.sections[page])
    site.chrome.decorate(root, page, found)
    pieces = occurrence_pages(
        root, page, site.edition, site.entities, site.pages.facts, site.chrome.msg
    )
    del root  # the generator holds the page until it has serialised it
    return JobResult(None, found, stored=[site.outputs.store_pieces(page, pieces)])


@dataclass(frozen=True)
class Typeset:
    """A PDF's Typst source, on its way to a worker that compiles it."""

    job: Job
    typst: str | bytes | None
    file: str  # the name Typst's diagnostics carry
    diagnostics: list[Diagnostic]  # the stylesheet's


def compile_typeset(shop: Workshop, work: Typeset) -> JobResult:
    """The PDF of one Typst source, written into the site here, in the worker (worker
    side): only a small record travels back."""
    try:
        pdf, warnings = render.compile_typst(work.typst or "", file=work.file)
    except render.PdfTooLargeError as exc:  # a warning: the site stands without this PDF
        return JobResult(None, work.diagnostics + list(exc.diagnostics), stored=[])
    except TeikitError as exc:
        return _failed(work.job, exc, [])  # as render_pdf: without the stylesheet's messages
    except OSError as exc:
        return JobResult(None, [diag(work.job.path, f"cannot render: {exc}", "render-failed")])
    assert shop.site is not None
    stored = shop.site.outputs.store(work.job.output, pdf)
    return JobResult(None, work.diagnostics + warnings, stored=[stored])


def compile_job(shop: Workshop, index: int) -> JobResult:
    """The PDF of the ``index``-th Typst source of the first round (worker side)."""
    job, first = shop.typst[index]
    text: str | bytes | None = first.typst
    if first.typst_path:
        path = Path(first.typst_path)
        text = path.read_bytes()  # UTF-8, as Typst reads it: no string of it is made
        path.unlink(missing_ok=True)
    return compile_typeset(shop, Typeset(job, text, first.file, first.diagnostics))


def gave_up(file: str, what: str, failure: WorkerFailure) -> JobResult:
    """An output a worker hung, crashed or failed on: a finding, and the build goes on."""
    if failure.kind == "timeout":
        message = (
            f"gave up on {what} after {failure.seconds:g} s: the worker did not finish "
            "(--timeout sets the limit, for each MB of a larger file)"
        )
        return JobResult(None, [diag(file, message, "timeout")])
    message = f"cannot make {what}: " + failure.message("the worker")
    return JobResult(None, [diag(file, message, "worker-crashed")])


def job_timed_out(job: Job, failure: WorkerFailure) -> JobResult:
    return gave_up(job.path or FULL_PDF, f"the {job.kind} of {job.page or job.path}", failure)


def _failed(job: Job, exc: TeikitError, found: list[Diagnostic]) -> JobResult:
    failed = list(exc.diagnostics) or [diag(job.path, exc.message, "render-failed")]
    if not any(d.severity >= Severity.ERROR for d in failed):
        failed.append(diag(job.path, exc.message, "render-failed"))
    return JobResult(None, found + failed)


@dataclass
class Pages:
    """What the edition's own pages need of the rendered ones."""

    facts: dict[str, PageFacts] = field(default_factory=dict)  # by page, documents only
    sections: dict[str, bytes] = field(default_factory=dict)  # register sections, undecorated
    intro: bytes | None = None  # the introduction's page, for the home page
