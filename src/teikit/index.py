"""The entity index of an edition: who, where, which organisation, which work and
which date is mentioned where, resolved against the edition's registers.

``build_index(edition)`` walks every mention the edition model finds
(``persName``, ``placeName``, ``orgName``, ``title``, and
``rs``/``name``/``settlement``… that carry a pointer, ``sp/@who``), with the
pointers it resolved, and returns an :class:`EntityIndex`: one :class:`Entry`
per entity (or unregistered name) with its register data, its authority ids and
every :class:`Occurrence`, the dates, the chronology of the letters and the
registers' relations. ``suggest()`` finds register names that occur in the text
without being tagged.

The index builds on :mod:`teikit.edition` (documents, registers, pointer
resolution: shared with :mod:`teikit.rules`, the exports and the site, so they
never disagree about what a pointer means), :mod:`teikit.dates` (W3C dates) and
:mod:`teikit.reading` (reading text, folding names for matching and sorting).
Names that moved out are re-exported here, so imports from :mod:`teikit.index`
keep working.

Writers for the index (JSON, CSV, TEI, Markdown) live in
:mod:`teikit.exports.index_formats`.
"""

from __future__ import annotations

import bisect
import operator
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from dataclasses import fields as dataclass_fields
from itertools import islice
from pathlib import PurePath
from typing import Any, NamedTuple

from lxml import etree

from teikit.batch import OnStep, Step, WorkerFailure, isolation, run
from teikit.dates import DATE_ATTRIBUTES, W3CDate, date_sort_key, parse_date
from teikit.document import TEI_NS, Document
from teikit.edition import DocumentFacts, Edition, as_edition, edition_title, reading_order
from teikit.edition.mentions import MENTION_ELEMENTS, POINTING_ELEMENTS
from teikit.edition.pointers import Target, pointer_tokens
from teikit.edition.registers import ENTITY_TYPES, REGISTER_LISTS, XML_ID, Entity
from teikit.errors import Diagnostic, LoadError, Severity
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

