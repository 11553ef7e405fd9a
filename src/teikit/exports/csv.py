"""CSV tables: letters, persons, places, organisations, works, mentions and a
network edge list (Source, Target, Type, Weight …) that Gephi and Palladio import
as is.

The output is a directory. Values that can be several are joined with `` | ``;
a cell a spreadsheet would take for a formula starts with an apostrophe
(:func:`teikit.exports.common.csv_cell`);
registered entries are identified by their register xml:id, unregistered ones
by their index key.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import BinaryIO

from teikit.batch import write_atomic_with
from teikit.document import Document
from teikit.exports.common import (
    ExportError,
    ExportOptions,
    SafeDictWriter,
    output_directory,
    write_text,
)
from teikit.exports.network import Network, build_network
from teikit.index import EntityIndex, Entry, Party

__all__ = ["JOIN", "write"]

JOIN = " | "
_TEXT_PARTS = ("body", "note", "front", "back")


def _table(rows: Sequence[Mapping[str, object]], header: Sequence[str]) -> str:
    out = io.StringIO()
    writer = SafeDictWriter(out, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _join(values: Iterable[object]) -> str:
    return JOIN.join(str(v) for v in values)


def _names(parties: Sequence[Party]) -> str:
    return _join(p.name for p in parties)


def _ids(parties: Sequence[Party]) -> str:
    return _join(p.id or p.key for p in parties)


LETTER_COLUMNS = (
    "id", "date", "title", "sender", "sender_id", "addressee", "addressee_id", "place_sent",
    "place_sent_id", "place_received", "places_mentioned", "archival_reference", "file",
)  # fmt: skip


def letters(index: EntityIndex) -> str:
    mentioned: dict[str, set[str]] = {}
    for place in index.places:
        for o in place.occurrences:
            if o.where in _TEXT_PARTS:
                mentioned.setdefault(o.file, set()).add(place.name)
    rows = [
        {
            "id": lt.id,
            "date": lt.date,
            "title": lt.title,
            "sender": _names(lt.senders),
            "sender_id": _ids(lt.senders),
            "addressee": _names(lt.addressees),
            "addressee_id": _ids(lt.addressees),
            "place_sent": _names(lt.places_sent),
            "place_sent_id": _ids(lt.places_sent),
            "place_received": _names(lt.places_received),
            "places_mentioned": _join(sorted(mentioned.get(lt.file, ()))),
            "archival_reference": _join(lt.archival),
            "file": lt.file,
        }
        for lt in index.letters
    ]
    return _table(rows, LETTER_COLUMNS)


ENTITY_COLUMNS = {
    "person": (
        "id", "name", "sort_name", "variants", "birth", "death", "occupation", "authorities",
        "note", "mentions", "files",
    ),
    "place": (
        "id", "name", "variants", "type", "latitude", "longitude", "authorities", "note",
        "mentions", "files",
    ),
    "org": ("id", "name", "variants", "type", "authorities", "note", "mentions", "files"),
    "work": ("id", "name", "variants", "type", "authorities", "note", "mentions", "files"),
    "event": ("id", "name", "variants", "type", "authorities", "note", "mentions", "files"),
    "term": ("id", "name", "variants", "type", "authorities", "note", "mentions", "files"),
}  # fmt: skip


def _entity_row(e: Entry) -> dict[str, object]:
    lat, lon = e.coordinates if e.coordinates else ("", "")
    return {
        "id": e.id or e.key,
        "name": e.name,
        "sort_name": e.sort_name,
        "variants": _join(e.variants),
        "birth": e.birth,
        "death": e.death,
        "occupation": _join(e.roles),
        "type": e.subtype,
        "latitude": lat,
        "longitude": lon,
        "authorities": _join(e.authorities),
        "note": e.note,
        "mentions": len(e.occurrences),
        "files": _join(e.files),
    }


def entities(index: EntityIndex, kind: str) -> str:
    columns = ENTITY_COLUMNS[kind]
    rows = [{k: v for k, v in _entity_row(e).items() if k in columns} for e in index.of_type(kind)]
    return _table(rows, columns)


MENTION_COLUMNS = (
    "entity_id", "entity_type", "entity_name", "file", "document", "line", "where",
    "element_id", "xpath", "text", "snippet",
)  # fmt: skip


def mentions(index: EntityIndex) -> str:
    return _table(list(_mention_rows(index)), MENTION_COLUMNS)


def _mention_rows(index: EntityIndex) -> Iterator[dict[str, object]]:
    return (
        {
            "entity_id": e.id or e.key,
            "entity_type": e.type,
            "entity_name": e.name,
            "file": o.file,
            "document": o.title,
            "line": o.line,
            "where": o.where,
            "element_id": o.id,
            "xpath": o.xpath,
            "text": o.text,
            "snippet": o.snippet,
        }
        for e in index.entries
        for o in e.occurrences
    )


EDGE_COLUMNS = (
    "Source", "Target", "Type", "Weight", "Relation", "Source Label", "Target Label", "Letters",
)  # fmt: skip


def edges(network: Network) -> str:
    labels = {n.id: n.label for n in network.nodes}
    rows = [
        {
            "Source": e.source,
            "Target": e.target,
            "Type": "Directed" if e.directed else "Undirected",
            "Weight": e.weight,
            "Relation": e.relation,
            "Source Label": labels[e.source],
            "Target Label": labels[e.target],
            "Letters": _join(e.letters),
        }
        for e in network.edges
    ]
    return _table(rows, EDGE_COLUMNS)


def write(
    docs: Sequence[Document],
    index: EntityIndex,
    output: str | os.PathLike[str],
    options: ExportOptions,
) -> list[Path]:
    """Write letters.csv, persons.csv, places.csv, organisations.csv, works.csv,
    mentions.csv and edges.csv into the directory ``output``."""
    folder = output_directory(output)
    # One table at a time, and the mentions (the largest: one row per occurrence)
    # streamed row by row, so that a large corpus's tables are never all in memory.
    tables: list[tuple[str, Callable[[], str]]] = [
        ("letters.csv", lambda: letters(index)),
        ("persons.csv", lambda: entities(index, "person")),
        ("places.csv", lambda: entities(index, "place")),
        ("organisations.csv", lambda: entities(index, "org")),
        ("works.csv", lambda: entities(index, "work")),
    ]
    # Events and terms only where the edition registers them.
    tables += [
        (f"{plural}.csv", lambda kind=kind: entities(index, kind))
        for kind, plural in (("event", "events"), ("term", "terms"))
        if index.of_type(kind)
    ]
    written = [write_text(folder / name, make()) for name, make in tables]

    def produce(handle: BinaryIO) -> None:
        text = io.TextIOWrapper(handle, encoding="utf-8", newline="")
        writer = SafeDictWriter(text, fieldnames=MENTION_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(_mention_rows(index))
        text.flush()
        text.detach()  # the caller closes the file

    target = folder / "mentions.csv"
    try:
        written.append(write_atomic_with(target, produce, keep_mode=True))
    except OSError as exc:
        raise ExportError(f"{target}: cannot write: {exc.strerror or exc}") from exc
    written.append(write_text(folder / "edges.csv", edges(build_network(index))))
    return written
