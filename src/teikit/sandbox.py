"""What code from an untrusted schema may do (the trust model: docs/security.md).

A schema or stylesheet that a *document* names (``<?xml-model?>``,
``xsi:schemaLocation``, and whatever those include) is untrusted: it runs on a
Saxon processor that may open no URI at all (:func:`teikit.xslt.processor`
with ``sandboxed=True``), and before it is compiled its code is vetted here,
because the sandbox does not stop everything: ``environment-variable()`` and
``system-property()`` still answer, and ``xsl:result-document`` or
``xsl:evaluate`` would escape any static look at the code.

The vetting is deliberately conservative. It scans every attribute (XPath
expressions, patterns and attribute value templates alike) and, where text
value templates are switched on, the text, for anything that looks like a call
or a named function reference, whatever its prefix: a prefix can be bound to
the function namespace under any name. A call is allowed when its function is
in the standard ``fn``/``math``/``map``/``array``/``xs`` namespaces (less the
few that reach outside: :data:`FORBIDDEN_FUNCTIONS`) or is an ``xsl:function``
the vetted code itself declares. XSLT instructions are allowed from a fixed
list (:data:`ALLOWED_XSL`); nothing in Saxon's namespace is. A refusal is a
:class:`~teikit.errors.SandboxError` naming the file, the line and what was
refused, and saying how to trust the schema instead.
"""

from __future__ import annotations

import re
import stat
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from lxml import etree

from teikit.errors import LoadError, SandboxError

if TYPE_CHECKING:
    from teikit.document import Document

XSL = "http://www.w3.org/1999/XSL/Transform"
SCH = "http://purl.oclc.org/dsdl/schematron"
SAXON = "http://saxon.sf.net/"
FN = "http://www.w3.org/2005/xpath-functions"
ALLOWED_FUNCTION_NS = frozenset(
    {
        FN,
        f"{FN}/math",
        f"{FN}/map",
        f"{FN}/array",
        "http://www.w3.org/2001/XMLSchema",  # constructors: xs:date(...)
    }
)

# Functions that reach outside the document, whatever namespace they are called
# in: the process environment, code loaded by name, other stylesheets.
FORBIDDEN_FUNCTIONS = {
    "environment-variable": "reads the process environment",
    "available-environment-variables": "reads the process environment",
    "system-property": "reads the system's properties (home folder, user name)",
    "function-lookup": "calls functions chosen at run time",
    "load-xquery-module": "loads code from outside the schema",
    "transform": "runs another stylesheet",
}
# system-property() with one of these literal names reads only facts about the
# XSLT processor, which is what schemas use it for.
_XSL_PROPERTY = re.compile(
    r"""system-property\s*\(\s*(['"])xsl:[A-Za-z-]+\1\s*\)""",
)

# XSLT elements untrusted code may contain. Missing on purpose: result-document
# (writes files), evaluate (runs XPath built at run time), import-schema,
# source-document, use-package, merge*, stream and package (read or load from
# URIs). include and import are vetted through ``include``.
ALLOWED_XSL = frozenset(
    [
        "stylesheet",
        "transform",
        "template",
        "function",
        "param",
        "variable",
        "with-param",
        "sequence",
        "value-of",
        "text",
        "if",
        "choose",
        "when",
        "otherwise",
        "for-each",
        "for-each-group",
        "apply-templates",
        "call-template",
        "apply-imports",
        "next-match",
        "copy",
        "copy-of",
        "element",
        "attribute",
        "comment",
        "processing-instruction",
        "namespace",
        "document",
        "analyze-string",
        "matching-substring",
        "non-matching-substring",
        "sort",
        "perform-sort",
        "number",
        "message",
        "map",
        "map-entry",
        "try",
        "catch",
        "iterate",
        "next-iteration",
        "break",
        "on-completion",
        "fork",
        "where-populated",
        "on-empty",
        "on-non-empty",
        "fallback",
        "assert",
        "key",
        "mode",
        "output",
        "decimal-format",
        "namespace-alias",
        "strip-space",
        "preserve-space",
        "character-map",
        "output-character",
        "accumulator",
        "accumulator-rule",
        "global-context-item",
        "context-item",
        "attribute-set",
        "include",
        "import",
    ]
)

