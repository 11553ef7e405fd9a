"""The entity index of an edition: who, where, which organisation, which work and
which date is mentioned where, resolved against the edition's registers.

``build_index(docs)`` walks every mention (``persName``, ``placeName``,
``orgName``, ``title``, and ``rs``/``name``/``settlement``… that carry a
pointer), resolves it through a :class:`~teikit.refs.Corpus` and returns an
:class:`EntityIndex`: one :class:`Entry` per register entry (or unregistered
name) with its register data and every :class:`Occurrence`, the dates, the
chronology of the letters and the registers' relations. ``suggest()`` finds
register names that occur in the text without being tagged.

The index builds on three modules, each with one concern: :mod:`teikit.refs`
resolves pointers (shared with :mod:`teikit.rules`, so the index and the
integrity checks never disagree about what a pointer means), :mod:`teikit.dates`
parses W3C dates and :mod:`teikit.reading` gives the reading text of a mention
and folds names for matching and sorting. The names they took with them are
re-exported here, so imports from :mod:`teikit.index` keep working.

Writers for the index (JSON, CSV, TEI, Markdown) live in
:mod:`teikit.exports.index_formats`.
"""

from __future__ import annotations

import bisect
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from urllib.parse import urlsplit

from lxml import etree

from teikit.dates import DATE_ATTRIBUTES, W3CDate, date_sort_key, parse_date
from teikit.document import TEI_NS, Document
from teikit.reading import (
    choose_reading,
    flatten,
    fold,
    fold_char,
    in_egxml,
    is_tei,
    localname,
    normalize_space,
    reading_text,
    snippet,
    text_value,
)
from teikit.refs import (
    EXTERNAL_SCHEMES,
    REGISTER_ENTRY_TYPES,
    REGISTER_LISTS,
    XML_ID,
    Corpus,
    Target,
    has_register,
    is_pseudo_path,
    iter_attributes,
    pointer_tokens,
    register_entries,
    registers_present,
)

__all__ = [
    "ENTITY_TYPES",
    "INDEX_TYPES",
    "Candidate",
    "DateEntry",
    "DocumentInfo",
    "EntityIndex",
    "Entry",
    "Letter",
    "Occurrence",
    "Party",
    "Relation",
    "Suggestion",
    "XPaths",
    "build_index",
    "suggest",
    "where_of",
]
# Re-exports: these names were defined here before pointer resolution, dates and
# reading text moved to modules of their own; imports from teikit.index keep working.
__all__ += ["DATE_ATTRIBUTES", "W3CDate", "date_sort_key", "parse_date"]  # teikit.dates
__all__ += [  # teikit.reading
    "choose_reading",
    "flatten",
    "fold",
    "is_tei",
    "localname",
    "normalize_space",
    "snippet",
    "text_value",
]
__all__ += [  # teikit.refs
    "EXTERNAL_SCHEMES",
    "XML_ID",
    "Corpus",
    "Target",
    "iter_attributes",
    "pointer_tokens",
    "register_entries",
    "registers_present",
]

T = f"{{{TEI_NS}}}"

ENTITY_TYPES = ("person", "place", "org", "work")
INDEX_TYPES = (*ENTITY_TYPES, "date")

# Elements that name an entity whatever their attributes …
_NAME_TYPES = {"persName": "person", "placeName": "place", "orgName": "org", "title": "work"}
# … and elements that count as a mention only when they point somewhere.
_POINTING_NAME_TYPES = {
    "geogName": "place",
    "settlement": "place",
    "country": "place",
    "region": "place",
    "bloc": "place",
    "district": "place",
    "rs": "",
    "name": "",
}
# @type values of rs/name that say which kind of entity is meant.
_RS_TYPES = {
    "person": "person",
    "persName": "person",
    "place": "place",
    "placeName": "place",
    "org": "org",
    "orgName": "org",
    "organisation": "org",
    "organization": "org",
    "work": "work",
    "bibl": "work",
    "title": "work",
}
# Titles of the file itself, not mentions of a work.
_OWN_TITLE_PARENTS = frozenset({"titleStmt", "seriesStmt", "editionStmt"})
# Text blocks a context snippet is cut from.
_BLOCKS = frozenset(
    {
        "p", "ab", "head", "note", "item", "l", "salute", "signed", "dateline", "byline",
        "address", "addrLine", "label", "cell", "quote", "bibl", "correspAction", "summary",
        "desc", "occupation", "affiliation", "trailer", "docTitle", "titlePart", "docAuthor",
        "epigraph", "caption", "resp", "respStmt", "licence", "change", "title", "argument",
        "closer", "opener", "postscript", "msIdentifier", "event", "relation",
    }
)  # fmt: skip


# --------------------------------------------------------------------------- model


