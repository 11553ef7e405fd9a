"""The fonts PDFs are typeset with, and the characters they cannot show.

Typst's embedded fonts (Libertinus Serif, New Computer Modern, DejaVu Sans
Mono) cover Latin, Greek and Cyrillic with their punctuation and symbols.
teikit adds, in this order: the folders given to the renderer, the folders in
``$TEIKIT_FONT_PATH`` (separated like ``$PATH``), teikit's own ``data/fonts``
if present, and a CJK font where the machine has one (Debian and Ubuntu:
``apt-get install fonts-noto-cjk``). Typst falls back to any of them for a
character the main font lacks. System fonts are otherwise ignored, so a PDF
does not depend on the machine except for what only such a fallback can show.

A character no font has prints as an empty box: :func:`missing` finds them in
a Typst source, so that the PDF's maker is warned, naming them.
"""

from __future__ import annotations

import os
import struct
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

FONT_PATH_ENV = "TEIKIT_FONT_PATH"
OWN_FONTS = Path(__file__).resolve().parent / "data" / "fonts"
# Where distributions put Noto CJK (Debian/Ubuntu fonts-noto-cjk, Fedora, Arch).
CJK_FOLDERS = (
    "/usr/share/fonts/opentype/noto",
    "/usr/share/fonts/opentype/noto-cjk",
    "/usr/share/fonts/noto-cjk",
    "/usr/share/fonts/google-noto-cjk",
    "/usr/share/fonts/noto-cjk-fonts",
)
FONT_SUFFIXES = (".ttf", ".otf", ".ttc", ".otc")

# What the fonts embedded in Typst cover (code point ranges, inclusive): Latin
# with its extensions and IPA, Greek, Cyrillic, Hebrew, general punctuation, super- and
# subscripts, currency, letterlike symbols, number forms, arrows, mathematical
# operators and alphanumerics, box drawing, geometric shapes, ligatures.
EMBEDDED = (
    (0x0020, 0x007E), (0x00A0, 0x052F), (0x0590, 0x05FF), (0x1D00, 0x1DBF), (0x1E00, 0x1FFF),
    (0x2000, 0x2BFF), (0x2C60, 0x2C7F), (0x2E00, 0x2E7F), (0xA720, 0xA7FF),
    (0xFB00, 0xFB06), (0xFE00, 0xFE0F), (0xFFFC, 0xFFFD), (0x1D400, 0x1D7FF),
)  # fmt: skip


def folders(given: Iterable[str | os.PathLike[str]] = ()) -> tuple[str, ...]:
    """The font folders for Typst, in the order described above."""
    found = [str(p) for p in given]
    found += [p for p in os.environ.get(FONT_PATH_ENV, "").split(os.pathsep) if p]
    if OWN_FONTS.is_dir():
        found.append(str(OWN_FONTS))
    cjk = cjk_folder()
    if cjk:
        found.append(cjk)
    return tuple(dict.fromkeys(found))


@lru_cache(maxsize=1)
def cjk_folder() -> str:
    """A folder holding a CJK font on this machine, or ""."""
    for folder in CJK_FOLDERS:
        with _quiet():
            if any("CJK" in p.name for p in Path(folder).iterdir()):
                return folder
    return ""


class _quiet:
    """Treat a folder that cannot be read as one without fonts."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> bool:
        return kind is not None and issubclass(kind, OSError)


def missing(text: str, font_folders: Iterable[str] = ()) -> list[str]:
    """The characters of ``text`` that neither the embedded fonts nor a font in
    ``font_folders`` has, each once, in order of appearance. Controls, marks and
    format characters (joiners, variation selectors) are not counted: they draw
    nothing by themselves."""
    candidates = [
        char
        for char in set(text)
        if ord(char) >= 0x80
        and not _embedded(ord(char))
        and unicodedata.category(char) not in _DRAW_NOTHING
    ]
    if not candidates:  # the usual case: no font file needs reading
        return []
    extra = _coverage(tuple(font_folders))
    return sorted((c for c in candidates if ord(c) not in extra), key=text.index)


_DRAW_NOTHING = frozenset({"Cc", "Cf", "Mn", "Me", "Zl", "Zp", "Cs", "Co", "Cn"})


def describe(chars: list[str], limit: int = 12) -> str:
    """``中 (U+4E2D), 😀 (U+1F600)``, at most ``limit`` of them."""
    shown = ", ".join(f"{c} (U+{ord(c):04X})" for c in chars[:limit])
    return shown + (f" and {len(chars) - limit} more" if len(chars) > limit else "")


def _embedded(code: int) -> bool:
    return any(low <= code <= high for low, high in EMBEDDED)


@lru_cache(maxsize=8)
def _coverage(font_folders: tuple[str, ...]) -> frozenset[int]:
    """Every code point some font file in these folders maps (their cmap tables)."""
    covered: set[int] = set()
    for folder in font_folders:
        with _quiet():
            for path in sorted(Path(folder).rglob("*")):
                if path.suffix.lower() in FONT_SUFFIXES and path.is_file():
                    covered |= _font_file_coverage(str(path), path.stat().st_mtime_ns)
    return frozenset(covered)


@lru_cache(maxsize=64)
def _font_file_coverage(path: str, mtime_ns: int) -> frozenset[int]:
    """The code points a TrueType/OpenType file (or collection) maps; empty for a
    file that cannot be read as one."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
        offsets = [0]
        if data[:4] == b"ttcf":
            (count,) = struct.unpack_from(">I", data, 8)
            offsets = list(struct.unpack_from(f">{count}I", data, 12))
        covered: set[int] = set()
        for offset in offsets:
            covered |= _cmap(data, offset)
        return frozenset(covered)
    except (OSError, struct.error, ValueError):
        return frozenset()


def _cmap(data: bytes, font: int) -> set[int]:
    """Code points of one font's best Unicode cmap subtable (format 12 or 4)."""
    (tables,) = struct.unpack_from(">H", data, font + 4)
    cmap = None
    for i in range(tables):
        tag, _, offset, _ = struct.unpack_from(">4sIII", data, font + 12 + 16 * i)
        if tag == b"cmap":
            cmap = offset
    if cmap is None:
        return set()
    (count,) = struct.unpack_from(">H", data, cmap + 2)
    subtables = {}
    for i in range(count):
        platform, encoding, offset = struct.unpack_from(">HHI", data, cmap + 4 + 8 * i)
        subtables[(platform, encoding)] = cmap + offset
    for key in ((3, 10), (0, 4), (0, 6), (3, 1), (0, 3), (0, 1), (0, 0)):
        if key in subtables:
            return _subtable(data, subtables[key])
    return set()


def _subtable(data: bytes, at: int) -> set[int]:
    (form,) = struct.unpack_from(">H", data, at)
    covered: set[int] = set()
    if form == 12:
        (groups,) = struct.unpack_from(">I", data, at + 12)
        for i in range(groups):
            start, end, _ = struct.unpack_from(">III", data, at + 16 + 12 * i)
            covered.update(range(start, end + 1))
    elif form == 4:
        (segments,) = struct.unpack_from(">H", data, at + 6)
        segments //= 2
        ends = struct.unpack_from(f">{segments}H", data, at + 14)
        starts = struct.unpack_from(f">{segments}H", data, at + 16 + 2 * segments)
        for start, end in zip(starts, ends, strict=True):
            if start != 0xFFFF:
                covered.update(range(start, end + 1))
    return covered
