"""What every page of the site shares: head, site header with navigation, footer."""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cached_property
from typing import Any

from lxml import etree

from teikit.errors import Diagnostic
from teikit.site.i18n import Messages
from teikit.site.markup import E
from teikit.site.policy import CSP, dedupe_ids, enforce_policy
from teikit.site.records import (
    CHRONOLOGY,
    DOWNLOADS,
    HOME,
    PRINCIPLES,
    SEARCH,
    SiteEdition,
)

# --------------------------------------------------------------------------- page chrome


class Chrome:
    """What every page shares: head, site header with navigation, footer, policy.

    Document pages get theirs from the site profile's hooks (:meth:`render_params`
    says what to write); the site's own pages from :meth:`page`. Both take their
    words from the one catalog (:class:`~teikit.site.i18n.Messages`)."""

    def __init__(self, edition: SiteEdition, msg: Messages) -> None:
        self.edition = edition
        self.msg = msg
        nav = [(HOME, msg("nav.home"))]
        if edition.intro is not None:
            nav.append((edition.intro.page, msg("nav.introduction")))
        if edition.principles is not None:
            nav.append((PRINCIPLES, msg("nav.principles")))
        if edition.letters():
            nav.append((CHRONOLOGY, msg("nav.letters")))
        nav += [(page, msg(f"section.{name}")) for name, _, page, _ in edition.sections]
        nav += [(SEARCH, msg("nav.search")), (DOWNLOADS, msg("nav.downloads"))]
        self.nav = nav
        # The page of every document, by its path in the edition: where links between
        # documents lead (site.xsl); a file that is not among them gets no link.
        self.pages = {d.file: d.page for d in edition.docs}

    def render_params(self, page: str, source: str = "") -> dict[str, str]:
        """What the site profile (site.xsl) needs to write ``page``'s chrome, the
        page of the document at ``source`` (its path in the edition)."""
        return {
            "csp": CSP,
            "ui-lang": self.msg.lang,
            # a document that declares no language is in the edition's (or the site's)
            "default-lang": (*self.edition.languages, self.msg.lang)[0],
            "site-nav": json.dumps(self.nav, ensure_ascii=False),
            "site-page": page,
            "site-search": SEARCH if page != SEARCH else "",
            "site-source": source,
        }

    @cached_property
    def pages_json(self) -> str:
        """The page of every document as the site profile's ``$site-pages``: made
        once and added where a page is rendered, not carried by every job (5,000
        letters: 5,000 copies of 230 KB held by the parent, 1.1 GB)."""
        return json.dumps(self.pages, ensure_ascii=False)

    def head_items(self) -> list[etree._Element]:
        return [
            E("meta", http_equiv="Content-Security-Policy", content=CSP),
            E("meta", name="referrer", content="no-referrer"),
            E("link", rel="icon", href="assets/favicon.svg", type="image/svg+xml"),
        ]

    def header(self, current: str) -> etree._Element:
        msg = self.msg
        items = []
        for page, label in self.nav:
            link = E("a", label, href=page)
            if page == current:
                link.set("aria-current", "page")
            items.append(E("li", link))
        parts: list[Any] = [
            E("p", E("a", self.edition.title, href=HOME), class_="tk-edition-title"),
            E("nav", E("ul", items), class_="tks-nav", aria_label=msg("nav.label")),
        ]
        if current != SEARCH:  # the search page has its own, fuller form
            parts.append(
                E(
                    "form",
                    E(
                        "label",
                        msg("quicksearch.label"),
                        for_="tks-quick-q",
                        class_="tk-visually-hidden",
                    ),
                    E(
                        "input",
                        type="search",
                        name="q",
                        id="tks-quick-q",
                        placeholder=msg("quicksearch.placeholder"),
                    ),
                    E("button", msg("quicksearch.button"), type="submit"),
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
            E("a", self.msg("skip"), class_="tk-skip-link", href="#tk-main"),
            self.header(current),
            main,
            E(
                "footer",
                E("p", self.msg("footer.generator"), class_="tk-generator"),
                class_="tk-site-footer",
            ),
            class_=f"tk-page tks-page tks-{current[:-5] if current.endswith('.html') else current}",
        )
        return E("html", head, body, lang=self.msg.lang), main

    def decorate(self, root: etree._Element, current: str, found: list[Diagnostic]) -> None:
        """The last check of a page the site profile wrote (its chrome included):
        ids once, and the site's policy, whatever a stylesheet wrote."""
        dedupe_ids(root)
        enforce_policy(root, current, found)
