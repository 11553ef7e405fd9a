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
from lxml import html as lxml_html

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
    try:
        root = lxml_html.parse(str(out_dir / page)).getroot()
    except (OSError, etree.ParserError, UnicodeDecodeError):
        return None
    found = _Page()
    if root is None:
        return found
    folder = posixpath.dirname(page)
    for el in root.iter(etree.Element):
        ident = el.get("id")
        if ident:
            found.ids.add(ident)
        name = el.get("name") if el.tag == "a" else None
        if name:
            found.ids.add(name)
        attribute = _ATTRIBUTE.get(el.tag) if isinstance(el.tag, str) else None
        value = el.get(attribute) if attribute else None
        if value is None:
            continue
        parts = urlsplit(value.strip())
        if parts.scheme or parts.netloc:
            continue  # another site, or mailto: not this checker's business
        path = unquote(parts.path)
        target = posixpath.normpath(posixpath.join(folder, path)) if path else page
        found.links.append((el.sourceline or 0, value, target, unquote(parts.fragment)))
    return found


def check_links(
    out_dir: str | Path, pages: Iterable[str], files: Iterable[str]
) -> list[Diagnostic]:
    """Dead internal links of ``pages`` (HTML files relative to ``out_dir``), one
    error each, at the page's line: a link to a file that is not among ``files``
    (everything the site holds, relative to ``out_dir``) or to a fragment its page
    has no element for. Pages are read one at a time; only their ids are kept."""
    root = Path(out_dir)
    present = set(files)
    read: dict[str, _Page] = {}
    for page in sorted(set(pages)):
        found = _read(root, page)
        if found is not None:
            read[page] = found
    dead: list[Diagnostic] = []
    for page, found in read.items():
        for line, href, target, fragment in found.links:
            if target.startswith("../") or target == "..":
                why = "it leads outside the site"
            elif target not in present:
                why = f"the site has no file {target}"
            elif fragment and target in read and fragment not in read[target].ids:
                why = f"{target} has no element with id {fragment!r}"
            else:
                continue
            dead.append(
                Diagnostic(
                    str(root / page), line, 0, Severity.ERROR,
                    f"dead link {href!r}: {why}", "dead-link", "site",
                )
            )  # fmt: skip
    return dead
