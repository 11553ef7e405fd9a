"""Corpus-level integrity checks that no schema can express, as the edition's policy.

The rules are off unless the configuration (``[rules] enabled = true`` in
``teikit.toml``) or ``teikit validate --rules`` asks for them. Each rule has its
own severity, which the configuration (``[rules.severity]``) or ``--rule
CODE=SEVERITY`` changes, ``off`` included. The defaults never flag legal TEI as
an error of teikit's own taste: ids are unique within a file by TEI's rule and
across files only when the edition declares it; the letter-metadata checks are
off until asked for. What a schema checks (the form of ``@when``) is not checked
again.

=============================  ========  ==============================================
code                           default   finding
=============================  ========  ==============================================
dangling-ref                   error     a pointer (@ref, @target, @corresp …) leads nowhere
dangling-key                   error     @key matches no register entry
ambiguous-pointer              warning   a pointer could mean several entities
register-not-given             warning   pointers into a file that is not part of the
                                         edition (one finding per file)
undeclared-prefix              error     ``psn:x`` but no prefixDef for ``psn``
invalid-prefixdef              error     prefixDef/@matchPattern is not a regular expression
authority-uri-malformed        warning   a VIAF/GND/GeoNames/Wikidata URI of the wrong form
duplicate-id-across-files      off       the same xml:id in two files (on with
                                         ``ids_unique_across_files = true``: error)
register-entry-unused          off       a register entry nothing points to
date-invalid                   off       not a W3C date (the TEI schemas check this)
date-range-reversed            error     notBefore after notAfter, or from after to
received-before-sent           warning   correspDesc: received before sent
date-outside-lifetime          warning   letter dated outside a correspondent's life
correspdesc-no-sender          off       correspDesc without a named sender
correspdesc-no-addressee       off       correspDesc without a named addressee
correspdesc-no-date            off       correspDesc without a machine-readable date
=============================  ========  ==============================================

The rules take one pass over the pointers of the edition, each resolved by
dictionary look-ups: their time grows linearly with the edition
(``bench/bench_rules.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import replace

from teikit.document import Document
from teikit.edition import Edition, as_edition
from teikit.edition.config import RulesConfig
from teikit.errors import Diagnostic, Severity, UsageError
from teikit.rules import authority, corresp, dates, ids, refs, registers
from teikit.rules.context import SOURCE, STAND_IN, Context, Facts, gathering, readable_paths
from teikit.validate.engine import Gathering

__all__ = [
    "CODES",
    "DEFAULTS",
    "FINISH",
    "RULES",
    "SOURCE",
    "Run",
    "check",
    "parse_severity",
    "policy",
]

Rule = Callable[[Context, Document, Facts], Iterator[Diagnostic]]
Finish = Callable[[Context, list[Facts]], Iterator[Diagnostic]]

RULES: dict[str, Rule] = {
    "refs": refs.check,
    "authority": authority.check,
    "ids": ids.check,
    "registers": registers.check,
    "dates": dates.check,
    "corresp": corresp.check,
}
# What needs the whole edition, from every document's facts.
FINISH: dict[str, Finish] = {
    "refs": refs.finish,
    "ids": ids.finish,
    "registers": registers.finish,
}

# code -> (rule group, default severity; None: off)
DEFAULTS: dict[str, tuple[str, Severity | None]] = {
    refs.DANGLING_REF: ("refs", Severity.ERROR),
    refs.DANGLING_KEY: ("refs", Severity.ERROR),
    refs.AMBIGUOUS: ("refs", Severity.WARNING),
    refs.NOT_GIVEN: ("refs", Severity.WARNING),
    refs.UNDECLARED_PREFIX: ("refs", Severity.ERROR),
    refs.INVALID_PREFIXDEF: ("refs", Severity.ERROR),
    authority.CODE: ("authority", Severity.WARNING),
    ids.CODE: ("ids", None),
    registers.CODE: ("registers", None),
    dates.INVALID: ("dates", None),
    dates.REVERSED: ("dates", Severity.ERROR),
    dates.RECEIVED_BEFORE_SENT: ("dates", Severity.WARNING),
    dates.OUTSIDE_LIFETIME: ("dates", Severity.WARNING),
    corresp.NO_SENDER: ("corresp", None),
    corresp.NO_ADDRESSEE: ("corresp", None),
    corresp.NO_DATE: ("corresp", None),
}
CODES: tuple[str, ...] = tuple(DEFAULTS)
_SEVERITIES = {
    "off": None,
    "info": Severity.INFO,
    "warning": Severity.WARNING,
    "error": Severity.ERROR,
}


def parse_severity(code: str, value: str) -> Severity | None:
    """``off``/``info``/``warning``/``error`` for rule ``code`` (UsageError otherwise)."""
    if code not in DEFAULTS:
        raise UsageError(f"unknown rule {code!r}: use one of {', '.join(CODES)}")
    key = value.strip().lower()
    if key not in _SEVERITIES:
        raise UsageError(
            f"rule {code}: severity must be off, info, warning or error, not {value!r}"
        )
    return _SEVERITIES[key]


def policy(
    config: RulesConfig | None = None, overrides: Mapping[str, str] | None = None
) -> dict[str, Severity | None]:
    """Each rule's severity (None: off): the defaults, then the configuration's
    ``[rules.severity]``, then ``overrides`` (``--rule CODE=SEVERITY``)."""
    config = config or RulesConfig()
    found = {code: default for code, (_, default) in DEFAULTS.items()}
    if config.ids_unique_across_files:
        found[ids.CODE] = Severity.ERROR
    for source in (config.severity, overrides or {}):
        for code, value in source.items():
            found[code] = parse_severity(code, value)
    return found


class Run:
    """The rules over one edition with one policy: :meth:`document` for each document
    (in any process that has the edition: the validation workers inherit it), then
    :meth:`finish` with every document's facts."""

    def __init__(
        self,
        edition: Edition,
        severities: Mapping[str, Severity | None] | None = None,
        rules: Iterable[str] | None = None,
        *,
        xpaths: bool = True,
    ) -> None:
        chosen = list(RULES) if rules is None else list(rules)
        unknown = [name for name in chosen if name not in RULES]
        if unknown:
            raise UsageError(f"unknown rule group(s) {', '.join(unknown)}: use {', '.join(RULES)}")
        levels = dict(severities) if severities is not None else policy(edition.config.rules)
        self.levels = levels
        self.groups = [
            name
            for name in RULES
            if name in chosen
            and any(levels.get(code) is not None for code, (g, _) in DEFAULTS.items() if g == name)
        ]
        self.context = Context(edition, levels)
        # Whether findings carry their readable XPath: only a JSON report prints it,
        # and making it costs a fifth of the rules' time on a letter.
        self.xpaths = xpaths

    def _leveled(self, found: Iterable[Diagnostic]) -> list[Diagnostic]:
        out: list[Diagnostic] = []
        for diagnostic in found:
            level = self.levels.get(diagnostic.code)
            if level is None:
                continue
            if diagnostic.severity != level:
                diagnostic = replace(diagnostic, severity=level)
            out.append(diagnostic)
        return out

    def gathering(self, doc: Document | None = None) -> Gathering | None:
        """What the rules ask the schema engine's walk of a document (``doc``, if
        known) to collect for :meth:`document` (None: no rule that needs it runs)."""
        if not self.groups:
            return None
        return gathering(self.context.known(doc) if doc is not None else frozenset())

    def document(
        self, doc: Document, gathering: Gathering | None = None
    ) -> tuple[list[Diagnostic], Facts]:
        """The findings about one document, and its facts for :meth:`finish`;
        ``gathering``: what a schema engine's walk collected (see :meth:`gathering`)."""
        facts = Facts(doc.path)
        found: list[Diagnostic] = []
        readable_paths(self.xpaths)
        try:
            if self.groups:
                self.context.walk(doc, gathering)  # kept for the rules that ask
            for name in self.groups:
                found += self._leveled(RULES[name](self.context, doc, facts))
            if len(found) > 1:  # most letters have one finding, or none
                found = sorted(set(found), key=_order)
            found = _without_stand_ins(found)
        finally:
            readable_paths(True)  # for any other finding made in this process
            self.context.forget(doc)  # the document is checked: nothing keeps it
        return found, facts

    def finish(self, facts: list[Facts]) -> list[Diagnostic]:
        """The findings that need the whole edition."""
        found: list[Diagnostic] = []
        readable_paths(self.xpaths)
        try:
            for name in self.groups:
                if name in FINISH:
                    found += self._leveled(FINISH[name](self.context, facts))
        finally:
            readable_paths(True)
        return _without_stand_ins(sorted(set(found), key=_order))


