"""The one RELAX NG front end: read a schema in the XML syntax, check that it is
correct, and simplify it.

Every use of a RELAX NG grammar in teikit starts here (the validating and
explaining engine in :mod:`teikit.validate.relaxng`, the vocabulary lists of
:mod:`teikit.schema_cache`): :func:`read_schema` returns a
:class:`SimpleGrammar`, the simple syntax of the specification (OASIS RELAX NG,
3 December 2001, section 4): one start pattern and one define per element
pattern, names explicit, every ``ref`` naming an element define.

On the way the schema is checked as the specification requires, so that an
incorrect schema is never used: the syntax of section 3 (which elements,
attributes and children each element may have), the constraints of section 4
(includes and overrides, ``combine``, references, recursion that does not pass
through an element, name classes, ``xmlns`` attributes), the restrictions of
section 7 (prohibited paths, string sequences, duplicate and infinite
attributes, interleave), and the datatypes: a datatype must exist, its
parameters must apply to it and be valid, and a ``value`` must be a value of
its type. The first problem raises :class:`IncorrectSchema`, located at the
schema element, as ``file:line:col``.

Nothing here recurses over the chain of references, so a grammar of thousands
of defines referring to each other is read like any other.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import urllib.parse
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple, TypeVar

from lxml import etree

from teikit import sandbox
from teikit.errors import IncorrectSchema, SchemaError
from teikit.validate import datatypes

__all__ = [
    "IncorrectSchema",
    "Pattern",
    "SimpleGrammar",
    "fold",
    "nc_contains",
    "nc_names",
    "read_schema",
    "vocabulary",
]

RNG_NS = "http://relaxng.org/ns/structure/1.0"
XML_NS = "http://www.w3.org/XML/1998/namespace"
XMLNS_NS = "http://www.w3.org/2000/xmlns"
_R = f"{{{RNG_NS}}}"

# ("name", ns, local) | ("any", except or None) | ("ns", ns, except or None) | ("or", a, b)
NameClass = tuple
T = TypeVar("T")

# Section 3: the unqualified attributes each element may carry, besides ns and datatypeLibrary.
_ATTRIBUTES: dict[str, frozenset[str]] = {
    "element": frozenset({"name"}),
    "attribute": frozenset({"name"}),
    "ref": frozenset({"name"}),
    "parentRef": frozenset({"name"}),
    "define": frozenset({"name", "combine"}),
    "start": frozenset({"combine"}),
    "value": frozenset({"type"}),
    "data": frozenset({"type"}),
    "param": frozenset({"name"}),
    "externalRef": frozenset({"href"}),
    "include": frozenset({"href"}),
}
_PATTERNS = frozenset(
    {
        "element", "attribute", "group", "interleave", "choice", "optional", "zeroOrMore",
        "oneOrMore", "list", "mixed", "ref", "parentRef", "empty", "text", "value", "data",
        "notAllowed", "externalRef", "grammar",
    }
)  # fmt: skip
_NAME_CLASSES = frozenset({"name", "anyName", "nsName", "choice"})
_TEXT_ELEMENTS = frozenset({"value", "param", "name"})  # the elements that hold text


class Pattern:
    """One node of a simplified grammar.

    ``kind`` is one of ``empty notAllowed text choice group interleave oneOrMore
    list data value attribute element ref``. ``kids`` are the sub-patterns
    (two or more for choice, group and interleave; the content for element,
    attribute, oneOrMore and list; the except pattern, if any, for data).
    ``nc`` is the name class of an element or attribute, ``name`` the define a
    ref points to. Data and value patterns carry their datatype as ``lib``,
    ``type`` and ``params``; a value also ``text`` and, for types read with the
    namespaces in scope (QName, NOTATION), the schema's ``context`` with the
    value's ``ns`` as default namespace. ``where`` is (file, line, element
    index) of the schema element it came from, for messages.
    """

    __slots__ = ("context", "kids", "kind", "lib", "name", "nc", "params", "text", "type", "where")

    def __init__(self, kind: str, kids: Iterable[Pattern] = (), where: tuple = ("", 0, -1)):
        self.kind = kind
        self.kids: tuple[Pattern, ...] = tuple(kids)
        self.where = where
        self.nc: NameClass | None = None
        self.name = ""
        self.lib = self.type = self.text = ""
        self.params: tuple[tuple[str, str], ...] = ()
        self.context: dict[str, str] | None = None

    def __repr__(self) -> str:  # for debugging and test failures
        label = self.name or (self.nc and str(self.nc)) or self.type or ""
        inner = " ".join(repr(k) for k in self.kids)
        return f"<{self.kind} {label}{' ' if inner else ''}{inner}>"


_EMPTY = Pattern("empty")
_NOT_ALLOWED = Pattern("notAllowed")
_TEXT = Pattern("text")


class SimpleGrammar:
    """A correct RELAX NG grammar in the simple syntax.

    ``defines`` maps each define name to its element pattern; ``start`` refers
    to them through ``ref`` patterns. ``files`` are every schema file read, and
    ``digest`` the sha256 of their bytes (a cache key).
    """

    def __init__(self, start: Pattern, defines: dict[str, Pattern], files: list[Path], digest: str):
        self.start = start
        self.defines = defines
        self.files = files
        self.digest = digest

    def elements(self) -> Iterator[tuple[str, Pattern]]:
        yield from self.defines.items()


# --------------------------------------------------------------------------
# Locations


class _Source:
    """One schema file as read: its tree, and each element's index in document
    order (for the column of a message, computed only when there is one)."""

    def __init__(self, path: Path, root: etree._Element, sha256: str) -> None:
        self.path = path
        self.root = root
        self.sha256 = sha256  # of the bytes parsed
        self.index = {el: n for n, el in enumerate(root.iter(etree.Element))}


def start_tag_column(path: str, index: int) -> int:
    """The column of the ``index``-th start tag of the file (0 if unknown)."""
    if index < 0:
        return 0
    from teikit.validate.relaxng import start_tag_offsets

    try:
        text = Path(path).read_bytes().decode("utf-8", "replace")
    except OSError:
        return 0
    offsets = start_tag_offsets(text)
    if index >= len(offsets):
        return 0
    offset = offsets[index]
    return offset - (text.rfind("\n", 0, offset) + 1) + 1


def _error(message: str, where: tuple) -> IncorrectSchema:
    file, line, index = where
    return IncorrectSchema(message, file, line, start_tag_column(file, index) if file else 0)


# --------------------------------------------------------------------------
# Sections 3 and 4.1-4.16: from XML to the full syntax as nodes.


class _Node:
    """A schema element after 4.1-4.16, before grammars are flattened."""

    __slots__ = ("attrs", "kids", "kind", "nc", "pattern", "where")

    def __init__(self, kind: str, where: tuple, kids: list | None = None, **attrs: object):
        self.kind = kind
        self.where = where
        self.kids: list = kids or []
        self.attrs = attrs
        self.nc: NameClass | None = None
        self.pattern: Pattern | None = None  # for leaves already final (data, value …)


def _local(el: etree._Element) -> str:
    tag = el.tag
    return tag[len(_R) :] if isinstance(tag, str) and tag.startswith(_R) else ""


class _Reader:
    def __init__(self, roots: tuple[Path, ...] | None = None) -> None:
        self.sources: list[_Source] = []
        self.loading: list[str] = []  # URLs being read: include/externalRef recursion
        # For an untrusted grammar, where what it includes may lie (None: anywhere).
        self.roots = roots

    # -- files

    def load(
        self, url: str, where: tuple, el: etree._Element | None = None
    ) -> tuple[etree._Element, _Source]:
        if url in self.loading:
            raise _error(f"{url} refers to itself (recursive include or externalRef)", where)
        path = Path(urllib.parse.unquote(urllib.parse.urlsplit(url).path))
        if el is not None and self.roots is not None and not sandbox.within(path, self.roots):
            file, line, index = where
            located = (file, line, start_tag_column(file, index))
            top = self.sources[0].path
            raise sandbox.refused_read(f"<{_local(el)}> href", el.get("href", ""), located, top)
        parser = etree.XMLParser(
            no_network=True, resolve_entities=False, load_dtd=False, remove_comments=True,
            remove_pis=True,
        )  # fmt: skip
        try:
            data = path.read_bytes()
            root = etree.fromstring(data, parser, base_url=path.as_uri())
        except (OSError, etree.XMLSyntaxError) as exc:
            if where[0]:
                raise _error(f"cannot read {path}: {exc}", where) from None
            raise IncorrectSchema(f"{path}: cannot read RELAX NG schema: {exc}") from None
        source = _Source(path, root, hashlib.sha256(data).hexdigest())
        self.sources.append(source)
        return root, source

    def where(self, el: etree._Element, source: _Source) -> tuple:
        return (str(source.path), el.sourceline or 0, source.index.get(el, -1))

    def resolve(self, el: etree._Element, source: _Source) -> str:
        """4.5: the absolute URL of an href."""
        where = self.where(el, source)
        href = self.attribute(el, "href", source)
        if "#" in href:
            raise _error(f'href "{href}" must not have a fragment identifier', where)
        escaped = urllib.parse.quote(href, safe="/:@!$&'()*+,;=?%~-._")
        url = urllib.parse.urljoin(el.base or source.path.as_uri(), escaped)
        scheme = urllib.parse.urlsplit(url).scheme.lower()
        if scheme not in ("", "file"):
            raise _error(f"{url}: only local files can be referenced (no network)", where)
        return url

    # -- syntax

    def attribute(self, el: etree._Element, name: str, source: _Source) -> str:
        value = el.get(name)
        if value is None:
            raise _error(f"<{_local(el)}> needs a {name} attribute", self.where(el, source))
        return value.strip(" \t\r\n")  # 4.2

    def check_attributes(self, el: etree._Element, kind: str, source: _Source) -> None:
        allowed = _ATTRIBUTES.get(kind, frozenset())
        for name, value in el.attrib.items():
            if name.startswith("{"):
                if name.startswith(_R) or name.startswith("{}"):
                    raise _error(
                        f'attribute "{name}" not allowed on <{kind}>', self.where(el, source)
                    )
                continue  # foreign attribute: an annotation (4.1)
            if name == "ns" or name in allowed:
                continue
            if name == "datatypeLibrary":
                self.check_library(value, el, source)
                continue
            raise _error(f'attribute "{name}" not allowed on <{kind}>', self.where(el, source))

    def check_library(self, value: str, el: etree._Element, source: _Source) -> None:
        """A datatypeLibrary is empty or an absolute URI without a fragment."""
        if not value:
            return
        where = self.where(el, source)
        if "#" in value or not datatypes.is_absolute_uri(value):
            raise _error(
                f'datatypeLibrary "{value}" must be an absolute URI without a fragment', where
            )

    def kids(self, el: etree._Element, kind: str, source: _Source) -> list[etree._Element]:
        """The RELAX NG children; foreign elements are annotations (4.1), and text
        other than whitespace is an error outside value, param and name (4.2)."""
        found = []
        if el.text and el.text.strip(" \t\r\n") and kind not in _TEXT_ELEMENTS:
            raise _error(f"text not allowed in <{kind}>", self.where(el, source))
        for child in el:
            if isinstance(child.tag, str):
                if kind in _TEXT_ELEMENTS:
                    raise _error(f"<{kind}> holds text only", self.where(child, source))
                if child.tag.startswith(_R):
                    found.append(child)
            if child.tail and child.tail.strip(" \t\r\n") and kind not in _TEXT_ELEMENTS:
                raise _error(f"text not allowed in <{kind}>", self.where(el, source))
        return found

    def start(self, url: str) -> _Node:
        root, source = self.load(url, ("", 0, -1))
        self.loading.append(url)
        try:
            return self.pattern(root, source, "", "")
        finally:
            self.loading.pop()

    def enter(
        self, el: etree._Element, source: _Source, allowed: frozenset[str], what: str
    ) -> tuple[str, tuple, list[etree._Element]]:
        """An element that must be one of ``allowed``: its kind, place and
        RELAX NG children, its attributes checked."""
        kind = _local(el)
        where = self.where(el, source)
        if kind not in allowed:
            shown = f"<{kind}>" if kind else f"element {el.tag!r}"
            raise _error(f"{shown} is not {what}", where)
        self.check_attributes(el, kind, source)
        return kind, where, self.kids(el, kind, source)

    def pattern(self, el: etree._Element, source: _Source, ns: str, dtl: str) -> _Node:
        kind, where, kids = self.enter(el, source, _PATTERNS, "a RELAX NG pattern")
        ns = el.get("ns", ns)
        dtl = el.get("datatypeLibrary", dtl)
        if kind in ("element", "attribute"):
            return self.element_or_attribute(el, kind, kids, source, ns, dtl, where)
        if kind == "grammar":
            node = _Node("grammar", where)
            node.kids = self.components(el, kids, source, ns, dtl, in_include=False)
            return node
        if kind in ("empty", "text", "notAllowed"):
            if kids:
                raise _error(f"<{kind}> must be empty", where)
            return _Node(kind, where)
        if kind in ("ref", "parentRef"):
            if kids:
                raise _error(f"<{kind}> must be empty", where)
            name = self.attribute(el, "name", source)
            if not datatypes.is_ncname(name):
                raise _error(f'"{name}" is not a valid define name', where)
            return _Node(kind, where, name=name)
        if kind == "value":
            return self.value(el, source, ns, dtl, where)
        if kind == "data":
            return self.data(el, kids, source, ns, dtl, where)
        if kind == "externalRef":  # 4.6: the referenced pattern, inheriting ns
            if kids:
                raise _error("<externalRef> must be empty", where)
            url = self.resolve(el, source)
            root, inner = self.load(url, where, el)
            self.loading.append(url)
            try:
                return self.pattern(root, inner, root.get("ns", ns), "")
            finally:
                self.loading.pop()
        if not kids:
            raise _error(f"<{kind}> needs at least one pattern", where)
        patterns = [self.pattern(k, source, ns, dtl) for k in kids]
        if kind == "mixed":  # 4.13
            return _Node("interleave", where, [_grouped(patterns, where), _Node("text", where)])
        if kind == "optional":  # 4.14
            return _Node("choice", where, [_grouped(patterns, where), _Node("empty", where)])
        if kind == "zeroOrMore":  # 4.15
            more = _Node("oneOrMore", where, [_grouped(patterns, where)])
            return _Node("choice", where, [more, _Node("empty", where)])
        if kind in ("oneOrMore", "list"):
            return _Node(kind, where, [_grouped(patterns, where)])
        return patterns[0] if len(patterns) == 1 else _Node(kind, where, patterns)  # 4.12

    def element_or_attribute(
        self, el, kind: str, kids: list, source: _Source, ns: str, dtl: str, where: tuple
    ) -> _Node:
        name = el.get("name")
        if name is not None:
            # 4.8: an attribute's unprefixed name is in no namespace unless ns is on it.
            name_ns = el.get("ns", "") if kind == "attribute" else ns
            nc = self.qname(el, name.strip(" \t\r\n"), name_ns, source)
        else:
            if not kids:
                raise _error(f"<{kind}> needs a name", where)
            nc = self.name_class(kids.pop(0), source, ns)
        if kind == "attribute":
            if len(kids) > 1:
                raise _error("<attribute> takes at most one pattern", where)
            _check_attribute_name(nc, where)
            content = self.pattern(kids[0], source, ns, dtl) if kids else _Node("text", where)
            node = _Node("attribute", where, [content])
        else:
            if not kids:
                raise _error("<element> needs a pattern", where)
            patterns = [self.pattern(k, source, ns, dtl) for k in kids]
            node = _Node("element", where, [_grouped(patterns, where)])
        node.nc = nc
        return node

    def value(self, el, source: _Source, ns: str, dtl: str, where: tuple) -> _Node:
        for child in el:
            if isinstance(child.tag, str):
                raise _error("<value> holds text only", self.where(child, source))
        text = el.text or ""
        if el.get("type") is None:  # 4.4
            lib, typ = "", "token"
        else:
            lib, typ = dtl, self.attribute(el, "type", source)
            if not datatypes.is_ncname(typ):
                raise _error(f'"{typ}" is not a valid datatype name', where)
        pattern = Pattern("value", where=where)
        pattern.lib, pattern.type, pattern.text = lib, typ, text
        try:
            datatype = datatypes.datatype(lib, typ, ())
        except SchemaError as exc:
            raise _error(exc.message, where) from None
        if datatype.needs_context:
            context = {k or "": v for k, v in el.nsmap.items()}
            context[""] = ns  # the value's ns is its default namespace
            context["xml"] = XML_NS
            pattern.context = context
        if not datatype.allows(text, pattern.context):
            raise _error(f'"{text}" is not a valid value of datatype {typ}', where)
        node = _Node("value", where)
        node.pattern = pattern
        return node

    def data(self, el, kids: list, source: _Source, ns: str, dtl: str, where: tuple) -> _Node:
        typ = self.attribute(el, "type", source)
        if not datatypes.is_ncname(typ):
            raise _error(f'"{typ}" is not a valid datatype name', where)
        params = []
        except_: _Node | None = None
        for n, kid in enumerate(kids):
            kind = _local(kid)
            kwhere = self.where(kid, source)
            if kind == "param" and except_ is None:
                self.check_attributes(kid, "param", source)
                self.kids(kid, "param", source)
                for child in kid:
                    if isinstance(child.tag, str):
                        raise _error("<param> holds text only", self.where(child, source))
                params.append((self.attribute(kid, "name", source), kid.text or ""))
            elif kind == "except" and n == len(kids) - 1:
                self.check_attributes(kid, "except", source)
                inner = self.kids(kid, "except", source)
                if not inner:
                    raise _error("<except> needs a pattern", kwhere)
                kns, kdtl = kid.get("ns", ns), kid.get("datatypeLibrary", dtl)
                patterns = [self.pattern(k, source, kns, kdtl) for k in inner]
                except_ = patterns[0] if len(patterns) == 1 else _Node("choice", kwhere, patterns)
            else:
                raise _error(f"<{kind}> not allowed in <data> here", kwhere)
        try:
            datatypes.datatype(dtl, typ, tuple(params))
        except SchemaError as exc:
            raise _error(exc.message, where) from None
        pattern = Pattern("data", where=where)
        pattern.lib, pattern.type, pattern.params = dtl, typ, tuple(params)
        node = _Node("data", where, [except_] if except_ is not None else [])
        node.pattern = pattern
        return node

    # -- name classes

    def qname(self, el, qname: str, ns: str, source: _Source) -> NameClass:
        """4.10: a prefixed name takes its namespace from the schema's declarations."""
        if not all(datatypes.is_ncname(part) for part in qname.split(":", 1)):
            raise _error(f'"{qname}" is not a valid name', self.where(el, source))
        if ":" in qname:
            prefix, local = qname.split(":", 1)
            uri = XML_NS if prefix == "xml" else el.nsmap.get(prefix)
            if uri is None:
                raise _error(f'undeclared prefix in "{qname}"', self.where(el, source))
            return ("name", uri, local)
        return ("name", ns, qname)

    def name_class(self, el, source: _Source, ns: str, in_except: str = "") -> NameClass:
        kind, where, kids = self.enter(el, source, _NAME_CLASSES, "a name class")
        ns = el.get("ns", ns)
        if kind == "name":
            if kids:
                raise _error("<name> holds a name, not elements", where)
            return self.qname(el, (el.text or "").strip(" \t\r\n"), ns, source)
        if kind == "choice":
            if not kids:
                raise _error("<choice> needs a name class", where)
            result = self.name_class(kids[0], source, ns, in_except)
            for kid in kids[1:]:
                result = ("or", result, self.name_class(kid, source, ns, in_except))
            return result
        # 4.16: what an except may not contain.
        if in_except == "anyName" and kind == "anyName":
            raise _error("<anyName> inside the <except> of <anyName>", where)
        if in_except == "nsName" and kind in ("anyName", "nsName"):
            raise _error(f"<{kind}> inside the <except> of <nsName>", where)
        exc = None
        if kids:
            if len(kids) > 1 or _local(kids[0]) != "except":
                raise _error(f"<{kind}> may hold only one <except>", where)
            self.check_attributes(kids[0], "except", source)
            inner = self.kids(kids[0], "except", source)
            if not inner:
                raise _error("<except> needs a name class", self.where(kids[0], source))
            ens = kids[0].get("ns", ns)
            exc = self.name_class(inner[0], source, ens, kind)
            for kid in inner[1:]:
                exc = ("or", exc, self.name_class(kid, source, ens, kind))
        return ("any", exc) if kind == "anyName" else ("ns", ns, exc)

    # -- grammars

    def components(
        self, el, kids: list, source: _Source, ns: str, dtl: str, *, in_include: bool
    ) -> list[_Node]:
        """start and define children of a grammar, with div and include flattened."""
        out: list[_Node] = []
        for kid in kids:
            kind = _local(kid)
            where = self.where(kid, source)
            kns = kid.get("ns", ns)
            kdtl = kid.get("datatypeLibrary", dtl)
            if kind in ("start", "define"):
                self.check_attributes(kid, kind, source)
                combine = kid.get("combine")
                if combine is not None:
                    combine = combine.strip(" \t\r\n")
                    if combine not in ("choice", "interleave"):
                        raise _error(f'combine="{combine}": must be choice or interleave', where)
                inner = self.kids(kid, kind, source)
                if not inner:
                    raise _error(f"<{kind}> needs a pattern", where)
                if kind == "start" and len(inner) > 1:
                    raise _error("<start> takes one pattern", where)
                patterns = [self.pattern(k, source, kns, kdtl) for k in inner]
                node = _Node(kind, where, [_grouped(patterns, where)], combine=combine)
                if kind == "define":
                    name = self.attribute(kid, "name", source)
                    if not datatypes.is_ncname(name):
                        raise _error(f'"{name}" is not a valid define name', where)
                    node.attrs["name"] = name
                out.append(node)
            elif kind == "div":  # 4.11
                self.check_attributes(kid, "div", source)
                inner = self.kids(kid, "div", source)
                out += self.components(kid, inner, source, kns, kdtl, in_include=in_include)
            elif kind == "include" and not in_include:  # 4.7
                self.check_attributes(kid, "include", source)
                out += self.include(kid, source, kns, kdtl, where)
            else:
                what = f"<{kind}>" if kind else f"element {kid.tag!r}"
                place = "<include>" if in_include else "<grammar>"
                raise _error(f"{what} not allowed in {place}", where)
        return out

    def include(self, el, source: _Source, ns: str, dtl: str, where: tuple) -> list[_Node]:
        url = self.resolve(el, source)
        root, inner = self.load(url, where, el)
        if _local(root) != "grammar":
            raise _error(f"{inner.path} is not a <grammar>, so it cannot be included", where)
        self.check_attributes(root, "grammar", inner)
        self.loading.append(url)
        try:
            included = self.components(
                root,
                self.kids(root, "grammar", inner),
                inner,
                root.get("ns", ns),  # 4.7: the include's ns is inherited
                root.get("datatypeLibrary", ""),
                in_include=False,
            )
        finally:
            self.loading.pop()
        overrides = self.components(
            el, self.kids(el, "include", source), source, ns, dtl, in_include=True
        )
        if any(c.kind == "start" for c in overrides):
            if not any(c.kind == "start" for c in included):
                raise _error(f"{inner.path} has no start for this include to replace", where)
            included = [c for c in included if c.kind != "start"]
        for name in {c.attrs["name"] for c in overrides if c.kind == "define"}:
            if not any(c.kind == "define" and c.attrs["name"] == name for c in included):
                raise _error(
                    f'{inner.path} has no define "{name}" for this include to replace', where
                )
            included = [c for c in included if not (c.kind == "define" and c.attrs["name"] == name)]
        return included + overrides


