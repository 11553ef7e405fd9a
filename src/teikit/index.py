"""The entity index of an edition: who, where, which organisation, which work and
which date is mentioned where, resolved against the edition's registers.

``build_index(docs)`` walks every mention (``persName``, ``placeName``,
``orgName``, ``title``, and ``rs``/``name``/``settlement``… that carry a
pointer), resolves it through a :class:`Corpus` and returns an
:class:`EntityIndex`: one :class:`Entry` per register entry (or unregistered
name) with its register data and every :class:`Occurrence`, the dates, the
chronology of the letters and the registers' relations. ``suggest()`` finds
register names that occur in the text without being tagged.

Resolution (:meth:`Corpus.resolve`) understands ``#id``, ``file.xml#id``
(relative to the mentioning file), ``prefixDef`` prefixes and ``@key``; it is
shared with :mod:`teikit.rules`, so the index and the integrity checks never
disagree about what a pointer means.

Writers for the index (JSON, CSV, TEI, Markdown) live in
:mod:`teikit.exports.index_formats`.
"""

from __future__ import annotations

import bisect
import calendar
import os
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from urllib.parse import unquote, urlsplit

from lxml import etree

from teikit.document import EG_NS, TEI_NS, Document, load
from teikit.errors import LoadError

__all__ = [
    "DATE_ATTRIBUTES",
    "ENTITY_TYPES",
    "INDEX_TYPES",
    "Candidate",
    "Corpus",
    "DateEntry",
    "DocumentInfo",
    "EntityIndex",
    "Entry",
    "Letter",
    "Occurrence",
    "Party",
    "Relation",
    "Suggestion",
    "Target",
    "W3CDate",
    "build_index",
    "choose_reading",
    "date_sort_key",
    "fold",
    "iter_attributes",
    "parse_date",
    "pointer_tokens",
    "register_entries",
    "registers_present",
    "suggest",
    "text_value",
    "where_of",
]

T = f"{{{TEI_NS}}}"
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"

ENTITY_TYPES = ("person", "place", "org", "work")
INDEX_TYPES = (*ENTITY_TYPES, "date")
DATE_ATTRIBUTES = ("when", "from", "to", "notBefore", "notAfter")

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
# Register entries: element -> entity type; only inside these lists.
_ENTRY_TYPES = {
    "person": "person",
    "personGrp": "person",
    "place": "place",
    "org": "org",
    "bibl": "work",
    "biblStruct": "work",
}
_REGISTER_LISTS = frozenset({"listPerson", "listPlace", "listOrg", "listBibl"})
_ENTRY_XPATH = etree.XPath(
    "//t:listPerson//t:person[@xml:id] | //t:listPerson//t:personGrp[@xml:id]"
    " | //t:listPlace//t:place[@xml:id] | //t:listOrg//t:org[@xml:id]"
    " | //t:listBibl//t:bibl[@xml:id] | //t:listBibl//t:biblStruct[@xml:id]",
    namespaces={"t": TEI_NS},
)
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
# Alternatives inside <choice>: the reading shown is the first of these present.
_READINGS = ("corr", "reg", "expan", "ex")
_SCHEME_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):(.*)\Z", re.S)
# Schemes that are URIs, never prefixDef prefixes.
EXTERNAL_SCHEMES = frozenset(
    {"http", "https", "mailto", "ftp", "urn", "doi", "data", "tel", "file", "info", "geo", "isbn"}
)
_SNIPPET_SIDE = 40  # characters of context on each side: about 80 around the mention


# --------------------------------------------------------------------------- small helpers


def localname(el: etree._Element) -> str:
    """Local name of an element; "" for comments and processing instructions."""
    tag = el.tag
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


def is_tei(el: etree._Element) -> bool:
    tag = el.tag
    return isinstance(tag, str) and tag.startswith(T)


def normalize_space(text: str) -> str:
    return " ".join(text.split())


def text_value(el: etree._Element) -> str:
    """The XPath string value of ``el``, whitespace-normalised (no choice handling)."""
    return normalize_space(str(el.xpath("string()")))


