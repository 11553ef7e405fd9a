"""Explain RELAX NG validation errors like jing does, in pure Python.

libxml2 (:mod:`teikit.validate.rng`) gives a fast valid/invalid verdict but poor
messages: no expected names, no datatype, column 0, and it stops early. This
module is the explainer for invalid documents:

* :func:`compile_grammar` reads a schema in the RELAX NG XML syntax (OASIS
  RELAX NG 2001), simplifies it (section 4 of the spec: includes, external
  references, ``div``, ``combine``, nested grammars, name and datatype library
  inheritance, ``mixed``/``optional``/``zeroOrMore`` rewriting) and builds
  hash-consed pattern nodes;
* :func:`explain` validates a whole tree with derivatives (James Clark, "An
  algorithm for RELAX NG validation") and *recovers* after every error, so all
  independent errors are reported, each as a located, jing-style
  :class:`~teikit.errors.Diagnostic`.

The verdict is exact: ``explain()`` returns ``[]`` if and only if the
document is valid. Datatypes are those of XML Schema Part 2 (1.0) plus the
built-in ``string``/``token`` library; ID, IDREF and IDREFS are checked as
jing does (DTD compatibility).

Diagnostic codes (source ``rng``): ``element-not-allowed``, ``unknown-root``,
``element-incomplete``, ``attribute-not-allowed``, ``attribute-missing``,
``attribute-value-invalid``, ``text-not-allowed``, ``text-value-invalid``,
``duplicate-id``, ``idref-dangling``.
"""

from __future__ import annotations

import bisect
import codecs
import re
import threading
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING

from lxml import etree

from teikit import sandbox
from teikit.document import Document
from teikit.errors import Diagnostic, SchemaError, Severity
from teikit.validate.datatypes import DATE_FORMATS as _DATE_FORMATS
from teikit.validate.datatypes import Datatype as _Datatype
from teikit.validate.datatypes import collapse_ws as _collapse_ws
from teikit.validate.datatypes import datatype as _datatype
from teikit.validate.datatypes import describe_date_family as _describe_date_family
from teikit.validate.datatypes import is_ws as _is_ws
from teikit.validate.datatypes import or_list as _or_list
from teikit.validate.datatypes import tokens as _tokens
from teikit.validate.rng_schema import (
    CachedGrammar,
    Pattern,
    SimpleGrammar,
    fold,
    read_cached,
    read_schema,
)
from teikit.validate.rng_schema import nc_contains as _nc_contains
from teikit.validate.rng_schema import nc_names as _nc_names

if TYPE_CHECKING:
    from teikit.validate.engine import Gathering

__all__ = ["Grammar", "compile_grammar", "explain", "is_valid"]

RNG_NS = "http://relaxng.org/ns/structure/1.0"
XSD_LIBRARY = "http://www.w3.org/2001/XMLSchema-datatypes"
XML_NS = "http://www.w3.org/XML/1998/namespace"
_RNG = f"{{{RNG_NS}}}"
_MAX_LISTED = 12  # names shown in an "expected …" list before "…"
_MAX_VALUE_SHOWN = 60  # characters of a bad value echoed in a message
_XML_WS = " \t\n\r"

QName = tuple[str, str]  # (namespace URI or "", local name)


# ======================================== name classes
# Plain tuples, so they hash and compare by value (hash-consing needs that):
#   ("name", ns, local) | ("any", except) | ("ns", ns, except) | ("or", nc1, nc2)
# where ``except`` is a name class or None.

NameClass = tuple


def _nc_parts(nc: NameClass) -> Iterator[NameClass]:
    """The alternatives of a name class, choices flattened."""
    if nc[0] == "or":
        yield from _nc_parts(nc[1])
        yield from _nc_parts(nc[2])
    else:
        yield nc


# ======================================== patterns

EMPTY, NOT_ALLOWED, TEXT, CHOICE, GROUP, INTERLEAVE, ONE_OR_MORE = range(7)
AFTER, ELEMENT, ATTRIBUTE, DATA, VALUE, LIST = range(7, 13)
_NO_LEAVES: frozenset[int] = frozenset()


class _P:
    """A pattern node. All but ELEMENT are hash-consed, so identity is equality."""

    __slots__ = (
        "a",
        "b",
        "context",
        "dt",
        "has_attr",
        "has_elem",
        "kind",
        "members",
        "memo_adv",
        "memo_att",
        "memo_attr_names",
        "memo_blank",
        "memo_check",
        "memo_close",
        "memo_data",
        "memo_end",
        "memo_first",
        "memo_leaf",
        "memo_leaves",
        "memo_open",
        "memo_plain",
        "memo_relax",
        "memo_tag",
        "memo_text",
        "nc",
        "nullable",
        "texty",
        "uid",
        "value",
    )

    def __init__(self, kind: int, uid: int) -> None:
        self.kind = kind
        self.uid = uid
        self.a: _P | None = None
        self.b: _P | None = None
        self.members: tuple[_P, ...] = ()
        self.nc: NameClass | None = None
        self.dt: _Datatype | None = None
        self.value = ""
        self.context: dict[str, str] | None = None  # a QName value's namespaces
        self.nullable = False
        self.has_attr = False  # an attribute pattern outside any element pattern
        self.has_elem = False  # an element pattern at this level
        self.texty = False  # text, data, value or list at this level
        self.memo_open: dict[QName, _P] | None = None
        self.memo_tag: dict[str, _P] | None = None  # the same by Clark name (verdict walk)
        self.memo_att: dict[tuple[QName, frozenset[int]], _P] | None = None
        self.memo_text: dict[frozenset[int], _P] | None = None
        self.memo_leaves: dict[QName, tuple[_P, ...]] | None = None
        self.memo_close: _P | None = None
        self.memo_relax: _P | None = None
        self.memo_adv: _P | None = None
        self.memo_end: _P | None = None
        self.memo_blank: _P | None = None  # after content that is empty
        self.memo_check: Callable[[str], bool] | bool | None = None  # see _value_check
        self.memo_plain: _P | bool | None = None  # after text no datatype checks
        self.memo_leaf: _P | None = None  # after such text as all the content, and the end
        self.memo_data: tuple[_P, ...] | None = None
        self.memo_first: frozenset[NameClass] | None = None
        self.memo_attr_names: frozenset[NameClass] | None = None

    def __repr__(self) -> str:  # for debugging only
        names = ["empty", "notAllowed", "text", "choice", "group", "interleave", "oneOrMore"]
        names += ["after", "element", "attribute", "data", "value", "list"]
        return f"<{names[self.kind]}#{self.uid}>"


