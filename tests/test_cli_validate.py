"""teikit validate's options, through click's CliRunner: exit codes and lines."""

from __future__ import annotations

import functools
import http.server
import json
import threading

import pytest
from click.testing import CliRunner
from lxml import etree

from teikit.cli import cli
from teikit.schemas import tei_all

from conftest import FIXTURES, ROOT, TEI

V = FIXTURES / "validate"
RULES = str(V / "rules.sch")


def invoke(*args: str, input: bytes | None = None):
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def test_schematron_assert_and_report_with_phase_and_roles():
    path = V / "schematron-assert-and-report-2_findings.xml"
    result = invoke("validate", str(path), "--schema", RULES)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[:2] == [
        f"{path}:12:18: error: A date needs @when. [schematron:date-needs-when]",
        f"{path}:13:16: warning: Date 1948-06-28 is before 1950. [schematron:date-early]",
    ]
    only_dates = invoke("validate", str(V / "valid.xml"), "--schema", RULES, "--phase", "dates")
    assert only_dates.exit_code == 0
    bad_phase = invoke("validate", str(path), "--schema", RULES, "--phase", "nope")
    assert bad_phase.exit_code == 3 and "no phase 'nope'" in bad_phase.stderr


def test_embedded_tei_rule_runs_with_relax_ng_and_can_be_switched_off():
    path = V / "embedded-when-with-notbefore-1_warning.xml"
    result = invoke("validate", str(path), "--schema", "tei_all")
    assert result.exit_code == 0  # TEI marks this rule nonfatal: a warning
    [warning, summary] = result.stderr.splitlines()
    assert warning.startswith(
        f"{path}:13:9: warning: The @when attribute cannot be used with any "
        "other att.datable.w3c attributes."
    )
    assert "1 files, 1 valid, 0 invalid, 0 errors, 1 warnings" in summary
    off = invoke("validate", str(path), "--schema", "tei_all", "--no-embedded-schematron")
    assert off.stderr.splitlines()[0].startswith(
        "1 files, 1 valid, 0 invalid, 0 errors, 0 warnings"
    )


def test_xsi_schema_location_is_one_error_with_a_hint():
    path = V / "xsi-schemalocation-1_error.xml"
    result = invoke("validate", str(path), "--schema", "tei_all")
    assert result.exit_code == 1
    [error, _summary] = result.stderr.splitlines()
    assert error == (
        f'{path}:2:96: error: attribute "xsi:schemaLocation" not allowed on "TEI": tei_all 4.12.0 '
        "allows no foreign attributes; remove it and declare the schema with "
        '<?xml-model href="..." schematypens="http://relaxng.org/ns/structure/1.0"?> instead '
        "[rng:foreign-attribute]"
    )


def test_quiet_shows_errors_only():
    result = invoke(
        "validate", "-q", str(V / "schematron-assert-and-report-2_findings.xml"), "--schema", RULES
    )
    assert result.exit_code == 1
    assert [line.split(": ")[1] for line in result.stderr.splitlines()] == ["error"]


def test_max_errors_caps_each_file():
    path = FIXTURES / "schema" / "xml-id-duplicate-in-file-2_errors.xml"
    result = invoke(
        "validate", str(path), "--schema", str(ROOT / "schema" / "teikit.sch"), "--max-errors", "1"
    )
    lines = result.stderr.splitlines()
    assert sum(": error: " in line for line in lines) == 1
    assert f"{path}:0:0: info: 2 more errors not shown (--max-errors)" in lines


def test_stdin_is_validated_as_stdin():
    data = (V / "schematron-assert-and-report-2_findings.xml").read_bytes()
    result = invoke("validate", "-", "--schema", RULES, input=data)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0].startswith("<stdin>:12:0: error: A date needs @when.")