@dataclass(frozen=True)
class Occurrence:
    """One place an entity or date is mentioned."""

    file: str  # relative to the index root, "/"-separated
    title: str  # the document's title
    line: int
    xpath: str
    id: str  # xml:id of the mentioning element, "" if it has none
    where: str  # body | note | front | back | header | sender | addressee | register
    text: str  # the mention as it reads (corr over sic)
    snippet: str  # ~80 characters of context, whitespace-normalised
    attribute: str = ""  # the attribute that links it (ref, key …; when, from … for dates)
    # Position in document order: sorts occurrences; not part of any output.
    position: int = field(default=0, compare=False, repr=False)


@dataclass
class Entry:
    """A person, place, organisation or work, with register data and occurrences."""

    type: str  # person | place | org | work
    key: str  # "register.xml#id"; the pointer or "~type:name" when not in a register
    id: str  # xml:id in the register, "" when not registered
    name: str  # preferred name
    sort_name: str = ""
    surname: str = ""
    variants: list[str] = field(default_factory=list)
    subtype: str = ""  # @type of the entry (city, country …)
    birth: str = ""
    death: str = ""
    roles: list[str] = field(default_factory=list)
    coordinates: tuple[float, float] | None = None  # (latitude, longitude)
    authorities: list[str] = field(default_factory=list)
    note: str = ""
    register: str = ""  # file of the register entry, relative to the index root
    line: int = 0
    occurrences: list[Occurrence] = field(default_factory=list)

    @property
    def registered(self) -> bool:
        return bool(self.id)

    @property
    def files(self) -> list[str]:
        return sorted({o.file for o in self.occurrences})


@dataclass
class DateEntry:
    """One normalised date value and every place it is given."""

    value: str
    valid: bool
    occurrences: list[Occurrence] = field(default_factory=list)


@dataclass(frozen=True)
class Party:
    """A sender, addressee or place of a letter."""

    type: str  # person | org | place
    key: str  # entry key ("register.xml#id"), or "" when unresolved
    id: str
    name: str  # preferred register name, else the text
    text: str  # as written in correspAction
    cert: str = ""  # @cert as the edition gives it (high, medium, low …), "" when certain
    evidence: str = ""  # @evidence: internal, external, conjecture, or ""


@dataclass
class Letter:
    """One act of correspondence (one ``correspDesc``)."""

    id: str
    file: str
    title: str
    short_title: str
    date: str  # the sent date (when, else from/notBefore), else the received date
    sent: dict[str, str] = field(default_factory=dict)  # date attributes of the sent date
    received: dict[str, str] = field(default_factory=dict)
    senders: list[Party] = field(default_factory=list)
    addressees: list[Party] = field(default_factory=list)
    places_sent: list[Party] = field(default_factory=list)
    places_received: list[Party] = field(default_factory=list)
    archival: list[str] = field(default_factory=list)  # repository, collection, idno
    prev: list[str] = field(default_factory=list)
    next: list[str] = field(default_factory=list)
    line: int = 0


@dataclass(frozen=True)
class Relation:
    """A ``relation`` of a register's ``listRelation``, with entry keys."""

    name: str
    active: tuple[str, ...]
    passive: tuple[str, ...]
    mutual: tuple[str, ...]
    when: str
    desc: str
    file: str
    type: str = ""


@dataclass(frozen=True)
class DocumentInfo:
    file: str
    id: str
    title: str
    kind: str  # letter | register | text


@dataclass
class EntityIndex:
    """Everything :func:`build_index` found. Lists are sorted and deterministic."""

    root: str  # absolute directory every ``file`` is relative to
    documents: list[DocumentInfo] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    dates: list[DateEntry] = field(default_factory=list)
    letters: list[Letter] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)

    def of_type(self, kind: str) -> list[Entry]:
        return [e for e in self.entries if e.type == kind]

    @property
    def persons(self) -> list[Entry]:
        return self.of_type("person")

    @property
    def places(self) -> list[Entry]:
        return self.of_type("place")

    @property
    def organisations(self) -> list[Entry]:
        return self.of_type("org")

    @property
    def works(self) -> list[Entry]:
        return self.of_type("work")

    def get(self, key_or_id: str) -> Entry | None:
        """An entry by key (``register.xml#tito``) or by bare register id (``tito``)."""
        for entry in self.entries:
            if key_or_id in (entry.key, entry.id):
                return entry
        return None


# --------------------------------------------------------------------------- snippets


def _block_of(el: etree._Element) -> etree._Element:
    for anc in el.iterancestors():
        if localname(anc) in _BLOCKS and is_tei(anc):
            return anc
    parent = el.getparent()
    return parent if parent is not None else el


