"""Issue 12, finding 7: characters a PDF cannot show are named in a warning,
and CJK falls back to a CJK font where the machine has one."""

from __future__ import annotations

import struct

import pytest
from pypdf import PdfReader

from teikit import fonts, render

from conftest import TEI


def test_latin_cyrillic_and_greek_need_no_font_file():
    assert fonts.missing("Đilas, Ћирилица, Ελληνικά, “quotes” – dash, 1954") == []


def test_characters_no_font_has_are_named_once_in_order():
    text = "x 😀 y مرحبا 😀"
    found = fonts.missing(text, ())
    assert found == ["😀", "م", "ر", "ح", "ب", "ا"]
    assert fonts.describe(found, limit=2) == "😀 (U+1F600), م (U+0645) and 4 more"


def _font_with(tmp_path, chars: str):
    """A minimal TrueType file whose cmap (format 12) maps ``chars``."""
    groups = b"".join(struct.pack(">III", ord(c), ord(c), 1) for c in sorted(set(chars)))
    subtable = struct.pack(">HHIII", 12, 0, 16 + len(groups), 0, len(groups) // 12) + groups
    cmap = struct.pack(">HH", 0, 1) + struct.pack(">HHI", 3, 10, 12) + subtable
    header = struct.pack(">IHHHH", 0x00010000, 1, 16, 0, 0)
    table = struct.pack(">4sIII", b"cmap", 0, 12 + 16, len(cmap))
    folder = tmp_path / "fonts"
    folder.mkdir()
    (folder / "test.ttf").write_bytes(header + table + cmap)
    return str(folder)


def test_a_font_folder_covers_what_its_fonts_map(tmp_path):
    folder = _font_with(tmp_path, "😀")
    assert fonts.missing("a 😀 ب", (folder,)) == ["ب"]


def test_the_pdf_warns_naming_characters_that_print_as_boxes(tmp_path):
    letter = (TEI / "letter-1954-06-22.xml").read_text("utf-8")
    at = letter.index("<p", letter.index("<body"))
    letter = letter[:at] + "<p>An emoji 😀 and Arabic مرحبا.</p>" + letter[at:]
    (tmp_path / "letter.xml").write_text(letter, "utf-8")
    found: list = []
    render.render_pdf(tmp_path / "letter.xml", tmp_path / "letter.pdf", diagnostics=found)
    warnings = [d for d in found if d.code == "missing-glyphs"]
    assert len(warnings) == 1
    assert warnings[0].message.startswith("6 character(s) print as empty boxes in the PDF")
    assert "😀 (U+1F600)" in warnings[0].message and "TEIKIT_FONT_PATH" in warnings[0].message


def test_cjk_falls_back_to_the_machines_cjk_font(tmp_path):
    if not fonts.cjk_folder():
        pytest.skip("no CJK font on this machine (apt-get install fonts-noto-cjk)")
    letter = (TEI / "letter-1954-06-22.xml").read_text("utf-8")
    at = letter.index("<p", letter.index("<body"))
    letter = letter[:at] + "<p>In Chinese: 中文.</p>" + letter[at:]
    (tmp_path / "letter.xml").write_text(letter, "utf-8")
    render.render_pdf(tmp_path / "letter.xml", tmp_path / "letter.pdf")
    reader = PdfReader(tmp_path / "letter.pdf")
    names = {
        str(font.get_object().get("/BaseFont"))
        for page in reader.pages
        for font in (page["/Resources"].get_object().get("/Font") or {}).values()
    }
    assert any("CJK" in name for name in names), names
    assert any("中文" in page.extract_text() for page in reader.pages)
