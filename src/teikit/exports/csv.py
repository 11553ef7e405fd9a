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
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

from teikit.document import Document
from teikit.exports.common import (
    FORMULA_START,
    MAX_CELL,
    ExportOptions,
    csv_cell,
    output_directory,
    write_streamed,
)
from teikit.exports.network import Network, build_network
from teikit.index import EntityIndex, Entry, Party

__all__ = [
    "JOIN", "cell_text", "write", "write_mentions", "write_network", "write_tables",
]  # fmt: skip

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


# What the csv module quotes, and more: "\r" (Python 3.12 quotes it, 3.11 does not),
# so that a cell without any of these is written as it is by either.
_QUOTED = re.compile('[,"\r\n]')
_FORMULA_CHARS = "".join(FORMULA_START)


def cell_text(value: object) -> str:
    """A cell as :func:`write_table` writes it (:func:`csv_cell`, then the csv
    module's quoting), as text: for the large tables, made a line at a time."""
    value = csv_cell(value)
    if value is None:
        return ""
    if isinstance(value, str):
        if _QUOTED.search(value) is None:
            return value
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerow(("", value))
        return out.getvalue()[1:-1]  # the cell, without the empty one before it
    return repr(value) if isinstance(value, float) else str(value)


def _text(value: str) -> str:
    """:func:`cell_text` of a string, the common case (nothing to quote or guard)
    without a call."""
    if value and (value[0] in _FORMULA_CHARS or len(value) > MAX_CELL or _QUOTED.search(value)):
        return cell_text(value)
    return value


def write_lines(path: Path, header: Sequence[str], lines: Iterable[str]) -> Path:
    """:func:`write_table` for a table made as text already: ``lines`` are pieces
    of it, whole lines each (:func:`cell_text` cells, ``\n`` line ends)."""

    def produce(handle: BinaryIO) -> None:
        handle.write((",".join(map(cell_text, header)) + "\n").encode("utf-8"))
        chunk: list[str] = []
        for piece in lines:
            chunk.append(piece)
            if len(chunk) >= 512:
                handle.write("".join(chunk).encode("utf-8"))
                chunk.clear()
        handle.write("".join(chunk).encode("utf-8"))

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


def mention_lines(index: EntityIndex) -> Iterator[str]:
    """:func:`mention_rows` as CSV text, an entry's rows at a time (mentions.csv
    has a row per mention: 421,759 in a 5,000-letter edition)."""
    documents: dict[tuple[str, str], str] = {}
    for e in index.entries:
        if not e.occurrences:
            continue
        entity = f"{_text(e.id or e.key)},{_text(e.type)},{_text(e.name)},"
        lines = []
        for o in e.occurrences:
            document = documents.get((o.file, o.title))
            if document is None:
                document = documents[o.file, o.title] = f"{_text(o.file)},{_text(o.title)}"
            lines.append(
                f"{entity}{document},{o.line},{_text(o.where)},{_text(o.id)},"
                f"{_text(o.xpath)},{_text(o.text)},{_text(o.snippet)}\n"
            )
        yield "".join(lines)


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


def _line(row: Row) -> str:
    return ",".join(map(cell_text, row)) + "\n"


def edge_lines(network: Network) -> Iterator[str]:
    """:func:`edge_rows` as CSV text; the co-mention edges (hundreds of thousands)
    from their ranks, each id's and label's text made once."""
    labels = {n.id: n.label for n in network.nodes}
    for e in network.correspondence:
        kind = "Directed" if e.directed else "Undirected"
        yield _line(
            (e.source, e.target, kind, e.weight, e.relation, labels[e.source], labels[e.target])
        )
    co = network.co_mentions
    ids = [cell_text(i) for i in co.ids]
    named = [cell_text(labels[i]) if i in labels else "" for i in co.ids]
    kind, relation = cell_text("Undirected"), cell_text("co-mention")
    chunk: list[str] = []
    for a, b, letters in co.runs():
        chunk.append(f"{ids[a]},{ids[b]},{kind},{len(letters)},{relation},{named[a]},{named[b]}\n")
        if len(chunk) >= 512:
            yield "".join(chunk)
            chunk.clear()
    yield "".join(chunk)


def edge_letter_lines(network: Network) -> Iterator[str]:
    """:func:`edge_letter_rows` as CSV text, an edge's rows at a time."""
    for e in network.correspondence:
        yield "".join(
            _line(row) for row in ((e.source, e.target, e.relation, x) for x in e.letters)
        )
    co = network.co_mentions
    ids = [cell_text(i) for i in co.ids]
    letter_text = [cell_text(x) for x in co.letter_ids]
    relation = cell_text("co-mention")
    for a, b, letters in co.runs():
        edge = f"{ids[a]},{ids[b]},{relation},"
        yield "".join([f"{edge}{letter_text[x]}\n" for x in letters])


def write_mentions(index: EntityIndex, output: str | os.PathLike[str]) -> Path:
    """Write mentions.csv alone into the directory ``output`` (see :func:`write`)."""
    return write_lines(
        output_directory(output) / "mentions.csv", MENTION_COLUMNS, mention_lines(index)
    )


def write(
    docs: Sequence[Document],
    index: EntityIndex,
    output: str | os.PathLike[str],
    options: ExportOptions,
    network: Network | None = None,
    mentions: Path | None = None,
) -> list[Path]:
    """Write letters.csv, persons.csv, places.csv, organisations.csv, works.csv
    (events.csv and terms.csv where the edition registers them), mentions.csv,
    edges.csv and edge_letters.csv into the directory ``output``. ``mentions``:
    mentions.csv written already (:func:`write_mentions`), listed in its place."""
    folder = output_directory(output)
    network = network if network is not None else build_network(index, options.min_co_mentions)
    written = write_tables(index, folder)
    written.append(mentions if mentions is not None else write_mentions(index, folder))
    return written + write_network(network, folder)


def write_tables(index: EntityIndex, output: str | os.PathLike[str]) -> list[Path]:
    """Write the letters' and the entities' tables into the directory ``output``
    (see :func:`write`)."""
    folder = output_directory(output)
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
    return [write_table(folder / name, header, rows) for name, header, rows in tables]


def write_network(network: Network, output: str | os.PathLike[str]) -> list[Path]:
    """Write edges.csv and edge_letters.csv into the directory ``output`` (see
    :func:`write`): the two tables that grow with the edition, made as text (the
    same bytes as their rows through :func:`write_table`)."""
    folder = output_directory(output)
    return [
        write_lines(folder / name, header, lines)
        for name, header, lines in (
            ("edges.csv", EDGE_COLUMNS, edge_lines(network)),
            ("edge_letters.csv", EDGE_LETTER_COLUMNS, edge_letter_lines(network)),
        )
    ]
