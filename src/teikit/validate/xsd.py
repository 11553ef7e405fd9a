"""XSD validation through xmlschema, reported in the same Diagnostic shape.

Never the network (docs/security.md): every schema is loaded with
``allow="local"`` (a schema the user gave) or ``allow="sandbox"`` rooted at its
own folder (a schema a document named), XML defused (no DTDs, no entities), and
location hints in documents ignored. An ``xs:import``/``xs:include`` of a remote
URL is not fetched: it becomes one diagnostic naming it and saying how to make
it local. Well-known W3C namespaces (``xml:``, ``xsi:`` …) need no fetching:
xmlschema carries them.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from lxml import etree

from teikit.document import Document
from teikit.errors import Diagnostic, SchemaError, Severity
from teikit.schemas import XSD_NS, SchemaSource

# (file, line, schemaLocation) of a reference to a remote schema
Remote = tuple[str, int, str]
_compiled: dict[tuple[Path, bool], tuple[object, tuple[Remote, ...]]] = {}
_REMOTE = ("http", "https", "ftp", "ftps")
_REFERENCES = ("import", "include", "redefine", "override")


def load_schema(source: SchemaSource) -> tuple[object, tuple[Remote, ...]]:
    """The compiled schema and the remote references it holds (not fetched), once
    per process. Raises :class:`SchemaError` for a schema that does not load."""
    import xmlschema

    key = (source.path.resolve(), source.trusted)
    if key not in _compiled:
        folder = str(source.path.resolve().parent)
        try:
            with warnings.catch_warnings():  # a failed import: reported below, our way
                warnings.simplefilter("ignore")
                schema = xmlschema.XMLSchema(
                    str(source.path),
                    allow="local" if source.trusted else "sandbox",
                    base_url=None if source.trusted else folder,
                    defuse="always",
                )
        except Exception as exc:  # xmlschema raises many types for broken schemas
            raise SchemaError(
                f"{source.path}: cannot load XSD: {' '.join(str(exc).split())[:300]}"
            ) from exc
        _compiled[key] = (schema, _remote_references(schema))
    return _compiled[key]


def _remote_references(schema) -> tuple[Remote, ...]:
    """Each remote schemaLocation in the schema's files, unless its namespace
    loaded from elsewhere (xmlschema's own copies of W3C schemas)."""
    loaded = set(schema.maps.namespaces)
    found: list[Remote] = []
    seen: set[str] = set()
    for component in schema.maps.iter_schemas():
        url = getattr(component, "url", None) or ""
        if not url.startswith("file:") or url in seen:
            continue
        seen.add(url)
        path = Path(urlsplit(url).path)
        try:
            root = etree.parse(
                str(path), etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
            ).getroot()
        except (OSError, etree.XMLSyntaxError):
            continue
        for kind in _REFERENCES:
            for el in root.iterchildren(f"{{{XSD_NS}}}{kind}"):
                location = el.get("schemaLocation", "").strip()
                target = urljoin(url, location) if location else ""
                if urlsplit(target).scheme.lower() not in _REMOTE:
                    continue
                if kind == "import" and el.get("namespace") in loaded and el.get("namespace"):
                    namespace_schemas = schema.maps.namespaces[el.get("namespace")]
                    if namespace_schemas:
                        continue  # xmlschema's own copy of a W3C schema
                found.append((str(path), el.sourceline or 0, location))
    return tuple(found)


def check(doc: Document, source: SchemaSource) -> list[Diagnostic]:
    schema, remote = load_schema(source)
    found = [
        Diagnostic(
            file=doc.path,
            line=source.line,
            column=0,
            severity=Severity.ERROR,
            message=f"remote schema not fetched: {location} (named in {file}:{line}); "
            "teikit never downloads while validating: save a local copy and point the "
            "schemaLocation at it, or map the URL to a file in an XML catalog",
            code="remote-schema",
            source="xsd",
            schema=source.name,
        )
        for file, line, location in remote
    ]
    for error in schema.iter_errors(doc.tree, use_location_hints=False):  # type: ignore[attr-defined]
        element = getattr(error, "elem", None)
        line = getattr(element, "sourceline", 0) or 0
        found.append(
            Diagnostic(
                file=doc.path,
                line=line,
                column=0,
                severity=Severity.ERROR,
                message=error.reason or str(error).splitlines()[0],
                source="xsd",
                xpath=error.path or "",
                schema=source.name,
            )
        )
    return found
