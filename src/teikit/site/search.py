"""Search without a server: the records of every page's text blocks, the
index as a script (search-index.js) and the search page."""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Callable, Iterator
from typing import Any

from lxml import etree

from teikit.site.chrome import Chrome
from teikit.site.i18n import Messages
from teikit.site.markup import E, classes
from teikit.site.records import SEARCH, SEARCH_INDEX, Entities, PageFacts, SiteEdition

# HTML blocks that become search records (the innermost ones), and what is not text.
BLOCK_TAGS = frozenset(
    {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "dd", "dt", "pre", "td", "th"}
)
SKIP_CONTAINERS = frozenset({"aside", "nav", "form", "script", "style", "noscript"})
SKIP_CLASSES = frozenset(
    {
        "tk-diplomatic",
        "tk-noteref",
        "tk-backlink",
        "tk-note-label",
        "tk-visually-hidden",
        "tk-pb",
        "tk-pb-bar",
    }
)
# Default parallelism starts at this many files to validate / outputs to render
# (measured on the bundled edition: 2 processes made 21 renderings 2x slower).

# --------------------------------------------------------------------------- search records


def main_of(root: etree._Element) -> etree._Element | None:
    found = root.xpath("//main[@id='tk-main']")
    return found[0] if found else None


def text_blocks(main: etree._Element) -> Iterator[etree._Element]:
    """The innermost text blocks of a page's main part, outside asides, navigation
    and forms: what search results link to (one by one: the diary's page has 75,000)."""
    for el in main.iter(*BLOCK_TAGS):
        if is_text_block(el):
            yield el


def is_text_block(el: etree._Element) -> bool:
    """Whether a block element (one of BLOCK_TAGS) of a page's main part is one of
    its text blocks: outside asides, navigation and forms, and holding no block."""
    if any(a.tag in SKIP_CONTAINERS for a in el.iterancestors()):
        return False
    return next(el.iterdescendants(*BLOCK_TAGS), None) is None


def block_id(block: etree._Element, number: int) -> None:
    """The id of a page's ``number``-th text block (1-based), unless it has one."""
    if not block.get("id"):
        block.set("id", f"tks-b{number}")


def assign_block_ids(root: etree._Element) -> None:
    main = main_of(root)
    if main is None:
        return
    for n, el in enumerate(text_blocks(main), 1):
        block_id(el, n)


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
# re's \s is str.isspace(): both are Py_UNICODE_ISSPACE.
_SPACES = re.compile(r"\s+")


def _collapse(text: str) -> str:
    """Whitespace runs as one space, leading whitespace dropped (a trailing space kept)."""
    return _SPACES.sub(" ", text).lstrip(" ")


def _collapsed_offset(text: str) -> Callable[[int], int]:
    """Offset in ``text`` -> offset in ``_collapse(text)``: ``len(_collapse(text[:i]))``,
    from the whitespace runs found once."""
    starts: list[int] = []
    ends: list[int] = []
    removed = [0]  # characters dropped before each run
    for m in _SPACES.finditer(text):
        starts.append(m.start())
        ends.append(m.end())
        removed.append(removed[-1] + m.end() - m.start() - (1 if m.start() else 0))

    def offset(i: int) -> int:
        run = bisect.bisect_left(starts, i) - 1  # the last run that starts before i
        if run < 0:
            return i
        start = starts[run]
        inside = min(i, ends[run]) - start - (1 if start else 0)
        return i - removed[run] - inside

    return offset


def _utf16(text: str) -> Callable[[int], int]:
    """Code point offset -> UTF-16 offset (what JavaScript strings count)."""
    if _ASTRAL.search(text) is None:
        return lambda i: i
    prefix = [0]
    for c in text:
        prefix.append(prefix[-1] + (2 if ord(c) >= 0x10000 else 1))
    return lambda i: prefix[i]


