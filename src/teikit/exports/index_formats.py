"""Writers for the entity index (:class:`teikit.index.EntityIndex`): JSON (the
versioned schema of ``docs/index-schema.md``), CSV, TEI and Markdown.

All four take the same ``types`` filter (``person``, ``place``, ``org``,
``work``, ``date`` or ``all``) and are deterministic: sorted, no timestamps.
"""

from __future__ import annotations

import enum
import io
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePath
from typing import Any

from lxml import etree

from teikit.dates import parse_date
from teikit.document import TEI_NS
from teikit.edition.registers import TYPE_INFO, XML_ID
from teikit.errors import UsageError
from teikit.exports.common import SafeDictWriter, json_text, write_json, write_text, xml_bytes
from teikit.index import (
    ENTITY_TYPES,
    INDEX_TYPES,
    DateEntry,
    EntityIndex,
    Entry,
    Letter,
    Occurrence,
    Party,
    Relation,
)

__all__ = [
    "SCHEMA_VERSION",
    "IndexFormat",
    "dumps",
    "parse_types",
    "to_dict",
    "write_index",
]

SCHEMA_VERSION = 2
T = f"{{{TEI_NS}}}"
_LISTS = {kind: info.plural for kind, info in TYPE_INFO.items()}
_ALIASES = {
    "persons": "person", "people": "person", "places": "place", "orgs": "org",
    "organisation": "org", "organisations": "org", "organization": "org",
    "organizations": "org", "works": "work", "titles": "work", "dates": "date",
    "events": "event", "terms": "term", "categories": "term",
}  # fmt: skip


class IndexFormat(enum.Enum):
    JSON = "json"
    CSV = "csv"
    TEI = "tei"
    MD = "md"

    @classmethod
    def infer(cls, suffix: str) -> IndexFormat:
        """From an output name or suffix: .json, .csv, .xml (TEI), .md."""
        name = PurePath(suffix.lower()).name
        last = name if name.startswith(".") and name.count(".") == 1 else PurePath(name).suffix
        known = {".json": cls.JSON, ".csv": cls.CSV, ".xml": cls.TEI, ".tei": cls.TEI,
                 ".md": cls.MD, ".markdown": cls.MD}  # fmt: skip
        if last not in known:
            raise UsageError(
                f"{suffix}: cannot infer the index format; use .json, .csv, .xml or .md, "
                "or pass --format"
            )
        return known[last]

    @classmethod
    def parse(cls, name: str | IndexFormat) -> IndexFormat:
        if isinstance(name, IndexFormat):
            return name
        try:
            return cls({"xml": "tei", "markdown": "md"}.get(name.lower(), name.lower()))
        except ValueError:
            raise UsageError(f"unknown index format {name!r}: use json, csv, tei or md") from None


def parse_types(types: str | Iterable[str] = "all") -> tuple[str, ...]:
    """Normalise a type filter (``"person,place"``, ``["org"]``, ``"all"``) to index types."""
    items = types.split(",") if isinstance(types, str) else list(types)
    out: list[str] = []
    for raw in items:
        name = _ALIASES.get(raw.strip().lower(), raw.strip().lower())
        if name == "all":
            return INDEX_TYPES
        if name not in INDEX_TYPES:
            raise UsageError(f"unknown index type {raw!r}: use {'|'.join(INDEX_TYPES)}|all")
        if name not in out:
            out.append(name)
    return tuple(t for t in INDEX_TYPES if t in out) or INDEX_TYPES


# --------------------------------------------------------------------------- JSON


def _occurrence(o: Occurrence) -> dict[str, Any]:
    return {
        "file": o.file,
        "title": o.title,
        "line": o.line,
        "id": o.id,
        "xpath": o.xpath,
        "where": o.where,
        "attribute": o.attribute,
        "text": o.text,
        "snippet": o.snippet,
    }


def _entry(e: Entry) -> dict[str, Any]:
    return {
        "key": e.key,
        "id": e.id,
        "type": e.type,
        "registered": e.registered,
        "name": e.name,
        "sort_name": e.sort_name,
        "variants": e.variants,
        "subtype": e.subtype,
        "birth": e.birth,
        "death": e.death,
        "roles": e.roles,
        "coordinates": (
            {"lat": e.coordinates[0], "lon": e.coordinates[1]} if e.coordinates else None
        ),
        "authorities": e.authorities,
        "note": e.note,
        "register": {"file": e.register, "line": e.line} if e.registered else None,
        "occurrence_count": len(e.occurrences),
        "occurrences": [_occurrence(o) for o in e.occurrences],
    }


