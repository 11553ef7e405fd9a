"""Render TEI documents: HTML pages, Typst sources, PDFs and plain reading text.

The work is done by teikit's XSLT 3.0 stylesheets (``xslt/html``, ``xslt/print``,
``xslt/text``), run by saxonche through :mod:`teikit.xslt`; PDFs are compiled
in-process by the ``typst`` package. This module adds what the stylesheets
cannot do themselves:

* typed parameters (``xsl:param/@as`` is read from the stylesheet and every
  string is converted to that type; the register goes in as a document node);
* located diagnostics: ``xsl:message`` output (``tk:diagnostic`` elements, or
  plain text) and Saxon's compile and runtime errors become
  :class:`~teikit.errors.Diagnostic` records with file, line and column;
* a sandbox for Typst: the compile root is a fresh temporary folder holding
  only the ``.typ`` file, system fonts are ignored (Typst's embedded
  Libertinus Serif covers Latin with Đ, Ž and Cyrillic with Ћ; see
  :mod:`teikit.fonts` for the fonts added, a CJK fallback among them, and the
  warning naming characters no font has), and TEI text is escaped by the
  stylesheets so it can never become Typst code.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import re
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from lxml import etree

from teikit import fonts, typst_parts, xslt
from teikit.batch import release_freed_memory
from teikit.document import Document, load
from teikit.edition import Edition
from teikit.errors import (
    Diagnostic,
    LoadError,
    PdfTooLargeError,
    RenderError,
    SchemaError,
    Severity,
    StylesheetError,
    UsageError,
)

__all__ = [
    "ASSETS_DIR",
    "PDF_STANDARDS",
    "XSLT_DIR",
    "PdfTooLargeError",
    "RenderError",
    "Rendered",
    "Stylesheet",
    "StylesheetError",
    "compile_typst",
    "load_stylesheet",
    "render",
    "render_edition_pdf",
    "render_html",
    "render_pdf",
    "render_text",
    "render_typst",
    "write_assets",
    "write_atomic",
]

TK_NS = "https://teikit.org/ns/xslt"
XSL_NS = "http://www.w3.org/1999/XSL/Transform"


def _xslt_dir() -> Path:
    """The stylesheet tree: packaged under teikit/data/xslt, else the repository's xslt/."""
    packaged = Path(__file__).resolve().parent / "data" / "xslt"
    if (packaged / "html" / "html.xsl").is_file():
        return packaged
    return Path(__file__).resolve().parents[2] / "xslt"


XSLT_DIR: Path = _xslt_dir()
ASSETS_DIR: Path = XSLT_DIR / "html" / "assets"  # teikit.css, teikit.js
FONTS_DIR: Path = fonts.OWN_FONTS  # optional extra fonts

STYLESHEETS: dict[str, Path] = {
    "html": XSLT_DIR / "html" / "html.xsl",
    "typst": XSLT_DIR / "print" / "print.xsl",
    "txt": XSLT_DIR / "text" / "text.xsl",
}
EDITION_TEMPLATE = f"{{{TK_NS}}}edition"

PDF_STANDARDS = frozenset(
    {"1.4", "1.5", "1.6", "1.7", "2.0", "a-1a", "a-1b", "a-2a", "a-2b", "a-2u", "a-3a"}
    | {"a-3b", "a-3u", "a-4", "a-4e", "a-4f", "ua-1"}
)
# Register section pages, each for the entities of one type.
REGISTER_SECTIONS = {
    "persons": "person",
    "places": "place",
    "organisations": "org",
    "works": "work",
}


# --------------------------------------------------------------------------- errors


@dataclass
class Rendered:
    """The output of one rendering and what the stylesheet reported on the way."""

    text: str
    diagnostics: list[Diagnostic] = field(default_factory=list)


# --------------------------------------------------------------------------- stylesheets


@dataclass(frozen=True)
class ParamSpec:
    """A global ``xsl:param`` as declared: name, ``@as`` type, required, where."""

    name: str
    type: str  # the @as sequence type, "" when undeclared
    required: bool
    file: str
    line: int


@dataclass(frozen=True)
class MessageSite:
    """An ``xsl:message`` of an instrumented stylesheet: where it is, its error code."""

    file: str
    line: int
    code: str


@dataclass
class Stylesheet:
    """A compiled stylesheet plus what teikit read from its source."""

    path: Path
    executable: Any
    params: dict[str, ParamSpec]
    modules: dict[str, Path]  # file name -> path, to place Saxon's error locations
    method: str  # xsl:output/@method of the main module ("" if not declared)
    sites: dict[int, MessageSite] = field(default_factory=dict)
    stamps: dict[Path, int] = field(default_factory=dict)  # module -> mtime/size, for the cache
    lock: threading.Lock = field(default_factory=threading.Lock)
    # tk:register-records of a register, by id() of the Document (kept with it)
    records: dict[int, tuple[Document, Any]] = field(default_factory=dict)


_sheets: dict[tuple[str, bool], Stylesheet] = {}
_sheets_lock = threading.Lock()

# A marker the instrumented xsl:message writes first: site number and the context path.
_MARK_OPEN, _MARK_SEP, _MARK_CLOSE = "\ue000", "\ue001", "\ue002"
_MARK_RE = re.compile(f"{_MARK_OPEN}(\\d+){_MARK_SEP}([^{_MARK_CLOSE}]*){_MARK_CLOSE}")


def load_stylesheet(path: str | os.PathLike[str], *, instrument: bool = False) -> Stylesheet:
    """Read, inspect and compile a stylesheet once (cached by path and mtime).

    ``instrument=True`` (used for users' own stylesheets) makes every
    ``xsl:message`` of the main module report its line and the context node,
    so plain messages still become located diagnostics.

    Raises :class:`StylesheetError` with located diagnostics when the file is
    missing, malformed or does not compile.
    """
    sheet_path = Path(path).resolve()
    key = (str(sheet_path), instrument)
    with _sheets_lock:
        cached = _sheets.get(key)
    if cached is not None and cached.stamps == _stamps(cached.stamps):
        return cached
    try:
        text = sheet_path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        diag = _diag(str(path), 0, 0, f"cannot read stylesheet: {exc.strerror or exc}", "not-found")
        raise StylesheetError(diag.format(), [diag]) from None
    modules: dict[str, Path] = {}
    params: dict[str, ParamSpec] = {}
    tree = _scan_module(sheet_path, text, modules, params)
    method = ""
    for out in tree.getroot().iterchildren(f"{{{XSL_NS}}}output"):
        method = out.get("method", method) or method
    stamps = _stamps(dict.fromkeys(modules.values(), 0))
    # teikit.xslt caches by the main module's text alone: a trailing comment with
    # the modules' times makes an edited xsl:include/xsl:import a new entry.
    salt = "\n<!-- teikit modules: " + " ".join(str(t) for t in stamps.values()) + " -->\n"
    executable = _compile(text + salt, sheet_path, modules)
    sites: dict[int, MessageSite] = {}
    if instrument:
        # The user's text compiled, so the instrumented one should too; if not, run
        # the original: its messages then lack a location, but nothing is lost.
        with contextlib.suppress(StylesheetError):
            instrumented = _instrument(tree, text, sheet_path, sites) + salt
            executable = _compile(instrumented, sheet_path, modules)
    sheet = Stylesheet(sheet_path, executable, params, modules, method, sites, stamps)
    with _sheets_lock:
        _sheets[key] = sheet
    return sheet


def _stamps(paths: Mapping[Path, int]) -> dict[Path, int]:
    """Modification time and size of each module, to notice edits."""
    stamps = {}
    for module in paths:
        try:
            st = module.stat()
            stamps[module] = st.st_mtime_ns ^ st.st_size
        except OSError:
            stamps[module] = -1
    return stamps


