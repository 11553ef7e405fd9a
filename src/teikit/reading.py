"""How TEI text reads: the reading text of an element, context snippets, and the
accent- and case-insensitive folding names are matched and sorted by.

The reading text is what an edition shows: the chosen alternative of ``choice``
(``corr`` over ``sic``, ``reg`` over ``orig``, ``expan`` over ``abbr``), no
deletions, no notes other than the one asked for, ``lb`` as a space. The entity
index (:mod:`teikit.index`), the site and the text export
(:mod:`teikit.exports.text`) share these helpers, so a ``choice`` reads the same
everywhere.

The small element helpers (:func:`localname`, :func:`is_tei`, :func:`in_egxml`)
live here too: reading text is the first thing that needs them.
"""

from __future__ import annotations

import unicodedata

from lxml import etree

from teikit.document import EG_NS, TEI_NS

__all__ = [
    "choose_reading",
    "flatten",
    "fold",
    "fold_char",
    "in_egxml",
    "is_tei",
    "localname",
    "normalize_space",
    "reading_text",
    "snippet",
    "text_value",
]

_TEI = f"{{{TEI_NS}}}"
_EG_XML = f"{{{EG_NS}}}egXML"
# Alternatives inside <choice>: the reading shown is the first of these present.
_READINGS = ("corr", "reg", "expan", "ex")
_SNIPPET_SIDE = 40  # characters of context on each side: about 80 around the mention


# --------------------------------------------------------------------------- elements


def localname(el: etree._Element) -> str:
    """Local name of an element; "" for comments and processing instructions."""
    tag = el.tag
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


def is_tei(el: etree._Element) -> bool:
    tag = el.tag
    return isinstance(tag, str) and tag.startswith(_TEI)


def in_egxml(el: etree._Element) -> bool:
    """Inside an ``<egXML>`` example: quoted markup, not part of the edition."""
    return next(el.iterancestors(_EG_XML), None) is not None  # lxml's C loop


# --------------------------------------------------------------------------- text


def normalize_space(text: str) -> str:
    return " ".join(text.split())


_STRING = etree.XPath("string()")  # compiled once: el.xpath() compiles at each call


def text_value(el: etree._Element) -> str:
    """The XPath string value of ``el``, whitespace-normalised (no choice handling)."""
    return normalize_space(str(_STRING(el)))


def choose_reading(choice: etree._Element) -> etree._Element | None:
    """The child of ``<choice>`` a reading text shows: corr, reg, expan … else the first."""
    children = [c for c in choice if is_tei(c)]
    for name in _READINGS:
        for child in children:
            if localname(child) == name:
                return child
    return children[0] if children else None


_BREAKS = frozenset({"lb", "cb", "pb"})
_LEFT_OUT = frozenset({f"{_TEI}del", f"{_TEI}fw"})
_NOTE = f"{_TEI}note"


def flatten(
    block: etree._Element, *, keep: etree._Element | None = None
) -> tuple[str, dict[etree._Element, tuple[int, int]]]:
    """The reading text of ``block`` and the (start, end) offset of each element in it.

    Reading text: the chosen alternative of ``choice`` (corr, reg, expan), no
    ``del``, no notes other than ``block`` itself (or ``keep``), ``lb`` as a space.
    """
    parts: list[str] = []
    spans: dict[etree._Element, tuple[int, int]] = {}
    pos = 0

    def walk(el: etree._Element) -> None:
        nonlocal pos
        start = pos
        tag = el.tag
        name = tag.rpartition("}")[2] if isinstance(tag, str) else ""
        if name in _BREAKS:
            if el.get("break") != "no":
                parts.append(" ")
                pos += 1
        elif name == "choice":
            chosen = choose_reading(el)
            if chosen is not None:
                walk(chosen)
        else:
            text = el.text
            if text:
                parts.append(text)
                pos += len(text)
            for child in el:
                tag = child.tag
                # TEI elements only, no deletions or forme work, no other note
                if (
                    isinstance(tag, str)
                    and tag.startswith(_TEI)
                    and tag not in _LEFT_OUT
                    and (tag != _NOTE or child is keep)
                ):
                    walk(child)
                tail = child.tail
                if tail:
                    parts.append(tail)
                    pos += len(tail)
        spans[el] = (start, pos)

    walk(block)
    return "".join(parts), spans


