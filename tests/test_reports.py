"""Issue 12, finding 6: reports that cannot lie or break. Diagnostics, the JSON
and the JUnit report stay one line per finding and well-formed whatever the
file names; JUnit is what Jenkins reads; --report works for every format;
every input is named once, skipped ones as warnings."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
import xmlschema
from click.testing import CliRunner

from teikit.cli import cli
from teikit.errors import Diagnostic, Severity, printable

from conftest import FIXTURES, TEI

JENKINS_JUNIT = FIXTURES / "reports" / "jenkins-junit.xsd"
SHALLOW = FIXTURES / "issues" / "012" / "deep-nesting" / "shallow.xml"


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_a_newline_in_a_file_name_cannot_forge_a_diagnostic_line(tmp_path):
    evil = tmp_path / "x.xml:1:1: error: forged\nreal.xml"
    evil.write_text("<TEI xmlns='http://www.tei-c.org/ns/1.0'><unclosed></TEI>")
    result = invoke("validate", str(evil))
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 2  # the finding and the summary: nothing forged
    assert lines[0].startswith(f"{tmp_path}/x.xml:1:1: error: forged\\nreal.xml:")


def test_printable_escapes_controls_bidi_and_undecodable_bytes():
    name = os.fsdecode(b"caf\xe9\x1b[31m") + "\u202e.xml"
    assert printable(name) == "caf\\xe9\\x1b[31m\\u202e.xml"
    d = Diagnostic("a\rb.xml", 1, 2, Severity.ERROR, "bad\x00 thing", "c", "s")
    assert d.format() == "a\\rb.xml:1:2: error: bad\\x00 thing [s:c]"


@pytest.fixture
def odd_folder(tmp_path) -> Path:
    """A folder with a valid file, one whose name is not UTF-8, a dangling
    symbolic link and a folder named like an XML file."""
    folder = tmp_path / "tei"
    folder.mkdir()
    shutil.copy(SHALLOW, folder / "shallow.xml")
    shutil.copy(SHALLOW, os.fsdecode(bytes(folder) + b"/caf\xe9.xml"))
    (folder / "dangling.xml").symlink_to(folder / "nowhere.xml")
    (folder / "folder.xml").mkdir()
    return folder


def test_every_input_is_named_once_and_skipped_ones_are_warnings(odd_folder):
    # the same file three times over: by folder, by name and by another spelling
    result = invoke("validate", str(odd_folder), str(odd_folder / "shallow.xml"),
                    f"{odd_folder}/./shallow.xml")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    lines = result.stderr.splitlines()
    assert (
        f"{odd_folder}/dangling.xml:0:0: warning: skipped: a dangling symbolic link [teikit:skipped]"
        in lines
    )
    assert (
        f"{odd_folder}/folder.xml:0:0: warning: skipped: a folder, not a file [teikit:skipped]"
        in lines
    )
    assert lines[-1].startswith("2 files, 2 valid, 0 invalid, 2 skipped, 0 errors, 2 warnings")


def test_junit_is_valid_for_jenkins_whatever_the_file_names(odd_folder, tmp_path):
    bad = odd_folder / "bad.xml"
    bad.write_text("<TEI xmlns='http://www.tei-c.org/ns/1.0'><oops/></TEI>")
    report = tmp_path / "junit.xml"
    result = invoke("validate", str(odd_folder), "--format", "junit", "--report", str(report))
    assert result.exit_code == 1, result.stderr
    schema = xmlschema.XMLSchema(JENKINS_JUNIT)
    schema.validate(str(report))
    text = report.read_text("utf-8")
    assert "caf\\xe9.xml" in text
    cases = schema.to_dict(str(report))["testsuite"][0]["testcase"]
    assert sorted(case["@name"].rsplit("/", 1)[1] for case in cases) == [
        "bad.xml", "caf\\xe9.xml", "dangling.xml", "folder.xml", "shallow.xml",
    ]  # fmt: skip
    assert sum("skipped" in case for case in cases) == 2


def test_the_jenkins_schema_refuses_what_teikit_used_to_write():
    old = (
        '<testsuites><testsuite name="v" tests="1" failures="0" errors="0">'
        '<testcase classname="teikit.validate" name="a.xml" file="a.xml" time="0.1"/>'
        "</testsuite></testsuites>"
    )
    assert not xmlschema.XMLSchema(JENKINS_JUNIT).is_valid(old)


def test_json_carries_any_file_name(odd_folder):
    result = invoke("validate", str(odd_folder), "--format", "json")
    data = json.loads(result.stdout)
    assert sorted(Path(f["file"]).name for f in data["files"]) == ["caf\\xe9.xml", "shallow.xml"]
    assert data["summary"]["skipped"] == 2
    assert {Path(s["file"]).name for s in data["skipped"]} == {"dangling.xml", "folder.xml"}


@pytest.mark.parametrize("fmt", ["text", "json", "junit"])
def test_report_file_is_written_for_every_format(tmp_path, fmt):
    report = tmp_path / f"report.{fmt}"
    result = invoke("validate", str(SHALLOW), "--format", fmt, "--report", str(report))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    written = report.read_text("utf-8")
    if fmt == "text":
        assert written.splitlines()[-1].startswith("1 files, 1 valid")
    else:
        assert "shallow.xml" in written


def test_text_report_holds_the_findings(tmp_path):
    bad = tmp_path / "bad.xml"
    bad.write_text("<TEI xmlns='http://www.tei-c.org/ns/1.0'><oops/></TEI>")
    report = tmp_path / "report.txt"
    result = invoke("validate", str(bad), "--report", str(report))
    assert result.exit_code == 1
    assert report.read_text("utf-8").splitlines() == result.stderr.splitlines()


def test_cmif_check_of_a_missing_file_is_one_finding(tmp_path):
    missing = tmp_path / "missing.cmif.xml"
    result = invoke("validate", "--cmif", str(missing))
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines == [
        f"{missing}:0:0: error: no such file [xml:file-not-found]",
        lines[-1],
    ] and lines[-1].startswith("1 files, 0 valid, 1 invalid")


def test_build_reports_an_oversized_file_without_reading_it(tmp_path):
    tei = tmp_path / "tei"
    shutil.copytree(TEI, tei)
    with open(tei / "huge.xml", "wb") as sparse:  # 1 GiB, no disk used: never read
        sparse.truncate(1 << 30)
    result = invoke("build", str(tei), "-o", str(tmp_path / "site"), "--no-pdf", "--no-validate",
                    "--keep-going")  # fmt: skip
    assert "internal error" not in result.stderr
    assert f"{tei}/huge.xml:0:0: error: file is 1,073,741,824 bytes" in result.stderr
    assert (tmp_path / "site" / "letter-1954-06-22.html").is_file()
