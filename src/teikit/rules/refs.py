"""Pointers that lead nowhere: @ref, @key, @corresp, @target, @source … and prefixes;
pointers into files that are not part of the edition, once per file."""

from __future__ import annotations

import os
import re
from collections import defaultdict
from collections.abc import Iterator

from teikit.document import TEI_NS
from teikit.edition.pointers import ID_ATTRIBUTES
from teikit.errors import Diagnostic
from teikit.rules.context import Context, Pointer, finding

DANGLING_REF = "dangling-ref"
DANGLING_KEY = "dangling-key"
AMBIGUOUS = "ambiguous-pointer"
NOT_GIVEN = "register-not-given"
UNDECLARED_PREFIX = "undeclared-prefix"
INVALID_PREFIXDEF = "invalid-prefixdef"


def _advice(ctx: Context, pointer: Pointer) -> str:
    target = pointer.target
    if target.problem == "no-such-id" and target.doc is not None and target.file:
        if ctx.edition.kind(target.doc) == "register":
            name = os.path.basename(target.doc.path)
            return f"add the entry to {name} or correct the @{pointer.attribute}"
        return f"add the xml:id to the element meant, or correct the @{pointer.attribute}"
    if target.problem == "no-such-id" and pointer.attribute == "key":
        return (
            f'add an entry with xml:id="{target.pointer.strip().lstrip("#")}" or correct the @key'
        )
    if target.problem == "no-such-id":
        return f"add the entry to a register or correct the @{pointer.attribute}"
    if target.problem == "no-such-name":
        return "add the name to a register entry (@n or a name) or correct the @key"
    if target.problem == "no-such-file":
        return "correct the file name (it is resolved relative to this file)"
    return f"correct the @{pointer.attribute}"


def check(ctx: Context) -> Iterator[Diagnostic]:
    # Files the edition does not include: one summary per file, at its first pointer.
    outside: dict[str, list[Pointer]] = defaultdict(list)
    for pointer in ctx.pointers():
        target = pointer.target
        if target.ok:
            continue
        if target.problem in ("not-given", "no-such-file") and target.file:
            # Registers outside the files given: summarised. A link to a document that
            # is not among them (the next letter) cannot be checked: not a finding.
            if pointer.attribute in ID_ATTRIBUTES:
                outside[target.file].append(pointer)
            elif target.problem == "no-such-file":
                yield finding(
                    pointer.doc,
                    pointer.element,
                    DANGLING_REF,
                    f"@{pointer.attribute} {pointer.token!r} points nowhere: {target.reason}; "
                    f"{_advice(ctx, pointer)}",
                    value=pointer.token,
                )
        elif target.problem == "ambiguous":
            yield finding(
                pointer.doc,
                pointer.element,
                AMBIGUOUS,
                f"@{pointer.attribute} {pointer.token!r} is ambiguous: {target.reason}; "
                "write the pointer with the register's file name or a unique id",
                value=pointer.token,
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
                value=pointer.token,
            )
        else:
            code = DANGLING_KEY if pointer.attribute == "key" else DANGLING_REF
            yield finding(
                pointer.doc,
                pointer.element,
                code,
                f"@{pointer.attribute} {pointer.token!r} points nowhere: {target.reason}; "
                f"{_advice(ctx, pointer)}",
                value=pointer.token,
            )
    for path, pointers in outside.items():
        first = pointers[0]
        name = os.path.relpath(path, ctx.edition.root)
        exists = os.path.exists(path)
        why = (
            "which is not among the files given: give it too, or list it under "
            "[registers] files in teikit.toml"
            if exists
            else "which does not exist: correct the pointers or add the file"
        )
        count = len(pointers)
        files = len({p.doc.path for p in pointers})
        spread = f" in {files} files" if files > 1 else ""
        yield finding(
            first.doc,
            first.element,
            NOT_GIVEN,
            f"{count} pointer{'s' if count != 1 else ''}{spread} into {name}, {why}",
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
