"""Register entries nothing points to."""

from __future__ import annotations

import os
from collections.abc import Iterator

from teikit.document import Document
from teikit.errors import Diagnostic, Severity
from teikit.rules.context import Context, Facts, finding

CODE = "register-entry-unused"


def check(ctx: Context, doc: Document, facts: Facts) -> Iterator[Diagnostic]:
    """Nothing to say about one document alone: the entities it names, for :func:`finish`."""
    facts.used |= ctx.walk(doc).used
    return iter(())


def finish(ctx: Context, facts: list[Facts]) -> Iterator[Diagnostic]:
    edition = ctx.edition
    # Checking a register on its own says nothing about use: only with other files.
    kinds = {edition.key_of(d): edition.kind(d) for d in ctx.documents}
    if all(kinds.get(os.path.abspath(f.file)) == "register" for f in facts):
        return
    used = set().union(*(f.used for f in facts))
    given = {edition.key_of(d) for d in ctx.documents}
    for entity in edition.registers:
        if entity.id in used or edition.key_of(entity.doc) not in given:
            continue
        yield finding(
            entity.doc,
            entity.element,
            CODE,
            f"{entity.type} entry {entity.xml_id!r} is never mentioned: tag its mentions with "
            f'ref="…#{entity.xml_id}", or remove the entry',
            Severity.WARNING,
        )
