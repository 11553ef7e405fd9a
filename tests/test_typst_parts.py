"""A long document's PDF typeset in parts and joined into one (teikit.typst_parts,
through render.compile_typst). The part size is shrunk through compile_typst's
``part_bytes`` (and the build's limits through render's constants), so that a
small diary is cut as the benchmark's 20 MB one is."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from teikit import render, typst_parts
from teikit.cli import cli
from teikit.errors import PdfTooLargeError, Severity
from teikit.site import build

from conftest import FIXTURES, TEI

pypdf = pytest.importorskip("pypdf")
pytest.importorskip("typst")

DIARY = FIXTURES / "render" / "diary-typeset-in-parts.xml"
DAYS = 24
PART = 12_000  # bytes of Typst source a part may have: the diary's is some 40,000


@pytest.fixture(scope="module")
def marked() -> bytes:
    """The diary's Typst source with the marks where a part may begin."""
    return render.render_typst(DIARY, params={"part-breaks": "true"}).encode("utf-8")


@pytest.fixture(scope="module")
def in_parts(marked, tmp_path_factory) -> tuple[Path, list]:
    pdf, found = render.compile_typst(marked, file=str(DIARY), part_bytes=PART)
    path = tmp_path_factory.mktemp("parts") / "diary.pdf"
    path.write_bytes(pdf)
    return path, found


def page_texts(path: Path) -> list[str]:
    return [" ".join(p.extract_text().split()) for p in pypdf.PdfReader(path).pages]


def test_the_marks_stand_where_a_part_may_begin(marked):
    # one where the preamble ends, one before each division: the diary's own and its days
    assert marked.count(typst_parts.PREAMBLE_END) == 1
    assert marked.count(typst_parts.BREAK) == DAYS + 1
    assert render.render_typst(DIARY).encode("utf-8").count(b"// tk-part") == 0  # off by default