def _grouped(nodes: list[_Node], where: tuple) -> _Node:
    """4.12: several patterns where one is expected form a group."""
    return nodes[0] if len(nodes) == 1 else _Node("group", where, nodes)


def _names_in(nc: NameClass) -> Iterator[NameClass]:
    stack = [nc]
    while stack:
        n = stack.pop()
        yield n
        if n[0] == "or":
            stack += [n[1], n[2]]
        elif n[0] == "any" and n[1] is not None:
            stack.append(n[1])
        elif n[0] == "ns" and n[2] is not None:
            stack.append(n[2])


def _check_attribute_name(nc: NameClass, where: tuple) -> None:
    """4.16: no attribute named xmlns, nor in the xmlns namespace."""
    for part in _names_in(nc):
        if part[0] == "name" and (part[1:] == ("", "xmlns") or part[1] == XMLNS_NS):
            raise _error("an attribute cannot be named xmlns or be in the xmlns namespace", where)
        if part[0] == "ns" and part[1] == XMLNS_NS:
            raise _error("an attribute name class cannot include the xmlns namespace", where)


# --------------------------------------------------------------------------
# Sections 4.17-4.19: one grammar, defines for elements only.


class _Flattener:
    """Gives every define a unique name, combines same-named components (4.17)
    and hoists nested grammars (4.18)."""

    def __init__(self) -> None:
        self.bodies: dict[str, _Node] = {}

    def fresh(self, name: str) -> str:
        candidate, n = name, 1
        while candidate in self.bodies:
            n += 1
            candidate = f"{name}.{n}"
        self.bodies[candidate] = _Node("empty", ("", 0, -1))  # reserved
        return candidate

    def grammar(self, node: _Node, parent: dict[str, str] | None) -> _Node:
        starts = [c for c in node.kids if c.kind == "start"]
        if not starts:
            raise _error("<grammar> has no <start>", node.where)
        by_name: dict[str, list[_Node]] = {}
        for c in node.kids:
            if c.kind == "define":
                by_name.setdefault(c.attrs["name"], []).append(c)
        scope = {name: self.fresh(name) for name in by_name}
        for name, parts in by_name.items():
            self.bodies[scope[name]] = self.resolve(
                _combine(parts, f'define "{name}"'), scope, parent
            )
        return self.resolve(_combine(starts, "start"), scope, parent)

    def resolve(self, node: _Node, scope: dict[str, str], parent: dict[str, str] | None) -> _Node:
        kind = node.kind
        if kind in ("ref", "parentRef"):
            names = scope if kind == "ref" else parent
            name = node.attrs["name"]
            if names is None:
                raise _error(f'<parentRef name="{name}"> outside a nested grammar', node.where)
            if name not in names:
                raise _error(f'<{kind} name="{name}"> refers to no define', node.where)
            return _Node("ref", node.where, name=names[name])
        if kind == "grammar":
            return self.grammar(node, scope)
        if not node.kids:
            return node
        new = _Node(kind, node.where, [self.resolve(k, scope, parent) for k in node.kids])
        new.nc, new.pattern = node.nc, node.pattern
        return new