def _party(p: Party) -> dict[str, str]:
    party = {"key": p.key, "id": p.id, "type": p.type, "name": p.name, "text": p.text}
    # How sure the edition is, only when it says (a conjectured place of sending).
    party |= {k: v for k, v in (("cert", p.cert), ("evidence", p.evidence)) if v}
    return party


def _letter(lt: Letter) -> dict[str, Any]:
    return {
        "id": lt.id,
        "file": lt.file,
        "title": lt.title,
        "short_title": lt.short_title,
        "date": lt.date,
        "sent": lt.sent,
        "received": lt.received,
        "senders": [_party(p) for p in lt.senders],
        "addressees": [_party(p) for p in lt.addressees],
        "places_sent": [_party(p) for p in lt.places_sent],
        "places_received": [_party(p) for p in lt.places_received],
        "archival": lt.archival,
        "prev": lt.prev,
        "next": lt.next,
    }


def _date(d: DateEntry) -> dict[str, Any]:
    return {
        "value": d.value,
        "valid": d.valid,
        "occurrence_count": len(d.occurrences),
        "occurrences": [_occurrence(o) for o in d.occurrences],
    }


def _relation(r: Relation) -> dict[str, Any]:
    return {
        "name": r.name,
        "type": r.type,
        "active": list(r.active),
        "passive": list(r.passive),
        "mutual": list(r.mutual),
        "when": r.when,
        "desc": r.desc,
        "file": r.file,
    }


def to_dict(index: EntityIndex, types: str | Iterable[str] = "all") -> dict[str, Any]:
    """The index as the JSON structure of schema version 1 (docs/index-schema.md)."""
    chosen = parse_types(types)
    data: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "title": index.title,
        "types": list(chosen),
        "documents": [
            {"file": d.file, "id": d.id, "title": d.title, "kind": d.kind} for d in index.documents
        ],
    }
    for kind in ENTITY_TYPES:
        if kind in chosen:
            data[_LISTS[kind]] = [_entry(e) for e in index.of_type(kind)]
    if "date" in chosen:
        data["dates"] = [_date(d) for d in index.dates]
        data["letters"] = [_letter(lt) for lt in index.letters]
    if chosen == INDEX_TYPES:
        data["relations"] = [_relation(r) for r in index.relations]
    return data


# --------------------------------------------------------------------------- CSV

CSV_COLUMNS = (
    "type", "key", "id", "name", "variants", "subtype", "birth", "death", "roles",
    "latitude", "longitude", "authorities", "note", "register", "occurrences", "documents",
)  # fmt: skip


def _csv(index: EntityIndex, chosen: Sequence[str]) -> str:
    out = io.StringIO()
    writer = SafeDictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n", restval="")
    writer.writeheader()
    for e in index.entries:
        if e.type not in chosen:
            continue
        writer.writerow(
            {
                "type": e.type,
                "key": e.key,
                "id": e.id,
                "name": e.name,
                "variants": " | ".join(e.variants),
                "subtype": e.subtype,
                "birth": e.birth,
                "death": e.death,
                "roles": " | ".join(e.roles),
                "latitude": e.coordinates[0] if e.coordinates else "",
                "longitude": e.coordinates[1] if e.coordinates else "",
                "authorities": " | ".join(e.authorities),
                "note": e.note,
                "register": e.register,
                "occurrences": len(e.occurrences),
                # A count, not the list: the list grows with the edition and would
                # burst a cell (the JSON and TEI indexes list every occurrence).
                "documents": len(e.files),
            }
        )
    if "date" in chosen:
        for d in index.dates:
            writer.writerow(
                {
                    "type": "date",
                    "key": d.value,
                    "name": d.value,
                    "occurrences": len(d.occurrences),
                    "documents": len({o.file for o in d.occurrences}),
                }
            )
    return out.getvalue()


# --------------------------------------------------------------------------- TEI


def _sub(parent: etree._Element, tag: str, text: str = "", **attrs: str) -> etree._Element:
    el = etree.SubElement(parent, f"{T}{tag}", {k: v for k, v in attrs.items() if v})
    if text:
        el.text = text
    return el


def _ncname(text: str, used: set[str]) -> str:
    base = re.sub(r"[^\w.-]+", "-", text).strip("-.") or "x"
    if not (base[0].isalpha() or base[0] == "_"):
        base = f"e-{base}"
    ident, n = base, 1
    while ident in used:
        n += 1
        ident = f"{base}-{n}"
    used.add(ident)
    return ident