def block_text(
    block: etree._Element, entity_of: Callable[[str], int | None]
) -> tuple[str, list[list[int]]]:
    """The reading text of an HTML block (no as-printed variants, no note markers),
    whitespace-normalised, and the entity mentions in it as [entity, start, end]
    (UTF-16 offsets, as JavaScript counts)."""
    out = _BlockText(entity_of)
    _walk(block, out)
    whole = "".join(out.raw)
    text = _collapse(whole).rstrip(" ")
    mentions: list[list[int]] = []
    if not out.spans:  # most blocks: no offsets to map
        return text, mentions
    to16 = _utf16(text)
    where = _collapsed_offset(whole)
    for entity, start, end in out.spans:
        s, e = min(where(start), len(text)), min(where(end), len(text))
        while s < e and text[s] == " ":
            s += 1
        while e > s and text[e - 1] == " ":
            e -= 1
        if e > s:
            mentions.append([entity, to16(s), to16(e)])
    return text, mentions


class _BlockText:
    """What :func:`_walk` gathers of a block: its text's pieces, their length so far
    and the mentions' spans in it."""

    __slots__ = ("entity_of", "length", "raw", "spans")

    def __init__(self, entity_of: Callable[[str], int | None]) -> None:
        self.entity_of = entity_of
        self.raw: list[str] = []
        self.length = 0
        self.spans: list[tuple[int, int, int]] = []


def _walk(el: etree._Element, out: _BlockText) -> None:
    """:func:`block_text`'s walk, a function of the module: a recursive closure
    made a reference cycle per block (the diary's page: 75,000 for the collector)."""
    text = el.text
    if text:
        out.raw.append(text)
        out.length += len(text)
    for child in el:
        tag = child.tag
        if isinstance(tag, str) and not (classes(child) & SKIP_CLASSES):
            if tag == "br":
                out.raw.append(" ")
                out.length += 1
            start = out.length
            _walk(child, out)
            if tag == "a" and "tk-entity" in classes(child):
                entity = out.entity_of(child.get("href") or "")
                if entity is not None:
                    out.spans.append((entity, start, out.length))
        tail = child.tail
        if tail:
            out.raw.append(tail)
            out.length += len(tail)


def search_page(edition: SiteEdition, chrome: Chrome) -> etree._Element:
    msg = chrome.msg
    root, main = chrome.page(
        msg("search.title"), SEARCH, scripts=(SEARCH_INDEX, "assets/search.js")
    )
    people: dict[str, str] = {}
    years: set[str] = set()
    for letter, _ in edition.letters():
        for party in letter.senders + letter.addressees:
            people.setdefault(party.key or party.name, party.name)
        if re.match(r"\d{4}", letter.date):
            years.add(letter.date[:4])
    main.append(E("h1", msg("search.title")))
    main.append(
        E(
            "form",
            E(
                "p",
                E("label", msg("search.words"), for_="tks-q"),
                " ",
                E(
                    "input",
                    type="search",
                    name="q",
                    id="tks-q",
                    autocomplete="off",
                    spellcheck="false",
                ),
            ),
            _filter(
                msg("search.correspondent"),
                "who",
                sorted(people.items(), key=lambda kv: kv[1]),
                msg("search.any"),
            ),
            _filter(msg("search.year"), "year", [(y, y) for y in sorted(years)], msg("search.any")),
            E("p", E("button", msg("search.button"), type="submit")),
            id="tks-search-form",
            class_="tks-search-form",
            role="search",
            action=SEARCH,
            method="get",
        )
    )
    main.append(
        E(
            "p",
            msg("search.hint"),
            class_="tks-hint",
        )
    )
    main.append(
        E(
            "p",
            id="tks-search-status",
            class_="tks-search-status",
            role="status",
            data_unavailable=msg("search.unavailable"),
        )
    )
    main.append(E("div", id="tks-search-results", class_="tks-search-results"))
    main.append(
        E(
            "noscript",
            E("p", msg("search.noscript")),
        )
    )
    return root


# --------------------------------------------------------------------------- search index


