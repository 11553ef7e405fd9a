"""Pointers that lead nowhere: @ref, @key, @corresp, @target, @source … and prefixes."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

from teikit.document import TEI_NS
from teikit.errors import Diagnostic
from teikit.refs import has_register
from teikit.rules.context import Context, Pointer, finding

DANGLING_REF = "dangling-ref"
DANGLING_KEY = "dangling-key"
UNDECLARED_PREFIX = "undeclared-prefix"
INVALID_PREFIXDEF = "invalid-prefixdef"


def _advice(pointer: Pointer) -> str:
    target = pointer.target
    if target.problem == "no-such-id" and target.doc is not None:
        if has_register(target.doc):
            name = os.path.basename(target.doc.path)
            return f"add the entry to {name} or correct the @{pointer.attribute}"
        return f"add the xml:id to the element meant, or correct the @{pointer.attribute}"
    if target.problem == "no-such-file":
        return "correct the file name (it is resolved relative to this file)"
    return f"correct the @{pointer.attribute}"


def check(ctx: Context) -> Iterator[Diagnostic]:
    for pointer in ctx.pointers():
        target = pointer.target
        if target.ok:
            continue
        if pointer.attribute == "key":
            yield finding(
                pointer.doc,
                pointer.element,
                DANGLING_KEY,
                f"@key {pointer.token!r} matches no register entry: add an entry with "
                f'xml:id="{pointer.token.strip()}" to a register or correct the @key',
            )
        elif target.problem == "undeclared-prefix":
            prefix = pointer.token.partition(":")[0]
            yield finding(
                pointer.doc,
                pointer.element,
                UNDECLARED_PREFIX,
                f"@{pointer.attribute} {pointer.token!r} uses the prefix {prefix!r}, which no "
                f'prefixDef declares: add <prefixDef ident="{prefix}" matchPattern="(.+)" '
                'replacementPattern="register.xml#$1"/> to listPrefixDef in the header, '
                "or write the pointer out",
            )
        else:
            yield finding(
                pointer.doc,
                pointer.element,
                DANGLING_REF,
                f"@{pointer.attribute} {pointer.token!r} points nowhere: {target.reason}; "
                f"{_advice(pointer)}",
            )
    for doc in ctx.documents:
        for el in doc.root.iter(f"{{{TEI_NS}}}prefixDef"):
            try:
                re.compile(el.get("matchPattern", ""))
            except re.error as exc:
                yield finding(
                    doc,
                    el,
                    INVALID_PREFIXDEF,
                    f"prefixDef {el.get('ident', '')!r} has an invalid matchPattern "
                    f"{el.get('matchPattern', '')!r} ({exc}): correct the regular expression",
                )
