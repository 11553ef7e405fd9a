"""The built site in a real browser: Chromium (Debian's /usr/bin/chromium) driven
by Playwright, from file:// and from a loopback HTTP server.

Checks what only a browser can: that register links and footnotes land where
they should, that search.js finds Đilas and Djilas alike, that no page logs a
console error, and that nothing outside the site is ever requested.

Needs `apt-get install chromium` and `pip install playwright` (never
`playwright install`: the system Chromium is used). Without them the tests
skip, and under TEIKIT_STRICT=1 (CI) a skip is a failure.
"""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from teikit.site import build_site

from conftest import IMAGE_SERVER, REAL_EDITIONS, TEI

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 20_000


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("browser-site")
    report = build_site(TEI, out, pdf=False, jobs=1)
    assert report.ok, [d.format() for d in report.diagnostics]
    return out


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("the playwright package is not installed: pip install playwright")
    if not CHROMIUM.is_file():
        pytest.skip(f"{CHROMIUM} not found: apt-get install chromium")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


@dataclass
class Tab:
    """A page with everything it logged and requested."""

    page: Any
    allowed: str  # every request must start with this
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        assert self.errors == []
        assert self.requests, "the page requested nothing at all?"
        outside = [url for url in self.requests if not url.startswith(self.allowed)]
        assert outside == []

    def target(self) -> dict[str, Any] | None:
        """The element the address's #fragment names, as the browser sees it."""
        return self.page.evaluate(
            """() => {
              const t = document.querySelector(':target');
              if (!t) { return null; }
              const box = t.getBoundingClientRect();
              return {tag: t.tagName.toLowerCase(), id: t.id, href: t.getAttribute('href'),
                      cls: t.className, text: t.textContent, hash: location.hash,
                      visible: box.bottom > 0 && box.top < window.innerHeight};
            }"""
        )


def open_tab(browser: Any, allowed: str) -> Tab:
    context = browser.new_context(viewport={"width": 1000, "height": 800})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    tab = Tab(page, allowed)
    page.on("request", lambda request: tab.requests.append(request.url))
    page.on("console", lambda msg: tab.errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: tab.errors.append(f"page error: {exc}"))

    # Belt and braces: a request that would leave the site is recorded, then refused.
    def guard(route: Any) -> None:
        if route.request.url.startswith(allowed):
            route.continue_()
        else:
            route.abort()

    context.route("**/*", guard)
    return tab


@pytest.fixture
def tab(browser, site) -> Iterator[Tab]:
    opened = open_tab(browser, site.resolve().as_uri() + "/")
    yield opened
    opened.page.context.close()


def url(site: Path, name: str) -> str:
    return site.resolve().as_uri() + "/" + name


# --------------------------------------------------------------------------- anchors


def test_register_link_lands_on_the_mention(tab, site):
    page = tab.page
    page.goto(url(site, "persons.html#djilas"))
    assert tab.target()["id"] == "djilas"
    link = page.locator("#djilas a.tks-occurrence[href^='letter-1954-06-22.html#tk-m']").first
    href = link.get_attribute("href")
    link.click()
    page.wait_for_url("**/letter-1954-06-22.html#tk-m*")
    target = tab.target()
    assert target["hash"] == "#" + href.split("#", 1)[1]
    assert target["tag"] == "a" and "tk-entity" in target["cls"]
    assert target["href"] == "persons.html#djilas"
    assert "Djilas" in target["text"]
    assert target["visible"]
    tab.assert_clean()


def test_footnote_and_its_back_link(tab, site):
    page = tab.page
    page.goto(url(site, "letter-1954-06-22.html"))
    marker = page.locator("a[role='doc-noteref']").first
    note_id = marker.get_attribute("href")[1:]
    marker.click()
    page.wait_for_url(f"**#{note_id}")
    note = tab.target()
    assert note["tag"] == "li" and note["id"] == note_id and "tk-note" in note["cls"]
    assert "Communist Party of Yugoslavia" in note["text"] and note["visible"]
    page.locator(f"#{note_id} a.tk-backlink").click()
    page.wait_for_url(f"**#noteref-{note_id}")
    back = tab.target()
    assert back["tag"] == "a" and back["id"] == f"noteref-{note_id}" and back["visible"]
    tab.assert_clean()


