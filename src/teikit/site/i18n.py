"""The site's language: one message catalog per language (``xslt/common/i18n/*.json``),
read by the site's own pages here, by the stylesheets (``tk:msg``) and by search.js
(through the search index), so that every string of the interface has one home."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from teikit import render
from teikit.edition import Config
from teikit.index import parse_date

DEFAULT = "en"


def catalog_dir() -> Path:
    """Beside the stylesheets that read it too (their place differs installed and
    checked out)."""
    return render.XSLT_DIR / "common" / "i18n"


def languages() -> list[str]:
    """The languages with a catalog (BCP 47 primary subtags)."""
    return sorted(p.stem for p in catalog_dir().glob("*.json"))


@cache
def _catalog(lang: str) -> dict[str, str]:
    data = json.loads((catalog_dir() / f"{lang}.json").read_text("utf-8"))
    return {k: v for k, v in data.items() if not k.startswith("_")}


def primary(tag: str) -> str:
    """``de-AT`` -> ``de``."""
    return tag.strip().replace("_", "-").split("-")[0].lower()


@dataclass(frozen=True)
class Messages:
    """The strings of one language; keys it lacks fall back to English."""

    lang: str

    @property
    def strings(self) -> Mapping[str, str]:
        return {**_catalog(DEFAULT), **_catalog(self.lang)}

    def __call__(self, key: str, **values: object) -> str:
        text = _catalog(self.lang).get(key) or _catalog(DEFAULT).get(key) or key
        return text.format(**values) if values else text

    def count(self, key: str, n: int, **values: object) -> str:
        """The ``key.one`` or ``key.other`` form for ``n``."""
        return self(f"{key}.{'one' if n == 1 else 'other'}", n=n, **values)

    def date(self, value: str) -> str:
        """A W3C date for readers: ``1954-06-22`` as ``22 June 1954`` (``22. Juni
        1954``); partial dates as far as they go, anything else as written."""
        parsed = parse_date(value) if value else None
        if parsed is None or parsed.year is None:
            return value
        if not parsed.month:
            return str(parsed.year)
        month = self(f"month.{parsed.month}")
        if not parsed.day:
            return f"{month} {parsed.year}"
        return self("date.format", day=parsed.day, month=month, year=parsed.year)


def site_language(edition_languages: Sequence[str], config: Config) -> str:
    """The site's language: ``[site] language``, else the edition's first language
    (``languages`` in teikit.toml, else its documents' ``langUsage`` or ``xml:lang``),
    when teikit has a catalog for it; else English."""
    wanted = [config.site_language] if config.site_language else []
    wanted += list(edition_languages)
    have = set(languages())
    return next((primary(w) for w in wanted if primary(w) in have), DEFAULT)