class _Engine:
    """Builds interned patterns and computes memoized derivatives (Clark's algorithm)."""

    def __init__(self) -> None:
        self.table: dict[tuple, _P] = {}
        self.serial = 0
        self.elements: list[_P] = []
        self.empty = self._node(EMPTY)
        self.empty.nullable = True
        self.not_allowed = self._node(NOT_ALLOWED)
        self.text_p = self._node(TEXT)
        self.text_p.nullable = self.text_p.texty = True

    def _node(self, kind: int) -> _P:
        self.serial += 1
        return _P(kind, self.serial)

    # ------------------------------------------------------------------ constructors

    def choice(self, items: Iterable[_P]) -> _P:
        seen: dict[int, _P] = {}
        for p in items:
            if p.kind == CHOICE:
                for m in p.members:
                    seen[m.uid] = m
            elif p.kind != NOT_ALLOWED:
                seen[p.uid] = p
        if not seen:
            return self.not_allowed
        if len(seen) == 1:
            return next(iter(seen.values()))
        uids = tuple(sorted(seen))
        key = (CHOICE, uids)
        node = self.table.get(key)
        if node is None:
            node = self.table[key] = self._node(CHOICE)
            # Keyed by the sorted uids, but kept in schema order for messages.
            node.members = tuple(seen.values())
            node.nullable = any(m.nullable for m in node.members)
            node.has_attr = any(m.has_attr for m in node.members)
            node.has_elem = any(m.has_elem for m in node.members)
            node.texty = any(m.texty for m in node.members)
        return node

    def choice2(self, p: _P, q: _P) -> _P:
        if p is q or q.kind == NOT_ALLOWED:
            return p
        if p.kind == NOT_ALLOWED:
            return q
        return self.choice((p, q))

    def _binary(self, kind: int, a: _P, b: _P) -> _P:
        """The one node of ``kind`` (GROUP, INTERLEAVE or AFTER) over ``a`` and ``b``:
        notAllowed absorbs all three; empty is neutral in group and interleave."""
        if a.kind == NOT_ALLOWED or b.kind == NOT_ALLOWED:
            return self.not_allowed
        if kind != AFTER:
            if a.kind == EMPTY:
                return b
            if b.kind == EMPTY:
                return a
        key = (kind, a.uid, b.uid)
        node = self.table.get(key)
        if node is None:
            node = self.table[key] = self._node(kind)
            node.a, node.b = a, b
            if kind == AFTER:
                node.has_attr, node.has_elem, node.texty = a.has_attr, a.has_elem, a.texty
            else:
                node.nullable = a.nullable and b.nullable
                node.has_attr = a.has_attr or b.has_attr
                node.has_elem = a.has_elem or b.has_elem
                node.texty = a.texty or b.texty
        return node

    def group(self, a: _P, b: _P) -> _P:
        return self._binary(GROUP, a, b)

    def interleave(self, a: _P, b: _P) -> _P:
        return self._binary(INTERLEAVE, a, b)

    def after(self, a: _P, b: _P) -> _P:
        return self._binary(AFTER, a, b)

    def one_or_more(self, a: _P) -> _P:
        if a.kind in (NOT_ALLOWED, EMPTY):
            return a
        key = (ONE_OR_MORE, a.uid)
        node = self.table.get(key)
        if node is None:
            node = self.table[key] = self._node(ONE_OR_MORE)
            node.a = a
            node.nullable, node.has_attr = a.nullable, a.has_attr
            node.has_elem, node.texty = a.has_elem, a.texty
        return node

    def attribute(self, nc: NameClass, content: _P) -> _P:
        key = (ATTRIBUTE, nc, content.uid)
        node = self.table.get(key)
        if node is None:
            node = self.table[key] = self._node(ATTRIBUTE)
            node.nc, node.a, node.has_attr = nc, content, True
        return node

    def data(self, dt: _Datatype, except_: _P | None) -> _P:
        key = (DATA, dt.key, except_.uid if except_ is not None else 0)
        node = self.table.get(key)
        if node is None:
            node = self.table[key] = self._node(DATA)
            node.dt, node.a, node.texty = dt, except_, True
        return node

    def value(self, dt: _Datatype, value: str, context: dict[str, str] | None = None) -> _P:
        key = (VALUE, dt.key, value, tuple(sorted(context.items())) if context else None)
        node = self.table.get(key)
        if node is None:
            node = self.table[key] = self._node(VALUE)
            node.dt, node.value, node.texty = dt, value, True
            node.context = context
        return node

    def list_(self, content: _P) -> _P:
        key = (LIST, content.uid)
        node = self.table.get(key)
        if node is None:
            node = self.table[key] = self._node(LIST)
            node.a, node.texty = content, True
        return node

    def element(self, nc: NameClass) -> _P:
        """A new element pattern; its content is set later (it may be recursive)."""
        node = self._node(ELEMENT)
        node.nc, node.has_elem = nc, True
        self.elements.append(node)
        return node

    def group_all(self, items: list[_P]) -> _P:
        result = self.empty
        for p in items:
            result = self.group(result, p)
        return result

    # ------------------------------------------------------------------ derivatives

    def _map_after(self, p: _P, f: Callable[[_P], _P]) -> _P:
        if p.kind == AFTER:
            return self.after(p.a, f(p.b))
        if p.kind == CHOICE:
            return self.choice([self._map_after(m, f) for m in p.members])
        return self.not_allowed

    def open(self, p: _P, qn: QName) -> _P:
        """startTagOpenDeriv."""
        if not p.has_elem:
            return self.not_allowed
        memo = p.memo_open
        if memo is None:
            memo = p.memo_open = {}
        else:
            r = memo.get(qn)
            if r is not None:
                return r
        k = p.kind
        if k == CHOICE:
            r = self.choice([self.open(m, qn) for m in p.members if m.has_elem])
        elif k == ELEMENT:
            r = self.after(p.a, self.empty) if _nc_contains(p.nc, qn) else self.not_allowed
        elif k == GROUP:
            b = p.b
            r = self._map_after(self.open(p.a, qn), lambda x: self.group(x, b))
            if p.a.nullable:
                r = self.choice2(r, self.open(b, qn))
        elif k == INTERLEAVE:
            a, b = p.a, p.b
            r = self.choice2(
                self._map_after(self.open(a, qn), lambda x: self.interleave(x, b)),
                self._map_after(self.open(b, qn), lambda x: self.interleave(a, x)),
            )
        elif k == ONE_OR_MORE:
            rest = self.choice2(p, self.empty)
            r = self._map_after(self.open(p.a, qn), lambda x: self.group(x, rest))
        elif k == AFTER:
            b = p.b
            r = self._map_after(self.open(p.a, qn), lambda x: self.after(x, b))
        else:
            r = self.not_allowed
        memo[qn] = r
        return r

    def att(self, p: _P, qn: QName, accepted: frozenset[int]) -> _P:
        """attDeriv; ``accepted`` holds the uids of the attribute patterns whose
        name and value match, so the memo key does not depend on the value."""
        if not p.has_attr:
            return self.not_allowed
        key = (qn, accepted)
        memo = p.memo_att
        if memo is None:
            memo = p.memo_att = {}
        else:
            r = memo.get(key)
            if r is not None:
                return r
        k = p.kind
        if k == ATTRIBUTE:
            r = self.empty if p.uid in accepted else self.not_allowed
        elif k == CHOICE:
            r = self.choice([self.att(m, qn, accepted) for m in p.members if m.has_attr])
        elif k == GROUP:
            r = self.choice2(
                self.group(self.att(p.a, qn, accepted), p.b),
                self.group(p.a, self.att(p.b, qn, accepted)),
            )
        elif k == INTERLEAVE:
            r = self.choice2(
                self.interleave(self.att(p.a, qn, accepted), p.b),
                self.interleave(p.a, self.att(p.b, qn, accepted)),
            )
        elif k == ONE_OR_MORE:
            r = self.group(self.att(p.a, qn, accepted), self.choice2(p, self.empty))
        elif k == AFTER:
            r = self.after(self.att(p.a, qn, accepted), p.b)
        else:
            r = self.not_allowed
        memo[key] = r
        return r

    def close(self, p: _P, relaxed: bool = False) -> _P:
        """startTagCloseDeriv. ``relaxed`` treats missing attributes as present
        (recovery after a "missing required attribute" error)."""
        if not p.has_attr:
            return p
        r = p.memo_relax if relaxed else p.memo_close
        if r is not None:
            return r
        k = p.kind
        if k == ATTRIBUTE:
            r = self.empty if relaxed else self.not_allowed
        elif k == CHOICE:
            r = self.choice([self.close(m, relaxed) for m in p.members])
        elif k == GROUP:
            r = self.group(self.close(p.a, relaxed), self.close(p.b, relaxed))
        elif k == INTERLEAVE:
            r = self.interleave(self.close(p.a, relaxed), self.close(p.b, relaxed))
        elif k == ONE_OR_MORE:
            r = self.one_or_more(self.close(p.a, relaxed))
        elif k == AFTER:
            r = self.after(self.close(p.a, relaxed), p.b)
        else:
            r = p
        if relaxed:
            p.memo_relax = r
        else:
            p.memo_close = r
        return r

    def text(self, p: _P, accepted: frozenset[int]) -> _P:
        """textDeriv; ``accepted`` holds the uids of the data/value/list
        patterns that accept the text, so the memo key does not depend on it."""
        if not p.texty:
            return self.not_allowed
        memo = p.memo_text
        if memo is None:
            memo = p.memo_text = {}
        else:
            r = memo.get(accepted)
            if r is not None:
                return r
        k = p.kind
        if k == TEXT:
            r = p
        elif k == CHOICE:
            r = self.choice([self.text(m, accepted) for m in p.members if m.texty])
        elif k == GROUP:
            r = self.group(self.text(p.a, accepted), p.b)
            if p.a.nullable:
                r = self.choice2(r, self.text(p.b, accepted))
        elif k == INTERLEAVE:
            r = self.choice2(
                self.interleave(self.text(p.a, accepted), p.b),
                self.interleave(p.a, self.text(p.b, accepted)),
            )
        elif k == ONE_OR_MORE:
            r = self.group(self.text(p.a, accepted), self.choice2(p, self.empty))
        elif k == AFTER:
            r = self.after(self.text(p.a, accepted), p.b)
        elif k in (DATA, VALUE, LIST):
            r = self.empty if p.uid in accepted else self.not_allowed
        else:
            r = self.not_allowed
        memo[accepted] = r
        return r

    def end(self, p: _P, forced: bool = False) -> _P:
        """endTagDeriv. ``forced`` closes the element even if its content is
        incomplete (recovery after an "incomplete" error)."""
        if p.kind == AFTER:
            return p.b if forced or p.a.nullable else self.not_allowed
        if p.kind == CHOICE:
            return self.choice([self.end(m, forced) for m in p.members])
        return self.not_allowed

    def advance(self, p: _P) -> _P:
        """The state after one more element of any name, its content ignored:
        used to tell "not allowed yet" (something required is missing before)."""
        if not p.has_elem:
            return self.not_allowed
        r = p.memo_adv
        if r is not None:
            return r
        k = p.kind
        if k == ELEMENT:
            r = self.empty
        elif k == CHOICE:
            r = self.choice([self.advance(m) for m in p.members if m.has_elem])
        elif k == GROUP:
            r = self.group(self.advance(p.a), p.b)
            if p.a.nullable:
                r = self.choice2(r, self.advance(p.b))
        elif k == INTERLEAVE:
            r = self.choice2(
                self.interleave(self.advance(p.a), p.b), self.interleave(p.a, self.advance(p.b))
            )
        elif k == ONE_OR_MORE:
            r = self.group(self.advance(p.a), self.choice2(p, self.empty))
        elif k == AFTER:
            r = self.after(self.advance(p.a), p.b)
        else:
            r = self.not_allowed
        p.memo_adv = r
        return r

    # ------------------------------------------------------------------ analyses for messages

    def attr_leaves(self, p: _P, qn: QName) -> tuple[_P, ...]:
        """The attribute patterns of the current start tag that match ``qn``."""
        if not p.has_attr:
            return ()
        memo = p.memo_leaves
        if memo is None:
            memo = p.memo_leaves = {}
        elif qn in memo:
            return memo[qn]
        k = p.kind
        if k == ATTRIBUTE:
            r: tuple[_P, ...] = (p,) if _nc_contains(p.nc, qn) else ()
        elif k == CHOICE:
            r = tuple(dict.fromkeys(x for m in p.members for x in self.attr_leaves(m, qn)))
        elif k in (GROUP, INTERLEAVE):
            r = tuple(dict.fromkeys(self.attr_leaves(p.a, qn) + self.attr_leaves(p.b, qn)))
        elif k in (ONE_OR_MORE, AFTER):
            r = self.attr_leaves(p.a, qn)
        else:
            r = ()
        memo[qn] = r
        return r

    def data_leaves(self, p: _P) -> tuple[_P, ...]:
        """The data, value and list patterns that text could match next."""
        if not p.texty:
            return ()
        if p.memo_data is not None:
            return p.memo_data
        k = p.kind
        if k in (DATA, VALUE, LIST):
            r: tuple[_P, ...] = (p,)
        elif k == CHOICE:
            r = tuple(dict.fromkeys(x for m in p.members for x in self.data_leaves(m)))
        elif k in (GROUP, INTERLEAVE):
            r = tuple(dict.fromkeys(self.data_leaves(p.a) + self.data_leaves(p.b)))
        elif k in (ONE_OR_MORE, AFTER):
            r = self.data_leaves(p.a)
        else:
            r = ()
        p.memo_data = r
        return r

    def first(self, p: _P) -> frozenset[NameClass]:
        """Name classes of the elements that may come next."""
        if not p.has_elem:
            return frozenset()
        if p.memo_first is not None:
            return p.memo_first
        k = p.kind
        if k == ELEMENT:
            r: frozenset[NameClass] = frozenset([p.nc])
        elif k == CHOICE:
            r = frozenset().union(*(self.first(m) for m in p.members))
        elif k == GROUP:
            r = self.first(p.a) | self.first(p.b) if p.a.nullable else self.first(p.a)
        elif k == INTERLEAVE:
            r = self.first(p.a) | self.first(p.b)
        elif k in (ONE_OR_MORE, AFTER):
            r = self.first(p.a)
        else:
            r = frozenset()
        p.memo_first = r
        return r

    def attr_names(self, p: _P) -> frozenset[NameClass]:
        """Name classes of the attributes still allowed in the current start tag."""
        if not p.has_attr:
            return frozenset()
        if p.memo_attr_names is not None:
            return p.memo_attr_names
        k = p.kind
        if k == ATTRIBUTE:
            r: frozenset[NameClass] = frozenset([p.nc])
        elif k == CHOICE:
            r = frozenset().union(*(self.attr_names(m) for m in p.members))
        elif k in (GROUP, INTERLEAVE):
            r = self.attr_names(p.a) | self.attr_names(p.b)
        elif k in (ONE_OR_MORE, AFTER):
            r = self.attr_names(p.a)
        else:
            r = frozenset()
        p.memo_attr_names = r
        return r

    def required_elems(self, p: _P) -> frozenset[QName]:
        """Element names every way of completing the current content still needs."""
        return self._required(p, ELEMENT)

    def required_attrs(self, p: _P) -> frozenset[QName]:
        """Attribute names every way of matching the start tag still needs."""
        return self._required(p, ATTRIBUTE)

    def _required(self, p: _P, leaf: int) -> frozenset[QName]:
        """The single-name ``leaf`` patterns (ELEMENT or ATTRIBUTE) every way through
        ``p`` still has to match."""
        if not (p.has_elem if leaf == ELEMENT else p.has_attr):
            return frozenset()
        k = p.kind
        if k == leaf:
            names = _nc_names(p.nc)
            return frozenset(names) if names is not None and len(names) == 1 else frozenset()
        if k == CHOICE:
            sets = [self._required(m, leaf) for m in p.members]
            return frozenset.intersection(*sets) if sets else frozenset()
        if k in (GROUP, INTERLEAVE):
            return self._required(p.a, leaf) | self._required(p.b, leaf)
        if k in (ONE_OR_MORE, AFTER):
            return self._required(p.a, leaf)
        return frozenset()