_NAME = r"[^\W\d][\w.\-]*"
# A function call or named function reference: QName or EQName, then "(" (maybe
# after blanks or an XPath comment, which starts with "(" too) or "#arity".
_CALL = re.compile(
    rf"(?<![\w.\-:$])(?:Q\{{(?P<uri>[^{{}}]*)\}}|(?P<prefix>{_NAME}):)?(?P<local>{_NAME})"
    r"(?:\s*\(|#\d)"
)
_TRUE = {"yes", "true", "1"}


@dataclass(frozen=True)
class Where:
    """Where vetted code came from, for the refusal message."""

    file: str
    trust_hint: str = ""  # how to trust it instead ("pass it with --schema PATH")


def _refuse(where: Where, line: int | None, what: str) -> SandboxError:
    hint = where.trust_hint or "to trust it, pass it with --schema"
    located = f"{where.file}:{line}" if line else where.file
    return SandboxError(
        f"{located}: refused: it {what}, which a schema that a document names may not do; {hint}",
        file=where.file,
        line=line or 0,
        reason=what,
    )


def check_expression(
    text: str,
    namespaces: Iterable[Mapping[str | None, str]],
    declared: frozenset[tuple[str, str]],
    where: Where,
    line: int | None,
) -> None:
    """Refuse ``text`` (an XPath expression, pattern, or template text) if it calls
    anything outside the allowed functions.

    ``namespaces`` are every binding that may be in scope where the text ends up;
    a prefix bound to a disallowed namespace in any of them is refused.
    ``declared`` holds the (namespace, local name) of the code's own functions.
    """
    if "(" not in text and "#" not in text:
        return
    allowed_properties = {m.start() for m in _XSL_PROPERTY.finditer(text)}
    for match in _CALL.finditer(text):
        local, prefix, uri = match.group("local"), match.group("prefix"), match.group("uri")
        if local in FORBIDDEN_FUNCTIONS:
            if local == "system-property" and match.start("local") in allowed_properties:
                continue
            raise _refuse(where, line, f"calls {local}() ({FORBIDDEN_FUNCTIONS[local]})")
        if uri is not None:
            candidates = {uri}
        elif prefix is None:
            continue  # unprefixed: the standard function namespace (or a kind test)
        else:
            candidates = {m[prefix] for m in namespaces if prefix in m}
            if not candidates:
                continue  # an unbound prefix does not compile: Saxon will say so
        for ns in candidates:
            shown = f"Q{{{uri}}}{local}" if uri is not None else f"{prefix}:{local}"
            # Before the schema's own functions: one cannot be declared into these.
            if ns == SAXON or ns.startswith(("java:", "clitype:")):
                raise _refuse(where, line, f"calls the Saxon extension {shown}()")
            if ns in ALLOWED_FUNCTION_NS or (ns, local) in declared:
                continue
            raise _refuse(
                where,
                line,
                f"calls {shown}() in namespace {ns} (neither a standard XPath function "
                "nor one the schema declares)",
            )


def declared_functions(
    trees: Iterable[etree._Element], namespaces: Mapping[str | None, str] | None = None
) -> frozenset[tuple[str, str]]:
    """(namespace, local name) of every ``xsl:function`` in ``trees``; a prefix
    resolves in the element's scope or, failing that, in ``namespaces``
    (Schematron's ``sch:ns``, which the compiled stylesheet declares)."""
    found: set[tuple[str, str]] = set()
    for tree in trees:
        for function in tree.iter(f"{{{XSL}}}function"):
            name = function.get("name", "")
            if name.startswith("Q{"):
                uri, _, local = name[2:].partition("}")
                found.add((uri, local))
            elif ":" in name:
                prefix, _, local = name.partition(":")
                uri = function.nsmap.get(prefix) or (namespaces or {}).get(prefix)
                if uri:
                    found.add((uri, local))
    return frozenset(found)