class _Snippets:
    """Context snippets, flattening each block once however many mentions it holds."""

    def __init__(self) -> None:
        self._cache: dict[etree._Element, tuple[str, dict[etree._Element, tuple[int, int]]]] = {}

    def text_and_snippet(self, el: etree._Element) -> tuple[str, str]:
        block = _block_of(el)
        if block not in self._cache:
            self._cache[block] = flatten(block)
        text, spans = self._cache[block]
        if el not in spans:  # inside something the reading text leaves out (sic, del)
            own = reading_text(el)
            return own, own
        start, end = spans[el]
        return normalize_space(text[start:end]), snippet(text, start, end)


# --------------------------------------------------------------------------- where


def where_of(el: etree._Element) -> str:
    """Which part of the document ``el`` is in (see :class:`Occurrence`)."""
    in_note = in_register = False
    division = "body"
    for anc in (el, *el.iterancestors()):
        name = localname(anc)
        if name == "correspAction":
            kind = anc.get("type", "")
            return {"sent": "sender", "received": "addressee"}.get(kind, "header")
        if name == "teiHeader":
            return "header"
        if name in REGISTER_LISTS or name in ("listRelation", "standOff"):
            in_register = True
        elif name == "note":
            in_note = True
        elif name in ("back", "front") and division == "body":
            division = name
    if in_register:
        return "register"
    return "note" if in_note else division


def _step_key(node: etree._Element) -> str | None:
    """What :meth:`Document.xpath_of` counts a node among its siblings as (None: an
    entity reference, which it names ``text()`` without counting)."""
    tag = node.tag
    if isinstance(tag, str):
        return tag.rpartition("}")[2]
    if tag is etree.Comment:
        return "comment()"
    if tag is etree.ProcessingInstruction:
        return "processing-instruction()"
    return None


class XPaths:
    """:meth:`Document.xpath_of` for many elements of one document, the same paths,
    but each parent's children are counted once and each ancestor's path is made
    once (``xpath_of`` counts the siblings at every step of every path). Keep one
    per document, for as long as its paths are wanted: it holds them all."""

    def __init__(self) -> None:
        self._paths: dict[etree._Element, str] = {}
        self._steps: dict[etree._Element, str] = {}

    def __call__(self, el: etree._Element) -> str:
        chain: list[etree._Element] = []
        node: etree._Element | None = el
        while node is not None and node not in self._paths:
            chain.append(node)
            node = node.getparent()
        path = self._paths[node] if node is not None else ""
        for item in reversed(chain):
            path = f"{path}/{self._step(item)}"
            self._paths[item] = path
        return path

    def _step(self, node: etree._Element) -> str:
        step = self._steps.get(node)
        if step is not None:
            return step
        parent = node.getparent()
        if parent is not None:
            siblings = list(parent)
        else:  # the root, among the comments and processing instructions around it
            siblings = [*reversed(list(node.itersiblings(preceding=True))), node]
            siblings += node.itersiblings()
        keys = [_step_key(s) for s in siblings]
        total: dict[str | None, int] = {}
        for key in keys:
            total[key] = total.get(key, 0) + 1
        seen: dict[str | None, int] = {}
        for sibling, key in zip(siblings, keys, strict=True):
            if key is None:
                self._steps[sibling] = "text()"
                continue
            seen[key] = seen.get(key, 0) + 1
            self._steps[sibling] = f"{key}[{seen[key]}]" if total[key] > 1 else key
        return self._steps[node]


def _occurrence(
    xpath: str,
    el: etree._Element,
    file: str,
    title: str,
    text: str,
    snippet: str,
    attribute: str,
    position: int,
) -> Occurrence:
    """``el`` (the ``position``-th candidate of its document, found at ``xpath``) as an
    occurrence linked by ``attribute``; ``file`` and ``title`` are the document's, as
    the index shows them."""
    return Occurrence(
        file=file,
        title=title,
        line=el.sourceline or 0,
        xpath=xpath,
        id=el.get(XML_ID, ""),
        where=where_of(el),
        text=text,
        snippet=snippet,
        attribute=attribute,
        position=position,
    )


# --------------------------------------------------------------------------- building


def _children(el: etree._Element, *names: str) -> list[etree._Element]:
    wanted = {f"{T}{n}" for n in names}
    return [c for c in el if c.tag in wanted]


_AUTHORITY_BASES = {
    "viaf": "https://viaf.org/viaf/",
    "gnd": "https://d-nb.info/gnd/",
    "geonames": "https://www.geonames.org/",
    "wikidata": "https://www.wikidata.org/entity/",
}


def _authority_uri(idno: etree._Element) -> str:
    value = text_value(idno)
    kind = (idno.get("type") or "").lower()
    if value.startswith(("http://", "https://")):
        return value
    if kind in _AUTHORITY_BASES and value:
        return _AUTHORITY_BASES[kind] + value
    return ""


def _authorities(el: etree._Element) -> list[str]:
    found: list[str] = []
    for idno in _children(el, "idno"):
        uri = _authority_uri(idno)
        if uri:
            found.append(uri)
    for attr in ("sameAs", "ref", "corresp"):
        found.extend(t for t in pointer_tokens(el.get(attr)) if t.startswith(("http:", "https:")))
    return list(dict.fromkeys(found))


