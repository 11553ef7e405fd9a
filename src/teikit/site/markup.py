"""Small HTML helpers for the site's own pages: an element builder and (de)serialising."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from typing import Any

from lxml import etree
from lxml import html as lxml_html

from teikit.site.i18n import Messages


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
    data = etree.tostring(root, method="html", encoding="utf-8", doctype="<!DOCTYPE html>")
    if data.endswith(b"\n") and not data.endswith(b"\n\n"):
        return data
    return data.rstrip(b"\n") + b"\n"


def parse_page(data: bytes) -> etree._Element:
    """A page (UTF-8) as a tree, parsed from its bytes: no text copy of a large page.
    Its ids are not collected into libxml2's table (nothing here looks one up):
    34 MB and 0.18 CPU s less for the 20 MB diary's page of 36 MB."""
    parser = lxml_html.HTMLParser(encoding="utf-8", collect_ids=False)
    return lxml_html.document_fromstring(data, parser=parser)


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