def test_the_marks_print_nothing(marked, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1000000000")
    plain = render.render_typst(DIARY)
    with_marks, _ = render.compile_typst(marked, file="diary")
    without, _ = render.compile_typst(plain, file="diary")
    assert with_marks == without


def test_a_long_document_is_typeset_in_parts_with_all_its_text_in_order(in_parts, marked):
    path, found = in_parts
    parts = typst_parts.plan(marked, PART, render.TYPST_MAX_BYTES)
    assert len(parts) >= 3
    [note] = [d for d in found if d.code == "pdf-in-parts"]
    assert note.severity == Severity.INFO and note.file == str(DIARY)
    assert note.message.startswith(f"typeset in {len(parts)} parts and joined")
    assert [d for d in found if d.code != "pdf-in-parts"] == []
    whole = " ".join(page_texts(path))
    places = [whole.index(f"ENTRY{day}{end}") for day in range(1, DAYS + 1) for end in "AB"]
    assert places == sorted(places)
    assert all(whole.count(f"ENTRY{day}A ") == 1 for day in range(1, DAYS + 1))


def test_page_numbers_go_on_from_part_to_part(in_parts):
    texts = page_texts(in_parts[0])
    assert len(texts) >= 6
    for number, text in enumerate(texts, 1):
        # the running head with the number, or (where a part begins) the number below
        assert text.startswith(f"Diary in parts {number} ") or text.endswith(f" {number}"), number
    assert texts[0].endswith(" 1")


def test_footnotes_go_on_from_part_to_part_on_the_page_of_their_marker(in_parts):
    texts = page_texts(in_parts[0])
    for day in range(1, DAYS + 1):
        [page] = [i for i, text in enumerate(texts) if f"Footnote of day {day}." in text]
        assert re.search(rf"\b{day} ?Footnote of day {day}\.", texts[page]), day
        assert f"ENTRY{day}A" in texts[page] or f"ENTRY{day}B" in texts[page]


def test_the_bookmarks_of_the_parts_are_one_outline(in_parts):
    reader = pypdf.PdfReader(in_parts[0])
    [title, days] = reader.outline
    assert title.title == "Diary in parts" and reader.get_destination_page_number(title) == 0
    assert [d.title for d in days] == [f"Day {day}" for day in range(1, DAYS + 1)]
    texts = page_texts(in_parts[0])
    for day, item in enumerate(days, 1):
        assert f"ENTRY{day}A" in texts[reader.get_destination_page_number(item)], day


def test_a_note_marker_may_link_to_another_part(in_parts):
    # day 2's endnote is printed after the last day, in the last part: its marker's
    # link goes to the end of the first part (each part links only within itself)
    texts = page_texts(in_parts[0])
    whole = " ".join(texts)
    assert whole.index("Endnote of day 2.") > whole.index("ENTRY24B")
    assert "Endnote of day 2." not in " ".join(texts[:2])


def test_the_joined_pdf_keeps_the_documents_metadata(in_parts):
    reader = pypdf.PdfReader(in_parts[0])
    assert reader.metadata.title == "Diary in parts"
    assert reader.metadata.author == "A. Diarist"
    assert reader.trailer["/Root"]["/Lang"] == "en"


def test_a_register_may_be_typeset_in_parts_between_its_entries():
    source = render.render_typst(TEI / "register.xml", params={"part-breaks": "true"})
    entries = source.count("#heading(level: 3, outlined: false")
    assert entries > 10 and source.count(typst_parts.BREAK.decode()) == entries
    pdf, found = render.compile_typst(source, file="register", part_bytes=len(source) // 3)
    assert [d.code for d in found] == ["pdf-in-parts"]
    assert len(pypdf.PdfReader(__import__("io").BytesIO(pdf)).pages) >= 3


def test_a_source_without_marks_over_the_limit_gets_no_pdf_and_a_warning():
    plain = render.render_typst(DIARY)
    with pytest.raises(PdfTooLargeError) as caught:
        render.compile_typst(plain, file=str(DIARY), part_bytes=PART, max_bytes=2 * PART)
    [diag] = caught.value.diagnostics
    assert diag.severity == Severity.WARNING and diag.code == "pdf-too-large"
    line = diag.format()
    assert "\n" not in line and line.startswith(f"{DIARY}:")
    size = f"{len(plain.encode()) / 1024:.0f} KB"
    assert f"no PDF: its Typst source is {size}, more than Typst lays out at once" in line
    assert "in bounded memory (23 KB)" in line and "marked no division" in line


def test_a_division_over_the_limit_gets_no_pdf_and_a_warning(marked):
    with pytest.raises(PdfTooLargeError) as caught:
        render.compile_typst(marked, file=str(DIARY), part_bytes=1_000, max_bytes=1_000)
    [diag] = caught.value.diagnostics
    assert diag.code == "pdf-too-large"
    assert "cut between its divisions one part would still be" in diag.message


def test_plan_cuts_at_the_marks_into_parts_of_bounded_size():
    preamble = b"P" * 100 + typst_parts.PREAMBLE_END
    pieces = [b"a" * 300, b"b" * 300, b"c" * 900, b"d" * 100, b"e" * 100]
    source = preamble + typst_parts.BREAK.join(pieces)
    parts = typst_parts.plan(source, 800, 2_000)
    cut = [source[p.start : p.end] for p in parts]
    assert b"".join(cut) == source  # nothing lost, nothing twice
    assert [p.preamble for p in parts] == [0] + [len(preamble)] * (len(parts) - 1)
    # the piece of 900 is a part of its own, over the size but under the limit
    assert [piece.strip(b"\n").split(b"\n")[-1][:1] for piece in cut] == [b"b", b"c", b"e"]
    assert typst_parts.plan(source, len(source), 10) == [typst_parts.Part(0, len(source), 0)]


@pytest.fixture()
def diary_edition(tmp_path) -> Path:
    folder = tmp_path / "tei"
    folder.mkdir()
    shutil.copy(DIARY, folder / "diary.xml")
    return folder


def test_build_typesets_a_long_document_in_parts(diary_edition, tmp_path, monkeypatch):
    # a "large" document: its Typst source written by Saxon into a file (Job.split)
    monkeypatch.setattr(build, "HEAVY_BYTES", 10_000)
    monkeypatch.setattr(render, "TYPST_PART_BYTES", PART)
    out = tmp_path / "site"
    result = CliRunner().invoke(cli, ["build", str(diary_edition), "-o", str(out), "--no-validate"])
    assert result.exit_code == 0, result.output
    whole = " ".join(page_texts(out / "downloads" / "pdf" / "diary.pdf"))
    places = [whole.index(f"ENTRY{day}A") for day in range(1, DAYS + 1)]
    assert places == sorted(places)


def test_build_without_a_pdf_too_large_to_lay_out_says_so(diary_edition, tmp_path, monkeypatch):
    monkeypatch.setattr(render, "TYPST_PART_BYTES", 1_000)
    monkeypatch.setattr(render, "TYPST_MAX_BYTES", 1_000)
    out = tmp_path / "site"
    result = CliRunner().invoke(cli, ["build", str(diary_edition), "-o", str(out), "--no-validate"])
    assert result.exit_code == 0, result.output  # a warning: the site stands
    lines = [line for line in result.output.splitlines() if line.endswith(":pdf-too-large]")]
    assert any(line.startswith(str(diary_edition / "diary.xml")) for line in lines), lines
    assert all("warning: no PDF: its Typst source is" in line for line in lines)
    assert not (out / "downloads" / "pdf" / "diary.pdf").exists()
    assert "downloads/pdf/diary.pdf" not in (out / "downloads.html").read_text("utf-8")