__all__ = [
    "ENTITY_TYPES",
    "INDEX_TYPES",
    "Candidate",
    "DateEntry",
    "DocumentInfo",
    "EntityIndex",
    "Entry",
    "Indexer",
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
# Re-exports: these names were defined here before dates and reading text moved to
# modules of their own; imports from teikit.index keep working.
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
__all__ += ["XML_ID"]  # teikit.edition.registers

T = f"{{{TEI_NS}}}"

INDEX_TYPES = (*ENTITY_TYPES, "date")

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


@dataclass(frozen=True, slots=True)  # slots: a 5,000-letter edition has 400,000 of them
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

    type: str  # person | place | org | work | event | term
    key: str  # "register.xml#id"; the pointer or "~type:name" when not in a register
    id: str  # the entity's canonical id (its xml:id, unless two share it); "" if unregistered
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
    sent_line: int = 0  # the line of the sent date element, 0 when there is none
    received_line: int = 0
    # What the edition says the letter mentions in CMIF's terms (a ``ref`` typed
    # cmif:mentionsPerson … in its correspDesc): (type URI, target, text).
    mentions: list[tuple[str, str, str]] = field(default_factory=list)


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
    kind: str  # letter | register | introduction | drama | edition | other


@dataclass
class EntityIndex:
    """Everything :func:`build_index` found. Lists are sorted and deterministic."""

    root: str  # absolute directory every ``file`` is relative to
    title: str = ""  # the edition's title
    order: list[str] = field(default_factory=list)  # the files in the edition's reading order
    documents: list[DocumentInfo] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    dates: list[DateEntry] = field(default_factory=list)
    letters: list[Letter] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    _lookup: tuple[int, list[Entry], dict[str, Entry]] | None = field(
        default=None, init=False, repr=False, compare=False
    )

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
        """An entry by key (``register.xml#tito``) or by bare register id (``tito``):
        the first in :attr:`entries` with that key or id."""
        # A look-up table, made again when entries are added or replaced: the
        # exports ask for every sender, addressee and place of every letter.
        lookup = self._lookup
        if lookup is None or lookup[0] != len(self.entries) or lookup[1] is not self.entries:
            table: dict[str, Entry] = {}
            for entry in self.entries:
                table.setdefault(entry.key, entry)
                table.setdefault(entry.id, entry)
            lookup = self._lookup = (len(self.entries), self.entries, table)
        return lookup[2].get(key_or_id)


# --------------------------------------------------------------------------- snippets


_BLOCK_TAGS = frozenset(f"{T}{name}" for name in _BLOCKS)
# How many flattened blocks a document's snippets keep: enough for a paragraph's
# notes and the paragraph around them.
_KEPT_BLOCKS = 8
# How many parents' answers (block, where) a document's look-ups keep.
_KEPT_PARENTS = 1024


class _Snippets:
    """Context snippets, flattening each block once however many mentions it holds."""

    def __init__(self) -> None:
        self._cache: dict[etree._Element, tuple[str, dict[etree._Element, tuple[int, int]]]] = {}
        self._blocks: dict[etree._Element, etree._Element] = {}  # parent -> its block

    def block_of(self, el: etree._Element) -> etree._Element:
        """The nearest ancestor of ``el`` that is a text block (else its parent): the
        text its snippet is cut from. Found once per parent."""
        parent = el.getparent()
        if parent is None:
            return el
        blocks = self._blocks
        block = blocks.get(parent)
        if block is None:
            if len(blocks) >= _KEPT_PARENTS:
                blocks.clear()  # asked in document order: the parents asked next are new
            node: etree._Element | None = parent
            while node is not None and node.tag not in _BLOCK_TAGS:
                node = node.getparent()
            block = self._blocks[parent] = node if node is not None else parent
        return block

    def text_and_snippet(self, el: etree._Element) -> tuple[str, str]:
        block = self.block_of(el)
        cache = self._cache
        flat = cache.pop(block, None)
        if flat is None:
            flat = flatten(block)
            if len(cache) >= _KEPT_BLOCKS:
                # Mentions come in document order: a block left behind is seldom
                # asked again, and a flattening holds an entry per element in it
                # (a 20 MB diary's would hold hundreds of MB).
                del cache[next(iter(cache))]
        cache[block] = flat  # the most recent last
        text, spans = flat
        span = spans.get(el)
        if span is None:  # inside something the reading text leaves out (sic, del)
            own = reading_text(el)
            return own, own
        start, end = span
        middle = normalize_space(text[start:end])
        return middle, snippet(text, start, end, middle=middle)


class _TextsOnly(_Snippets):
    """The mention's text without its context (``build_index(details=False)``): the
    element's own reading text, which is its span of the block's (see
    :func:`teikit.reading.flatten`), without flattening the block."""

    def text_and_snippet(self, el: etree._Element) -> tuple[str, str]:
        return reading_text(el), ""


def _no_path(el: etree._Element) -> str:
    return ""


# --------------------------------------------------------------------------- where


# What _Wheres knows of an element: its answer, whether that answer is final (a
# correspAction or teiHeader at or above it: the nearest decides), and what its
# ancestors-or-self say otherwise (in a register list, in a note, the division).
_WhereState = tuple[str, bool, bool, bool, str]
_CORRESP_WHERE = {"sent": "sender", "received": "addressee"}
_IN_REGISTER = frozenset({"listRelation", "standOff", *REGISTER_LISTS})


class _Wheres:
    """:func:`where_of` for many elements of one document: each ancestor's answer is
    made once, from its parent's (where_of walks every ancestor of every element;
    the mentions of a paragraph share all but the last step)."""

    def __init__(self) -> None:
        self._states: dict[etree._Element, _WhereState] = {}

    def __call__(self, el: etree._Element) -> str:
        parent = el.getparent()
        state = self._state(parent) if parent is not None else _WHERE_TOP
        return _where_step(state, el)[0]

    def _state(self, el: etree._Element) -> _WhereState:
        states = self._states
        found = states.get(el)
        if found is not None:
            return found
        if len(states) >= _KEPT_PARENTS:
            states.clear()  # as _Snippets.block_of: asked in document order
        chain = [el]
        node = el.getparent()
        state = _WHERE_TOP
        while node is not None:
            found = states.get(node)
            if found is not None:
                state = found
                break
            chain.append(node)
            node = node.getparent()
        for node in reversed(chain):
            state = states[node] = _where_step(state, node)
        return state


_WHERE_TOP: _WhereState = ("body", False, False, False, "body")


def _where_step(state: _WhereState, el: etree._Element) -> _WhereState:
    """The state of ``el`` from its parent's (see :func:`where_of`)."""
    tag = el.tag
    name = tag.rpartition("}")[2] if isinstance(tag, str) else ""
    if name == "correspAction":
        return (_CORRESP_WHERE.get(el.get("type", ""), "header"), True, False, False, "body")
    if name == "teiHeader":
        return ("header", True, False, False, "body")
    if state[1]:
        return state
    _, _, in_register, in_note, division = state
    if name in _IN_REGISTER:
        in_register = True
    elif name == "note":
        in_note = True
    elif name in ("back", "front"):
        division = name
    answer = "register" if in_register else "note" if in_note else division
    return (answer, False, in_register, in_note, division)


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
        paths = self._paths
        found = paths.get(el)
        if found is not None:
            return found
        chain: list[etree._Element] = []
        node: etree._Element | None = el
        path = ""
        while node is not None:
            found = paths.get(node)
            if found is not None:
                path = found
                break
            chain.append(node)
            node = node.getparent()
        steps = self._steps
        for item in reversed(chain):
            step = steps.get(item)
            path = f"{path}/{step if step is not None else self._step(item)}"
            paths[item] = path
        return path

    def _step(self, node: etree._Element) -> str:
        parent = node.getparent()
        if parent is not None:
            siblings = list(parent)
        else:  # the root, among the comments and processing instructions around it
            siblings = [*reversed(list(node.itersiblings(preceding=True))), node]
            siblings += node.itersiblings()
        steps = self._steps
        if type(self)._key is XPaths._key and type(self)._format is XPaths._format:
            # The steps of this class, without a call per sibling: a diary's
            # paragraphs have hundreds of children each.
            keys = [
                tag.rpartition("}")[2] if isinstance(tag := s.tag, str) else _step_key(s)
                for s in siblings
            ]
            total = Counter(keys)
            seen: dict[str | None, int] = {}
            for sibling, key in zip(siblings, keys, strict=True):
                if key is None:
                    steps[sibling] = "text()"
                elif total[key] == 1:
                    steps[sibling] = key
                else:
                    seen[key] = position = seen.get(key, 0) + 1
                    steps[sibling] = f"{key}[{position}]"
            return steps[node]
        keys = list(map(self._key, siblings))
        total = Counter(keys)
        seen = {}
        form = self._format
        for sibling, key in zip(siblings, keys, strict=True):
            if key is None:
                steps[sibling] = "text()"
                continue
            seen[key] = position = seen.get(key, 0) + 1
            steps[sibling] = form(key, position, total[key])
        return steps[node]

    # What a step is: overridden by teikit.render.ElementPaths for XPath's path().

    @staticmethod
    def _key(node: etree._Element) -> str | None:
        """What a node is counted among its siblings as (None: not addressable)."""
        return _step_key(node)

    @staticmethod
    def _format(key: str, position: int, total: int) -> str:
        return f"{key}[{position}]" if total > 1 else key


class _ForwardPaths(XPaths):
    """:class:`XPaths` for elements asked in document order (a document's mentions,
    then its dates): it keeps the paths of the last element's ancestors and the
    steps of their children only, not every path and step of the document (a 20
    MB diary's are hundreds of thousands). Asked out of order, it makes a path
    again, the same."""

    def __init__(self) -> None:
        super().__init__()
        self._chain: list[etree._Element] = []  # the paths kept: root to last asked

    def __call__(self, el: etree._Element) -> str:
        paths = self._paths
        found = paths.get(el)
        if found is not None:
            return found
        made = [el]
        node = el.getparent()
        while node is not None and node not in paths:
            made.append(node)
            node = node.getparent()
        # node: the nearest ancestor whose path is kept; what is kept below it is
        # no ancestor of el, so neither its path nor its children's steps are wanted
        chain = self._chain
        keep = chain.index(node) + 1 if node is not None else 0
        steps = self._steps
        for gone in chain[keep:]:
            del paths[gone]
            for child in gone:
                steps.pop(child, None)
        del chain[keep:]
        chain.extend(reversed(made))
        return super().__call__(el)


_OTHER_NAMESPACE = etree.XPath(f"boolean(//*[namespace-uri() != '{TEI_NS}'])")
# Up to this many elements, a document's paths are made by lxml (see _TreePaths).
_TREE_PATHS_MAX = 4096


class _TreePaths:
    """The paths of :class:`XPaths`, made by lxml in C (``getelementpath``: the
    same steps, a position only where a sibling shares the name) for a document
    of up to :data:`_TREE_PATHS_MAX` elements, all of them TEI's. lxml counts
    siblings of the same namespace and name where :class:`XPaths` counts those
    of the same local name: the two agree when there is one namespace. lxml
    counts every ancestor's preceding siblings at every call, which a large
    document (a diary of 25,000 entries in one div) would make quadratic. Other
    documents' paths come from :class:`_ForwardPaths`."""

    def __init__(self, doc: Document) -> None:
        tree = doc.root.getroottree()
        top = tree.getroot()
        self._tree = tree
        self._top = top
        self._prefix = f"/{localname(top)}/"
        # counted up to the limit only (a diary's 273,000 would take a tenth of a second)
        large = next(islice(top.iter(etree.Element), _TREE_PATHS_MAX, None), None) is not None
        one_namespace = not _OTHER_NAMESPACE(top)
        self._slow: XPaths | None = None if one_namespace and not large else _ForwardPaths()
        # A large document in TEI's namespace alone: the parent's path as _ForwardPaths
        # makes it, the last step by lxml (counting a paragraph's hundreds of children
        # in C, where _ForwardPaths makes every child's step in Python).
        self._last_step_in_lxml = one_namespace and large

    def __call__(self, el: etree._Element) -> str:
        if self._slow is not None:
            if self._last_step_in_lxml:
                parent = el.getparent()
                if parent is not None:
                    step = etree.ElementTree(parent).getelementpath(el)
                    return f"{self._slow(parent)}/{step.replace(T, '')}"
            return self._slow(el)
        if el is self._top:
            return self._prefix[:-1]
        return self._prefix + self._tree.getelementpath(el).replace(T, "")


# What one document's pass finds, compact enough to send from a worker: an
# occurrence's fields after its file and title (line, xpath, id, where, text,
# snippet, attribute, position); how to make an entry the index may not have yet
# (("entry", Entry), ("external", kind, text), ("name", kind, text)); a mention's
# entry key, its making (None: made already) and its fields.
_Fields = tuple[int, str, str, str, str, str, str, int]
_Making = tuple[Any, ...]
_Found = tuple[str, "_Making | None", _Fields]


class _Seen(NamedTuple):
    """One document's look-ups, each made once however many mentions ask."""

    snippets: _Snippets
    xpaths: XPaths
    wheres: _Wheres


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


# "48.2 16.37", "48.2,16.37", "48.2, 16.37", and with decimal commas "48,2 16,37".
_DECIMAL_COMMAS = re.compile(r"(-?\d+),(\d+)\s+(-?\d+),(\d+)")


def _geo(el: etree._Element) -> tuple[float, float] | None:
    for geo in el.iter(f"{T}geo"):
        text = text_value(geo)
        commas = _DECIMAL_COMMAS.fullmatch(text)
        if commas:
            text = f"{commas[1]}.{commas[2]} {commas[3]}.{commas[4]}"
        parts = text.replace(",", " ").split()
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


_NAME_TAGS = {
    "person": "persName",
    "place": "placeName",
    "org": "orgName",
    "work": "title",
    "event": "eventName",
    "term": "catDesc",
}


def _entry_from_register(entity: Entity, key: str, register_file: str) -> Entry:
    el, kind = entity.element, entity.type
    name_tag = _NAME_TAGS[kind]
    if kind == "work" and localname(el) == "biblStruct":
        names = list(el.iter(f"{T}title"))
    else:
        names = _children(el, name_tag)
        if kind == "place" and not names:
            names = _children(el, "geogName", "settlement", "country", "region", "bloc")
        if not names:
            names = _children(el, "name", "label", "desc") if kind in ("event", "term") else names
    preferred = _preferred(names, "preferred", "full", "main", "reg")
    name = reading_text(preferred) or el.get("n", "") or entity.xml_id
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
        id=entity.id,
        name=name,
        sort_name=sort_name,
        surname=surname,
        variants=variants,
        subtype=el.get("type", ""),
        birth=_life_date(next(iter(_children(el, "birth")), None)),
        death=_life_date(next(iter(_children(el, "death")), None)),
        roles=[t for t in (reading_text(o) for o in _children(el, "occupation")) if t],
        coordinates=_geo(el) if kind == "place" else None,
        authorities=list(entity.authorities),
        note=note_text,
        register=register_file,
        line=el.sourceline or 0,
    )