def test_json_report_to_stdout():
    path = V / "schematron-assert-and-report-2_findings.xml"
    result = invoke(
        "validate", str(path), str(V / "valid.xml"), "--schema", RULES, "--format", "json"
    )
    data = json.loads(result.stdout)
    assert data["schema_version"] == 1
    assert data["summary"]["files"] == 2 and data["summary"]["invalid"] == 1
    first = data["files"][0]["diagnostics"][0]
    assert first == {
        "severity": "error",
        "message": "A date needs @when.",
        "file": str(path),
        "line": 12,
        "column": 18,
        "xpath": "/TEI/text/body/p[1]/date",
        "schema": "rules.sch",
        "rule": "date-needs-when",
        "engine": "schematron",
    } | {"schema": first["schema"]}
    assert first["schema"].endswith("rules.sch")


def test_junit_report_to_file(tmp_path):
    report = tmp_path / "out" / "validate.xml"
    path = V / "schematron-assert-and-report-2_findings.xml"
    result = invoke(
        "validate",
        str(path),
        str(V / "valid.xml"),
        "--schema",
        RULES,
        "--format",
        "junit",
        "--report",
        str(report),
    )
    assert result.exit_code == 1 and result.stdout == ""
    suites = etree.parse(str(report)).getroot()
    cases = suites.findall("testsuite/testcase")
    assert [c.get("name") for c in cases] == [str(path), str(V / "valid.xml")]
    assert cases[0].find("failure") is not None and cases[1].find("failure") is None
    assert suites.get("failures") == "1"


def test_svrl_report_is_written(tmp_path):
    target = tmp_path / "report.svrl"
    invoke(
        "validate",
        str(V / "schematron-assert-and-report-2_findings.xml"),
        "--schema",
        RULES,
        "--svrl",
        str(target),
    )
    svrl = etree.parse(str(target)).getroot()
    ns = {"svrl": "http://purl.oclc.org/dsdl/svrl"}
    assert svrl.tag == "{http://purl.oclc.org/dsdl/svrl}schematron-output"
    assert len(svrl.findall("svrl:failed-assert", ns)) == 1
    assert len(svrl.findall("svrl:successful-report", ns)) == 1
    # the rules that fired are in the SVRL asked for (not in the one diagnostics come from)
    assert svrl.findall("svrl:fired-rule", ns)


def test_documents_are_validated_against_their_xml_model():
    # The edition declares teikit.rng and teikit.sch; the summary says so (and that
    # its teikit.toml turns the rules on).
    result = invoke("validate", str(TEI / "register.xml"))
    assert result.exit_code == 0
    assert "(teikit, teikit.sch, teikit rules;" in result.stderr


def test_unusable_xml_model_is_reported_at_the_file():
    path = FIXTURES / "xml-model" / "compact-rnc.xml"
    result = invoke("validate", str(path))
    assert result.exit_code == 1
    first = result.stderr.splitlines()[0]
    assert first.startswith(f"{path}:2:") and "compact syntax" in first


def test_jobs_keep_input_order():
    files = [str(p) for p in sorted(V.glob("*.xml"))]
    serial = invoke("validate", *files, "--schema", "tei_all", "-j", "1")
    parallel = invoke("validate", *files, "--schema", "tei_all", "-j", "2")

    def strip(text: str) -> list[str]:
        return [line for line in text.splitlines() if " files, " not in line]

    assert strip(serial.stderr) == strip(parallel.stderr)
    assert serial.exit_code == parallel.exit_code == 1


@pytest.fixture
def tei_release_server(shared_tei_all):
    handler = functools.partial(
        http.server.SimpleHTTPRequestHandler, directory=str(shared_tei_all.parent)
    )
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/{shared_tei_all.name}"
    server.shutdown()


def test_the_current_tei_release_is_the_default_offline():
    path = V / "graphic-type-valid-since-4.4.xml"
    result = invoke("validate", str(path))
    assert result.exit_code == 0, result.stderr
    assert "(tei_all 4.12.0; " in result.stderr


