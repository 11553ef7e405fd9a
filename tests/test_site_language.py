"""The site's language: one catalog per language, read by the site's pages, the
stylesheets and search.js; chosen by teikit.toml or the edition's own language."""

from __future__ import annotations

import json
import re
import shutil

from lxml import html as lxml_html

from teikit import render
from teikit.site import build_site
from teikit.site.i18n import Messages, languages

from conftest import FIXTURES, ROOT

CATALOGS = render.XSLT_DIR / "common" / "i18n"


def catalog(lang: str) -> dict[str, str]:
    return json.loads((CATALOGS / f"{lang}.json").read_text("utf-8"))


def test_every_language_has_every_key():
    assert {"en", "de"} <= set(languages())
    english = set(catalog("en"))
    for lang in languages():
        assert set(catalog(lang)) == english, lang


def test_every_key_the_code_asks_for_is_in_the_catalog():
    keys = set(catalog("en"))
    used: set[str] = set()
    counted: set[str] = set()  # asked for as key.one / key.other
    for path in (ROOT / "xslt").rglob("*.xsl"):
        used |= set(re.findall(r"tk:msg\('([a-z][\w.-]*)'\)", path.read_text("utf-8")))
    for path in (ROOT / "src" / "teikit" / "site").glob("*.py"):
        text = path.read_text("utf-8")
        used |= set(re.findall(r"\bmsg\(\s*\"([a-z][\w.-]*)\"", text))
        counted |= set(re.findall(r"\bmsg\.count\(\s*\"([a-z][\w.-]*)\"", text))
    script = (ROOT / "src" / "teikit" / "data" / "site" / "search.js").read_text("utf-8")
    used |= set(re.findall(r"\bt\(\"([a-z][\w.-]*)\"", script))
    counted |= set(re.findall(r"\bcount\(\"([a-z][\w.-]*)\"", script))
    assert used and counted
    assert used - keys == set()
    assert {f"{key}.{form}" for key in counted for form in ("one", "other")} - keys == set()


def test_dates_and_counts_in_german():
    msg = Messages("de")
    assert msg.date("1901-03-05") == "5. März 1901"
    assert msg.date("1901-03") == "März 1901"
    assert msg.date("about 1900") == "about 1900"
    assert msg.count("search.letters", 1) == "1 Brief entspricht den Filtern."
    assert Messages("en").count("search.letters", 2) == "2 letters match the filters."


def test_a_site_in_german_when_teikit_toml_says_so(tmp_path):
    edition = tmp_path / "edition"
    shutil.copytree(FIXTURES / "site" / "dead-link", edition)
    (edition / "teikit.toml").write_text('[site]\nlanguage = "de"\n', "utf-8")
    report = build_site(edition, tmp_path / "site", pdf=False, validate=False, keep_going=True)
    site = tmp_path / "site"
    for name in ("index.html", "letter.html", "search.html"):
        root = lxml_html.parse(str(site / name)).getroot()
        assert root.get("lang") == "de", name
        nav = root.xpath("//nav[contains(@class, 'tks-nav')]//a/text()")
        assert nav[0] == "Startseite" and "Suche" in nav, name
        assert root.xpath("//a[@class='tk-skip-link']/text()") == ["Zum Text springen"]
    letter = lxml_html.parse(str(site / "letter.html")).getroot()
    assert letter.xpath("//form[@class='tks-quicksearch']//button/text()") == ["Suchen"]
    index = (site / "search-index.js").read_text("utf-8")
    assert '"search.nothing":"Nichts gefunden für' in index
    assert report.dead_links == 2  # the fixture's own two dead links, in any language