class _Builder:
    def __init__(self, edition: Edition) -> None:
        self.edition = edition
        self.root = str(edition.root)
        self.entries: dict[str, Entry] = {}
        self.by_entity: dict[int, Entry] = {}
        self.dates: dict[str, DateEntry] = {}
        self._rel: dict[str, str] = {}  # a document's key -> its path relative to the root
        self.known: frozenset[str] = frozenset()  # the keys of the register entries

    def rel(self, doc: Document) -> str:
        key = self.edition.key_of(doc)
        found = self._rel.get(key)
        if found is None:
            found = self._rel[key] = self.edition.relpath(doc)
        return found

    # -- registers

    def entry_of(self, entity: Entity) -> Entry:
        """The Entry of an entity: one per entity, whatever route found it."""
        entry = self.by_entity.get(id(entity))
        if entry is None:
            key = f"{self.rel(entity.doc)}#{entity.xml_id}"
            entry = _entry_from_register(entity, key, self.rel(entity.doc))
            self.entries[key] = entry
            self.by_entity[id(entity)] = entry
        return entry

    def collect_registers(self) -> None:
        for entity in self.edition.registers:
            self.entry_of(entity)
        self.known = frozenset(self.entries)

    # -- mentions

    def entry_for(
        self, target: Target, kind: str, text: str, doc: Document
    ) -> tuple[str, _Making | None] | None:
        """The key of the entry ``target`` names, and how to make that entry when the
        index has none yet (None: a register entry, made already); None when it
        names no entity."""
        if target.entity is not None:
            entry = self.entry_of(target.entity)
            return entry.key, None if entry.key in self.known else ("entry", entry)
        if not kind or target.kind in ("element", "document"):
            return None  # points to something that is not an entity (an editor, a file)
        if target.kind == "external":
            return target.pointer, ("external", kind, text)
        return self.missing_key(target, doc), ("name", kind, text)

    def missing_key(self, target: Target, doc: Document) -> str:
        """One key for one missing target, however the pointer was written: the file
        (relative to the index root) and the id."""
        value = target.expanded or target.pointer.strip()
        file_part, hash_, fragment = value.partition("#")
        if target.file:
            try:
                rel = PurePath(os.path.relpath(target.file, self.root)).as_posix()
            except ValueError:
                rel = target.file
            return f"{rel}#{fragment}" if hash_ else rel
        if hash_ and not file_part:
            return f"#{fragment}"
        return value

    @staticmethod
    def unregistered(kind: str, text: str) -> tuple[str, _Making] | None:
        if not kind or not text:
            return None
        return f"~{kind}:{fold(text)}", ("name", kind, text)

    def make(self, key: str, making: _Making | None) -> Entry:
        """The entry of ``key``, made as ``making`` says when there is none yet: the
        first document (in path order) to mention an unregistered name names it."""
        entry = self.entries.get(key)
        if entry is None:
            if making is None:  # a register entry another process made: cannot happen
                raise KeyError(key)
            how, *rest = making
            if how == "entry":
                entry = rest[0]
            else:
                kind, text = rest
                external = [key] if how == "external" else []
                entry = Entry(kind, key, "", text, text, authorities=external)
            self.entries[key] = entry
        return entry

    def mentions_of(
        self,
        doc: Document,
        seen: _Seen,
        before: Callable[[etree._Element], None] | None = None,
    ) -> list[_Found]:
        """Every occurrence of an entity in ``doc``: (entry key, how to make the entry
        when it is new, the occurrence's fields after file and title). ``before``
        is called with each mention's element before it is looked at."""
        snippets, xpaths, wheres = seen
        # A mention's position among the document's mention elements, counted as
        # the mentions come (in document order), not a table of every one of them
        counting = enumerate(doc.root.iter(*_MENTION_TAGS))
        counted: tuple[int, etree._Element | None] = (-1, None)
        positions: dict[etree._Element, int] | None = None  # out of order: the table
        found: list[_Found] = []
        told: set[str] = set()  # keys whose making went with an earlier occurrence
        for mention in self.edition.mentions(doc):
            el = mention.element
            if before is not None:
                before(el)
            text, context = _mention_text(el, snippets)
            hits: list[tuple[str, _Making | None, str]] = []
            for attribute, target in mention.targets:
                hit = self.entry_for(target, mention.expected, text, doc)
                if hit is not None:
                    hits.append((*hit, attribute))
            if not mention.targets:
                hit = self.unregistered(mention.expected, text)
                if hit is not None:
                    hits.append((*hit, ""))
            keys: set[str] = set()
            fields: _Fields | None = None
            for key, making, attribute in hits:
                if key in keys:
                    continue  # ref="#a #a", or ref and key naming the same entity
                keys.add(key)
                if making is not None:
                    if key in told:
                        making = None
                    else:
                        told.add(key)
                if fields is None or fields[6] != attribute:
                    if counted[1] is not el and positions is None:
                        counted = next((c for c in counting if c[1] is el), (-1, None))
                        if counted[1] is None:
                            positions = {e: n for n, e in enumerate(doc.root.iter(*_MENTION_TAGS))}
                    position = positions[el] if positions is not None else counted[0]
                    fields = (
                        el.sourceline or 0, xpaths(el), el.get(XML_ID, ""), wheres(el), text,
                        context, attribute, position,
                    )  # fmt: skip
                found.append((key, making, fields))
        return found

    def dates_of(self, doc: Document, seen: _Seen) -> list[tuple[str, _Fields]]:
        """Every date attribute in ``doc``: (its value, the occurrence's fields)."""
        found: list[tuple[str, _Fields]] = []
        for position, el in enumerate(doc.root.iter(*_DATE_TAGS)):
            self._date(el, position, seen, found)
        return found

    def mentions_and_dates(
        self, doc: Document, seen: _Seen
    ) -> tuple[list[_Found], list[tuple[str, _Fields]]]:
        """:meth:`mentions_of` and :meth:`dates_of` in one pass in document order, the
        same lists: a date is looked at beside the mentions around it, while the
        block they share is still flattened (``seen`` keeps the last few only)."""
        dates: list[tuple[str, _Fields]] = []
        walk = doc.root.iter(*_DATE_TAGS, *_MENTION_TAGS)
        position = 0
        lost = False

        def upto(el: etree._Element | None) -> None:
            """The dates before ``el`` in document order (None: all that are left)."""
            nonlocal position, lost
            for node in walk:
                if node is el:
                    return
                if node.tag in _DATE_TAG_SET:
                    self._date(node, position, seen, dates)
                    position += 1
            lost = lost or el is not None  # a mention the walk did not meet: cannot happen

        mentions = self.mentions_of(doc, seen, before=upto)
        upto(None)
        if lost:
            dates = self.dates_of(doc, seen)
        return mentions, dates

    def _date(
        self,
        el: etree._Element,
        position: int,
        seen: _Seen,
        found: list[tuple[str, _Fields]],
    ) -> None:
        """The occurrences of the date element ``el`` (one per date attribute)."""
        if in_egxml(el):
            return
        snippets, xpaths, wheres = seen
        base: tuple[int, str, str, str, str, str] | None = None
        for attribute in DATE_ATTRIBUTES:
            raw = el.get(attribute)
            if raw is None:
                continue
            if base is None:
                text, context = snippets.text_and_snippet(el)
                base = (
                    el.sourceline or 0,
                    xpaths(el),
                    el.get(XML_ID, ""),
                    wheres(el),
                    text,
                    context,
                )
            found.append((raw.strip(), (*base, attribute, position)))

    # -- letters

    def party(self, el: etree._Element, doc: Document, kind: str) -> Party:
        text = reading_text(el)
        how = {"cert": el.get("cert", "").strip(), "evidence": el.get("evidence", "").strip()}
        for attribute in ("ref", "key", "sameAs", "corresp"):
            for token in self.edition.resolver.tokens(attribute, el.get(attribute) or ""):
                target = self.edition.resolve(token, doc, attribute=attribute, expected=kind)
                if target.entity is not None:
                    entry = self.entry_of(target.entity)
                    return Party(entry.type, entry.key, entry.id, entry.name, text, **how)
        return Party(kind, "", "", text, text, **how)

    def letters(self, doc: Document) -> list[Letter]:
        found = []
        descs = list(doc.root.iter(f"{T}correspDesc"))
        base_id = doc.root.get(XML_ID) or PurePath(doc.path).stem
        title = self.edition.title_of(doc)
        short = self.edition.short_title_of(doc)
        archival = [_archival_reference(ms) for ms in _own_msidentifiers(doc)]
        for n, desc in enumerate(descs, 1):
            if in_egxml(desc):
                continue
            letter = Letter(
                id=desc.get(XML_ID) or (base_id if len(descs) == 1 else f"{base_id}-{n}"),
                file=self.rel(doc),
                title=title,
                short_title=short if short != title else "",
                date="",
                archival=[a for a in archival if a],
                line=desc.sourceline or 0,
            )
            for action in _children(desc, "correspAction"):
                kind = action.get("type", "")
                for child in action:
                    name = localname(child)
                    if name in ("persName", "orgName", "name", "rs"):
                        party = self.party(child, doc, "org" if name == "orgName" else "person")
                        role = self.edition.correspondent_role(kind, child)
                        if role == "sender":
                            letter.senders.append(party)
                        elif role == "addressee":
                            letter.addressees.append(party)
                    elif name in ("placeName", "settlement", "geogName"):
                        party = self.party(child, doc, "place")
                        if kind == "sent":
                            letter.places_sent.append(party)
                        elif kind == "received":
                            letter.places_received.append(party)
                dates = _children(action, "date")
                attrs = {
                    a: dates[0].get(a, "").strip()
                    for a in DATE_ATTRIBUTES
                    if dates and dates[0].get(a)
                }
                if not attrs and dates:
                    text = text_value(dates[0])
                    parsed = parse_date(text) if text else None
                    if parsed is not None and parsed.comparable:
                        attrs = {"when": text}  # a W3C date written as text (1916-04-16)
                line = dates[0].sourceline or 0 if dates else 0
                if kind == "sent" and not letter.sent:
                    letter.sent, letter.sent_line = attrs, line
                elif kind == "received" and not letter.received:
                    letter.received, letter.received_line = attrs, line
            for ctx in _children(desc, "correspContext"):
                for ref in ctx.iter(f"{T}ref", f"{T}ptr"):
                    if ref.get("type") == "prev":
                        letter.prev += pointer_tokens(ref.get("target"))
                    elif ref.get("type") == "next":
                        letter.next += pointer_tokens(ref.get("target"))
            letter.mentions = _cmif_mentions(desc)
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
                    target = self.edition.resolve(token, doc, attribute=attr)
                    out.append(self.entry_of(target.entity).key if target.entity else token)
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


