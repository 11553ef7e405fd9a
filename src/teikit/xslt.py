"""The only module that talks to saxonche: one processor per process and a cache
of compiled stylesheets, so a batch compiles each stylesheet once.

Two processors, in fact: the trusted one runs teikit's stylesheets and the
schemas and stylesheets the user gave; the *sandboxed* one runs code from
schemas that documents name (see docs/security.md). Its configuration allows
no URI protocol at all, so ``doc()``, ``unparsed-text()``, ``collection()``,
``json-doc()``, ``transform()``, ``xsl:include`` and external DTDs in
``parse-xml()`` fail instead of reading a file or opening a connection. Saxon
keeps one configuration per processor, so the two do not affect each other.
What the sandbox cannot stop is vetted before compiling (:mod:`teikit.sandbox`).
"""

from __future__ import annotations

import ctypes
import hashlib
import threading
from pathlib import Path
from typing import Any

from teikit.document import MAX_DEPTH
from teikit.errors import Diagnostic, SandboxError, SchemaError, Severity, TransformError

_PARSER_DEPTH = (
    "http://saxon.sf.net/feature/parserProperty?uri="
    "http%3A//www.oracle.com/xml/jaxp/properties/maxElementDepth"
)
_lock = threading.Lock()
_processors: dict[bool, Any] = {}
_cache: dict[str, Any] = {}

# Saxon's words when the sandbox stopped an access (FODC0005, FOUT1170, SXXP0003 …;
# after a refused doc-available(), doc() finds the URI "marked not available").
_ALLOWED_PROTOCOLS = "http://saxon.sf.net/feature/allowedProtocols"
_DENIED = ("has been prohibited", "has been disallowed", "has been marked not available")


def denied(message: str) -> bool:
    """Whether a Saxon error message says the sandbox refused an access."""
    return any(word in message for word in _DENIED)


def processor(*, sandboxed: bool = False) -> Any:
    """The process-wide Saxon processor (created on first use: it starts a JVM-free
    native runtime that is costly to create and cheap to keep); ``sandboxed``
    gives the one for untrusted code, which may open no URI."""
    with _lock:
        proc = _processors.get(sandboxed)
        if proc is None:
            from saxonche import PySaxonProcessor

            proc = PySaxonProcessor(license=False)
            # Saxon's XML parser refuses elements nested more than 100 deep (the JDK's
            # jdk.xml.maxElementDepth); the loader allows MAX_DEPTH. One limit for both,
            # so that every document the loader accepts reaches the stylesheets.
            proc.set_configuration_property(_PARSER_DEPTH, str(MAX_DEPTH))
            # Trusted code reads local files; nothing in Saxon reaches the network,
            # whatever URI a document slips into trusted code (xml:base, a pointer).
            # Untrusted code opens no URI at all.
            proc.set_configuration_property(_ALLOWED_PROTOCOLS, "" if sandboxed else "file")
            if sandboxed:
                proc.set_configuration_property(
                    "http://saxon.sf.net/feature/allow-external-functions", "false"
                )
            _processors[sandboxed] = proc
        return proc


def collect_garbage() -> bool:
    """A full collection of Saxon's heap in this process, now; False where it could
    not be run (no processor yet, or a saxonche without the entry points).

    SaxonC is a GraalVM native image: its heap is collected when the image decides,
    and saxonche offers no call for it nor any heap setting (the isolate is created
    with no options). What the stylesheets' compilation and a warm-up left behind
    stays in the heap until then; in a process about to fork, every worker would
    inherit it, and a collection in the worker copies what it touches into pages of
    its own. SaxonC's core library exports ``j_gc`` (``System.gc()``) for its C++
    layer; it is called here on this thread's isolate thread."""
    with _lock:
        if not _processors:
            return False
        if not _gc_entry:
            _gc_entry.append(_find_gc_entry())
        if _gc_entry[0] is None:
            return False
        core, isolate = _gc_entry[0]
        thread = core.graal_get_current_thread(isolate)
        if not thread:
            return False
        core.j_gc(thread)
        return True


# The saxonche releases whose library layout _find_gc_entry reads was checked on.
_CHECKED_SAXONCHE = "13."
# [(the core library, the isolate)] once looked for; [None] where not found
_gc_entry: list[tuple[Any, int] | None] = []


def _find_gc_entry() -> tuple[Any, int] | None:
    """SaxonC's core library (ctypes) and its isolate; None where not found, or in
    a saxonche whose layout of ``sxn_environ`` was not checked: a pointer read from
    a struct laid out otherwise could crash the process that reads it."""
    try:
        from importlib.metadata import version

        if not version("saxonche").startswith(_CHECKED_SAXONCHE):
            return None
        import saxonche

        libs = Path(saxonche.__file__).parent
        wrapper = list(libs.glob("saxonche*/libsaxonc-he*"))
        core_lib = list(libs.glob("saxonche*/libsaxonc-core-he*"))
        if len(wrapper) != 1 or len(core_lib) != 1:
            return None
        # the libraries saxonche has loaded already: dlopen hands back the same handles
        he, core = ctypes.CDLL(str(wrapper[0])), ctypes.CDLL(str(core_lib[0]))
        # SaxonProcessor::sxn_environ, a pointer to {isolate, thread, main thread}
        environ = ctypes.c_void_p.in_dll(he, "_ZN14SaxonProcessor11sxn_environE").value
        if not environ:
            return None
        isolate = ctypes.c_void_p.from_address(environ).value
        if not isolate:
            return None
        core.graal_get_current_thread.restype = ctypes.c_void_p
        core.graal_get_current_thread.argtypes = [ctypes.c_void_p]
        core.j_gc.restype = None
        core.j_gc.argtypes = [ctypes.c_void_p]
    except (ImportError, OSError, ValueError, AttributeError):  # also PackageNotFoundError
        return None
    return core, isolate