_FOLD_SPECIAL = {
    "Đ": "dj", "đ": "dj", "Ł": "l", "ł": "l", "Ø": "o", "ø": "o", "Æ": "ae", "æ": "ae",
    "Œ": "oe", "œ": "oe", "ß": "ss", "ẞ": "ss", "ı": "i", "Þ": "th", "þ": "th", "Ð": "d",
    "ð": "d", "’": "'", "‘": "'", "ʼ": "'", "‐": "-", "‑": "-", "–": "-", "—": "-",
}  # fmt: skip


def _fold_char(ch: str, dj: str = "dj") -> str:
    if ch in ("Đ", "đ"):
        return dj
    special = _FOLD_SPECIAL.get(ch)
    if special is not None:
        return special
    if ch.isascii():
        return ch.lower()
    decomposed = unicodedata.normalize("NFKD", ch)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def fold(text: str, *, dj: str = "dj") -> str:
    """Accent- and case-insensitive form for matching and sorting.

    Serbo-Croatian letters fold as they are commonly transliterated: Đ/đ to
    ``dj`` (or ``d`` with ``dj="d"``), Ć/Č to ``c``, Š to ``s``, Ž to ``z``;
    whitespace runs become one space.
    """
    return normalize_space("".join(_fold_char(c, dj) for c in text))


def _abspath(path: str) -> str:
    return os.path.normpath(os.path.abspath(path))


def _is_pseudo_path(path: str) -> bool:
    return path in ("<stdin>", "<bytes>")


def choose_reading(choice: etree._Element) -> etree._Element | None:
    """The child of ``<choice>`` a reading text shows: corr, reg, expan … else the first."""
    children = [c for c in choice if is_tei(c)]
    for name in _READINGS:
        for child in children:
            if localname(child) == name:
                return child
    return children[0] if children else None


def _in_egxml(el: etree._Element) -> bool:
    return any(a.tag == f"{{{EG_NS}}}egXML" for a in el.iterancestors())


# --------------------------------------------------------------------------- dates


@dataclass(frozen=True)
class W3CDate:
    """A parsed W3C (XML Schema) date value, as TEI's ``att.datable.w3c`` takes."""

    value: str
    year: int | None
    month: int | None = None
    day: int | None = None
    time: str = ""

    @property
    def comparable(self) -> bool:
        return self.year is not None

    def earliest(self) -> tuple[int, int, int, str]:
        """First instant the value can mean (1954 -> 1954-01-01)."""
        assert self.year is not None
        return (self.year, self.month or 1, self.day or 1, self.time or "")

    def latest(self) -> tuple[int, int, int, str]:
        """Last instant the value can mean (1954 -> 1954-12-31)."""
        assert self.year is not None
        month = self.month or 12
        day = self.day or _days_in_month(self.year, month)
        return (self.year, month, day, self.time or "~")  # "~" sorts after any time


_W3C_RE = re.compile(
    r"""^(?:
        (?P<year>-?(?:[1-9]\d{4,}|\d{4}))
        (?:-(?P<month>\d\d)(?:-(?P<day>\d\d)(?:T(?P<time>\d\d:\d\d:\d\d(?:\.\d+)?))?)?)?
      | --(?P<gmonth>\d\d)(?:-(?P<gmday>\d\d))?
      | ---(?P<gday>\d\d)
      | (?P<clock>\d\d:\d\d:\d\d(?:\.\d+)?)
    )(?:Z|[+-](?:0\d|1[0-4]):[0-5]\d)?\Z""",
    re.X,
)


def _days_in_month(year: int, month: int) -> int:
    # calendar rejects year 0 and negatives; the proleptic rule is the same every 400 years.
    return calendar.monthrange(year % 400 + 2000, month)[1]


def _valid_clock(text: str) -> bool:
    h, m, s = text.split(":")
    return (int(h) < 24 and int(m) < 60 and float(s) < 60) or text == "24:00:00"