def _combine(parts: list[_Node], what: str) -> _Node:
    """4.17: the bodies of same-named components joined by their combine method."""
    if len(parts) == 1:
        return parts[0].kids[0]
    plain = [p for p in parts if p.attrs.get("combine") is None]
    if len(plain) > 1:
        raise _error(f"{what} is given more than once without combine", plain[1].where)
    methods = {p.attrs["combine"] for p in parts if p.attrs.get("combine") is not None}
    if len(methods) > 1:
        raise _error(f"{what} is combined with both choice and interleave", parts[-1].where)
    return _Node(methods.pop(), parts[0].where, [p.kids[0] for p in parts])


def _build(start: _Node, bodies: dict[str, _Node]) -> tuple[Pattern, dict[str, Pattern]]:
    """4.19: every element pattern becomes a define of its own; references to
    other defines are replaced by their bodies; a reference cycle that does not
    pass through an element is an error. Then 4.20-4.21."""
    element_defines: dict[str, Pattern] = {}
    element_of: dict[int, str] = {}  # id(_Node element) -> its define name
    used = set(bodies)

    def element_name(node: _Node) -> str:
        key = id(node)
        if key not in element_of:
            base = node.nc[2] if node.nc and node.nc[0] == "name" else "element"
            name, n = base, 1
            while name in used:
                n += 1
                name = f"{base}.{n}"
            used.add(name)
            element_of[key] = name
        return element_of[key]

    # Non-element defines, expanded in dependency order without recursion over
    # the reference chain: a define's body is built once all the defines it
    # refers to (outside elements) are built.
    expanded: dict[str, Pattern] = {}
    state: dict[str, int] = {}  # 1 = being expanded, 2 = done
    pending_elements: list[tuple[_Node, str]] = []

    def direct_refs(node: _Node) -> list[_Node]:
        found, stack = [], [node]
        while stack:
            n = stack.pop()
            if n.kind == "ref":
                found.append(n)
            elif n.kind != "element":
                stack.extend(n.kids)
        return found

    def expand_define(name: str) -> Pattern:
        if state.get(name) == 2:
            return expanded[name]
        stack = [(name, iter(direct_refs(bodies[name])))]
        state[name] = 1
        while stack:
            current, refs = stack[-1]
            nxt = next(refs, None)
            if nxt is None:
                expanded[current] = convert(bodies[current])
                state[current] = 2
                stack.pop()
                continue
            target = nxt.attrs["name"]
            if state.get(target) == 1:
                raise _error(
                    f'define "{target}" refers to itself without an element in between', nxt.where
                )
            if state.get(target) is None:
                state[target] = 1
                stack.append((target, iter(direct_refs(bodies[target]))))
        return expanded[name]

    def convert(node: _Node) -> Pattern:
        """A _Node (with its refs' defines already expanded) as a Pattern."""
        kind = node.kind
        if kind == "ref":
            return expanded[node.attrs["name"]]
        if kind == "element":
            name = element_name(node)
            if name not in element_defines:
                element_defines[name] = Pattern("element", where=node.where)  # filled later
                pending_elements.append((node, name))
            ref = Pattern("ref", where=node.where)
            ref.name = name
            return ref
        if node.pattern is not None:  # data and value
            if kind == "data" and node.kids:
                exc = convert(node.kids[0])
                data = Pattern("data", [exc], node.where)
                data.lib, data.type, data.params = (
                    node.pattern.lib, node.pattern.type, node.pattern.params,
                )  # fmt: skip
                return data
            return node.pattern
        if kind == "empty":
            return _EMPTY
        if kind == "notAllowed":
            return _NOT_ALLOWED
        if kind == "text":
            return _TEXT
        pattern = Pattern(kind, [convert(k) for k in node.kids], node.where)
        pattern.nc = node.nc
        return pattern

    def convert_with_refs(node: _Node) -> Pattern:
        for ref in direct_refs(node):
            expand_define(ref.attrs["name"])
        return convert(node)

    start_pattern = convert_with_refs(start)
    while pending_elements:
        node, name = pending_elements.pop()
        content = convert_with_refs(node.kids[0])
        element = element_defines[name]
        element.nc, element.kids = node.nc, (content,)
    return _simplify(start_pattern, element_defines)