def forget_compiled() -> None:
    """Drop every compiled stylesheet (a later compile makes it again); their
    heap goes at Saxon's next collection (see :func:`collect_garbage`)."""
    with _lock:
        _cache.clear()


def compile_stylesheet(
    text: str,
    *,
    name: str = "stylesheet",
    base_uri: str | None = None,
    sandboxed: bool = False,
) -> Any:
    """Compile XSLT text once; later calls with the same text reuse the executable.

    ``sandboxed`` compiles it on the sandboxed processor: run it with
    :func:`run` on a node from :func:`parse` with the same ``sandboxed``."""
    key = hashlib.sha256((f"{int(sandboxed)}\0{base_uri or ''}\0{text}").encode()).hexdigest()
    if key in _cache:
        return _cache[key]
    proc = processor(sandboxed=sandboxed)
    xslt = proc.new_xslt30_processor()
    if base_uri:
        xslt.set_cwd(str(Path(base_uri).parent))
    try:
        executable = xslt.compile_stylesheet(stylesheet_text=text)
    except Exception as exc:  # saxonche raises PySaxonApiError, not importable portably
        raise SchemaError(
            f"{name}: stylesheet does not compile: {' '.join(str(exc).split())}"
        ) from exc
    if executable is None:
        raise SchemaError(f"{name}: stylesheet does not compile")
    _cache[key] = executable
    return executable


def parse(text: str, base_uri: str, *, sandboxed: bool = False) -> Any:
    """Parse already-checked XML text into a Saxon node with a base URI, so that
    relative ``doc()`` calls resolve against the document's own folder.

    Give it what :func:`document_text` returns: Saxon's parser would load an
    external DTD named in a DOCTYPE, so only the root element is passed on."""
    builder = processor(sandboxed=sandboxed).new_document_builder()
    builder.set_base_uri(base_uri)
    return builder.parse_xml(xml_text=text)


def document_text(root: Any, *, siblings: bool = False) -> str:
    """The root element of a hardened-loaded tree as text, without DOCTYPE or
    prolog: entities are already resolved and no DTD is left to fetch.
    ``siblings`` keeps the comments and processing instructions before and
    after the root element (Schematron rules may be about them)."""
    from lxml import etree

    text = etree.tostring(root, encoding="unicode", with_tail=False)
    if not siblings:
        return text
    before = [etree.tostring(n, encoding="unicode", with_tail=False)
              for n in reversed(list(root.itersiblings(preceding=True)))]  # fmt: skip
    after = [etree.tostring(n, encoding="unicode", with_tail=False) for n in root.itersiblings()]
    return "".join([*before, text, *after])


def node_map(nodes: dict[str, Any], *, sandboxed: bool = False) -> Any:
    """An XDM map from strings to (document) nodes, to pass as a parameter
    (not empty: saxonche makes no map of an empty dict)."""
    if not nodes:
        raise ValueError("node_map needs at least one entry")
    return processor(sandboxed=sandboxed).make_map2(nodes)


def run(
    executable: Any,
    node: Any,
    *,
    file: str = "",
    params: dict[str, Any] | None = None,
    sandboxed: bool = False,
) -> tuple[str, list[Diagnostic]]:
    """Transform ``node`` and return the serialised result and xsl:message diagnostics.

    ``params`` values that are strings (or numbers) are passed as strings,
    booleans as xs:boolean, XDM values (:func:`node_map`, nodes) as they are. A failure raises
    :class:`TransformError`, or :class:`SandboxError` when the sandbox stopped
    an access."""
    executable.clear_parameters()
    proc = processor(sandboxed=sandboxed)
    for key, value in (params or {}).items():
        if isinstance(value, bool):
            value = proc.make_boolean_value(value)
        elif isinstance(value, (str, int, float)):
            value = proc.make_string_value(str(value))
        executable.set_parameter(key, value)
    executable.set_save_xsl_message(True, None)
    try:
        result = executable.transform_to_string(xdm_node=node)
    except Exception as exc:
        executable.clear_xsl_messages()
        reason = " ".join(str(exc).split())
        if sandboxed and denied(reason):
            raise SandboxError(f"{file}: {reason}", file=file) from exc
        raise TransformError(f"{file}: transformation failed: {reason}") from exc
    messages = []
    xsl_messages = executable.get_xsl_messages()
    if xsl_messages is not None:
        for i in range(xsl_messages.size):
            messages.append(
                Diagnostic(
                    file,
                    0,
                    0,
                    Severity.WARNING,
                    str(xsl_messages.item_at(i).string_value),
                    source="xslt",
                )
            )
    executable.clear_xsl_messages()
    return result or "", messages
