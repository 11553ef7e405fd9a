"""Feedback during long runs: every batch command prints each file's findings as
soon as the file is done, in input order, also into a pipe; a progress line goes
to standard error (redrawn on a terminal, a plain line now and then otherwise);
--quiet keeps errors only.

"Before file N is processed" is checked with events, not timing: the worker
that is about to process the last file waits until the parent has printed the
first file's findings, and fails that file if they never come."""

from __future__ import annotations

import copy
import importlib
import io
import multiprocessing
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from teikit import cli as cli_module
from teikit.batch import Step
from teikit.cli import Feedback, cli
from teikit.errors import Diagnostic, Severity, printable

from conftest import TEI

# Long enough for any loaded machine; only reached when the findings never come.
NEVER = 300.0

MESSAGES = """<xsl:stylesheet version="3.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:tei="http://www.tei-c.org/ns/1.0">
  <xsl:output method="text"/>
  <xsl:template match="/">
    <xsl:message>seen <xsl:value-of select="//tei:title[1]"/></xsl:message>
    <xsl:value-of select="//tei:title[1]"/>
  </xsl:template>
</xsl:stylesheet>
"""


def tei(title: str, extra: str = "") -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<TEI xmlns="http://www.tei-c.org/ns/1.0">
  <teiHeader><fileDesc>
    <titleStmt><title>{title}</title></titleStmt>
    <publicationStmt><p>test</p></publicationStmt>
    <sourceDesc><p>test</p></sourceDesc>
  </fileDesc></teiHeader>
  <text><body><p{extra}>Text of {title}.</p></body></text>
</TEI>
"""


def letters(folder: Path, count: int, *, first: str | None = None) -> list[Path]:
    """``count`` small TEI files, a.xml, b.xml …; ``first`` replaces the first one's text."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(count):
        path = folder / f"{chr(ord('a') + n)}.xml"
        path.write_text(first if n == 0 and first is not None else tei(path.stem), "utf-8")
        paths.append(path)
    return paths


def transform_with_messages(files: list[Path], out: Path, *options: str):
    """``teikit transform`` with a stylesheet that says "seen TITLE" for each file;
    returns the result and the files named by those messages, in printed order."""
    xsl = out.parent / "messages.xsl"
    xsl.write_text(MESSAGES, "utf-8")
    args = ["transform", *map(str, files), "--xsl", str(xsl), "--to", "txt", "-o", str(out)]
    result = CliRunner().invoke(cli, [*args, *options])
    seen = [line for line in result.stderr.splitlines() if ": seen " in line]
    return result, [Path(line.split(":")[0]).name for line in seen]


class Printed:
    """An event set in this process when the CLI prints a line naming ``needle``;
    forked workers inherit it and wait for it."""

    def __init__(self, monkeypatch, needle: str) -> None:
        self.event = multiprocessing.get_context("fork").Event()
        real = Feedback.say

        def say(feedback: Feedback, line: str) -> None:
            real(feedback, line)
            if needle in line:
                self.event.set()

        monkeypatch.setattr(Feedback, "say", say)

    def wait_in_worker(self) -> None:
        if not self.event.wait(NEVER):
            raise RuntimeError("the first file's findings were not printed before the last file")


def test_transform_prints_the_first_files_findings_before_the_last_file_is_done(
    tmp_path, monkeypatch
):
    transform = importlib.import_module("teikit.transform")

    files = letters(tmp_path / "tei", 4)
    printed = Printed(monkeypatch, "a.xml")
    real = transform._render_pages

    def render_pages(doc, path, *args, **kwargs):  # in the worker
        if path.endswith("d.xml"):
            printed.wait_in_worker()
        return real(doc, path, *args, **kwargs)

    monkeypatch.setattr(transform, "_render_pages", render_pages)
    result, seen = transform_with_messages(files, tmp_path / "out", "-j", "1")
    assert result.exit_code == 0, result.stderr
    assert "were not printed" not in result.stderr
    assert seen == ["a.xml", "b.xml", "c.xml", "d.xml"]


def test_transform_keeps_input_order_with_two_workers(tmp_path):
    # The largest file first would be handed out first; findings still come in input order.
    files = letters(tmp_path / "tei", 6)
    files[3].write_text(tei("d", "") + "<!--" + "x" * 200_000 + "-->", "utf-8")
    result, seen = transform_with_messages(files, tmp_path / "out", "-j", "2")
    assert result.exit_code == 0, result.stderr
    assert seen == [p.name for p in files]