def _compile(text: str, path: Path, modules: Mapping[str, Path]) -> Any:
    with _capture_native_stderr():  # compile warnings (unused variables …) are noise here
        try:
            return xslt.compile_stylesheet(text, name=str(path), base_uri=str(path))
        except SchemaError as exc:
            raw = str(exc.__cause__) if exc.__cause__ is not None else exc.message
            diags = _saxon_diagnostics(raw, path, modules) or [
                _diag(str(path), 0, 0, exc.message, "compile-error")
            ]
            raise StylesheetError(f"{path}: stylesheet does not compile", diags) from None


def _scan_module(
    path: Path, text: str, modules: dict[str, Path], params: dict[str, ParamSpec]
) -> etree._ElementTree:
    """Parse one module (no DTD, no network), record its global params, follow includes."""
    modules.setdefault(path.name, path)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(text.encode("utf-8"), parser, base_url=str(path))
    except etree.XMLSyntaxError as exc:
        line, col = exc.position if exc.position else (0, 0)
        diag = _diag(str(path), line, col, f"stylesheet is not well-formed XML: {exc.msg}", "xml")
        raise StylesheetError(diag.format(), [diag]) from None
    if etree.QName(root).namespace != XSL_NS:
        diag = _diag(str(path), root.sourceline or 0, 0, "not an XSLT stylesheet", "not-xslt")
        raise StylesheetError(diag.format(), [diag])
    for child in root:
        if not isinstance(child.tag, str) or etree.QName(child).namespace != XSL_NS:
            continue
        local = etree.QName(child).localname
        if local == "param" and child.get("name"):
            name = child.get("name", "")
            params.setdefault(
                name,
                ParamSpec(
                    name,
                    " ".join(child.get("as", "").split()),
                    child.get("required", "no").strip() in ("yes", "true", "1"),
                    str(path),
                    child.sourceline or 0,
                ),
            )
        elif local in ("include", "import") and child.get("href"):
            target = _local_href(path, child.get("href", ""))
            if target is not None and target.name not in modules and target.is_file():
                _scan_module(target, target.read_text("utf-8", "replace"), modules, params)
    return root.getroottree()


def _local_href(base: Path, href: str) -> Path | None:
    parsed = urlparse(href)
    if parsed.scheme == "file":
        return Path(unquote(parsed.path))
    if parsed.scheme and len(parsed.scheme) > 1:  # http: and friends: Saxon's business
        return None
    return (base.parent / unquote(href)).resolve()


def _instrument(
    tree: etree._ElementTree, text: str, path: Path, sites: dict[int, MessageSite]
) -> str:
    """Put a marker at the start of each xsl:message: site number and path() of the
    context node. Saxon's API hands back message text only; the marker gives it a place.

    The marker goes into the source text right after the start tag, on the same
    line, so Saxon's line numbers stay those of the user's file. xsl:try absorbs
    the error when there is no context node (e.g. in a named template).
    """
    line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
    edits: list[tuple[int, int, str]] = []
    for message in tree.getroot().iter(f"{{{XSL_NS}}}message"):
        line = message.sourceline or 0
        qname = f"{message.prefix}:message" if message.prefix else "message"
        xsl = f"{message.prefix}:" if message.prefix else ""
        start_re = re.compile(f"<{re.escape(qname)}(?:[^>\"']|\"[^\"]*\"|'[^']*')*?(/?)>")
        found = start_re.search(text, line_starts[max(0, min(line, len(line_starts)) - 1)])
        if found is None:
            continue
        index = len(sites)
        code = (message.get("error-code") or "").split("}")[-1].split(":")[-1]
        sites[index] = MessageSite(str(path), line, code)
        in_function = next(message.iterancestors(f"{{{XSL_NS}}}function"), None) is not None
        where = "''" if in_function else "if (. instance of node()) then path(.) else ''"
        marker = (
            f'<{xsl}try version="3.0"><{xsl}value-of select="'
            f"'{_MARK_OPEN}{index}{_MARK_SEP}' || ({where}) || '{_MARK_CLOSE}'\"/>"
            f'<{xsl}catch><{xsl}value-of select="'
            f"'{_MARK_OPEN}{index}{_MARK_SEP}{_MARK_CLOSE}'\"/></{xsl}catch></{xsl}try>"
        )
        if found.group(1):  # <xsl:message .../>: give it content
            tag = found.group(0)[:-2] + ">"
            edits.append((found.start(), found.end(), f"{tag}{marker}</{qname}>"))
        else:
            edits.append((found.end(), found.end(), marker))
    for begin, end, replacement in sorted(edits, reverse=True):
        text = text[:begin] + replacement + text[end:]
    return text


# Saxon: "Error in {1 +} at char 4 in xsl:value-of/@select on line 3 column 31 of x.xsl:"
_SAXON_HEAD_RE = re.compile(
    r"^\s*(?P<kind>(?:[A-Z][a-z]+ )?(?:[Ee]rror|[Ww]arning))\b.*?"
    r" on line (?P<line>\d+)(?: column (?P<col>\d+))? of (?P<where>.*?):\s*$"
)
_SAXON_CODE_RE = re.compile(r"^\s*(?P<code>[A-Z]{4}\d{4}|[\w.-]+:[\w.-]+)\s+(?P<msg>.*)$")


def _saxon_diagnostics(
    raw: str, main: Path, modules: Mapping[str, Path], file: str | None = None
) -> list[Diagnostic]:
    """Saxon's multi-error report as one Diagnostic per error, located in the stylesheet
    (or, with ``file``, attributed to that document with the stylesheet place in the text)."""
    diags: list[Diagnostic] = []
    current: dict[str, Any] | None = None
    for line in raw.splitlines():
        head = _SAXON_HEAD_RE.match(line)
        if head:
            if current:
                diags.append(_saxon_diag(current, main, modules, file))
            current = {**head.groupdict(), "text": []}
        elif current is not None and line.strip():
            if line.lstrip().startswith(("In template", "In function", "During ", "invoked by")):
                current["stack"] = True  # the stack trace adds nothing to a one-liner
            elif not current.get("stack"):
                current["text"].append(line.strip())
    if current:
        diags.append(_saxon_diag(current, main, modules, file))
    return diags


def _saxon_diag(
    found: dict[str, Any], main: Path, modules: Mapping[str, Path], file: str | None
) -> Diagnostic:
    where = str(found["where"]).strip()
    if where.endswith("/") or not where:  # compiled from text: Saxon names the folder
        sheet = main
    elif where.startswith("file:"):
        sheet = Path(unquote(urlparse(where).path))
    else:
        sheet = modules.get(Path(where).name, main.parent / where)
    text = " ".join(found["text"])
    code = ""
    match = _SAXON_CODE_RE.match(text)
    if match:
        code, text = match.group("code"), match.group("msg")
    code = code.split(":")[-1] if code.startswith("tk:") else code
    text = re.sub(r"^\[tk:[\w.-]+\]\s*", "", text)
    severity = Severity.WARNING if "arning" in found["kind"] else Severity.ERROR
    line, col = int(found["line"]), int(found["col"] or 0)
    if file is None:
        return _diag(str(sheet), line, col, text, code, severity)
    return _diag(file, 0, 0, f"{text} (at {sheet.name}:{line}:{col})", code, severity)


def _diag(
    file: str,
    line: int,
    column: int,
    message: str,
    code: str = "",
    severity: Severity = Severity.ERROR,
    xpath: str = "",
) -> Diagnostic:
    return Diagnostic(file, line, column, severity, " ".join(message.split()), code, "xslt", xpath)


# --------------------------------------------------------------------------- native stderr

_stderr_lock = threading.Lock()
_sink: tuple[int, Any] | None = None  # (pid, temporary file): one per process


def _stderr_sink() -> Any:
    """An empty temporary file for :func:`_capture_native_stderr`, made once per
    process (a forked worker makes its own: the parent's shares its file offset)."""
    global _sink
    if _sink is None or _sink[0] != os.getpid():
        _sink = (os.getpid(), tempfile.TemporaryFile())  # noqa: SIM115 - kept open for reuse
    sink = _sink[1]
    sink.seek(0)
    sink.truncate()
    return sink


