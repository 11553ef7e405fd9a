"""Run the SchXslt2 ISO Schematron 2020 conformance cases (read in place from
$TEIKIT_SHARED/conformance/schematron-schxslt2/) through teikit's Schematron.

A case holds one schema, documents (the first is validated; the others are
files it may reach: subordinate documents, included schemas) and the expected
outcome: ``valid`` (no failed assertion or successful report), ``invalid`` (at
least one) or ``error`` (the schema or the run fails), plus XPath assertions
on the SVRL. Each case runs in a folder of its own, the schema given as the
user gives one (``--schema``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from teikit.document import load
from teikit.errors import SchemaError
from teikit.schemas import SchemaSource
from teikit.validate import ValidateOptions, validate_files
from teikit.validate.schematron_engine import SchematronEngine

from conftest import SHARED

SUITE = SHARED / "conformance" / "schematron-schxslt2"
TC = "https://doi.org/10.5281/zenodo.5679629#"
SVRL = "http://purl.oclc.org/dsdl/svrl"
_T = f"{{{TC}}}"


@dataclass(frozen=True)
class Case:
    name: str  # category/file stem
    path: Path


def cases(suite: Path | None = None) -> Iterator[Case]:
    """The cases of the XSLT 3.0 binding, in suite order, each once."""
    seen: set[Path] = set()

    def walk(path: Path) -> Iterator[Case]:
        root = etree.parse(str(path)).getroot()
        for el in root:
            href = el.get("href")
            if href is None:
                continue
            target = (path.parent / href).resolve()
            if el.tag == f"{_T}include":
                yield from walk(target)
            elif el.tag == f"{_T}testcase" and target not in seen:
                seen.add(target)
                yield Case(f"{target.parent.name}/{target.stem}", target)

    yield from walk(suite or SUITE / "testsuites" / "2020-xslt3.xml")


def _schema(root: etree._Element) -> etree._Element:
    """The case's schema for the XSLT 3.0 binding: the first one that does not
    ask for XSLT 1.0 (a few cases give one per binding)."""
    schemas = [el for el in root.find(f"{_T}schemas") if isinstance(el.tag, str)]
    return next((s for s in schemas if s.get("queryBinding", "xslt3") != "xslt"), schemas[0])


def run(case: Case, folder: Path, *, trusted: bool = True) -> tuple[bool, str]:
    """Whether teikit meets the case's expectation, and what happened.

    ``trusted``: the schema as ``--schema`` gives it; else as a schema a
    document names (sandboxed: subordinate documents and includes read by
    Python inside the case's folder)."""
    root = etree.parse(str(case.path)).getroot()
    expect = root.get("expect")
    schema_path = folder / "schema.sch"
    schema_path.write_bytes(etree.tostring(_schema(root)))
    documents = root.find(f"{_T}documents").findall(f"{_T}document")
    for document in documents:
        content = next(el for el in document if isinstance(el.tag, str))
        (folder / document.get("filename")).write_bytes(etree.tostring(content))
    primary = folder / documents[0].get("filename")
    try:
        diagnostics, svrl_text = (_trusted if trusted else _untrusted)(
            primary, schema_path, root.get("phase")
        )
    except SchemaError as exc:
        return expect == "error", f"error: {exc.message}"
    failed = [d for d in diagnostics if d.code in ("dynamic-error", "document-unavailable")]
    if failed:
        return expect == "error", f"error: {failed[0].format()}"
    refused = [d for d in diagnostics if d.source == "sandbox"]
    if refused:
        return False, f"refused: {refused[0].message}"
    if not svrl_text:
        return False, "no SVRL"
    svrl = etree.fromstring(svrl_text.encode("utf-8"))
    findings = svrl.findall(f".//{{{SVRL}}}failed-assert") + svrl.findall(
        f".//{{{SVRL}}}successful-report"
    )
    outcome = "invalid" if findings else "valid"
    if outcome != expect:
        return False, f"{outcome}, expected {expect}"
    assertions = root.find(f"{_T}assertions")
    for assertion in [] if assertions is None else assertions.findall(f"{_T}assertion"):
        test = assertion.get("assert")
        namespaces = {k: v for k, v in assertion.nsmap.items() if k}
        if not svrl.xpath(f"boolean({test})", namespaces=namespaces):  # all are XPath 1.0
            return False, f"assertion failed: {test}"
    return True, outcome


def _trusted(primary: Path, schema: Path, phase: str | None):
    options = ValidateOptions(
        schemas=(str(schema),), svrl=True, phase=phase, rules=False, embedded_schematron=False
    )
    [result] = validate_files([str(primary)], options=options).files
    return result.diagnostics, result.svrl[-1] if result.svrl else ""


def _untrusted(primary: Path, schema: Path, phase: str | None):
    engine = SchematronEngine(fired_rules=True, phase=phase, roots=(primary.parent,))
    source = SchemaSource("schema.sch", schema, "sch", trusted=False)
    compiled = engine.standalone(source)
    outcome = engine.run(load(str(primary), require_tei=False), source, compiled, "schema.sch")
    return outcome.diagnostics, outcome.svrl