# --------------------------------------------------------------------------
# Sections 4.20-4.21: notAllowed and empty.


def fold(
    top: Pattern,
    visit: Callable[[Pattern, list[T]], T],
    memo: dict[int, T],
    stop: Callable[[Pattern], bool] = lambda p: False,
) -> T:
    """``visit(pattern, what its kids gave)`` bottom-up over ``top`` and what is
    below it, each shared pattern once (kept in ``memo`` by id), without
    recursion: expanded reference chains make deep patterns. A pattern for
    which ``stop`` holds is visited without its kids."""
    stack: list[tuple[Pattern, bool]] = [(top, False)]
    while stack:
        node, ready = stack.pop()
        if id(node) in memo:
            continue
        if stop(node) or not node.kids:
            memo[id(node)] = visit(node, [])
        elif not ready:
            stack.append((node, True))
            stack.extend((k, False) for k in node.kids if id(k) not in memo)
        else:
            memo[id(node)] = visit(node, [memo[id(k)] for k in node.kids])
    return memo[id(top)]


def _simplify(start: Pattern, defines: dict[str, Pattern]) -> tuple[Pattern, dict[str, Pattern]]:
    memo: dict[int, Pattern] = {}

    def simplify(p: Pattern) -> Pattern:
        return fold(
            p,
            lambda node, kids: _simplified(node, kids) if kids else node,
            memo,
            stop=lambda node: node.kind in ("element", "ref"),
        )

    for element in defines.values():
        element.kids = (simplify(element.kids[0]),)
    start = simplify(start)
    # Only what the start reaches: one walk, following references.
    reachable: set[str] = set()
    seen: set[int] = set()
    stack = [start]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if node.kind == "ref":
            if node.name not in reachable:
                reachable.add(node.name)
                stack.append(defines[node.name])
        else:
            stack.extend(node.kids)
    return start, {name: defines[name] for name in defines if name in reachable}


