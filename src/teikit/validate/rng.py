"""RELAX NG validation: libxml2 (through lxml) gives the verdict fast; our own
checker (:mod:`teikit.validate.relaxng`) explains invalid documents the way jing
does, naming what was expected, at the offending element or attribute."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from teikit.document import Document
from teikit.errors import Diagnostic, SchemaError, Severity
from teikit.validate.relaxng import compile_grammar, explain

_compiled: dict[Path, etree.RelaxNG] = {}
_parsed: dict[Path, etree._ElementTree] = {}


def parse_schema(path: Path) -> etree._Element:
    """The schema's XML tree, parsed once per process."""
    key = path.resolve()
    if key not in _parsed:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
        try:
            _parsed[key] = etree.parse(str(path), parser)
        except (OSError, etree.XMLSyntaxError) as exc:
            raise SchemaError(f"{path}: cannot read RELAX NG schema: {exc}") from exc
    return _parsed[key].getroot()


def compile_rng(path: Path) -> etree.RelaxNG:
    """Compile once per process: tei_all takes seconds to compile."""
    key = path.resolve()
    if key not in _compiled:
        try:
            _compiled[key] = etree.RelaxNG(parse_schema(path).getroottree())
        except etree.RelaxNGParseError as exc:
            raise SchemaError(f"{path}: cannot compile RELAX NG schema: {exc}") from exc
    return _compiled[key]


def libxml2_diagnostics(
    validator: etree.RelaxNG, *, file: str, schema_name: str
) -> list[Diagnostic]:
    return [
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
        for entry in validator.error_log
    ]


def check(
    tree: etree._ElementTree,
    schema_path: Path,
    *,
    file: str,
    schema_name: str,
    doc: Document | None = None,
    max_errors: int | None = None,
) -> list[Diagnostic]:
    """Validate ``tree``; explain every error when it is invalid.

    libxml2 decides; teikit's own checker explains, jing-style, at the
    offending element or attribute. Should the two ever disagree, libxml2's
    messages are kept, so no verdict is silently lost.
    """
    validator = compile_rng(schema_path)
    if validator.validate(tree):
        return []
    fallback = libxml2_diagnostics(validator, file=file, schema_name=schema_name)
    try:
        explained = explain(
            doc if doc is not None else tree,
            compile_grammar(schema_path),
            file=file,
            max_errors=max_errors,
            schema=schema_name,
        )
    except SchemaError:
        return fallback  # a construct the explainer does not support
    if explained:
        return explained
    note = Diagnostic(
        file,
        0,
        0,
        Severity.INFO,
        "teikit's RELAX NG checker found no error where libxml2 did; libxml2's messages are shown",
        code="explainer-disagrees",
        source="rng",
        schema=schema_name,
    )
    return [*fallback, note]