def _life_date(el: etree._Element | None) -> str:
    if el is None:
        return ""
    if el.get("when"):
        return el.get("when", "").strip()
    low = el.get("notBefore") or el.get("from")
    high = el.get("notAfter") or el.get("to")
    if low or high:
        return f"{(low or '').strip()}/{(high or '').strip()}"
    return reading_text(el)


def _geo(el: etree._Element) -> tuple[float, float] | None:
    for geo in el.iter(f"{T}geo"):
        parts = text_value(geo).replace(",", " ").split()
        if len(parts) == 2:
            try:
                lat, lon = float(parts[0]), float(parts[1])
            except ValueError:
                continue
            if -90 <= lat <= 90 and -180 <= lon <= 180:
                return (lat, lon)
    return None


def _preferred(names: list[etree._Element], *preferred: str) -> etree._Element | None:
    for kind in preferred:
        for n in names:
            if n.get("type") == kind:
                return n
    untyped = [n for n in names if n.get("type") not in ("variant", "abbr", "short", "alt")]
    candidates = untyped or names
    return candidates[0] if candidates else None


def _entry_from_register(el: etree._Element, kind: str, key: str, register_file: str) -> Entry:
    name_tag = {"person": "persName", "place": "placeName", "org": "orgName", "work": "title"}[kind]
    if kind == "work" and localname(el) == "biblStruct":
        names = list(el.iter(f"{T}title"))
    else:
        names = _children(el, name_tag)
        if kind == "place" and not names:
            names = _children(el, "geogName", "settlement", "country", "region", "bloc")
    preferred = _preferred(names, "preferred", "full", "main", "reg")
    name = reading_text(preferred) or el.get(XML_ID, "")
    variants = [t for t in dict.fromkeys(reading_text(n) for n in names) if t and t != name]
    surname = ""
    sort_name = name
    if kind == "person" and preferred is not None:
        surnames = [reading_text(s) for s in preferred.iter(f"{T}surname")]
        forenames = [reading_text(f) for f in preferred.iter(f"{T}forename")]
        if surnames:
            surname = " ".join(surnames)
            sort_name = ", ".join(x for x in (surname, " ".join(forenames)) if x)
    note = _children(el, "note")
    note_text = reading_text(note[0]) if note else ""
    if len(note_text) > 500:
        note_text = note_text[:499].rstrip() + "…"
    return Entry(
        type=kind,
        key=key,
        id=el.get(XML_ID, "").strip(),
        name=name,
        sort_name=sort_name,
        surname=surname,
        variants=variants,
        subtype=el.get("type", ""),
        birth=_life_date(next(iter(_children(el, "birth")), None)),
        death=_life_date(next(iter(_children(el, "death")), None)),
        roles=[t for t in (reading_text(o) for o in _children(el, "occupation")) if t],
        coordinates=_geo(el) if kind == "place" else None,
        authorities=_authorities(el),
        note=note_text,
        register=register_file,
        line=el.sourceline or 0,
    )


def _normal_uri(uri: str) -> str:
    """Compare authority URIs without scheme, www. and trailing slash differences."""
    parts = urlsplit(uri.strip())
    host = parts.netloc.lower().removeprefix("www.")
    return f"{host}{parts.path.rstrip('/')}" + (f"?{parts.query}" if parts.query else "")