def _simplified(node: Pattern, kids: list[Pattern]) -> Pattern:
    kind = node.kind
    if kind == "data":  # 4.20: an except of notAllowed is no except
        if kids[0] is _NOT_ALLOWED:
            data = Pattern("data", (), node.where)
            data.lib, data.type, data.params = node.lib, node.type, node.params
            return data
    elif kind in ("attribute", "list", "oneOrMore"):
        if kids[0] is _NOT_ALLOWED:
            return _NOT_ALLOWED
        if kind == "oneOrMore" and kids[0] is _EMPTY:
            return _EMPTY
    elif kind in ("group", "interleave"):
        if any(k is _NOT_ALLOWED for k in kids):
            return _NOT_ALLOWED
        kids = [k for k in kids if k is not _EMPTY]
        if not kids:
            return _EMPTY
        if len(kids) == 1:
            return kids[0]
    elif kind == "choice":
        kept: list[Pattern] = []
        for k in kids:
            if k is _NOT_ALLOWED or (k is _EMPTY and _EMPTY in kept):
                continue
            kept.append(k)
        if not kept:
            return _NOT_ALLOWED
        if len(kept) == 1:
            return kept[0]
        kids = kept
    if len(kids) == len(node.kids) and all(a is b for a, b in zip(kids, node.kids, strict=True)):
        return node
    new = Pattern(kind, kids, node.where)
    new.nc, new.lib, new.type, new.params = node.nc, node.lib, node.type, node.params
    return new


