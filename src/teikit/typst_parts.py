"""A long document typeset in parts: its Typst source cut where the print stylesheet
marks that a part may begin (its ``$part-breaks``), and the parts' PDFs joined into
one.

Typst lays out a whole document in memory before it writes a page (a 20 MB TEI
diary, 33.6 MB of Typst source: 2.8 GB), so a PDF made in parts takes the memory of
its largest part. Every part repeats the preamble (page, fonts, helpers) and goes
on where the one before it stopped: its first page number, the number of its first
footnote and the running head are carried over. Only the first part has what comes
before the text (the title, the metadata block), only the last what comes after it.
Footnotes are laid out with the text they belong to, in the same part.

What joining cannot keep: the accessibility tags (each part has its own structure
tree; qpdf does not merge them) and a link from one part to a place in another
(each part can only link within itself: such a link leads to the end of its part).

This module does not run Typst: :func:`teikit.render.compile_typst` does, part by
part, with :func:`plan`, :func:`part_source` and :func:`join`.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "BREAK",
    "PREAMBLE_END",
    "Carried",
    "Part",
    "TooLarge",
    "bookmark_levels",
    "carried_over",
    "join",
    "page_count",
    "part_source",
    "plan",
]

# The marks print.xsl writes with $part-breaks (Typst comments: they print nothing).
PREAMBLE_END = b"// tk-part: preamble ends\n"
BREAK = b"\n// tk-part: break\n"
_BREAK_RE = re.compile(re.escape(BREAK))

# The end of the running head's mark, as print.xsl writes it after a part's
# heading: #metadata("Title") <tk-running>
_RUNNING = b") <tk-running>\n"
# A heading that becomes a bookmark: "= Title <label>" or #heading(level: N, ...).
_HEADING_RE = re.compile(rb"^= |#heading\(level: (\d+)([^)]*)\)", re.MULTILINE)
_FOOTNOTE = b"#footnote("
# Labels print.xsl writes (tk:typst-label), and those a link or a note's marker
# goes to: link(<tk-x>), tk-noteref("1", <tk-x>, ...).
_LABEL_RE = re.compile(rb"<(tk-[\w-]+)>")
_LINK_RE = re.compile(rb"(?:link\(|, )<(tk-[\w-]+)>")


class TooLarge(Exception):
    """A source that cannot be cut into parts of at most ``limit`` bytes: ``size``
    is the bytes of the whole source (no marks) or of its largest piece."""

    def __init__(self, size: int, limit: int, whole: bool) -> None:
        super().__init__(f"{size} bytes of Typst in one piece, more than {limit}")
        self.size = size
        self.limit = limit
        self.whole = whole  # no marks at all: the source cannot be cut


@dataclass(frozen=True)
class Part:
    """One part of a source: the bytes ``start:end`` of it, and, for every part but
    the first, the source's preamble (its bytes ``0:preamble``) in front."""

    start: int
    end: int
    preamble: int  # 0 for the first part


def plan(source: bytes, part_bytes: int, max_bytes: int) -> list[Part]:
    """The parts ``source`` is typeset in: one when it has at most ``part_bytes``;
    else as few as its marks allow, each of at most ``part_bytes`` (with the
    preamble) unless one piece between two marks is larger on its own. Raises
    :class:`TooLarge` when a part would have more than ``max_bytes``: a source
    without marks larger than that, or a piece between two marks."""
    if len(source) <= part_bytes:
        return [Part(0, len(source), 0)]
    head = source.find(PREAMBLE_END)
    if head < 0:
        if len(source) > max_bytes:
            raise TooLarge(len(source), max_bytes, whole=True)
        return [Part(0, len(source), 0)]
    preamble = head + len(PREAMBLE_END)
    marks = [m.start() for m in _BREAK_RE.finditer(source, preamble)]
    if not marks and len(source) > max_bytes:
        raise TooLarge(len(source), max_bytes, whole=True)

    def size(start: int, end: int) -> int:
        return end - start + (preamble if start else 0)

    parts: list[Part] = []
    start = last = 0
    for mark in [*marks, len(source)]:
        if size(start, mark) > part_bytes and last > start:
            parts.append(Part(start, last, preamble if start else 0))
            start = last
        last = mark
    parts.append(Part(start, len(source), preamble if start else 0))
    largest = max(size(p.start, p.end) for p in parts)
    if largest > max_bytes:
        raise TooLarge(largest, max_bytes, whole=False)
    return parts


@dataclass(frozen=True)
class Carried:
    """What a part takes over from the parts before it: how many footnotes they
    have (Typst numbers the next one after them) and the running head's mark."""

    footnotes: int
    running: bytes | None  # the string literal of the last #metadata(...) <tk-running>


def carried_over(source: bytes, parts: Sequence[Part]) -> list[Carried]:
    """What each part takes over from those before it, in one pass over ``source``."""
    found: list[Carried] = []
    footnotes, running = 0, None
    for part in parts:
        found.append(Carried(footnotes, running))
        footnotes += source.count(_FOOTNOTE, part.start, part.end)
        at = source.find(_RUNNING, part.start, part.end)
        while at >= 0:
            line = source[source.rfind(b"\n", 0, at) + 1 : at]
            if line.startswith(b"#metadata("):
                running = line[len(b"#metadata(") :]
            at = source.find(_RUNNING, at + 1, part.end)
    return found