def vet_tree(
    root: etree._Element,
    where: Where,
    *,
    namespaces: Mapping[str | None, str] | None = None,
    declared: frozenset[tuple[str, str]] = frozenset(),
    scope: Callable[[etree._Element], bool] | None = None,
    include: Callable[[etree._Element, str], None] | None = None,
    lines: bool = True,
) -> None:
    """Vet every element of ``root`` (or those ``scope`` accepts, with their
    descendants) as untrusted code; raise :class:`SandboxError` at the first problem.

    ``namespaces`` are bindings the code gets besides its own in-scope ones
    (Schematron's ``sch:ns``). ``include(element, href)`` is called for each
    ``xsl:include``/``xsl:import``: it must vet the target (or raise); without
    it they are refused.
    """
    extra = dict(namespaces or {})
    declared = declared | declared_functions([root], extra)
    for el in _in_scope(root, scope):
        if not isinstance(el.tag, str):
            continue
        line = el.sourceline if lines else None
        qname = etree.QName(el)
        if qname.namespace == SAXON:
            raise _refuse(where, line, f"uses the Saxon instruction saxon:{qname.localname}")
        if qname.namespace == XSL:
            if qname.localname not in ALLOWED_XSL:
                raise _refuse(where, line, f"uses xsl:{qname.localname}")
            if qname.localname in ("include", "import"):
                if include is None:
                    raise _refuse(where, line, f"uses xsl:{qname.localname}")
                include(el, el.get("href", ""))
        scopes = (el.nsmap, extra)
        texts_are_code = False
        for name, value in el.attrib.items():
            attr = etree.QName(name)
            if attr.namespace == SAXON:
                raise _refuse(where, line, f"uses the Saxon attribute saxon:{attr.localname}")
            if attr.localname == "extension-element-prefixes" and value.strip():
                raise _refuse(where, line, "declares extension instructions")
            if attr.localname == "expand-text" and value.strip() in _TRUE:
                texts_are_code = True
            check_expression(value, scopes, declared, where, line)
        if texts_are_code or _expands_text(el):
            for text in (el.text, *(child.tail for child in el)):
                if text:
                    check_expression(text, scopes, declared, where, line)


def _in_scope(
    root: etree._Element, scope: Callable[[etree._Element], bool] | None
) -> Iterable[etree._Element]:
    if scope is None:
        yield from root.iter()
        return
    for el in root.iter():
        if scope(el) and not any(scope(a) for a in el.iterancestors()):
            yield from el.iter()  # the element and what it holds, once


def _expands_text(el: etree._Element) -> bool:
    """Whether text value templates are on for ``el`` (XSLT 3.0 expand-text)."""
    for node in (el, *el.iterancestors()):
        for name, value in node.attrib.items():
            if etree.QName(name).localname == "expand-text":
                return value.strip() in _TRUE
    return False


def schematron_namespaces(schema: etree._Element) -> dict[str | None, str]:
    """The ``sch:ns`` bindings of a Schematron schema (or of a grammar embedding one)."""
    return {ns.get("prefix", ""): ns.get("uri", "") for ns in schema.iter(f"{{{SCH}}}ns")} | {
        "xs": "http://www.w3.org/2001/XMLSchema",
        "xsl": XSL,
    }


def vet_schematron(
    root: etree._Element,
    where: Where,
    *,
    include: Callable[[etree._Element, str], None] | None = None,
    declared: frozenset[tuple[str, str]] = frozenset(),
) -> None:
    """Vet a Schematron schema, or the Schematron embedded in a RELAX NG grammar
    (then only the ``sch:`` parts and any XSLT are code). ``include`` as for
    :func:`vet_tree` (without it, ``xsl:include`` is refused); ``declared``: the
    functions of stylesheets it includes, already vetted."""
    namespaces = schematron_namespaces(root)
    if etree.QName(root).namespace == SCH:
        vet_tree(root, where, namespaces=namespaces, include=include, declared=declared)
        return
    vet_tree(
        root,
        where,
        namespaces=namespaces,
        scope=lambda el: isinstance(el.tag, str) and etree.QName(el).namespace in (SCH, XSL),
        include=include,
        declared=declared,
    )