def parse_date(value: str) -> W3CDate | None:
    """Parse a W3C date (``1954``, ``1954-06``, ``1954-06-22``, ``…T10:00:00``,
    ``--06-22``, ``10:00:00``); None when the value is not a valid one."""
    text = value.strip()
    m = _W3C_RE.match(text)
    if not m:
        return None
    if m.group("clock"):
        return W3CDate(text, None, time=m.group("clock")) if _valid_clock(m["clock"]) else None
    if m.group("gday"):
        return W3CDate(text, None, day=int(m["gday"])) if 1 <= int(m["gday"]) <= 31 else None
    if m.group("gmonth"):
        g_month = int(m["gmonth"])
        g_day = int(m["gmday"]) if m["gmday"] else None
        if not 1 <= g_month <= 12 or (
            g_day is not None and not 1 <= g_day <= _days_in_month(4, g_month)
        ):
            return None
        return W3CDate(text, None, g_month, g_day)
    year = int(m["year"])
    month, day = (int(m["month"]) if m["month"] else None), (int(m["day"]) if m["day"] else None)
    if month is not None and not 1 <= month <= 12:
        return None
    if day is not None and (month is None or not 1 <= day <= _days_in_month(year, month)):
        return None
    if m["time"] and not _valid_clock(m["time"]):
        return None
    return W3CDate(text, year, month, day, m["time"] or "")


def date_sort_key(value: str) -> tuple[int, tuple[int, int, int, str], str]:
    """Chronological order; values without a year, then invalid ones, go last."""
    parsed = parse_date(value)
    if parsed is not None and parsed.comparable:
        return (0, parsed.earliest(), value)
    return (1 if parsed is not None else 2, (0, 0, 0, ""), value)


# --------------------------------------------------------------------------- resolution


@dataclass(frozen=True)
class Target:
    """What one pointer token resolves to.

    ``kind`` is ``element`` (an element with that xml:id), ``document`` (a whole
    file, or a fragment teikit does not interpret), ``external`` (a URI such as
    ``https:`` or ``mailto:``) or ``missing``; then ``problem`` is a stable code
    (``no-such-file``, ``no-such-id``, ``undeclared-prefix``, ``no-prefix-match``,
    ``unreadable-file``, ``empty``) and ``reason`` says it in words.
    """

    pointer: str
    kind: str
    doc: Document | None = None
    element: etree._Element | None = None
    expanded: str = ""  # the pointer after prefixDef expansion, when that applied
    problem: str = ""
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.kind != "missing"


@dataclass(frozen=True)
class _PrefixDef:
    ident: str
    match: re.Pattern[str]
    replacement: str

    def expand(self, rest: str) -> str | None:
        m = self.match.fullmatch(rest)
        if m is None:
            return None
        return re.sub(r"\$(\d)", lambda g: m.group(int(g.group(1))) or "", self.replacement)