def part_source(
    source: bytes, part: Part, number: int, count: int, first_page: int, carried: Carried
) -> bytes:
    """The Typst source of one part: as it stands for the first; for the others the
    preamble, then what is carried over from the parts before (page number,
    footnote number, running head), then their piece of the text."""
    if not part.preamble:
        return _with_targets(source[part.start : part.end])
    head = [
        f"// tk-part: part {number} of {count}, carried over from the parts before\n".encode(),
        f"#counter(page).update({first_page})\n".encode(),
        f"#counter(footnote).update({carried.footnotes})\n".encode(),
    ]
    if carried.running is not None:
        # the running head goes on; its first page has none, as a page where a part begins
        head.append(b"#metadata(" + carried.running + b") <tk-running>\n")
    return _with_targets(b"".join([source[: part.preamble], *head, source[part.start : part.end]]))


def _with_targets(text: bytes) -> bytes:
    """A part's source, with a target at its end for each label it links to that
    another part has (Typst refuses a link to a label the document lacks)."""
    linked = set(_LINK_RE.findall(text))
    if not linked:
        return text
    every = Counter(_LABEL_RE.findall(text))
    links = Counter(_LINK_RE.findall(text))
    missing = sorted(label for label in linked if every[label] == links[label])
    if not missing:
        return text
    stubs = b"".join(b"#metadata(none) <" + label + b">\n" for label in missing)
    return text + b"\n// tk-part: targets in other parts\n" + stubs


def bookmark_levels(source: bytes) -> list[int]:
    """The level of every heading of a part's source that becomes a bookmark, in
    order (a heading with ``bookmarked: false`` or ``outlined: false`` does not)."""
    levels = []
    for m in _HEADING_RE.finditer(source):
        if m.group(1) is None:
            levels.append(1)
        elif b"bookmarked: false" not in m.group(2) and b"outlined: false" not in m.group(2):
            levels.append(int(m.group(1)))
    return levels


def page_count(pdf: bytes) -> int:
    """The pages of a part's PDF (the next part's first page number follows them)."""
    import pikepdf

    with pikepdf.Pdf.open(io.BytesIO(pdf)) as part:
        return len(part.pages)


def join(pdfs: Sequence[bytes], levels: Sequence[Sequence[int]]) -> bytes:
    """One PDF of the parts' PDFs, in order: their pages, one outline (bookmarks
    nested by the levels of their headings, ``levels[k]`` those of part ``k``,
    see :func:`bookmark_levels`), and the first part's metadata and language.

    qpdf (pikepdf) holds the parts' objects in C++: joining the diary's 14 parts
    (3,691 pages, 25,001 bookmarks) takes 230 MB where pypdf's Python objects took
    315 (bench/RESULTS.md, 2026-12-08)."""
    import pikepdf

    joined = pikepdf.Pdf.new()
    parts = []  # open until the joined PDF is written: qpdf copies their streams then
    marks: list[tuple[str, int, int, dict[str, float]]] = []  # title, page, level, place
    try:
        for number, data in enumerate(pdfs):
            part = pikepdf.Pdf.open(io.BytesIO(data))
            parts.append(part)
            known = levels[number] if number < len(levels) else ()
            marks += _bookmarks(part, len(joined.pages), known, number)
            joined.pages.extend(part.pages)
            if number == 0:  # the document's metadata (not its XMP: it may claim PDF/A)
                for key, value in part.docinfo.items():
                    joined.docinfo[key] = _copied(joined, part, value)
                for key in ("/Lang", "/ViewerPreferences"):
                    if key in part.Root:
                        joined.Root[key] = _copied(joined, part, part.Root[key])
        with joined.open_outline() as outline:
            branch: list[tuple[int, pikepdf.OutlineItem]] = []  # the open branch
            for title, page, level, place in marks:
                item = pikepdf.OutlineItem(title, page, "XYZ" if place else None, **place)
                while branch and branch[-1][0] >= level:
                    branch.pop()
                (branch[-1][1].children if branch else outline.root).append(item)
                branch.append((level, item))
        out = io.BytesIO()
        joined.save(out)
        return out.getvalue()
    finally:
        for part in parts:
            part.close()
        joined.close()


def _copied(joined: Any, part: Any, value: Any) -> Any:
    """A value of a part for the joined PDF: a dictionary or an array is copied
    into it (qpdf copies only indirect objects); strings, names, numbers as they are."""
    import pikepdf

    if not isinstance(value, pikepdf.Dictionary | pikepdf.Array):
        return value
    return joined.copy_foreign(value if value.is_indirect else part.make_indirect(value))


def _bookmarks(
    part: Any, offset: int, levels: Sequence[int], number: int
) -> list[tuple[str, int, int, dict[str, float]]]:
    """(title, page in the joined PDF, level, place on the page) of a part's
    outline items, in order: the levels of its source's headings, else their depth
    in the part's own outline (a later part's under the document's title)."""
    import pikepdf

    pages = {page.objgen: i for i, page in enumerate(part.pages)}
    found: list[tuple[str, int, int, dict[str, float]]] = []
    outline = part.open_outline()  # read only: as a context it would be written back
    stack = [(item, 0) for item in reversed(outline.root)]
    while stack:
        item, depth = stack.pop()
        stack += [(child, depth + 1) for child in reversed(item.children)]
        dest = item.destination
        if not isinstance(dest, pikepdf.Array) or len(dest) < 1:
            continue
        page = pages.get(dest[0].objgen)
        if page is None:
            continue
        place: dict[str, float] = {}
        if len(dest) >= 5 and dest[1] == pikepdf.Name.XYZ:  # where on the page
            place = {
                key: float(value)
                for key, value in zip(("left", "top", "zoom"), list(dest)[2:5], strict=True)
                if value is not None
            }
        found.append((str(item.title), offset + page, depth, place))
    known = list(levels)
    if len(known) != len(found):
        known = [depth + (1 if number == 0 else 2) for _, _, depth, _ in found]
    return [
        (title, page, level, place)
        for (title, page, _, place), level in zip(found, known, strict=True)
    ]
