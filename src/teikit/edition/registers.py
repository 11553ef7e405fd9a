"""The registers of an edition, wherever the edition keeps them, merged into one
entity per identity.

Register entries are ``person``/``personGrp``, ``place``, ``org``,
``bibl``/``biblStruct``, ``event`` and taxonomy ``category`` elements with an
``xml:id`` inside the matching list (``listPerson``, ``listPlace``, ``listOrg``,
``listBibl``, ``listEvent``, ``taxonomy``), found anywhere: register files (one
per type or several of one type), ``standOff``, a letter's ``<back>``, a
``teiCorpus`` header, a header's ``particDesc``. Not in ``sourceDesc`` (a file's
own sources are not a register) and not in examples.

Entries with the same type and ``xml:id`` are one entity (an edition that repeats
its register in every letter's ``<back>`` has one Arthur Schnitzler, not 293).
Entries in a document's ``particDesc``/``settingDesc`` (a play's cast) belong to
that document only, unless the configuration says otherwise: two plays' "franz"
are two persons.

Each entity has one canonical ``id`` (its ``xml:id``, made unique when two
entities share one) and a ``key`` (``file#id`` of its home entry), and knows its
authority URIs (GND, VIAF, Wikidata, GeoNames, PMB …), normalised so that the
forms editions write (``https://d-nb.info/gnd/118609807/``, ``idno
type="GND">118609807<``) compare equal.
"""

from __future__ import annotations

import functools
import hashlib
import marshal
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from copy import deepcopy
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from lxml import etree

from teikit.document import EG_NS, TEI_NS, Document
from teikit.reading import fold, localname, text_value

__all__ = [
    "ENTITY_TYPES",
    "ENTRY_TYPES",
    "REGISTER_LISTS",
    "TYPE_INFO",
    "Entity",
    "RegisterExtract",
    "Registers",
    "TypeInfo",
    "authority_uris",
    "may_hold_registers",
    "normal_uri",
    "register_candidates",
    "register_entries",
    "register_extract",
]

T = f"{{{TEI_NS}}}"
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"
ENTITY_TYPES = ("person", "place", "org", "work", "event", "term")


@dataclass(frozen=True)
class TypeInfo:
    """How an entity type is named in outputs, and written in TEI."""

    plural: str  # persons: the index's list, the site's page
    heading: str  # Persons
    list: str  # listPerson
    entry: str  # person
    name: str  # persName


TYPE_INFO = {
    "person": TypeInfo("persons", "Persons", "listPerson", "person", "persName"),
    "place": TypeInfo("places", "Places", "listPlace", "place", "placeName"),
    "org": TypeInfo("organisations", "Organisations", "listOrg", "org", "orgName"),
    "work": TypeInfo("works", "Works", "listBibl", "bibl", "title"),
    "event": TypeInfo("events", "Events", "listEvent", "event", "label"),
    "term": TypeInfo("terms", "Terms", "taxonomy", "category", "catDesc"),
}
# Entry element -> (entity type, the list elements it is an entry of).
ENTRY_TYPES: dict[str, tuple[str, frozenset[str]]] = {
    "person": ("person", frozenset({"listPerson"})),
    "personGrp": ("person", frozenset({"listPerson"})),
    "place": ("place", frozenset({"listPlace"})),
    "org": ("org", frozenset({"listOrg"})),
    "bibl": ("work", frozenset({"listBibl"})),
    "biblStruct": ("work", frozenset({"listBibl"})),
    "event": ("event", frozenset({"listEvent"})),
    "category": ("term", frozenset({"taxonomy"})),
}
REGISTER_LISTS = frozenset(
    {"listPerson", "listPlace", "listOrg", "listBibl", "listEvent", "taxonomy"}
)
# Where an entry belongs to its document only (a play's cast, a text's setting).
_DOCUMENT_SCOPES = frozenset({"particDesc", "settingDesc"})
_LIST_TAGS = tuple(f"{T}{name}" for name in sorted(REGISTER_LISTS))
_LIST_TAG_SET = frozenset(_LIST_TAGS)
_ENTRY_TAGS = tuple(f"{T}{name}" for name in ENTRY_TYPES)
_NS_LENGTH = len(T)
_IDNO = f"{T}idno"
_EG_XML = f"{{{EG_NS}}}egXML"
_NAME_ELEMENTS = frozenset(
    {"persName", "placeName", "orgName", "name", "title", "eventName", "catDesc"}
)


