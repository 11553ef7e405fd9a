"""Places as a GeoJSON FeatureCollection following Linked Places Format (LPF)
conventions: ``properties.title``, ``names``, ``types``, ``links`` to authority
records, ``descriptions``; plus the letters sent from and mentioning each place.

Coordinates are ``[longitude, latitude]`` as GeoJSON requires (TEI ``geo`` is
"lat lon"); a place without coordinates has ``"geometry": null``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from teikit.document import Document
from teikit.exports.common import (
    ExportOptions,
    entry_iri,
    letter_iri,
    letters_by_file,
    text_occurrences,
    write_json,
)
from teikit.index import EntityIndex, Entry, Letter

__all__ = ["LPF_CONTEXT", "build_geojson", "write"]

# The context the LPF specification names; written into the output, never fetched.
LPF_CONTEXT = (
    "https://raw.githubusercontent.com/LinkedPasts/linked-places/master/"
    "linkedplaces-context-v1.1.jsonld"
)


def _letter(letter: Letter, options: ExportOptions) -> dict[str, str]:
    return {
        "@id": letter_iri(letter, options),
        "id": letter.id,
        "title": letter.short_title or letter.title,
        "date": letter.date,
        "file": letter.file,
    }


def _feature(
    place: Entry,
    options: ExportOptions,
    by_file: dict[str, list[Letter]],
    files: frozenset[str],
    sent_from: dict[str, list[Letter]],
    described: dict[int, dict[str, str]],
) -> dict[str, Any]:
    sent = sent_from.get(place.key, [])
    mentioning = [lt for file in text_occurrences(place, files) for lt in by_file[file]]
    feature: dict[str, Any] = {
        "@id": entry_iri(place, options),
        "type": "Feature",
        "properties": {
            "title": place.name,
            "id": place.id,
            "letters_sent": [described[id(lt)] for lt in sent],
            "letters_mentioning": [described[id(lt)] for lt in mentioning],
        },
        "geometry": (
            {"type": "Point", "coordinates": [place.coordinates[1], place.coordinates[0]]}
            if place.coordinates
            else None
        ),
        "names": [{"toponym": name} for name in [place.name, *place.variants]],
    }
    if place.subtype:
        feature["types"] = [{"label": place.subtype}]
    if place.authorities:
        feature["links"] = [{"type": "closeMatch", "identifier": u} for u in place.authorities]
    if place.note:
        feature["descriptions"] = [{"value": place.note}]
    return feature


def build_geojson(index: EntityIndex, options: ExportOptions | None = None) -> dict[str, Any]:
    """The FeatureCollection of the registered places of ``index``."""
    return _geojson(index, options or ExportOptions())[0]


def _geojson(
    index: EntityIndex, options: ExportOptions
) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """:func:`build_geojson`, and the letters' descriptions, each a dict that is
    written at every place that names the letter."""
    by_file = letters_by_file(index)
    files = frozenset(by_file)
    sent_from: dict[str, list[Letter]] = {}  # place key -> letters sent from it, in order
    for letter in index.letters:
        for key in dict.fromkeys(p.key for p in letter.places_sent if p.key):
            sent_from.setdefault(key, []).append(letter)
    # Each letter described once, however many places it names (the same dict
    # written at each place: the JSON is the same).
    described = {id(lt): _letter(lt, options) for lt in index.letters}
    features = [
        _feature(p, options, by_file, files, sent_from, described)
        for p in index.places
        if p.registered
    ]
    collection = {"type": "FeatureCollection", "@context": LPF_CONTEXT, "features": features}
    return collection, list(described.values())


def write(
    docs: Sequence[Document],
    index: EntityIndex,
    output: str | os.PathLike[str],
    options: ExportOptions,
) -> list[Path]:
    """Write the places of ``index`` as GeoJSON to ``output``."""
    data, described = _geojson(index, options)
    return write_json(output, data, repeated=described)
