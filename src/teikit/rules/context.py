"""What every rule shares: the edition, the pointers of the document being checked
(resolved once, in one walk), the facts that need the whole edition, and how a
finding is made.

The rules run document by document (in the validation workers, which have each
document parsed already), then once for the edition: what one document cannot
say alone (pointers into a file not given, register entries nobody uses, ids
repeated across files) is gathered as plain :class:`Facts` per document and
finished from them.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Container, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from lxml import etree

from teikit.document import EG_NS, TEI_NS, Document
from teikit.edition import Edition
from teikit.edition.mentions import mention_type
from teikit.edition.pointers import POINTER_ATTRIBUTES, Resolver, Target
from teikit.edition.registers import Entity
from teikit.edition.walk import attribute_values
from teikit.errors import Diagnostic, Severity
from teikit.validate.engine import Gathering

if TYPE_CHECKING:
    from teikit.index import XPaths

SOURCE = "rules"

_MENTION_ATTRS = frozenset({"ref", "key", "sameAs", "corresp", "who"})
# The attributes of a name that point at its entity, in the order they are read.
_NAMED_BY = ("ref", "key", "sameAs", "corresp")
# Date attributes a range check needs, walked with the pointers.
RANGES = (("notBefore", "notAfter"), ("from", "to"))
_RANGE_STARTS = {low: high for low, high in RANGES}
# What the walk gathers: pointers, and the start of a range (its end is read with it).
_GATHERED_ATTRIBUTES = frozenset((*POINTER_ATTRIBUTES, *_RANGE_STARTS))
# Elements the rules look at as a whole, gathered by the same walk: one pass over
# a document instead of one per rule.
_T = f"{{{TEI_NS}}}"
_GATHERED = {f"{_T}idno": "idnos", f"{_T}prefixDef": "prefix_defs", f"{_T}correspDesc": "letters"}
_EG = f"{{{EG_NS}}}egXML"
_GATHERED_TAGS = frozenset((*_GATHERED, _EG))


def gathering(known: Container[str] = frozenset()) -> Gathering:
    """What the rules ask a schema engine to collect on its walk of a document, so
    that they need no walk of their own; ``known``: pointer values it may leave out
    (see :meth:`Context.known`)."""
    return Gathering(_GATHERED_ATTRIBUTES, _GATHERED_TAGS, known=known)


def _gather(doc: Document, walk: Walk) -> list[tuple[etree._Element, str, str]]:
    """(element, attribute, value) for the pointer attributes and the starts of date
    ranges of ``doc``, in document order, and into ``walk`` the elements the rules
    read whole: one pass over the elements."""
    found: list[tuple[etree._Element, str, str]] = []
    wanted = _GATHERED_ATTRIBUTES
    elements = _GATHERED
    for el in doc.root.iter(etree.Element):
        kind = elements.get(el.tag)
        if kind is not None:
            getattr(walk, kind).append(el)
        for attr, value in el.items():
            if attr in wanted:
                found.append((el, attr, value))
    return found


def iter_attributes(doc: Document, names: tuple[str, ...]) -> list[tuple[etree._Element, str, str]]:
    """(element, attribute, value) for every element carrying one of ``names``,
    outside examples, in document order."""
    return attribute_values(doc, names)


class Pointer(NamedTuple):
    """One pointer token as written, and what it resolves to."""

    doc: Document
    element: etree._Element
    attribute: str
    token: str
    target: Target


@dataclass
class Facts:
    """What a document tells the edition-wide rules: plain data, cheap to send from
    a worker."""

    file: str  # the document's path, as its findings name it
    # pointers into files that are not part of the edition:
    # (target path, problem, attribute, line, xpath), in document order
    outside: list[tuple[str, str, str, int, str]] = field(default_factory=list)
    used: set[str] = field(default_factory=set)  # canonical ids of the entities named
    # (xml:id, line, xpath, canonical id of the entity it is a copy of, or "")
    ids: list[tuple[str, int, str, str]] = field(default_factory=list)


class Walk:
    """One document's pointers and date ranges, from one walk over its elements.
    (A plain class: one is made per document, and a dataclass's seven default
    factories cost more than the walk of a letter's few pointers.)"""

    __slots__ = ("idnos", "letters", "missing", "prefix_defs", "ranges", "uris", "used")

    def __init__(self) -> None:
        self.missing: list[Pointer] = []  # nowhere, or ambiguous
        self.uris: list[Pointer] = []  # written as http(s) URIs
        self.used: set[str] = set()
        self.ranges: list[etree._Element] = []
        # every idno, prefixDef and correspDesc, examples included (as a search would)
        self.idnos: list[etree._Element] = []
        self.prefix_defs: list[etree._Element] = []
        self.letters: list[etree._Element] = []


@dataclass
class Context:
    """The edition being checked and the rule policy (code -> severity, None: off)."""

    edition: Edition
    levels: dict[str, object] = field(default_factory=dict)
    _walks: dict[int, tuple[Document, Walk]] = field(default_factory=dict, repr=False)
    # "#id" -> the register entity of the edition it names, written on any pointer
    # attribute but @key (which may hold a name), and on @key
    _shared: dict[str, Entity] = field(default_factory=dict, repr=False)
    _shared_keys: dict[str, Entity] = field(default_factory=dict, repr=False)
    # token -> (its answer, whether the answer names the document asked), for the
    # answers that hold in any document (_same_anywhere); kept without that document,
    # which would otherwise stay in memory for the whole run.
    _answers: dict[str, tuple[Target, bool]] = field(default_factory=dict, repr=False)
    # the ids of _shared, without their "#"; (folder, value) -> whether the value
    # names a file given (a link to the next letter, in every letter)
    _shared_ids: set[str] = field(default_factory=set, repr=False)
    # the keys of _shared as a set, for the schema walk's test of each pointer: a
    # set's table holds each key's hash, so that a look-up reads less memory (a
    # letter's hundred pointers, each a cache miss in a table of 40,000 entries)
    _shared_set: set[str] = field(default_factory=set, repr=False)
    _links: dict[tuple[str, str], bool] = field(default_factory=dict, repr=False)
    _running: set[str] | None = field(default=None, repr=False)  # the codes on (see on())

    def __post_init__(self) -> None:
        # Known before the first document (and before validation workers fork, so
        # that they share it): each "#id" that names one edition-wide register
        # entity, resolved as resolve() would once the id is not the document's own.
        for entity in self.edition.registers.unique_edition_entities():
            if len(entity.xml_id.split()) == 1:  # one token, as pointers are split
                self._shared["#" + entity.xml_id] = entity
        if self.edition.resolver.key_mode != "name":  # then @key holds a name
            self._shared_keys.update(self._shared)
        self._shared_ids = {value[1:] for value in self._shared}
        self._shared_set = set(self._shared)
        self.edition.registers.authority_index()

    def on(self, code: str) -> bool:
        """Whether rule ``code`` runs (its work can be skipped when it does not)."""
        running = self._running
        if running is None:  # asked for each document: the answers made once
            running = self._running = {c for c, level in self.levels.items() if level is not None}
        return code in running

    @property
    def documents(self) -> list[Document]:
        return self.edition.documents

    def known(self, doc: Document) -> Container[str]:
        """The pointer values whose answer in ``doc`` is known before it is walked, so
        that a schema engine's walk need not collect them: each ``#id`` naming one
        register entity of the edition (most pointers of a letter). None when ``doc``
        has an element with such an id itself, when ``@key`` holds names, or when
        the rules count which entities are used."""
        if (
            self.edition.resolver.key_mode == "name"
            or self.on("register-entry-unused")
            or not self._shared_ids.isdisjoint(doc.ids)
        ):
            return frozenset()
        return self._shared_set

    def walk(self, doc: Document, gathering: Gathering | None = None) -> Walk:
        """The pointers of ``doc`` resolved, its elements with a date range, and the
        elements the rules read as a whole, from one walk over its elements (kept
        for the document being checked only). ``gathering``: what a schema engine's
        walk of the document collected for them (see :func:`gathering`), if complete."""
        kept = self._walks.get(id(doc))
        if kept is not None and kept[0] is doc:
            return kept[1]
        walk = Walk()
        if gathering is not None and gathering.complete:
            found = gathering.found
            examples = False
            for el in gathering.elements:
                kind = _GATHERED.get(el.tag)
                if kind is None:
                    examples = True  # an egXML
                else:
                    getattr(walk, kind).append(el)
        else:
            found = _gather(doc, walk)
            examples = next(doc.root.iter(_EG), None) is not None
        track_use = self.on("register-entry-unused")
        ids = doc.ids
        # The usual value, one #id of a register written in many documents: its
        # answer is known once the id is not one of this document's own.
        shared, shared_keys = self._shared, self._shared_keys
        later: list[tuple[etree._Element, str, str]] = []
        for el, attr, value in found:
            if examples and any(a.tag == _EG for a in el.iterancestors()):
                continue
            high = _RANGE_STARTS.get(attr)
            if high is not None:
                if el.get(high) is not None:
                    walk.ranges.append(el)
                continue
            entity = (shared_keys if attr == "key" else shared).get(value)
            if entity is not None and value[1:] not in ids:
                if track_use:
                    walk.used.add(entity.id)
                continue
            later.append((el, attr, value))
        # The others once the document's own prefixDefs are known.
        resolver = self.edition.resolver
        answers = self._answers
        for el, attr, value in later:
            if attr != "key":
                # One token whose answer holds in any document (a licence URI, the
                # same dangling #id in every letter): recorded as _resolve would.
                kept = answers.get(value)
                if (
                    kept is not None
                    and not track_use
                    and kept[0].problem != "ambiguous"
                    and _same_anywhere(resolver, doc, attr, value, walk)
                ):
                    known, here = kept
                    if known.kind == "missing":
                        if here:
                            known = known._replace(doc=doc)
                        walk.missing.append(Pointer(doc, el, attr, value, known))
                    if value.startswith(("http:", "https:")):
                        walk.uris.append(Pointer(doc, el, attr, value, known))
                    continue
                if self._names_given_file(value, doc):
                    continue  # a link to another file of the edition: nothing to record
            self._resolve(doc, el, attr, value, walk, track_use)
        self._walks = {id(doc): (doc, walk)}
        return walk

    def forget(self, doc: Document) -> None:
        """Let go of ``doc``, checked. A validation worker frees each document once it
        is checked, and reads the next into the memory just freed (warm in the CPU's
        caches); a document kept until the next one is walked makes every document
        land in fresh memory."""
        self._walks = {}
        forget_paths()
        self.edition.let_go(doc)

    def _names_given_file(self, value: str, doc: Document) -> bool:
        """:meth:`Resolver.names_given_file`, asked once per folder and value (each
        letter links to the next). A file given that a pointer has had read since
        answers False there, and the resolver then finds it read: nothing to record
        either way."""
        key = (doc.path.rpartition(os.sep)[0] or doc.path, value)  # one folder: one answer
        known = self._links.get(key)
        if known is None:
            known = self._links[key] = self.edition.resolver.names_given_file(value, doc)
        return known

    def entities_named(
        self, el: etree._Element, doc: Document, expected: str
    ) -> Iterator[tuple[etree._Element, Entity]]:
        """(``el``, entity) for each pointer of the mention ``el`` that names a register
        entity of type ``expected``, as :meth:`~teikit.edition.pointers.Resolver.targets`
        resolves them; a ``#id`` of the edition's registers is looked up once."""
        resolver = self.edition.resolver
        ids = doc.ids
        items = el.items()  # one call into lxml, not four
        if len(items) == 1:  # the usual name: its one pointer
            pointers: Iterable[tuple[str, str | None]] = items
        else:
            attributes = dict(items)
            pointers = [(a, attributes.get(a)) for a in _NAMED_BY]
        for attribute, value in pointers:
            if not value or attribute not in _NAMED_BY:
                continue
            shared = self._shared_keys if attribute == "key" else self._shared
            for token in resolver.tokens(attribute, value):
                entity = shared.get(token)
                if entity is None or token[1:] in ids:
                    entity = resolver.resolve(
                        token, doc, attribute=attribute, expected=expected
                    ).entity
                if entity is not None and entity.type == expected:
                    yield el, entity

    def _resolve(
        self,
        doc: Document,
        el: etree._Element,
        attr: str,
        value: str,
        walk: Walk,
        track_use: bool,
    ) -> None:
        """Resolve one pointer attribute's tokens into ``walk``."""
        resolver = self.edition.resolver
        for token in resolver.tokens(attr, value):
            target = self._answer(doc, attr, token, walk)
            if target.problem == "ambiguous" and attr in _MENTION_ATTRS:
                # As the index reads a mention: persName wants a person.
                expected = mention_type(el) or None
                if expected:
                    target = resolver.resolve(token, doc, attribute=attr, expected=expected)
            if target.kind == "missing":
                walk.missing.append(Pointer(doc, el, attr, token, target))
            elif target.entity is not None:
                # an entry pointing at itself does not use it
                if track_use and not _inside_entry(el, doc, target.entity.element, target.doc):
                    walk.used.add(target.entity.id)
                if (
                    token == value
                    and token[:1] == "#"
                    and target.doc is not doc
                    and target.entity.scope == "edition"
                ):
                    if attr == "key":
                        self._shared_keys[value] = target.entity
                    else:
                        self._shared[value] = target.entity
                        self._shared_ids.add(value[1:])
                        self._shared_set.add(value)
            if token.startswith(("http:", "https:")):
                walk.uris.append(Pointer(doc, el, attr, token, target))

    def _answer(self, doc: Document, attr: str, token: str, walk: Walk) -> Target:
        """What ``token`` resolves to, worked out once for the answers that are the
        same in any document (a licence URI, a dangling #id written in many letters)."""
        resolver = self.edition.resolver
        if not _same_anywhere(resolver, doc, attr, token, walk):
            return resolver.resolve(token, doc, attribute=attr)
        kept = self._answers.get(token)
        if kept is None:
            known = resolver.resolve(token, doc, attribute=attr)
            here = known.kind == "missing" and known.doc is not None
            # Kept without the document: "neither this file nor …" names the file asked.
            self._answers[token] = (known._replace(doc=None) if here else known, here)
            return known
        known, here = kept
        return known._replace(doc=doc) if here else known


def _inside_entry(
    el: etree._Element, doc: Document, entry: etree._Element, entry_doc: Document | None
) -> bool:
    """Whether ``el`` of ``doc`` is the register entry ``entry`` or inside it. A
    validation worker reads its own copy of a register file, beside the edition
    model's: the same file is then told by its path and the entry by its place."""
    if entry_doc is not doc and (entry_doc is None or entry_doc.path != doc.path):
        return False
    if entry.getroottree().getroot() is doc.root:
        return el is entry or entry in el.iterancestors()
    where = entry.getroottree().getpath(entry)
    here = el.getroottree().getpath(el)
    return here == where or here.startswith(where + "/")


def _same_anywhere(resolver: Resolver, doc: Document, attr: str, token: str, walk: Walk) -> bool:
    """Whether ``token`` means the same in any document: an http(s) URI where no
    prefixDef redefines the scheme, or an #id that names nothing in the edition's
    registers and no element of ``doc`` (a dangling pointer written in many letters).
    Not on @key, which may hold a name."""
    if attr == "key":
        return False
    if token.startswith(("http:", "https:")):
        return not walk.prefix_defs and not resolver.declares_prefix(token.partition(":")[0])
    ident = token[1:]
    return (
        token[:1] == "#"
        and bool(ident)
        and "(" not in ident
        and ident not in doc.ids
        and not resolver.registers.with_xml_id(ident)
    )


def finding(
    doc: Document,
    el: etree._Element | None,
    code: str,
    message: str,
    severity: Severity = Severity.ERROR,
    *,
    source: str = SOURCE,
    value: str = "",
) -> Diagnostic:
    """A Diagnostic located at ``el`` (or at the root when None), from the corpus rules
    unless ``source`` names another checker (the CMIF check). ``value`` is the
    attribute value at fault, so that a schema's report of the same value is not
    repeated."""
    node = el if el is not None else doc.root
    # What Diagnostic(...) makes, in half the time: a run of the rules makes some
    # 10,000 findings, and a frozen dataclass sets each of its ten fields through
    # object.__setattr__ (tests/test_rules.py holds the two equal).
    made = _new(Diagnostic)
    made.__dict__.update(
        file=doc.path,
        line=node.sourceline or 0,
        column=0,
        severity=severity,
        message=message,
        code=code,
        source=source,
        xpath=xpath_of(doc, node),
        schema="",
        extra=(("value", value),) if value else (),
    )
    return made


_new = object.__new__


class _Paths:
    """The paths made for the document last asked about: a letter's findings share
    the steps of its header (teiHeader/profileDesc/correspDesc/…), counted once
    (:class:`~teikit.index.XPaths`). ``readable`` False: findings get a stand-in
    instead, unique per element (see :func:`stand_in`), when no report will print
    their paths."""

    doc: Document | None = None
    paths: XPaths | None = None  # one per document, made when a path is asked for
    stand_ins: dict[etree._Element, str] = {}  # noqa: RUF012 - one per document, replaced
    readable = True


_PATHS = _Paths()
_stand_ins = itertools.count()  # unique in the process, whichever document
STAND_IN = "\x00"  # how a stand-in path starts


def readable_paths(on: bool) -> None:
    """Whether the findings made from now on carry their readable XPath (True), or
    a stand-in that only keeps two findings about different elements apart."""
    if _PATHS.readable != on:
        _PATHS.readable, _PATHS.doc = on, None


def forget_paths() -> None:
    """Let go of the paths and stand-ins made for the last document (they hold its
    elements, so the whole document: see :meth:`Context.forget`)."""
    if _PATHS.doc is not None or _PATHS.stand_ins:
        _PATHS.doc, _PATHS.paths, _PATHS.stand_ins = None, None, {}


def xpath_of(doc: Document, el: etree._Element, *, stand_in: bool = True) -> str:
    """:meth:`Document.xpath_of`, the same path, with each ancestor's path made once
    for the document being checked. Without readable paths (:func:`readable_paths`):
    a stand-in (``stand_in``, unique per element of the document) or ""."""
    memo = _PATHS
    if memo.doc is not doc:
        memo.doc, memo.paths, memo.stand_ins = doc, None, {}
    if memo.readable:
        if memo.paths is None:
            # Imported here: teikit.index is needed only where a report prints paths.
            from teikit.index import XPaths

            memo.paths = XPaths()
        return memo.paths(el)
    if not stand_in:
        return ""
    found = memo.stand_ins.get(el)
    if found is None:
        # The element is kept in the dictionary: its identity, so the number, holds.
        found = memo.stand_ins[el] = f"{STAND_IN}{next(_stand_ins)}"
    return found
