"""Pointer resolution: what ``#id``, ``file.xml#id``, a ``prefixDef`` prefix or an
``@key`` written in a document refers to, and which elements are register entries.

:class:`Corpus` holds the documents of an edition and is the one place pointers
are resolved. The entity index (:mod:`teikit.index`) and the integrity rules
(:mod:`teikit.rules`) both resolve through it, so they never disagree about
what a pointer means.
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from urllib.parse import unquote

from lxml import etree

from teikit.document import EG_NS, TEI_NS, Document, load
from teikit.errors import LoadError
from teikit.reading import in_egxml, localname

__all__ = [
    "EXTERNAL_SCHEMES",
    "REGISTER_ENTRY_TYPES",
    "REGISTER_LISTS",
    "XML_ID",
    "Corpus",
    "Target",
    "has_register",
    "is_pseudo_path",
    "iter_attributes",
    "pointer_tokens",
    "register_entries",
    "registers_present",
]

T = f"{{{TEI_NS}}}"
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"

# Register entries: element -> entity type; only inside these lists.
REGISTER_ENTRY_TYPES = {
    "person": "person",
    "personGrp": "person",
    "place": "place",
    "org": "org",
    "bibl": "work",
    "biblStruct": "work",
}
REGISTER_LISTS = frozenset({"listPerson", "listPlace", "listOrg", "listBibl"})
_ENTRY_XPATH = etree.XPath(
    "//t:listPerson//t:person[@xml:id] | //t:listPerson//t:personGrp[@xml:id]"
    " | //t:listPlace//t:place[@xml:id] | //t:listOrg//t:org[@xml:id]"
    " | //t:listBibl//t:bibl[@xml:id] | //t:listBibl//t:biblStruct[@xml:id]",
    namespaces={"t": TEI_NS},
)
_EG_XML = f"{{{EG_NS}}}egXML"
_SCHEME_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):(.*)\Z", re.S)
# Schemes that are URIs, never prefixDef prefixes.
EXTERNAL_SCHEMES = frozenset(
    {"http", "https", "mailto", "ftp", "urn", "doi", "data", "tel", "file", "info", "geo", "isbn"}
)


def _abspath(path: str) -> str:
    return os.path.normpath(os.path.abspath(path))


def is_pseudo_path(path: str) -> bool:
    """A document read from stdin or bytes: its path names no file."""
    return path in ("<stdin>", "<bytes>")


def pointer_tokens(value: str | None) -> list[str]:
    return value.split() if value else []


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
        self._keys: dict[str, str] = {}  # doc.path -> key_of(doc), for this corpus's life
        for doc in self.documents:
            self._by_path.setdefault(self.path_key(doc), doc)
        self._prefix_cache: dict[str, list[_PrefixDef]] = {}
        # Every prefixDef of the corpus by ident, with the document declaring it: a
        # pointer looks up its own prefix instead of listing every document's (which,
        # once per document, made resolving quadratic in the size of the corpus).
        self._prefixes_by_ident: dict[str, list[tuple[Document, _PrefixDef]]] = {}
        self._prefixes_counted = 0
        self._entries: dict[tuple[str, str], tuple[Document, etree._Element, str]] | None = None
        self._entries_by_id: dict[str, list[tuple[Document, etree._Element, str]]] = {}
        self._entries_seen = -1

    # -- documents

    @staticmethod
    def key_of(doc: Document) -> str:
        """The absolute, normalised path of ``doc`` (its pseudo path when it has none)."""
        return doc.path if is_pseudo_path(doc.path) else _abspath(doc.path)

    def path_key(self, doc: Document) -> str:
        """:meth:`key_of`, remembered per path (normalising a path is not free, and
        the index and the rules ask for it once per mention)."""
        key = self._keys.get(doc.path)
        if key is None:
            key = self._keys[doc.path] = self.key_of(doc)
        return key

    @property
    def all_documents(self) -> list[Document]:
        return self.documents + self.extra

    def directory_of(self, doc: Document) -> str:
        return os.getcwd() if is_pseudo_path(doc.path) else os.path.dirname(_abspath(doc.path))

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
        # Documents loaded on demand since the last call may hold registers. (Counted
        # without building all_documents: this runs once per pointer resolved.)
        count = len(self.documents) + len(self.extra)
        if self._entries is not None and self._entries_seen == count:
            return
        docs = self.all_documents
        entries: dict[tuple[str, str], tuple[Document, etree._Element, str]] = {}
        by_id: dict[str, list[tuple[Document, etree._Element, str]]] = defaultdict(list)
        for doc in docs:
            for el, kind in register_entries(doc):
                ident = el.get(XML_ID, "").strip()
                entries.setdefault((self.path_key(doc), ident), (doc, el, kind))
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
        return self._entries.get((self.path_key(target.doc), ident))

    # -- pointers

    def prefixes(self, doc: Document) -> list[_PrefixDef]:
        """prefixDefs of ``doc``, then of every other document (a shared header)."""
        others = [p for d in self.all_documents if d is not doc for p in self._prefixes_of(d)]
        return self._prefixes_of(doc) + others

    def _prefixes_for(self, doc: Document, ident: str) -> list[_PrefixDef]:
        """``[p for p in self.prefixes(doc) if p.ident == ident]``, without listing
        every document's prefixes."""
        docs = self.all_documents
        if self._prefixes_counted < len(docs):  # documents loaded on demand come last
            for d in docs[self._prefixes_counted :]:
                for p in self._prefixes_of(d):
                    self._prefixes_by_ident.setdefault(p.ident, []).append((d, p))
            self._prefixes_counted = len(docs)
        own = [p for p in self._prefixes_of(doc) if p.ident == ident]
        declared = self._prefixes_by_ident.get(ident, ())
        return own + [p for d, p in declared if d is not doc]

    def _prefixes_of(self, doc: Document) -> list[_PrefixDef]:
        key = self.path_key(doc)
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
            defs = self._prefixes_for(doc, ident)
            if defs and _depth < 5:  # a prefix expanding to itself must not loop
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
        if element is None and not file_part:
            # Many editions write ref="#id" for entries of a separate register
            # file of the same corpus: the local id comes first, then the registers.
            self._refresh_entries()
            hits = self._entries_by_id.get(fragment)
            if hits:
                entry_doc, entry, _ = hits[0]
                return Target(pointer, "element", entry_doc, entry)
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

    def targets(self, el: etree._Element, doc: Document) -> list[tuple[str, Target]]:
        """What a name in ``doc`` points to: (``ref``, target) for each token of its
        @ref, then (``key``, target) for its @key."""
        found = [("ref", self.resolve(t, doc)) for t in pointer_tokens(el.get("ref"))]
        if el.get("key"):
            found.append(("key", self.resolve_key(el.get("key", ""))))
        return found


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
        if any(localname(a) == "sourceDesc" for a in el.iterancestors()) or in_egxml(el):
            continue
        yield el, REGISTER_ENTRY_TYPES[localname(el)]


def has_register(doc: Document) -> bool:
    """True when ``doc`` holds at least one register entry."""
    return next(register_entries(doc), None) is not None


def registers_present(docs: Iterable[Document]) -> bool:
    return any(has_register(doc) for doc in docs)


def iter_attributes(
    doc: Document, names: Sequence[str]
) -> Iterator[tuple[etree._Element, str, str]]:
    """(element, attribute, value) for every TEI element carrying one of ``names``,
    outside examples, in document order: the pointers and dates the rules check."""
    wanted = frozenset(names)
    # Most documents quote no examples: then no element needs its ancestors checked.
    examples = next(doc.root.iter(_EG_XML), None) is not None
    for el in doc.root.iter(f"{T}*"):
        # Most elements carry none of the names: one set test instead of a get() each.
        if wanted.isdisjoint(el.keys()) or (examples and in_egxml(el)):
            continue
        for name in names:
            value = el.get(name)
            if value is not None:
                yield el, name, value