# ======================================== from the simple grammar to patterns


def _build(simple: SimpleGrammar, eng: _Engine) -> _P:
    """The engine's patterns for a checked, simplified grammar (its start)."""
    elements = {name: eng.element(define.nc) for name, define in simple.defines.items()}
    built: dict[int, _P] = {}

    def visit(p: Pattern, kids: list[_P]) -> _P:
        return elements[p.name] if p.kind == "ref" else _node(eng, p, kids)

    def build(top: Pattern) -> _P:
        return fold(top, visit, built, stop=lambda p: p.kind == "ref")

    for name, define in simple.defines.items():
        elements[name].a = build(define.kids[0])
    return build(simple.start)


def _build_kept(kept: CachedGrammar, eng: _Engine) -> _P:
    """The engine's patterns (its start) straight from the nodes the cache keeps,
    without :class:`Pattern` objects between (12 ms of every start-up with
    tei_all). The nodes come in the order :func:`_build` meets the patterns made
    from them, so the engine makes the same patterns in the same order: the
    same grammar, to the numbers of its patterns."""
    nodes = kept.nodes
    elements = {name: eng.element(nodes[n][2]) for name, n in kept.defines.items()}
    defined = {n: name for name, n in kept.defines.items()}
    built: list[_P] = []
    for n, (kind, kids, nc, name, lib, typ, params, text, context) in enumerate(nodes):
        if kind == "ref":
            built.append(elements[name])
        elif kind == "element":
            element = elements[defined[n]]
            element.a = built[kids[0]]
            built.append(element)
        else:
            made = _made(
                eng,
                kind,
                [built[k] for k in kids],
                nc,
                (lib, typ, params),
                text,
                dict(context) if context is not None else None,
            )
            built.append(made)
    return built[kept.start]


def _node(eng: _Engine, p: Pattern, kids: list[_P]) -> _P:
    return _made(eng, p.kind, kids, p.nc, (p.lib, p.type, p.params), p.text, p.context)


def _made(
    eng: _Engine,
    kind: str,
    kids: list[_P],
    nc: NameClass | None,
    datatype: tuple[str, str, tuple[tuple[str, str], ...]],
    text: str,
    context: dict[str, str] | None,
) -> _P:
    """The engine's pattern for a simplified one of ``kind`` (``datatype``: its
    library, type and parameters)."""
    if kind == "empty":
        return eng.empty
    if kind == "notAllowed":
        return eng.not_allowed
    if kind == "text":
        return eng.text_p
    if kind == "choice":
        return eng.choice(kids)
    if kind in ("group", "interleave"):
        combine = eng.group if kind == "group" else eng.interleave
        result = kids[0]
        for kid in kids[1:]:
            result = combine(result, kid)
        return result
    if kind == "oneOrMore":
        return eng.one_or_more(kids[0])
    if kind == "list":
        return eng.list_(kids[0])
    if kind == "attribute":
        return eng.attribute(nc, kids[0])
    lib, typ, params = datatype
    if kind == "data":
        return eng.data(_datatype(lib, typ, params), kids[0] if kids else None)
    if kind == "value":
        return eng.value(_datatype(lib, typ, ()), text, context)
    raise AssertionError(f"unexpected pattern {kind}")


# ======================================== the grammar


def _clark(qn: QName) -> str:
    return f"{{{qn[0]}}}{qn[1]}" if qn[0] else qn[1]


class Grammar:
    """A compiled RELAX NG schema, ready for :func:`explain`. Build with :func:`compile_grammar`."""

    def __init__(self, path: Path, engine: _Engine, start: _P, files: list[Path], seconds: float):
        self.path = path
        self.files = files  # every schema file read (includes, external references)
        self.compile_seconds = seconds
        self._eng = engine
        self._start = start
        self._lock = threading.Lock()  # derivatives memoize into shared nodes
        self._by_name: dict[QName, list[_P]] = {}
        self._wildcards: list[_P] = []
        for el in engine.elements:
            names = _nc_names(el.nc)
            if names is None:
                self._wildcards.append(el)
            else:
                for qn in names:
                    self._by_name.setdefault(qn, []).append(el)
        self._known: dict[QName, _P] = {}
        self._id_types: dict[QName, dict[QName, str]] | None = None
        self._id_tags: dict[str, dict[str, str]] | None = None
        # Kept across documents: tag -> QName, (state, attribute or None, value) ->
        # state, (data pattern, value) -> accepted. Emptied when large, so that
        # memory stays flat however many documents a grammar checks.
        self._qnames: dict[str, QName] = {}
        self._steps: dict[tuple, _P] = {}
        self._accepts: dict[tuple[int, str], bool] = {}
        # (state, attribute) -> its QName and the attribute patterns it may match,
        # each with its value check (_value_check), for values not met before.
        self._attribute_plans: dict[tuple[int, str], tuple] = {}
        # An attribute pattern's uid -> the values it was asked about -> accepted.
        self._values: dict[int, dict[str, bool]] = {}

    def _trim(self) -> None:
        for cache in (self._steps, self._accepts, self._qnames, self._attribute_plans):
            if len(cache) > _MAX_CACHED:
                cache.clear()

    def __repr__(self) -> str:
        return f"<Grammar {self.path} ({len(self._eng.elements)} element patterns)>"

    @property
    def element_names(self) -> frozenset[QName]:
        """Every element name the grammar mentions explicitly."""
        return frozenset(self._by_name)

    def _known_element(self, qn: QName) -> _P:
        """All element patterns that could match ``qn``, anywhere in the grammar."""
        found = self._known.get(qn)
        if found is None:
            nodes = list(self._by_name.get(qn, ()))
            nodes += [w for w in self._wildcards if _nc_contains(w.nc, qn)]
            found = self._known[qn] = self._eng.choice(nodes)
        return found

    def _ids_by_tag(self) -> dict[str, dict[str, str]]:
        """:meth:`_ids` by Clark names, as the verdict walk reads them."""
        if self._id_tags is None:
            self._id_tags = {
                _clark(qn): {_clark(an): kind for an, kind in attributes.items()}
                for qn, attributes in self._ids().items()
            }
        return self._id_tags

    def _ids(self) -> dict[QName, dict[QName, str]]:
        """element name -> attribute name -> ID, IDREF or IDREFS (DTD compatibility)."""
        if self._id_types is None:
            table: dict[QName, dict[QName, str]] = {}
            below: dict[int, dict[QName, str] | None] = {}  # shared by every element
            for el in self._eng.elements:
                names = _nc_names(el.nc)
                if names is None or el.a is None:
                    continue
                found = self._ids_below(el.a, below)
                if found is None:  # one name of two kinds: which one wins is the walk's
                    found = self._ids_walked(el.a)
                if found:
                    for qn in names:
                        table.setdefault(qn, {}).update(found)
            self._id_types = table
        return self._id_types

    def _ids_below(
        self, top: _P, below: dict[int, dict[QName, str] | None]
    ) -> dict[QName, str] | None:
        """The ID-typed attributes in ``top`` (outside element patterns), each
        pattern's worked out once for all the elements that share it (TEI's
        attribute classes: 30 ms a process walked again for each element); None
        where an attribute name has two kinds there (see _ids_walked)."""
        eng = self._eng
        none: dict[QName, str] = {}
        stack: list[tuple[_P, bool]] = [(top, False)]
        while stack:
            p, expanded = stack.pop()
            if p.uid in below and not expanded:
                continue
            if not p.has_attr:
                below[p.uid] = none
            elif p.kind == ATTRIBUTE:
                found: dict[QName, str] = {}
                attr_names = _nc_names(p.nc)
                for leaf in eng.data_leaves(p.a):
                    kind = leaf.dt.name if leaf.dt is not None else ""
                    if kind in ("ID", "IDREF", "IDREFS") and attr_names:
                        for an in attr_names:
                            if found.setdefault(an, kind) != kind:
                                below[p.uid] = None
                                break
                if below.get(p.uid, none) is not None:
                    below[p.uid] = found or none
            else:
                kids = [x for x in (p.a, p.b, *p.members) if x is not None]
                if not expanded:
                    below[p.uid] = None  # until worked out: a cycle would read it so
                    stack.append((p, True))
                    stack.extend((k, False) for k in kids if k.uid not in below)
                    continue
                merged: dict[QName, str] | None = {}
                for kid in kids:
                    part = below[kid.uid]
                    if part is None:
                        merged = None
                        break
                    for an, kind in part.items():
                        if merged.setdefault(an, kind) != kind:
                            merged = None
                            break
                    if merged is None:
                        break
                below[p.uid] = merged or (None if merged is None else none)
        return below[top.uid]

    def _ids_walked(self, top: _P) -> dict[QName, str]:
        """The ID-typed attributes in ``top``, found by walking it: where a name has
        two kinds, the last one met counts."""
        eng = self._eng
        found: dict[QName, str] = {}
        stack, seen = [top], set()
        while stack:
            p = stack.pop()
            if p.uid in seen or not p.has_attr:
                continue
            seen.add(p.uid)
            if p.kind == ATTRIBUTE:
                attr_names = _nc_names(p.nc)
                for leaf in eng.data_leaves(p.a):
                    kind = leaf.dt.name if leaf.dt is not None else ""
                    if kind in ("ID", "IDREF", "IDREFS") and attr_names:
                        for an in attr_names:
                            found[an] = kind
            else:
                stack.extend(x for x in (p.a, p.b, *p.members) if x is not None)
        return found