# --------------------------------------------------------------------------
# Section 7: restrictions.

# 7.1: what may not occur below what (within one element's content).
_PROHIBITED = {
    "attribute": frozenset({"ref", "attribute"}),
    "list": frozenset({"list", "ref", "attribute", "text", "interleave"}),
    "except": frozenset(
        {"attribute", "ref", "text", "list", "group", "interleave", "oneOrMore", "empty"}
    ),
    "start": frozenset(
        {"attribute", "data", "value", "text", "list", "group", "interleave", "oneOrMore", "empty"}
    ),
}
_EMPTY_CT, _COMPLEX_CT, _SIMPLE_CT = 0, 1, 2


class _Restrictions:
    def __init__(self, defines: dict[str, Pattern]) -> None:
        self.defines = defines
        self.content_types: dict[int, int | None] = {}
        self.attr_names: dict[int, tuple[NameClass, ...]] = {}
        self.elem_names: dict[int, tuple[NameClass, ...]] = {}
        self.has_text: dict[int, bool] = {}
        self.checked: set[tuple[int, frozenset[str], bool]] = set()

    def check(self, start: Pattern, where: tuple) -> None:
        """``where``: the place of the start element, for a start that is a bare
        pattern (empty, text …) without a place of its own."""
        self.paths(start, frozenset(_PROHIBITED["start"]), "start", in_one_or_more=False, at=where)
        for element in self.defines.values():
            content = element.kids[0]
            self.paths(content, frozenset(), "", in_one_or_more=False)
            if content is not _NOT_ALLOWED and self.content_type(content) is None:
                raise _error(
                    "element content mixes data with other content (section 7.2)", element.where
                )

    # 7.1 and the repeated-attribute part of 7.3, in one walk per element content.
    def paths(
        self,
        p: Pattern,
        banned: frozenset[str],
        context: str,
        in_one_or_more: bool,
        at: tuple = ("", 0, -1),
    ) -> None:
        # The shared empty, text and notAllowed patterns have no place of their
        # own: a message about one points at the nearest pattern that has.
        stack = [(p, banned, context, in_one_or_more, False, at)]
        while stack:
            node, banned, context, repeated, grouped, at = stack.pop()
            if node.where[0]:
                at = node.where
            key = (id(node), banned, repeated + 2 * grouped)
            if key in self.checked:
                continue
            self.checked.add(key)
            kind = node.kind
            if kind in banned:
                raise _error(f"<{kind}> not allowed inside <{context}> (section 7.1)", at)
            if kind == "oneOrMore":
                repeated = True
            elif kind in ("group", "interleave") and repeated:
                grouped = True
            if kind == "attribute":
                if grouped:
                    raise _error(
                        "an attribute inside a group or interleave inside oneOrMore "
                        "(section 7.1.2)",
                        at,
                    )
                if not repeated and any(n[0] in ("any", "ns") for n in _names_in(node.nc)):
                    raise _error(
                        "an attribute with an anyName or nsName name class must be inside "
                        "oneOrMore (section 7.3)",
                        at,
                    )
            if kind in ("element", "ref"):
                continue
            inner = banned
            if kind in _PROHIBITED:
                inner = banned | _PROHIBITED[kind]
                context = kind
            for kid in node.kids:
                if kind == "data":  # the except pattern
                    stack.append(
                        (kid, banned | _PROHIBITED["except"], "except", repeated, grouped, at)
                    )
                else:
                    stack.append((kid, inner, context, repeated, grouped, at))
            if kind in ("group", "interleave"):
                self.no_duplicate_attributes(node)
            if kind == "interleave":
                self.interleave(node)

    # 7.2
    def content_type(self, p: Pattern) -> int | None:
        key = id(p)
        if key in self.content_types:
            return self.content_types[key]
        order: list[Pattern] = []
        stack = [p]
        while stack:  # post-order over what is not yet known
            node = stack.pop()
            if id(node) in self.content_types:
                continue
            order.append(node)
            if node.kind not in ("element", "ref", "attribute", "list"):
                stack.extend(node.kids)
        for node in reversed(order):
            self.content_types[id(node)] = self._content_type(node)
        return self.content_types[key]

    def _content_type(self, node: Pattern) -> int | None:
        kind = node.kind
        if kind in ("value", "list"):
            return _SIMPLE_CT
        if kind == "data":
            if node.kids and self.content_types.get(id(node.kids[0])) is None:
                return None
            return _SIMPLE_CT
        if kind in ("text", "ref"):
            return _COMPLEX_CT
        if kind in ("empty", "notAllowed"):
            return _EMPTY_CT
        if kind == "attribute":
            return _EMPTY_CT if self.content_type(node.kids[0]) is not None else None
        cts = [self.content_types.get(id(k)) for k in node.kids]
        if any(ct is None for ct in cts):
            return None
        if kind == "choice":
            return max(cts)  # type: ignore[type-var]
        if kind == "oneOrMore":
            return cts[0] if _groupable(cts[0], cts[0]) else None
        result = cts[0]
        for ct in cts[1:]:  # group and interleave
            if not _groupable(result, ct):
                return None
            result = max(result, ct)  # type: ignore[type-var]
        return result

    # 7.3
    def no_duplicate_attributes(self, node: Pattern) -> None:
        names: set[tuple[str, str]] = set()  # plain names seen in earlier operands
        wild: list[NameClass] = []  # and name classes with wildcards
        for kid in node.kids:
            mine = self.attributes(kid)
            for nc in mine:
                finite = nc_names(nc)
                if finite is not None:
                    clash = any(n in names or any(nc_contains(w, n) for w in wild) for n in finite)
                else:
                    clash = any(nc_contains(nc, n) for n in names) or any(
                        _overlap(nc, w) for w in wild
                    )
                if clash:
                    raise _error(
                        "duplicate attribute: two attribute patterns of a group or "
                        "interleave can match the same name (section 7.3)",
                        node.where,
                    )
            for nc in mine:
                finite = nc_names(nc)
                if finite is None:
                    wild.append(nc)
                else:
                    names.update(finite)

    def attributes(self, p: Pattern) -> tuple[NameClass, ...]:
        return self._collect(p, "attribute", self.attr_names)

    def _collect(self, p: Pattern, kind: str, memo: dict) -> tuple[NameClass, ...]:
        key = id(p)
        if key not in memo:
            found: list[NameClass] = []
            seen: set[int] = set()
            stack = [p]
            while stack:
                n = stack.pop()
                if id(n) in seen:
                    continue
                seen.add(id(n))
                if kind == "attribute" and n.kind == "attribute":
                    found.append(n.nc)
                elif kind == "element" and n.kind == "ref":
                    found.append(self.defines[n.name].nc)
                elif n.kind not in ("ref", "element", "attribute"):
                    stack.extend(n.kids)
            memo[key] = tuple(dict.fromkeys(found))
        return memo[key]

    # 7.4
    def interleave(self, node: Pattern) -> None:
        elements: list[NameClass] = []
        text = False
        for kid in node.kids:
            mine = self._collect(kid, "element", self.elem_names)
            for nc in mine:
                if any(_overlap(nc, other) for other in elements):
                    raise _error(
                        "the patterns of an interleave can match the same element name "
                        "(section 7.4)",
                        node.where,
                    )
            elements.extend(mine)
            has_text = self.text_in(kid)
            if has_text and text:
                raise _error(
                    "text in more than one pattern of an interleave (section 7.4)", node.where
                )
            text = text or has_text

    def text_in(self, p: Pattern) -> bool:
        key = id(p)
        if key not in self.has_text:
            found = False
            stack = [p]
            seen: set[int] = set()
            while stack and not found:
                n = stack.pop()
                if id(n) in seen:
                    continue
                seen.add(id(n))
                if n.kind == "text":
                    found = True
                elif n.kind not in ("ref", "element", "attribute"):
                    stack.extend(n.kids)
            self.has_text[key] = found
        return self.has_text[key]