# Bytes that a file holding register entries or prefixDefs cannot do without.
_REGISTER_MARKS = (b"<list", b":list", b"taxonomy", b"prefixDef", b"particDesc", b"teiCorpus")


def may_hold_registers(path: str | os.PathLike[str]) -> bool:
    """Whether a file may hold register entries or prefixDefs, from its bytes: a
    letter that names no list cannot. Files in UTF-16 or UTF-32, or that cannot be
    read here, may (the loader decides)."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError:
        return True
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in data[:4]:
        return True
    return any(mark in data for mark in _REGISTER_MARKS)


def register_candidates(
    paths: Iterable[str], stamps: Mapping[str, tuple[int, int, int]] | None = None
) -> set[str]:
    """Those of ``paths`` that :func:`may_hold_registers`. Each answer is kept in the
    user cache with the file's size and modification time, so that a second run
    over an edition of thousands of letters stats them instead of reading them.
    ``stamps``: path -> (size, mtime_ns, inode) of those already stat()ed."""
    found: set[str] = set()
    by_folder: dict[str, list[str]] = {}
    written: dict[str, str] = {}  # a folder as written -> made absolute (once, not per file)
    for path in paths:
        head, name = os.path.split(path)
        if name in ("", ".", ".."):
            folder = os.path.dirname(os.path.abspath(path))
        else:
            folder = written.get(head)
            if folder is None:
                folder = written[head] = os.path.abspath(head or os.curdir)
        by_folder.setdefault(folder, []).append(path)
    stamps = stamps or {}
    for folder, members in by_folder.items():
        kept_at = _scan_cache(folder)
        kept = _read_scans(kept_at)
        changed = False
        for path in members:
            name = os.path.basename(path)
            stamp = stamps.get(path)
            if stamp is None:
                try:
                    stat = os.stat(path)
                except OSError:
                    found.add(path)  # the loader says why
                    continue
                stamp = (stat.st_size, stat.st_mtime_ns, stat.st_ino)
            known = kept.get(name)
            if known is not None and known[:3] == stamp:
                answer = known[3]
            else:
                answer = may_hold_registers(path)
                kept[name] = (*stamp, answer)
                changed = True
            if answer:
                found.add(path)
        if changed and kept_at is not None:
            _write_scans(kept_at, kept)
    return found


def _scan_cache(folder: str) -> Path | None:
    """Where the answers of :func:`register_candidates` for the files of ``folder``
    are kept (None: no user cache)."""
    from teikit.errors import TeikitError
    from teikit.schema_cache import cache_dir

    digest = hashlib.sha256(repr((folder, _REGISTER_MARKS)).encode("utf-8", "surrogateescape"))
    try:
        return cache_dir() / "registers" / f"{digest.hexdigest()[:32]}.marshal"
    except (TeikitError, OSError):
        return None


def _read_scans(kept_at: Path | None) -> dict[str, tuple[int, int, int, bool]]:
    if kept_at is None:
        return {}
    try:
        kept = marshal.loads(kept_at.read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        return {}
    return kept if isinstance(kept, dict) else {}


def _write_scans(kept_at: Path, kept: dict[str, tuple[int, int, int, bool]]) -> None:
    try:
        kept_at.parent.mkdir(parents=True, exist_ok=True)
        tmp = kept_at.with_name(f".{kept_at.name}.{os.getpid()}.tmp")
        tmp.write_bytes(marshal.dumps(kept))
        os.replace(tmp, kept_at)
    except (OSError, ValueError):
        pass  # the cache saves time; the run goes on without it


def register_entries(doc: Document) -> Iterator[tuple[etree._Element, str, str]]:
    """Register entries of one document: (element, entity type, scope), in document
    order. Scope is ``document`` in a header's ``particDesc``/``settingDesc`` of a
    TEI document, else ``edition``."""
    for el, _, kind, scope in _entries(doc):
        yield el, kind, scope


def _entries(doc: Document) -> Iterator[tuple[etree._Element, str, str, str]]:
    """:func:`register_entries`, with each entry's xml:id as written: (element,
    xml:id, entity type, scope)."""
    if next(doc.root.iter(*_LIST_TAGS), None) is None:
        return  # most letters hold no register: one walk in C says so
    # The entries of one kind in one list share the answer: decided once per list
    # and kind (a register of 10,000 entries asks 10,000 times otherwise).
    decided: dict[tuple[etree._Element, str], tuple[str, str] | None] = {}
    ancestries: dict[etree._Element, tuple[bool, tuple[str, ...], str]] = {}
    last_parent, last_tag, last_answer = None, "", None
    for el in doc.root.iter(*_ENTRY_TAGS):
        ident = el.get(XML_ID)
        if ident is None:
            continue
        parent = el.getparent()
        if parent is None:
            continue  # the root itself is no entry of a list
        tag = el.tag
        if parent is last_parent and tag == last_tag:  # the entry before's sibling (most are)
            answer = last_answer
        else:
            answer = decided.get((parent, tag), False)
            if answer is False:
                kind, lists = ENTRY_TYPES[tag[_NS_LENGTH:]]
                known = ancestries.get(parent)
                if known is None:
                    known = ancestries[parent] = _ancestry(parent)
                skip, names, scope = known
                # In a list of its kind: directly, or in another entry's list (place in place).
                nearest = next((n for n in names if n in REGISTER_LISTS or n in ENTRY_TYPES), "")
                outside = (nearest not in lists and nearest not in ENTRY_TYPES) or lists.isdisjoint(
                    names
                )
                answer = decided[(parent, tag)] = None if skip or outside else (kind, scope)
            last_parent, last_tag, last_answer = parent, tag, answer
        if answer is not None:
            yield el, ident, answer[0], answer[1]


@dataclass
class RegisterExtract(Document):
    """The register lists of a document that is not held in memory, standing in for it
    where the edition model takes its registers (see :func:`register_extract`).
    ``kind``: the document's kind, decided on the whole document."""

    kind: str = ""