class _Builder:
    def __init__(self, corpus: Corpus) -> None:
        self.corpus = corpus
        given = corpus.documents
        dirs = [corpus.directory_of(d) for d in given] or [os.getcwd()]
        self.root = (
            os.path.commonpath(dirs) if len({os.path.splitdrive(d)[0] for d in dirs}) == 1 else ""
        )
        self.entries: dict[str, Entry] = {}
        self.by_uri: dict[str, str] = {}
        self.dates: dict[str, DateEntry] = {}
        self._rel: dict[str, str] = {}

    def rel(self, doc: Document) -> str:
        found = self._rel.get(doc.path)
        if found is None:  # once per file: every mention asks
            if is_pseudo_path(doc.path) or not self.root:
                found = doc.path
            else:
                found = PurePath(os.path.relpath(self.corpus.path_key(doc), self.root)).as_posix()
            self._rel[doc.path] = found
        return found

    def entry_key(self, doc: Document, ident: str) -> str:
        return f"{self.rel(doc)}#{ident}"

    # -- registers

    def collect_registers(self) -> None:
        for doc, el, kind in self.corpus.entries():
            self.register_entry(doc, el, kind)

    def register_entry(self, doc: Document, el: etree._Element, kind: str) -> Entry:
        """The Entry of a register element, made on first sight (registers loaded on
        demand while resolving appear after :meth:`collect_registers`)."""
        key = self.entry_key(doc, el.get(XML_ID, "").strip())
        entry = self.entries.get(key)
        if entry is None:
            entry = self.entries[key] = _entry_from_register(el, kind, key, self.rel(doc))
            for uri in entry.authorities:
                self.by_uri.setdefault(_normal_uri(uri), key)
        return entry

    # -- mentions

    def mention_type(self, el: etree._Element) -> str | None:
        """Entity type if ``el`` is a mention, else None."""
        name = localname(el)
        if name in _NAME_TYPES:
            parent = el.getparent()
            if name == "title" and parent is not None and localname(parent) in _OWN_TITLE_PARENTS:
                return None
            return _NAME_TYPES[name]
        if name in _POINTING_NAME_TYPES and (el.get("ref") or el.get("key")):
            return _POINTING_NAME_TYPES[name] or _RS_TYPES.get(el.get("type", ""), "")
        return None

    def entry_for(self, target: Target, kind: str, text: str) -> Entry | None:
        hit = self.corpus.entry_at(target)
        if hit is not None:
            return self.register_entry(*hit)
        if target.kind == "external":
            key = self.by_uri.get(_normal_uri(target.pointer))
            if key:
                return self.entries[key]
            if not kind:
                return None
            uri_key = target.pointer
            return self.entries.setdefault(
                uri_key, Entry(kind, uri_key, "", text, text, authorities=[target.pointer])
            )
        if target.kind == "missing" and kind:
            key = target.pointer
            return self.entries.setdefault(key, Entry(kind, key, "", text, text))
        return None  # points to something that is not an entity (an editor, a file)

    def unregistered(self, kind: str, text: str) -> Entry | None:
        if not kind or not text:
            return None
        key = f"~{kind}:{fold(text)}"
        return self.entries.setdefault(key, Entry(kind, key, "", text, text))

    def index_mentions(self, doc: Document, snippets: _Snippets, xpaths: XPaths) -> None:
        title = doc.title()
        file = self.rel(doc)
        names = (f"{T}{n}" for n in (*_NAME_TYPES, *_POINTING_NAME_TYPES))
        for position, el in enumerate(doc.root.iter(*names)):
            kind = self.mention_type(el)
            if kind is None or _skipped_mention(el):
                continue
            targets = self.corpus.targets(el, doc)
            text, context = snippets.text_and_snippet(el)
            hits: list[tuple[Entry, str]] = []
            for attribute, target in targets:
                entry = self.entry_for(target, kind, text)
                if entry is not None:
                    hits.append((entry, attribute))
            if not targets:
                if _inside_entry(el):
                    continue  # the register's own names define the entry, they do not mention it
                entry = self.unregistered(kind, text)
                if entry is not None:
                    hits.append((entry, ""))
            seen: set[str] = set()
            for entry, attribute in hits:
                if entry.key in seen:
                    continue  # ref="#a #a", or ref and key naming the same entry
                seen.add(entry.key)
                entry.occurrences.append(
                    _occurrence(xpaths(el), el, file, title, text, context, attribute, position)
                )

    # -- dates

    def index_dates(self, doc: Document, snippets: _Snippets, xpaths: XPaths) -> None:
        title, file = doc.title(), self.rel(doc)
        for position, el in enumerate(doc.root.iter(f"{T}date", f"{T}origDate")):
            if in_egxml(el):
                continue
            text, context = snippets.text_and_snippet(el)
            for attribute in DATE_ATTRIBUTES:
                raw = el.get(attribute)
                if raw is None:
                    continue
                value = raw.strip()
                entry = self.dates.setdefault(
                    value, DateEntry(value, parse_date(value) is not None)
                )
                entry.occurrences.append(
                    _occurrence(xpaths(el), el, file, title, text, context, attribute, position)
                )

    # -- letters

    def party(self, el: etree._Element, doc: Document, kind: str) -> Party:
        text = reading_text(el)
        how = {"cert": el.get("cert", "").strip(), "evidence": el.get("evidence", "").strip()}
        for _, target in self.corpus.targets(el, doc):
            entry = self.entry_for(target, "", text)
            if entry is not None and entry.registered:
                return Party(entry.type, entry.key, entry.id, entry.name, text, **how)
        return Party(kind, "", "", text, text, **how)

    def letters(self, doc: Document) -> list[Letter]:
        found = []
        descs = list(doc.root.iter(f"{T}correspDesc"))
        base_id = doc.root.get(XML_ID) or PurePath(doc.path).stem
        short = next(
            (
                reading_text(t)
                for t in doc.root.iterfind(f"{T}teiHeader/{T}fileDesc/{T}titleStmt/{T}title")
                if t.get("type") == "short"
            ),
            "",
        )
        archival = [_archival_reference(ms) for ms in _own_msidentifiers(doc)]
        for n, desc in enumerate(descs, 1):
            if in_egxml(desc):
                continue
            letter = Letter(
                id=desc.get(XML_ID) or (base_id if len(descs) == 1 else f"{base_id}-{n}"),
                file=self.rel(doc),
                title=doc.title(),
                short_title=short,
                date="",
                archival=[a for a in archival if a],
                line=desc.sourceline or 0,
            )
            for action in _children(desc, "correspAction"):
                kind = action.get("type", "")
                people = [
                    self.party(c, doc, {"orgName": "org"}.get(localname(c), "person"))
                    for c in action
                    if localname(c) in ("persName", "orgName", "name", "rs")
                ]
                places = [
                    self.party(c, doc, "place")
                    for c in action
                    if localname(c) in ("placeName", "settlement", "geogName")
                ]
                dates = _children(action, "date")
                attrs = {
                    a: dates[0].get(a, "").strip()
                    for a in DATE_ATTRIBUTES
                    if dates and dates[0].get(a)
                }
                if kind == "sent":
                    letter.senders += people
                    letter.places_sent += places
                    letter.sent = letter.sent or attrs
                elif kind == "received":
                    letter.addressees += people
                    letter.places_received += places
                    letter.received = letter.received or attrs
            for ctx in _children(desc, "correspContext"):
                for ref in ctx.iter(f"{T}ref", f"{T}ptr"):
                    if ref.get("type") == "prev":
                        letter.prev += pointer_tokens(ref.get("target"))
                    elif ref.get("type") == "next":
                        letter.next += pointer_tokens(ref.get("target"))
            letter.date = _letter_date(letter.sent) or _letter_date(letter.received)
            found.append(letter)
        return found

    def relations(self, doc: Document) -> list[Relation]:
        found = []
        for rel in doc.root.iter(f"{T}relation"):
            if in_egxml(rel):
                continue

            def keys(attr: str, rel: etree._Element = rel) -> tuple[str, ...]:
                out = []
                for token in pointer_tokens(rel.get(attr)):
                    hit = self.corpus.entry_at(self.corpus.resolve(token, doc))
                    out.append(
                        self.entry_key(hit[0], hit[1].get(XML_ID, "").strip()) if hit else token
                    )
                return tuple(out)

            found.append(
                Relation(
                    name=rel.get("name", "") or rel.get("ref", ""),
                    active=keys("active"),
                    passive=keys("passive"),
                    mutual=keys("mutual"),
                    when=rel.get("when", ""),
                    desc=reading_text(next(iter(_children(rel, "desc")), None)),
                    file=self.rel(doc),
                    type=rel.get("type", ""),
                )
            )
        return found


