"""Specialise a RELAX NG grammar to the element names a document uses.

libxml2 compiles the whole of ``tei_all.rng`` (seconds) even when a letter uses
sixty of its ~600 elements. :func:`specialize` rewrites the grammar for a given
set of element names so that it accepts exactly the same documents *among those
whose element names all belong to the set*, and is a fraction of the size:

1. The grammar is simplified as the RELAX NG specification (OASIS, 3 December
   2001) describes in sections 4.1-4.18: annotations dropped, whitespace and
   ``datatypeLibrary``/``ns`` resolved, ``name`` attributes and QNames turned into
   explicit names, ``div``/``include``/``externalRef``/``mixed`` removed,
   ``combine`` applied and nested grammars flattened into one.
2. Every ``element`` pattern whose name class matches none of the names becomes
   ``notAllowed``: no element of such a document can match it.
3. ``notAllowed`` and ``empty`` are propagated as in sections 4.20 and 4.21,
   through references too: a ``ref`` to a define whose body became
   ``notAllowed`` (``empty``) is ``notAllowed`` (``empty``), exactly what the
   expansion of section 4.19 followed by 4.20/4.21 gives. Unreachable defines
   are dropped. Beyond 4.20, an ``element`` whose content is ``notAllowed`` is
   ``notAllowed`` too (it can match no element). Recursive definitions are
   resolved as a greatest fixpoint: a define is ``notAllowed`` only when that
   follows from defines already known to be ``notAllowed``.

The output keeps the shape of the input wherever the specification leaves a
choice, because libxml2's verdicts depend on shape: ``optional`` and
``zeroOrMore`` are not rewritten into ``choice`` (4.14/4.15), and the several
patterns of an element (or define, ``oneOrMore``...) stay separate children
instead of becoming one explicit ``group`` (4.12). libxml2 moves attribute
references that are direct children of an element out of its content model;
wrapped in an explicit group they stayed in it, and libxml2 then rejected a
valid register (``tests/fixtures/specialize/register-listplace-place-group-shape.xml``). The
result is a plain grammar with explicit names, namespaces and datatype
libraries, so it does not depend on where it is stored.

The schema is assumed correct, as jing or libxml2 would establish by compiling
the full grammar: section 7's restrictions are not re-checked here, and a
restriction broken only inside a part that specialisation removes goes unseen.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from lxml import etree

from teikit.errors import SchemaError

__all__ = [
    "ALGORITHM_VERSION",
    "SpecializeError",
    "Specializer",
    "cache_key",
    "element_names",
    "specialize",
    "specialize_cached",
]

# Part of every cache key: bump it whenever the output for the same input changes.
ALGORITHM_VERSION = "1"

RNG_NS = "http://relaxng.org/ns/structure/1.0"
XML_NS = "http://www.w3.org/XML/1998/namespace"
_R = f"{{{RNG_NS}}}"

_LEAVES = {"empty", "text", "notAllowed"}
_UNARY = {"optional", "zeroOrMore", "oneOrMore", "list"}
_NARY = {"choice", "group", "interleave"}
_PATTERNS = (
    _LEAVES
    | _UNARY
    | _NARY
    | {"element", "attribute", "ref", "parentRef", "value", "data", "mixed", "externalRef"}
    | {"grammar"}
)
_NAME_CLASSES = {"name", "anyName", "nsName", "choice"}
# Where several patterns stand for their group (4.12).
_SPLICE_INTO = {"element", "define", "start", "optional", "zeroOrMore", "oneOrMore", "list"}


class SpecializeError(SchemaError):
    """The grammar is not correct RELAX NG, or uses what specialisation cannot handle."""


class _Node:
    """One pattern or name class of the simplified grammar.

    Plain objects rather than lxml elements: the fixpoint below rebuilds bodies
    many times, and these are cheap to make and safe to share between results.
    """

    __slots__ = ("attrs", "children", "implicit", "kind", "nsmap", "text")

    def __init__(
        self,
        kind: str,
        children: Iterable[_Node] = (),
        text: str | None = None,
        nsmap: dict[str | None, str] | None = None,
        **attrs: str,
    ) -> None:
        self.kind = kind
        self.children = list(children)
        self.text = text
        self.nsmap = nsmap
        self.attrs = attrs
        # A group made by 4.12 from the children of an element, define, etc.:
        # written back as those children, the shape libxml2 handles best.
        self.implicit = False

    def __repr__(self) -> str:  # for debugging and test failures
        inner = " ".join(repr(c) for c in self.children)
        return f"<{self.kind} {self.attrs or ''}{self.text or ''}{inner}>"


_NOT_ALLOWED = _Node("notAllowed")
_EMPTY = _Node("empty")


# --------------------------------------------------------------------------
# Sections 4.1-4.16: from XML to a tree of _Nodes.


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname


def _fail(el: etree._Element, message: str) -> SpecializeError:
    where = f"{el.base or '<schema>'}:{el.sourceline or 0}"
    return SpecializeError(f"{where}: {message}")


def _rng_children(el: etree._Element) -> list[etree._Element]:
    """The RELAX NG children; foreign elements are annotations (4.1)."""
    kids = []
    for child in el:
        if isinstance(child.tag, str) and child.tag.startswith(_R):
            kids.append(child)
        if child.tail and child.tail.strip():
            raise _fail(el, f"text not allowed in <{_local(el)}>: {child.tail.strip()!r}")
    if el.text and el.text.strip():
        raise _fail(el, f"text not allowed in <{_local(el)}>: {el.text.strip()!r}")
    return kids


def _attr(el: etree._Element, name: str) -> str:
    value = el.get(name)
    if value is None:
        raise _fail(el, f"<{_local(el)}> needs a {name} attribute")
    return value.strip()  # 4.2: name, type and combine values are trimmed


def _grouped(nodes: list[_Node], el: etree._Element) -> _Node:
    """4.12: several patterns where one is expected form a group."""
    if not nodes:
        raise _fail(el, f"<{_local(el)}> needs a pattern")
    if len(nodes) == 1:
        return nodes[0]
    group = _Node("group", nodes)
    group.implicit = True
    return group


def _load(href: str, el: etree._Element, stack: tuple[str, ...]) -> etree._Element:
    if "#" in href:
        raise _fail(el, f"href must not have a fragment: {href}")
    url = urljoin(el.base or "", href.strip())
    if not url:
        raise _fail(el, f"cannot resolve {href!r} without a base URI")
    if url in stack:
        raise _fail(el, f"{url} includes itself")
    if urlsplit(url).scheme not in ("", "file"):
        raise _fail(el, f"only local files can be referenced: {url}")
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    try:
        root = etree.parse(url, parser).getroot()
    except (OSError, etree.XMLSyntaxError) as exc:
        raise _fail(el, f"cannot load {url}: {exc}") from exc
    if root.tag is None or not str(root.tag).startswith(_R):
        raise _fail(el, f"{url} is not a RELAX NG schema")
    return root


def _context(el: etree._Element, typ: str) -> dict[str | None, str] | None:
    # Only QName-like values are read with the schema's namespace declarations.
    return dict(el.nsmap) if typ in ("QName", "NOTATION") else None


class _Reader:
    """Turns the XML of a schema (and what it includes) into _Nodes."""

    def __init__(self) -> None:
        self.stack: tuple[str, ...] = ()

    def pattern(self, el: etree._Element, ns: str | None, dtl: str) -> _Node:
        kind = _local(el)
        if kind not in _PATTERNS:
            raise _fail(el, f"<{kind}> is not a pattern")
        ns = el.get("ns", ns)
        dtl = el.get("datatypeLibrary", dtl)
        if kind in ("element", "attribute"):
            return self._element_or_attribute(el, kind, ns, dtl)
        if kind == "grammar":  # nested grammars are flattened later (4.18)
            return _Node("grammar", self.components(el, ns, dtl))
        if kind == "value":
            # 4.4: a value without type is a built-in token; 4.9: it keeps its ns.
            if el.get("type") is None:
                typ, dtl = "token", ""
            else:
                typ = _attr(el, "type")
            context = _context(el, typ)
            return _Node(
                "value",
                text=el.text or "",
                nsmap=context,
                type=typ,
                datatypeLibrary=dtl,
                ns=ns or "",
            )
        kids = _rng_children(el)
        if kind in _LEAVES:
            if kids:
                raise _fail(el, f"<{kind}> must be empty")
            # The singletons: simplification recognises them by identity.
            return {"notAllowed": _NOT_ALLOWED, "empty": _EMPTY}.get(kind) or _Node(kind)
        if kind in ("ref", "parentRef"):
            return _Node(kind, name=_attr(el, "name"))
        if kind == "data":
            return self._data(el, kids, ns, dtl)
        patterns = [self.pattern(k, ns, dtl) for k in kids]
        if kind in _NARY:  # 4.12: one child stands for itself
            return _grouped(patterns, el) if len(patterns) < 2 else _Node(kind, patterns)
        if kind in _UNARY:
            return _Node(kind, [_grouped(patterns, el)])
        if kind == "mixed":  # 4.13
            return _Node("interleave", [_Node("text"), _grouped(patterns, el)])
        if kind == "externalRef":  # 4.6: the referenced pattern, inheriting ns
            if kids:
                raise _fail(el, "<externalRef> must be empty")
            root = _load(_attr(el, "href"), el, self.stack)
            self.stack += (root.base or "",)
            try:
                return self.pattern(root, ns, "")
            finally:
                self.stack = self.stack[:-1]
        raise AssertionError(kind)

    def _element_or_attribute(
        self, el: etree._Element, kind: str, ns: str | None, dtl: str
    ) -> _Node:
        kids = _rng_children(el)
        if el.get("name") is not None:  # 4.8: an attribute's unqualified name has no ns
            name_ns = "" if kind == "attribute" and el.get("ns") is None else ns
            name_class = self._qname(el, _attr(el, "name"), name_ns)
        else:
            if not kids:
                raise _fail(el, f"<{kind}> needs a name")
            name_class = self.name_class(kids.pop(0), ns)
        patterns = [self.pattern(k, ns, dtl) for k in kids]
        if kind == "attribute":
            if len(patterns) > 1:
                raise _fail(el, "<attribute> takes one pattern")
            content = patterns[0] if patterns else _Node("text")
        else:
            content = _grouped(patterns, el)
        return _Node(kind, [name_class, content])

    def _data(
        self, el: etree._Element, kids: list[etree._Element], ns: str | None, dtl: str
    ) -> _Node:
        children = []
        for kid in kids:
            kid_kind = _local(kid)
            if kid_kind == "param":
                children.append(_Node("param", text=kid.text or "", name=_attr(kid, "name")))
            elif kid_kind == "except" and kid is kids[-1]:
                inner = [
                    self.pattern(k, kid.get("ns", ns), kid.get("datatypeLibrary", dtl))
                    for k in _rng_children(kid)
                ]
                if not inner:
                    raise _fail(kid, "<except> needs a pattern")
                choice = inner[0] if len(inner) == 1 else _Node("choice", inner)
                children.append(_Node("except", [choice]))
            else:
                raise _fail(kid, f"<{kid_kind}> not allowed in <data>")
        return _Node("data", children, type=_attr(el, "type"), datatypeLibrary=dtl)

    @staticmethod
    def _qname(el: etree._Element, qname: str, ns: str | None) -> _Node:
        """4.10: a prefixed name takes its namespace from the schema's declarations."""
        if ":" in qname:
            prefix, local = qname.split(":", 1)
            uri = XML_NS if prefix == "xml" else el.nsmap.get(prefix)
            if uri is None:
                raise _fail(el, f"undeclared prefix in {qname!r}")
            return _Node("name", text=local, ns=uri)
        return _Node("name", text=qname, ns=ns or "")

    def name_class(self, el: etree._Element, ns: str | None) -> _Node:
        kind = _local(el)
        if kind not in _NAME_CLASSES:
            raise _fail(el, f"<{kind}> is not a name class")
        ns = el.get("ns", ns)
        if kind == "name":
            if any(isinstance(c.tag, str) and c.tag.startswith(_R) for c in el):
                raise _fail(el, "<name> holds a QName, not elements")
            # Annotations may sit inside: the QName is the text around them.
            text = (el.text or "") + "".join(c.tail or "" for c in el)
            return self._qname(el, text.strip(), ns)
        kids = _rng_children(el)
        if kind == "choice":
            ncs = [self.name_class(k, ns) for k in kids]
            if not ncs:
                raise _fail(el, "<choice> needs a name class")
            return ncs[0] if len(ncs) == 1 else _Node("choice", ncs)
        attrs = {"ns": ns or ""} if kind == "nsName" else {}
        if not kids:
            return _Node(kind, **attrs)
        if len(kids) > 1 or _local(kids[0]) != "except":
            raise _fail(el, f"<{kind}> may hold only an <except>")
        inner = [self.name_class(k, ns) for k in _rng_children(kids[0])]
        if not inner:
            raise _fail(kids[0], "<except> needs a name class")
        exc = _Node("except", [inner[0] if len(inner) == 1 else _Node("choice", inner)])
        # 4.16: what an except may not contain.
        banned = {"anyName"} if kind == "anyName" else {"anyName", "nsName"}
        if any(n.kind in banned for n in _walk(exc)):
            raise _fail(el, f"<{kind}><except> must not contain {' or '.join(sorted(banned))}")
        return _Node(kind, [exc], **attrs)

    def components(self, el: etree._Element, ns: str | None, dtl: str) -> list[_Node]:
        """start and define children of a grammar, with div and include flattened."""
        out: list[_Node] = []
        for kid in _rng_children(el):
            kind = _local(kid)
            kid_ns = kid.get("ns", ns)
            kid_dtl = kid.get("datatypeLibrary", dtl)
            if kind in ("start", "define"):
                patterns = [self.pattern(k, kid_ns, kid_dtl) for k in _rng_children(kid)]
                attrs = {"combine": kid.get("combine", "").strip()}
                if kind == "define":
                    attrs["name"] = _attr(kid, "name")
                elif len(patterns) != 1:
                    raise _fail(kid, "<start> takes one pattern")
                out.append(_Node(kind, [_grouped(patterns, kid)], **attrs))
            elif kind == "div":  # 4.11
                out += self.components(kid, kid_ns, kid_dtl)
            elif kind == "include":  # 4.7
                out += self._include(kid, kid_ns, kid_dtl)
            else:
                raise _fail(kid, f"<{kind}> not allowed in <grammar>")
        return out

    def _include(self, el: etree._Element, ns: str | None, dtl: str) -> list[_Node]:
        root = _load(_attr(el, "href"), el, self.stack)
        if _local(root) != "grammar":
            raise _fail(el, f"{root.base} is not a <grammar>")
        self.stack += (root.base or "",)
        try:
            included = self.components(root, root.get("ns", ns), root.get("datatypeLibrary", ""))
        finally:
            self.stack = self.stack[:-1]
        overrides = self.components(el, ns, dtl)
        if any(c.kind == "start" for c in overrides):
            if not any(c.kind == "start" for c in included):
                raise _fail(el, f"the included {root.base} has no start to override")
            included = [c for c in included if c.kind != "start"]
        for name in {c.attrs["name"] for c in overrides if c.kind == "define"}:
            if not any(c.kind == "define" and c.attrs["name"] == name for c in included):
                raise _fail(el, f"the included {root.base} has no define {name!r} to override")
            included = [c for c in included if c.attrs.get("name") != name or c.kind != "define"]
        return included + overrides