class Corpus:
    """The documents of an edition, and the one place pointers are resolved.

    ``docs`` are the documents asked for. With ``follow=True`` (the default) an
    XML file that a pointer names but that was not given (typically the
    register when indexing a single letter) is loaded on demand with
    :func:`teikit.document.load`; it can be resolved against but is never
    itself indexed or checked.
    """

    def __init__(self, docs: Iterable[Document], *, follow: bool = True) -> None:
        self.documents: list[Document] = list(docs)
        self.follow = follow
        self.extra: list[Document] = []  # loaded on demand, in load order
        self.failed: dict[str, LoadError] = {}
        self._by_path: dict[str, Document] = {}
        for doc in self.documents:
            self._by_path.setdefault(self.key_of(doc), doc)
        self._prefix_cache: dict[str, list[_PrefixDef]] = {}
        self._prefixes_seen: dict[tuple[str, int], list[_PrefixDef]] = {}
        self._entries: dict[tuple[str, str], tuple[Document, etree._Element, str]] | None = None
        self._entries_by_id: dict[str, list[tuple[Document, etree._Element, str]]] = {}
        self._entries_seen = -1

    # -- documents

    @staticmethod
    def key_of(doc: Document) -> str:
        return doc.path if _is_pseudo_path(doc.path) else _abspath(doc.path)

    @property
    def all_documents(self) -> list[Document]:
        return self.documents + self.extra

    def directory_of(self, doc: Document) -> str:
        return os.getcwd() if _is_pseudo_path(doc.path) else os.path.dirname(_abspath(doc.path))

    def document(self, abs_path: str) -> Document | None:
        """The document at ``abs_path``: given, already loaded, or loaded now."""
        found = self._by_path.get(abs_path)
        if found is not None or not self.follow or abs_path in self.failed:
            return found
        if not os.path.isfile(abs_path):
            return None
        try:
            doc = load(abs_path)
        except LoadError as exc:
            self.failed[abs_path] = exc
            return None
        self._by_path[abs_path] = doc
        self.extra.append(doc)
        return doc

    # -- register entries

    def _refresh_entries(self) -> None:
        docs = self.all_documents
        if self._entries is not None and self._entries_seen == len(docs):
            return
        entries: dict[tuple[str, str], tuple[Document, etree._Element, str]] = {}
        by_id: dict[str, list[tuple[Document, etree._Element, str]]] = defaultdict(list)
        for doc in docs:
            for el, kind in register_entries(doc):
                ident = el.get(XML_ID, "").strip()
                entries.setdefault((self.key_of(doc), ident), (doc, el, kind))
                by_id[ident].append((doc, el, kind))
        self._entries, self._entries_by_id, self._entries_seen = entries, dict(by_id), len(docs)

    def entries(self) -> Iterator[tuple[Document, etree._Element, str]]:
        """Every register entry (document, element, entity type), documents in corpus order."""
        self._refresh_entries()
        assert self._entries is not None
        yield from self._entries.values()

    def entry_at(self, target: Target) -> tuple[Document, etree._Element, str] | None:
        """The register entry a resolved target is, if it is one."""
        if target.kind != "element" or target.doc is None or target.element is None:
            return None
        self._refresh_entries()
        assert self._entries is not None
        ident = target.element.get(XML_ID, "").strip()
        return self._entries.get((self.key_of(target.doc), ident))

    # -- pointers

    def prefixes(self, doc: Document) -> list[_PrefixDef]:
        """prefixDefs of ``doc``, then of every other document (a shared header)."""
        key = (self.key_of(doc), len(self.all_documents))
        if key not in self._prefixes_seen:
            others = [p for d in self.all_documents if d is not doc for p in self._prefixes_of(d)]
            self._prefixes_seen[key] = self._prefixes_of(doc) + others
        return self._prefixes_seen[key]

    def _prefixes_of(self, doc: Document) -> list[_PrefixDef]:
        key = self.key_of(doc)
        if key not in self._prefix_cache:
            found = []
            for el in doc.root.iter(f"{T}prefixDef"):
                try:
                    pattern = re.compile(el.get("matchPattern", ""))
                except re.error:
                    continue  # reported by teikit.rules (invalid-prefixdef)
                found.append(
                    _PrefixDef(el.get("ident", ""), pattern, el.get("replacementPattern", ""))
                )
            self._prefix_cache[key] = found
        return self._prefix_cache[key]

    def resolve(self, pointer: str, doc: Document, *, _depth: int = 0) -> Target:
        """Resolve one pointer token written in ``doc``."""
        value = pointer.strip()
        if not value:
            return Target(pointer, "missing", problem="empty", reason="the pointer is empty")
        scheme = _SCHEME_RE.match(value)
        if scheme and not (len(scheme.group(1)) == 1 and os.name == "nt"):  # C:\ on Windows
            ident, rest = scheme.group(1), scheme.group(2)
            defs = [p for p in self.prefixes(doc) if p.ident == ident]
            if defs and _depth < 5:
                for prefix in defs:
                    expanded = prefix.expand(rest)
                    if expanded is not None:
                        target = self.resolve(expanded, doc, _depth=_depth + 1)
                        return Target(
                            pointer,
                            target.kind,
                            target.doc,
                            target.element,
                            expanded,
                            target.problem,
                            target.reason,
                        )
                return Target(
                    pointer,
                    "missing",
                    problem="no-prefix-match",
                    reason=f"{rest!r} does not match the matchPattern of prefixDef {ident!r}",
                )
            if ident.lower() in EXTERNAL_SCHEMES:
                return Target(pointer, "external")
            return Target(
                pointer,
                "missing",
                problem="undeclared-prefix",
                reason=f"no prefixDef declares the prefix {ident!r}",
            )
        file_part, _, fragment = value.partition("#")
        target_doc: Document | None = doc
        if file_part:
            abs_path = os.path.normpath(os.path.join(self.directory_of(doc), unquote(file_part)))
            target_doc = self.document(abs_path)
            if target_doc is None:
                if abs_path in self.failed:
                    why = self.failed[abs_path].message
                    return Target(pointer, "missing", problem="unreadable-file", reason=why)
                if not os.path.exists(abs_path):
                    return Target(
                        pointer, "missing", problem="no-such-file", reason=f"no file {file_part}"
                    )
                return Target(pointer, "document")  # exists, not loaded (not XML, or follow off)
        if not fragment or "(" in fragment:  # whole file, or a TEI pointer scheme like xpath()
            return Target(pointer, "document", target_doc)
        assert target_doc is not None
        element = target_doc.ids.get(fragment)
        if element is None:
            where = file_part or "this file"
            return Target(
                pointer,
                "missing",
                target_doc,
                problem="no-such-id",
                reason=f"{where} has no element with xml:id {fragment!r}",
            )
        return Target(pointer, "element", target_doc, element)

    def resolve_key(self, key: str) -> Target:
        """``@key``: matched against the xml:id of register entries, then of any element."""
        value = key.strip()
        self._refresh_entries()
        hits = self._entries_by_id.get(value)
        if hits:
            doc, el, _ = hits[0]
            return Target(key, "element", doc, el)
        for doc in self.all_documents:
            if value in doc.ids:
                return Target(key, "element", doc, doc.ids[value])
        return Target(
            key, "missing", problem="no-such-id", reason=f"no register entry has xml:id {value!r}"
        )