def nc_names(nc: NameClass) -> list[tuple[str, str]] | None:
    """The names of a name class without wildcards, else None."""
    if nc[0] == "name":
        return [(nc[1], nc[2])]
    if nc[0] == "or":
        left, right = nc_names(nc[1]), nc_names(nc[2])
        return None if left is None or right is None else left + right
    return None


def _groupable(a: int, b: int) -> bool:
    return a == _EMPTY_CT or b == _EMPTY_CT or (a == _COMPLEX_CT and b == _COMPLEX_CT)


@lru_cache(maxsize=1 << 16)
def nc_contains(nc: NameClass, qn: tuple[str, str]) -> bool:
    """Section 6.1: does the name (namespace, local name) belong to the name class?"""
    kind = nc[0]
    if kind == "name":
        return nc[1] == qn[0] and nc[2] == qn[1]
    if kind == "any":
        return nc[1] is None or not nc_contains(nc[1], qn)
    if kind == "ns":
        return nc[1] == qn[0] and (nc[2] is None or not nc_contains(nc[2], qn))
    return nc_contains(nc[1], qn) or nc_contains(nc[2], qn)


_ILLEGAL = "\x00"  # a namespace or local name no real name has


def _overlap(a: NameClass, b: NameClass) -> bool:
    """Whether some name belongs to both name classes (section 7.3): it is enough
    to try the names either mentions, with a name no schema can mention standing
    for "any other local name" (and "any other namespace")."""
    candidates: set[tuple[str, str]] = set()
    for nc in (a, b):
        for part in _names_in(nc):
            if part[0] == "name":
                candidates.add((part[1], part[2]))
                candidates.add((part[1], _ILLEGAL))
            elif part[0] == "ns":
                candidates.add((part[1], _ILLEGAL))
            elif part[0] == "any":
                candidates.add((_ILLEGAL, _ILLEGAL))
    return any(nc_contains(a, name) and nc_contains(b, name) for name in candidates)


# --------------------------------------------------------------------------
# Public API


def read_schema(
    path: str | Path, cache: Path | None = None, roots: tuple[Path, ...] | None = None
) -> SimpleGrammar:
    """Read, check and simplify the RELAX NG schema (XML syntax) at ``path``.

    Raises :class:`IncorrectSchema` (a :class:`~teikit.errors.SchemaError`) for
    a schema that cannot be read or is not correct RELAX NG. With ``cache`` (a
    folder), a grammar found correct is kept there under the checksum of its
    files and read back from it next time, while none of them has changed:
    the check runs once per schema, not once per process.

    ``roots``, for an untrusted grammar (one a document names), are the folders
    its ``include`` and ``externalRef`` may read, transitively
    (:func:`teikit.sandbox.schema_roots`); an ``href`` outside them raises
    :class:`~teikit.errors.SandboxError`, located at that element. None: a
    trusted grammar, which may read any local file.
    """
    path = Path(path).resolve()
    if cache is not None:
        kept = _from_cache(path, cache, roots)
        if kept is not None:
            return kept
    reader = _Reader(roots)
    top = reader.start(path.as_uri())
    flattener = _Flattener()
    if top.kind == "grammar":
        start = flattener.grammar(top, None)
    else:  # 4.18: a bare pattern is the start of a grammar
        start = flattener.resolve(top, {}, None)
    bodies = {name: body for name, body in flattener.bodies.items()}
    start_pattern, defines = _build(start, bodies)
    _Restrictions(defines).check(start_pattern, start.where)
    digest = hashlib.sha256()
    for source in reader.sources:
        digest.update(source.sha256.encode())
    grammar = SimpleGrammar(
        start_pattern, defines, [source.path for source in reader.sources], digest.hexdigest()
    )
    if cache is not None:
        _to_cache(grammar, [(str(s.path), s.sha256) for s in reader.sources], cache)
    return grammar


