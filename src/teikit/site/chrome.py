"""What every page of the site shares: head, site header with navigation, footer."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

from lxml import etree

from teikit.errors import Diagnostic
from teikit.site.markup import E
from teikit.site.policy import CSP, dedupe_ids, enforce_policy
from teikit.site.records import (
    CHRONOLOGY,
    DOWNLOADS,
    HOME,
    PRINCIPLES,
    RESERVED,
    SEARCH,
    SiteEdition,
)  # fmt: skip

# --------------------------------------------------------------------------- page chrome


class Chrome:
    """What every page shares: head, site header with navigation, footer, policy."""

    def __init__(self, edition: SiteEdition) -> None:
        self.edition = edition
        nav = [(HOME, "Home")]
        if edition.intro is not None:
            nav.append((edition.intro.page, "Introduction"))
        if edition.principles is not None:
            nav.append((PRINCIPLES, "Editorial principles"))
        if edition.letters():
            nav.append((CHRONOLOGY, "Letters"))
        nav += [(page, heading) for _, _, page, heading, _ in edition.sections]
        nav += [(SEARCH, "Search"), (DOWNLOADS, "Downloads")]
        self.nav = nav
        # Links the stylesheets rewrite from x.xml to x.html, where the page is named otherwise.
        self.link_map: dict[str, str] = {}
        for d in edition.docs:
            name = PurePosixPath(d.file).name
            original = name[:-4] + ".html" if name.lower().endswith(".xml") else name
            # A reserved name ("persons.html") means the site's page, never a document.
            if original != d.page and original not in RESERVED:
                self.link_map[original] = d.page

    def head_items(self) -> list[etree._Element]:
        return [
            E("meta", http_equiv="Content-Security-Policy", content=CSP),
            E("meta", name="referrer", content="no-referrer"),
            E("link", rel="icon", href="assets/favicon.svg", type="image/svg+xml"),
        ]

    def header(self, current: str) -> etree._Element:
        items = []
        for page, label in self.nav:
            link = E("a", label, href=page)
            if page == current:
                link.set("aria-current", "page")
            items.append(E("li", link))
        parts: list[Any] = [
            E("p", E("a", self.edition.title, href=HOME), class_="tk-edition-title"),
            E("nav", E("ul", items), class_="tks-nav", aria_label="Site"),
        ]
        if current != SEARCH:  # the search page has its own, fuller form
            parts.append(
                E(
                    "form",
                    E(
                        "label",
                        "Search the edition",
                        for_="tks-quick-q",
                        class_="tk-visually-hidden",
                    ),
                    E("input", type="search", name="q", id="tks-quick-q", placeholder="Search"),
                    E("button", "Search", type="submit"),
                    class_="tks-quicksearch",
                    role="search",
                    action=SEARCH,
                    method="get",
                )
            )
        return E("header", parts, class_="tk-site-header")

    def page(
        self, title: str, current: str, *, scripts: Sequence[str] = ()
    ) -> tuple[etree._Element, etree._Element]:
        """A new page of the site's own (home, registers, search …): (root, main)."""
        head = E(
            "head",
            E("meta", charset="utf-8"),
            *self.head_items(),
            E("meta", name="viewport", content="width=device-width, initial-scale=1"),
            E("title", f"{title} · {self.edition.title}" if title else self.edition.title),
            E("meta", name="generator", content="teikit"),
            E("link", rel="stylesheet", href="assets/teikit.css"),
            E("link", rel="stylesheet", href="assets/site.css"),
            E("script", src="assets/teikit.js", defer="defer"),
            [E("script", src=src, defer="defer") for src in scripts],
        )
        main = E("main", id="tk-main", class_="tk-main tks-main")
        body = E(
            "body",
            E("a", "Skip to the text", class_="tk-skip-link", href="#tk-main"),
            self.header(current),
            main,
            E(
                "footer",
                E("p", "Generated from TEI with teikit.", class_="tk-generator"),
                class_="tk-site-footer",
            ),
            class_=f"tk-page tks-page tks-{current[:-5] if current.endswith('.html') else current}",
        )
        return E("html", head, body, lang="en"), main

    def decorate(self, root: etree._Element, current: str, found: list[Diagnostic]) -> None:
        """Put a rendered page into the site: policy, site header, link names, ids."""
        head = root.find("head")
        body = root.find("body")
        if head is None or body is None:
            return
        charset = head.find("meta[@charset]")
        at = head.index(charset) + 1 if charset is not None else 0
        for offset, item in enumerate(self.head_items()):
            head.insert(at + offset, item)
        css = head.find("link[@rel='stylesheet']")
        site_css = E("link", rel="stylesheet", href="assets/site.css")
        if css is not None:
            css.addnext(site_css)
        else:
            head.append(site_css)
        old = body.find("header[@class='tk-site-header']")
        new = self.header(current)
        if old is not None:
            new.tail = old.tail
            old.getparent().replace(old, new)
        else:
            body.insert(0, new)
        self.rewrite_links(root)
        dedupe_ids(root)
        enforce_policy(root, current, found)

    def rewrite_links(self, root: etree._Element) -> None:
        if not self.link_map:
            return
        for el in root.iter("a"):
            href = el.get("href") or ""
            parts = urlsplit(href)
            if parts.scheme or parts.netloc:
                continue
            target = self.link_map.get(unquote(parts.path))
            if target is not None:
                el.set("href", target + (f"#{parts.fragment}" if parts.fragment else ""))