@contextlib.contextmanager
def _capture_native_stderr() -> Iterator[list[str]]:
    """Collect what the native Saxon library writes to file descriptor 2.

    SaxonC prints runtime errors (with code and stylesheet line) to stderr
    and raises an exception with the description only. A library must not
    print, and the location is worth having, so fd 2 is pointed at a
    temporary file while Saxon runs. Yields a list that holds the text after
    the ``with`` block.
    """
    captured: list[str] = []
    with _stderr_lock:
        sink = _stderr_sink()
        with contextlib.suppress(Exception):
            sys.stderr.flush()
        try:
            saved = os.dup(2)
        except OSError:  # no fd 2 (embedded interpreter): nothing to capture
            yield captured
            return
        os.dup2(sink.fileno(), 2)
        try:
            yield captured
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            captured.append(sink.read().decode("utf-8", "replace"))


# --------------------------------------------------------------------------- documents


def as_document(doc: Document | str | os.PathLike[str]) -> Document:
    """A Document as given, or loaded from a path with the hardened loader."""
    return doc if isinstance(doc, Document) else load(doc)


def _base_uri(doc: Document | _Reread) -> str:
    if doc.path in ("<stdin>", "<bytes>") or not doc.path:
        return (Path.cwd() / "stdin.xml").as_uri()
    return Path(doc.path).resolve().as_uri()


