"""A large page finished in pieces: parsed as a stream, each finished part of it
written to a spool file and let go, so that the worker never holds the page's
whole tree (the 20 MB diary's page: 36 MB of HTML, an lxml tree of 282 MB).

Every element gets what the whole tree's finishing gives it (jobs._put_page),
in the same order: its images and the site's policy when it starts (a script
when it ends: it is judged by its text), its text block's id and search record
when it ends; a removal the policy decides is made once the element's tail is
parsed. A *piece* is an element whose ancestors are all containers (``html``,
``body``, ``main``, ``article``, ``section``, ``div``) and which holds no piece
(a diary's entry, a play's scene): once it and its tail are parsed it is
serialised into the spool and replaced by a comment (a run of pieces one after
the other, by one comment). What remains of the tree, its skeleton, is written
as the whole page would be, each comment replaced by its pieces' bytes: the
same bytes as the whole tree's.

What depends on the whole page cannot be done a piece at a time: which element
keeps an id that is there twice (policy.dedupe_ids), and the text blocks of a
page whose policy removes an element holding blocks (their ids are given
before the removal, their records taken after it). Such a page raises
:class:`Unpieceable` and is finished whole."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, BinaryIO

from lxml import etree

from teikit.site.markup import write_page
from teikit.site.policy import DROP_ELEMENTS, Removal, take_out
from teikit.site.search import BLOCK_TAGS, block_id, is_text_block

# Pieces are found below these only: no block, aside or form among their
# ancestors, whose text or search record would need the piece.
CONTAINERS = frozenset({"html", "body", "main", "article", "section", "div"})
# The policy removes or replaces these: never a piece (its tail is the skeleton's).
NOT_PIECES = DROP_ELEMENTS | {"script", "meta", "link", "img"}
# Bytes of the page fed to the parser at a time: libxml2's push parser takes 11.8 CPU s
# over the diary's page in pieces of 4 KB, 1.4 s in pieces of 64 KB, 1.0 s of 1 MB
# (the whole finishing 0.3 s less than in pieces of 256 KB, for 10 MB more).
CHUNK = 1 << 20


class Unpieceable(Exception):
    """The page cannot be finished in pieces (the module's docstring says when)."""


class Pieced:
    """A page finished in pieces: the skeleton, the spool of its pieces and what
    was taken from it on the way."""

    def __init__(self, root: etree._Element, spool: BinaryIO, runs: list[list[int]], marker: str,
                 ids: set[str]) -> None:  # fmt: skip
        self.root = root
        self.spool = spool
        self.runs = runs  # [start, end) in the spool of each run of pieces
        self.marker = marker
        self.ids = ids  # every id on the page as written

    def write(self, out: Any) -> None:
        """The page into ``out`` (a binary file): markup.write_page's bytes."""
        spliced = _Spliced(out, self.spool, self.runs, self.marker)
        write_page(self.root, spliced)
        spliced.close()


def finish_in_pieces(
    source: Path,
    spool: BinaryIO,
    *,
    media: Callable[[etree._Element], None],
    media_tags: frozenset[str],
    police: Callable[[etree._Element], Removal | None],
    record: Callable[[etree._Element], None] | None,
) -> Pieced:
    """Finish the page in ``source`` a piece at a time (see the module): ``media``
    is called with each element of ``media_tags`` (its images), ``police`` with
    every element (the site's policy), ``record`` with each text block of its main
    part (its search record; None: none taken). Raises :class:`Unpieceable`."""
    parser = etree.HTMLPullParser(events=("start", "end"), encoding="utf-8", collect_ids=False)
    stream = _Stream(spool, media, media_tags, police, record)
    with source.open("rb") as handle:  # read by pieces too
        while chunk := handle.read(CHUNK):
            parser.feed(chunk)
            stream.take(parser.read_events())
    root = parser.close()
    stream.take(parser.read_events())
    stream.settle()
    if root is None:  # as markup.parse_page says it
        raise etree.ParserError("Document is empty")
    return Pieced(root, spool, stream.runs, stream.marker, stream.ids)


class _Stream:
    """The walk over the parser's events (see the module)."""

    def __init__(
        self,
        spool: BinaryIO,
        media: Callable[[etree._Element], None],
        media_tags: frozenset[str],
        police: Callable[[etree._Element], Removal | None],
        record: Callable[[etree._Element], None] | None,
    ) -> None:
        self.spool = spool
        self.media = media
        self.media_tags = media_tags
        self.police = police
        self.record = record
        # Per open element: whether it and its ancestors are all containers, whether
        # its ancestors are, and the pieces spooled before it.
        self.open: list[tuple[bool, bool, int]] = []
        self.removals: dict[etree._Element, Removal] = {}
        # Done once the element's tail is parsed: ("piece" | "removal", element).
        self.pending: list[tuple[str, etree._Element]] = []
        self.main: etree._Element | None = None  # main#tk-main, the first
        self.in_main = False
        self.blocks = 0
        self.ids: set[str] = set()
        self.spooled = 0
        self.runs: list[list[int]] = []
        self.run_mark: etree._Element | None = None
        # The comments that stand for runs of pieces: no page can hold one by chance.
        self.marker = f"tk-pieces-{secrets.token_hex(8)}-"

    def take(self, events: Iterable[tuple[str, etree._Element]]) -> None:
        for event, el in events:
            # An event after an element's end: its tail is parsed (the parser is
            # past it), so it can be replaced or removed with it.
            if self.pending:
                self.settle()
            if event == "start":
                self._start(el)
            else:
                self._end(el)

    def settle(self) -> None:
        for what, el in self.pending:
            if what == "piece":
                self._spool(el)
            else:
                self._remove(el)
        self.pending.clear()

    def _start(self, el: etree._Element) -> None:
        tag = el.tag
        fits = self.open[-1][0] if self.open else True
        self.open.append((fits and tag in CONTAINERS, fits, self.spooled))
        if tag in self.media_tags:
            self.media(el)
        if tag.lower() != "script":
            removal = self.police(el)
            if removal is not None:
                self.removals[el] = removal
        if self.main is None and tag == "main" and el.get("id") == "tk-main":
            self.main = el
            self.in_main = True

    def _end(self, el: etree._Element) -> None:
        _, fits, spooled = self.open.pop()
        tag = el.tag
        if tag.lower() == "script":
            removal = self.police(el)
            if removal is not None:
                self.removals[el] = removal
        if el is self.main:
            self.in_main = False
        elif self.in_main and tag in BLOCK_TAGS and is_text_block(el):
            self.blocks += 1
            block_id(el, self.blocks)
            if self.record is not None:
                self.record(el)
        ident = el.get("id")
        if ident:
            if ident in self.ids:  # which one keeps it depends on the whole page
                raise Unpieceable(f"id {ident!r} twice")
            self.ids.add(ident)
        if el in self.removals:
            if next(el.iterdescendants(*BLOCK_TAGS, "main"), None) is not None:
                raise Unpieceable(f"<{tag}> holding text blocks removed")
            self.pending.append(("removal", el))
        elif fits and self.open and spooled == self.spooled and tag in CONTAINERS:
            self.pending.append(("piece", el))

    def _remove(self, el: etree._Element) -> None:
        for inner in el.iter(etree.Element):
            ident = inner.get("id")
            if ident:
                self.ids.discard(ident)  # no id is there twice
        take_out(*self.removals.pop(el))

    def _spool(self, el: etree._Element) -> None:
        data = etree.tostring(el, method="html", encoding="utf-8", with_tail=True)
        start = self.spool.tell()
        self.spool.write(data)
        end = start + len(data)
        parent = el.getparent()
        previous = el.getprevious()
        if previous is not None and previous is self.run_mark and not previous.tail:
            parent.remove(el)  # its tail with it
            self.runs[-1][1] = end
        else:
            mark = etree.Comment(f"{self.marker}{len(self.runs)}")
            parent.replace(el, mark)  # its tail stays with it
            self.run_mark = mark
            self.runs.append([start, end])
        self.spooled += 1


class _Spliced:
    """Writes through to ``out``, each run's comment replaced by its pieces' bytes."""

    def __init__(self, out: Any, spool: BinaryIO, runs: list[list[int]], marker: str) -> None:
        self.out = out
        self.spool = spool
        self.runs = runs
        self.pattern = re.compile(b"<!--" + re.escape(marker.encode("ascii")) + rb"(\d+)-->")
        self.longest = len(marker) + 32  # a comment split between two writes
        self.held = b""

    def write(self, data: bytes) -> int:
        size = len(data)
        if self.held:
            data = self.held + data
        done = 0
        for found in self.pattern.finditer(data):
            self.out.write(data[done : found.start()])
            self._copy(*self.runs[int(found.group(1))])
            done = found.end()
        rest = data[done:]
        cut = rest.rfind(b"<", max(0, len(rest) - self.longest))
        if cut < 0:
            self.out.write(rest)
            self.held = b""
        else:
            self.out.write(rest[:cut])
            self.held = rest[cut:]
        return size

    def _copy(self, start: int, end: int) -> None:
        self.spool.seek(start)
        left = end - start
        while left:
            data = self.spool.read(min(left, CHUNK))
            if not data:
                raise OSError("the spool of the page's pieces is shorter than written")
            self.out.write(data)
            left -= len(data)

    def close(self) -> None:
        if self.held:
            self.out.write(self.held)
            self.held = b""
