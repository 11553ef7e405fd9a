"""Corpus-level integrity checks that no schema can express.

Each rule looks across the files of an edition (references resolve, IDs are
unique across files, register entries are used, dates are plausible, letters
say who wrote to whom when) and reports :class:`teikit.errors.Diagnostic`
objects with ``source="rules"`` and a stable ``code``:

=============================  ========  ==============================================
code                           severity  finding
=============================  ========  ==============================================
dangling-ref                   error     a pointer (@ref, @target, @corresp …) leads nowhere
dangling-key                   error     @key matches no register entry
undeclared-prefix              error     ``psn:x`` but no prefixDef for ``psn``
invalid-prefixdef              error     prefixDef/@matchPattern is not a regular expression
authority-uri-malformed        error     a VIAF/GND/GeoNames/Wikidata URI of the wrong form
duplicate-id-across-files      error     the same xml:id in two files
register-entry-unused          warning   a register entry nothing points to
date-invalid                   error     not a W3C (or, for @*-iso, ISO 8601) date
date-range-reversed            error     notBefore after notAfter, or from after to
received-before-sent           error     correspDesc: received before sent
date-outside-lifetime          error     letter dated outside a correspondent's life
                                         (a warning for an addressee)
correspdesc-no-sender          error     correspDesc without a named sender
correspdesc-no-addressee       error     correspDesc without a named addressee
correspdesc-no-date            error     correspDesc without a machine-readable date
=============================  ========  ==============================================
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from teikit.document import Document
from teikit.errors import Diagnostic, UsageError
from teikit.refs import Corpus, registers_present
from teikit.rules import authority, corresp, dates, ids, refs, registers
from teikit.rules.context import SOURCE, Context

__all__ = ["CODES", "RULES", "SOURCE", "check", "registers_found"]

Rule = Callable[[Context], Iterator[Diagnostic]]

RULES: dict[str, Rule] = {
    "refs": refs.check,
    "authority": authority.check,
    "ids": ids.check,
    "registers": registers.check,
    "dates": dates.check,
    "corresp": corresp.check,
}

CODES: tuple[str, ...] = (
    refs.DANGLING_REF,
    refs.DANGLING_KEY,
    refs.UNDECLARED_PREFIX,
    refs.INVALID_PREFIXDEF,
    authority.CODE,
    ids.CODE,
    registers.CODE,
    dates.INVALID,
    dates.REVERSED,
    dates.RECEIVED_BEFORE_SENT,
    dates.OUTSIDE_LIFETIME,
    corresp.NO_SENDER,
    corresp.NO_ADDRESSEE,
    corresp.NO_DATE,
)


def check(
    docs: Iterable[Document] | Corpus,
    *,
    follow_refs: bool = True,
    rules: Iterable[str] | None = None,
) -> list[Diagnostic]:
    """Run the corpus rules over ``docs`` and return the findings sorted by file and line.

    ``follow_refs`` loads XML files that pointers name but that were not given
    (to resolve against, never to check). ``rules`` picks rule groups by name
    (see :data:`RULES`); default all.
    """
    corpus = docs if isinstance(docs, Corpus) else Corpus(docs, follow=follow_refs)
    ctx = Context(corpus)
    chosen = list(RULES) if rules is None else list(rules)
    unknown = [name for name in chosen if name not in RULES]
    if unknown:
        raise UsageError(f"unknown rule group(s) {', '.join(unknown)}: use {', '.join(RULES)}")
    found = {d for name in chosen for d in RULES[name](ctx)}
    return sorted(found, key=lambda d: (d.file, d.line, d.column, d.code, d.message))


def registers_found(docs: Iterable[Document]) -> bool:
    """True when any document holds a register (listPerson/listPlace/listOrg/listBibl
    entries with xml:id): ``teikit validate`` then runs the rules by default."""
    return registers_present(docs)
