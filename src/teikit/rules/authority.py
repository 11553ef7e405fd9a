"""Authority URIs (VIAF, GND, GeoNames, Wikidata): recognise them and check their form.

Shared with :mod:`teikit.exports.cmif`, which only passes well-formed
authority URIs to correspSearch.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

from teikit.document import Document
from teikit.errors import Diagnostic, Severity
from teikit.reading import text_value
from teikit.rules.context import Context, Facts, finding

CODE = "authority-uri-malformed"


@dataclass(frozen=True)
class Authority:
    name: str  # as written in messages
    hosts: tuple[str, ...]  # host names (without www.) that belong to it
    uri: re.Pattern[str]  # a well-formed URI, matched in full
    bare: re.Pattern[str]  # a well-formed bare identifier (idno type="GND">118540238<)
    example: str


AUTHORITIES: dict[str, Authority] = {
    "viaf": Authority(
        "VIAF",
        ("viaf.org",),
        re.compile(r"https?://viaf\.org/viaf/\d+/?"),
        re.compile(r"\d+"),
        "https://viaf.org/viaf/31998356",
    ),
    "gnd": Authority(
        "GND",
        ("d-nb.info",),
        re.compile(r"https?://d-nb\.info/gnd/[0-9X-]+/?"),
        re.compile(r"[0-9X-]+"),
        "https://d-nb.info/gnd/118540238",
    ),
    "geonames": Authority(
        "GeoNames",
        ("geonames.org", "sws.geonames.org"),
        re.compile(r"https?://(?:www\.|sws\.)?geonames\.org/\d+(?:/[^/\s]*)?/?"),
        re.compile(r"\d+"),
        "https://www.geonames.org/792680",
    ),
    "wikidata": Authority(
        "Wikidata",
        ("wikidata.org",),
        re.compile(r"https?://www\.wikidata\.org/(?:wiki|entity)/Q\d+"),
        re.compile(r"Q\d+"),
        "https://www.wikidata.org/entity/Q915",
    ),
}


def authority_of(uri: str) -> str | None:
    """The authority key (``viaf``, ``gnd``, ``geonames``, ``wikidata``) a URI claims."""
    host = urlsplit(uri.strip()).netloc.lower().removeprefix("www.")
    for key, authority in AUTHORITIES.items():
        if any(host == h or host.endswith("." + h) for h in authority.hosts):
            return key
    return None


@functools.lru_cache(maxsize=4096)  # letters repeat the same URIs (a licence)
def uri_problem(uri: str) -> str | None:
    """Why ``uri`` is not a well-formed URI of the authority its host names; None if fine."""
    key = authority_of(uri)
    if key is None:
        return None
    authority = AUTHORITIES[key]
    if authority.uri.fullmatch(uri.strip()):
        return None
    return (
        f"malformed {authority.name} URI {uri.strip()!r}: a {authority.name} URI looks like "
        f"{authority.example}; copy it from the {authority.name} record"
    )


def idno_problem(kind: str, value: str) -> str | None:
    """Check an ``idno`` of an authority @type (a URI or a bare identifier)."""
    key = kind.lower()
    if value.startswith(("http://", "https://")):
        problem = uri_problem(value)
        if problem or key not in AUTHORITIES:
            return problem
        claimed = authority_of(value)
        if claimed != key:
            authority = AUTHORITIES[key]
            return (
                f'idno type="{kind}" holds {value!r}, which is not a {authority.name} URI; '
                f"use a URI like {authority.example} or correct @type"
            )
        return None
    if key in AUTHORITIES and not AUTHORITIES[key].bare.fullmatch(value):
        authority = AUTHORITIES[key]
        return (
            f'malformed {authority.name} identifier {value!r} in idno type="{kind}": '
            f"give the URI ({authority.example}) or the bare identifier"
        )
    return None


def check(ctx: Context, doc: Document, facts: Facts) -> Iterator[Diagnostic]:
    walk = ctx.walk(doc)
    for pointer in walk.uris:
        if pointer.attribute != "key":
            problem = uri_problem(pointer.token)
            if problem:
                yield finding(
                    doc,
                    pointer.element,
                    CODE,
                    f"@{pointer.attribute}: {problem}",
                    Severity.WARNING,
                    value=pointer.token,
                )
    for idno in walk.idnos:
        kind = idno.get("type", "")
        if (
            kind.lower() not in AUTHORITIES
            and not len(idno)
            and not (idno.text or "").lstrip().startswith(("http://", "https://"))
        ):
            continue  # a shelfmark, a local number: nothing an authority could fault
        value = text_value(idno)
        problem = idno_problem(kind, value) if value else None
        if problem:
            yield finding(doc, idno, CODE, problem, Severity.WARNING)
