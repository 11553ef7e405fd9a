"""RELAX NG validation with libxml2 (through lxml), errors as Diagnostics."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from teikit.errors import Diagnostic, SchemaError, Severity

_compiled: dict[Path, etree.RelaxNG] = {}


def compile_rng(path: Path) -> etree.RelaxNG:
    """Compile once per process: tei_all takes seconds to compile."""
    key = path.resolve()
    if key not in _compiled:
        parser = etree.XMLParser(resolve_entities=False, no_network=True)
        try:
            _compiled[key] = etree.RelaxNG(etree.parse(str(path), parser))
        except (OSError, etree.XMLSyntaxError, etree.RelaxNGParseError) as exc:
            raise SchemaError(f"{path}: cannot compile RELAX NG schema: {exc}") from exc
    return _compiled[key]


def check(
    tree: etree._ElementTree, schema_path: Path, *, file: str, schema_name: str
) -> list[Diagnostic]:
    """Validate ``tree`` and report every error libxml2 logged."""
    validator = compile_rng(schema_path)
    if validator.validate(tree):
        return []
    found = []
    for entry in validator.error_log:
        found.append(
            Diagnostic(
                file=file,
                line=entry.line or 0,
                column=entry.column or 0,
                severity=Severity.ERROR,
                message=entry.message,
                code=entry.type_name.lower().replace("_", "-") if entry.type_name else "",
                source="rng",
                xpath=entry.path or "",
                schema=schema_name,
            )
        )
    return found