def _pointer(o: Occurrence) -> str:
    # TEI's xpath() pointer scheme when the element has no xml:id.
    return f"{o.file}#{o.id}" if o.id else f"{o.file}#xpath({o.xpath})"


def _mentions(parent: etree._Element, occurrences: Sequence[Occurrence]) -> None:
    if not occurrences:
        return
    note = _sub(parent, "note", type="mentions")
    items = _sub(note, "list")
    for o in occurrences:
        item = _sub(items, "item")
        ref = _sub(item, "ref", o.title, target=_pointer(o))
        ref.tail = f", line {o.line} ({o.where}): {o.snippet}"


def _div(body: etree._Element, kind: str, head: str) -> etree._Element:
    div = _sub(body, "div", type=kind)
    _sub(div, "head", head)
    return div


def _dated_item(items: etree._Element, value: str) -> etree._Element:
    """An ``item`` opening with ``value`` as a ``date`` (with @when if it is a valid date)."""
    item = _sub(items, "item")
    _sub(item, "date", value, when=value if parse_date(value) else "")
    return item


def _life(parent: etree._Element, tag: str, value: str) -> None:
    if not value:
        return
    if parse_date(value) is not None:
        _sub(parent, tag, value, when=value)
    else:
        _sub(parent, tag, value)


def _tei_entry(parent: etree._Element, e: Entry, ident: str) -> None:
    info = TYPE_INFO[e.type]
    tag, name_tag = info.entry, info.name
    typed = e.type in ("person", "place", "org")  # name elements with a @type
    subtype = e.subtype if e.type not in ("person", "term") else ""
    el = _sub(parent, tag, **{XML_ID: ident, "type": subtype})
    _sub(el, name_tag, e.name, type="preferred" if typed else "")
    for variant in e.variants:
        _sub(el, name_tag, variant, type="variant" if typed else ("alt" if tag == "bibl" else ""))
    if e.type == "person":
        _life(el, "birth", e.birth)
        _life(el, "death", e.death)
        for role in e.roles:
            _sub(el, "occupation", role)
    if e.coordinates:
        _sub(_sub(el, "location"), "geo", f"{e.coordinates[0]} {e.coordinates[1]}")
    for uri in e.authorities:
        _sub(el, "idno", uri, type="URI")
    if e.note:
        _sub(el, "note", e.note)
    _mentions(el, e.occurrences)


def _tei(index: EntityIndex, chosen: Sequence[str]) -> bytes:
    root = etree.Element(f"{T}TEI", nsmap={None: TEI_NS})
    file_desc = _sub(_sub(root, "teiHeader"), "fileDesc")
    _sub(
        _sub(file_desc, "titleStmt"),
        "title",
        "Index of persons, places, organisations, works and dates",
    )
    _sub(
        _sub(file_desc, "publicationStmt"), "p", "Generated by teikit from the files listed below."
    )
    sources = _sub(_sub(file_desc, "sourceDesc"), "list")
    for doc in index.documents:
        _sub(_sub(sources, "item"), "ref", doc.title, target=doc.file)
    body = _sub(_sub(root, "text"), "body")
    used: set[str] = set()
    ids: dict[str, str] = {}
    lists = {kind: info.list for kind, info in TYPE_INFO.items()}
    heads = {kind: info.heading for kind, info in TYPE_INFO.items()}
    containers: dict[str, etree._Element] = {}
    for kind in ENTITY_TYPES:
        entries = index.of_type(kind)
        if kind not in chosen or not entries:
            continue
        div = _div(body, _LISTS[kind], heads[kind])
        container = containers[kind] = _sub(div, lists[kind])
        for e in entries:
            ids[e.key] = _ncname(e.id or e.name, used)
            _tei_entry(container, e, ids[e.key])
    relations = [
        r for r in index.relations if all(k in ids for k in (*r.active, *r.passive, *r.mutual))
    ]
    host = containers.get("org")
    host = host if host is not None else containers.get("person")
    if relations and host is not None:
        listrel = _sub(host, "listRelation")
        for r in relations:
            rel = _sub(
                listrel,
                "relation",
                name=r.name,
                type=r.type,
                when=r.when if parse_date(r.when) else "",
                active=" ".join(f"#{ids[k]}" for k in r.active),
                passive=" ".join(f"#{ids[k]}" for k in r.passive),
                mutual=" ".join(f"#{ids[k]}" for k in r.mutual),
            )
            if r.desc:
                _sub(rel, "desc", r.desc)
    if "date" in chosen:
        dates = _sub(_div(body, "dates", "Dates"), "list", type="dates")
        for date in index.dates:
            _mentions(_dated_item(dates, date.value), date.occurrences)
        if index.letters:
            letters = _sub(_div(body, "chronology", "Letters"), "list", type="chronology")
            for lt in index.letters:
                item = _dated_item(letters, lt.date)
                ref = _sub(item, "ref", lt.short_title or lt.title, target=lt.file)
                ref.tail = f": {', '.join(p.name for p in lt.senders)} to " + ", ".join(
                    p.name for p in lt.addressees
                )
    if not len(body):
        _sub(body, "p", "Nothing of the requested types was found.")
    return xml_bytes(root)


