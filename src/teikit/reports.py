"""Machine-readable validation reports: JSON (versioned) and JUnit XML."""

from __future__ import annotations

import json

from lxml import etree

from teikit.errors import Diagnostic, Severity, printable
from teikit.validate import FileResult, Report

JSON_SCHEMA_VERSION = 1


def diagnostic_json(d: Diagnostic) -> dict[str, object]:
    """A finding as JSON: :meth:`Diagnostic.as_dict`, the one shape there is."""
    return d.as_dict()


def to_json(report: Report) -> str:
    """One object: the summary and, per file, its verdict and findings."""
    data = {
        "schema_version": JSON_SCHEMA_VERSION,
        "summary": {
            "files": len(report.files),
            "valid": sum(1 for f in report.files if f.valid),
            "invalid": sum(1 for f in report.files if not f.valid),
            "errors": report.count(Severity.ERROR, Severity.FATAL),
            "warnings": report.count(Severity.WARNING),
            "schemas": report.used_schemas(),
            "seconds": round(report.seconds, 3),
            "interrupted": report.interrupted,
            "skipped": len(report.skipped),
        },
        "skipped": [diagnostic_json(d) for d in report.skipped],
        "files": [],
    }
    text = json.dumps(data, ensure_ascii=False, indent=2)
    entries = _file_entries(report)
    if entries:  # "files", the last key, filled in as json.dumps would have written it
        text = text.removesuffix("[]\n}") + "[\n    " + ",\n    ".join(entries) + "\n  ]\n}"
    return text + "\n"


def _file_entries(report: Report) -> list[str]:
    """Each file's object in the report, as ``json.dumps(..., indent=2)`` writes it
    two levels down. A file without findings is its name in the text of the
    first such file with the same verdict and schemas: the indenting encoder is
    Python, and it took a fifth of a second on 5,000 files, after the run."""
    shapes: dict[tuple, str] = {}  # (valid, schemas, errors not shown) -> text after the name
    entries = []
    for f in report.files:
        if f.diagnostics:
            entries.append(_nested(_file_entry(f)))
            continue
        key = (f.valid, tuple(f.schemas), f.truncated)
        rest = shapes.get(key)
        if rest is None:
            # The first "" is the empty name: no key holds two quotes in a row.
            rest = shapes[key] = _nested({**_file_entry(f), "file": ""}).split('""', 1)[1]
        entries.append('{\n      "file": ' + _string(printable(f.file)) + rest)
    return entries


def _file_entry(f: FileResult) -> dict[str, object]:
    return {
        "file": printable(f.file),
        "valid": f.valid,
        "schemas": f.schemas,
        "errors_not_shown": f.truncated,
        "diagnostics": [diagnostic_json(d) for d in f.diagnostics],
    }


# What json.dumps(text, ensure_ascii=False) returns for a string, without its wrapper.
_string = json.encoder.encode_basestring


def _nested(value: object) -> str:
    """``value`` as indented JSON two levels down (JSON strings hold no newline)."""
    return json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n    ")


def to_junit(report: Report) -> str:
    """JUnit XML as Jenkins reads it (its xunit schema, junit-10): each file is a
    test case, each skipped input a skipped one, so CI systems list them all.
    Test cases carry only the attributes that schema allows (name, classname,
    time); names are printable text, whatever bytes a file name holds."""
    failures = sum(1 for f in report.files if not f.valid)
    tests = len(report.files) + len(report.skipped)
    suites = etree.Element(
        "testsuites",
        name="teikit validate",
        tests=str(tests),
        failures=str(failures),
        errors="0",
        time=f"{report.seconds:.3f}",
    )
    suite = etree.SubElement(
        suites,
        "testsuite",
        name="teikit validate",
        tests=str(tests),
        failures=str(failures),
        errors="0",
        skipped=str(len(report.skipped)),
        time=f"{report.seconds:.3f}",
    )
    for result in report.files:
        case = etree.SubElement(
            suite,
            "testcase",
            classname="teikit.validate",
            name=printable(result.file),
            time=f"{result.seconds:.3f}",
        )
        errors = [d for d in result.diagnostics if d.severity >= Severity.ERROR]
        if errors:
            failure = etree.SubElement(
                case,
                "failure",
                type="invalid",
                message=printable(f"{len(errors)} error(s): {errors[0].message}"[:500]),
            )
            failure.text = "\n".join(d.format() for d in result.diagnostics)
        elif result.diagnostics:
            out = etree.SubElement(case, "system-out")
            out.text = "\n".join(d.format() for d in result.diagnostics)
    for skip in report.skipped:
        case = etree.SubElement(
            suite, "testcase", classname="teikit.validate", name=printable(skip.file), time="0.000"
        )
        etree.SubElement(case, "skipped", message=printable(skip.message))
    return etree.tostring(
        suites, xml_declaration=True, encoding="UTF-8", pretty_print=True
    ).decode()