def register_extract(doc: Document, kind: str) -> RegisterExtract | None:
    """A small document in place of ``doc`` for its registers: a copy of each of its
    outermost register lists, under shallow copies of their ancestors, so that
    :func:`register_entries` gives the same entries (ids, types, scopes, content and
    source lines) as on ``doc`` itself, while the rest of ``doc`` can be let go (a
    letter that repeats the register in its ``<back>``); None when ``doc`` holds no
    register list."""
    outermost = [
        el
        for el in doc.root.iter(*_LIST_TAGS)
        if not any(a.tag in _LIST_TAG_SET for a in el.iterancestors())
    ]
    if not outermost:
        return None
    root = etree.Element(doc.root.tag, dict(doc.root.attrib), nsmap=doc.root.nsmap)
    copies: dict[etree._Element, etree._Element] = {doc.root: root}
    for el in outermost:
        chain = [a for a in el.iterancestors()]
        parent = root
        for ancestor in reversed(chain):  # from the root down: each copied once
            made = copies.get(ancestor)
            if made is None:
                made = copies[ancestor] = etree.SubElement(
                    parent, ancestor.tag, dict(ancestor.attrib)
                )
            parent = made
        copy = deepcopy(el)  # keeps the entries' source lines
        copy.tail = None
        parent.append(copy)
    return RegisterExtract(doc.path, root.getroottree(), root, part=doc.part, kind=kind)


