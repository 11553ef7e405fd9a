"""The edition as the site shows it: its documents and their pages, the register
sections, and the entities with their pages (all taken from the edition model)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from lxml import etree

from teikit.document import TEI_NS, Document, load
from teikit.edition import DocumentFacts, Edition, merged_register, reading_order
from teikit.errors import Diagnostic, Severity
from teikit.index import EntityIndex, Entry, Letter, Party, XPaths, build_index, flatten
from teikit.site.outputs import diag, page_name

T = f"{{{TEI_NS}}}"

# Register sections: (section, list element, page, index entity type); their
# headings are the catalog's (section.persons …).
SECTIONS = (
    ("persons", "listPerson", "persons.html", "person"),
    ("places", "listPlace", "places.html", "place"),
    ("organisations", "listOrg", "organisations.html", "org"),
    ("works", "listBibl", "works.html", "work"),
    ("events", "listEvent", "events.html", "event"),
    ("terms", "taxonomy", "terms.html", "term"),
)
SECTION_PAGE = {kind: page for _, _, page, kind in SECTIONS}

HOME, CHRONOLOGY, SEARCH, DOWNLOADS = (
    "index.html",
    "chronology.html",
    "search.html",
    "downloads.html",
)
SEARCH_INDEX = "search-index.js"
REGISTER_PAGE = "register.html"
FULL_PDF = "downloads/pdf/full-edition.pdf"
PRINCIPLES = "principles.html"  # the editorial principles of the contents file

RESERVED = frozenset(
    {HOME, CHRONOLOGY, SEARCH, DOWNLOADS, SEARCH_INDEX, REGISTER_PAGE, PRINCIPLES}
    | {page for _, _, page, _ in SECTIONS}
)
# Data exports: (format, file under downloads/data/, label); described by the catalog (export.*).
EXPORTS = (
    ("cmif", "edition.cmif.xml", "CMIF"),
    ("csv", "csv", "CSV"),
    ("geojson", "places.geojson", "GeoJSON"),
    ("jsonld", "edition.jsonld", "JSON-LD"),
)

# Elements the entity index may count as a mention; the site profile gives each an id.
MENTION_TAGS = frozenset(
    f"{T}{name}"
    for name in (
        "persName",
        "placeName",
        "orgName",
        "title",
        "name",
        "rs",
        "geogName",
        "settlement",
        "country",
        "region",
        "bloc",
        "district",
        "eventName",
        "sp",
    )
)


def text_of(el: etree._Element | None) -> str:
    """Reading text of a TEI element (corr over sic, no notes), whitespace-normalised."""
    return " ".join(flatten(el)[0].split()) if el is not None else ""


def safe_id(value: str) -> str:
    """What the stylesheets' tk:safe-id makes of an xml:id (register anchors)."""
    clean = re.sub(r"[^A-Za-z0-9_.\-]", "_", re.sub(r"[ \t\r\n]+", " ", value).strip(" \t\r\n"))
    return clean if re.match(r"[A-Za-z]", clean) else "id-" + clean


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


def mention_anchors_in_file(path: str) -> dict[str, str]:
    """:func:`mention_anchors` of the document in the file at ``path`` (one that
    loaded before: teikit.document.load), read as a stream: its elements are
    numbered and their steps counted as they are parsed, and each one is let go
    once it ends. Neither the document's tree nor a proxy and a cached path for
    each of its elements is held (the 20 MB diary: a tree of 170 MB and 90 MB of
    XPaths' caches, in the worker that finishes its page). Raises OSError or
    lxml's errors when the file cannot be read now."""
    parser = etree.XMLPullParser(events=("start", "end"), **_READ_AS_LOADED)
    parser.resolvers.add(_Refuse())
    number = 0
    open_: list[_Step] = []
    mentions: list[tuple[_Step, int]] = []
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 18):
            parser.feed(chunk)
            for event, el in parser.read_events():
                if event == "start":
                    number += 1
                    tag = el.tag
                    step = _Step(tag.rpartition("}")[2], open_[-1] if open_ else None)
                    open_.append(step)
                    if tag in MENTION_TAGS:
                        mentions.append((step, number))
                    continue
                open_.pop()
                # Let it go: its children are parsed, its earlier siblings' tails too
                # (its own may still be growing: it stays).
                el.clear(keep_tail=True)
                parent = el.getparent()
                if parent is not None:
                    while (previous := el.getprevious()) is not None:
                        parent.remove(previous)
    parser.close()
    return {step.path(): f"tk-m{n}" for step, n in mentions}