def register_entries(doc: Document) -> Iterator[tuple[etree._Element, str]]:
    """Register entries of one document: (element, entity type), in document order.

    Entries are person/place/org/bibl elements with an xml:id inside
    listPerson/listPlace/listOrg/listBibl, outside sourceDesc (a bibliography of
    the file's own sources is not a register) and outside examples.
    """
    found = _ENTRY_XPATH(doc.root)
    for el in found if isinstance(found, list) else []:
        if not isinstance(el, etree._Element):
            continue
        if any(localname(a) == "sourceDesc" for a in el.iterancestors()) or _in_egxml(el):
            continue
        yield el, _ENTRY_TYPES[localname(el)]


def registers_present(docs: Iterable[Document]) -> bool:
    return any(next(register_entries(doc), None) is not None for doc in docs)


def pointer_tokens(value: str | None) -> list[str]:
    return value.split() if value else []


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


# --------------------------------------------------------------------------- text flattening


def _skip_in_reading(el: etree._Element) -> bool:
    return localname(el) in ("", "del", "fw") or not is_tei(el)


def flatten(
    block: etree._Element, *, keep: etree._Element | None = None
) -> tuple[str, dict[etree._Element, tuple[int, int]]]:
    """The reading text of ``block`` and the (start, end) offset of each element in it.

    Reading text: the chosen alternative of ``choice`` (corr, reg, expan), no
    ``del``, no notes other than ``block`` itself (or ``keep``), ``lb`` as a space.
    """
    parts: list[str] = []
    spans: dict[etree._Element, tuple[int, int]] = {}
    pos = 0

    def emit(text: str | None) -> None:
        nonlocal pos
        if text:
            parts.append(text)
            pos += len(text)

    def walk(el: etree._Element) -> None:
        start = pos
        name = localname(el)
        if name in ("lb", "cb", "pb"):
            emit("" if el.get("break") == "no" else " ")
        elif name == "choice":
            chosen = choose_reading(el)
            if chosen is not None:
                walk(chosen)
        else:
            emit(el.text)
            for child in el:
                if not (
                    _skip_in_reading(child) or (localname(child) == "note" and child is not keep)
                ):
                    walk(child)
                emit(child.tail)
        spans[el] = (start, pos)

    walk(block)
    return "".join(parts), spans