_MAX_CACHED = 200_000  # entries per cross-document cache of a grammar
_MAX_VALUES = 50_000  # values kept for each attribute pattern
_GRAMMARS: dict[tuple, Grammar] = {}
_GRAMMARS_LOCK = threading.Lock()


def compile_grammar(path: str | PathLike[str], roots: Sequence[Path] | None = None) -> Grammar:
    """Compile a RELAX NG schema (XML syntax), cached per path in this process.

    ``roots``: for an untrusted grammar (one a document names), the allowed
    roots; what it includes must lie in them or in its own folder
    (:func:`teikit.sandbox.schema_roots`). None: trusted, any local file.

    Raises :class:`~teikit.errors.SchemaError` if it cannot be read or is not
    a schema this module supports (:class:`~teikit.errors.SandboxError` if it
    includes what it may not read).
    """
    resolved = Path(path).resolve()
    allowed = None if roots is None else sandbox.schema_roots(resolved, roots)
    try:
        key = (resolved, resolved.stat().st_mtime_ns, allowed)
    except OSError as exc:
        raise SchemaError(f"{path}: cannot read RELAX NG schema: {exc.strerror or exc}") from None
    with _GRAMMARS_LOCK:
        cached = _GRAMMARS.get(key)
        if cached is not None:
            return cached
        started = time.perf_counter()
        engine = _Engine()
        cache = _checked_grammars()
        try:
            kept = read_cached(resolved, cache, allowed) if cache is not None else None
            if kept is not None:
                try:
                    start, files = _build_kept(kept, engine), kept.files
                except (LookupError, TypeError, ValueError):  # not as this version keeps it
                    kept, engine = None, _Engine()
            if kept is None:
                simple = read_schema(resolved, cache=cache, roots=allowed)
                start, files = _build(simple, engine), simple.files
        except RecursionError:
            raise SchemaError(f"{path}: schema nested too deeply") from None
        grammar = Grammar(resolved, engine, start, files, time.perf_counter() - started)
        _GRAMMARS[key] = grammar
        return grammar


def _checked_grammars() -> Path | None:
    """Where grammars found correct are kept (the user cache), if anywhere."""
    from teikit.schema_cache import cache_dir

    try:
        return cache_dir() / "rng"
    except (SchemaError, OSError):
        return None


# ======================================== source positions

_MARKUP = re.compile(
    r"""<!--.*?-->
      | <\?.*?\?>
      | <!\[CDATA\[.*?\]\]>
      | <!DOCTYPE(?:[^\[>"']|"[^"]*"|'[^']*'|\[(?:[^\]"']|"[^"]*"|'[^']*')*\])*>
      | </[^\s>]+\s*>
      | <([^\s/>!?]+)((?:[^>"']|"[^"]*"|'[^']*')*)>""",
    re.S | re.X,
)
_ATTRIBUTE = re.compile(r"""([^\s=/>]+)\s*=\s*(?:"[^"]*"|'[^']*')""")


def start_tag_offsets(text: str) -> list[int]:
    """The offset of each start tag ("<name") of well-formed XML text, in
    document order (the n-th is the n-th element's)."""
    offsets = []
    pos = 0
    while True:
        i = text.find("<", pos)
        if i < 0:
            return offsets
        m = _MARKUP.match(text, i)
        if m is None:
            return offsets
        if m.group(1) is not None:
            offsets.append(i)
        pos = m.end()


class _Positions:
    """Line and column of elements, attributes and text, from the raw source.

    lxml gives no element columns, and its line for a start tag spanning lines
    is that of the closing ``>``. A light tokenizer over the (well-formed)
    source finds each start tag; the n-th start tag is the n-th element.
    """

    def __init__(self, read: Callable[[], str | None], root: etree._Element) -> None:
        self.read = read  # called on the first error only: valid documents cost nothing
        self.text: str | None = None
        self.root = root
        self.ok: bool | None = None
        self.index: dict[etree._Element, int] = {}
        self.elements: list[etree._Element] = []  # keep the proxies alive, so the index holds
        self.starts: list[int] = []  # offset of "<name"
        self.tag_ends: list[int] = []  # offset just after the start tag
        self.ends: list[int] = []  # offset just after the end tag
        self.open: list[int] = []  # start tags whose end tag is not read yet
        self.pos = 0  # how far the source has been read
        self.markup: Iterator[re.Match[str]] = iter(())
        self.newlines: list[int] | None = None
        self.asked = 0

    def _build(self) -> bool:
        """Read the source and number the elements; the source is tokenized only
        as far as a position asked for (an error near the top of a 20 MB file
        does not read all of it)."""
        if self.ok is not None:
            return self.ok
        self.ok = False
        self.text = self.read()
        if self.text is None:
            return False
        self.elements = list(self.root.iter(etree.Element))
        self.index = {el: n for n, el in enumerate(self.elements)}
        self.markup = _MARKUP.finditer(self.text)  # every "<" of well-formed XML starts markup
        self.ok = True
        return True

    def _read(self, n: int, end: bool = False) -> bool:
        """Tokenize until the n-th start tag (and with ``end`` its end tag) is
        read; False, for this and every later question, if the source and the
        tree do not agree (the light tokenizer met something it cannot read)."""
        text = self.text or ""
        starts, elements = self.starts, self.elements
        while self.ok and (len(starts) <= n or (end and n in self.open)):
            m = next(self.markup, None)
            if m is None:
                self.ok = text.find("<", self.pos) < 0 and len(starts) == len(elements)
                return False
            i = m.start()
            if text.find("<", self.pos, i) >= 0:  # markup the pattern skipped over
                self.ok = False
                break
            self.pos = m.end()
            name = m.group(1)
            if name is not None:
                k = len(starts)
                if k >= len(elements) or (
                    name.rpartition(":")[2] != elements[k].tag.rpartition("}")[2]
                ):
                    self.ok = False
                    break
                starts.append(i)
                self.tag_ends.append(self.pos)
                self.ends.append(self.pos)
                if not m.group(2).endswith("/"):
                    self.open.append(k)
            elif self.open and text.startswith("</", i):
                self.ends[self.open.pop()] = self.pos
        return bool(self.ok)

    def _where(self, el: etree._Element, end: bool = False) -> int | None:
        """The number of ``el`` once its start (or end) tag is read, else None."""
        if not self._build():
            return None
        n = self.index.get(el)
        return n if n is not None and self._read(n, end) else None

    def _line_col(self, offset: int) -> tuple[int, int]:
        text = self.text or ""
        self.asked += 1
        if self.newlines is None and self.asked > 32:  # many errors: index the lines once
            self.newlines = [m.start() for m in re.finditer("\n", text)]
        if self.newlines is None:
            return text.count("\n", 0, offset) + 1, offset - text.rfind("\n", 0, offset)
        line = bisect.bisect_left(self.newlines, offset)
        start = self.newlines[line - 1] + 1 if line else 0
        return line + 1, offset - start + 1

    def element(self, el: etree._Element) -> tuple[int, int]:
        n = self._where(el)
        return self._line_col(self.starts[n]) if n is not None else (el.sourceline or 0, 0)

    def attribute(self, el: etree._Element, clark: str) -> tuple[int, int]:
        n = self._where(el)
        if n is None:
            return el.sourceline or 0, 0
        nsmap = el.nsmap
        for m in _ATTRIBUTE.finditer(self.text or "", self.starts[n] + 1, self.tag_ends[n]):
            raw = m.group(1)
            prefix, _, local = raw.rpartition(":")
            if prefix == "xmlns" or raw == "xmlns":
                continue
            ns = (XML_NS if prefix == "xml" else nsmap.get(prefix, "")) if prefix else ""
            if (f"{{{ns}}}{local}" if ns else local) == clark:
                return self._line_col(m.start())
        return self.element(el)

    def text_run(self, parent: etree._Element, before: etree._Element | None) -> tuple[int, int]:
        """First non-blank character of the text after ``before`` (or after the
        start tag of ``parent``), skipping comments and processing instructions."""
        anchor = before if before is not None else parent
        n = self._where(anchor, end=before is not None)
        if n is None:
            return anchor.sourceline or 0, 0
        text = self.text or ""
        pos = self.ends[n] if before is not None else self.tag_ends[n]
        while pos < len(text):
            lt = text.find("<", pos)
            stop = len(text) if lt < 0 else lt
            for i in range(pos, stop):
                if text[i] not in _XML_WS:
                    return self._line_col(i)
            if lt < 0:
                break
            if text.startswith("<![CDATA[", lt):
                end = text.find("]]>", lt)
                for i in range(lt + 9, end):
                    if text[i] not in _XML_WS:
                        return self._line_col(i)
                pos = end + 3
            elif text.startswith(("<!--", "<?"), lt):
                pos = _MARKUP.match(text, lt).end()
            else:
                break
        return self._line_col(pos)


