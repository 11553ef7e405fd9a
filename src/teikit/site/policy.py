"""What a page of the site may contain, whatever a stylesheet wrote: the
Content-Security-Policy, safe URLs, no resource from outside the site."""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from lxml import etree

from teikit.errors import Diagnostic, Severity
from teikit.site.markup import E
from teikit.site.outputs import diag

# default-src 'self' covers scripts, styles, fonts and fetches; "file:" is what pages
# opened from disk need in browsers that give file: documents an opaque origin.
# Nothing else: no host, no inline code, no plugins, no <base> rewriting.
CSP = "default-src 'self' file:; object-src 'none'; base-uri 'none'; form-action 'self' file:"

URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "poster", "cite", "data"})
# Attributes whose URL the browser fetches as soon as the page opens.
RESOURCE_ATTRIBUTES = frozenset({"src", "poster", "data", "background"})
DROP_ELEMENTS = frozenset({"iframe", "frame", "object", "embed", "base", "applet"})


_SCHEME_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")


def safe_url(url: str) -> bool:
    """http, https, mailto, or relative (not "//host"); control characters and
    whitespace are ignored first, as browsers ignore them."""
    compact = re.sub(r"[\x00-\x20\x7f]", "", url)
    scheme = _SCHEME_RE.match(compact)
    if scheme:
        return scheme.group(1).lower() in ("http", "https", "mailto")
    return not re.match(r"^[/\\]{2}", compact)


def dedupe_ids(root: etree._Element) -> None:
    """A name rendered twice (in the text and again in the metadata panel) has its id
    twice: the text keeps it, so that links land in the text. The ids are counted
    first, and only the repeated ones' elements held (a proxy for every element
    with an id was 50 MB for the 20 MB diary's page)."""
    counts: dict[str, int] = {}
    for el in root.iter(etree.Element):
        ident = el.get("id")
        if ident:
            counts[ident] = counts.get(ident, 0) + 1
    twice = {ident for ident, n in counts.items() if n > 1}
    del counts
    if not twice:
        return
    seen: dict[str, list[etree._Element]] = {}
    for el in root.iter(etree.Element):
        ident = el.get("id")
        if ident in twice:
            seen.setdefault(ident, []).append(el)
    for elements in seen.values():
        keep = next(
            (e for e in elements if not any(a.tag == "aside" for a in e.iterancestors())),
            elements[0],
        )
        for el in elements:
            if el is not keep:
                del el.attrib["id"]


def is_local(url: str) -> bool:
    """A relative URL: a file of the site, never a request elsewhere."""
    compact = re.sub(r"[\x00-\x20\x7f]", "", url)
    return not _SCHEME_RE.match(compact) and not re.match(r"^[/\\]{2}", compact)


def leaves_site(page: str, url: str) -> bool:
    """Whether a relative URL on ``page`` names a file outside the site (``..``
    past its root, or an absolute path, which under file:// is the disk's root)."""
    path = unquote(urlsplit(re.sub(r"[\x00-\x20\x7f]", "", url)).path).replace("\\", "/")
    if path.startswith("/"):
        return True
    depth = len(PurePosixPath(page).parts) - 1
    for part in path.split("/"):
        if part == "..":
            depth -= 1
            if depth < 0:
                return True
        elif part not in ("", "."):
            depth += 1
    return False


# What the policy does to an element once the walk is over: (element, None) removes
# it, (element, replacement) puts the replacement in its place.
Removal = tuple[etree._Element, etree._Element | None]


def enforce_policy(root: etree._Element, page: str, found: list[Diagnostic]) -> None:
    """The last line of defence, whatever a stylesheet wrote: no event handlers, no
    style attributes (the CSP would refuse them), no inline or foreign scripts, no
    frames or plugins; links only to http, https, mailto and relative URLs, and
    resources (images, scripts, styles) only from the site itself: an image on
    another host becomes a link to it, so that opening a page requests nothing."""
    # Elements are removed or replaced once the walk is over, in the order it met
    # them (a list of every element to walk over was 22 MB for the diary's page);
    # the walk visits what it would have visited, the removed ones' descendants too.
    later: list[Removal] = []
    for el in root.iter(etree.Element):
        removal = police(el, page, found)
        if removal is not None:
            later.append(removal)
    for removal in later:
        take_out(*removal)


# What the policy judges by its tag alone, without attributes.
_JUDGED_BARE = DROP_ELEMENTS | {"script"}


def police(el: etree._Element, page: str, found: list[Diagnostic]) -> Removal | None:
    """:func:`enforce_policy`'s work on one element: its attributes made safe, and
    whether it is to be removed or replaced (done by :func:`take_out` once the walk
    is over). A script is judged by its text: once it is parsed."""
    tag = el.tag.lower() if isinstance(el.tag, str) else ""
    if not el.attrib and tag not in _JUDGED_BARE:
        return None  # nothing to judge (most elements of a page: 273,000 in the diary's)
    if tag in DROP_ELEMENTS or (
        tag == "script" and (not is_local(el.get("src") or "//") or (el.text or "").strip())
    ):
        _note(found, page, f"removed <{tag}> element", "unsafe-markup")
        return el, None
    if tag == "meta" and (el.get("http-equiv") or "").lower() == "refresh":
        return el, None
    for name in list(el.attrib):
        lower = name.lower()
        value = el.get(name) or ""
        if lower.startswith("on") or lower in ("style", "srcdoc", "srcset"):
            del el.attrib[name]
        elif (lower in URL_ATTRIBUTES or lower.endswith(":href")) and not safe_url(value):
            _note(found, page, f"removed unsafe URL in @{name}", "unsafe-url")
            del el.attrib[name]
        elif lower in RESOURCE_ATTRIBUTES and is_local(value) and leaves_site(page, value):
            _note(
                found,
                page,
                f"removed @{name} that leads outside the site: {value}",
                "resource-outside",
            )
            del el.attrib[name]
        elif lower in RESOURCE_ATTRIBUTES and not is_local(value):
            if tag == "img" and lower == "src":
                link = E("a", el.get("alt") or "image", href=value, class_="tks-external-image")
                _note(
                    found, page, f"image on another site made a link: {value}", "external-resource"
                )
                return el, link
            _note(
                found,
                page,
                f"removed request to another site in @{name}: {value}",
                "external-resource",
            )
            del el.attrib[name]
    if tag == "link" and not is_local(el.get("href") or ""):
        _note(found, page, "removed <link> to another site", "external-resource")
        return el, None
    return None


def _note(found: list[Diagnostic], page: str, message: str, code: str) -> None:
    found.append(diag(page, message, code, Severity.WARNING))


def take_out(el: etree._Element, replacement: etree._Element | None) -> None:
    """What :func:`police` decided for ``el``: removed, or its replacement in its place."""
    if replacement is None:
        remove(el)
    else:
        replacement.tail = el.tail
        el.getparent().replace(el, replacement)


def remove(el: etree._Element) -> None:
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        previous = el.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)