def _walk(node: _Node) -> Iterator[_Node]:
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(n.children)


# --------------------------------------------------------------------------
# Sections 4.17-4.18: one grammar, one define per name.


def _combine(parts: list[_Node], what: str) -> _Node:
    """4.17: the bodies of same-named components joined by their combine method."""
    if len(parts) == 1:
        return parts[0].children[0]
    methods = {p.attrs["combine"] for p in parts if p.attrs["combine"]}
    if sum(1 for p in parts if not p.attrs["combine"]) > 1:
        raise SpecializeError(f"{what} is defined more than once without combine")
    if len(methods) != 1 or methods - {"choice", "interleave"}:
        raise SpecializeError(f"{what}: combine must be one of choice, interleave throughout")
    return _Node(methods.pop(), [p.children[0] for p in parts])


class _Flattener:
    def __init__(self) -> None:
        self.defines: dict[str, _Node] = {}

    def _fresh(self, name: str) -> str:
        candidate, n = name, 1
        while candidate in self.defines:
            n += 1
            candidate = f"{name}.{n}"
        self.defines[candidate] = _EMPTY  # reserved; filled in below
        return candidate

    def grammar(self, components: list[_Node], parent: dict[str, str] | None) -> _Node:
        """Hoist a grammar's defines, renamed to be unique; return its start pattern."""
        starts = [c for c in components if c.kind == "start"]
        if not starts:
            raise SpecializeError("a <grammar> has no <start>")
        by_name: dict[str, list[_Node]] = {}
        for c in components:
            if c.kind == "define":
                by_name.setdefault(c.attrs["name"], []).append(c)
        # Names first, so that the top grammar keeps its own names.
        scope = {name: self._fresh(name) for name in by_name}
        for name, parts in by_name.items():
            body = _combine(parts, f"define {name!r}")
            self.defines[scope[name]] = self._resolve(body, scope, parent)
        return self._resolve(_combine(starts, "start"), scope, parent)

    def _resolve(self, node: _Node, scope: dict[str, str], parent: dict[str, str] | None):
        if node.kind == "ref":
            if node.attrs["name"] not in scope:
                raise SpecializeError(f"<ref name={node.attrs['name']!r}> has no define")
            return _Node("ref", name=scope[node.attrs["name"]])
        if node.kind == "parentRef":
            if parent is None or node.attrs["name"] not in parent:
                raise SpecializeError(f"<parentRef name={node.attrs['name']!r}> has no define")
            return _Node("ref", name=parent[node.attrs["name"]])
        if node.kind == "grammar":
            return self.grammar(node.children, scope)
        if node.kind in ("element", "attribute"):  # name classes hold no references
            return _Node(
                node.kind, [node.children[0], self._resolve(node.children[1], scope, parent)]
            )
        if not node.children:
            return node
        kids = [self._resolve(k, scope, parent) for k in node.children]
        new = _Node(node.kind, kids, node.text, node.nsmap, **node.attrs)
        new.implicit = node.implicit
        return new


