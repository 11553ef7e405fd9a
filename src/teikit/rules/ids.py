"""xml:id values used in more than one file of the edition."""

from __future__ import annotations

from collections.abc import Iterator

from teikit.errors import Diagnostic
from teikit.rules.context import Context, finding

CODE = "duplicate-id-across-files"


def check(ctx: Context) -> Iterator[Diagnostic]:
    first: dict[str, tuple[str, int]] = {}
    # Sorted by path, so "first" does not depend on the order files were given in.
    for doc in sorted(ctx.documents, key=lambda d: d.path):
        for ident, el in doc.ids.items():
            if ident not in first:
                first[ident] = (doc.path, el.sourceline or 0)
                continue
            path, line = first[ident]
            if path == doc.path:
                continue
            yield finding(
                doc,
                el,
                CODE,
                f"xml:id {ident!r} is also used in {path} (line {line}); IDs must be unique "
                "across the edition so that file#id pointers stay unambiguous: rename one",
            )