class _Reread:
    """A document let go before its transform (see :func:`render`'s ``let_go``):
    read again only when a message of the stylesheet is to be located in it."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._doc: Document | None = None

    def document(self) -> Document:
        if self._doc is None:
            self._doc = load(self.path)
        return self._doc


_nodes: dict[int, tuple[Document, Any]] = {}
_NODE_CACHE = 16


@dataclass(eq=False)
class StandIn(Document):
    """A document kept only as its Saxon tree (see :func:`stand_in`): a small lxml
    tree of its root alone, and ``remake`` to make the whole document again where it
    is itself rendered or a message is to be located in it."""

    remake: Callable[[], Document] | None = None
    made: Document | None = None  # the whole document, once made again here
    # What an edition model says of the whole document (see model_facts), taken
    # before its lxml tree went, with that model: rendering it with the same model
    # needs no remake (the merged register's pages: 85 MB of lxml in each worker).
    described: tuple[Edition, ModelFacts] | None = None

    def facts_for(self, edition: Edition | None) -> ModelFacts | None:
        """What ``edition`` says of the whole document, if taken before (stand_in)."""
        if edition is None or self.described is None or self.described[0] is not edition:
            return None
        return self.described[1]

    def whole(self) -> Document:
        """The whole document, made again once (with this one's Saxon tree)."""
        if self.made is None:
            assert self.remake is not None
            made = self.remake()
            cached = _nodes.get(id(self))
            if cached is not None and cached[0] is self:
                _nodes[id(made)] = (made, cached[1])  # not parsed again
            self.made = made
        return self.made


def stand_in(
    doc: Document, remake: Callable[[], Document], edition: Edition | None = None
) -> StandIn:
    """A stand-in for ``doc`` that holds its Saxon tree, made now, so that its lxml
    tree can be let go: as a register it serves every page (its look-up tables are
    computed from that tree); where a message is located in it, or where it is
    rendered with another model than ``edition`` (whose facts of it are taken now),
    ``remake()`` makes the whole document again, once. ``remake`` must give a
    document equal to ``doc`` (the same elements, with their source lines)."""
    node = xdm_node(doc)
    root = etree.Element(doc.root.tag, nsmap=doc.root.nsmap)
    described = (edition, model_facts(edition, doc)) if edition is not None else None
    held = StandIn(doc.path, root.getroottree(), root, remake=remake, described=described)
    forget(doc)
    _nodes[id(held)] = (held, node)
    return held


# Typst lays out a whole document in memory before it writes a page: the edition's
# PDF of the Schnitzler sample (295 letters with lists of their own and registers
# of 6,000 entries, 14 MB of TEI) took 3.4 GB, and 0.5 GB with only 10 of its
# letters; up to 250 times the TEI it is made from. Above this many bytes of TEI
# no edition PDF is made (each document still gets its own).
EDITION_PDF_MAX_BYTES = 2 * 2**20


def xdm_node(doc: Document) -> Any:
    """The document as a Saxon node (cached per Document object, least recently used
    dropped first).

    Only the root element is serialised for Saxon: no DOCTYPE, so Saxon's own
    parser has nothing external to fetch.
    """
    key = id(doc)
    cached = _nodes.pop(key, None)
    if cached is not None and cached[0] is doc:
        _nodes[key] = cached  # most recently used last: a register used by every page stays
        return cached[1]
    if isinstance(doc, StandIn):  # its tree was pushed out of the cache: made again
        node = xdm_node(doc.whole())
        _nodes[key] = (doc, node)
        return node
    node = xslt.parse(_node_text(doc), _base_uri(doc))
    while len(_nodes) >= _NODE_CACHE:
        _nodes.pop(next(iter(_nodes)))
    _nodes[key] = (doc, node)
    return node


def _node_text(doc: Document) -> str:
    """What Saxon parses of a document (:func:`xdm_node`): its root element as text."""
    return etree.tostring(doc.root, encoding="unicode", with_tail=False)


def forget(doc: Document) -> None:
    """Drop ``doc``'s Saxon tree (and a register's look-up tables) from the caches:
    a batch that reads each file once has no use for it, and a large document's
    tree would stay with the worker until sixteen others had pushed it out."""
    cached = _nodes.get(id(doc))
    if cached is not None and cached[0] is doc:
        del _nodes[id(doc)]
    with _sheets_lock:  # and, for a register, its look-up tables
        sheets = list(_sheets.values())
    for sheet in sheets:
        records = sheet.records.get(id(doc))
        if records is not None and records[0] is doc:
            with sheet.lock:
                sheet.records.pop(id(doc), None)


def unload() -> None:
    """Drop every Saxon tree, register look-up table and compiled stylesheet this
    process holds, and collect Saxon's heap: a process done with Saxon need not keep
    them (the site's parent before its Typst workers fork: Schnitzler's 325 -> 280 MB
    resident). Whatever is used again is made again."""
    _nodes.clear()
    with _sheets_lock:
        _sheets.clear()
    xslt.forget_compiled()
    gc.collect()  # the Python proxies that still point into Saxon's heap
    xslt.collect_garbage()
    release_freed_memory()


def model_entities(edition: Edition, doc: Document, prefix: str = "") -> dict[str, str]:
    """The ``$entities`` entries of one document: the canonical id of the entity each
    mention names, by ``prefix`` + the mention's number among the document's
    elements in document order (root = 1, as ``tk:element-number`` counts); and for
    each ``@resp``, the ids of its pointers (``-`` where one names no entity), by
    that key + ``/@resp``."""
    named: list[tuple[etree._Element, str, str]] = []  # element, key suffix, value
    for mention in edition.mentions(doc):
        entities = mention.entities
        if entities:
            named.append((mention.element, "", entities[0].id))
    for el in doc.root.iter(etree.Element):
        if el.get("resp") is None:
            continue
        ids = [
            (edition.resolve(token, doc, attribute="resp").entity or _NO_ENTITY).id
            for token in (el.get("resp") or "").split()
        ]
        if any(i != "-" for i in ids):
            named.append((el, "/@resp", " ".join(ids)))
    if not named:
        return {}
    # lxml hands out the same proxy for an element while one is alive (``named``
    # holds them), so the walk below finds them by identity.
    wanted: dict[etree._Element, list[tuple[str, str]]] = {}
    for el, suffix, value in named:
        wanted.setdefault(el, []).append((suffix, value))
    found: dict[str, str] = {}
    for number, el in enumerate(doc.root.iter(etree.Element), 1):
        for suffix, value in wanted.get(el, ()):
            found[f"{prefix}{number}{suffix}"] = value
    return found


class _NoEntity:
    id = "-"


_NO_ENTITY = _NoEntity()


def _xdm_strings(values: Sequence[str]) -> Any:
    proc = xslt.processor()
    sequence = proc.empty_sequence()
    for value in values:
        sequence.add_xdm_item(proc.make_string_value(value))
    return sequence


def _xdm_map(values: Mapping[str, str]) -> Any:
    proc = xslt.processor()
    return proc.make_map(
        {proc.make_string_value(k): proc.make_string_value(v) for k, v in values.items()}
    )


@dataclass(frozen=True)
class ModelFacts:
    """What the edition model says about a document, for the stylesheets' parameters
    (see model_params)."""

    kind: str
    title: str
    short_title: str
    edition_title: str
    entities: Mapping[str, str]  # see model_entities


def model_facts(edition: Edition, doc: Document) -> ModelFacts:
    """All that :func:`model_params` may take from the model about ``doc``."""
    return ModelFacts(
        edition.kind(doc),
        edition.title_of(doc),
        edition.short_title_of(doc),
        edition.title,
        model_entities(edition, doc),
    )


def model_params(edition: Edition, doc: Document, sheet: Stylesheet) -> dict[str, object]:
    """What the edition model says about ``doc``, as the parameters the stylesheet
    declares: kind, title, short title, the edition's title, and the entities its
    mentions name (for a :class:`StandIn`, as taken before its tree went)."""
    facts = doc.facts_for(edition) if isinstance(doc, StandIn) else None
    if facts is not None:
        values: dict[str, object] = {
            "kind": facts.kind,
            "title": facts.title,
            "short-title": facts.short_title,
            "edition-title": facts.edition_title,
        }
    else:
        values = {
            "kind": edition.kind(doc),
            "title": edition.title_of(doc),
            "short-title": edition.short_title_of(doc),
            "edition-title": edition.title,
        }
    out = {name: value for name, value in values.items() if name in sheet.params}
    if "entities" in sheet.params or "entities-json" in sheet.params:
        entities = facts.entities if facts is not None else model_entities(edition, doc)
        if "entities-json" in sheet.params:
            out["entities-json"] = _entities_json(entities)
        else:  # a stylesheet of its own, older than entities-json
            out["entities"] = _xdm_map(entities)
    return out


def _entities_json(entities: Mapping[str, str]) -> str | None:
    """``$entities`` as ``$entities-json``: one string, parsed by the stylesheet; none
    for no entities (as saxonche made no map of an empty dict: $entities stays empty)."""
    return json.dumps(entities, ensure_ascii=False, separators=(",", ":")) if entities else None


def edition_of(doc: Document, edition: Edition | None) -> Edition:
    """The edition ``doc`` belongs to: the one given, else the edition of its folder
    with only this document (registers it points to in that folder are read)."""
    if edition is not None:
        return edition
    cached = _editions.get(id(doc))
    if cached is not None and cached[0] is doc:
        return cached[1]
    made = Edition.open([doc])
    while len(_editions) >= _NODE_CACHE:
        _editions.pop(next(iter(_editions)))
    _editions[id(doc)] = (doc, made)
    return made


_editions: dict[int, tuple[Document, Edition]] = {}


# --------------------------------------------------------------------------- running


def typed_value(spec: ParamSpec | None, name: str, value: object) -> Any:
    """Convert a parameter value to the stylesheet's declared ``@as`` type.

    Strings are converted with Saxon's own casting rules (xs:integer,
    xs:decimal, xs:date …; xs:boolean also takes yes/no); values for
    ``document-node()`` parameters are files, read with the hardened loader.
    Raises :class:`UsageError` with a diagnostic at the ``xsl:param``.
    """
    proc = xslt.processor()
    if isinstance(value, Document):
        return xdm_node(value)
    if not isinstance(value, str | int | float | bool | os.PathLike):
        return value  # already an XDM value
    declared = spec.type if spec else ""
    raw = os.fspath(value) if isinstance(value, os.PathLike) else value
    if isinstance(raw, bool):
        raw = "true" if raw else "false"
    raw = str(raw)
    base = declared.rstrip("?*+ ").strip()
    many = declared.endswith(("*", "+"))
    where = (spec.file, spec.line) if spec else ("<params>", 0)

    def bad(reason: str) -> UsageError:
        diag = _diag(where[0], where[1], 0, f"parameter {name!r}: {reason}", "bad-param")
        return UsageError(diag.format(), [diag])

    if base.startswith(("document-node", "node", "element")):
        try:
            return xdm_node(load(raw, require_tei=False))
        except LoadError as exc:
            raise bad(f"cannot read {raw!r}: {exc.diagnostics[0].message}") from None
    if base.startswith(("map(", "array(", "function(")) or base == "map" or base == "array":
        raise bad(f"values of type {declared} cannot be given as text")
    if base in ("", "item()", "xs:anyAtomicType", "xs:untypedAtomic"):
        return proc.make_atomic_value("untypedAtomic", raw)
    local = base.split(":", 1)[1] if base.startswith("xs:") else base
    if not re.fullmatch(r"[A-Za-z]+", local):
        raise bad(f"values of type {declared} cannot be given as text")
    if local == "string" and not many:
        return proc.make_string_value(raw)
    if declared.endswith("?") and raw.strip() == "":
        return proc.empty_sequence()
    items = raw.replace(",", " ").split() if many and local != "string" else [raw]
    values = proc.empty_sequence()
    for item in items:
        text = item.strip()
        if local == "boolean":
            text = {"yes": "true", "no": "false", "on": "true", "off": "false"}.get(
                text.lower(), text.lower()
            )
        try:
            atom = proc.make_atomic_value(local, text)
        except Exception as exc:
            message = " ".join(str(exc).split())
            raise bad(f"{raw!r} is not a valid {declared}: {message}") from None
        if not many:
            return atom
        values.add_xdm_item(atom)
    return values


def _set_params(sheet: Stylesheet, params: Mapping[str, object]) -> None:
    sheet.executable.clear_parameters()
    for name, value in params.items():
        if value is None:
            continue
        sheet.executable.set_parameter(name, typed_value(sheet.params.get(name), name, value))
    register = params.get("register")
    if (
        isinstance(register, Document)
        and "register-records" in sheet.params
        and params.get("register-records") is None
    ):
        sheet.executable.set_parameter("register-records", _register_records(sheet, register))


_RECORDS_KEPT = 4


def warm_register_records(stylesheet: str | os.PathLike[str], register: Document) -> None:
    """Compute ``register``'s look-up table for ``stylesheet`` now (it is kept with
    the stylesheet, see :func:`_register_records`): workers forked afterwards
    share it instead of each computing its own (29 MB for the Schnitzler sample,
    in every worker and again in each fresh one)."""
    sheet = load_stylesheet(stylesheet)
    if "register" not in sheet.params or "register-records" not in sheet.params:
        return
    with sheet.lock:
        try:
            _set_params(sheet, {"register": register})
        finally:
            sheet.executable.clear_parameters()


def _register_records(sheet: Stylesheet, register: Document) -> Any:
    """The register's look-up table (template ``tk:register-records``), computed once
    per register and stylesheet instead of at every page: a batch of letters shares
    one register. Call with the ``register`` parameter set and the sheet locked."""
    cached = sheet.records.get(id(register))
    if cached is not None and cached[0] is register:
        return cached[1]
    executable = sheet.executable
    executable.set_result_as_raw_value(True)  # the map itself, not its serialisation
    try:
        with _capture_native_stderr():
            value = executable.call_template_returning_value(
                "{https://teikit.org/ns/xslt}register-records"
            )
    finally:
        executable.set_result_as_raw_value(False)
    while len(sheet.records) >= _RECORDS_KEPT:
        sheet.records.pop(next(iter(sheet.records)))
    sheet.records[id(register)] = (register, value)
    return value


def run(
    sheet: Stylesheet,
    doc: Document | _Reread | None,
    *,
    params: Mapping[str, object] | None = None,
    context: Sequence[Document] = (),
    template: str | None = None,
    node: Any = None,
    output: str | os.PathLike[str] | None = None,
) -> Rendered:
    """Run a stylesheet over one document (or call a named ``template``).

    ``context`` lists further documents passed in as parameters (the register,
    the edition's documents), so that messages about their nodes are located
    in the right file. ``node``: ``doc``'s Saxon tree when the caller made it
    (``doc`` may then be a :class:`_Reread`). ``output``: a file Saxon writes
    the result to, instead of returning it (the text is then ""). Raises
    :class:`RenderError` if the transformation fails.
    """
    file = doc.path if doc else (context[0].path if context else str(sheet.path))
    with sheet.lock:
        _set_params(sheet, params or {})
        executable = sheet.executable
        executable.set_save_xsl_message(True, None)
        executable.clear_xsl_messages()
        failure: Exception | None = None
        result = ""
        with _capture_native_stderr() as noise:
            try:
                if template is not None:
                    result = executable.call_template_returning_string(template) or ""
                else:
                    source = node if node is not None else xdm_node(doc)  # type: ignore[arg-type]
                    if output is not None:
                        executable.transform_to_file(xdm_node=source, output_file=os.fspath(output))
                    else:
                        result = executable.transform_to_string(xdm_node=source) or ""
                    del source
            except Exception as exc:  # PySaxonApiError is not importable portably
                failure = exc
        messages = executable.get_xsl_messages()
        diagnostics: list[Diagnostic] = []
        if messages is not None and messages.size:
            # by base URI, the tk:diagnostic/@document of a message (resolved only when needed)
            docs = {_base_uri(d): d for d in ([doc] if doc else []) + list(context)}
            diagnostics = _message_diagnostics(messages, sheet, docs, file)
        executable.clear_xsl_messages()
        executable.clear_parameters()
    if failure is not None:
        described = " ".join(str(failure).split())
        located = _saxon_diagnostics("".join(noise), sheet.path, sheet.modules, file)
        code_match = re.match(r"\[tk:([\w.-]+)\]\s*", described)
        # The node the error names, if it names one: the finding is located there
        # (else it is about the document as a whole: line 0).
        node = _NODE_PATH_RE.search(described)
        line, column, xpath = _locate(doc, node.group(1)) if node else (0, 0, "")
        if located:
            errors = [d for d in located if d.severity >= Severity.ERROR] or located
            if line:
                errors = [
                    replace(d, line=line, column=column, xpath=xpath) if not d.line else d
                    for d in errors
                ]
        else:
            code = code_match.group(1) if code_match else "transform-failed"
            text = described[code_match.end() :] if code_match else described
            failed = _diag(file, line, column, f"transformation failed: {text}", code)
            errors = [replace(failed, xpath=xpath)]
        raise RenderError(f"{file}: transformation failed: {described}", diagnostics + errors)
    return Rendered(result, diagnostics)


_SEVERITIES = {
    "info": Severity.INFO,
    "warning": Severity.WARNING,
    "error": Severity.ERROR,
    "fatal": Severity.ERROR,
}


def _message_diagnostics(
    messages: Any, sheet: Stylesheet, docs: Mapping[str, Document], file: str
) -> list[Diagnostic]:
    """xsl:message output as Diagnostics.

    A ``tk:diagnostic`` element gives code, severity and the path() of the node
    concerned; other messages are plain text, located through the instrumented
    marker when there is one. Severity may also be given as a text prefix
    ("error: …", "warning: …", "info: …"); the default is a warning.
    """
    out: list[Diagnostic] = []
    if messages is None:
        return out
    for i in range(messages.size):
        item = messages.item_at(i)
        element = None
        for child in getattr(item, "children", None) or []:
            if child.node_kind_str == "element":
                if child.name == f"Q{{{TK_NS}}}diagnostic":
                    element = child
                break
        if element is not None:
            attrs = {a.local_name: a.string_value for a in element.attributes}
            text = " ".join(element.string_value.split())
            target = docs.get(attrs.get("document", ""))
            line, column, xpath = _locate(target, attrs.get("path", ""))
            out.append(
                Diagnostic(
                    target.path if target else file,
                    line,
                    column,
                    _SEVERITIES.get(attrs.get("severity", "warning"), Severity.WARNING),
                    text,
                    attrs.get("code", ""),
                    "xslt",
                    xpath,
                )
            )
            continue
        text = str(item.string_value)
        site: MessageSite | None = None
        path = ""
        mark = _MARK_RE.search(text)
        if mark:
            site = sheet.sites.get(int(mark.group(1)))
            path = mark.group(2)
            text = _MARK_RE.sub("", text)
        text = " ".join(text.split())
        severity = Severity.WARNING
        prefix = re.match(r"(error|warning|info)\s*:\s*", text, re.IGNORECASE)
        if prefix:
            severity = _SEVERITIES[prefix.group(1).lower()]
            text = text[prefix.end() :]
        target = next(iter(docs.values()), None)
        line, column, xpath = _locate(target, path)
        if site is not None:
            text = f"{text} (xsl:message at {Path(site.file).name}:{site.line})"
        out.append(
            Diagnostic(
                target.path if target else file,
                line,
                column,
                severity,
                text,
                site.code if site else "",
                "xslt",
                xpath,
            )
        )
    return out


# "/Q{ns}TEI[1]/Q{ns}text[1]/@target", "text()[2]", "@Q{ns}id"
_STEP_RE = re.compile(r"/(Q\{[^}]*\}[^/\[]+\[\d+\]|@(?:Q\{[^}]*\})?[^/]+|[^/]+)")
_ELEMENT_STEP_RE = re.compile(
    r"(?:Q\{(?P<ns>[^}]*)\})?(?P<local>[A-Za-z_][\w.\-]*)(?:\[(?P<pos>\d+)\])?"
)
# A node path in Saxon's words ("Ambiguous rule match for /TEI/text[1]/body[1]/p[2]"):
# unprefixed local names, the root without a position.
_NODE_PATH_RE = re.compile(
    r"(?<![\w:/.])(/[A-Za-z_][\w.\-]*(?:\[\d+\])?(?:/[A-Za-z_@][\w.\-:]*(?:\[\d+\])?)*)"
)


# The last document a message located and its source positions (one reference,
# swapped whole, so that threads never pair one document with another's positions).
_last_positions: tuple[Any, Any] = (None, None)


def _position(doc: Document, el: etree._Element) -> tuple[int, int]:
    """Line and column of ``el``'s start tag (the source is read once per document,
    only when a message names one of its nodes); lxml's line, column 0, without it."""
    from teikit.validate.relaxng import source_positions

    global _last_positions
    cached, where = _last_positions
    if cached is not doc:
        where = source_positions(doc)
        _last_positions = (doc, where)
    try:
        return where(el, None)
    except (KeyError, ValueError, IndexError):
        return el.sourceline or 0, 0


def _locate(doc: Document | _Reread | None, path: str) -> tuple[int, int, str]:
    """Line, column and readable XPath of the element an XPath 3 ``path()`` (or
    Saxon's short ``/TEI/text[1]/p[2]``) names; 0, 0 and "" when it names none."""
    if doc is None or not path.startswith("/"):
        return 0, 0, ""
    if isinstance(doc, StandIn):
        doc = doc.whole()
    if isinstance(doc, _Reread):
        try:
            doc = doc.document()
        except LoadError:  # changed or gone since it was rendered
            return 0, 0, ""
    current: etree._Element | None = None
    for step in _STEP_RE.findall(path):
        match = _ELEMENT_STEP_RE.fullmatch(step)
        if not match:
            break  # attribute, text() …: report the owning element
        if match["ns"] is None:  # Saxon's short form: a local name in any namespace
            tag = f"{{*}}{match['local']}"
            local = match["local"]
            candidates = [doc.root] if current is None else list(current.iterchildren(tag))
            candidates = [c for c in candidates if etree.QName(c).localname == local]
        else:
            tag = f"{{{match['ns']}}}{match['local']}" if match["ns"] else match["local"]
            candidates = [doc.root] if current is None else list(current.iterchildren(tag))
            candidates = [c for c in candidates if c.tag == tag]
        index = int(match["pos"] or 1) - 1
        if index >= len(candidates):
            break
        current = candidates[index]
    if current is None:
        return 0, 0, ""
    return (*_position(doc, current), doc.xpath_of(current))


# --------------------------------------------------------------------------- rendering


def _builtin(kind: str, stylesheet: str | os.PathLike[str] | None) -> Stylesheet:
    return load_stylesheet(stylesheet if stylesheet is not None else STYLESHEETS[kind])


def render(
    doc: Document | str | os.PathLike[str],
    to: str,
    *,
    register: Document | str | os.PathLike[str] | None = None,
    params: Mapping[str, object] | None = None,
    stylesheet: str | os.PathLike[str] | None = None,
    edition: Edition | None = None,
    output: str | os.PathLike[str] | None = None,
    let_go: bool = False,
) -> Rendered:
    """Render one document as ``"html"``, ``"typst"`` or ``"txt"``, with diagnostics.

    ``edition`` is the edition the document belongs to (default: its folder, see
    :func:`edition_of`): it gives the stylesheet the document's kind and titles,
    the edition's title and what each mention names. ``register`` is the
    register document (default: the edition's registers); ``stylesheet`` a
    profile that imports the built-in one; ``params`` stylesheet parameters
    (converted to their declared types), which win over the edition's.

    ``output``: a file the result is written to by Saxon, instead of returned
    (``Rendered.text`` is then ""): a large page never becomes a Python string.
    ``let_go`` with ``doc`` given as a path: the document read here is let go
    once its parameters and its text for Saxon are made, before Saxon parses it
    (a 20 MB diary's lxml tree need not live beside Saxon's); a message to be
    located in it reads it again.
    """
    if to not in STYLESHEETS:
        raise UsageError(f"cannot render as {to!r}: choose one of {', '.join(STYLESHEETS)}")
    document = as_document(doc)
    if isinstance(document, StandIn) and document.facts_for(edition) is None:
        document = document.whole()  # rendered itself: the model reads the whole document
    sheet = _builtin(to, stylesheet)
    model = edition_of(document, edition)
    reg = as_document(register) if register is not None else model.register_document
    all_params: dict[str, object] = {**model_params(model, document, sheet), **(params or {})}
    if params and "entities" in params and "entities-json" not in params:
        all_params.pop("entities-json", None)  # the caller's own map wins over the model's
    if reg is not None and "register" in sheet.params:
        all_params.setdefault("register", reg)
    context = [reg] if reg else []
    if not (let_go and not isinstance(doc, Document)):
        return run(sheet, document, params=all_params, context=context, output=output)
    # Saxon's tree is made from the document's text once its lxml tree is gone (the
    # diary: 175 MB less beside Saxon's tree as it is built), and is the caller's
    # alone (not in xdm_node's cache).
    text, base = _node_text(document), _base_uri(document)
    forget(document)
    cached = _editions.get(id(document))
    if cached is not None and cached[0] is document:
        del _editions[id(document)]
    model.let_go(document)  # key_of's cache held the last document it saw
    reread = _Reread(document.path)
    del document, model
    release_freed_memory()  # the tree's pages go back before Saxon takes its own
    node = xslt.parse(text, base)
    del text
    return run(sheet, reread, params=all_params, context=context, node=node, output=output)


def render_html(
    doc: Document | str | os.PathLike[str],
    *,
    register: Document | str | os.PathLike[str] | None = None,
    out_path: str | os.PathLike[str] | None = None,
    params: Mapping[str, object] | None = None,
    stylesheet: str | os.PathLike[str] | None = None,
    diagnostics: list[Diagnostic] | None = None,
    edition: Edition | None = None,
) -> str:
    """One HTML5 page for a TEI document (see xslt/html/html.xsl for the parameters).

    With ``out_path`` the page is written there atomically, and teikit.css and
    teikit.js are copied to ``assets/`` beside it (unless ``assets-path`` or
    ``site-root`` is given: then the site layout is the caller's). Stylesheet
    messages are appended to ``diagnostics`` when a list is given.
    """
    result = render(
        doc, "html", register=register, params=params, stylesheet=stylesheet, edition=edition
    )
    if diagnostics is not None:
        diagnostics.extend(result.diagnostics)
    if out_path is not None:
        target = Path(out_path)
        write_atomic(target, result.text.encode("utf-8"))
        if not {"assets-path", "site-root"} & set(params or {}):
            write_assets(target.parent)
    return result.text


def render_typst(
    doc: Document | str | os.PathLike[str],
    *,
    register: Document | str | os.PathLike[str] | None = None,
    out_path: str | os.PathLike[str] | None = None,
    params: Mapping[str, object] | None = None,
    stylesheet: str | os.PathLike[str] | None = None,
    diagnostics: list[Diagnostic] | None = None,
    edition: Edition | None = None,
) -> str:
    """The Typst source of the PDF of a TEI document (xslt/print/print.xsl)."""
    result = render(
        doc, "typst", register=register, params=params, stylesheet=stylesheet, edition=edition
    )
    if diagnostics is not None:
        diagnostics.extend(result.diagnostics)
    if out_path is not None:
        write_atomic(Path(out_path), result.text.encode("utf-8"))
    return result.text


def render_text(
    doc: Document | str | os.PathLike[str],
    *,
    register: Document | str | os.PathLike[str] | None = None,
    out_path: str | os.PathLike[str] | None = None,
    params: Mapping[str, object] | None = None,
    stylesheet: str | os.PathLike[str] | None = None,
    diagnostics: list[Diagnostic] | None = None,
    edition: Edition | None = None,
) -> str:
    """The plain reading text of a TEI document (xslt/text/text.xsl)."""
    result = render(
        doc, "txt", register=register, params=params, stylesheet=stylesheet, edition=edition
    )
    if diagnostics is not None:
        diagnostics.extend(result.diagnostics)
    if out_path is not None:
        write_atomic(Path(out_path), result.text.encode("utf-8"))
    return result.text


def render_pdf(
    doc: Document | str | os.PathLike[str],
    out_path: str | os.PathLike[str],
    *,
    pdf_standard: str | Sequence[str] | None = None,
    register: Document | str | os.PathLike[str] | None = None,
    params: Mapping[str, object] | None = None,
    stylesheet: str | os.PathLike[str] | None = None,
    font_paths: Iterable[str | os.PathLike[str]] = (),
    diagnostics: list[Diagnostic] | None = None,
    edition: Edition | None = None,
) -> Path:
    """A PDF of one TEI document: A4, running head, page numbers, real footnotes,
    metadata block, PDF metadata, tagged; ``pdf_standard="a-2b"`` for PDF/A."""
    document = as_document(doc)
    sheet = _builtin("typst", stylesheet)
    if "part-breaks" in sheet.params:  # where a long document may be cut into parts
        params = {"part-breaks": "true", **(params or {})}
    result = render(
        document, "typst", register=register, params=params, stylesheet=stylesheet,
        edition=edition,
    )  # fmt: skip
    pdf, warnings = compile_typst(
        result.text, pdf_standard=pdf_standard, font_paths=font_paths, file=document.path
    )
    if diagnostics is not None:
        diagnostics.extend(result.diagnostics + warnings)
    target = Path(out_path)
    write_atomic(target, pdf)
    return target


def render_edition_pdf(
    docs: Iterable[Document | str | os.PathLike[str]],
    out_path: str | os.PathLike[str],
    *,
    pdf_standard: str | Sequence[str] | None = None,
    register: Document | str | os.PathLike[str] | None = None,
    params: Mapping[str, object] | None = None,
    stylesheet: str | os.PathLike[str] | None = None,
    font_paths: Iterable[str | os.PathLike[str]] = (),
    diagnostics: list[Diagnostic] | None = None,
    edition: Edition | None = None,
) -> Path:
    """One PDF of the whole edition: title page, contents (#outline), front matter,
    the letters in date order, the registers; every part is a PDF bookmark.

    Files that cannot be loaded are skipped with their diagnostics; the
    register defaults to the edition's registers.
    """
    result, found = edition_typst(
        docs, register=register, params=params, stylesheet=stylesheet, edition=edition
    )
    pdf, warnings = compile_typst(
        result.text, pdf_standard=pdf_standard, font_paths=font_paths, file=str(out_path)
    )
    if diagnostics is not None:
        diagnostics.extend(found + result.diagnostics + warnings)
    target = Path(out_path)
    write_atomic(target, pdf)
    return target


def edition_typst(
    docs: Iterable[Document | str | os.PathLike[str]],
    *,
    register: Document | str | os.PathLike[str] | None = None,
    params: Mapping[str, object] | None = None,
    stylesheet: str | os.PathLike[str] | None = None,
    edition: Edition | None = None,
) -> tuple[Rendered, list[Diagnostic]]:
    """The Typst source of :func:`render_edition_pdf`, and the diagnostics of the
    files that could not be loaded (skipped). The documents go to the stylesheet in
    the edition's reading order, with their kinds, titles and entities."""
    loaded: list[Document] = []
    found: list[Diagnostic] = []
    for item in docs:
        try:
            loaded.append(as_document(item))
        except LoadError as exc:
            found.extend(exc.diagnostics)
    if not loaded:
        raise UsageError("no documents to put into the edition", found)
    model = edition if edition is not None else Edition.open(loaded)
    given = {id(d) for d in loaded}
    ordered = [d for d in model.order if id(d) in given]
    ordered += [d for d in loaded if all(d is not o for o in ordered)]
    reg = as_document(register) if register is not None else model.register_document
    sheet = _builtin("typst", stylesheet)
    proc = xslt.processor()
    sequence = proc.empty_sequence()
    entities: dict[str, str] = {}
    for n, document in enumerate(ordered, 1):
        sequence.add_xdm_item(xdm_node(document))
        entities.update(model_entities(model, document, f"{n}:"))
    values: dict[str, object] = {
        "kinds": [model.kind(d) for d in ordered],
        "titles": [model.title_of(d) for d in ordered],
        "short-titles": [model.short_title_of(d) for d in ordered],
        "edition-title": model.title,
    }
    all_params: dict[str, object] = {
        **{k: _xdm_strings(v) if isinstance(v, list) else v for k, v in values.items()
           if k in sheet.params},
        **(params or {}),
        "documents": sequence,
    }  # fmt: skip
    if "entities-json" in sheet.params:
        all_params["entities-json"] = _entities_json(entities)
    elif "entities" in sheet.params:
        all_params["entities"] = _xdm_map(entities)
    loaded = ordered
    if reg is not None:
        all_params["register"] = reg
    context = loaded + ([reg] if reg is not None and all(reg is not d for d in loaded) else [])
    result = run(sheet, None, params=all_params, context=context, template=EDITION_TEMPLATE)
    return result, found


# --------------------------------------------------------------------------- Typst

_TYPST_LOC_RE = re.compile(r"┌─ [^\n]*?:(\d+):(\d+)")


# Typst runs a thread pool from its first compilation on; threads do not survive
# fork, so a forked process that compiles Typst after its parent did waits for ever.
# And the other way round: Saxon's runtime keeps a thread of its own (its "Reference
# Handler"); in a forked process, new threads reuse that thread's stack, and Saxon's
# next garbage collection then crashes. So a forked worker may run Saxon, or start
# threads (compile Typst), but not both: batch callers run the stylesheets in one
# set of workers and Typst in another (see teikit.transform and teikit.site).
_typst_started = False
_typst_local = threading.local()  # compilers of this thread, by font folders


def typst_forkable() -> bool:
    """Whether workers forked from this process can still compile Typst: false once
    this process (or the one it was forked from) has compiled anything with Typst.
    Batch callers then run Typst in this process instead of in workers."""
    return not _typst_started


def _typst_compiler(fonts: tuple[str, ...]) -> Any:
    """The typst.Compiler for these font folders, made once per thread: fonts are
    found and read once instead of for every PDF. Each compilation names its root."""
    import typst

    compilers = getattr(_typst_local, "compilers", None)
    if compilers is None:
        compilers = _typst_local.compilers = {}
    compiler = compilers.get(fonts)
    if compiler is None:
        found = typst.Fonts(
            include_system_fonts=False, include_embedded_fonts=True, font_paths=list(fonts)
        )
        compiler = compilers[fonts] = typst.Compiler(font_paths=found, ignore_system_fonts=True)
    return compiler


def _font_folders(font_paths: Iterable[str | os.PathLike[str]]) -> tuple[str, ...]:
    return fonts.folders(font_paths)  # see teikit.fonts: given, $TEIKIT_FONT_PATH, CJK


def warm_typst(font_paths: Iterable[str | os.PathLike[str]] = ()) -> None:
    """Find the fonts and make the Typst compiler now, without compiling anything, so
    that workers forked afterwards inherit it (and can still compile)."""
    with contextlib.suppress(ImportError):
        _typst_compiler(_font_folders(font_paths))


# Typst lays out a whole document in memory before it writes a page, some 250 times
# its source (the benchmark's diary: 13.8 MB of Typst source, 2.8 GB more; 1 MB
# of it, 300 MB). A longer source is typeset in parts of at most this many bytes
# each (teikit.typst_parts), cut where the print stylesheet marks that a part may
# begin ($part-breaks) ...
TYPST_PART_BYTES = 2**20
# ... and a source that cannot be cut so (no marks, or one piece between two marks
# longer than this: some 1 GB of Typst's) gets no PDF, with a warning, rather than
# exhausting memory.
TYPST_MAX_BYTES = 4 * 2**20


def compile_typst(
    source: str | bytes,
    *,
    pdf_standard: str | Sequence[str] | None = None,
    font_paths: Iterable[str | os.PathLike[str]] = (),
    file: str = "<typst>",
    part_bytes: int | None = None,
    max_bytes: int | None = None,
) -> tuple[bytes, list[Diagnostic]]:
    """Compile Typst source (text, or UTF-8 bytes) to PDF bytes, in-process and
    sandboxed.

    The compile root is a new temporary folder that holds only ``main.typ``:
    the document can read no other file. System fonts are ignored (the
    result does not depend on the machine); fonts come from Typst's embedded
    set, teikit's ``data/fonts`` (if present) and ``font_paths``, read once per
    process. The PDF is tagged; ``pdf_standard="a-2b"`` adds e.g. PDF/A-2b.
    The creation date is ``$SOURCE_DATE_EPOCH`` when set, else now.

    A source of more than ``part_bytes`` (default :data:`TYPST_PART_BYTES`) is
    typeset in parts and joined into one PDF (see :mod:`teikit.typst_parts`: not
    tagged, no PDF standard, said in a warning) where the print stylesheet marked
    where parts may begin; one that cannot be cut into parts of at most
    ``max_bytes`` (default :data:`TYPST_MAX_BYTES`) raises
    :class:`~teikit.errors.PdfTooLargeError`, whose diagnostic is a warning.
    """
    global _typst_started
    try:
        import typst
    except ImportError as exc:  # pragma: no cover - typst is a dependency
        raise RenderError("PDF output needs the 'typst' package: pip install typst") from exc
    standards = [pdf_standard] if isinstance(pdf_standard, str) else list(pdf_standard or [])
    unknown = [s for s in standards if s not in PDF_STANDARDS]
    if unknown:
        raise UsageError(
            f"unknown PDF standard {unknown[0]!r}; choose from {', '.join(sorted(PDF_STANDARDS))}"
        )
    data = source.encode("utf-8") if isinstance(source, str) else source
    del source  # the bytes are all that is kept (a str of them takes up to four times more)
    part_limit = TYPST_PART_BYTES if part_bytes is None else part_bytes
    most = TYPST_MAX_BYTES if max_bytes is None else max(max_bytes, part_limit)
    try:
        parts = typst_parts.plan(data, part_limit, most)
    except typst_parts.TooLarge as exc:
        limit = f"more than Typst lays out at once in bounded memory ({_megabytes(exc.limit)})"
        if exc.whole:
            message = (
                f"no PDF: its Typst source is {_megabytes(exc.size)}, {limit}, and the print "
                "stylesheet marked no division to cut it into parts at"
            )
        else:
            message = (
                f"no PDF: its Typst source is {_megabytes(len(data))}, and cut between its "
                f"divisions one part would still be {_megabytes(exc.size)}, {limit}"
            )
        diag = Diagnostic(file, 0, 0, Severity.WARNING, message, "pdf-too-large", "typst")
        raise PdfTooLargeError(f"{file}: {message}", [diag]) from None
    compiler = _typst_compiler(_font_folders(font_paths))
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    timestamp = int(epoch) if epoch.isdigit() else int(time.time())
    _typst_started = True
    if len(parts) == 1:
        pdf, found = _typeset(typst, compiler, data, standards, timestamp, True, file)
        return pdf, found + _glyph_warnings(data.decode("utf-8", "replace"), font_paths, file)
    # Each part is laid out alone (untagged: the tags of parts cannot be joined), and
    # the next one starts at the page after the last of those before it.
    pdfs: list[bytes] = []
    levels: list[list[int]] = []
    warnings: dict[str, Diagnostic] = {}
    missing: dict[str, None] = {}
    first_page = 1
    carried = typst_parts.carried_over(data, parts)
    for number, part in enumerate(parts, 1):
        text = typst_parts.part_source(
            data, part, number, len(parts), first_page, carried[number - 1]
        )
        pdf, found = _typeset(typst, compiler, text, [], timestamp, False, file)
        for d in found:
            warnings.setdefault(d.message, d)
        missing.update(dict.fromkeys(fonts.missing(text.decode("utf-8", "replace"),
                                                   _font_folders(font_paths))))  # fmt: skip
        levels.append(typst_parts.bookmark_levels(text))
        del text
        _forget_layouts(typst, compiler, timestamp)
        first_page += typst_parts.page_count(pdf)
        pdfs.append(pdf)
    release_freed_memory()  # Typst's heap goes back before the join takes its own
    joined = typst_parts.join(pdfs, levels)
    del pdfs
    note = (
        f"typeset in {len(parts)} parts and joined: its Typst source is {_megabytes(len(data))}, "
        f"more than Typst lays out at once in bounded memory ({_megabytes(part_limit)}); "
        "the PDF is not tagged"
        + (f" nor {', '.join(standards)} as asked" if standards else "")
        + ", and a link to another part leads to the end of its own"
    )
    kept = [Diagnostic(file, 0, 0, Severity.WARNING if standards else Severity.INFO, note,
                       "pdf-in-parts", "typst"), *warnings.values()]  # fmt: skip
    if missing:
        kept.append(_missing_glyphs(list(missing), file))
    return joined, kept


# typst-py keeps what Typst memoised of a compilation until this many compilations
# later have not used it (comemo::evict(10) after each). The layouts of a part are
# no use to the next one: without this, each part of the diary kept ~420 MB.
_TYPST_CACHE_AGE = 10


def _forget_layouts(typst: Any, compiler: Any, timestamp: int) -> None:
    """Make Typst drop what it memoised of the compilations before: as many empty
    compilations as its cache keeps (each a fraction of a millisecond), so that a
    part's layout is not kept beside the next one's (bench/RESULTS.md, 2026-12-08:
    1 MB parts of the diary, 350 MB peak instead of 420 MB more with each part)."""
    for _ in range(_TYPST_CACHE_AGE):
        _typeset(typst, compiler, b"", [], timestamp, False, "<empty>")


def _megabytes(size: int) -> str:
    """A size in MB (in KB below one MB)."""
    return f"{size / 2**20:.1f} MB" if size >= 2**20 else f"{size / 1024:.0f} KB"


def _typeset(
    typst: Any,
    compiler: Any,
    source: bytes,
    standards: list[str],
    timestamp: int,
    tags: bool,
    file: str,
) -> tuple[bytes, list[Diagnostic]]:
    """One layout by Typst: the PDF and Typst's warnings (sandboxed, see compile_typst)."""
    with tempfile.TemporaryDirectory(prefix="teikit-typst-") as root:
        main = Path(root) / "main.typ"
        main.write_bytes(source)
        try:
            pdf, warnings = compiler.compile_with_warnings(
                str(main),
                root=root,
                pdf_standards=standards,
                timestamp=timestamp,
                pdf_tags=tags,
            )
        except typst.TypstError as exc:
            where = _TYPST_LOC_RE.search(getattr(exc, "diagnostic", "") or "")
            hints = "; ".join(getattr(exc, "hints", []) or [])
            detail = f"Typst: {exc.message}" + (f" (hint: {hints})" if hints else "")
            if where:
                detail += f" at main.typ:{where.group(1)}:{where.group(2)}"
            diag = Diagnostic(file, 0, 0, Severity.ERROR, detail, "typst-error", "typst")
            raise RenderError(f"{file}: PDF compilation failed: {exc.message}", [diag]) from None
    found = [
        Diagnostic(file, 0, 0, Severity.WARNING, f"Typst: {w.message}", "typst-warning", "typst")
        for w in warnings
    ]
    return bytes(pdf or b""), found


def _glyph_warnings(
    text: str, font_paths: Iterable[str | os.PathLike[str]], file: str
) -> list[Diagnostic]:
    boxes = fonts.missing(text, _font_folders(font_paths))
    return [_missing_glyphs(boxes, file)] if boxes else []


def _missing_glyphs(boxes: list[str], file: str) -> Diagnostic:
    message = (
        f"{len(boxes)} character(s) print as empty boxes in the PDF, no font has them: "
        f"{fonts.describe(boxes)}; add a font that has them to {fonts.FONT_PATH_ENV} "
        "(docs/security.md, 'Fonts in PDFs')"
    )
    return Diagnostic(file, 0, 0, Severity.WARNING, message, "missing-glyphs", "typst")


# --------------------------------------------------------------------------- files

_UMASK = os.umask(0o22)
os.umask(_UMASK)  # read once at import: os.umask can only be read by setting it


def write_temp(folder: Path, name: str, data: bytes) -> str:
    """Write ``data`` to a new hidden file ``.NAME.*.tmp`` in ``folder``, with the mode
    a plain open() would give, and return its path: the caller renames it into place
    (``os.replace``: atomic on the same file system) or removes it."""
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~_UMASK)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return tmp


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file and a rename: readers never
    see half a file, and a failure leaves the old file in place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = write_temp(path.parent, path.name, data)
    try:
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_assets(site_dir: str | os.PathLike[str]) -> list[Path]:
    """Copy teikit.css and teikit.js to ``site_dir/assets/`` (atomically); return the paths."""
    root = Path(site_dir).resolve()
    target = root / "assets"
    if target.is_symlink() or not target.resolve().is_relative_to(root):
        # Writing through it would put files wherever the link points.
        raise UsageError(f"refusing to write through {target}: a symbolic link, not a folder")
    written = []
    for source in sorted(ASSETS_DIR.iterdir()):
        if source.is_file() and source.suffix in (".css", ".js"):
            dest = target / source.name
            write_atomic(dest, source.read_bytes())
            written.append(dest)
    return written
