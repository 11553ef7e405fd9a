"""Register entries nothing points to."""

from __future__ import annotations

from collections.abc import Iterator

from teikit.errors import Diagnostic, Severity
from teikit.rules.context import Context, finding

CODE = "register-entry-unused"


def check(ctx: Context) -> Iterator[Diagnostic]:
    edition = ctx.edition
    docs = ctx.documents
    # Checking a register on its own says nothing about use: only with other files.
    if all(edition.kind(d) == "register" for d in docs):
        return
    used: set[int] = set()
    for pointer in ctx.pointers():
        entity = pointer.target.entity
        if entity is None:
            continue
        entry = entity.element
        if pointer.element is entry or any(a is entry for a in pointer.element.iterancestors()):
            continue  # an entry pointing at itself does not use it
        used.add(id(entity))
    given = {edition.key_of(d) for d in docs}
    for entity in edition.registers:
        if id(entity) in used or edition.key_of(entity.doc) not in given:
            continue
        yield finding(
            entity.doc,
            entity.element,
            CODE,
            f"{entity.type} entry {entity.xml_id!r} is never mentioned: tag its mentions with "
            f'ref="…#{entity.xml_id}", or remove the entry',
            Severity.WARNING,
        )