def _without_stand_ins(found: list[Diagnostic]) -> list[Diagnostic]:
    """``found`` with the stand-ins of paths not made (see
    :func:`~teikit.rules.context.readable_paths`) emptied, once they have kept two
    findings about different elements apart."""
    for diagnostic in found:
        if diagnostic.xpath[:1] == STAND_IN:
            # Made just now and held nowhere else: setting the field leaves no set or
            # dictionary with a stale hash.
            object.__setattr__(diagnostic, "xpath", "")
    return found


def _order(d: Diagnostic) -> tuple[str, int, int, str, str]:
    return (d.file, d.line, d.column, d.code, d.message)


def check(
    docs: Edition | Iterable[Document],
    *,
    follow_refs: bool = True,
    rules: Iterable[str] | None = None,
    severities: Mapping[str, Severity | None] | None = None,
) -> list[Diagnostic]:
    """Run the rules over an edition (or documents, opened as one) and return the
    findings sorted by file and line.

    ``severities`` is the policy (:func:`policy`; default: the edition's
    configuration); a rule whose severity is None does not run. ``rules`` further
    picks rule groups by name (see :data:`RULES`). ``follow_refs`` reads register
    files inside the edition folder that pointers name but that were not given.
    """
    edition = as_edition(docs, follow=follow_refs)
    run = Run(edition, severities, rules)
    found: list[Diagnostic] = []
    facts: list[Facts] = []
    for doc in edition.documents:
        diagnostics, known = run.document(doc)
        found += diagnostics
        facts.append(known)
    found += run.finish(facts)
    return sorted(set(found), key=_order)