def _block_of(el: etree._Element) -> etree._Element:
    for anc in el.iterancestors():
        if localname(anc) in _BLOCKS and is_tei(anc):
            return anc
    parent = el.getparent()
    return parent if parent is not None else el


def _cut_before(text: str, width: int) -> str:
    text = normalize_space(text) + (" " if text[-1:].isspace() else "")
    if len(text) <= width:
        return text
    cut = text[-width:]
    space = cut.find(" ")
    return "…" + (cut[space + 1 :] if 0 <= space < width // 2 else cut)


def _cut_after(text: str, width: int) -> str:
    text = (" " if text[:1].isspace() else "") + normalize_space(text)
    if len(text) <= width:
        return text
    cut = text[:width]
    space = cut.rfind(" ")
    return (cut[:space] if space > width // 2 else cut) + "…"


def snippet(text: str, start: int, end: int, width: int = _SNIPPET_SIDE) -> str:
    """``text[start:end]`` with up to ``width`` characters of context on each side."""
    middle = normalize_space(text[start:end])
    return (_cut_before(text[:start], width) + middle + _cut_after(text[end:], width)).strip()


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
            own = normalize_space(flatten(el)[0])
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
        if name in _REGISTER_LISTS or name in ("listRelation", "standOff"):
            in_register = True
        elif name == "note":
            in_note = True
        elif name in ("back", "front") and division == "body":
            division = name
    if in_register:
        return "register"
    return "note" if in_note else division


# --------------------------------------------------------------------------- building


def _text_of(el: etree._Element | None) -> str:
    return normalize_space(flatten(el)[0]) if el is not None else ""


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
    return _text_of(el)


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
    name = _text_of(preferred) or el.get(XML_ID, "")
    variants = [t for t in dict.fromkeys(_text_of(n) for n in names) if t and t != name]
    surname = ""
    sort_name = name
    if kind == "person" and preferred is not None:
        surnames = [_text_of(s) for s in preferred.iter(f"{T}surname")]
        forenames = [_text_of(f) for f in preferred.iter(f"{T}forename")]
        if surnames:
            surname = " ".join(surnames)
            sort_name = ", ".join(x for x in (surname, " ".join(forenames)) if x)
    note = _children(el, "note")
    note_text = _text_of(note[0]) if note else ""
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
        roles=[t for t in (_text_of(o) for o in _children(el, "occupation")) if t],
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

    def rel(self, doc: Document) -> str:
        if _is_pseudo_path(doc.path) or not self.root:
            return doc.path
        return PurePath(os.path.relpath(_abspath(doc.path), self.root)).as_posix()

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

    def targets(self, el: etree._Element, doc: Document) -> list[tuple[str, Target]]:
        found = [("ref", self.corpus.resolve(t, doc)) for t in pointer_tokens(el.get("ref"))]
        if el.get("key"):
            found.append(("key", self.corpus.resolve_key(el.get("key", ""))))
        return found

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

    def index_mentions(self, doc: Document, snippets: _Snippets) -> None:
        title = doc.title()
        file = self.rel(doc)
        names = (f"{T}{n}" for n in (*_NAME_TYPES, *_POINTING_NAME_TYPES))
        for position, el in enumerate(doc.root.iter(*names)):
            kind = self.mention_type(el)
            if kind is None or _skipped_mention(el):
                continue
            targets = self.targets(el, doc)
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
                    Occurrence(
                        file=file,
                        title=title,
                        line=el.sourceline or 0,
                        xpath=doc.xpath_of(el),
                        id=el.get(XML_ID, ""),
                        where=where_of(el),
                        text=text,
                        snippet=context,
                        attribute=attribute,
                        position=position,
                    )
                )

    # -- dates

    def index_dates(self, doc: Document, snippets: _Snippets) -> None:
        title, file = doc.title(), self.rel(doc)
        for position, el in enumerate(doc.root.iter(f"{T}date", f"{T}origDate")):
            if _in_egxml(el):
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
                    Occurrence(
                        file=file,
                        title=title,
                        line=el.sourceline or 0,
                        xpath=doc.xpath_of(el),
                        id=el.get(XML_ID, ""),
                        where=where_of(el),
                        text=text,
                        snippet=context,
                        attribute=attribute,
                        position=position,
                    )
                )

    # -- letters

    def party(self, el: etree._Element, doc: Document, kind: str) -> Party:
        text = _text_of(el)
        for _, target in self.targets(el, doc):
            entry = self.entry_for(target, "", text)
            if entry is not None and entry.registered:
                return Party(entry.type, entry.key, entry.id, entry.name, text)
        return Party(kind, "", "", text, text)

    def letters(self, doc: Document) -> list[Letter]:
        found = []
        descs = list(doc.root.iter(f"{T}correspDesc"))
        base_id = doc.root.get(XML_ID) or PurePath(doc.path).stem
        short = next(
            (
                _text_of(t)
                for t in doc.root.iterfind(f"{T}teiHeader/{T}fileDesc/{T}titleStmt/{T}title")
                if t.get("type") == "short"
            ),
            "",
        )
        archival = [_archival_reference(ms) for ms in _own_msidentifiers(doc)]
        for n, desc in enumerate(descs, 1):
            if _in_egxml(desc):
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
            if _in_egxml(rel):
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
                    desc=_text_of(next(iter(_children(rel, "desc")), None)),
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
        if not _in_egxml(ms)
    ]


