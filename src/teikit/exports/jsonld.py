"""Letters as schema.org ``Message`` (sender, recipient, dateSent, mentions), with
``Person``, ``Place`` (with ``geo``), ``Organization`` and ``CreativeWork`` nodes
carrying ``sameAs`` authority links, in JSON-LD with an embedded ``@context``
(no remote context is ever needed to read it).

IRIs are the published pages when ``base_url`` is given, else relative to the
TEI files (``letter-1954-06-22.xml``, ``register.xml#tito``): see
:class:`teikit.exports.common.ExportOptions`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from teikit.dates import parse_date
from teikit.document import Document
from teikit.exports.common import (
    ExportOptions,
    entry_iri,
    letter_iri,
    page_url,
    text_mentions,
    write_json,
)
from teikit.index import EntityIndex, Entry, Letter

__all__ = ["CONTEXT", "build_jsonld", "write"]

CONTEXT: dict[str, Any] = {
    "@vocab": "https://schema.org/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "sender": {"@type": "@id"},
    "recipient": {"@type": "@id"},
    "mentions": {"@type": "@id"},
    "sameAs": {"@type": "@id"},
    "locationCreated": {"@type": "@id"},
    "url": {"@type": "@id"},
}
_TYPES = {
    "person": "Person",
    "place": "Place",
    "org": "Organization",
    "work": "CreativeWork",
    "event": "Event",
    "term": "DefinedTerm",
}


def typed_date(value: str) -> dict[str, str] | str:
    """A date as a typed literal (xsd:date, xsd:gYearMonth, xsd:gYear, xsd:dateTime)."""
    parsed = parse_date(value)
    if parsed is None or parsed.year is None:
        return value
    if parsed.time:
        kind = "xsd:dateTime"
    elif parsed.day:
        kind = "xsd:date"
    elif parsed.month:
        kind = "xsd:gYearMonth"
    else:
        kind = "xsd:gYear"
    return {"@value": value, "@type": kind}


def _entity(entry: Entry, options: ExportOptions) -> dict[str, Any]:
    node: dict[str, Any] = {
        "@id": entry_iri(entry, options),
        "@type": _TYPES[entry.type],
        "name": entry.name,
    }
    if entry.variants:
        node["alternateName"] = entry.variants
    if entry.type == "person":
        if entry.birth and parse_date(entry.birth):
            node["birthDate"] = typed_date(entry.birth)
        if entry.death and parse_date(entry.death):
            node["deathDate"] = typed_date(entry.death)
        if entry.roles:
            node["jobTitle"] = entry.roles
    if entry.coordinates:
        lat, lon = entry.coordinates
        node["geo"] = {"@type": "GeoCoordinates", "latitude": lat, "longitude": lon}
    if entry.note:
        node["description"] = entry.note
    if entry.authorities:
        node["sameAs"] = entry.authorities
    return node


def _message(
    letter: Letter,
    index: EntityIndex,
    options: ExportOptions,
    mentioned: dict[str, list[str]],
) -> dict[str, Any]:
    node: dict[str, Any] = {
        "@id": letter_iri(letter, options),
        "@type": "Message",
        "name": letter.title,
        # The letter's id, then its archival shelfmarks.
        "identifier": [letter.id, *letter.archival],
    }
    url = page_url(letter.file, options)
    if url:
        node["url"] = url
    senders = [index.get(p.key) for p in letter.senders if p.key]
    recipients = [index.get(p.key) for p in letter.addressees if p.key]
    node["sender"] = [entry_iri(e, options) for e in senders if e is not None]
    node["recipient"] = [entry_iri(e, options) for e in recipients if e is not None]
    if letter.date:
        node["dateSent"] = typed_date(letter.date)
    if letter.received.get("when"):
        node["dateReceived"] = typed_date(letter.received["when"])
    places = [index.get(p.key) for p in letter.places_sent if p.key]
    if places and places[0] is not None:
        node["locationCreated"] = entry_iri(places[0], options)
    node["mentions"] = mentioned.get(letter.file, [])
    return node


def build_jsonld(index: EntityIndex, options: ExportOptions | None = None) -> dict[str, Any]:
    """The JSON-LD document: one graph of messages and the registered entities."""
    options = options or ExportOptions()
    # For each file, the IRIs of the entries its text mentions (an entry's IRI
    # made once, not at each of the letters that mention it).
    iris: dict[int, str] = {}
    mentioned = {
        file: [iris.get(id(e)) or iris.setdefault(id(e), entry_iri(e, options)) for e in entries]
        for file, entries in text_mentions(e for e in index.entries if e.registered).items()
    }
    graph = [_message(lt, index, options, mentioned) for lt in index.letters]
    graph += [_entity(e, options) for e in index.entries if e.registered]
    return {"@context": CONTEXT, "@graph": graph}


def write(
    docs: Sequence[Document],
    index: EntityIndex,
    output: str | os.PathLike[str],
    options: ExportOptions,
) -> list[Path]:
    """Write the letters and entities of ``index`` as JSON-LD to ``output``."""
    return write_json(output, build_jsonld(index, options))
