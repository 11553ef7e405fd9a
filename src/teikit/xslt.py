"""The only module that talks to saxonche: one processor per process and a cache
of compiled stylesheets, so a batch compiles each stylesheet once."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path
from typing import Any

from teikit.errors import Diagnostic, SchemaError, Severity

_lock = threading.Lock()
_processor: Any = None
_cache: dict[str, Any] = {}


def processor() -> Any:
    """The process-wide Saxon processor (created on first use: it starts a JVM-free
    native runtime that is costly to create and cheap to keep)."""
    global _processor
    with _lock:
        if _processor is None:
            from saxonche import PySaxonProcessor

            _processor = PySaxonProcessor(license=False)
        return _processor


def compile_stylesheet(text: str, *, name: str = "stylesheet", base_uri: str | None = None) -> Any:
    """Compile XSLT text once; later calls with the same text reuse the executable."""
    key = hashlib.sha256(((base_uri or "") + "\0" + text).encode()).hexdigest()
    if key in _cache:
        return _cache[key]
    proc = processor()
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


def parse(text: str, base_uri: str) -> Any:
    """Parse already-checked XML text into a Saxon node with a base URI, so that
    relative ``doc()`` calls resolve against the document's own folder.

    Give it what :func:`document_text` returns: Saxon's parser would load an
    external DTD named in a DOCTYPE, so only the root element is passed on."""
    builder = processor().new_document_builder()
    builder.set_base_uri(base_uri)
    return builder.parse_xml(xml_text=text)


def document_text(root: Any) -> str:
    """The root element of a hardened-loaded tree as text, without DOCTYPE or
    prolog: entities are already resolved and no DTD is left to fetch."""
    from lxml import etree

    return etree.tostring(root, encoding="unicode")


def run(
    executable: Any, node: Any, *, file: str = "", params: dict[str, Any] | None = None
) -> tuple[str, list[Diagnostic]]:
    """Transform ``node`` and return the serialised result and xsl:message diagnostics."""
    executable.clear_parameters()
    proc = processor()
    for key, value in (params or {}).items():
        executable.set_parameter(key, proc.make_string_value(str(value)))
    executable.set_save_xsl_message(True, None)
    try:
        result = executable.transform_to_string(xdm_node=node)
    except Exception as exc:
        raise SchemaError(f"{file}: transformation failed: {' '.join(str(exc).split())}") from exc
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