def _decode(data: bytes, encoding: str | None) -> str | None:
    try:
        codec = codecs.lookup(encoding or "utf-8").name
        if codec == "utf-8":
            codec = "utf-8-sig"
        return data.decode(codec).lstrip("\ufeff")
    except (LookupError, UnicodeError):
        return None


# ======================================== explaining


class _Enough(Exception):
    """Internal: max_errors reached."""


def _quote_value(s: str) -> str:
    s = " ".join(s.split()) if len(s) > _MAX_VALUE_SHOWN else s
    if len(s) > _MAX_VALUE_SHOWN:
        s = s[: _MAX_VALUE_SHOWN - 1] + "…"
    return '"' + s.replace('"', '\\"') + '"'


def _choice_of_leaves(p: _P) -> tuple[_P, ...] | None:
    """The data, value and list patterns ``p`` is a choice of, if it is nothing
    else (then a value matches ``p`` when one of them accepts it)."""
    if p.kind in (DATA, VALUE, LIST):
        return (p,)
    if p.kind == CHOICE and all(m.kind in (DATA, VALUE, LIST) for m in p.members):
        return p.members
    return None


def _value_check(p: _P) -> Callable[[str], bool] | None:
    """One function that says whether a value matches ``p`` (what
    :meth:`_Values.value_matches` says), for a value, a datatype without an
    except, a list of one or more tokens of one such datatype, or a choice of
    these, none read in context; None for anything else. Kept on the pattern."""
    found = p.memo_check
    if found is None:
        found = p.memo_check = _make_value_check(p) or False
    return found or None


# Datatypes whose values are not worth keeping by value: any string is one
# (string, token), or each value is met once in a document (ID).
_ANY_STRING = frozenset({"string", "token", "normalizedString"})


def _not_worth_keeping(p: _P) -> bool:
    """Whether the values ``p`` (an attribute's content) checks are each met
    about once, or cost nothing to check: then they are checked, not kept."""
    dt = p.dt
    if p.kind != DATA or dt is None or p.a is not None or dt.key[2]:
        return False
    return dt.name == "ID" or (dt.name in _ANY_STRING and not dt.patterns)


def _make_value_check(p: _P) -> Callable[[str], bool] | None:
    if p.nullable:  # whitespace alone would match: value_matches knows how
        return None
    dt = p.dt
    if p.kind == VALUE and dt is not None and not dt.needs_context:
        expected, equal = p.value, dt.equal
        return lambda s: equal(expected, s)
    if p.kind == DATA and dt is not None and not dt.needs_context and p.a is None:
        return dt.checker()
    if p.kind == LIST and p.a is not None:
        content, empty_ok = p.a, False
        if content.kind == CHOICE and len(content.members) == 2:
            rest = [m for m in content.members if m.kind != EMPTY]
            content, empty_ok = (rest[0], True) if len(rest) == 1 else (content, False)
        item = content.a if content.kind == ONE_OR_MORE else None
        if item is None or item.kind != DATA or item.a is not None or item.dt is None:
            return None
        if item.dt.needs_context:
            return None
        token = item.dt.checker(token=True)

        def each(s: str) -> bool:
            tokens = _tokens(s)
            return (empty_ok or bool(tokens)) and all(map(token, tokens))

        return each
    if p.kind == CHOICE:
        checks = [_value_check(m) if m.kind in (DATA, VALUE, LIST) else None for m in p.members]
        if all(c is not None for c in checks):
            return lambda s: any(check(s) for check in checks)  # type: ignore[misc]
    return None


class _Values:
    """Matching text and attribute values against data, value and list patterns;
    shared by the verdict and the explainer. Results that do not depend on the
    namespaces in scope are kept in the grammar, for every document."""

    g: Grammar
    eng: _Engine
    context: etree._Element  # element whose attributes/text are checked

    def qname(self, tag: str) -> QName:
        """(namespace, local name) of a Clark name, kept in the grammar."""
        qnames = self.g._qnames
        qn = qnames.get(tag)
        if qn is None:
            ns, brace, local = tag[1:].partition("}") if tag[0] == "{" else ("", "", tag)
            qn = qnames[tag] = (ns, local) if brace else ("", tag)
        return qn

    def leaf_accepts(self, leaf: _P, s: str) -> bool:
        if leaf.dt is not None and leaf.dt.needs_context:
            # QName, NOTATION: read with the namespaces in scope, so not cached.
            self.used_context = True
            context = {prefix or "": uri for prefix, uri in self.context.nsmap.items()}
            if leaf.kind == VALUE:
                return leaf.dt.equal(leaf.value, s, leaf.context, context)
            return leaf.dt.allows(s, context) and (
                leaf.a is None or not self.value_matches(leaf.a, s)
            )
        key = (leaf.uid, s)
        cache = self.g._accepts
        r = cache.get(key)
        if r is None:
            if leaf.kind == VALUE:
                r = leaf.dt.equal(leaf.value, s)
            elif leaf.kind == DATA:
                r = leaf.dt.allows(s) and (leaf.a is None or not self.value_matches(leaf.a, s))
            else:  # LIST: each token in turn, then the rest must be nullable
                q = leaf.a
                for tok in _tokens(s):
                    q = self.text_step(q, tok)
                    if q.kind == NOT_ALLOWED:
                        break
                r = q.nullable
            cache[key] = r
        return r

    def text_step(self, p: _P, s: str, any_value: bool = False) -> _P:
        leaves = self.eng.data_leaves(p)
        if not leaves:
            accepted = _NO_LEAVES
        elif any_value:
            accepted = frozenset(x.uid for x in leaves)
        else:
            accepted = frozenset(x.uid for x in leaves if self.leaf_accepts(x, s))
        return self.eng.text(p, accepted)

    def value_matches(self, p: _P, s: str) -> bool:
        check = p.memo_check
        if check is None:
            check = _value_check(p) or False
        if check is not False:  # one call where the pattern allows (see _value_check)
            return check(s)
        if p.nullable and _is_ws(s):
            return True
        leaves = _choice_of_leaves(p)
        if leaves is not None:  # a value, a datatype or a choice of them: any will do
            return any(self.leaf_accepts(leaf, s) for leaf in leaves)
        return self.text_step(p, s).nullable