def test_a_document_naming_tei_4_3_0_gets_a_hint_for_what_later_releases_allow():
    path = V / "graphic-type-names-tei-4.3.0-1_error.xml"
    result = invoke("validate", str(path))
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert 'attribute "type" not allowed here' in lines[0]
    assert "(tei_all 4.3.0;" in lines[-2]  # the summary names the release used
    assert lines[-1] == (
        "hint: graphic/@type became valid TEI after release 4.3.0 (by 4.12.0); to validate "
        "against TEI 4.12.0, point the <?xml-model?> at "
        "https://www.tei-c.org/release/xml/tei/custom/schema/relaxng/tei_all.rng or use "
        "--schema tei_all"
    )


def test_schema_update_then_list(tei_release_server, tmp_path, monkeypatch):
    monkeypatch.setenv("TEIKIT_CACHE_DIR", str(tmp_path / "cache"))
    update = invoke("schema", "update", "--url", tei_release_server, "--allow-http")
    assert update.exit_code == 0, update.stderr
    assert update.stdout.startswith("TEI 4.12.0: ")
    listing = invoke("schema", "list").stdout.splitlines()
    assert [line.split()[:3] for line in listing] == [
        ["4.3.0", "bundled", str(tei_all("4.3.0").path)],
        ["*", "4.12.0", "bundled"],  # the bundled copy of a release goes first
        ["4.12.0", tei_release_server, str(tmp_path / "cache" / "tei" / "4.12.0" / "tei_all.rng")],
    ]


def test_schema_update_failure_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("TEIKIT_CACHE_DIR", str(tmp_path / "cache"))
    result = invoke("schema", "update", "--url", "http://127.0.0.1:9/tei_all.rng", "--allow-http")
    assert result.exit_code == 3
    [line] = result.stderr.splitlines()
    assert line.startswith("teikit: error: cannot download http://127.0.0.1:9/tei_all.rng")


def test_known_errors_give_exactly_the_expected_diagnostics():
    """One fixture per error shape, against tei_all: exact lines, columns and messages."""
    names = [
        "wrong-element-1_error.xml",
        "missing-attribute-1_error.xml",
        "bad-attribute-value-1_error.xml",
        "several-errors-3_errors.xml",
    ]
    result = invoke(
        "validate",
        *(str(V / n) for n in names),
        "--schema",
        "tei_all",
        "-j",
        "1",
        "--no-embedded-schematron",
    )
    assert result.exit_code == 1
    lines = [line.split("/validate/", 1)[1] for line in result.stderr.splitlines()[:-1]]
    assert [line.split(" [")[0].split("; expected")[0] for line in lines] == [
        'wrong-element-1_error.xml:13:9: error: element "div" not allowed here',
        'missing-attribute-1_error.xml:11:9: error: element "language" missing required '
        'attribute "ident"',
        'bad-attribute-value-1_error.xml:13:15: error: value of attribute "when" is invalid; must '
        "be an ISO date or time (YYYY, YYYY-MM, YYYY-MM-DD, YYYY-MM-DDThh:mm:ss, hh:mm:ss, --MM, "
        '--MM-DD or ---DD), got "22 June 1954"',
        'several-errors-3_errors.xml:12:20: error: value of attribute "when" is invalid; must be '
        "an ISO date or time (YYYY, YYYY-MM, YYYY-MM-DD, YYYY-MM-DDThh:mm:ss, hh:mm:ss, --MM, "
        '--MM-DD or ---DD), got "yesterday"',
        'several-errors-3_errors.xml:13:14: error: element "foo" not allowed anywhere',
        'several-errors-3_errors.xml:14:19: error: attribute "bogus" not allowed here',
    ]
    assert lines[0].endswith("[rng:element-not-allowed]")
    assert '; expected the element end-tag, text or element "abbr", "add",' in lines[0]
    assert lines[-1].split("; expected ")[1].startswith('attribute "ana", "cert", "change",')


def test_stdin_alongside_files_is_read_once_and_validated():
    data = (V / "schematron-assert-and-report-2_findings.xml").read_bytes()
    result = invoke("validate", "-", str(V / "valid.xml"), "--schema", RULES, input=data)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0].startswith("<stdin>:12:0: error: A date needs @when.")
    assert "file is empty" not in result.stderr
