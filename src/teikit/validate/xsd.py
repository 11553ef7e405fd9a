"""XSD validation through xmlschema, reported in the same Diagnostic shape."""

from __future__ import annotations

from pathlib import Path

from teikit.document import Document
from teikit.errors import Diagnostic, SchemaError, Severity
from teikit.schemas import SchemaSource

_compiled: dict[Path, object] = {}


def check(doc: Document, source: SchemaSource) -> list[Diagnostic]:
    import xmlschema

    key = source.path.resolve()
    if key not in _compiled:
        try:
            _compiled[key] = xmlschema.XMLSchema(str(source.path))
        except Exception as exc:  # xmlschema raises many types for broken schemas
            raise SchemaError(
                f"{source.path}: cannot load XSD: {' '.join(str(exc).split())[:300]}"
            ) from exc
    schema = _compiled[key]
    found = []
    for error in schema.iter_errors(doc.tree):  # type: ignore[attr-defined]
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