class _Verdict(_Values):
    """Valid or not, and nothing else: the derivatives of :class:`_Explainer`
    without its messages and recovery, with each attribute and text step kept
    in the grammar, so that a corpus runs as a lazily built automaton."""

    def __init__(
        self,
        grammar: Grammar,
        root: etree._Element,
        names: bool = False,
        gathering: Gathering | None = None,
    ) -> None:
        self.g = grammar
        self.eng = grammar._eng
        self.context = root
        self.qnames = grammar._qnames
        self.steps = grammar._steps
        self.id_types = grammar._ids_by_tag()
        self.ids: set[str] = set()
        self.idrefs: list[str] = []
        self.used_context = False
        # The names met, for the Schematron precheck (one walk of the tree, not two).
        self.names = names
        self.tags: set[str] = set()
        self.attributes: set[str] = set()
        self.gathering = gathering  # what another check wants from this walk
        self.collecting = names or gathering is not None  # either of the two below
        # What the rules ask for, read in the walk's own loops: one set look-up per
        # element and per attribute, no call per element.
        none: frozenset[str] = frozenset()
        self.gather_tags = gathering.tags if gathering is not None else none
        self.gather_attributes = gathering.attributes if gathering is not None else none
        self.gather_known = gathering.known if gathering is not None else none
        # Where an invalid document failed: the elements from the one that failed up
        # to a child of the root, filled on the way out (a valid one costs nothing).
        self.failed: list[etree._Element] = []

    def run(self, root: etree._Element) -> bool:
        return self.element(self.g._start, root, root.tag) is not None and all(
            ref in self.ids for ref in self.idrefs
        )

    def element(self, state: _P, el: etree._Element, tag: str) -> _P | None:
        """The state after ``el`` (whose ``tag`` the caller has read already), or
        None if it is not valid there. One Python step per element, so each
        look-up below is kept to what the element needs."""
        memo = state.memo_tag
        s = memo.get(tag) if memo is not None else None
        if s is None:
            s = self.open(state, tag)
        if s.kind == NOT_ALLOWED:
            return None
        items = el.items()
        if self.collecting:
            if self.names:
                self.tags.add(tag)
                if items:
                    self.attributes.update(dict(items))  # its keys, without a Python loop
            if tag in self.gather_tags:
                self.gathering.elements.append(el)  # type: ignore[union-attr]
        if items:
            ids = self.id_types.get(tag)
            steps = self.steps
            wanted = self.gather_attributes
            for clark, value in items:
                if wanted and clark in wanted and value not in self.gather_known:
                    self.gathering.found.append((el, clark, value))  # type: ignore[union-attr]
                found = steps.get((s.uid, clark, value))
                s = self.attribute(s, clark, value, el) if found is None else found
                if s is None or s.kind == NOT_ALLOWED:
                    return None
                if ids is not None:
                    kind = ids.get(clark)
                    if kind and not self.track_id(kind, value, el, clark):
                        return None
        if s.has_attr:
            s = s.memo_close or self.eng.close(s)
            if s.kind == NOT_ALLOWED:
                return None
        text = el.text
        # len() first: most elements have no children, and iterating over none
        # costs an lxml iterator (six times a len()).
        if len(el):
            has_elements = False
            for child in el:
                child_tag = child.tag
                if child_tag.__class__ is not str:  # comments and PIs do not split text
                    if child.tail:
                        text = (text or "") + child.tail
                    continue
                # isspace() first: it stops at the first letter, where strip() copies
                if text and (not text.isspace() or text.strip(_XML_WS)):
                    t = s.memo_plain
                    s = self.text(s, text, el) if not t else None if t.kind == NOT_ALLOWED else t
                    if s is None:
                        return None
                has_elements = True
                s = self.element(s, child, child_tag)
                if s is None:
                    self.failed.append(child)
                    return None
                text = child.tail
            if has_elements:
                if text and (not text.isspace() or text.strip(_XML_WS)):
                    t = s.memo_plain
                    s = self.text(s, text, el) if not t else None if t.kind == NOT_ALLOWED else t
                    if s is None:
                        return None
                after = s.memo_end
                if after is None:
                    after = s.memo_end = self.eng.end(s)
                return None if after.kind == NOT_ALLOWED else after
        if not text:  # no content: the commonest case, one step per state
            after = s.memo_blank
            if after is None:
                after = s.memo_blank = self.blank(s, "", el)
            return None if after.kind == NOT_ALLOWED else after
        if not text.isspace() or text.strip(_XML_WS):  # text only: a name, a date, a line
            after = s.memo_leaf
            if after is None:  # the text is not looked at (plain text): one step
                t = s.memo_plain
                if t is None:
                    t = self.text(s, text, el)  # sets memo_plain
                    t = s.memo_plain
                if t is False:  # a datatype reads the text: step by step
                    t = self.text(s, text, el)
                    if t is None:
                        return None
                    after = t.memo_end
                    if after is None:
                        after = t.memo_end = self.eng.end(t)
                    return None if after.kind == NOT_ALLOWED else after
                after = s.memo_leaf = self.eng.end(t)
            return None if after.kind == NOT_ALLOWED else after
        # whitespace only: it may match nothing or be text
        t = self.text(s, text, el)
        s = self.eng.choice2(s, t or self.eng.not_allowed)
        if s.kind == NOT_ALLOWED:
            return None
        after = s.memo_end
        if after is None:
            after = s.memo_end = self.eng.end(s)
        return None if after.kind == NOT_ALLOWED else after

    def open(self, state: _P, tag: str) -> _P:
        """startTagOpenDeriv by the element's Clark name, kept on the state."""
        s = self.eng.open(state, self.qnames.get(tag) or self.qname(tag))
        if state.memo_tag is None:
            state.memo_tag = {}
        state.memo_tag[tag] = s
        return s

    def blank(self, s: _P, text: str, el: etree._Element) -> _P:
        """The state after an element whose content is ``text``, empty or
        whitespace only: it may match nothing or be text."""
        eng = self.eng
        t = self.text(s, text, el)
        after = eng.end(eng.choice2(s, t or eng.not_allowed))
        return after

    def attribute(self, s: _P, clark: str, value: str, el: etree._Element) -> _P | None:
        key = (s.uid, clark, value)
        found = self.steps.get(key)
        if found is None:
            # A value not met before in this state (an xml:id, a pointer, a date: most
            # are new in each document): each attribute pattern it may match checks
            # it in one call where it can (see _value_check).
            plan = self.g._attribute_plans.get((s.uid, clark))
            if plan is None:
                aqn = self.qname(clark)
                leaves = self.eng.attr_leaves(s, aqn)
                checks = tuple(
                    (
                        x,
                        check,
                        None if _not_worth_keeping(x.a) else self.g._values.setdefault(x.a.uid, {}),
                    )
                    for x in leaves
                    for check in (_value_check(x.a),)
                )
                # Values that are unique (IDs) or that any string matches are not
                # kept: they would only crowd out those met again (pointers, dates).
                keep = any(check is None or seen is not None for _, check, seen in checks)
                plan = self.g._attribute_plans[(s.uid, clark)] = (aqn, checks, keep)
            aqn, checks, keep = plan
            self.context, self.used_context = el, False
            accepted = []
            for x, check, seen in checks:
                if check is None:
                    ok = self.value_matches(x.a, value)
                elif seen is None:
                    ok = check(value)
                else:
                    # Kept by pattern, not by state: a pointer met under one element
                    # is not checked again under another.
                    ok = seen.get(value)
                    if ok is None:
                        if len(seen) >= _MAX_VALUES:
                            seen.clear()
                        ok = seen[value] = check(value)
                if ok:
                    accepted.append(x.uid)
            found = self.eng.att(s, aqn, frozenset(accepted)) if accepted else self.eng.not_allowed
            if keep and not self.used_context:
                self.steps[key] = found
        return None if found.kind == NOT_ALLOWED else found

    def text(self, s: _P, text: str, el: etree._Element) -> _P | None:
        t = s.memo_plain  # the step for any text, when no datatype looks at it
        if t is None:
            eng = self.eng
            t = s.memo_plain = False if eng.data_leaves(s) else eng.text(s, _NO_LEAVES)
        if t is False:
            key = (s.uid, None, text)
            t = self.steps.get(key)
            if t is None:
                self.context, self.used_context = el, False
                t = self.text_step(s, text)
                if not self.used_context:
                    self.steps[key] = t
        return None if t.kind == NOT_ALLOWED else t

    def track_id(self, kind: str, value: str, el: etree._Element, clark: str) -> bool:
        if kind == "ID":
            key = _collapse_ws(value)
            if key in self.ids:
                return False
            self.ids.add(key)
        else:
            self.idrefs.extend(_tokens(value))
        return True


class _Shortcut(_Verdict):
    """The verdict walk, for the explainer: a subtree it accepts from a state
    has nothing to explain, and leaves the explainer in the state the
    explainer's own walk would reach (the same derivatives, without messages),
    at the verdict's speed. Its IDs and IDREFs go to the explainer only then;
    an ID the explainer has seen fails the subtree, which the explainer then
    walks itself to report it."""

    def __init__(self, explainer: _Explainer) -> None:
        super().__init__(explainer.g, explainer.doc.root)
        self.explainer = explainer
        self.pending_ids: dict[str, tuple[etree._Element, str]] = {}
        self.pending_refs: list[tuple[str, etree._Element, str]] = []

    def subtree(self, state: _P, el: etree._Element) -> _P | None:
        """The state after ``el`` if it is valid from ``state``, else None."""
        self.pending_ids, self.pending_refs = {}, []
        try:
            after = self.element(state, el, el.tag)
        except RecursionError:
            return None
        if after is None:
            self.failed.clear()
            return None
        self.explainer.ids.update(self.pending_ids)
        self.explainer.idrefs.extend(self.pending_refs)
        return after

    def track_id(self, kind: str, value: str, el: etree._Element, clark: str) -> bool:
        if kind == "ID":
            key = _collapse_ws(value)
            if key in self.pending_ids or key in self.explainer.ids:
                return False
            self.pending_ids[key] = (el, clark)
        else:
            self.pending_refs.extend((token, el, clark) for token in _tokens(value))
        return True


