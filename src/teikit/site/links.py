"""The link checker: every internal link of the pages a build wrote must lead to a
file of the site, and its fragment to an element of that page. A dead link is a
finding at the line of the page that holds it."""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from dataclasses import dataclass, field
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


@dataclass
class _Page:
    ids: set[str] = field(default_factory=set)
    # (line, the href as written, the target file in the site, its fragment)
    links: list[tuple[int, str, str, str]] = field(default_factory=list)


def _read(out_dir: Path, page: str) -> _Page | None:
    """A page's ids and links, read element by element and let go as it is read: a
    register page with every occurrence (400,000 links) is never one tree."""
    found = _Page()
    folder = posixpath.dirname(page)
    try:
        for _, el in etree.iterparse(
            str(out_dir / page), events=("end",), html=True, encoding="utf-8", no_network=True
        ):
            ident = el.get("id")
            if ident:
                found.ids.add(ident)
            name = el.get("name") if el.tag == "a" else None
            if name:
                found.ids.add(name)
            attribute = _ATTRIBUTE.get(el.tag) if isinstance(el.tag, str) else None
            value = el.get(attribute) if attribute else None
            if value is not None:
                _link(found, folder, page, el.sourceline or 0, value)
            # what has been read goes: the element's content, and its earlier siblings
            el.clear(keep_tail=True)
            parent = el.getparent()
            while parent is not None and el.getprevious() is not None:
                del parent[0]
    except (OSError, etree.ParserError, etree.XMLSyntaxError, UnicodeDecodeError):
        return None
    found.links.sort(key=lambda link: link[0])  # in the page's order, as read
    return found


def _link(found: _Page, folder: str, page: str, line: int, value: str) -> None:
    parts = urlsplit(value.strip())
    if parts.scheme or parts.netloc:
        return  # another site, or mailto: not this checker's business
    path = unquote(parts.path)
    target = posixpath.normpath(posixpath.join(folder, path)) if path else page
    found.links.append((line, value, target, unquote(parts.fragment)))


def check_links(
    out_dir: str | Path, pages: Iterable[str], files: Iterable[str]
) -> list[Diagnostic]:
    """Dead internal links of ``pages`` (HTML files relative to ``out_dir``), one
    error each, at the page's line: a link to a file that is not among ``files``
    (everything the site holds, relative to ``out_dir``) or to a fragment its page
    has no element for. Pages are read one at a time; only their ids are kept, and
    the links that lead to a page not read yet."""
    root = Path(out_dir)
    present = set(files)
    wanted = set(pages)
    ids: dict[str, set[str]] = {}
    waiting: list[tuple[str, int, str, str, str]] = []  # (page, line, href, target, fragment)
    dead: list[tuple[str, int, str, str]] = []  # (page, line, href, why)
    for page in sorted(wanted):
        found = _read(root, page)
        if found is None:
            continue
        ids[page] = found.ids
        for line, href, target, fragment in found.links:
            why = _dead(target, fragment, present, wanted, ids)
            if why is None and fragment and target in wanted and target not in ids:
                waiting.append((page, line, href, target, fragment))  # its page comes later
            elif why is not None:
                dead.append((page, line, href, why))
    for page, line, href, target, fragment in waiting:
        why = _dead(target, fragment, present, wanted, ids)
        if why is not None:
            dead.append((page, line, href, why))
    dead.sort(key=lambda d: (d[0], d[1]))  # page by page, in each page's order
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
    target: str, fragment: str, present: set[str], wanted: set[str], ids: dict[str, set[str]]
) -> str | None:
    """Why a link is dead, or None (also when its page has not been read yet)."""
    if target.startswith("../") or target == "..":
        return "it leads outside the site"
    if target not in present:
        return f"the site has no file {target}"
    if fragment and target in ids and fragment not in ids[target]:
        return f"{target} has no element with id {fragment!r}"
    return None
