"""Pointers that lead nowhere: @ref, @key, @corresp, @target, @source … and prefixes;
pointers into files that are not part of the edition, once per file."""

from __future__ import annotations

import os
import re
from collections import defaultdict
from collections.abc import Iterator

from teikit.document import Document
from teikit.edition.pointers import ID_ATTRIBUTES
from teikit.errors import Diagnostic, Severity
from teikit.rules.context import SOURCE, Context, Facts, Pointer, finding, xpath_of

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


def check(ctx: Context, doc: Document, facts: Facts) -> Iterator[Diagnostic]:
    walk = ctx.walk(doc)
    for pointer in walk.missing:
        target = pointer.target
        if target.problem in ("not-given", "no-such-file") and target.file:
            # Registers outside the files given: summarised for the edition. A link to
            # a document that is not among them (the next letter) cannot be checked.
            if pointer.attribute in ID_ATTRIBUTES:
                el = pointer.element
                facts.outside.append(
                    (target.file, target.problem, pointer.attribute, el.sourceline or 0,
                     xpath_of(doc, el, stand_in=False))
                )  # fmt: skip
            elif target.problem == "no-such-file":
                yield finding(
                    doc,
                    pointer.element,
                    DANGLING_REF,
                    f"@{pointer.attribute} {pointer.token!r} points nowhere: {target.reason}; "
                    f"{_advice(ctx, pointer)}",
                    value=pointer.token,
                )
        elif target.problem == "ambiguous":
            yield finding(
                doc,
                pointer.element,
                AMBIGUOUS,
                f"@{pointer.attribute} {pointer.token!r} is ambiguous: {target.reason}; "
                "write the pointer with the register's file name or a unique id",
                value=pointer.token,
            )
        elif target.problem == "undeclared-prefix":
            prefix = pointer.token.partition(":")[0]
            yield finding(
                doc,
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
                doc,
                pointer.element,
                code,
                f"@{pointer.attribute} {pointer.token!r} points nowhere: {target.reason}; "
                f"{_advice(ctx, pointer)}",
                value=pointer.token,
            )
    for el in walk.prefix_defs:
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


def finish(ctx: Context, facts: list[Facts]) -> Iterator[Diagnostic]:
    """Pointers into files the edition does not include: one finding per file, at
    its first pointer."""
    outside: dict[str, list[tuple[str, str, int, str]]] = defaultdict(list)
    for found in facts:
        for path, problem, _attribute, line, xpath in found.outside:
            outside[path].append((found.file, problem, line, xpath))
    for path, pointers in outside.items():
        file, problem, line, xpath = pointers[0]
        name = os.path.relpath(path, ctx.edition.root)
        why = (
            "which is not among the files given: give it too, or list it under "
            "[registers] files in teikit.toml"
            if problem == "not-given"
            else "which does not exist: correct the pointers or add the file"
        )
        count = len(pointers)
        files = len({p[0] for p in pointers})
        spread = f" in {files} files" if files > 1 else ""
        yield Diagnostic(
            file,
            line,
            0,
            Severity.WARNING,
            f"{count} pointer{'s' if count != 1 else ''}{spread} into {name}, {why}",
            NOT_GIVEN,
            SOURCE,
            xpath,
        )