def _letter_date(attrs: dict[str, str]) -> str:
    for name in ("when", "from", "notBefore", "to", "notAfter"):
        if attrs.get(name):
            return attrs[name]
    return ""


def _own_msidentifiers(doc: Document) -> list[etree._Element]:
    header = doc.root.find(f"{T}teiHeader")
    if header is None:
        return []
    return [
        ms
        for ms in header.iterfind(f"{T}fileDesc/{T}sourceDesc//{T}msIdentifier")
        if not in_egxml(ms)
    ]


def _archival_reference(ms: etree._Element) -> str:
    """``repository, collection, idno``: the shelfmark as a citation."""
    parts = [reading_text(c) for c in ms if localname(c) in ("repository", "collection", "idno")]
    return ", ".join(p for p in parts if p)


def _skipped_mention(el: etree._Element) -> bool:
    """Quoted examples, and the alternatives a reading text does not show."""
    if in_egxml(el):
        return True
    for anc in el.iterancestors():
        parent = anc.getparent()
        if (
            parent is not None
            and localname(parent) == "choice"
            and choose_reading(parent) is not anc
        ):
            return True
    return False


def _inside_entry(el: etree._Element) -> bool:
    for anc in el.iterancestors():
        if localname(anc) in REGISTER_ENTRY_TYPES and anc.get(XML_ID):
            parent = anc.getparent()
            while parent is not None:
                if localname(parent) in REGISTER_LISTS:
                    return True
                parent = parent.getparent()
    return False


def _document_kind(doc: Document) -> str:
    if any(True for _ in doc.root.iter(f"{T}correspDesc")):
        return "letter"
    return "register" if has_register(doc) else "text"


def _occurrence_order(files: dict[str, int]) -> Callable[[Occurrence], tuple[int, str, int, int]]:
    return lambda o: (
        files.get(o.file, len(files)),
        o.file,
        o.position,
        DATE_ATTRIBUTES.index(o.attribute) if o.attribute in DATE_ATTRIBUTES else 0,
    )