def test_build_prints_validation_findings_before_pages_are_rendered(tmp_path, monkeypatch):
    from teikit.site import build as site

    folder = tmp_path / "tei"
    letters(folder, 3, first=tei("a", ' rend="x" unknown="1"'))
    printed = Printed(monkeypatch, "a.xml")
    real = site.run_job

    def run_job(shop, job):  # in the worker
        if job.path.endswith("c.xml") and job.kind == "page":
            printed.wait_in_worker()
        return real(shop, job)

    monkeypatch.setattr(site, "run_job", run_job)
    result = CliRunner().invoke(
        cli,
        ["build", str(folder), "-o", str(tmp_path / "site"), "--keep-going", "--no-pdf", "-j", "1"],
    )
    assert "were not printed" not in result.stderr
    lines = result.stderr.splitlines()
    first = next(i for i, line in enumerate(lines) if "a.xml" in line and "unknown" in line)
    assert first == 0  # the first thing printed, before anything else is done
    assert result.exit_code == 1  # the invalid file is a finding; the site is built
    assert (tmp_path / "site" / "c.html").is_file()
    assert sum(1 for line in lines if "unknown" in line and "a.xml" in line) == 1  # once


@pytest.mark.parametrize("command", ["index", "export"])
def test_index_and_export_print_unreadable_files_as_they_read(tmp_path, monkeypatch, command):
    import teikit.edition

    files = letters(tmp_path / "tei", 3, first="<TEI xmlns='http://www.tei-c.org/ns/1.0'><broken")
    real = teikit.edition.load
    before_last: list[bytes] = []

    def load(path, *args, **kwargs):  # reading happens in this process, in order
        if str(path).endswith("c.xml"):
            sys.stderr.flush()
            before_last.append(sys.stderr.buffer.getvalue())
        return real(path, *args, **kwargs)

    monkeypatch.setattr(teikit.edition, "load", load)
    out = tmp_path / ("index.json" if command == "index" else "places.geojson")
    # export reads in workers by default: -j 1 reads here, where load is watched
    # (with workers the findings come in order as each file is done: test_exports).
    one = ["-j", "1"] if command == "export" else []
    result = CliRunner().invoke(cli, [command, str(tmp_path / "tei"), "-o", str(out), *one])
    assert result.exit_code == 1, result.stderr  # a file could not be read
    assert len(before_last) == 1
    assert f"{files[0]}:1:" in before_last[0].decode()
    assert result.stderr.count(f"{files[0]}:1:") == 1  # printed once


def test_progress_in_a_pipe_is_a_plain_line_and_quiet_has_none(tmp_path, monkeypatch):
    files = letters(tmp_path / "tei", 3)
    monkeypatch.setattr(cli_module, "PROGRESS_EVERY", 0.0)  # a line at every file

    result, seen = transform_with_messages(files, tmp_path / "out", "-j", "1")
    assert result.exit_code == 0, result.stderr
    assert seen == ["a.xml", "b.xml", "c.xml"]
    # How many files are done, in any order (results may come two at a time), each
    # count once; none for the last file, which the summary reports.
    progress = [line for line in result.stderr.splitlines() if line.startswith("teikit:")]
    counts = [int(line.split()[3]) for line in progress]
    assert progress and all(
        line == f"teikit: progress: transforming {n} of 3 files"
        for line, n in zip(progress, counts, strict=True)
    )
    assert counts == sorted(set(counts)) and counts[-1] < 3
    assert "\r" not in result.stderr  # no bar in a pipe

    quiet, _ = transform_with_messages(files, tmp_path / "quiet", "-j", "1", "--quiet")
    assert quiet.exit_code == 0
    assert quiet.stderr == ""  # warnings, progress and summary all left out


def test_progress_in_a_pipe_comes_every_few_seconds(monkeypatch):
    # The clock moves 4 s a step; with a line every 10 s, one line every third step,
    # and none for the last (the summary says it).
    now = iter(range(0, 1000, 4))
    monkeypatch.setattr(cli_module, "_clock", lambda: float(next(now)))
    stream = io.StringIO()
    feedback = Feedback(stream=stream, tty=False)
    for done in range(1, 10):
        feedback(Step("validating", done, 9, f"f{done}.xml"))
    feedback(Step("validating", 9, 9))  # told again: nothing new
    for done in range(1, 4):  # the next phase counts from 1 again
        feedback(Step("rendering", done, 4, unit="pages"))
    assert stream.getvalue().splitlines() == [
        "teikit: progress: validating 3 of 9 files",
        "teikit: progress: validating 6 of 9 files",
        "teikit: progress: rendering 1 of 4 pages",
    ]