# --------------------------------------------------------------------------- search


def search(tab: Tab, query: str) -> list[str]:
    """Type the query into the search form and submit; the passages' links."""
    page = tab.page
    page.fill("#tks-q", query)
    page.click("#tks-search-form button[type='submit']")
    page.wait_for_selector("#tks-search-results a.tks-passage")
    return page.eval_on_selector_all(
        "#tks-search-results a.tks-passage", "links => links.map(a => a.getAttribute('href'))"
    )


def marked(tab: Tab) -> list[str]:
    return tab.page.eval_on_selector_all(
        "#tks-search-results mark", "m => m.map(x => x.textContent)"
    )


@pytest.mark.parametrize("query", ["Djilas", "Đilas", "djilas", "ĐILAS"])
def test_search_is_accent_insensitive(tab, site, query):
    tab.page.goto(url(site, "search.html"))
    links = search(tab, query)
    assert any(link.startswith("letter-1954-06-22.html#") for link in links)
    assert any(link.startswith("letter-1954-08-11.html#") for link in links)
    assert "Djilas" in marked(tab)
    entity = tab.page.locator(".tks-entity-result").first
    assert entity.text_content() == "Milovan Đilas"
    assert entity.get_attribute("href") == "persons.html#djilas"
    tab.assert_clean()


def test_search_result_leads_to_the_passage(tab, site):
    tab.page.goto(url(site, "search.html"))
    links = search(tab, "Đilas")
    first = next(link for link in links if link.startswith("letter-1954-06-22.html#"))
    tab.page.click(f"#tks-search-results a[href='{first}']")
    tab.page.wait_for_url("**/letter-1954-06-22.html#*")
    target = tab.target()
    assert target["hash"] == "#" + first.split("#", 1)[1]
    assert target["tag"] == "p" and "Djilas" in target["text"] and target["visible"]
    tab.assert_clean()


def test_search_names_find_every_mention_and_filters_apply(tab, site):
    page = tab.page
    page.goto(url(site, "search.html?q=" + quote("Hruščov")))  # a register variant only
    page.wait_for_selector("#tks-search-results a.tks-passage")
    assert page.locator(".tks-entity-result").first.get_attribute("href") == (
        "persons.html#khrushchev"
    )
    assert "Khrushchev" in " ".join(marked(tab))
    page.goto(url(site, "search.html?q=Djilas&who=" + quote("register.xml#khrushchev")))
    page.wait_for_selector("#tks-search-results a.tks-passage")
    docs = page.eval_on_selector_all(
        "#tks-search-results a.tks-result-doc", "a => a.map(x => x.getAttribute('href'))"
    )
    assert docs == ["letter-1954-06-22.html", "letter-1954-08-11.html"]  # not the introduction
    page.select_option("#tks-who", "")  # any correspondent, but only the letters of 1954
    page.select_option("#tks-year", "1954")
    page.wait_for_function(
        "() => !document.querySelector('#tks-search-results a[href=\"introduction.html\"]')"
    )
    docs = page.eval_on_selector_all(
        "#tks-search-results a.tks-result-doc", "a => a.map(x => x.getAttribute('href'))"
    )
    assert docs == ["letter-1954-06-22.html", "letter-1954-08-11.html"]
    assert "year=1954" in page.url
    tab.assert_clean()


def test_quick_search_from_any_page(tab, site):
    page = tab.page
    page.goto(url(site, "letter-1954-09-23.html"))
    page.fill("#tks-quick-q", "Đilas")
    page.press("#tks-quick-q", "Enter")
    page.wait_for_url("**/search.html?q=*")
    page.wait_for_selector("#tks-search-results a.tks-passage")
    assert page.input_value("#tks-q") == "Đilas"
    tab.assert_clean()