def reading_text(el: etree._Element | None) -> str:
    """The reading text of ``el`` (see :func:`flatten`), whitespace-normalised; "" for None."""
    return normalize_space(flatten(el)[0]) if el is not None else ""


def _cut_before(text: str, width: int) -> str:
    return _cut_normalized_before(normalize_space(text), text[-1:].isspace(), width)


def _cut_normalized_before(text: str, space_after: bool, width: int) -> str:
    """:func:`_cut_before` of a text normalised already (``space_after``: the text
    ended in whitespace before it was)."""
    if space_after:
        text += " "
    if len(text) <= width:
        return text
    cut = text[-width:]
    space = cut.find(" ")
    return "…" + (cut[space + 1 :] if 0 <= space < width // 2 else cut)


def _cut_after(text: str, width: int) -> str:
    return _cut_normalized_after(normalize_space(text), text[:1].isspace(), width)


def _cut_normalized_after(text: str, space_before: bool, width: int) -> str:
    """:func:`_cut_after` of a text normalised already."""
    if space_before:
        text = " " + text
    if len(text) <= width:
        return text
    cut = text[:width]
    space = cut.rfind(" ")
    return (cut[:space] if space > width // 2 else cut) + "…"


def snippet(
    text: str, start: int, end: int, width: int = _SNIPPET_SIDE, *, middle: str | None = None
) -> str:
    """``text[start:end]`` with up to ``width`` characters of context on each side
    (``middle``: ``text[start:end]`` whitespace-normalised, when the caller has it)."""
    if middle is None:
        middle = normalize_space(text[start:end])
    return (_before(text, start, width) + middle + _after(text, end, width)).strip()


# Context is cut from a window around the mention, not from the whole block: a
# diary's paragraph of 50,000 characters with a thousand names would otherwise be
# normalised a thousand times. Once a window, normalised, is longer than the
# width, its cut is the whole's; the first window (a quarter more than the width)
# is enough but where the text has runs of whitespace, then this many times the
# width, then the whole.
_WINDOW = 4


def _before(text: str, start: int, width: int) -> str:
    for size in (width + width // 4 + 2, _WINDOW * width):
        begin = max(0, start - size)
        window = text[begin:start]
        near = normalize_space(window)  # once, for the test and the cut
        # Normalised, a window is the end of the normalised whole
        if not begin or len(near) > width:
            return _cut_normalized_before(near, window[-1:].isspace(), width)
    return _cut_before(text[:start], width)


def _after(text: str, end: int, width: int) -> str:
    for size in (width + width // 4 + 2, _WINDOW * width):
        stop = end + size
        if stop >= len(text):
            break
        window = text[end:stop]
        near = normalize_space(window)
        if len(near) > width:
            return _cut_normalized_after(near, window[:1].isspace(), width)
    return _cut_after(text[end:], width)


# --------------------------------------------------------------------------- folding

# Letters NFKD does not take apart, folded as they are commonly transliterated.
# Đ/đ are not here: fold_char decides them (dj or d).
_FOLD_SPECIAL = {
    "Ł": "l", "ł": "l", "Ø": "o", "ø": "o", "Æ": "ae", "æ": "ae", "Œ": "oe", "œ": "oe",
    "ß": "ss", "ẞ": "ss", "ı": "i", "Þ": "th", "þ": "th", "Ð": "d", "ð": "d", "’": "'",
    "‘": "'", "ʼ": "'", "‐": "-", "‑": "-", "–": "-", "—": "-",
}  # fmt: skip


def fold_char(ch: str, dj: str = "dj") -> str:
    """One character as :func:`fold` folds it (before whitespace is collapsed)."""
    if ch in ("Đ", "đ"):
        return dj
    special = _FOLD_SPECIAL.get(ch)
    if special is not None:
        return special
    if ch.isascii():
        return ch.lower()
    decomposed = unicodedata.normalize("NFKD", ch)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def fold(text: str, *, dj: str = "dj") -> str:
    """Accent- and case-insensitive form for matching and sorting.

    Serbo-Croatian letters fold as they are commonly transliterated: Đ/đ to
    ``dj`` (or ``d`` with ``dj="d"``), Ć/Č to ``c``, Š to ``s``, Ž to ``z``;
    whitespace runs become one space.
    """
    return normalize_space("".join(fold_char(c, dj) for c in text))
