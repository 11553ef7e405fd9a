"""The link checker: every internal link of the pages a build wrote must lead to a
file of the site, and its fragment to an element of that page. A dead link is a
finding at the line of the page that holds it."""

from __future__ import annotations

import posixpath
import sys
from array import array
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import unquote, urlsplit

from lxml import etree

from teikit.errors import Diagnostic, Severity

# Where a page names another file: (element, attribute).
LINKS = (
    ("a", "href"),
    ("area", "href"),
    ("link", "href"),
    ("script", "src"),
    ("img", "src"),
    ("source", "src"),
    ("video", "src"),
    ("audio", "src"),
    ("track", "src"),
    ("form", "action"),
)
_ATTRIBUTE = dict(LINKS)


# Added to a link's place in its page when it waited for another page.
_LATER = 2**40


class _Checker:
    """The state of one check: the ids of the pages read so far, and the links that
    wait for a page not read yet. Kept small, since a site of 5,000 letters holds a
    million ids and half a million links into its register pages: ids and hrefs are
    interned (every letter that mentions p1 writes ``persons.html#p1``; ``tk-m12`` is
    on most pages), and a waiting link is its page's number, its place in that page
    and its href (the target made again from the href when it is checked)."""

    def __init__(self, present: set[str], wanted: set[str]) -> None:
        self.present = present
        self.wanted = wanted
        self.pages: list[str] = []  # the pages read, by number
        self.ids: dict[str, frozenset[str]] = {}
        # target page -> the links into it: page numbers, lines, places, hrefs
        self.waiting: dict[str, tuple[array[int], array[int], array[int], list[str]]] = {}
        # (page, line, place in the page, href, why)
        self.dead: list[tuple[str, int, int, str, str]] = []

    def read(self, out_dir: Path, page: str) -> None:
        """Check a page's links as it is read, element by element, letting go of what
        was read: a register page with every occurrence (400,000 links) is never one
        tree, nor one list of links. A page that cannot be read is left out, as if
        it had no links and no ids."""
        ids: set[str] = set()
        folder = posixpath.dirname(page)
        here: list[tuple[int, int, str, str]] = []  # links into this page: not all its ids read
        later: list[tuple[int, int, str, str]] = []  # links into pages not read yet
        dead: list[tuple[str, int, int, str, str]] = []
        intern = sys.intern
        place = 0
        try:
            for _, el in etree.iterparse(
                str(out_dir / page), events=("end",), html=True, encoding="utf-8",
                no_network=True,
            ):  # fmt: skip
                ident = el.get("id")
                if ident:
                    ids.add(intern(ident))
                name = el.get("name") if el.tag == "a" else None
                if name:
                    ids.add(intern(name))
                attribute = _ATTRIBUTE.get(el.tag) if isinstance(el.tag, str) else None
                value = el.get(attribute) if attribute else None
                if value is not None:
                    link = _target(folder, page, value)
                    if link is not None:
                        place += 1
                        line = el.sourceline or 0
                        target, fragment = link
                        why = _dead(target, fragment, self.present, self.wanted, self.ids)
                        if why is not None:
                            dead.append((page, line, place, value, why))
                        elif fragment and target == page:
                            here.append((line, place, value, fragment))
                        elif fragment and target in self.wanted and target not in self.ids:
                            later.append((line, place, value, target))
                # what has been read goes: the element's content, and its earlier siblings
                el.clear(keep_tail=True)
                parent = el.getparent()
                while parent is not None and el.getprevious() is not None:
                    del parent[0]
        except (OSError, etree.ParserError, etree.XMLSyntaxError, UnicodeDecodeError):
            return
        number = len(self.pages)
        self.pages.append(page)
        self.ids[page] = frozenset(ids)
        del ids
        self.dead += dead
        for line, place, value, fragment in here:
            if fragment not in self.ids[page]:
                self.dead.append((page, line, place, value, _no_id(page, fragment)))
        for line, place, value, target in later:
            waiting = self.waiting.get(target)
            if waiting is None:
                waiting = self.waiting[target] = (array("I"), array("I"), array("I"), [])
            waiting[0].append(number)
            waiting[1].append(line)
            waiting[2].append(place)
            waiting[3].append(intern(value))
        self._check_waiting(page)

    def _check_waiting(self, target: str) -> None:
        """The links that waited for ``target``, now that it was read (or never will be)."""
        waiting = self.waiting.pop(target, None)
        if waiting is None:
            return
        for number, line, place, value in zip(*waiting, strict=True):
            page = self.pages[number]
            link = _target(posixpath.dirname(page), page, value)
            assert link is not None  # it was local when it was read
            why = _dead(link[0], link[1], self.present, self.wanted, self.ids)
            if why is not None:
                self.dead.append((page, line, _LATER + place, value, why))

    def finish(self) -> list[tuple[str, int, str, str]]:
        """The dead links, page by page in each page's order: (page, line, href, why).
        Links into pages that could not be read are not dead for their fragment."""
        for target in list(self.waiting):
            self._check_waiting(target)
        # on one line, those found as the page was read before those that waited
        self.dead.sort(key=lambda d: (d[0], d[1], d[2]))
        return [(page, line, href, why) for page, line, _, href, why in self.dead]


def _target(folder: str, page: str, value: str) -> tuple[str, str] | None:
    """The file in the site and the fragment a link leads to; None when it leads to
    another site (or is mailto:): not this checker's business."""
    parts = urlsplit(value.strip())
    if parts.scheme or parts.netloc:
        return None
    path = unquote(parts.path)
    target = posixpath.normpath(posixpath.join(folder, path)) if path else page
    return target, unquote(parts.fragment)


def check_links(
    out_dir: str | Path, pages: Iterable[str], files: Iterable[str]
) -> list[Diagnostic]:
    """Dead internal links of ``pages`` (HTML files relative to ``out_dir``), one
    error each, at the page's line: a link to a file that is not among ``files``
    (everything the site holds, relative to ``out_dir``) or to a fragment its page
    has no element for. Pages are read one at a time; only their ids are kept, and
    the links that lead to a page not read yet."""
    root = Path(out_dir)
    checker = _Checker(set(files), set(pages))
    for page in sorted(checker.wanted):
        checker.read(root, page)
    dead = checker.finish()
    return [
        Diagnostic(
            str(root / page),
            line,
            0,
            Severity.ERROR,
            f"dead link {href!r}: {why}",
            "dead-link",
            "site",
        )
        for page, line, href, why in dead
    ]


def _dead(
    target: str, fragment: str, present: set[str], wanted: set[str], ids: dict[str, frozenset[str]]
) -> str | None:
    """Why a link is dead, or None (also when its page has not been read yet)."""
    if target.startswith("../") or target == "..":
        return "it leads outside the site"
    if target not in present:
        return f"the site has no file {target}"
    if fragment and target in ids and fragment not in ids[target]:
        return _no_id(target, fragment)
    return None


def _no_id(target: str, fragment: str) -> str:
    return f"{target} has no element with id {fragment!r}"