# --------------------------------------------------------------------------- Markdown

_MD_ESCAPE = re.compile(r"([\\`*_<>\[\]|])")


def _md(text: str) -> str:
    return _MD_ESCAPE.sub(r"\\\1", text)


def _md_occurrences(out: list[str], occurrences: Sequence[Occurrence]) -> None:
    for o in occurrences:
        out.append(f"- `{o.file}:{o.line}` ({o.where}): {_md(o.snippet)}")


def _md_entry(out: list[str], e: Entry) -> None:
    life = "–".join(x for x in (e.birth, e.death) if x) if (e.birth or e.death) else ""
    out.append(f"### {_md(e.sort_name or e.name)}" + (f" ({_md(life)})" if life else ""))
    out.append("")
    facts = [
        ("Register", f"`{e.key}`" if e.registered else "not in a register"),
        ("Name", _md(e.name) if e.sort_name and e.sort_name != e.name else ""),
        ("Variants", "; ".join(_md(v) for v in e.variants)),
        ("Type", _md(e.subtype)),
        ("Occupation", "; ".join(_md(r) for r in e.roles)),
        ("Coordinates", f"{e.coordinates[0]}, {e.coordinates[1]}" if e.coordinates else ""),
        ("Authority", " ".join(f"<{u}>" for u in e.authorities)),
        ("Note", _md(e.note)),
    ]
    out.extend(f"- {label}: {value}" for label, value in facts if value)
    out.append(f"- Mentions: {len(e.occurrences)}")
    out.append("")
    if e.occurrences:
        _md_occurrences(out, e.occurrences)
        out.append("")


def _markdown(index: EntityIndex, chosen: Sequence[str]) -> str:
    out = ["# Index", ""]
    titles = {kind: info.heading for kind, info in TYPE_INFO.items()}
    for kind in ENTITY_TYPES:
        if kind not in chosen:
            continue
        out += [f"## {titles[kind]}", ""]
        for e in index.of_type(kind):
            _md_entry(out, e)
    if "date" in chosen:
        out += ["## Letters", "", "| Date | Letter | From | To | File |", "|---|---|---|---|---|"]
        for lt in index.letters:
            row = (
                lt.date,
                lt.short_title or lt.title,
                "; ".join(p.name for p in lt.senders),
                "; ".join(p.name for p in lt.addressees),
                lt.file,
            )
            out.append("| " + " | ".join(_md(c) for c in row) + " |")
        out += ["", "## Dates", ""]
        for d in index.dates:
            flag = "" if d.valid else " (not a valid date)"
            out += [f"### {_md(d.value)}{flag}", ""]
            _md_occurrences(out, d.occurrences)
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


# --------------------------------------------------------------------------- entry points


def dumps(
    index: EntityIndex,
    fmt: IndexFormat | str = IndexFormat.JSON,
    types: str | Iterable[str] = "all",
) -> str:
    """The index serialised as ``fmt``, limited to ``types``."""
    chosen = parse_types(types)
    kind = IndexFormat.parse(fmt)
    if kind is IndexFormat.JSON:
        return json_text(to_dict(index, chosen))
    if kind is IndexFormat.CSV:
        return _csv(index, chosen)
    if kind is IndexFormat.TEI:
        return _tei(index, chosen).decode("utf-8")
    return _markdown(index, chosen)


def write_index(
    index: EntityIndex,
    output: str | os.PathLike[str],
    fmt: IndexFormat | str | None = None,
    types: str | Iterable[str] = "all",
) -> Path:
    """Write the index to ``output`` atomically; the format is inferred from the suffix
    when ``fmt`` is None."""
    kind = IndexFormat.parse(fmt) if fmt is not None else IndexFormat.infer(os.fspath(output))
    if kind is IndexFormat.JSON:  # streamed: the largest of the formats
        return write_json(output, to_dict(index, parse_types(types)))[0]
    return write_text(output, dumps(index, kind, types))