def test_progress_on_a_terminal_is_redrawn_and_makes_way_for_findings(monkeypatch):
    now = iter(range(0, 1000))
    monkeypatch.setattr(cli_module, "_clock", lambda: float(next(now)))
    stream = io.StringIO()
    feedback = Feedback(stream=stream, tty=True)
    feedback(Step("rendering", 1, 3, "a.html", unit="pages"))
    finding = Diagnostic("b.xml", 3, 4, Severity.ERROR, "bad", "code", "test")
    feedback(Step("rendering", 2, 3, "b.html", (finding,), unit="pages"))
    feedback(Step("rendering", 3, 3, "c.html", unit="pages"))
    feedback.close()
    first = "rendering [" + "#" * 8 + "-" * 16 + "] 1/3 pages a.html"
    second = "rendering [" + "#" * 16 + "-" * 8 + "] 2/3 pages b.html"
    third = "rendering [" + "#" * 24 + "] 3/3 pages c.html"
    # drawn, wiped for the finding (which stands on a line of its own), drawn again
    # over itself, and taken off the line at the end
    assert stream.getvalue() == (
        f"\r{first}\r{' ' * len(first)}\r{finding.format()}\n"
        f"\r{second}\r{third}\r{' ' * len(third)}\r"
    )


def test_quiet_keeps_errors():
    stream = io.StringIO()
    feedback = Feedback(stream=stream, quiet=True, tty=True)
    warning = Diagnostic("a.xml", 1, 1, Severity.WARNING, "meh", "w", "test")
    error = Diagnostic("a.xml", 2, 1, Severity.ERROR, "bad", "e", "test")
    feedback(Step("validating", 1, 2, "a.xml", (warning, error)))
    feedback(Step("validating", 2, 2, "b.xml"))
    feedback.rest([warning, error, error])  # the second error is new
    assert stream.getvalue().splitlines() == [error.format(), error.format()]


def test_the_rest_is_what_was_not_shown_counted_by_equality():
    # Findings shown are matched by identity first, then by equality: a copy of one
    # shown is not new, the same finding reported twice and shown once is once new.
    stream = io.StringIO()
    feedback = Feedback(stream=stream, tty=False)
    a = Diagnostic("a.xml", 1, 1, Severity.ERROR, "a", "e", "test")
    b = Diagnostic("a.xml", 2, 1, Severity.ERROR, "b", "e", "test")
    new = Diagnostic("b.xml", 3, 1, Severity.WARNING, "new", "w", "test")
    feedback.show([a, b])
    feedback.rest([copy.copy(a), b, new, a])
    assert copy.copy(a) is not a
    assert stream.getvalue().splitlines() == [a.format(), b.format(), new.format(), a.format()]
    feedback.rest([])  # nothing left to print
    assert len(stream.getvalue().splitlines()) == 4


@pytest.mark.parametrize(
    "message",
    ["one line", " lead", "trail ", "two  spaces", "tab\there", "new\nline", "a\u00a0b",
     "a\u2028b", "\u3000", "", " ", "a\x1cb", "ok \x1b[31m"],
)
def test_a_finding_is_printed_on_one_line_with_single_spaces(message):
    line = Diagnostic("a.xml", 1, 0, Severity.ERROR, message, "c", "s").format()
    assert line == f"a.xml:1:0: error: {printable(' '.join(message.split()))} [s:c]"


# --------------------------------------------------------------------------- memory


def test_transform_holds_the_registers_not_every_letter(tmp_path, monkeypatch):
    # The parent reads each letter once for what the edition model needs of it and
    # lets it go; the worker that transforms it reads it again. While the workers
    # run, the parent holds only the register and the edition file.
    import gc
    import weakref

    from teikit.transform import transform as run_transform

    module = importlib.import_module("teikit.transform")
    real = module.load
    loaded: list[weakref.ref] = []

    def load(*args, **kwargs):
        doc = real(*args, **kwargs)
        loaded.append(weakref.ref(doc))
        return doc

    held: list[set[str]] = []

    def on_step(step: Step) -> None:
        if not held:
            gc.collect()
            held.append({Path(ref().path).name for ref in loaded if ref() is not None})

    monkeypatch.setattr(module, "load", load)
    report = run_transform([TEI], "html", tmp_path / "out", jobs=2, on_step=on_step)
    assert report.ok, report.diagnostics
    assert len(report.files) == 8 and len(loaded) >= 8  # every file read once here
    assert held == [{"edition.xml", "register.xml"}]


def test_the_edition_title_counts_documents_not_held(tmp_path):
    # A series title most documents share is the edition's title, also when the
    # model holds none of them (a transform's parent holds only the registers).
    from teikit.document import load
    from teikit.edition import Edition, Glimpse

    series = "<seriesStmt><title>Briefe an Hermine</title></seriesStmt>"
    glimpses = []
    for n, stmt in enumerate([series, series, ""]):
        path = tmp_path / f"l{n}.xml"
        path.write_text(tei(f"l{n}").replace("<sourceDesc>", stmt + "<sourceDesc>"), "utf-8")
        glimpses.append(Glimpse.of(load(str(path))))
    edition = Edition([], glimpses=glimpses)
    assert edition.title == "Briefe an Hermine"
    assert edition.root == tmp_path.resolve()