class _Explainer(_Values):
    def __init__(
        self,
        grammar: Grammar,
        doc: Document,
        positions: _Positions,
        file: str,
        schema: str,
        max_errors: int | None,
        failing: Collection[etree._Element] = (),
    ) -> None:
        self.g = grammar
        self.eng = grammar._eng
        self.doc = doc
        # The verdict walk failed inside these: until an error is reported the
        # explainer's states are the verdict's, so the shortcut would fail there too.
        self.failing = set(failing)
        self.pos = positions
        self.file = file
        self.schema = schema
        self.max_errors = max_errors
        self.found: list[Diagnostic] = []
        self.used_context = False
        self.id_types = grammar._ids()
        self.ids: dict[str, tuple[etree._Element, str]] = {}
        self.first_reported: set[str] = set()
        self.idrefs: list[tuple[str, etree._Element, str]] = []
        self.context: etree._Element = doc.root  # element whose attributes/text are checked
        self.shortcut = _Shortcut(self)

    # ------------------------------------------------------------------ reporting

    def report(
        self,
        code: str,
        message: str,
        where: tuple[int, int],
        xpath: str,
    ) -> None:
        self.found.append(
            Diagnostic(
                file=self.file,
                line=where[0],
                column=where[1],
                severity=Severity.ERROR,
                message=message,
                code=code,
                source="rng",
                xpath=xpath,
                schema=self.schema,
            )
        )
        if self.max_errors is not None and len(self.found) >= self.max_errors:
            raise _Enough

    def report_attribute(self, code: str, message: str, el: etree._Element, clark: str) -> None:
        """:meth:`report` located at the attribute ``clark`` of ``el``."""
        self.report(code, message, self.pos.attribute(el, clark), self.attr_xpath(el, clark))

    def show(self, qn: QName, context_ns: str, el: etree._Element) -> str:
        """A name as the user wrote it: bare when in the context namespace."""
        ns, local = qn
        if ns == context_ns:
            return f'"{local}"'
        if ns == XML_NS:
            return f'"xml:{local}"'
        if ns == "":
            return f'"{local}" (no namespace)'
        for prefix, uri in el.nsmap.items():
            if uri == ns and prefix:
                return f'"{prefix}:{local}"'
        return f'"{{{ns}}}{local}"'

    def attr_xpath(self, el: etree._Element, clark: str) -> str:
        """``/TEI/…/date/@when``, ``…/@xml:id``."""
        name = self.show(self.qname(clark), "", el).split('"')[1]
        return f"{self.doc.xpath_of(el)}/@{name}"

    def show_names(
        self, ncs: Iterable[NameClass], context_ns: str, el: etree._Element, what: str
    ) -> list[str]:
        """``element "a", "b" or "c"`` style items, wildcards described in words."""
        names: set[str] = set()
        extra: list[str] = []
        for nc in ncs:
            for part in _nc_parts(nc):
                if part[0] == "name":
                    names.add(self.show((part[1], part[2]), context_ns, el))
                elif part[0] == "ns":
                    extra.append(
                        f'an {what} from namespace "{part[1]}"'
                        if part[1]
                        else f"an {what} in no namespace"
                    )
                elif part[1] is not None and not _nc_contains(part, (context_ns, "x")):
                    extra.append(f"an {what} from another namespace")
                else:
                    extra.append(f"any {what}")
        items = []
        if names:
            shown = sorted(names)
            if len(shown) > _MAX_LISTED:
                more = len(shown) - _MAX_LISTED
                listed = ", ".join(shown[:_MAX_LISTED]) + f", … ({more} more)"
            else:
                listed = _or_list(shown)
            items.append(f"{what} {listed}")
        return items + sorted(set(extra))

    def missing_elements(self, names: Iterable[QName], context_ns: str, el: etree._Element) -> str:
        shown = sorted(self.show(q, context_ns, el) for q in names)
        if len(shown) == 1:
            return f"; missing required element {shown[0]}"
        return f"; missing required elements {', '.join(shown[:-1])} and {shown[-1]}"

    def expected(self, state: _P, context_ns: str, el: etree._Element) -> str:
        """``; expected the element end-tag, text or element "a", "b" or "c"``."""
        eng = self.eng
        items = []
        if eng.end(state).kind != NOT_ALLOWED:
            items.append("the element end-tag")
        if eng.text(state, frozenset(x.uid for x in eng.data_leaves(state))).kind != NOT_ALLOWED:
            items.append("text")
        items += self.show_names(eng.first(state), context_ns, el, "element")
        return f"; expected {_or_list(items)}" if items else ""

    def value_problem(self, content: _P, value: str) -> str:
        """Why ``value`` does not match ``content``: the rule and what was found.

        For a list, name the first bad token, as jing does.
        """
        leaves = self.eng.data_leaves(content)
        if len(leaves) == 1 and leaves[0].kind == LIST:
            q = leaves[0].a
            for token in _tokens(value):
                after = self.text_step(q, token)
                if after.kind == NOT_ALLOWED:
                    return f"token {_quote_value(token)} invalid; {self.describe_values(q)}"
                q = after
        shown = value.strip(_XML_WS) if value.strip(_XML_WS) else value
        return f"{self.describe_values(content)}, got {_quote_value(shown)}"

    def describe_except(self, exc: _P | None) -> str:
        if exc is None:
            return ""
        leaves = self.eng.data_leaves(exc)
        if leaves and all(x.kind == VALUE for x in leaves):
            return " other than " + _or_list([_quote_value(x.value) for x in leaves])
        return " (with exceptions)"

    def describe_values(self, content: _P) -> str:
        """What an attribute value or data content must be, in words."""
        eng = self.eng
        values: list[str] = []
        dates: list[str] = []
        others: list[str] = []
        for leaf in eng.data_leaves(content):
            if leaf.kind == VALUE:
                values.append(_quote_value(leaf.value))
            elif leaf.kind == LIST:
                inner = self.describe_values(leaf.a).removeprefix("must be ")
                others.append(f"a whitespace-separated list (each item {inner})")
            elif (
                leaf.dt is not None
                and leaf.dt.name in _DATE_FORMATS
                and not (leaf.dt.patterns or leaf.dt.bounds or leaf.dt.lengths)
            ):
                dates.append(leaf.dt.name)
            elif leaf.dt is not None:
                others.append(leaf.dt.describe() + self.describe_except(leaf.a))
        parts = []
        values = list(dict.fromkeys(values))
        if len(values) == 1 and not (dates or others):
            return f"must be {values[0]}"
        if len(values) > _MAX_LISTED:
            more = len(values) - _MAX_LISTED
            values = [*values[:_MAX_LISTED], f"… ({more} more)"]
        if dates:
            parts.append(_describe_date_family(dates))
        parts += list(dict.fromkeys(others))
        if not parts:
            if values:
                return "must be one of " + _or_list(values)
            return "must be empty" if content.nullable else "not allowed"
        return "must be " + _or_list(values + parts)

    # ------------------------------------------------------------------ the walk

    def run(self) -> list[Diagnostic]:
        try:
            root = self.doc.root
            self.element(self.g._start, root, self.qname(root.tag)[0], is_root=True)
            self.check_idrefs()
        except _Enough:
            pass
        except RecursionError:  # only for trees far deeper than load() accepts
            self.found.append(
                Diagnostic(
                    file=self.file,
                    line=self.doc.root.sourceline or 0,
                    column=0,
                    severity=Severity.ERROR,
                    message="elements are nested too deeply to explain",
                    code="too-deep",
                    source="rng",
                    schema=self.schema,
                )
            )
        return self.found

    def element(self, state: _P, el: etree._Element, context_ns: str, is_root: bool = False) -> _P:
        """Validate ``el`` from parent state ``state``; return the parent's next state."""
        eng = self.eng
        qn = self.qname(el.tag)
        s = eng.open(state, qn)
        if s.kind == NOT_ALLOWED:
            s = self.not_allowed(state, el, qn, context_ns, is_root)
            if s is None:
                return state  # skipped: the siblings are checked against the same state
        s = self.attributes(s, el, qn, context_ns)
        had_elements, s = self.content(s, el, qn)
        after = eng.end(s)
        if after.kind == NOT_ALLOWED:
            self.incomplete(s, el, qn, context_ns, had_elements)
            after = eng.end(s, forced=True)
        return after

    def not_allowed(
        self, state: _P, el: etree._Element, qn: QName, context_ns: str, is_root: bool
    ) -> _P | None:
        eng = self.eng
        known = self.g._known_element(qn)
        name = self.show(qn, context_ns, el)
        if not is_root and known.kind != NOT_ALLOWED:
            # Allowed later in this element? Then something required is missing before it.
            q = state
            for _ in range(6):
                q2 = eng.choice2(q, eng.advance(q))
                if q2 is q:
                    break
                q = q2
                s = eng.open(q, qn)
                if s.kind != NOT_ALLOWED:
                    # Required before it: needed now, but no longer once it is there.
                    later = eng.required_elems(eng.end(s, forced=True))
                    missing = eng.required_elems(state) - later - {qn}
                    if missing:
                        detail = self.missing_elements(missing, context_ns, el)
                    else:
                        detail = self.expected(state, context_ns, el)
                    self.report(
                        "element-not-allowed",
                        f"element {name} not allowed yet{detail}",
                        self.pos.element(el),
                        self.doc.xpath_of(el),
                    )
                    return s  # continue as if the missing content had been there
        where = "here" if known.kind != NOT_ALLOWED else "anywhere"
        expected = self.expected(state, qn[0] if is_root else context_ns, el)
        self.report(
            "unknown-root" if is_root else "element-not-allowed",
            f"element {name} not allowed {where}{expected}",
            self.pos.element(el),
            self.doc.xpath_of(el),
        )
        self.elsewhere(el, qn, known)
        return None

    def elsewhere(self, el: etree._Element, qn: QName, known: _P) -> None:
        """Check an element that is out of place against its own definition(s),
        as jing does; below an element the grammar does not know, look for known
        ones (unknown descendants of an unknown element are not reported again)."""
        if known.kind != NOT_ALLOWED:
            self.element(known, el, qn[0])
            return
        for child in el:
            if isinstance(child.tag, str):
                cqn = self.qname(child.tag)
                self.elsewhere(child, cqn, self.g._known_element(cqn))

    def attributes(self, s: _P, el: etree._Element, qn: QName, context_ns: str) -> _P:
        eng = self.eng
        id_types = self.id_types.get(qn)
        self.context = el
        for clark, value in el.attrib.items():
            aqn = self.qname(clark)
            leaves = eng.attr_leaves(s, aqn)
            if not leaves:
                allowed = self.show_names(eng.attr_names(s), "", el, "attribute")
                detail = (
                    f"; expected {_or_list(allowed)}" if allowed else ", no attributes allowed here"
                )
                self.report_attribute(
                    "attribute-not-allowed",
                    f"attribute {self.show(aqn, '', el)} not allowed here{detail}",
                    el,
                    clark,
                )
                continue
            accepted = frozenset(x.uid for x in leaves if self.value_matches(x.a, value))
            if not accepted:
                content = eng.choice([x.a for x in leaves])
                self.report_attribute(
                    "attribute-value-invalid",
                    f"value of attribute {self.show(aqn, '', el)} is invalid; "
                    f"{self.value_problem(content, value)}",
                    el,
                    clark,
                )
                accepted = frozenset(x.uid for x in leaves)  # as if the value were right
            s2 = eng.att(s, aqn, accepted)
            if s2.kind != NOT_ALLOWED:
                s = s2
            if id_types and aqn in id_types:
                self.track_id(id_types[aqn], value, el, clark)
        closed = eng.close(s)
        if closed.kind == NOT_ALLOWED:
            required = sorted(eng.required_attrs(s), key=lambda q: self.show(q, "", el))
            name = self.show(qn, context_ns, el)
            if required:
                shown = [self.show(q, "", el) for q in required]
                many = len(shown) > 1
                listed = " and ".join([", ".join(shown[:-1]), shown[-1]]) if many else shown[0]
                message = f"element {name} missing required attribute{'s' if many else ''} {listed}"
            else:
                allowed = self.show_names(eng.attr_names(s), "", el, "attribute")
                message = (
                    f"element {name} missing one or more required attributes; "
                    f"expected {_or_list(allowed)}"
                )
            self.report("attribute-missing", message, self.pos.element(el), self.doc.xpath_of(el))
            closed = eng.close(s, relaxed=True)
        return closed

    def content(self, s: _P, el: etree._Element, qn: QName) -> tuple[bool, _P]:
        """Children and text of ``el``; whitespace-only text between elements is
        ignored, as in the RELAX NG spec."""
        eng = self.eng
        has_elements = any(isinstance(c.tag, str) for c in el)
        self.context = el
        data = eng.data_leaves(s)
        if has_elements and data and not eng.first(s):
            # Data content (a date, a name …) cannot hold elements: report each
            # one, then check the text as if they were not there.
            rule = self.describe_values(eng.choice(list(data)))
            for child in el:
                if isinstance(child.tag, str):
                    cqn = self.qname(child.tag)
                    self.report(
                        "element-not-allowed",
                        f"element {self.show(cqn, qn[0], child)} not allowed here; "
                        f"content of element {self.show(qn, self.parent_ns(el), el)} {rule}",
                        self.pos.element(child),
                        self.doc.xpath_of(child),
                    )
                    self.elsewhere(child, cqn, self.g._known_element(cqn))
            has_elements = False
            self.context = el
        if not has_elements:
            text = "".join([el.text or "", *(c.tail or "" for c in el)])
            t = self.text_step(s, text)
            if _is_ws(text):
                t = eng.choice2(s, t)
            if t.kind == NOT_ALLOWED:
                t = self.bad_text(s, el, qn, None, text)
            return False, t
        buffer: list[str] = [el.text or ""]
        before: etree._Element | None = None
        for child in el:
            if not isinstance(child.tag, str):
                buffer.append(child.tail or "")  # comments and PIs do not split text
                continue
            s = self.text_item(s, el, qn, before, "".join(buffer))
            if child in self.failing and not self.found:
                after = None  # it would walk the subtree up to the error, in vain
            else:
                after = self.shortcut.subtree(s, child)  # most of an invalid document is valid
            s = after if after is not None else self.element(s, child, qn[0])
            buffer, before = [child.tail or ""], child
        s = self.text_item(s, el, qn, before, "".join(buffer))
        return True, s

    def text_item(
        self, s: _P, el: etree._Element, qn: QName, before: etree._Element | None, text: str
    ) -> _P:
        if _is_ws(text):
            return s
        self.context = el
        t = self.text_step(s, text)
        return t if t.kind != NOT_ALLOWED else self.bad_text(s, el, qn, before, text)

    def bad_text(
        self, s: _P, el: etree._Element, qn: QName, before: etree._Element | None, text: str
    ) -> _P:
        eng = self.eng
        context_ns = qn[0]
        xpath = self.doc.xpath_of(el)
        data = self.eng.data_leaves(s)
        if data:
            content = eng.choice(list(data))
            self.report(
                "text-value-invalid",
                f"character content of element {self.show(qn, self.parent_ns(el), el)} is invalid; "
                f"{self.value_problem(content, text)}",
                self.pos.element(el),
                xpath,
            )
            return self.text_step(s, text, any_value=True)
        self.report(
            "text-not-allowed",
            f"text not allowed here{self.expected(s, context_ns, el)}",
            self.pos.text_run(el, before),
            xpath + "/" + self.text_step_name(el, before),
        )
        return s

    def text_step_name(self, el: etree._Element, before: etree._Element | None) -> str:
        """``text()`` or ``text()[n]`` for the text run after ``before``."""
        pieces = [(None, el.text)] + [(c, c.tail) for c in el]
        nonempty = [c for c, t in pieces if t]
        if len(nonempty) <= 1:
            return "text()"
        # The run starts after `before`; count the text nodes before that point.
        n = 0
        for c, t in pieces:
            if t:
                n += 1
            if c is before:
                break
        return f"text()[{max(n, 1)}]"

    def parent_ns(self, el: etree._Element) -> str:
        parent = el.getparent()
        return self.qname(parent.tag)[0] if parent is not None else self.qname(el.tag)[0]

    def incomplete(
        self, s: _P, el: etree._Element, qn: QName, context_ns: str, had_elements: bool
    ) -> None:
        eng = self.eng
        name = self.show(qn, context_ns, el)
        data = eng.data_leaves(s)
        if not had_elements and data and not eng.first(s):
            text = "".join([el.text or "", *(c.tail or "" for c in el)])
            problem = self.value_problem(eng.choice(list(data)), text)
            message = f"character content of element {name} is invalid; {problem}"
            self.report("text-value-invalid", message, self.pos.element(el), self.doc.xpath_of(el))
            return
        missing = eng.required_elems(s)
        if missing:
            detail = self.missing_elements(missing, qn[0], el)
        else:
            detail = self.expected(s, qn[0], el)
        self.report(
            "element-incomplete",
            f"element {name} incomplete{detail}",
            self.pos.element(el),
            self.doc.xpath_of(el),
        )

    # ------------------------------------------------------------------ IDs (DTD compatibility)

    def track_id(self, kind: str, value: str, el: etree._Element, clark: str) -> None:
        if kind == "ID":
            key = _collapse_ws(value)
            first = self.ids.get(key)
            if first is None:
                self.ids[key] = (el, clark)
                return
            self.report_attribute("duplicate-id", f'ID "{key}" has already been defined', el, clark)
            if key not in self.first_reported:
                self.first_reported.add(key)
                fel, fclark = first
                self.report_attribute(
                    "duplicate-id", f'first occurrence of ID "{key}"', fel, fclark
                )
        else:
            for token in _tokens(value):
                self.idrefs.append((token, el, clark))

    def check_idrefs(self) -> None:
        for token, el, clark in self.idrefs:
            if token not in self.ids:
                self.report_attribute(
                    "idref-dangling", f'IDREF "{token}" without matching ID', el, clark
                )


