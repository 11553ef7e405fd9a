"""xml:id values used in more than one file, for editions that declare ids unique
across files (TEI itself asks only for uniqueness within a file).

Never counted: ids of milestones and anchors (``<lb xml:id="p1-l1"/>`` in every
letter is legal and common), and the copies of one register entity (a register
repeated in every letter's ``<back>`` is one entity per id)."""

from __future__ import annotations

from collections.abc import Iterator

from teikit.errors import Diagnostic
from teikit.reading import localname
from teikit.rules.context import Context, finding

CODE = "duplicate-id-across-files"

# Elements whose ids number positions in a file, not things of the edition.
MILESTONES = frozenset(
    {"lb", "pb", "cb", "gb", "milestone", "anchor", "handShift", "space", "gap", "caesura"}
)


def check(ctx: Context) -> Iterator[Diagnostic]:
    registers = ctx.edition.registers
    first: dict[str, tuple[str, int, object]] = {}
    # Sorted by path, so "first" does not depend on the order files were given in.
    for doc in sorted(ctx.documents, key=lambda d: d.path):
        key = ctx.edition.key_of(doc)
        for ident, el in doc.ids.items():
            if localname(el) in MILESTONES:
                continue
            entity = registers.by_element.get((key, ident))
            if ident not in first:
                first[ident] = (doc.path, el.sourceline or 0, entity)
                continue
            path, line, owner = first[ident]
            if path == doc.path or (entity is not None and entity is owner):
                continue
            yield finding(
                doc,
                el,
                CODE,
                f"xml:id {ident!r} is also used in {path} (line {line}); the edition declares "
                "ids unique across files (rules.ids_unique_across_files), so that file#id "
                "pointers stay unambiguous: rename one",
                value=ident,
            )