def build_index(docs: Iterable[Document] | Corpus, *, follow_refs: bool = True) -> EntityIndex:
    """Index the persons, places, organisations, works and dates of ``docs``.

    Every register entry of the given documents is in the index, with or
    without occurrences; entries of registers that were only loaded to resolve
    a pointer (``follow_refs``) are in it when they are mentioned. Mentions
    without a pointer, or with one that resolves to no register entry, become
    unregistered entries (``id == ""``) so nothing mentioned is lost.
    """
    corpus = docs if isinstance(docs, Corpus) else Corpus(docs, follow=follow_refs)
    builder = _Builder(corpus)
    given = sorted(corpus.documents, key=builder.rel)
    builder.collect_registers()
    letters: list[Letter] = []
    relations: list[Relation] = []
    for doc in given:
        # One of each per document: they hold every block and path they made.
        snippets, xpaths = _Snippets(), XPaths()
        builder.index_mentions(doc, snippets, xpaths)
        builder.index_dates(doc, snippets, xpaths)
        letters += builder.letters(doc)
    for doc in sorted(corpus.all_documents, key=builder.rel):
        relations += builder.relations(doc)
    # Registers only loaded to resolve pointers contribute their mentioned entries.
    given_registers = {builder.rel(d) for d in given}
    files = {builder.rel(d): i for i, d in enumerate(given)}
    entries = [
        e
        for e in builder.entries.values()
        if e.occurrences or (e.registered and e.register in given_registers)
    ]
    order = _occurrence_order(files)
    for entry in entries:
        entry.occurrences.sort(key=order)
    for date in builder.dates.values():
        date.occurrences.sort(key=order)
    entries.sort(key=lambda e: (ENTITY_TYPES.index(e.type), fold(e.sort_name or e.name), e.key))
    letters.sort(key=lambda lt: (date_sort_key(lt.date) if lt.date else (3,), lt.file, lt.id))
    return EntityIndex(
        root=builder.root,
        documents=[
            DocumentInfo(
                builder.rel(d),
                d.root.get(XML_ID) or PurePath(d.path).stem,
                d.title(),
                _document_kind(d),
            )
            for d in given
        ],
        entries=entries,
        dates=sorted(builder.dates.values(), key=lambda d: date_sort_key(d.value)),
        letters=letters,
        relations=sorted(relations, key=lambda r: (r.file, r.name, r.active, r.passive, r.mutual)),
    )


# --------------------------------------------------------------------------- suggest


@dataclass(frozen=True)
class Candidate:
    """A register entry an untagged name may refer to."""

    type: str
    key: str
    id: str
    name: str


@dataclass(frozen=True)
class Suggestion:
    """A register name found in the text without being tagged."""

    file: str  # the document's path as loaded
    line: int
    xpath: str  # the element whose text holds the name
    where: str
    text: str  # as written
    matched: str  # the register form it matched
    snippet: str
    candidates: tuple[Candidate, ...]

    def format(self) -> str:
        """``file:line: "text" may be Name (key), …: snippet`` on one line."""
        who = ", ".join(f"{c.name} ({c.key})" for c in self.candidates)
        return f'{self.file}:{self.line}: "{self.text}" may be {who}: {self.snippet}'


_SEP = "\x00"  # between runs that must not join into one word
_INLINE = frozenset(
    {
        "hi", "emph", "foreign", "term", "supplied", "corr", "reg", "expan", "ex", "add",
        "unclear", "choice", "seg", "w", "c", "g", "q", "said", "mentioned", "soCalled",
        "distinct", "num", "measure", "date", "time", "ref", "ptr", "abbr", "sic", "orig",
        "gloss", "am", "damage", "subst", "restore", "surplus", "secl", "quote", "span",
    }
)  # fmt: skip
# Shown in snippets but never searched: names already tagged, identifiers.
_SKIP_SUGGEST = frozenset(
    {
        *_NAME_TYPES, *_POINTING_NAME_TYPES, "roleName", "addName", "forename", "surname",
        "genName", "nameLink", "idno",
    }
)  # fmt: skip
# Not part of the reading text at all: the header, the registers, deletions.
_HIDE_SUGGEST = frozenset({*REGISTER_LISTS, "listRelation", "standOff", "teiHeader", "del", "fw"})


def _search_terms(index: EntityIndex) -> dict[str, tuple[str, list[Entry]]]:
    """folded form -> (register form, entries); only registered entries."""
    terms: dict[str, tuple[str, list[Entry]]] = {}
    for entry in index.entries:
        if not entry.registered:
            continue
        forms = [entry.name, *entry.variants]
        if entry.surname:
            forms.append(entry.surname)
        for form in forms:
            for variant in {fold(form), fold(form, dj="d")}:
                if len(variant.replace(" ", "")) < 3:
                    continue
                _, owners = terms.setdefault(variant, (form, []))
                if entry not in owners:
                    owners.append(entry)
    return terms


@dataclass
class _Run:
    start: int
    line: int
    element: etree._Element
    text: str