def _refs(node: _Node, *, through_elements: bool = True) -> set[str]:
    found: set[str] = set()
    stack = [node]
    while stack:
        n = stack.pop()
        if n.kind == "ref":
            found.add(n.attrs["name"])
        elif n.kind != "element" or through_elements:
            stack.extend(n.children)
    return found


def _check_recursion(defines: dict[str, _Node]) -> None:
    """4.19: a reference may lead back to its own define only through an element."""
    direct = {name: _refs(body, through_elements=False) for name, body in defines.items()}
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    for top in defines:
        if top in state:
            continue
        stack: list[tuple[str, Iterator[str]]] = [(top, iter(direct[top]))]
        state[top] = 1
        while stack:
            name, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                state[name] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                raise SpecializeError(f"define {nxt!r} refers to itself outside any element")
            elif nxt not in state:
                state[nxt] = 1
                stack.append((nxt, iter(direct[nxt])))


# --------------------------------------------------------------------------
# Sections 4.19-4.21 for a set of element names.


def _matches(nc: _Node, ns: str, local: str) -> bool:
    """Section 6.1: does the name (ns, local) belong to the name class?"""
    kind = nc.kind
    if kind == "name":
        return nc.attrs["ns"] == ns and nc.text == local
    if kind == "choice":
        return any(_matches(c, ns, local) for c in nc.children)
    if kind == "nsName" and nc.attrs["ns"] != ns:
        return False
    # anyName, or nsName of the right namespace: unless excepted.
    return not (nc.children and _matches(nc.children[0].children[0], ns, local))