def _ancestry(parent: etree._Element) -> tuple[bool, tuple[str, ...], str]:
    """For the entries under ``parent``: whether they are left out (in ``sourceDesc``
    or an example), the local names of their ancestors (nearest first; "" outside
    TEI) and their scope."""
    names: list[str] = []
    scope = "edition"
    node: etree._Element | None = parent
    while node is not None:
        tag = node.tag
        name = tag[_NS_LENGTH:] if isinstance(tag, str) and tag.startswith(T) else ""
        if tag == _EG_XML or name == "sourceDesc":
            return True, (), scope
        names.append(name)
        if name in _DOCUMENT_SCOPES:
            header = node.getparent()
            owner = header.getparent() if header is not None else None
            owner = owner.getparent() if owner is not None else None
            if owner is not None and localname(owner) == "TEI":
                scope = "document"
        node = node.getparent()
    return False, tuple(names), scope


# --------------------------------------------------------------------------- authorities

_AUTHORITY_BASES = {
    "viaf": "https://viaf.org/viaf/",
    "gnd": "https://d-nb.info/gnd/",
    "geonames": "https://www.geonames.org/",
    "wikidata": "https://www.wikidata.org/entity/",
    "pmb": "https://pmb.acdh.oeaw.ac.at/entity/",
    "orcid": "https://orcid.org/",
    "isni": "https://isni.org/isni/",
    "lcnaf": "https://id.loc.gov/authorities/names/",
    "loc": "https://id.loc.gov/authorities/names/",
    "tgn": "http://vocab.getty.edu/page/tgn/",
    "ulan": "http://vocab.getty.edu/page/ulan/",
}
_WIKIDATA_RE = re.compile(r"^(?:m\.)?wikidata\.org/(?:wiki|entity|prop/direct)/(Q\d+)")
_GEONAMES_RE = re.compile(r"^(?:sws\.|[a-z]{2}\.)?geonames\.org/(\d+)")
_GND_RE = re.compile(r"^d-nb\.info/gnd/([0-9X-]+)", re.I)
_VIAF_RE = re.compile(r"^viaf\.org/viaf/(\d+)")
_PMB_RE = re.compile(r"^pmb\.acdh\.oeaw\.ac\.at/(?:entity|apis/entities/entity/\w+)/(\d+)")


@functools.lru_cache(maxsize=65536)  # letters repeat the same URIs
def normal_uri(uri: str) -> str:
    """An authority URI in the form comparisons use: no scheme, no ``www.``, no
    trailing slash; the usual variants of GND, VIAF, Wikidata, GeoNames and PMB
    URIs reduced to one (``sws.geonames.org/2761369/`` = ``geonames.org/2761369``)."""
    parts = urlsplit(uri.strip())
    host = parts.netloc.lower().removeprefix("www.")
    text = f"{host}{parts.path}".rstrip("/")
    for pattern, base in (
        (_GND_RE, "d-nb.info/gnd/"),
        (_VIAF_RE, "viaf.org/viaf/"),
        (_WIKIDATA_RE, "wikidata.org/entity/"),
        (_GEONAMES_RE, "geonames.org/"),
        (_PMB_RE, "pmb.acdh.oeaw.ac.at/entity/"),
    ):
        m = pattern.match(text)
        if m:
            return base + m.group(1).upper() if base == "d-nb.info/gnd/" else base + m.group(1)
    return text + (f"?{parts.query}" if parts.query else "")


def _is_uri(value: str) -> bool:
    return value.startswith(("http://", "https://"))


def _idno_uri(idno: etree._Element) -> str:
    value = text_value(idno)
    if _is_uri(value):
        return value
    for kind in (idno.get("type") or "", idno.get("subtype") or ""):
        base = _AUTHORITY_BASES.get(kind.lower())
        if base and value and " " not in value:
            return base + value
    return ""


