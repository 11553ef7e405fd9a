"""Batch transformation (teikit.transform): HTML, text and PDF over folders, users'
own stylesheets with typed parameters and located messages, safe output names."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from teikit import render
from teikit.document import TEI_NS, load
from teikit.errors import Severity, UsageError
from teikit.transform import output_name, transform

from conftest import FIXTURES, TEI

RENDER = FIXTURES / "render"
CUSTOM = RENDER / "custom-params.xsl"


def files_in(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


# --------------------------------------------------------------------------- built-in formats


def test_html_over_the_edition(tmp_path):
    report = transform([TEI], "html", tmp_path)
    assert report.ok, [d.format() for d in report.diagnostics]
    assert files_in(tmp_path) == [
        "assets/teikit.css",
        "assets/teikit.js",
        "cable-1954-07-24.html",
        "edition.html",
        "introduction.html",
        "letter-1954-06-22.html",
        "letter-1954-08-11.html",
        "letter-1954-09-23.html",
        "letter-1954-09-27.html",
        "organisations.html",
        "persons.html",
        "places.html",
        "register.html",
        "works.html",
    ]
    assert len(report.files) == 8 and not report.diagnostics
    assert report.summary().startswith("8 files, 8 transformed, 0 failed, 12 outputs, 0 errors")
    persons = (tmp_path / "persons.html").read_text(encoding="utf-8")
    assert 'id="tito"' in persons and "<h1>Persons</h1>" in persons
    # the contents page links to the pages written next to it
    edition = (tmp_path / "edition.html").read_text(encoding="utf-8")
    assert 'href="letter-1954-06-22.html"' in edition and 'href="register.html"' in edition


def test_text_and_pdf(tmp_path):
    report = transform([TEI / "cable-1954-07-24.xml"], "txt", tmp_path / "txt")
    assert report.ok
    text = (tmp_path / "txt" / "cable-1954-07-24.txt").read_text(encoding="utf-8")
    assert text.startswith("DOCUMENT No. 2\n\n")
    report = transform([TEI / "cable-1954-07-24.xml"], "pdf", tmp_path / "pdf", pdf_standard="a-2b")
    assert report.ok and report.outputs == [(tmp_path / "pdf" / "cable-1954-07-24.pdf").resolve()]
    assert report.outputs[0].read_bytes().startswith(b"%PDF-")


def test_keeps_going_past_bad_files(tmp_path):
    missing = tmp_path / "missing.xml"
    report = transform(
        [str(missing), RENDER / "malformed.xml", TEI / "cable-1954-07-24.xml"],
        "html",
        tmp_path / "out",
    )
    assert not report.ok
    assert [f.ok for f in report.files] == [False, False, True]
    codes = [d.code for d in report.diagnostics if d.severity >= Severity.ERROR]
    assert codes == ["file-not-found", "not-well-formed"]
    assert report.files[1].diagnostics[0].line > 0
    assert (tmp_path / "out" / "cable-1954-07-24.html").is_file()


def test_output_names_cannot_escape_the_output_folder(tmp_path):
    out = tmp_path / "deep" / "out"
    report = transform([RENDER / "hostile-id.xml"], "html", out)
    assert report.ok
    assert report.outputs == [(out / "evil.html").resolve()]
    assert not list(tmp_path.rglob("evil*"))[1:]  # exactly one, inside out/
    assert not (tmp_path / "evil.html").exists() and not (tmp_path.parent / "evil.html").exists()


@pytest.mark.parametrize(
    ("xml_id", "expected"),
    [
        ("../../evil", "evil"),
        ("/etc/passwd", "etc_passwd"),
        ("..", "document"),
        ("a b\tc", "a_b_c"),
        ("Đorđe-Ћирић", "Dorde-Ciric"),
        ("CON", "_CON"),
        ("nul.txt", "_nul.txt"),
        ("x" * 300, "x" * 100),
        ("C:\\Windows\\evil", "C_Windows_evil"),
    ],
)
def test_output_name_sanitising(xml_id, expected):
    doc = load(
        f'<TEI xmlns="http://www.tei-c.org/ns/1.0" xml:id="{xml_id}"/>'.encode(), require_tei=False
    )
    assert output_name(doc, "whatever.xml") == expected


def test_output_name_falls_back_to_the_file_name():
    doc = load(b'<TEI xmlns="http://www.tei-c.org/ns/1.0"/>', require_tei=False)
    assert output_name(doc, "tei/my letter.xml") == "my_letter"


def test_same_name_twice_is_renamed_not_overwritten(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for name in ("a.xml", "b.xml"):
        shutil.copy(TEI / "cable-1954-07-24.xml", src / name)  # same xml:id
    report = transform([src], "txt", tmp_path / "out")
    assert sorted(p.name for p in report.outputs) == [
        "cable-1954-07-24-2.txt",
        "cable-1954-07-24.txt",
    ]
    assert [d.code for d in report.diagnostics] == ["renamed-output"]


def test_writes_are_atomic(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "cable-1954-07-24.txt").write_text("old", encoding="utf-8")
    transform([TEI / "cable-1954-07-24.xml"], "txt", out)
    assert (out / "cable-1954-07-24.txt").read_text(encoding="utf-8").startswith("DOCUMENT")
    assert files_in(out) == ["cable-1954-07-24.txt"]  # no temporary files left behind


def test_usage_errors(tmp_path):
    with pytest.raises(UsageError):
        transform([TEI], "docx", tmp_path)
    with pytest.raises(UsageError):
        transform([TEI], "xml", tmp_path)  # xml needs a stylesheet
    (tmp_path / "file").write_text("x")
    with pytest.raises(UsageError):
        transform([TEI], "html", tmp_path / "file")
    with pytest.raises(UsageError) as caught:
        transform([TEI], "html", tmp_path / "o", params={"view-toggle": "perhaps"})
    assert caught.value.exit_code == 2
    assert caught.value.diagnostics[0].file.endswith("html.xsl")


# --------------------------------------------------------------------------- own stylesheets


def test_custom_stylesheet_with_typed_params_over_a_folder(tmp_path):
    params = {"count": "41", "flag": "yes", "ratio": "1.25", "day": "2024-02-28", "label": "a b"}
    report = transform([TEI], "txt", tmp_path, xsl=CUSTOM, params=params)
    assert report.ok and len(report.outputs) == 8
    first = (tmp_path / "letter-1954-06-22.txt").read_text(encoding="utf-8").splitlines()[0]
    # integer, boolean, decimal and date arithmetic: the parameters arrived typed
    assert first == "count+1=42;flag=true;ratio*2=2.5;next-day=2024-02-29;label=a b;notes=3"


def test_custom_stylesheet_messages_are_located_diagnostics(tmp_path):
    report = transform([TEI / "letter-1954-06-22.xml"], "txt", tmp_path, xsl=CUSTOM)
    diags = report.diagnostics
    assert [d.message for d in diags] == [
        f"note {n} seen (xsl:message at custom-params.xsl:25)" for n in (2, 3, 4)
    ]
    text = (TEI / "letter-1954-06-22.xml").read_text(encoding="utf-8").splitlines()
    for diag in diags:
        assert diag.file == str(TEI / "letter-1954-06-22.xml")
        assert diag.severity is Severity.WARNING and diag.source == "xslt"
        assert "<note n=" in text[diag.line - 1]  # the line of the note the message is about
        assert diag.xpath.startswith("/TEI/text/body/div/p[")


def test_custom_stylesheet_bad_param_value_points_at_the_param(tmp_path):
    with pytest.raises(UsageError) as caught:
        transform([TEI], "txt", tmp_path, xsl=CUSTOM, params={"day": "yesterday"})
    diag = caught.value.diagnostics[0]
    assert (Path(diag.file).name, diag.line, diag.code) == ("custom-params.xsl", 12, "bad-param")
    assert "xs:date" in diag.message
    assert not list(tmp_path.iterdir())  # nothing was written


def test_unknown_param_is_a_warning(tmp_path):
    report = transform(
        [TEI / "cable-1954-07-24.xml"], "txt", tmp_path, xsl=CUSTOM, params={"cuont": "1"}
    )
    assert report.files[0].ok
    assert [d.code for d in report.diagnostics if d.code] == ["unknown-param"]


@pytest.mark.parametrize(
    ("stylesheet", "file", "line", "column", "code"),
    [
        ("broken.xsl", "broken.xsl", 6, 39, "XPST0003"),
        ("broken-include.xsl", "broken-module.xsl", 4, 29, "XTSE0010"),
        ("malformed.xsl", "malformed.xsl", 5, 18, "xml"),
    ],
)
def test_broken_stylesheet_is_a_located_error(tmp_path, stylesheet, file, line, column, code):
    with pytest.raises(render.StylesheetError) as caught:
        transform([TEI], "html", tmp_path, xsl=RENDER / stylesheet)
    assert caught.value.exit_code == 3
    diag = caught.value.diagnostics[0]
    assert (Path(diag.file).name, diag.line, diag.column, diag.code) == (file, line, column, code)
    assert diag.severity is Severity.ERROR
    assert Path(diag.file).is_absolute()


def test_runtime_error_is_reported_per_file_and_not_printed(tmp_path, capfd):
    report = transform(
        [TEI / "cable-1954-07-24.xml", TEI / "letter-1954-06-22.xml"],
        "txt",
        tmp_path,
        xsl=RENDER / "runtime-error.xsl",
    )
    assert [f.ok for f in report.files] == [False, False]
    diag = report.files[0].diagnostics[0]
    assert diag.code == "FORG0001" and diag.file.endswith("cable-1954-07-24.xml")
    assert "runtime-error.xsl:7:" in diag.message
    captured = capfd.readouterr()
    assert captured.err == "" and captured.out == ""  # Saxon's own report was captured


def test_xslt_1_stylesheet(tmp_path):
    report = transform(
        [TEI / "cable-1954-07-24.xml"], "xml", tmp_path, xsl=RENDER / "legacy-1.0.xsl",
        params={"greeting": "hi"},
    )  # fmt: skip
    out = (tmp_path / "cable-1954-07-24.xml").read_text(encoding="utf-8")
    assert '<out xmlns:tei="http://www.tei-c.org/ns/1.0" greeting="hi">Letter (Cable)' in out
    (info,) = report.diagnostics
    assert (
        info.severity is Severity.INFO
        and info.message == "titles: 8 (xsl:message at legacy-1.0.xsl:9)"
    )


def test_custom_print_profile_to_pdf(tmp_path):
    pypdf = pytest.importorskip("pypdf")
    report = transform(
        [TEI / "cable-1954-07-24.xml"], "pdf", tmp_path, xsl=RENDER / "print-profile.xsl"
    )
    assert report.ok
    text = pypdf.PdfReader(report.outputs[0]).pages[-1].extract_text()
    assert "PRINT-PROFILE-MARKER" in text


def test_html_profile_over_a_folder(tmp_path):
    profile = Path(render.XSLT_DIR) / "profiles" / "example.xsl"
    report = transform(
        [TEI / "cable-1954-07-24.xml"], "html", tmp_path, xsl=profile, params={"banner": "B"}
    )
    assert report.ok
    page = (tmp_path / "cable-1954-07-24.html").read_text(encoding="utf-8")
    assert '<p class="example-banner">B</p>' in page and 'href="persons.html#tito"' in page
    assert (tmp_path / "assets" / "teikit.css").is_file()


def test_stylesheet_cache_notices_edited_modules(tmp_path):
    main, module = tmp_path / "main.xsl", tmp_path / "module.xsl"
    main.write_text(
        '<xsl:stylesheet version="3.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">'
        '<xsl:output method="text"/><xsl:include href="module.xsl"/></xsl:stylesheet>'
    )
    template = (
        '<xsl:stylesheet version="3.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">'
        '<xsl:template match="/">{}</xsl:template></xsl:stylesheet>'
    )
    module.write_text(template.format("one"))
    transform([TEI / "cable-1954-07-24.xml"], "txt", tmp_path / "a", xsl=main)
    module.write_text(template.format("two"))
    os.utime(module, ns=(module.stat().st_atime_ns, module.stat().st_mtime_ns + 10**9))
    transform([TEI / "cable-1954-07-24.xml"], "txt", tmp_path / "b", xsl=main)
    assert (tmp_path / "a" / "cable-1954-07-24.txt").read_text() == "one"
    assert (tmp_path / "b" / "cable-1954-07-24.txt").read_text() == "two"


# --------------------------------------------------------------------------- workers


def outcome_of(report, folder: Path) -> list[tuple]:
    """What a report says per file, with output paths relative to the output folder."""
    return [
        (f.source, f.ok, [p.relative_to(folder).as_posix() for p in f.outputs],
         [d.format().replace(str(folder), "OUT") for d in f.diagnostics])
        for f in report.files
    ]  # fmt: skip


def mixed_batch(tmp_path: Path) -> list[str]:
    """The edition plus what must be reported per file: a name used twice, a
    malformed file, a missing one, and hostile ids and URLs (stylesheet messages)."""
    src = tmp_path / "src"
    src.mkdir()
    for path in TEI.glob("*.xml"):
        shutil.copy(path, src / path.name)
    shutil.copy(TEI / "cable-1954-07-24.xml", src / "cable-copy.xml")  # same xml:id
    return [str(src), str(RENDER / "malformed.xml"), str(tmp_path / "missing.xml"),
            str(RENDER / "hostile-id.xml"), str(RENDER / "url-safety.xml")]  # fmt: skip


@pytest.mark.parametrize(
    ("to", "xsl"),
    [("html", None), ("txt", None), ("txt", CUSTOM), ("txt", RENDER / "runtime-error.xsl")],
)
def test_workers_give_what_a_serial_run_gives(tmp_path, capfd, to, xsl):
    paths = mixed_batch(tmp_path)
    serial = transform(paths, to, tmp_path / "serial", xsl=xsl, jobs=1)
    parallel = transform(paths, to, tmp_path / "parallel", xsl=xsl, jobs=2)
    assert outcome_of(parallel, tmp_path / "parallel") == outcome_of(serial, tmp_path / "serial")
    assert files_in(tmp_path / "parallel") == files_in(tmp_path / "serial")  # nothing else left
    for name in files_in(tmp_path / "serial"):
        assert (tmp_path / "parallel" / name).read_bytes() == (
            tmp_path / "serial" / name
        ).read_bytes(), name
    codes = {d.code for d in serial.diagnostics}
    assert {"not-well-formed", "file-not-found"} <= codes
    if xsl is None or xsl == CUSTOM:
        assert "renamed-output" in codes
    if to == "html" and xsl is None:
        assert "unsafe-url" in codes  # located stylesheet messages, from the workers too
    assert capfd.readouterr().err == ""  # Saxon's own reports were captured in the workers


def test_register_among_the_inputs_is_found_for_every_worker(tmp_path):
    # register.xml sorts after the letters: workers must still link names to it
    report = transform([TEI], "html", tmp_path, jobs=2)
    assert report.ok and not report.diagnostics
    page = (tmp_path / "letter-1954-06-22.html").read_text(encoding="utf-8")
    assert 'href="persons.html#tito"' in page


def test_ctrl_c_keeps_the_finished_files(tmp_path, monkeypatch):
    # Ctrl-C reaches this process (workers ignore it) while it takes the second file.
    import sys

    module = sys.modules["teikit.transform"]
    real_place = module._place

    def interrupted_place(done, outcome, *args):
        if "letter" in outcome.source:
            raise KeyboardInterrupt
        return real_place(done, outcome, *args)

    monkeypatch.setattr(module, "_place", interrupted_place)
    files = [TEI / "cable-1954-07-24.xml", TEI / "letter-1954-06-22.xml"]
    report = transform(files, "txt", tmp_path, jobs=1)
    assert report.interrupted and not report.ok
    assert report.files[0].source == str(files[0]) and report.files[0].ok
    assert report.summary().startswith("interrupted: ")
    assert files_in(tmp_path) == ["cable-1954-07-24.txt"]  # no temporary files left


PDF_SCRIPT = """
import sys
from teikit import render
from teikit.transform import transform
files, out = sys.argv[1:-1], sys.argv[-1]
first = transform(files, "pdf", out + "/forked", jobs=2)
assert render.typst_forkable() and first.ok, first.diagnostics  # Typst ran in workers only
render.compile_typst("x")  # now Typst's threads run here, and would not survive fork
second = transform(files, "pdf", out + "/here", jobs=2)  # so: Typst runs in this process
assert second.ok, second.diagnostics
"""


def test_pdfs_from_workers_and_after_typst_ran_here(tmp_path, monkeypatch):
    import subprocess
    import sys

    files = [str(TEI / "cable-1954-07-24.xml"), str(TEI / "letter-1954-06-22.xml")]
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # the same bytes, run to run
    # in a fresh process: the tests before have run Typst in this one
    subprocess.run([sys.executable, "-c", PDF_SCRIPT, *files, str(tmp_path)], check=True,
                   timeout=300)  # fmt: skip
    serial = transform(files, "pdf", tmp_path / "serial", jobs=1)
    assert serial.ok
    for folder in ("forked", "here"):
        assert files_in(tmp_path / folder) == files_in(tmp_path / "serial")
        for name in files_in(tmp_path / "serial"):
            assert (tmp_path / folder / name).read_bytes() == (
                tmp_path / "serial" / name
            ).read_bytes()


def test_standard_input_is_read_once_by_the_parent(tmp_path, monkeypatch):
    import io
    import sys

    data = (
        (TEI / "cable-1954-07-24.xml")
        .read_bytes()
        .replace(b'xml:id="cable-1954-07-24"', b'xml:id="from-stdin"')
    )
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    report = transform(["-", TEI / "letter-1954-06-22.xml"], "txt", tmp_path, jobs=2)
    assert report.ok, [d.format() for d in report.diagnostics]
    assert [p.name for p in report.outputs] == ["from-stdin.txt", "letter-1954-06-22.txt"]
    assert report.files[0].source == "-"


def test_a_file_that_hangs_a_worker_is_reported_and_the_batch_goes_on(tmp_path, monkeypatch, stuck):
    import sys

    from click.testing import CliRunner

    from teikit.cli import cli

    from conftest import make_workers_hang

    module = sys.modules["teikit.transform"]
    make_workers_hang(
        monkeypatch,
        module,
        "_transform_file",
        lambda item: "cable" in module._batches[item[0]].files[item[1]],
    )
    files = [str(TEI / n) for n in ("letter-1954-06-22.xml", "cable-1954-07-24.xml",
                                    "letter-1954-08-11.xml")]  # fmt: skip
    result = CliRunner().invoke(
        cli, ["transform", *files, "--to", "txt", "-o", str(tmp_path), "-j", "1", "--timeout", "20"]
    )
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 1, result.output
    assert f"{files[1]}:0:0: error: gave up after 20 s" in result.stderr
    assert files_in(tmp_path) == ["letter-1954-06-22.txt", "letter-1954-08-11.txt"]


def test_runtime_error_at_a_node_is_located_there(tmp_path):
    """Saxon names the node an error happened at (an ambiguous rule match): the
    finding is at that element's line and column, not at 0:0 (the document as a
    whole)."""
    letter = TEI / "letter-1954-06-22.xml"
    report = transform([letter], "txt", tmp_path, xsl=RENDER / "error-at-node-located-0-0.xsl")
    [diag] = report.files[0].diagnostics
    note = next(
        n for n in load(letter).root.iter(f"{{{TEI_NS}}}note") if n.getparent().tag.endswith("}p")
    )
    assert (diag.line, diag.xpath) == (note.sourceline, "/TEI/text/body/div/p[1]/note")
    line = letter.read_text(encoding="utf-8").splitlines()[diag.line - 1]
    assert line[diag.column - 1 :].startswith("<note ")
    assert diag.format().startswith(f"{letter}:{diag.line}:{diag.column}: error: ")