def vet_stylesheet_text(text: str, where: Where) -> None:
    """Vet compiled XSLT (the stylesheet a Schematron schema became): a second
    look after abstract patterns were instantiated, whose text substitution can
    assemble what no single attribute of the source showed."""
    root = etree.fromstring(text.encode("utf-8"))
    vet_tree(root, where, lines=False)  # its line numbers are not the schema's


# --------------------------------------------------------------------------- files


def bundled_root() -> Path:
    """teikit's own data (schemas, stylesheets): readable by any code."""
    return Path(str(resources.files("teikit") / "data")).resolve()


def within(path: Path, roots: Iterable[Path]) -> bool:
    """Whether ``path``, with symbolic links resolved, is a regular file inside
    one of ``roots``: what Python may read on behalf of untrusted code."""
    try:
        real = path.resolve(strict=True)
        if not stat.S_ISREG(real.stat().st_mode):
            return False  # a FIFO, a device or /dev/stdin would block or never end
    except (OSError, RuntimeError):  # missing, unreadable, a symlink loop
        return False
    return any(real.is_relative_to(root.resolve()) for root in [*roots, bundled_root()])


SCHEMA_SUFFIXES = frozenset({".rng", ".sch", ".xsd"})


def may_name(path: Path, roots: Iterable[Path]) -> bool:
    """Whether a document may have teikit read ``path`` as the schema it names
    (``<?xml-model?>``, ``xsi:schemaLocation``): a regular file inside the
    allowed ``roots``, or anywhere on the local disk if its name says it is a
    schema (``.rng``, ``.sch``, ``.xsd``), since editions keep their schemas
    beside the documents' folder (``../meta/``). What that schema includes must
    then lie in :func:`schema_roots`."""
    return within(path, roots) or (
        path.suffix.lower() in SCHEMA_SUFFIXES and within(path, [Path(path.anchor or "/")])
    )


def schema_roots(schema: Path, roots: Iterable[Path]) -> tuple[Path, ...]:
    """Where an untrusted ``schema`` (the one a document names) may read what it
    includes, transitively: the allowed roots and the schema's own folder."""
    return (*roots, Path(schema).resolve().parent)


def refused_read(
    what: str, href: str, where: tuple[str, int, int], schema: Path | str
) -> SandboxError:
    """The refusal of an untrusted schema's reference (``what`` ``href``, at
    ``where`` = (file, line, column) in the schema) to a file outside
    :func:`schema_roots`. It says nothing of the file itself, not even whether
    it exists."""
    file, line, column = where
    reason = f'{what} "{href}" names no regular file inside the folders being validated'
    return SandboxError(
        f"{file}:{line}:{column}: refused: {reason}, and a schema that a document names may "
        f"read nothing else; to trust it, pass it with --schema {schema}",
        file=file,
        line=line,
        reason=reason,
    )


def element_position(path: str | Path, el: etree._Element) -> tuple[int, int]:
    """The line and column of ``el``'s start tag in the file at ``path`` (column
    0 if unknown): on its line, or on one of the few before it (lxml gives the
    line of a start tag's end)."""
    line = el.sourceline or 0
    try:
        lines = Path(path).read_text("utf-8", "replace").splitlines()
    except OSError:
        return line, 0
    local = etree.QName(el).localname
    name = f"<{el.prefix}:{local}" if el.prefix else f"<{local}"
    for number in range(min(line, len(lines)), max(line - 10, 0), -1):
        found = re.search(re.escape(name) + r"[\s/>]", lines[number - 1] + "\n")
        if found:
            return number, found.start() + 1
    return line, 0


def load_within(path: Path, roots: Iterable[Path]) -> Document | None:
    """``path`` loaded with the hardened loader if :func:`within` ``roots``,
    else (or when it does not load) None."""
    from teikit.document import load

    if not within(path, roots):
        return None
    try:
        return load(str(path), require_tei=False)
    except LoadError:
        return None