class _Simplifier:
    def __init__(self, names: frozenset[tuple[str, str]]) -> None:
        self.names = names
        self.status: dict[str, _Node] = {}  # define name -> _NOT_ALLOWED or _EMPTY
        self._match_cache: dict[int, bool] = {}

    def _can_match(self, nc: _Node) -> bool:
        key = id(nc)
        if key not in self._match_cache:
            if nc.kind == "name":
                hit = (nc.attrs["ns"], nc.text) in self.names
            else:
                hit = any(_matches(nc, ns, local) for ns, local in self.names)
            self._match_cache[key] = hit
        return self._match_cache[key]

    def simplify(self, node: _Node) -> _Node:
        kind = node.kind
        if kind == "ref":
            return self.status.get(node.attrs["name"], node)
        if kind in _LEAVES or kind == "value":
            return node
        if kind == "element" and not self._can_match(node.children[0]):
            return _NOT_ALLOWED
        if kind == "data":
            kids = []
            for k in node.children:
                if k.kind == "except":
                    inner = self.simplify(k.children[0])
                    if inner is _NOT_ALLOWED:  # 4.20: except nothing is no except
                        continue
                    k = k if inner is k.children[0] else _Node("except", [inner])
                kids.append(k)
            return self._rebuilt(node, kids)
        if kind in ("element", "attribute"):
            content = self.simplify(node.children[1])
            if content is _NOT_ALLOWED:
                return _NOT_ALLOWED
            return self._rebuilt(node, [node.children[0], content])
        kids = [self.simplify(k) for k in node.children]
        if kind in ("group", "interleave"):
            if any(k is _NOT_ALLOWED for k in kids):
                return _NOT_ALLOWED
            kids = [k for k in kids if k is not _EMPTY]
            if not kids:
                return _EMPTY
            return kids[0] if len(kids) == 1 else self._rebuilt(node, kids)
        if kind == "choice":
            kept: list[_Node] = []
            for k in kids:
                if k is _NOT_ALLOWED or (k is _EMPTY and _EMPTY in kept):
                    continue
                kept.append(k)
            if not kept:
                return _NOT_ALLOWED
            return kept[0] if len(kept) == 1 else self._rebuilt(node, kept)
        (kid,) = kids
        if kind in ("optional", "zeroOrMore"):
            return _EMPTY if kid is _NOT_ALLOWED or kid is _EMPTY else self._rebuilt(node, kids)
        if kind == "oneOrMore":
            return kid if kid is _NOT_ALLOWED or kid is _EMPTY else self._rebuilt(node, kids)
        if kind == "list":
            return _NOT_ALLOWED if kid is _NOT_ALLOWED else self._rebuilt(node, kids)
        raise AssertionError(f"unexpected pattern {kind}")

    @staticmethod
    def _rebuilt(node: _Node, kids: list[_Node]) -> _Node:
        if len(kids) == len(node.children) and all(
            a is b for a, b in zip(kids, node.children, strict=True)
        ):
            return node  # unchanged: share it
        new = _Node(node.kind, kids, node.text, node.nsmap, **node.attrs)
        new.implicit = node.implicit
        return new

    def run(self, start: _Node, defines: dict[str, _Node]) -> tuple[_Node, dict[str, _Node]]:
        """Mark defines notAllowed/empty until nothing changes, then simplify all."""
        users: dict[str, set[str]] = {name: set() for name in defines}
        for name, body in defines.items():
            for target in _refs(body):
                users[target].add(name)
        # A define is marked only when its body simplifies to notAllowed or empty
        # with what is already marked: the greatest fixpoint, safe for recursion.
        pending = list(defines)
        queued = set(pending)
        while pending:
            name = pending.pop()
            queued.discard(name)
            if name in self.status:
                continue
            body = self.simplify(defines[name])
            if body is _NOT_ALLOWED or body is _EMPTY:
                self.status[name] = body
                for user in users[name] - queued:
                    if user not in self.status:
                        pending.append(user)
                        queued.add(user)
        new_start = self.simplify(start)
        if new_start is _NOT_ALLOWED:
            new_start = _unmatchable_roots(start, defines)
        out: dict[str, _Node] = {}
        todo = list(_refs(new_start))
        while todo:  # only what the start can reach
            name = todo.pop()
            if name not in out:
                out[name] = self.simplify(defines[name])
                todo.extend(_refs(out[name]) - out.keys())
        return new_start, {name: out[name] for name in defines if name in out}


