"""xml:id values used in more than one file, for editions that declare ids unique
across files (TEI itself asks only for uniqueness within a file).

Never counted: ids of milestones and anchors (``<lb xml:id="p1-l1"/>`` in every
letter is legal and common), and the copies of one register entity (a register
repeated in every letter's ``<back>`` is one entity per id)."""

from __future__ import annotations

from collections.abc import Iterator

from teikit.document import Document
from teikit.errors import Diagnostic, Severity
from teikit.reading import localname
from teikit.rules.context import SOURCE, Context, Facts, xpath_of

CODE = "duplicate-id-across-files"

# Elements whose ids number positions in a file, not things of the edition.
MILESTONES = frozenset(
    {"lb", "pb", "cb", "gb", "milestone", "anchor", "handShift", "space", "gap", "caesura"}
)


def check(ctx: Context, doc: Document, facts: Facts) -> Iterator[Diagnostic]:
    """Nothing to say about one document alone: its ids, for :func:`finish`."""
    registers = ctx.edition.registers
    key = ctx.edition.key_of(doc)
    for ident, el in doc.ids.items():
        if localname(el) in MILESTONES:
            continue
        entity = registers.by_element.get((key, ident))
        owner = entity.id if entity else ""
        facts.ids.append((ident, el.sourceline or 0, xpath_of(doc, el, stand_in=False), owner))
    return iter(())


def finish(ctx: Context, facts: list[Facts]) -> Iterator[Diagnostic]:
    first: dict[str, tuple[str, int, str]] = {}
    # Sorted by path, so "first" does not depend on the order files were given in.
    for found in sorted(facts, key=lambda f: f.file):
        for ident, line, xpath, entity in found.ids:
            if ident not in first:
                first[ident] = (found.file, line, entity)
                continue
            path, first_line, owner = first[ident]
            if path == found.file or (entity and entity == owner):
                continue
            yield Diagnostic(
                found.file,
                line,
                0,
                Severity.ERROR,
                f"xml:id {ident!r} is also used in {path} (line {first_line}); the edition "
                "declares ids unique across files (rules.ids_unique_across_files), so that "
                "file#id pointers stay unambiguous: rename one",
                CODE,
                SOURCE,
                xpath,
                extra=(("value", ident),),
            )
