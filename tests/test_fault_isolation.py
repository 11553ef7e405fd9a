"""Issue 12, findings 3 and 4: one hostile file cannot stop a batch, and nothing
a document names can make a command hang. One fixture per finding
(tests/fixtures/issues/012/), each asserting the safe behaviour."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from teikit.cli import cli
from teikit.document import load
from teikit.errors import LoadError

from conftest import FIXTURES, TEI

ISSUE = FIXTURES / "issues" / "012"
DEEP = ISSUE / "deep-nesting"
RECURSIVE = ISSUE / "recursive-schematron"
BROKEN_MODEL = ISSUE / "unparsable-xml-model"


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


# --------------------------------------------------------------------------- 3: depth


def test_nesting_the_loader_accepts_reaches_saxon_in_validate():
    result = invoke("validate", str(DEEP / "deep-250.xml"), str(DEEP / "shallow.xml"))
    assert "SXXP0003" not in result.stderr and "maxElementDepth" not in result.stderr
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines()[-1].startswith("2 files, 2 valid")


def test_nesting_the_loader_accepts_reaches_saxon_in_transform(tmp_path):
    result = invoke("transform", str(DEEP), "-o", str(tmp_path), "--to", "html")
    assert result.exit_code == 0, result.stderr
    page = (tmp_path / "deep-250.html").read_text("utf-8")
    assert "deep" in page and (tmp_path / "shallow.html").is_file()


def test_a_deep_register_is_transformed(tmp_path):
    register = (TEI / "register.xml").read_text("utf-8")
    at = register.index("<listPerson")
    deep = register[:at] + "<div>" * 240 + "<p>deep</p>" + "</div>" * 240 + register[at:]
    (tmp_path / "register.xml").write_text(deep, "utf-8")
    shutil.copy(TEI / "letter-1954-06-22.xml", tmp_path)
    result = invoke("transform", str(tmp_path), "-o", str(tmp_path / "out"))
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "out" / "persons.html").is_file()


# --------------------------------------------------------------------------- 3: crashes


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_recursive_schematron_costs_one_file_and_the_report_is_written(tmp_path, jobs):
    report = tmp_path / "report.json"
    result = invoke(
        "validate",
        str(RECURSIVE / "names-recursive.xml"),
        str(DEEP / "shallow.xml"),
        "-j",
        jobs,
        "--format",
        "json",
        "--report",
        str(report),
    )
    assert result.exit_code == 1, result.stderr
    assert "StackOverflowError" not in result.stderr  # the engine's dump stays in the worker
    lines = result.stderr.splitlines()
    crashed = [line for line in lines if "names-recursive.xml" in line]
    assert len(crashed) == 1
    assert "error: the validator crashed on this file: a stack overflow" in crashed[0]
    assert crashed[0].endswith("[teikit:validator-crashed]")
    assert lines[-1].startswith("2 files, 1 valid, 1 invalid")
    data = json.loads(report.read_text("utf-8"))
    assert [f["valid"] for f in data["files"]] == [False, True]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_file_that_crashes_the_validator_among_a_group_costs_that_file_alone(jobs):
    """With the rules, small files go to a worker in groups; a group whose worker
    dies is checked again file by file, so the crash is still the one file's."""
    result = invoke(
        "validate",
        str(DEEP / "shallow.xml"),
        str(RECURSIVE / "names-recursive.xml"),
        str(DEEP / "deep-250.xml"),
        "--rules",
        "-j",
        jobs,
    )
    assert result.exit_code == 1, result.stderr
    crashed = [line for line in result.stderr.splitlines() if "validator-crashed" in line]
    assert len(crashed) == 1
    assert "names-recursive.xml" in crashed[0]
    assert "the validator crashed on this file: a stack overflow" in crashed[0]
    assert result.stderr.splitlines()[-1].startswith("3 files, 2 valid, 1 invalid")


def test_a_single_file_that_crashes_the_validator_is_a_finding():
    result = invoke("validate", str(RECURSIVE / "names-recursive.xml"))
    assert result.exit_code == 1, result.stderr
    assert "the validator crashed on this file" in result.stderr