def _unmatchable_roots(start: _Node, defines: dict[str, _Node]) -> _Node:
    """The root element patterns, each with ``notAllowed`` content.

    When nothing with the given names is valid, the start is ``notAllowed``, and
    libxml2 then rejects a document without logging any error. This start
    rejects the same documents, and libxml2 names the root element in its error.
    """
    roots: list[_Node] = []
    seen: set[str] = set()
    stack = [start]
    while stack:
        node = stack.pop()
        if node.kind == "element":
            roots.append(_Node("element", [node.children[0], _NOT_ALLOWED]))
        elif node.kind == "ref":
            if node.attrs["name"] not in seen:
                seen.add(node.attrs["name"])
                stack.append(defines[node.attrs["name"]])
        else:
            stack.extend(reversed(node.children))
    if not roots:
        return _NOT_ALLOWED
    return roots[0] if len(roots) == 1 else _Node("choice", roots)


# --------------------------------------------------------------------------
# Back to XML.


def _to_xml(node: _Node, parent: etree._Element) -> None:
    kind = node.kind
    if node.implicit and _local(parent) in _SPLICE_INTO:
        for child in node.children:
            _to_xml(child, parent)
        return
    if kind in ("element", "attribute"):
        nc, content = node.children
        el = etree.SubElement(parent, _R + kind)
        if nc.kind == "name":  # the compact form of 4.8, with an explicit ns
            el.set("name", nc.text or "")
            el.set("ns", nc.attrs["ns"])
        else:
            _to_xml(nc, el)
        _to_xml(content, el)
        return
    if kind == "value":
        el = etree.SubElement(parent, _R + kind, nsmap=node.nsmap)
    else:
        el = etree.SubElement(parent, _R + kind)
    for key, value in node.attrs.items():
        if value or key in ("ns", "datatypeLibrary"):
            el.set(key, value)
    el.text = node.text
    for child in node.children:
        _to_xml(child, el)