def authority_uris(el: etree._Element) -> list[str]:
    """The authority URIs an entry names, as written (made URIs where an ``idno``
    gives a bare identifier with a known @type): its ``idno`` children, and the
    URIs in its ``@sameAs``, ``@ref`` and ``@corresp``."""
    return _authority_uris(el, True)


def _authority_uris(el: etree._Element, idnos: bool) -> list[str]:
    """:func:`authority_uris`; ``idnos``: whether ``el`` may have ``idno`` children
    (a register of thousands of entries knows which have, from one search in C)."""
    found: list[str] = []
    if idnos:
        for idno in el.iterchildren(_IDNO):
            uri = _idno_uri(idno)
            if uri:
                found.append(uri)
    names = el.keys()  # one call into lxml: most entries have none of the three
    for attr in ("sameAs", "ref", "corresp"):
        value = el.get(attr) if attr in names else None
        if value:
            found.extend(t for t in value.split() if _is_uri(t))
    return list(dict.fromkeys(found)) if len(found) > 1 else found


# --------------------------------------------------------------------------- entities


@dataclass(eq=False)
class Entity:
    """One person, place, organisation, work, event or term of the edition.

    ``element``/``doc`` are its home entry (the copy in a register file, else the
    first one found); ``copies`` every entry that writes it (one per letter
    when the register is repeated in each ``<back>``). ``ordinal``: the home
    entry's place among its document's entries (:func:`register_entries`), by
    which it is found again once its document's tree is let go
    (:meth:`Registers.let_go`: then ``element`` is None, see
    :meth:`Registers.elements`).
    """

    type: str
    xml_id: str
    element: etree._Element | None
    doc: Document
    scope: str  # edition | document
    id: str = ""  # canonical: the xml:id, made unique when entities share one
    copies: list[tuple[Document, etree._Element | None]] = field(default_factory=list)
    authorities: list[str] = field(default_factory=list)  # URIs as written, first seen first
    ordinal: int = 0
    kept_names: list[str] | None = None  # names(), taken before the tree was let go

    @property
    def normal_authorities(self) -> list[str]:
        return [normal_uri(u) for u in self.authorities]

    def names(self) -> list[str]:
        """Every name of the entry (for matching ``@key`` by name): ``@n``, then its
        name elements' texts."""
        el = self.element
        if el is None:
            return list(self.kept_names or ())
        found = [el.get("n", "")]
        for child in el:
            name = localname(child)
            if name in _NAME_ELEMENTS:
                found.append(text_value(child))
        return [n for n in dict.fromkeys(found) if n]


