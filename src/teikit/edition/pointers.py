"""Pointer resolution: what a ``@ref``, ``@key``, ``@corresp``, ``@sameAs``, ``@who``
or ``@target`` written in a document refers to.

The conventions editions use, all understood:

* ``#id`` (an element of the same file, else a register entry of the edition:
  many editions write ``key="#p1"`` for an entry of a separate register file);
* ``file.xml#id`` and relative paths with a fragment (``../register/persons.xml#p12``);
* bare ids (``ref="pmb50"``);
* private URI schemes declared with ``prefixDef`` in a ``listPrefixDef``
  (``psn:p12``), in the document or anywhere in the edition;
* authority URIs (GND, VIAF, Wikidata, GeoNames, PMB …) matched against the
  registers' ``idno``, ``@sameAs`` and ``@ref``;
* a name in ``@key``, matched against an entry's ``@n`` and names, when the
  configuration says ``[pointers] key = "name"``;
* several pointers in one attribute.

A pointer that could mean two entities is reported as ``ambiguous``, never
guessed; the type a mention expects (``persName`` wants a person) decides where it
can. A file a pointer names that is not among the edition's documents is
``not-given``; the rules summarise those per file.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import NamedTuple
from urllib.parse import unquote

from lxml import etree

from teikit.document import TEI_NS, Document
from teikit.edition.registers import Entity, Registers

__all__ = [
    "EXTERNAL_SCHEMES",
    "ID_ATTRIBUTES",
    "POINTER_ATTRIBUTES",
    "Resolver",
    "Target",
    "pointer_tokens",
]

T = f"{{{TEI_NS}}}"
_SCHEME_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):(.*)\Z", re.S)
# Schemes that are URIs, never prefixDef prefixes.
EXTERNAL_SCHEMES = frozenset(
    {"http", "https", "mailto", "ftp", "urn", "doi", "data", "tel", "file", "info", "geo", "isbn"}
)
# Attributes whose values are pointers (TEI data.pointer), in the order checked.
POINTER_ATTRIBUTES = (
    "ref", "key", "corresp", "target", "targetEnd", "source", "sameAs", "copyOf", "active",
    "passive", "mutual", "resp", "who", "ana", "hand", "prev", "next", "synch", "wit",
    "spanTo", "nymRef",
)  # fmt: skip
# Attributes whose bare values are ids of entities or elements (``ref="pmb50"``); on
# the others (``@target``) a bare value is a relative URI teikit cannot check.
ID_ATTRIBUTES = frozenset(
    {"ref", "key", "corresp", "sameAs", "who", "active", "passive", "mutual", "resp", "ana"}
)


def pointer_tokens(value: str | None) -> list[str]:
    return value.split() if value else []


class Target(NamedTuple):
    """What one pointer resolves to (a named tuple: an edition resolves hundreds of
    thousands of them).

    ``kind``: ``entity`` (a register entity), ``element`` (another element with that
    xml:id), ``document`` (a whole file, or a fragment teikit does not interpret),
    ``external`` (a URI that names nothing in the registers), or ``missing``; then
    ``problem`` is a stable code: ``empty``, ``no-such-id``, ``no-such-name``,
    ``no-such-file``, ``not-given`` (a file that is not among the edition's
    documents), ``unreadable-file``, ``undeclared-prefix``, ``no-prefix-match``,
    ``ambiguous`` (``candidates`` lists what it could mean), and ``reason`` says it
    in words. ``file`` is the absolute path of the file a path pointer names.
    """

    pointer: str
    kind: str
    entity: Entity | None = None
    doc: Document | None = None
    element: etree._Element | None = None
    expanded: str = ""  # after prefixDef expansion, when that applied
    problem: str = ""
    reason: str = ""
    file: str = ""
    candidates: tuple[Entity, ...] = ()

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


_UNKNOWN = object()


def _missing(pointer: str, problem: str, reason: str, **more: object) -> Target:
    return Target(pointer, "missing", problem=problem, reason=reason, **more)  # type: ignore[arg-type]


class Resolver:
    """Resolves pointers against an edition's documents and registers.

    ``document_at(abs_path)`` returns the edition's document at a path (loading
    one on demand where the edition allows it), or None; ``failed(abs_path)``
    why a file could not be loaded. ``directory_of(doc)`` is the folder relative
    pointers start from.
    """

    def __init__(
        self,
        registers: Registers,
        *,
        document_at: Callable[[str], Document | None],
        key_of: Callable[[Document], str],
        directory_of: Callable[[Document], str],
        failed: Callable[[str], str | None],
        prefix_documents: Callable[[], list[Document]],
        documents_by_id: Callable[[str], Document | None],
        is_given: Callable[[str], bool] = lambda path: False,
        key_mode: str = "id",
        authority: bool = True,
    ) -> None:
        self.registers = registers
        self._document_at = document_at
        self._key_of = key_of
        self._directory_of = directory_of
        self._failed = failed
        self._prefix_documents = prefix_documents
        self._documents_by_id = documents_by_id
        self._is_given = is_given
        self.key_mode = key_mode
        self.authority = authority
        self._prefixes: dict[str, list[_PrefixDef]] = {}  # document key -> its prefixDefs
        # (pointer, xml:id, expected type) -> the edition-wide entity it names: the same
        # #id is written in hundreds of letters. Only answers that hold in any document.
        self._shared: dict[tuple[str, str, str | None], Target | None] = {}
        self._by_ident: dict[str, list[tuple[str, _PrefixDef]]] | None = None
        self._counted = 0

    def forget_answers(self) -> None:
        """Forget the answers kept for every document (they hold documents' elements)."""
        self._shared.clear()

    # -- prefixDef

    def _prefixes_of(self, doc: Document) -> list[_PrefixDef]:
        key = self._key_of(doc)
        found = self._prefixes.get(key)
        if found is None:
            found = []
            for el in doc.root.iter(f"{T}prefixDef"):
                try:
                    pattern = re.compile(el.get("matchPattern", ""))
                except re.error:
                    continue  # reported by the rules (invalid-prefixdef)
                found.append(
                    _PrefixDef(el.get("ident", ""), pattern, el.get("replacementPattern", ""))
                )
            self._prefixes[key] = found
        return found

    def _prefixes_for(self, doc: Document, ident: str) -> list[_PrefixDef]:
        """The prefixDefs for ``ident``: the document's own first, then those any other
        document of the edition declares (a shared header, the edition file)."""
        own = [p for p in self._prefixes_of(doc) if p.ident == ident]
        key = self._key_of(doc)
        return own + [p for k, p in self._edition_prefixes().get(ident, ()) if k != key]

    def _edition_prefixes(self) -> dict[str, list[tuple[str, _PrefixDef]]]:
        """ident -> (document key, prefixDef) for every document of the edition."""
        docs = self._prefix_documents()
        if self._by_ident is None or self._counted < len(docs):
            if self._by_ident is None:
                self._by_ident, self._counted = {}, 0
            for other in docs[self._counted :]:
                for p in self._prefixes_of(other):
                    self._by_ident.setdefault(p.ident, []).append((self._key_of(other), p))
            self._counted = len(docs)
        return self._by_ident

    def declares_prefix(self, ident: str) -> bool:
        """Whether a document of the edition declares a prefixDef ``ident``: if none
        does, nor the document a pointer is in, ``ident:…`` means the same anywhere."""
        return ident in self._edition_prefixes()

    # -- resolving

    def resolve(
        self,
        pointer: str,
        doc: Document,
        *,
        attribute: str = "ref",
        expected: str | None = None,
        _depth: int = 0,
    ) -> Target:
        """Resolve one pointer token written in ``doc`` on ``@attribute``;
        ``expected`` is the entity type the mention wants (person, place …) or None."""
        value = pointer.strip()
        if not value:
            return _missing(pointer, "empty", "the pointer is empty")
        if value[0] == "#" and value is pointer and attribute != "key":
            # The usual pointer, #id, written in many documents: when the id is not
            # one of this document's, its answer is the same everywhere.
            shared = self._shared.get((pointer, value[1:], expected), _UNKNOWN)
            if shared is not _UNKNOWN and shared is not None and value[1:] not in doc.ids:
                return shared
        if attribute == "key" and self.key_mode == "name":
            return self._by_name(pointer, value, expected)
        scheme = _SCHEME_RE.match(value)
        if scheme and not (len(scheme.group(1)) == 1 and os.name == "nt"):  # C:\ on Windows
            return self._with_scheme(pointer, value, scheme, doc, attribute, expected, _depth)
        file_part, hash_, fragment = value.partition("#")
        if not hash_ and "/" not in value and not value.lower().endswith(".xml"):
            return self._bare(pointer, value, doc, attribute, expected)
        if not file_part:
            return self._local(pointer, fragment, doc, expected)
        return self._in_file(pointer, file_part, fragment, doc)

    def _with_scheme(
        self,
        pointer: str,
        value: str,
        scheme: re.Match[str],
        doc: Document,
        attribute: str,
        expected: str | None,
        depth: int,
    ) -> Target:
        ident, rest = scheme.group(1), scheme.group(2)
        defs = self._prefixes_for(doc, ident)
        if defs and depth < 5:  # a prefix expanding to itself must not loop
            for prefix in defs:
                expanded = prefix.expand(rest)
                if expanded is not None:
                    target = self.resolve(
                        expanded, doc, attribute=attribute, expected=expected, _depth=depth + 1
                    )
                    return Target(
                        pointer,
                        target.kind,
                        target.entity,
                        target.doc,
                        target.element,
                        expanded,
                        target.problem,
                        target.reason,
                        target.file,
                        target.candidates,
                    )
            return _missing(
                pointer,
                "no-prefix-match",
                f"{rest!r} does not match the matchPattern of prefixDef {ident!r}",
            )
        if ident.lower() in ("http", "https") and self.authority:
            found = self._pick(self.registers.with_authority(value), expected)
            if isinstance(found, Entity):
                return Target(pointer, "entity", found, found.doc, found.element)
            if found:
                return self._ambiguous(pointer, found, f"the authority URI {value}")
        if ident.lower() in EXTERNAL_SCHEMES:
            return Target(pointer, "external")
        return _missing(pointer, "undeclared-prefix", f"no prefixDef declares the prefix {ident!r}")

    @staticmethod
    def _pick(candidates: list[Entity], expected: str | None) -> Entity | tuple[Entity, ...] | None:
        """One entity, the candidates when they are several, or None."""
        if not candidates:
            return None
        if len(candidates) > 1 and expected:
            typed = [e for e in candidates if e.type == expected]
            if typed:
                candidates = typed
        return candidates[0] if len(candidates) == 1 else tuple(candidates)

    @staticmethod
    def _ambiguous(pointer: str, found: tuple[Entity, ...], what: str) -> Target:
        names = ", ".join(f"{e.id} ({e.type}, {os.path.basename(e.doc.path)})" for e in found)
        return _missing(
            pointer,
            "ambiguous",
            f"{what} could mean {len(found)} entities: {names}",
            candidates=found,
        )

    def _edition_entity(
        self, pointer: str, ident: str, doc: Document, expected: str | None
    ) -> Target | None:
        """An entity by xml:id anywhere in the edition's registers (the entities that
        belong to one other document, a play's cast, excepted)."""
        memo = (pointer, ident, expected)
        if memo in self._shared:
            return self._shared[memo]
        found_all = self.registers.with_xml_id(ident)
        if all(e.scope == "edition" for e in found_all):  # the answer for every document
            found = self._pick(list(found_all), expected)
            if isinstance(found, Entity):
                answer = Target(pointer, "entity", found, found.doc, found.element)
            else:
                answer = self._ambiguous(pointer, found, f"{ident!r}") if found else None
            self._shared[memo] = answer
            return answer
        key = self._key_of(doc)
        candidates = [e for e in found_all if e.scope == "edition" or self._key_of(e.doc) == key]
        found = self._pick(candidates, expected)
        if isinstance(found, Entity):
            return Target(pointer, "entity", found, found.doc, found.element)
        if found:
            return self._ambiguous(pointer, found, f"{ident!r}")
        return None

    def _element(self, pointer: str, doc: Document, key: str, ident: str) -> Target | None:
        element = doc.ids.get(ident)
        if element is None:
            return None
        entity = self.registers.by_element.get((key, ident))
        if entity is not None:
            return Target(pointer, "entity", entity, doc, element)
        return Target(pointer, "element", None, doc, element)

    def _local(self, pointer: str, ident: str, doc: Document, expected: str | None) -> Target:
        if not ident or "(" in ident:  # "#" alone, or a TEI pointer scheme like xpath()
            return Target(pointer, "document", doc=doc)
        found = self._element(pointer, doc, self._key_of(doc), ident)
        if found is not None:
            return found
        found = self._edition_entity(pointer, ident, doc, expected)
        if found is not None:
            return found
        return _missing(
            pointer,
            "no-such-id",
            f"neither this file nor a register has an element with xml:id {ident!r}",
            doc=doc,
        )

    def _bare(
        self, pointer: str, ident: str, doc: Document, attribute: str, expected: str | None
    ) -> Target:
        """``ref="pmb50"``: an id of this file, of a register entry, or of a document
        of the edition (its root xml:id or its file name without ``.xml``)."""
        found = self._element(pointer, doc, self._key_of(doc), ident)
        if found is None:
            found = self._edition_entity(pointer, ident, doc, expected)
        if found is None:
            other = self._documents_by_id(ident)
            if other is not None:
                found = Target(pointer, "document", doc=other)
        if found is None:
            path = os.path.normpath(os.path.join(self._directory_of(doc), unquote(ident)))
            if os.path.isfile(path):
                found = Target(pointer, "document", file=path)
        if found is None and attribute not in ID_ATTRIBUTES:
            found = Target(pointer, "external", reason="a relative URI")
        return found or _missing(
            pointer,
            "no-such-id",
            f"no element, register entry or document of the edition has the id {ident!r}",
            doc=doc,
        )

    def names_given_file(self, value: str, doc: Document) -> bool:
        """Whether ``value``, one pointer on an attribute other than ``@key``, names a
        whole file given but not read (``target="letter-0002.xml"``): a link that
        :meth:`resolve` answers without reading it, and that names no entity."""
        if (
            value[:1] == "#"
            or "#" in value
            or ":" in value
            or not value.lower().endswith(".xml")
            or value.split() != [value]  # one token, as the attribute is split
        ):
            return False
        return self._is_given(
            os.path.normpath(os.path.join(self._directory_of(doc), unquote(value)))
        )

    def _in_file(self, pointer: str, file_part: str, fragment: str, doc: Document) -> Target:
        path = os.path.normpath(os.path.join(self._directory_of(doc), unquote(file_part)))
        if (not fragment or "(" in fragment) and self._is_given(path):
            return Target(pointer, "document", file=path)  # a whole file: no need to read it
        target = self._document_at(path)
        if target is None:
            why = self._failed(path)
            if why is not None:
                return _missing(pointer, "unreadable-file", why, file=path)
            if not os.path.exists(path):
                return _missing(pointer, "no-such-file", f"no file {file_part}", file=path)
            if not path.lower().endswith(".xml"):
                return Target(pointer, "document", file=path)  # an image, a PDF …
            return _missing(
                pointer,
                "not-given",
                f"{file_part} is not among the files given",
                file=path,
            )
        if not fragment or "(" in fragment:  # whole file, or a TEI pointer scheme
            return Target(pointer, "document", doc=target, file=path)
        found = self._element(pointer, target, self._key_of(target), fragment)
        if found is not None:
            return found
        return _missing(
            pointer,
            "no-such-id",
            f"{file_part} has no element with xml:id {fragment!r}",
            doc=target,
            file=path,
        )

    def _by_name(self, pointer: str, name: str, expected: str | None) -> Target:
        found = self._pick(self.registers.with_name(name), expected)
        if isinstance(found, Entity):
            return Target(pointer, "entity", found, found.doc, found.element)
        if found:
            return self._ambiguous(pointer, found, f"the name {name!r}")
        return _missing(pointer, "no-such-name", f"no register entry has the @n or name {name!r}")

    # -- many

    def tokens(self, attribute: str, value: str) -> list[str]:
        """The pointers an attribute value holds: @key is one value (TEI's data.text,
        a name may have spaces), the pointer attributes a list of pointers."""
        if attribute == "key":
            return [value.strip()] if value.strip() else []
        return pointer_tokens(value)

    def targets(
        self, el: etree._Element, doc: Document, expected: str | None = None
    ) -> Iterator[tuple[str, Target]]:
        """(attribute, target) for each pointer of a mention: its @ref, @key, @sameAs
        and @corresp tokens, in that order."""
        for attribute in ("ref", "key", "sameAs", "corresp"):
            value = el.get(attribute)
            if value:
                for token in self.tokens(attribute, value):
                    yield (
                        attribute,
                        self.resolve(token, doc, attribute=attribute, expected=expected),
                    )