# The options teikit.document.load parses with (its _new_parser): the same elements.
_READ_AS_LOADED = {
    "no_network": True,
    "resolve_entities": False,
    "load_dtd": False,
    "dtd_validation": False,
    "attribute_defaults": False,
    "huge_tree": False,
    "collect_ids": False,
    "recover": False,
    "remove_blank_text": False,
}


class _Refuse(etree.Resolver):
    """Every external resource (a DOCTYPE's DTD: collect_ids=False makes libxml2
    fetch it, whatever load_dtd says) read as empty, as teikit.document's parser
    reads it: nothing outside the edition is read."""

    def resolve(self, system_url: str | None, public_id: str | None, context: object) -> object:
        return self.resolve_string("", context)


class _Step:
    """An element's step in :meth:`Document.xpath_of`'s path, as its siblings are
    counted (XPaths): its local name, with its position among its parent's
    children of that name when there is more than one."""

    __slots__ = ("counts", "key", "made", "parent", "position")

    def __init__(self, key: str, parent: _Step | None) -> None:
        self.key = key
        self.parent = parent
        self.counts: dict[str, int] | None = None  # its children's names, counted
        self.made: str | None = None
        if parent is None:
            self.position = 1  # the root: the only element among the nodes around it
        else:
            counts = parent.counts
            if counts is None:
                counts = parent.counts = {}
            self.position = counts[key] = counts.get(key, 0) + 1

    def path(self) -> str:
        if self.made is not None:
            return self.made
        chain: list[_Step] = []
        step: _Step | None = self
        while step is not None and step.made is None:
            chain.append(step)
            step = step.parent
        path = step.made if step is not None else ""
        for item in reversed(chain):
            parent = item.parent
            if parent is None or parent.counts is None or parent.counts[item.key] == 1:
                path = f"{path}/{item.key}"
            else:
                path = f"{path}/{item.key}[{item.position}]"
            item.made = path
        return path


# --------------------------------------------------------------------------- the edition


@dataclass
class Doc:
    """One TEI file of the edition and where it goes. The site's parent holds the
    document itself only when the edition model needs it at hand (registers, the
    edition file, documents given as such); the others are read where they are
    rendered (:meth:`SiteEdition.document`)."""

    file: str  # path relative to the edition folder, "/"-separated
    path: Path
    doc: Document | None  # None: read from ``path`` where it is needed
    key: str  # the edition model's key of the document (its absolute path)
    size: int  # bytes of TEI
    page: str  # e.g. letter-1954-06-22.html
    kind: str  # the edition model's: letter register introduction drama edition other
    title: str
    short_title: str
    date: str = ""  # letters: the sent date
    summary: str = ""  # letters: the summary of their contents (msContents/summary)
    data: bytes | None = None  # the TEI of a document given without a file


# The merged register (when the edition keeps its registers in more than one file),
# as workers find it among the loaded documents.
MERGED_REGISTER = "<registers>"


