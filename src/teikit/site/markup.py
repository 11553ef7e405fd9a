"""Small HTML helpers for the site's own pages: an element builder and (de)serialising."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from lxml import etree
from lxml import html as lxml_html

from teikit.site.i18n import Messages

DOCTYPE = "<!DOCTYPE html>"


def classes(el: etree._Element) -> set[str]:
    return set((el.get("class") or "").split())


def E(tag: str, *content: Any, **attrs: str | None) -> etree._Element:
    """An HTML element: ``E("a", "text", href="x", class_="y")``. Text is escaped
    when the page is serialised; ``class_`` and ``for_`` lose their underscore,
    other underscores become hyphens (``aria_label``)."""
    el = etree.Element(tag)
    for name, value in attrs.items():
        if value is not None:
            el.set(name.rstrip("_").replace("_", "-"), value)
    extend(el, content)
    return el


def extend(el: etree._Element, content: Iterable[Any]) -> None:
    for item in content:
        if item is None or item == "":
            continue
        if isinstance(item, str):
            if len(el):
                el[-1].tail = (el[-1].tail or "") + item
            else:
                el.text = (el.text or "") + item
        elif isinstance(item, list | tuple):
            extend(el, item)
        else:
            el.append(item)


def serialize(root: etree._Element) -> bytes:
    """A page as UTF-8, ending in one newline: serialised to bytes at once (as text,
    then encoded, a large page was three copies)."""
    data = etree.tostring(root, method="html", encoding="utf-8", doctype=DOCTYPE)
    if data.endswith(b"\n") and not data.endswith(b"\n\n"):
        return data
    return data.rstrip(b"\n") + b"\n"


def write_page(root: etree._Element, out: Any) -> None:
    """:func:`serialize` into ``out`` (a binary file) as it goes: the same bytes,
    never held whole (the 20 MB diary's page: 36 MB, and as much again while
    libxml2's buffer grows)."""
    ending = _OneNewline(out)
    with etree.htmlfile(ending, encoding="utf-8") as page:
        page.write_doctype(DOCTYPE)
        page.write(root)
    ending.close()


class _OneNewline:
    """Writes through to ``out``, holding back line ends until more comes: at
    :meth:`close` the output ends in exactly one (as :func:`serialize`'s does)."""

    def __init__(self, out: Any) -> None:
        self.out = out
        self.held = 0

    def write(self, data: bytes) -> int:
        body = data.rstrip(b"\n")
        if body:
            if self.held:
                self.out.write(b"\n" * self.held)
            self.out.write(body)
            self.held = 0
        self.held += len(data) - len(body)
        return len(data)

    def close(self) -> None:
        self.out.write(b"\n")


def parse_page(page: bytes | Path) -> etree._Element:
    """A page (UTF-8) as a tree, parsed from its bytes or its file: no text copy of
    a large page (nor a bytes copy, from a file). Its ids are not collected into
    libxml2's table (nothing here looks one up): 34 MB and 0.18 CPU s less for the
    20 MB diary's page of 36 MB."""
    parser = lxml_html.HTMLParser(encoding="utf-8", collect_ids=False)
    if not isinstance(page, Path):
        return lxml_html.document_fromstring(page, parser=parser)
    with page.open("rb") as handle:  # read by libxml2 in pieces
        root = lxml_html.parse(handle, parser=parser).getroot()
    if root is None:  # as document_fromstring says it
        raise etree.ParserError("Document is empty")
    return root


def joined(items: Sequence[Any], sep: str = ", ") -> list[Any]:
    out: list[Any] = []
    for i, item in enumerate(items):
        if i:
            out.append(sep)
        out.append(item)
    return out


def copy_element(el: etree._Element) -> etree._Element:
    duplicate = copy.deepcopy(el)
    duplicate.tail = None
    return duplicate


def human_size(n: int, msg: Messages) -> str:
    if n < 1024:
        return msg("size.bytes", n=n)
    if n < 1024 * 1024:
        return msg("size.kb", n=f"{n / 1024:.0f}")
    return msg("size.mb", n=f"{n / 1024 / 1024:.1f}")