def test_an_unparsable_xml_model_target_is_a_diagnostic_for_its_document():
    result = invoke("validate", str(BROKEN_MODEL / "names-broken.xml"), str(DEEP / "shallow.xml"))
    assert result.exit_code == 1, result.stderr  # findings, not a tool failure (3)
    errors = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert len(errors) == 1
    assert errors[0].startswith(f"{BROKEN_MODEL / 'names-broken.xml'}:2:1: error: ")
    assert "broken.rng" in errors[0] and errors[0].endswith("[xml-model:schema-unusable]")
    assert result.stderr.splitlines()[-1].startswith("2 files, 1 valid, 1 invalid")


def test_ten_million_elements_load_with_their_ids():
    body = b"<p/>" * 10_000_000
    data = b'<TEI xmlns="http://www.tei-c.org/ns/1.0"><text xml:id="t"><body>' + body
    doc = load(data + b"</body></text></TEI>", path="huge.xml")
    assert list(doc.ids) == ["t"]  # no "XPathEvalError: unknown error"


# --------------------------------------------------------------------------- 4: hangs


@pytest.fixture
def fifo(tmp_path) -> Path:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes on this system")
    path = tmp_path / "pipe.xml"
    os.mkfifo(path)
    return path


def test_the_loader_refuses_a_pipe_without_opening_it_for_good(fifo):
    with pytest.raises(LoadError) as refused:
        load(fifo)
    assert refused.value.diagnostics[0].code == "not-a-file"


def test_a_pipe_in_a_searched_folder_is_skipped_with_a_warning(fifo):
    shutil.copy(DEEP / "shallow.xml", fifo.parent)
    result = invoke("validate", str(fifo.parent))
    assert f"{fifo}:0:0: warning: skipped: not a regular file" in result.stderr
    assert result.stderr.splitlines()[-1].startswith("1 files, 1 valid, 0 invalid, 1 skipped")


HANG_GUARD = 600  # seconds: only so that a regression fails instead of hanging CI


def _run_teikit(*args: str, cwd: Path, stdin: int | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "teikit", *args],
        cwd=cwd,
        stdin=stdin if stdin is not None else subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=HANG_GUARD,
    )


@pytest.mark.parametrize("target", ["pipe.xml", "/dev/stdin"])
def test_a_ref_naming_a_pipe_or_stdin_does_not_block_transform_or_build(fifo, target):
    folder = fifo.parent / "tei"
    folder.mkdir()
    letter = (TEI / "letter-1954-06-22.xml").read_text("utf-8")
    letter = letter.replace(
        'ref="register.xml#', f'ref="{"../" if target == "pipe.xml" else ""}{target}#'
    )
    (folder / "letter.xml").write_text(letter, "utf-8")
    read, write = os.pipe()  # standard input that never ends: reading it would block
    try:
        done = _run_teikit("transform", "tei", "-o", "out", cwd=fifo.parent, stdin=read)
        assert done.returncode in (0, 1), done.stderr
        assert (fifo.parent / "out" / "letter-1954-06-22.html").is_file()
        built = _run_teikit("build", "tei", "-o", "site", "--no-pdf", "--no-validate",
                            cwd=fifo.parent, stdin=read)  # fmt: skip
        assert built.returncode in (0, 1), built.stderr
        assert (fifo.parent / "site" / "letter.html").is_file()
    finally:
        os.close(read)
        os.close(write)


def test_build_skips_a_pipe_in_the_edition_folder(fifo):
    folder = fifo.parent
    shutil.copy(TEI / "letter-1954-06-22.xml", folder)
    shutil.copy(TEI / "register.xml", folder)
    done = _run_teikit("build", ".", "-o", "site", "--no-pdf", "--no-validate", cwd=folder)
    assert done.returncode == 0, done.stderr
    assert "pipe.xml:0:0: warning: skipped: not a regular file" in done.stderr