# ======================================== public API


def _as_document(
    doc_or_tree: Document | etree._ElementTree | etree._Element, file: str
) -> Document:
    if isinstance(doc_or_tree, Document):
        return doc_or_tree
    if isinstance(doc_or_tree, etree._ElementTree):
        tree, root = doc_or_tree, doc_or_tree.getroot()
    elif isinstance(doc_or_tree, etree._Element):
        tree, root = doc_or_tree.getroottree(), doc_or_tree
    else:
        raise TypeError(
            f"expected a Document, ElementTree or Element, not {type(doc_or_tree).__name__}"
        )
    return Document(path=file, tree=tree, root=root, encoding=tree.docinfo.encoding or "UTF-8")


def _source_text(doc: Document, source: bytes | str | None) -> str | None:
    if isinstance(source, str):
        return source
    data = source
    if data is None:
        url = (doc.tree.docinfo.URL or "").removeprefix("file://")
        for candidate in (doc.path, url):
            if candidate and not candidate.startswith("<") and Path(candidate).is_file():
                try:
                    data = Path(candidate).read_bytes()
                except OSError:
                    continue
                break
    return _decode(data, doc.encoding) if data is not None else None


def source_text(doc: Document) -> str | None:
    """The document's source as text (read again from its file), or None."""
    return _source_text(doc, None)


def source_positions(doc: Document) -> Callable[[etree._Element, str | None], tuple[int, int]]:
    """Where an element (or one of its attributes, by Clark name) starts in the
    document's source, as (line, column); the source is read on the first call.
    For locating other validators' findings (Schematron) as precisely as ours."""
    positions = _Positions(lambda: _source_text(doc, None), doc.root)

    def where(el: etree._Element, attribute: str | None = None) -> tuple[int, int]:
        return positions.attribute(el, attribute) if attribute else positions.element(el)

    return where


def explain(
    doc_or_tree: Document | etree._ElementTree | etree._Element,
    grammar: Grammar | str | PathLike[str],
    *,
    file: str,
    max_errors: int | None = None,
    source: bytes | str | None = None,
    schema: str = "",
    failing: Collection[etree._Element] = (),
) -> list[Diagnostic]:
    """Every RELAX NG error in a document, as jing-style diagnostics.

    Returns ``[]`` exactly when the document is valid. After each error the
    check recovers (skips an unexpected element but checks its content against
    its own definition, assumes a missing attribute or element, accepts a bad
    value) so that independent errors are all reported, in document order.

    Columns come from the raw source: ``source`` if given, else the file named
    by the Document (or the tree's URL); without it, columns are 0 and lines
    are lxml's. ``max_errors`` stops early; ``schema`` fills Diagnostic.schema.
    ``failing``: where :func:`is_valid` found the document invalid (its
    ``failed``), which spares trying those subtrees at the verdict's speed.
    """
    if not isinstance(grammar, Grammar):
        grammar = compile_grammar(grammar)
    doc = _as_document(doc_or_tree, file)
    positions = _Positions(lambda: _source_text(doc, source), doc.root)
    with grammar._lock:
        return _Explainer(grammar, doc, positions, file, schema, max_errors, failing).run()


def is_valid(
    doc_or_tree: Document | etree._ElementTree | etree._Element,
    grammar: Grammar | str | PathLike[str],
    names: tuple[set[str], set[str]] | None = None,
    gathering: Gathering | None = None,
    failed: list[etree._Element] | None = None,
) -> bool:
    """True if the document is valid against the grammar: the verdict alone,
    without locating or explaining errors (use :func:`explain` for those).

    ``names``, two sets, receive the element and attribute names (Clark) of
    a valid document: its walk met every one (an invalid one stops early).
    ``gathering`` is filled on the way, and complete for a valid document.
    ``failed`` receives, for an invalid one, the elements the walk failed in
    (for :func:`explain`)."""
    if not isinstance(grammar, Grammar):
        grammar = compile_grammar(grammar)
    doc = _as_document(doc_or_tree, "")
    with grammar._lock:
        grammar._trim()
        verdict = _Verdict(grammar, doc.root, names is not None, gathering)
        try:
            valid = verdict.run(doc.root)
        except RecursionError:  # only for trees far deeper than load() accepts
            return False
    if not valid and failed is not None:
        failed.extend(verdict.failed)
    if gathering is not None:
        gathering.complete = valid
    if valid and names is not None:
        names[0].update(verdict.tags)
        names[1].update(verdict.attributes)
    return valid