def search_records(main: etree._Element, entities: Entities) -> Iterator[str]:
    """The search records of a page's main part, as JSON objects without their
    document number (made where the page is, they come back as compact text), one
    by one (the diary's: 75,000 records, 40 MB while they were joined)."""
    for block in text_blocks(main):
        record = block_record(block, entities)
        if record is not None:
            yield record


def block_record(block: etree._Element, entities: Entities) -> str | None:
    """The search record of one text block (None: it has no text)."""
    text, mentions = block_text(block, entities.index_of)
    if not text:
        return None
    note = next(
        (a for a in block.iterancestors("li") if "tk-note" in classes(a)),
        block if block.tag == "li" and "tk-note" in classes(block) else None,
    )
    anchor = (note if note is not None else block).get("id") or ""
    record: dict[str, Any] = {"a": anchor, "t": text}
    if mentions:
        record["m"] = mentions
    if note is not None:
        label = note.find(".//span[@class='tk-note-label']")
        record["n"] = (label.text or "").strip() if label is not None else ""
    return compact_json(record)


def compact_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def search_index(
    edition: SiteEdition, entities: Entities, facts: dict[str, PageFacts], msg: Messages
) -> Iterator[bytes]:
    """search-index.js, in pieces: documents, correspondents, entities and text
    records, as one global (a script, because fetch() of a local JSON file fails
    under file://). The records are written one by one, never joined (5,000
    letters' text, some 100 MB, was held several times over)."""
    docs_out: list[dict[str, Any]] = []
    letter_of = {d.file: lt for lt, d in edition.letters()}
    pages: list[tuple[int, str]] = []  # (document number, page)
    for d in edition.order:
        if d.kind == "register" or d.page not in facts:
            continue
        letter = letter_of.get(d.file)
        who: list[str] = []
        if letter is not None:
            who = [party.key or party.name for party in letter.senders + letter.addressees]
        pages.append((len(docs_out), d.page))
        docs_out.append(
            {
                "u": d.page,
                "t": d.short_title,
                "d": d.date,
                "y": d.date[:4] if re.match(r"\d{4}", d.date) else "",
                "c": sorted(set(who)),
                "k": d.kind,
            }
        )
    payload = {
        "version": 1,
        "title": edition.title,
        "lang": msg.lang,
        # search.js's words, from the site's catalog
        "strings": {k: v for k, v in msg.strings.items() if k.startswith("search.")},
        "docs": docs_out,
        "entities": [
            {
                "n": e.name,
                "v": [v for v in e.variants if v != e.name],
                "k": msg(f"kind.{e.type}"),
                "u": entities.url[id(e)],
                "o": e.note,
            }
            for e in entities.entries
        ],
    }
    yield (
        b"/* Search index of the edition, written by teikit. A script, not JSON: browsers\n"
        b"   refuse to fetch() local files, and the site must work from file://. */\n"
        b"window.TEIKIT_SEARCH_INDEX = "
    )
    # The payload with "records" last, as json.dumps would write it.
    yield _script_safe(compact_json(payload)[:-1] + ',"records":[')
    first = True
    for number, page in pages:
        for record in facts[page].search_records():
            # {"d": number, ...the record}, as json.dumps writes it
            yield _script_safe(f'{"" if first else ","}{{"d":{number},{record[1:]}')
            first = False
    yield b"]};\n"


def _script_safe(text: str) -> bytes:
    """U+2028/2029 are line ends to older JavaScript parsers: escaped."""
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").encode()


def _filter(
    label: str, name: str, choices: list[tuple[str, str]], any_label: str
) -> etree._Element:
    """A filter of the search form: a labelled select of (value, text) choices, the
    first of which, "any", filters nothing."""
    return E(
        "p",
        E("label", label, for_=f"tks-{name}"),
        " ",
        E(
            "select",
            E("option", any_label, value=""),
            [E("option", text, value=value) for value, text in choices],
            name=name,
            id=f"tks-{name}",
        ),
    )
