"""Validation: load each document once, check it against every schema, and
collect the findings in a :class:`Report`.

The triad, as in xmlschema: :func:`validate` returns a Report (and raises only
when asked), :func:`is_valid` answers yes or no, :func:`iter_errors` yields
every finding.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from teikit import schemas as schema_lookup
from teikit import xslt
from teikit.document import Document, load
from teikit.errors import Diagnostic, LoadError, Severity, ValidationError
from teikit.schemas import SchemaSource
from teikit.validate import rng
from teikit.validate.schematron import compile_schematron, svrl_diagnostics

DEFAULT_SCHEMAS = ("tei_all", "teikit")


@dataclass
class FileResult:
    """The findings for one file."""

    file: str
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not any(d.severity >= Severity.ERROR for d in self.diagnostics)


@dataclass
class Report:
    """The findings for a whole run, in input order."""

    files: list[FileResult] = field(default_factory=list)
    schemas: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return [d for f in self.files for d in f.diagnostics]

    @property
    def valid(self) -> bool:
        return all(f.valid for f in self.files)

    def count(self, *severities: Severity) -> int:
        return sum(1 for d in self.diagnostics if d.severity in severities)

    def summary(self) -> str:
        valid = sum(1 for f in self.files if f.valid)
        return (
            f"{len(self.files)} files, {valid} valid, {len(self.files) - valid} invalid, "
            f"{self.count(Severity.ERROR, Severity.FATAL)} errors, "
            f"{self.count(Severity.WARNING)} warnings "
            f"({', '.join(self.schemas)}; {self.seconds:.1f} s)"
        )


def _schematron_check(doc: Document, source: SchemaSource) -> list[Diagnostic]:
    compiled = compile_schematron(source.path, name=source.name)
    executable = xslt.compile_stylesheet(compiled.xslt, name=source.name)
    base = Path(doc.path).resolve().as_uri() if Path(doc.path).exists() else "file:///stdin.xml"
    node = xslt.parse(etree.tostring(doc.tree, encoding="unicode"), base)
    out, messages = xslt.run(executable, node, file=doc.path)
    svrl = etree.fromstring(out.encode("utf-8"))
    return messages + svrl_diagnostics(svrl, doc.root, doc.path, source.name, doc.xpath_of)


def check_document(doc: Document, sources: Sequence[SchemaSource]) -> list[Diagnostic]:
    """All findings for one loaded document against the given schemas."""
    found: list[Diagnostic] = []
    for source in sources:
        if source.kind == "rng":
            found += rng.check(doc.tree, source.path, file=doc.path, schema_name=source.name)
        elif source.kind == "sch":
            found += _schematron_check(doc, source)
        elif source.kind == "xsd":
            from teikit.validate import xsd

            found += xsd.check(doc, source)
    return sorted(found, key=lambda d: (d.line, d.column))


def resolve_schemas(specs: Iterable[str]) -> list[SchemaSource]:
    return [source for spec in specs for source in schema_lookup.resolve(spec)]


def validate_files(
    paths: Iterable[str], schemas: Iterable[str] = DEFAULT_SCHEMAS, *, raise_on_error: bool = False
) -> Report:
    """Validate files; unreadable or malformed files are findings, never a stop."""
    started = time.perf_counter()
    sources = resolve_schemas(schemas)
    report = Report(schemas=[str(s) for s in sources])
    for path in paths:
        result = FileResult(path)
        try:
            doc = load(path)
        except LoadError as exc:
            result.diagnostics.extend(exc.diagnostics)
        else:
            result.diagnostics.extend(check_document(doc, sources))
        report.files.append(result)
    report.seconds = time.perf_counter() - started
    if raise_on_error and not report.valid:
        raise ValidationError(report.summary(), report.diagnostics)
    return report


def validate(
    paths: str | Iterable[str],
    schemas: Iterable[str] = DEFAULT_SCHEMAS,
    *,
    raise_on_error: bool = False,
) -> Report:
    """Validate one path or many; see :func:`validate_files`."""
    if isinstance(paths, str):
        paths = [paths]
    return validate_files(paths, schemas, raise_on_error=raise_on_error)


def is_valid(paths: str | Iterable[str], schemas: Iterable[str] = DEFAULT_SCHEMAS) -> bool:
    return validate(paths, schemas).valid


def iter_errors(
    paths: str | Iterable[str], schemas: Iterable[str] = DEFAULT_SCHEMAS
) -> Iterator[Diagnostic]:
    yield from validate(paths, schemas).diagnostics