def _serialize(start: _Node, defines: dict[str, _Node]) -> etree._ElementTree:
    root = etree.Element(_R + "grammar", nsmap={None: RNG_NS})
    _to_xml(start, etree.SubElement(root, _R + "start"))
    for name, body in defines.items():
        _to_xml(body, etree.SubElement(root, _R + "define", name=name))
    return etree.ElementTree(root)


# --------------------------------------------------------------------------
# Public API.


class Specializer:
    """A grammar read and simplified once, to be specialised for many name sets."""

    def __init__(self, grammar: etree._ElementTree | Path | str) -> None:
        if isinstance(grammar, (Path, str)):
            parser = etree.XMLParser(resolve_entities=False, no_network=True)
            try:
                grammar = etree.parse(str(grammar), parser)
            except (OSError, etree.XMLSyntaxError) as exc:
                raise SpecializeError(f"{grammar}: cannot read RELAX NG schema: {exc}") from exc
        root = grammar.getroot()
        if not isinstance(root.tag, str) or not root.tag.startswith(_R):
            raise SpecializeError("not a RELAX NG schema (XML syntax)")
        reader = _Reader()
        reader.stack = (root.base or "",)
        top = reader.pattern(root, None, "")
        flattener = _Flattener()
        if top.kind == "grammar":
            self.start = flattener.grammar(top.children, None)
        else:  # 4.18: a bare pattern is the start of a grammar
            self.start = flattener._resolve(top, {}, None)
        self.defines = flattener.defines
        _check_recursion(self.defines)

    def specialize(self, element_names: Iterable[tuple[str, str]]) -> etree._ElementTree:
        """The grammar for documents whose elements all have one of these names."""
        simplifier = _Simplifier(frozenset(element_names))
        start, defines = simplifier.run(self.start, self.defines)
        return _serialize(start, defines)