def test_search_text_is_never_markup(tab, site):
    """What the user types comes back as text, never as HTML."""
    page = tab.page
    page.goto(url(site, "search.html"))
    page.fill("#tks-q", "<img src=x id=injected>")
    page.click("#tks-search-form button[type='submit']")
    page.wait_for_function("() => document.getElementById('tks-search-status').textContent")
    assert page.locator("#injected").count() == 0
    assert "<img src=x id=injected>" in page.text_content("#tks-search-status")
    tab.assert_clean()


# --------------------------------------------------------------------------- over http


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass  # the tests read requests from the browser, not from a log on stderr


@pytest.fixture
def served(site) -> Iterator[str]:
    """The site on a loopback HTTP server (a free port on 127.0.0.1)."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.mark.parametrize("query", ["Djilas", "Đilas"])
def test_search_when_served_over_http(browser, served, query):
    tab = open_tab(browser, served)
    try:
        tab.page.goto(served + "search.html")
        links = search(tab, query)
        assert any(link.startswith("letter-1954-06-22.html#") for link in links)
        tab.page.goto(served + "search.html?q=" + quote(query))
        tab.page.wait_for_selector("#tks-search-results a.tks-passage")
        tab.page.goto(served + "persons.html#djilas")
        tab.page.locator("#djilas a.tks-occurrence").first.click()
        tab.page.wait_for_url("**#tk-m*")
        assert tab.target()["href"] == "persons.html#djilas"
        tab.assert_clean()
    finally:
        tab.page.context.close()


# --------------------------------------------------------------------------- real editions


def letter_page(folder: Path) -> str:
    """A document page of a real edition with a linked person, and, where the
    edition has them, a note marker and a facsimile link: the richest one."""
    from lxml import html as lxml_html

    best, score = "", -1
    for path in sorted(folder.glob("*.html")):
        root = lxml_html.parse(str(path)).getroot()
        if not root.xpath("//main//a[contains(@class, 'tk-person')]"):
            continue
        has = [
            bool(root.xpath("//main//a[@role='doc-noteref']")),
            bool(root.xpath("//main//a[contains(@class, 'tk-facs')]")),
            "tk-kind-letter" in (root.find("body").get("class") or ""),
        ]
        if sum(has) > score:
            best, score = path.name, sum(has)
    assert best, f"no page of {folder} links a person"
    return best


@pytest.mark.parametrize("name", REAL_EDITIONS)
def test_a_letter_of_each_real_edition(browser, real_sites, name):
    """The person a letter names, a note, a facsimile: each link leads where it says."""
    folder, _ = real_sites[name]
    chosen = letter_page(folder)
    tab = open_tab(browser, folder.resolve().as_uri() + "/")
    try:
        page = tab.page
        page.goto(url(folder, chosen))
        person = page.locator("main a.tk-entity.tk-person").first
        href = person.get_attribute("href")
        person.click()
        page.wait_for_url("**#" + href.split("#", 1)[1])
        entry = tab.target()
        assert entry["tag"] == "section" and "tk-entry" in entry["cls"] and entry["visible"]
        assert entry["id"] == href.split("#", 1)[1]
        if href.startswith("#"):  # the letter's own list of persons, on its page
            assert page.url.split("#", 1)[0].endswith(chosen)
        else:
            assert page.url.split("#", 1)[0].endswith(href.split("#", 1)[0])
        page.goto(url(folder, chosen))
        markers = page.locator("main a[role='doc-noteref']")
        if name != "letters1916":  # Letters 1916 has no notes in its texts
            assert markers.count() > 0
            note_id = markers.first.get_attribute("href")[1:]
            markers.first.click()
            page.wait_for_url(f"**#{note_id}")
            note = tab.target()
            assert note["tag"] == "li" and "tk-note" in note["cls"] and note["visible"]
        facsimiles = page.locator("main a.tk-facs")
        if name == "letters1916":
            assert facsimiles.count() > 0
            assert facsimiles.first.get_attribute("href").startswith(IMAGE_SERVER)
        tab.assert_clean()
    finally:
        page.context.close()