def _archival_reference(ms: etree._Element) -> str:
    """``repository, collection, idno``: the shelfmark as a citation."""
    parts = [_text_of(c) for c in ms if localname(c) in ("repository", "collection", "idno")]
    return ", ".join(p for p in parts if p)


def _skipped_mention(el: etree._Element) -> bool:
    """Quoted examples, and the alternatives a reading text does not show."""
    for anc in el.iterancestors():
        if anc.tag == f"{{{EG_NS}}}egXML":
            return True
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
        if localname(anc) in _ENTRY_TYPES and anc.get(XML_ID):
            parent = anc.getparent()
            while parent is not None:
                if localname(parent) in _REGISTER_LISTS:
                    return True
                parent = parent.getparent()
    return False


def _document_kind(doc: Document) -> str:
    if any(True for _ in doc.root.iter(f"{T}correspDesc")):
        return "letter"
    return "register" if next(register_entries(doc), None) is not None else "text"


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
    snippets = _Snippets()
    letters: list[Letter] = []
    relations: list[Relation] = []
    for doc in given:
        builder.index_mentions(doc, snippets)
        builder.index_dates(doc, snippets)
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
_HIDE_SUGGEST = frozenset({*_REGISTER_LISTS, "listRelation", "standOff", "teiHeader", "del", "fw"})


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
        for f in _fold_char(ch):
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
            if any(localname(a) == "text" for a in text_el.iterancestors()) or _in_egxml(text_el):
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


def iter_attributes(
    doc: Document, names: Sequence[str]
) -> Iterator[tuple[etree._Element, str, str]]:
    """(element, attribute, value) for every TEI element carrying one of ``names``,
    outside examples, in document order."""
    for el in doc.root.iter(f"{T}*"):
        for name in names:
            value = el.get(name)
            if value is not None and not _in_egxml(el):
                yield el, name, value