_MENTION_TAGS = tuple(f"{T}{n}" for n in (*MENTION_ELEMENTS, *POINTING_ELEMENTS))
_DATE_TAGS = (f"{T}date", f"{T}origDate")
_DATE_TAG_SET = frozenset(_DATE_TAGS)


def _mention_text(el: etree._Element, snippets: _Snippets) -> tuple[str, str]:
    """The mention as it reads, and its context; a speech is named by its speaker."""
    if localname(el) == "sp":
        speaker = el.find(f"{T}speaker")
        text = reading_text(speaker) if speaker is not None else el.get("who", "")
        return text, text
    return snippets.text_and_snippet(el)


CMIF_TERMS = "https://lod.academy/cmif/vocab/terms#"
_CMIF_MENTION = re.compile(r"(?:cmif:|https?://lod\.academy/cmif/vocab/terms#)(mentions\w+)")


def _cmif_mentions(desc: etree._Element) -> list[tuple[str, str, str]]:
    """The ``ref``s of a correspDesc typed ``cmif:mentionsPerson`` (…Place,
    …Organisation, …Bibl, …Subject), prefixed or as the full CMIF term URI."""
    found = []
    for ref in desc.iter(f"{T}ref"):
        matched = _CMIF_MENTION.fullmatch((ref.get("type") or "").strip())
        if matched and not in_egxml(ref):
            found.append(
                (CMIF_TERMS + matched[1], (ref.get("target") or "").strip(), reading_text(ref))
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


def _occurrence_order(files: dict[str, int]) -> Callable[[Occurrence], tuple[int, str, int, int]]:
    return lambda o: (
        files.get(o.file, len(files)),
        o.file,
        o.position,
        DATE_ATTRIBUTES.index(o.attribute) if o.attribute in DATE_ATTRIBUTES else 0,
    )


def _ascending(positions: list[int]) -> bool:
    return all(map(operator.le, positions, islice(positions, 1, None)))


# Occurrence's fields, set one by one through their slots (see _occurrences).
_OCCURRENCE_SLOTS = tuple(getattr(Occurrence, f.name).__set__ for f in dataclass_fields(Occurrence))


def _occurrences(file: str, title: str, rows: list[_Fields]) -> list[Occurrence]:
    """``Occurrence(file, title, *fields)`` for each row of a document, without the
    frozen dataclass's ``__init__`` (an ``object.__setattr__`` call per field: twice
    the time, for the 512,000 occurrences a 5,000-letter edition's parent merges)."""
    made: list[Occurrence] = []
    append, new = made.append, object.__new__
    s_file, s_title, s_line, s_xpath, s_id, s_where, s_text, s_snip, s_attr, s_pos = (
        _OCCURRENCE_SLOTS
    )
    for line, xpath, id_, where, text, snip, attribute, position in rows:
        occurrence = new(Occurrence)
        s_file(occurrence, file)
        s_title(occurrence, title)
        s_line(occurrence, line)
        s_xpath(occurrence, xpath)
        s_id(occurrence, id_)
        s_where(occurrence, where)
        s_text(occurrence, text)
        s_snip(occurrence, snip)
        s_attr(occurrence, attribute)
        s_pos(occurrence, position)
        append(occurrence)
    return made


@dataclass
class DocumentPart:
    """What one document adds to the index (:meth:`Indexer.examine`): made where the
    document is read (in a worker, with ``jobs``), merged where the index is."""

    key: str  # the document's key (Edition.key_of)
    info: DocumentInfo
    mentions: list[_Found]
    dates: list[tuple[str, _Fields]]
    letters: list[Letter]
    relations: list[Relation]


class Indexer:
    """Builds the index of an edition one document at a time: :meth:`add` each
    document (in the order of their paths), then :meth:`finish`. The index keeps
    what it found, never the documents, so they can be read and let go one by one
    (:meth:`teikit.edition.Edition.stream`). :meth:`add` is :meth:`examine` (which
    may run in another process) and :meth:`merge` (in path order)."""

    def __init__(self, edition: Edition, *, details: bool = True) -> None:
        self.edition = edition
        self.details = details
        self.builder = _Builder(edition)
        self.builder.collect_registers()
        self.letters: list[Letter] = []
        self.relations: list[Relation] = []
        self.infos: list[DocumentInfo] = []
        self.added: set[str] = set()
        # Whether every occurrence came in the order finish sorts them by: the
        # documents in the order of their files, each one's mentions in document
        # order (as a document's pass finds them, unless the edition model gives
        # them out of order); then finish need not sort 500,000 of them again.
        self._ordered = True

    def add(self, doc: Document) -> None:
        self.merge(self.examine(doc))

    def examine(self, doc: Document) -> DocumentPart:
        """What ``doc`` adds to the index; the index itself is left as it is (but for
        register entries, which are all made when the indexer is)."""
        builder, edition = self.builder, self.edition
        # One of each per document: their look-ups are that document's.
        if self.details:
            seen = _Seen(_Snippets(), _TreePaths(doc), _Wheres())  # type: ignore[arg-type]
        else:  # no context snippets and no paths: no export but CSV writes them
            seen = _Seen(_TextsOnly(), _no_path, _Wheres())  # type: ignore[arg-type]
        mentions, dates = builder.mentions_and_dates(doc, seen)
        return DocumentPart(
            key=edition.key_of(doc),
            info=DocumentInfo(
                builder.rel(doc),
                doc.root.get(XML_ID) or PurePath(doc.path).stem,
                edition.title_of(doc),
                edition.kind(doc),
            ),
            mentions=mentions,
            dates=dates,
            letters=builder.letters(doc),
            relations=builder.relations(doc),
        )

    def merge(self, part: DocumentPart) -> None:
        """Add what :meth:`examine` found in a document: call in the order of the
        documents' paths (the first to mention an unregistered name names it)."""
        builder = self.builder
        file, title = part.info.file, part.info.title
        if self._ordered:
            self._ordered = (
                (not self.infos or self.infos[-1].file < file)
                and _ascending([fields[7] for _, _, fields in part.mentions])
                and _ascending([fields[7] for _, fields in part.dates])
            )
        made = _occurrences(file, title, [fields for _, _, fields in part.mentions])
        for (key, making, _), occurrence in zip(part.mentions, made, strict=True):
            builder.make(key, making).occurrences.append(occurrence)
        dates = builder.dates
        made = _occurrences(file, title, [fields for _, fields in part.dates])
        for (value, _), occurrence in zip(part.dates, made, strict=True):
            entry = dates.get(value)
            if entry is None:
                entry = dates[value] = DateEntry(value, parse_date(value) is not None)
            entry.occurrences.append(occurrence)
        self.letters += part.letters
        self.relations += part.relations
        self.added.add(part.key)
        self.infos.append(part.info)

    def finish(self, title: str | None = None, order: Sequence[str] | None = None) -> EntityIndex:
        """The index of the documents added: ``title`` and ``order`` (their paths
        relative to the edition, in reading order) default to the edition's."""
        edition, builder = self.edition, self.builder
        for doc in sorted(edition.all_documents, key=builder.rel):
            if edition.key_of(doc) not in self.added:  # read only to resolve pointers
                self.relations += builder.relations(doc)
        # Registers only read to resolve pointers contribute their mentioned entries.
        home_given = {
            id(builder.by_entity[id(e)])
            for e in edition.registers
            if any(edition.key_of(d) in self.added for d, _ in e.copies)
        }
        infos = sorted(self.infos, key=lambda d: d.file)
        files = {info.file: i for i, info in enumerate(infos)}
        entries = [e for e in builder.entries.values() if e.occurrences or id(e) in home_given]
        if not self._ordered:
            by_position = _occurrence_order(files)
            for entry in entries:
                entry.occurrences.sort(key=by_position)
            for date in builder.dates.values():
                date.occurrences.sort(key=by_position)
        entries.sort(key=lambda e: (ENTITY_TYPES.index(e.type), fold(e.sort_name or e.name), e.key))
        self.letters.sort(
            key=lambda lt: (date_sort_key(lt.date) if lt.date else (3,), lt.file, lt.id)
        )
        return EntityIndex(
            root=builder.root,
            title=edition.title if title is None else title,
            order=list(order) if order is not None else [builder.rel(d) for d in edition.order],
            documents=infos,
            entries=entries,
            dates=sorted(builder.dates.values(), key=lambda d: date_sort_key(d.value)),
            letters=self.letters,
            relations=sorted(
                self.relations, key=lambda r: (r.file, r.name, r.active, r.passive, r.mutual)
            ),
        )


class _Done(NamedTuple):
    """One item of :meth:`Edition.pending` done: its part, facts and what the caller's
    ``per_document`` made of it (None when it could not be read), and what reading
    it found (files that failed: message and diagnostics; files left out)."""

    part: DocumentPart | None
    facts: DocumentFacts | None
    value: Any
    failed: list[tuple[str, tuple[Diagnostic, ...]]]
    skipped: list[Diagnostic]


def build_index(
    docs: Edition | Iterable[Document] | str | os.PathLike[str],
    *,
    follow_refs: bool = True,
    on_step: OnStep | None = None,
    per_document: Callable[[Document, DocumentFacts], Any] | None = None,
    on_document: Callable[[DocumentFacts, Any], None] | None = None,
    jobs: int = 1,
    timeout: float | None = None,
    details: bool = True,
) -> EntityIndex:
    """Index the persons, places, organisations, works, events and dates of an edition
    (an :class:`~teikit.edition.Edition`, documents, or a path to open as one).

    Every register entity of the given documents is in the index, with or
    without occurrences; entities of registers that were only read to resolve a
    pointer (``follow_refs``) are in it when they are mentioned. Each entity is
    one entry however its mentions point at it (``#id``, a path, an authority
    URI, a name). Mentions without a pointer, or with one that resolves to no
    register entry, become unregistered entries (``id == ""``) so nothing
    mentioned is lost. ``on_step`` hears of each document indexed.

    The documents are taken as :meth:`~teikit.edition.Edition.stream` gives them:
    an edition opened with ``lazy=True`` is read one document at a time and none
    is kept. ``per_document(doc, facts)`` is called for each document while it is
    in memory (the exports render its text then), and ``on_document(facts,
    value)`` is told what it returned, here, in the order of the documents' paths.

    ``jobs`` > 1: the documents are read, indexed and given to ``per_document`` in
    that many forked workers (``per_document`` must return something that
    pickles), which send back what they found; a worker that dies or hangs
    (``timeout``) on a file costs that file, reported as one that failed to load.
    The index is the same however many jobs made it.

    ``details`` False: the occurrences have no ``xpath`` and no ``snippet`` (""),
    for those who never read them (most exports), at less cost per mention.
    """
    edition = as_edition(docs, follow=follow_refs)
    indexer = Indexer(edition, details=details)
    facts: list[DocumentFacts] = []
    items = edition.pending()
    total = len(items)
    done = 0

    def step(item: str, diagnostics: tuple[Diagnostic, ...] = ()) -> None:
        nonlocal done
        done += 1
        if on_step is not None:
            on_step(Step("indexing", done, total, item, diagnostics))

    def examine(number: int) -> _Done:
        failed, skipped = len(edition.failed), len(edition.skipped)
        item = items[number]
        doc = edition.read(item)
        part = fact = value = None
        if doc is not None:
            fact = edition.facts(doc)
            part = indexer.examine(doc)
            value = per_document(doc, fact) if per_document is not None else None
            if not isinstance(item, Document):
                edition.let_go(doc)
        return _Done(
            part,
            fact,
            value,
            [(e.message, e.diagnostics) for e in edition.failed[failed:]],
            edition.skipped[skipped:],
        )

    def take(number: int, result: _Done) -> None:
        if jobs > 1:  # the worker's findings: the parent's edition has not seen them
            edition.failed += [LoadError(m, d) for m, d in result.failed]
            edition.skipped += result.skipped
        for message, diagnostics in result.failed:
            step(diagnostics[0].file if diagnostics else message, diagnostics)
        if result.part is None or result.facts is None:
            return
        indexer.merge(result.part)
        facts.append(result.facts)
        if on_document is not None:
            on_document(result.facts, result.value)
        item = items[number]
        step(item.path if isinstance(item, Document) else item)

    def lost(number: int, failure: WorkerFailure) -> _Done:
        item = items[number]
        path = item.path if isinstance(item, Document) else item
        message = failure.message("the indexer")
        diagnostic = Diagnostic(path, 0, 0, Severity.ERROR, message, "index-failed", "index")
        return _Done(None, None, None, [(message, (diagnostic,))], [])

    numbers = list(range(len(items)))
    if jobs > 1 and len(items) > 1 and isolation():
        run(
            examine,
            numbers,
            jobs=jobs,
            on_result=lambda number, result: take(number, result),
            timeout=timeout,
            on_failure=lost,
            cost=lambda number: _size(items[number]),
        )
    else:
        for number in numbers:
            take(number, examine(number))
    return indexer.finish(
        title=edition_title(edition, facts)[0],
        order=[f.relpath for f in reading_order(facts)],
    )


def _size(item: Document | str) -> float:
    """What a document costs to index, as far as can be told before reading it."""
    try:
        return os.path.getsize(item.path if isinstance(item, Document) else item)
    except OSError:
        return 0.0


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
        *MENTION_ELEMENTS, *POINTING_ELEMENTS, "roleName", "addName", "forename", "surname",
        "genName", "nameLink", "idno",
    }
) - {"sp"}  # fmt: skip
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