def specialize(
    grammar: etree._ElementTree | Path | str, element_names: set[tuple[str, str]]
) -> etree._ElementTree:
    """Specialise ``grammar`` to documents using only these (namespace, local name) pairs.

    The result accepts such a document if and only if ``grammar`` does. Use
    :class:`Specializer` to specialise one grammar for several name sets.
    """
    return Specializer(grammar).specialize(element_names)


def element_names(tree: etree._ElementTree | etree._Element) -> set[tuple[str, str]]:
    """The (namespace, local name) of every element; no namespace is ``""``."""
    root = tree.getroot() if isinstance(tree, etree._ElementTree) else tree
    # Distinct tags first: splitting each element's tag would cost more than validating.
    names = set()
    for tag in {el.tag for el in root.iter(etree.Element)}:
        ns, brace, local = tag[1:].partition("}") if tag[0] == "{" else ("", "", tag)
        names.add((ns, local) if brace else ("", tag))
    return names


def cache_key(schema: bytes, names: Iterable[tuple[str, str]]) -> str:
    """A hex digest naming the specialisation of ``schema`` to ``names``.

    ``schema`` must be every byte the grammar depends on: for a schema that
    includes others, pass their contents too (concatenated in a fixed order).
    """
    digest = hashlib.sha256()
    digest.update(f"teikit-specialize/{ALGORITHM_VERSION}\n".encode())
    digest.update(hashlib.sha256(schema).digest())
    for ns, local in sorted(set(names)):
        digest.update(f"{ns}\x00{local}\x01".encode())
    return digest.hexdigest()


def specialize_cached(schema_path: Path, names: Iterable[tuple[str, str]], cache_dir: Path) -> Path:
    """The specialised schema's file in ``cache_dir``, written there on first use.

    The file is written under a temporary name and renamed, so concurrent
    processes never see half a schema. Only for self-contained schemas (no
    include or externalRef): the key covers the bytes of ``schema_path`` alone.
    """
    names = frozenset(names)
    key = cache_key(schema_path.read_bytes(), names)
    target = cache_dir / f"{key}.rng"
    if target.is_file():
        return target
    tree = specialize(schema_path, set(names))
    cache_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=cache_dir, prefix=f".{key}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            tree.write(out, xml_declaration=True, encoding="utf-8")
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