class Registers:
    """Every register entry of the edition's documents, merged into entities.

    ``kinds`` (path -> document kind) decides which copy of a merged entity is its
    home: one in a register file wins over one in a letter's ``<back>``.
    ``particdesc="edition"`` makes ``particDesc`` lists edition-wide registers.
    """

    def __init__(self, *, particdesc: str = "document") -> None:
        self.particdesc = particdesc
        self.entities: list[Entity] = []
        self._merged: dict[tuple[str, str], Entity] = {}  # (type, xml:id) -> edition entity
        self.by_element: dict[tuple[str, str], Entity] = {}  # (document key, xml:id) -> entity
        self._by_xml_id: dict[str, list[Entity]] = {}
        self._by_authority: dict[str, list[Entity]] | None = None
        self._by_name: dict[str, list[Entity]] | None = None
        self._by_id: dict[str, Entity] | None = None
        self.documents: list[Document] = []  # those holding entries
        # Document key -> whether its copies are home entries, or a function that
        # says so (asked only when an entry of it is one another document has too).
        self._preferred: dict[str, bool | Callable[[], bool]] = {}

    # -- building

    def add(self, doc: Document, key: str, *, preferred: bool | Callable[[], bool] = False) -> int:
        """Take the entries of ``doc`` (``key``: its absolute path); the number found.
        ``preferred``: whether its copies of an entity are the home entries (a register
        file's are), or a function that says so, asked only if another document has
        one of its entries too (telling a register file's kind walks all of it)."""
        count = 0
        before = self._preferred.get(key, False)
        if before is False or preferred is True:
            self._preferred[key] = preferred
        elif callable(before) and preferred is not False:  # the same key given twice
            self._preferred[key] = lambda: bool(before()) or _decided(preferred)
        with_idno: set[etree._Element] | None = None
        merged, by_xml_id, by_element = self._merged, self._by_xml_id, self.by_element
        entities = self.entities
        edition_wide = self.particdesc == "edition"
        # (The loop runs once per entry, 20,000 times for a large edition's registers,
        # serially before validation workers fork: each look-up made once.)
        for ordinal, (el, written, kind, scope) in enumerate(_entries(doc)):
            ident = written.strip()
            if not ident:
                continue
            if with_idno is None:  # the entries with idno children: found in C
                with_idno = {idno.getparent() for idno in doc.root.iter(_IDNO)}
            count += 1
            if scope == "document" and edition_wide:
                scope = "edition"
            pair = (kind, ident)
            entity = merged.get(pair) if scope == "edition" else None
            if entity is None:
                entity = Entity(kind, ident, el, doc, scope, copies=[(doc, el)], ordinal=ordinal)
                entities.append(entity)
                same = by_xml_id.get(ident)
                if same is None:
                    by_xml_id[ident] = [entity]
                else:
                    same.append(entity)
                if scope == "edition":
                    merged[pair] = entity
            else:
                if (
                    entity.doc is not doc
                    and self._is_preferred(key)
                    and not self._is_preferred(_doc_key(entity))
                ):
                    # a register file's copy is the home
                    entity.element, entity.doc, entity.ordinal = el, doc, ordinal
                entity.copies.append((doc, el))
            idnos = el in with_idno
            names = el.keys()  # most entries have no idno and name no URI: no call
            if idnos or "sameAs" in names or "ref" in names or "corresp" in names:
                for uri in _authority_uris(el, idnos):
                    if uri not in entity.authorities:
                        entity.authorities.append(uri)
            by_element[(key, ident)] = entity
        if count:
            self.documents.append(doc)
            self._by_authority = self._by_name = self._by_id = None
        return count

    def _is_preferred(self, key: str) -> bool:
        """Whether the copies in the document ``key`` are home entries (decided once)."""
        answer = self._preferred.get(key, False)
        if not isinstance(answer, bool):
            answer = self._preferred[key] = _decided(answer)
        return answer

    def finish(self) -> None:
        """Give every entity its canonical id: the xml:id, unless entities share it;
        then ``<file stem>.<xml:id>`` (numbered should that still repeat)."""
        taken: set[str] = set()
        for ident, group in self._by_xml_id.items():
            if len(group) == 1:
                group[0].id = ident
                taken.add(ident)
        for ident, group in self._by_xml_id.items():
            if len(group) == 1:
                continue
            for entity in group:
                stem = os.path.splitext(os.path.basename(entity.doc.path))[0]
                candidate, n = f"{stem}.{ident}", 2
                while candidate in taken:
                    candidate, n = f"{stem}.{ident}-{n}", n + 1
                entity.id = candidate
                taken.add(candidate)
        self._by_id = None

    def let_go(self, stand_ins: Mapping[int, Document]) -> None:
        """Keep nothing of the trees of some documents: ``stand_ins`` maps ``id(doc)``
        of each to a document standing in for it (its path and part, no entries).
        Their entities keep their data (names included) and that stand-in; their
        home entries are read again where they are wanted (:meth:`elements`)."""
        for entity in self.entities:
            stand_in = stand_ins.get(id(entity.doc))
            if stand_in is not None:
                entity.kept_names = entity.names()
                entity.doc, entity.element = stand_in, None
            if any(id(d) in stand_ins for d, _ in entity.copies):
                entity.copies = [
                    (stand_ins[id(d)], None) if id(d) in stand_ins else (d, el)
                    for d, el in entity.copies
                ]
        self.documents = [stand_ins.get(id(d), d) for d in self.documents]

    def elements(self, entities: Iterable[Entity]) -> Iterator[tuple[Entity, etree._Element]]:
        """Each of ``entities`` with its home entry: the element held, or, for a
        document let go (:meth:`let_go`), the entry at its place in the file read
        again (each file read once here, and let go after)."""
        from teikit.document import load
        from teikit.edition.documents import parts

        again: dict[tuple[str, str], list[etree._Element]] = {}
        for entity in entities:
            el = entity.element
            if el is None:
                doc = entity.doc
                where = (_doc_key(entity), doc.part)
                found = again.get(where)
                if found is None:
                    read = [p for p in parts(load(doc.path)) if p.part == doc.part]
                    found = again[where] = [e for e, _, _, _ in _entries(read[0])] if read else []
                el = found[entity.ordinal]
            yield entity, el

    # -- look-ups

    def __len__(self) -> int:
        return len(self.entities)

    def __iter__(self) -> Iterator[Entity]:
        return iter(self.entities)

    def of_type(self, kind: str) -> list[Entity]:
        return [e for e in self.entities if e.type == kind]

    @property
    def types(self) -> list[str]:
        """The entity types the edition has registers for, in the usual order."""
        present = {e.type for e in self.entities}
        return [t for t in ENTITY_TYPES if t in present]

    def get(self, canonical_id: str) -> Entity | None:
        if self._by_id is None:
            self._by_id = {e.id: e for e in self.entities}
        return self._by_id.get(canonical_id)

    def with_xml_id(self, ident: str) -> list[Entity]:
        return self._by_xml_id.get(ident, [])

    def unique_edition_entities(self) -> Iterator[Entity]:
        """The edition-wide entities whose xml:id no other entity has: what ``#id``
        names in any document that has no element of that id itself."""
        for entity in self.entities:
            if entity.scope == "edition" and len(self._by_xml_id.get(entity.xml_id, ())) == 1:
                yield entity

    def with_authority(self, uri: str) -> list[Entity]:
        return self.authority_index().get(normal_uri(uri), [])

    def authority_index(self) -> dict[str, list[Entity]]:
        """Normalised authority URI -> the entities that name it (built once: the
        rules build it before validation workers fork, not once in each)."""
        if self._by_authority is None:
            index: dict[str, list[Entity]] = {}
            for entity in self.entities:
                if not entity.authorities:
                    continue
                for normal in dict.fromkeys(entity.normal_authorities):
                    index.setdefault(normal, []).append(entity)
            self._by_authority = index
        return self._by_authority

    def with_name(self, name: str) -> list[Entity]:
        """Entities whose ``@n`` or one of whose names is ``name`` (case- and
        accent-insensitive)."""
        if self._by_name is None:
            index: dict[str, list[Entity]] = {}
            for entity in self.entities:
                for form in entity.names():
                    owners = index.setdefault(fold(form), [])
                    if entity not in owners:
                        owners.append(entity)
            self._by_name = index
        return self._by_name.get(fold(name), [])


def _decided(preferred: bool | Callable[[], bool]) -> bool:
    return preferred if isinstance(preferred, bool) else bool(preferred())


def _doc_key(entity: Entity) -> str:
    path = entity.doc.path
    return path if path in ("<stdin>", "<bytes>") else os.path.normpath(os.path.abspath(path))


def entities_in(docs: Iterable[Document]) -> int:
    """How many register entries ``docs`` hold (for summaries)."""
    return sum(1 for doc in docs for _ in register_entries(doc))