def vocabulary(grammar: SimpleGrammar) -> dict[str, frozenset[str]]:
    """Each element the grammar names -> the attributes it allows, by name (the
    local name; ``xml:`` for the XML namespace); wildcards are left out."""
    found: dict[str, set[str]] = {}
    for element in grammar.defines.values():
        names = nc_names(element.nc) or []
        attributes: set[str] = set()
        seen: set[int] = set()
        stack = list(element.kids)
        while stack:
            p = stack.pop()
            if id(p) in seen or p.kind in ("ref", "element"):
                continue  # another element's attributes are its own
            seen.add(id(p))
            if p.kind == "attribute":
                attributes.update(_display(qn) for qn in nc_names(p.nc) or [])
            else:
                stack.extend(p.kids)
        for qn in names:
            found.setdefault(_display(qn), set()).update(attributes)
    return {name: frozenset(attrs) for name, attrs in found.items()}


def _display(qn: tuple[str, str]) -> str:
    return f"xml:{qn[1]}" if qn[0] == XML_NS else qn[1]


# --------------------------------------------------------------------------
# The cache of checked grammars: marshal (basic types only, no code), written
# atomically, keyed by the checksum of the schema file; the checksums of the
# files it includes are inside and checked on reading.

_CACHE_FORMAT = "teikit-rng/2"  # change whenever the simplified form changes


def _cache_file(path: Path, cache: Path) -> Path | None:
    try:
        key = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None
    return cache / f"{key}.marshal"


def _to_cache(grammar: SimpleGrammar, files: list[tuple[str, str]], cache: Path) -> None:
    target = _cache_file(grammar.files[0], cache)
    if target is None:
        return
    index: dict[int, int] = {}
    nodes: list[tuple] = []

    def number(p: Pattern) -> int:
        return fold(p, lambda node, kids: _append(node, kids), index)

    def _append(node: Pattern, kids: list[int]) -> int:
        context = tuple(sorted(node.context.items())) if node.context else None
        nodes.append(
            (node.kind, tuple(kids), node.nc, node.name, node.lib, node.type, node.params,
             node.text, context)
        )  # fmt: skip
        return len(nodes) - 1

    defines = {name: number(element) for name, element in grammar.defines.items()}
    start = number(grammar.start)
    patterns = {value for node in nodes for name, value in node[6] if name == "pattern"}
    regexes = {p: datatypes.TRANSLATED[p] for p in patterns if p in datatypes.TRANSLATED}
    record = (_CACHE_FORMAT, files, grammar.digest, start, defines, nodes, regexes)
    data = marshal.dumps(record)
    try:
        cache.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, target)
    except OSError:
        pass  # the cache saves time; validation goes on without it


class CachedGrammar(NamedTuple):
    """A checked grammar as the cache keeps it: ``nodes`` are the patterns as
    tuples ``(kind, kids, nc, name, lib, type, params, text, context)``, each
    after its kids (the order of :func:`fold`: a define's patterns, then its
    element; the defines in order, then the start's); ``kids``, ``start`` and
    the values of ``defines`` are indexes into it."""

    files: list[Path]
    digest: str
    start: int
    defines: dict[str, int]
    nodes: list[tuple]


def read_cached(
    path: str | Path, cache: Path, roots: tuple[Path, ...] | None = None
) -> CachedGrammar | None:
    """The grammar at ``path`` as the cache keeps it (see :func:`read_schema`),
    None when the cache does not hold it as it is now. For a caller that builds
    its own patterns from the nodes (the validator's engine) without making
    :class:`Pattern` objects first."""
    path = Path(path).resolve()
    source = _cache_file(path, cache)
    try:
        if source is None or not source.is_file():
            return None
        fmt, files, digest, start, defines, nodes, regexes = marshal.loads(source.read_bytes())
        # Keyed by the checksum of the schema: a copy elsewhere is the same grammar,
        # unless it includes files (named relative to where it lies).
        if fmt != _CACHE_FORMAT or (files[0][0] != str(path) and len(files) > 1):
            return None
        if roots is not None and not all(sandbox.within(Path(f), roots) for f, _ in files[1:]):
            return None  # checked when it was trusted: read it again, and refuse
        for name, sha in files[1:]:  # what it includes, unchanged
            if hashlib.sha256(Path(name).read_bytes()).hexdigest() != sha:
                return None
        for pattern, translated in regexes.items():
            datatypes.TRANSLATED.setdefault(str(pattern), str(translated))
        return CachedGrammar(
            [path, *(Path(name) for name, _ in files[1:])], digest, start, defines, nodes
        )
    except (OSError, ValueError, EOFError, TypeError, IndexError, KeyError):
        return None  # unreadable or from another version: read the schema again


def _from_cache(path: Path, cache: Path, roots: tuple[Path, ...] | None) -> SimpleGrammar | None:
    kept = read_cached(path, cache, roots)
    if kept is None:
        return None
    try:
        built: list[Pattern] = []
        singletons = {"empty": _EMPTY, "notAllowed": _NOT_ALLOWED, "text": _TEXT}
        for kind, kids, nc, name, lib, typ, params, text, context in kept.nodes:
            if kind in singletons and not kids:
                built.append(singletons[kind])
                continue
            p = Pattern(kind, [built[k] for k in kids])
            p.nc, p.name, p.lib, p.type, p.params, p.text = nc, name, lib, typ, params, text
            p.context = dict(context) if context is not None else None
            built.append(p)
        return SimpleGrammar(
            built[kept.start],
            {name: built[n] for name, n in kept.defines.items()},
            kept.files,
            kept.digest,
        )
    except (ValueError, TypeError, IndexError, KeyError):
        return None  # from another version: read the schema again