class SiteEdition:
    """The loaded edition as the site uses it: the edition model's documents (kind,
    titles, reading order, registers), their pages, and the entity index.

    ``facts`` (each document's :class:`~teikit.edition.DocumentFacts`, also of those
    the model does not hold) give the reading order, ``index`` the entity index
    and ``languages`` the documents' languages, when they were gathered in one
    pass over the edition; else they come from the model's documents."""

    def __init__(
        self,
        model: Edition,
        docs: list[Doc],
        *,
        facts: Sequence[DocumentFacts] | None = None,
        index: EntityIndex | None = None,
        languages: tuple[str, ...] | None = None,
    ) -> None:
        self.model = model
        self.docs = docs
        self.by_file = {d.file: d for d in docs}
        # Pages are made per file, keyed as the model keys them: a teiCorpus's own
        # part stands for its file; the TEI documents inside it get no page yet.
        by_key = {d.key: d for d in docs}
        self.index: EntityIndex = index if index is not None else build_index(model)
        self.languages = languages if languages is not None else model.languages
        dates = {lt.file: lt.date for lt in self.index.letters}
        for d in docs:
            d.date = dates.get(d.file, "")
        if facts is None:
            facts = [model.facts(doc) for doc in model.documents]
        self.order = [by_key[f.key] for f in reading_order(facts) if f.key in by_key]
        edition_file = model.edition_file
        self.contents = by_key.get(model.key_of(edition_file)) if edition_file else None
        intros = [d for d in self.order if d.kind == "introduction"]
        self.intro = intros[0] if intros else None
        # The editorial principles are those the contents file declares for the edition.
        self.principles = (
            self.contents
            if self.contents is not None
            and self.document(self.contents).root.find(
                f"{T}teiHeader/{T}encodingDesc/{T}editorialDecl"
            )
            is not None
            else None
        )
        # The register the stylesheets get: one of the files, or all of them merged.
        self.register_doc: Document | None = model.register_document
        if self.register_doc is not None and model.kind(self.register_doc) != "register":
            # The registers live in a letter (its <back>, its header's taxonomy): the
            # register pages are made from a register document of their own.
            self.register_doc = merged_register(model)
        reg = self.register_doc
        self.register = by_key.get(model.key_of(reg)) if reg is not None else None
        self.register_path = (
            "" if reg is None else str(self.register.path) if self.register else MERGED_REGISTER
        )
        self.sections = self._sections()
        self.title = model.title or "Edition"

    @staticmethod
    def document(d: Doc) -> Document:
        """The document of ``d``: held, or read again (raises LoadError)."""
        if d.doc is not None:
            return d.doc
        return load(d.data, path=str(d.path)) if d.data is not None else load(str(d.path))

    def _sections(self) -> list[tuple[str, str, str, str, str]]:
        types = set(self.model.registers.types)
        return [s for s in SECTIONS if s[3] in types]

    def letters(self) -> list[tuple[Letter, Doc]]:
        out = []
        for letter in self.index.letters:
            d = self.by_file.get(letter.file)
            if d is not None:
                out.append((letter, d))
        return out


def summary_of(doc: Document) -> str:
    """A letter's summary of its contents (``msContents/summary``), as text."""
    return text_of(
        doc.root.find(f"{T}teiHeader/{T}fileDesc/{T}sourceDesc//{T}msContents/{T}summary")
    )


def assign_pages(docs: list[Doc], diagnostics: list[Diagnostic]) -> None:
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
                diag(
                    str(d.path),
                    f"page name {natural} is taken by the site; the page is {name}",
                    "page-renamed",
                    Severity.WARNING,
                )
            )
        taken.add(name)
        d.page = name


def ids_of(root: etree._Element | None) -> set[str]:
    if root is None:
        return set()
    return {el.get("id", "") for el in root.iter(etree.Element) if el.get("id")}


# --------------------------------------------------------------------------- entities


class Entities:
    """The registered persons, places, organisations and works, with their pages."""

    def __init__(self, edition: SiteEdition) -> None:
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


@dataclass
class PageFacts:
    """What the edition's own pages (registers, search index) need of a document
    page: taken from the page where it is made, in a worker, so that no page tree
    has to be kept for them."""

    anchors: dict[str, str]  # xpath of a mention -> its anchor, where it is on the page
    metadata: bool  # the page has the metadata panel's heading (tk-metadata-heading)
    records: list[str]  # search records as JSON objects, without their document number
    # or the file they wait in, one a line (the edition's text, some 100 MB for
    # 5,000 letters, is not held in the parent until the search index is written)
    records_file: str = ""

    def search_records(self) -> Iterator[str]:
        """The page's search records, as kept or as read from their file."""
        yield from self.records
        if self.records_file:
            with open(self.records_file, encoding="utf-8", newline="\n") as handle:
                for line in handle:
                    yield line[:-1] if line.endswith("\n") else line