def _text_stream(text_el: etree._Element) -> tuple[str, list[_Run], list[tuple[int, int]]]:
    """The reading text of ``text_el`` as one string, where each run came from, and the
    ranges that must not be searched (names already tagged, pointing elements)."""
    parts: list[str] = []
    runs: list[_Run] = []
    masked: list[tuple[int, int]] = []
    pos = 0
    line = text_el.sourceline or 0

    def emit(text: str | None, owner: etree._Element) -> None:
        nonlocal pos, line
        if not text:
            return
        runs.append(_Run(pos, line, owner, text))
        parts.append(text)
        pos += len(text)
        line += text.count("\n")

    def sep() -> None:
        nonlocal pos
        parts.append(_SEP)
        pos += 1

    def walk(el: etree._Element) -> None:
        nonlocal line
        line = max(line, el.sourceline or 0)
        name = localname(el)
        if name in _HIDE_SUGGEST or not is_tei(el):
            sep()  # left out of the reading text altogether
            line += sum(str(t).count("\n") for t in el.itertext()) if is_tei(el) else 0
            return
        if name in _SKIP_SUGGEST or el.get("ref") or el.get("key"):
            sep()  # shown in snippets, never searched
            start = pos
            emit(flatten(el)[0], el)
            masked.append((start, pos))
            sep()
            return
        inline = name in _INLINE
        if not inline:
            sep()
        if name in ("lb", "cb", "pb"):
            emit(" " if el.get("break") != "no" else "", el)
        elif name == "choice":
            chosen = choose_reading(el)
            if chosen is not None:
                walk(chosen)
        else:
            emit(el.text, el)
            for child in el:
                if localname(child):
                    walk(child)
                emit(child.tail, el)
        if not inline:
            sep()

    walk(text_el)
    return "".join(parts), runs, masked


def _folded_with_map(text: str, masked: Sequence[tuple[int, int]]) -> tuple[str, list[int]]:
    """Fold ``text`` keeping, for every folded character, the index it came from;
    masked ranges fold to separators."""
    # Not fold(): a match must map back to offsets in the stream, so each character
    # is folded on its own with fold_char, as fold() folds them.
    out: list[str] = []
    origin: list[int] = []
    last_space = False
    ranges = iter(masked)
    current = next(ranges, None)
    for i, ch in enumerate(text):
        while current is not None and i >= current[1]:
            current = next(ranges, None)
        if current is not None and current[0] <= i:
            ch = _SEP
        if ch.isspace():
            if not last_space:
                out.append(" ")
                origin.append(i)
            last_space = True
            continue
        last_space = False
        for f in fold_char(ch):
            if f.isspace():
                continue
            out.append(f)
            origin.append(i)
    return "".join(out), origin


_SEP_NO_SPACE = re.compile(rf"(?<=[\s(\[‘“]){_SEP}+|{_SEP}+(?=[\s.,;:!?)\]’”]|\Z)")


def _readable(stream: str) -> str:
    """The stream for snippets: separators vanish next to spaces and punctuation
    (``Materialism;`` not ``Materialism ;``), else become one space. Same length."""
    return _SEP_NO_SPACE.sub(lambda m: "\u200b" * len(m.group()), stream).replace(_SEP, " ")


def suggest(docs: Iterable[Document], index: EntityIndex) -> list[Suggestion]:
    """Register names and variants that occur in the text without being tagged.

    Accent- and case-insensitive, whole words only, Serbo-Croatian aware
    (Đilas = Djilas = Dilas). Never inside teiHeader, inside tagged names
    or pointing elements, or inside the registers themselves. Longest match wins.
    """
    terms = _search_terms(index)
    if not terms:
        return []
    alternatives = "|".join(re.escape(t) for t in sorted(terms, key=lambda t: (-len(t), t)))
    pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")
    found: list[Suggestion] = []
    for doc in docs:
        for text_el in doc.root.iter(f"{T}text"):
            if any(localname(a) == "text" for a in text_el.iterancestors()) or in_egxml(text_el):
                continue  # nested texts are walked with their outer text
            stream, runs, masked = _text_stream(text_el)
            folded, origin = _folded_with_map(stream, masked)
            readable = _readable(stream)
            starts = [r.start for r in runs]
            for m in pattern.finditer(folded):
                begin, end = origin[m.start()], origin[m.end() - 1] + 1
                run = runs[bisect.bisect_right(starts, begin) - 1]
                form, owners = terms[m.group()]
                found.append(
                    Suggestion(
                        file=doc.path,
                        line=run.line + run.text[: begin - run.start].count("\n"),
                        xpath=doc.xpath_of(run.element),
                        where=where_of(run.element),
                        text=normalize_space(stream[begin:end]),
                        matched=form,
                        snippet=snippet(readable, begin, end).replace("\u200b", ""),
                        candidates=tuple(
                            Candidate(e.type, e.key, e.id, e.name)
                            for e in sorted(owners, key=lambda e: e.key)
                        ),
                    )
                )
    return sorted(found, key=lambda s: (s.file, s.line, s.xpath, s.text))
