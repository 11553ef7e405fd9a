"""Register entries nothing points to."""

from __future__ import annotations

from collections.abc import Iterator

from teikit.errors import Diagnostic, Severity
from teikit.refs import XML_ID, has_register, register_entries
from teikit.rules.context import Context, finding

CODE = "register-entry-unused"


def check(ctx: Context) -> Iterator[Diagnostic]:
    docs = ctx.documents
    # Checking a register on its own says nothing about use: only with other files.
    if all(has_register(d) for d in docs):
        return
    used: set[tuple[str, str]] = set()
    for pointer in ctx.pointers():
        target = pointer.target
        if target.kind != "element" or target.doc is None or target.element is None:
            continue
        entry = target.element
        if any(a is entry for a in pointer.element.iterancestors()) or pointer.element is entry:
            continue  # an entry pointing at itself does not use it
        used.add((ctx.corpus.path_key(target.doc), entry.get(XML_ID, "").strip()))
    for doc in docs:
        key = ctx.corpus.path_key(doc)
        for el, kind in register_entries(doc):
            ident = el.get(XML_ID, "").strip()
            if (key, ident) not in used:
                yield finding(
                    doc,
                    el,
                    CODE,
                    f"{kind} entry {ident!r} is never mentioned: tag its mentions with "
                    f'ref="…#{ident}", or remove the entry',
                    Severity.WARNING,
                )
