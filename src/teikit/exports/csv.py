"""CSV tables: letters, persons, places, organisations, works, mentions and a
network edge list (Source, Target, Type, Weight …) that Gephi and Palladio import
as is.

The output is a directory. Every cell is bounded: a value that grows with the
edition (where an entity is mentioned, which letters make an edge) is not joined
into one cell but has a table of its own, one row per value (``mentions.csv``,
``edge_letters.csv``), so every table reads with Python's csv module at its
default field size limit and opens whole in a spreadsheet (Excel keeps 32,767
characters a cell; :data:`~teikit.exports.common.MAX_CELL` cuts anything longer).
Short lists (a letter's senders, an entity's name variants and authority URIs)
are joined with `` | ``. A cell a spreadsheet would take for a formula starts
with an apostrophe (:func:`teikit.exports.common.csv_cell`). Registered entries
are identified by their canonical id, unregistered ones by their index key.
Every table is written row by row, atomically.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

from teikit.document import Document
from teikit.exports.common import (
    ExportOptions,
    csv_cell,
    output_directory,
    write_streamed,
)
from teikit.exports.network import Network, build_network
from teikit.index import EntityIndex, Entry, Party

__all__ = ["JOIN", "write"]

JOIN = " | "


def _join(values: Iterable[object]) -> str:
    return JOIN.join(str(v) for v in values)


def _names(parties: Sequence[Party]) -> str:
    return _join(p.name for p in parties)


def _ids(parties: Sequence[Party]) -> str:
    return _join(p.id or p.key for p in parties)


Row = Sequence[object]  # the cells of a row, in the order of its table's columns


def write_table(path: Path, header: Sequence[str], rows: Iterable[Row]) -> Path:
    """One CSV table, streamed row by row into a temporary file that replaces
    ``path`` when complete; every cell made safe (:func:`csv_cell`)."""

    def produce(handle: BinaryIO) -> None:
        text = io.TextIOWrapper(handle, encoding="utf-8", newline="")
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow([csv_cell(name) for name in header])
        # Rows as lists, not dicts: mentions.csv and edge_letters.csv have a row per
        # mention and per letter of an edge, millions in a large edition.
        writer.writerows([csv_cell(value) for value in row] for row in rows)
        text.flush()
        text.detach()  # the caller closes the file

    return write_streamed(path, produce)


LETTER_COLUMNS = (
    "id", "date", "title", "sender", "sender_id", "addressee", "addressee_id", "place_sent",
    "place_sent_id", "place_received", "place_received_id", "archival_reference", "file",
)  # fmt: skip


def letter_rows(index: EntityIndex) -> Iterator[Row]:
    """One row per letter, in the order of :data:`LETTER_COLUMNS`."""
    for lt in index.letters:
        yield (
            lt.id,
            lt.date,
            lt.title,
            _names(lt.senders),
            _ids(lt.senders),
            _names(lt.addressees),
            _ids(lt.addressees),
            _names(lt.places_sent),
            _ids(lt.places_sent),
            _names(lt.places_received),
            _ids(lt.places_received),
            _join(lt.archival),
            lt.file,
        )


ENTITY_COLUMNS = {
    "person": (
        "id", "name", "sort_name", "variants", "birth", "death", "occupation", "authorities",
        "note", "mentions", "documents",
    ),
    "place": (
        "id", "name", "variants", "type", "latitude", "longitude", "authorities", "note",
        "mentions", "documents",
    ),
    "org": ("id", "name", "variants", "type", "authorities", "note", "mentions", "documents"),
    "work": ("id", "name", "variants", "type", "authorities", "note", "mentions", "documents"),
    "event": ("id", "name", "variants", "type", "authorities", "note", "mentions", "documents"),
    "term": ("id", "name", "variants", "type", "authorities", "note", "mentions", "documents"),
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
        "documents": len({o.file for o in e.occurrences}),
    }


def entity_rows(index: EntityIndex, kind: str) -> Iterator[Row]:
    """One row per entity of ``kind``, in the order of its :data:`ENTITY_COLUMNS`."""
    columns = ENTITY_COLUMNS[kind]
    for e in index.of_type(kind):
        row = _entity_row(e)
        yield [row[k] for k in columns]


MENTION_COLUMNS = (
    "entity_id", "entity_type", "entity_name", "file", "document", "line", "where",
    "element_id", "xpath", "text", "snippet",
)  # fmt: skip


def mention_rows(index: EntityIndex) -> Iterator[Row]:
    """One row per occurrence: where each entity is mentioned (:data:`MENTION_COLUMNS`)."""
    return (
        (
            e.id or e.key,
            e.type,
            e.name,
            o.file,
            o.title,
            o.line,
            o.where,
            o.id,
            o.xpath,
            o.text,
            o.snippet,
        )
        for e in index.entries
        for o in e.occurrences
    )


EDGE_COLUMNS = (
    "Source", "Target", "Type", "Weight", "Relation", "Source Label", "Target Label",
)  # fmt: skip
EDGE_LETTER_COLUMNS = ("Source", "Target", "Relation", "Letter")


def edge_rows(network: Network) -> Iterator[Row]:
    """One row per edge (:data:`EDGE_COLUMNS`)."""
    labels = {n.id: n.label for n in network.nodes}
    for e in network.iter_edges():
        yield (
            e.source,
            e.target,
            "Directed" if e.directed else "Undirected",
            e.weight,
            e.relation,
            labels[e.source],
            labels[e.target],
        )


def edge_letter_rows(network: Network) -> Iterator[Row]:
    """One row per edge and letter: the letters that make each edge
    (:data:`EDGE_LETTER_COLUMNS`)."""
    for e in network.iter_edges():
        for letter in e.letters:
            yield (e.source, e.target, e.relation, letter)


def write(
    docs: Sequence[Document],
    index: EntityIndex,
    output: str | os.PathLike[str],
    options: ExportOptions,
    network: Network | None = None,
) -> list[Path]:
    """Write letters.csv, persons.csv, places.csv, organisations.csv, works.csv
    (events.csv and terms.csv where the edition registers them), mentions.csv,
    edges.csv and edge_letters.csv into the directory ``output``."""
    folder = output_directory(output)
    network = network if network is not None else build_network(index, options.min_co_mentions)
    tables: list[tuple[str, Sequence[str], Iterable[Row]]] = [
        ("letters.csv", LETTER_COLUMNS, letter_rows(index))
    ]
    for kind, plural in (
        ("person", "persons"),
        ("place", "places"),
        ("org", "organisations"),
        ("work", "works"),
        ("event", "events"),
        ("term", "terms"),
    ):
        # Events and terms only where the edition registers them.
        if kind in ("event", "term") and not index.of_type(kind):
            continue
        tables.append((f"{plural}.csv", ENTITY_COLUMNS[kind], entity_rows(index, kind)))
    tables += [
        ("mentions.csv", MENTION_COLUMNS, mention_rows(index)),
        ("edges.csv", EDGE_COLUMNS, edge_rows(network)),
        ("edge_letters.csv", EDGE_LETTER_COLUMNS, edge_letter_rows(network)),
    ]
    return [write_table(folder / name, header, rows) for name, header, rows in tables]
