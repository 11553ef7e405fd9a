"""Validation: load each document once, check it against every schema that
applies, and collect the findings in a :class:`Report`.

Which schemas apply: those given explicitly, else those the document declares
in ``<?xml-model?>``, else ``tei_all``. A RELAX NG schema brings the Schematron
embedded in it (as Oxygen runs it) unless that is switched off.

The triad, as in xmlschema: :func:`validate` returns a Report (and raises only
when asked), :func:`is_valid` answers yes or no, :func:`iter_errors` yields
every finding.
"""

from __future__ import annotations

import gc
import os
import stat
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from teikit import schemas as schema_lookup
from teikit.batch import Interrupted, WorkerFailure, default_jobs, run
from teikit.document import Document, load
from teikit.edition.config import Config
from teikit.errors import (
    Diagnostic,
    LoadError,
    SandboxError,
    SchemaError,
    Severity,
    ValidationError,
)
from teikit.schemas import SchemaSource, declaration_position
from teikit.validate.engine import Engine, Gathering, Names
from teikit.validate.rng import RelaxNG
from teikit.validate.schematron_engine import (
    EmbeddedSchematron,
    SchematronEngine,
    StandaloneSchematron,
    refusal,
)
from teikit.validate.xsd import Xsd

if TYPE_CHECKING:
    from teikit.edition import Edition

DEFAULT_SCHEMAS = ("tei_all", "teikit")
T = TypeVar("T")
XSI = "http://www.w3.org/2001/XMLSchema-instance"


@dataclass(frozen=True)
class ValidateOptions:
    """How to validate. The defaults are what ``teikit validate`` does."""

    schemas: tuple[str, ...] = ()  # names or paths; empty: xml-model, else tei_all
    embedded_schematron: bool = True
    phase: str | None = None
    max_errors: int | None = None  # per file
    catalogs: tuple[str, ...] = ()
    svrl: bool = False  # keep the SVRL of each Schematron run
    # The edition's integrity rules: None follows the configuration (off unless it
    # says ``[rules] enabled = true``), True or False decides.
    rules: bool | None = None
    rule_severity: tuple[tuple[str, str], ...] = ()  # (code, off|info|warning|error)
    config: Config | None = None  # the edition's configuration (default: found)
    # Whether the rules' findings carry their readable XPath (a JSON report prints
    # it, the text one does not: making it is a fifth of the rules' time).
    xpaths: bool = True


@dataclass
class FileResult:
    """The findings for one file."""

    file: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    schemas: list[str] = field(default_factory=list)
    seconds: float = 0.0
    svrl: list[str] = field(default_factory=list)
    truncated: int = 0  # errors left out by --max-errors
    # What the document told the edition-wide rules (teikit.rules.context.Facts)
    facts: Any = field(default=None, repr=False, compare=False)

    @property
    def valid(self) -> bool:
        # Most files have no findings: asked five times a file after a run.
        return not self.diagnostics or not any(
            d.severity >= Severity.ERROR for d in self.diagnostics
        )


@dataclass
class Report:
    """The findings for a whole run, in input order."""

    files: list[FileResult] = field(default_factory=list)
    schemas: list[str] = field(default_factory=list)
    seconds: float = 0.0
    interrupted: bool = False
    rules_ran: bool = False
    skipped: list[Diagnostic] = field(default_factory=list)  # inputs not read, and why

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return [d for f in self.files for d in f.diagnostics] + self.skipped

    @property
    def valid(self) -> bool:
        return all(f.valid for f in self.files)

    def count(self, *severities: Severity) -> int:
        counts = self._severities()
        return sum(counts[severity] for severity in set(severities))

    def _severities(self) -> Counter[Severity]:
        """How many findings of each severity: counted in C, without the list of
        every finding (a run with the rules has 10,000 of them)."""
        counts = Counter(d.severity for f in self.files for d in f.diagnostics)
        counts.update(d.severity for d in self.skipped)
        return counts

    def used_schemas(self) -> list[str]:
        seen: dict[str, None] = dict.fromkeys(self.schemas)
        last: list[str] | None = None
        for result in self.files:
            if result.schemas != last:  # a corpus names the same schemas file after file
                last = result.schemas
                seen.update(dict.fromkeys(last))
        return [*seen, "teikit rules"] if self.rules_ran else list(seen)

    def summary(self) -> str:
        valid = sum(1 for f in self.files if f.valid)
        schemas = ", ".join(self.used_schemas()) or "no schema"
        stopped = "interrupted: " if self.interrupted else ""
        skipped = f", {len(self.skipped)} skipped" if self.skipped else ""
        counts = self._severities()
        return (
            f"{stopped}{len(self.files)} files, {valid} valid, {len(self.files) - valid} invalid"
            f"{skipped}, {counts[Severity.ERROR] + counts[Severity.FATAL]} errors, "
            f"{counts[Severity.WARNING]} warnings "
            f"({schemas}; {self.seconds:.1f} s)"
        )


class Validator:
    """Holds the compiled schemas for a run, so a batch compiles each once."""

    def __init__(self, options: ValidateOptions | None = None, roots: Sequence[Path] = ()):
        self.options = options or ValidateOptions()
        self.catalogs = tuple(Path(c) for c in self.options.catalogs)
        # The allowed roots: folders whose files Python may read on behalf of
        # documents and the schemas they name (docs/security.md).
        self.roots = tuple(roots)
        self.schematron = SchematronEngine(
            fired_rules=self.options.svrl, phase=self.options.phase, roots=self.roots
        )
        # One engine per schema kind (validate/engine.py).
        engines: list[Engine] = [
            RelaxNG(self.roots, self.options.max_errors, names=self.options.embedded_schematron),
            EmbeddedSchematron(self.schematron),
            StandaloneSchematron(self.schematron),
            Xsd(self.catalogs, self.roots),
        ]
        self.engines = {engine.kind: engine for engine in engines}
        # Resolve explicit schemas up front: a bad --schema is a usage error
        # before any file is read.
        # Any XML may be checked against a user's own schema (an XSD for EAD,
        # say); against TEI schemas, or none, a non-TEI root is reported as such.
        self.require_tei = all(spec in schema_lookup.BUNDLED for spec in self.options.schemas)
        self.explicit = [
            s for spec in self.options.schemas for s in schema_lookup.resolve(spec, self.catalogs)
        ]
        self._default: list[SchemaSource] | None = None
        self._lookups: dict = {}
        self._memo: dict[tuple, Any] = {}

    # -- which schemas ------------------------------------------------------

    def schemas_for(self, doc: Document) -> list[SchemaSource]:
        return self._schemas(doc)[0]

    def _schemas(self, doc: Document) -> tuple[list[SchemaSource], list[Diagnostic]]:
        """The schemas for ``doc`` and warnings about hints that could not be used:
        ``--schema``, else what the document declares (``<?xml-model?>``, then the
        XSD of ``xsi:schemaLocation`` as Oxygen honours it), else tei_all."""
        if self.explicit:
            return self.explicit, []
        # Resolved once per run: finding the newest TEI release reads the cache
        # folder, and a corpus names the same few schemas in every file.
        declared = schema_lookup.schemas_for(
            doc, self.catalogs, memo=self._lookups, roots=self.roots
        )
        hinted, notes = schema_lookup.xsi_schemas(
            doc, self.catalogs, memo=self._lookups, roots=self.roots
        )
        if declared or hinted:
            return [*declared, *hinted], notes
        if self._default is None:
            self._default = schema_lookup.resolve("tei_all", self.catalogs)
        return self._default, notes

    def warm(self, sources: Iterable[SchemaSource]) -> None:
        """Compile schemas now (before workers fork) so that workers share them."""
        for source in sources:
            for kind in self._kinds(source):
                self._compiled(self.engines[kind], source)

    def _kinds(self, source: SchemaSource) -> list[str]:
        """The engines that check ``source``: a RELAX NG grammar brings the
        Schematron it embeds, as Oxygen runs it, unless that is switched off."""
        if source.kind not in self.engines:
            return []
        if source.kind == "rng" and self.options.embedded_schematron:
            return ["rng", "rng-sch"]
        return [source.kind]

    def _compiled(self, engine: Engine, source: SchemaSource) -> Any:
        return self._per_run((engine.kind, source), lambda: engine.compile(source))

    # -- checks ---------------------------------------------------------------

    def check(self, doc: Document, gathering: Gathering | None = None) -> FileResult:
        """``doc`` against its schemas. ``gathering``: what the edition's rules want
        from the walk of a schema engine, filled on its way (see Gathering)."""
        started = time.perf_counter()
        result = FileResult(doc.path)
        try:
            sources, notes = self._schemas(doc)
        except SchemaError as exc:
            # A schema the document declares but we cannot use is this file's
            # problem, reported at the xml-model PI, not a reason to stop.
            result.diagnostics.extend(
                exc.diagnostics
                or [
                    Diagnostic(
                        doc.path,
                        1,
                        1,
                        Severity.ERROR,
                        exc.message,
                        code="schema-unavailable",
                        source="xml-model",
                    )
                ]
            )
            return result
        found = self._duplicate_ids(doc) + notes
        applied = False
        for source in sources:
            result.schemas.append(str(source))
            if source.note:
                found.append(_schema_warning(doc, source, source.note, "schema-substituted"))
            try:
                checked, more = self._check_source(doc, source, result, gathering)
            except SandboxError as exc:  # it tried to read what it may not
                found.append(refusal(doc, source, exc))
                continue
            except SchemaError as exc:
                if source in self.explicit:
                    raise  # a schema given on the command line: the run cannot go on
                # One the document names: this document's problem, at its xml-model.
                found.append(_schema_diagnostic(doc, source, exc.message, "schema-unusable"))
                continue
            found += more
            applied = applied or checked
        if sources and not applied:
            names = ", ".join(str(s) for s in sources)
            message = f"no schema was applied to this document ({names} checked nothing)"
            found.append(
                Diagnostic(doc.path, 0, 0, Severity.WARNING, message, "nothing-checked", "teikit")
            )
        found = sorted(set(found), key=lambda d: (d.line, d.column, d.source, d.message))
        result.diagnostics = self._cap(found, result)
        result.seconds = time.perf_counter() - started
        return result

    def _check_source(
        self,
        doc: Document,
        source: SchemaSource,
        result: FileResult,
        gathering: Gathering | None = None,
    ) -> tuple[bool, list[Diagnostic]]:
        """Whether ``source`` checked anything, and what it found."""
        applied, found = False, []
        names: Names | None = None
        for kind in self._kinds(source):
            engine = self.engines[kind]
            checked = engine.check(doc, source, self._compiled(engine, source), names, gathering)
            if self.options.svrl and checked.svrl:
                result.svrl.append(checked.svrl)
            # A valid document's RELAX NG walk met every name: the Schematron
            # precheck after it needs no walk of its own.
            names = checked.names
            applied = applied or checked.active
            found += checked.diagnostics
            if not checked.active and kind == source.kind:  # a grammar need not embed rules
                found.append(self._inactive(doc, source))
        return applied, found

    def _inactive(self, doc: Document, source: SchemaSource) -> Diagnostic:
        """A warning that ``source`` checked nothing, and why."""
        if source.kind == "rng-sch":  # Schematron named, a grammar without any given
            message = (
                f"{source.name} is a RELAX NG grammar named as Schematron (schematypens): "
                "teikit runs the Schematron rules embedded in it, and it has none, so "
                "nothing was checked against it; to validate against the grammar, declare "
                f'schematypens="{schema_lookup.RNG_NS}"'
            )
            return _schema_warning(doc, source, message, "schema-skipped")
        phase = self.options.phase or source.phase
        where = f" in phase {phase}" if phase else ""
        message = f"{source} has no active pattern{where}: nothing was checked against it"
        return _schema_warning(doc, source, message, "schema-empty")

    def _cap(self, found: list[Diagnostic], result: FileResult) -> list[Diagnostic]:
        limit = self.options.max_errors
        if limit is None:
            return found
        kept, errors = [], 0
        for diagnostic in found:
            if diagnostic.severity >= Severity.ERROR:
                errors += 1
                if errors > limit:
                    result.truncated += 1
                    continue
            kept.append(diagnostic)
        return kept

    def _duplicate_ids(self, doc: Document) -> list[Diagnostic]:
        # The loader parses with collect_ids=False (a repeated xml:id inside an
        # egXML example is legal), so real duplicates are reported here.
        return [
            Diagnostic(
                doc.path,
                line,
                0,
                Severity.ERROR,
                f'xml:id "{ident}" is already used on line {first}; xml:id values must be '
                "unique in a document",
                code="duplicate-id",
                source="xml",
            )
            for ident, line, first in doc.duplicate_ids
        ]

    def _per_run(self, key: tuple, make: Callable[[], T]) -> T:
        """``make()`` once per run for ``key``: the caches below are keyed by
        resolved paths, and resolving a path for every document of a corpus
        costs more than checking a letter's rules."""
        if key not in self._memo:
            self._memo[key] = make()
        return self._memo[key]


def _schema_warning(doc: Document, source: SchemaSource, message: str, code: str) -> Diagnostic:
    """A warning about a schema, at the ``<?xml-model?>`` that declared it."""
    line, column = declaration_position(doc, source)
    return Diagnostic(doc.path, line, column, Severity.WARNING, message, code, "xml-model")


def _schema_diagnostic(doc: Document, source: SchemaSource, message: str, code: str) -> Diagnostic:
    """An error about a schema the document names, at its ``<?xml-model?>``."""
    line, column = declaration_position(doc, source)
    return Diagnostic(doc.path, line, column, Severity.ERROR, message, code, "xml-model")


# The validator of the current run, set before workers fork so they inherit it,
# the documents already loaded (by path), which it checks as they are, and
# standard input, read here (workers get /dev/null as their standard input).
_current: Validator | None = None
_preloaded: Mapping[str, Document] = {}
_stdin: bytes | None = None
_rules: Any = None  # the edition's rules (teikit.rules.Run), when they run


def _check_path(path: str) -> FileResult:
    result, doc, gathering = _schema_pass(path)
    return _with_rules(doc, result, gathering) if doc is not None else result


def _check_paths(paths: tuple[str, ...]) -> list[FileResult]:
    """A group of small files: each against its schemas, then the rules on each.
    Taken in turns, each pass works in memory (and code) the last file left warm
    in the CPU's caches: the rules right after each file's schema walk cost twice
    what they cost in a row, and the walks were slower too."""
    passed = [_schema_pass(path) for path in paths]
    return [
        _with_rules(doc, result, gathering) if doc is not None else result
        for result, doc, gathering in passed
    ]


def _schema_pass(path: str) -> tuple[FileResult, Document | None, Gathering | None]:
    """The file at ``path`` against its schemas: the result, the document (None when
    it could not be loaded) and what the schema walk gathered for the rules."""
    assert _current is not None
    doc = _preloaded.get(path)
    if doc is None:
        try:
            if path == "-" and _stdin is not None:
                doc = load(_stdin, path="-", require_tei=_current.require_tei)
            else:
                doc = load(path, require_tei=_current.require_tei)
        except LoadError as exc:
            # Any XML that names its own schema is checked against it, as Oxygen does
            # (an EAD file with xsi:noNamespaceSchemaLocation, say); only a document
            # that names none must be TEI.
            doc = _declaring_its_schema(path) if _not_tei(exc) and path != "-" else None
            if doc is None:
                file = exc.diagnostics[0].file if exc.diagnostics else path
                return FileResult(file, list(exc.diagnostics)), None, None
    # The rules take what they need from the schema engine's walk (one walk, not two).
    gathering = _rules.gathering(doc) if _rules is not None else None
    return _current.check(doc, gathering), doc, gathering


def _with_rules(
    doc: Document, result: FileResult, gathering: Gathering | None = None
) -> FileResult:
    """The edition's rules on a document the schemas just checked, in the same
    process (a worker has it parsed already). A rule's finding about a value a
    schema reported on the same line is left out: one fault, one finding."""
    if _rules is None or result.file != doc.path:
        return result
    found, result.facts = _rules.document(doc, gathering)
    schema = list(result.diagnostics)
    # (Most documents have no schema finding: nothing a rule could repeat.)
    added = [d for d in found if not _reported(d, schema)] if schema else found
    if added:
        result.diagnostics = sorted(
            schema + added, key=lambda d: (d.line, d.column, d.source, d.message)
        )
    return result


# With the rules, small files go to the workers in groups (see _check_paths): at
# most this many, of at most these bytes together; a larger file goes alone.
_GROUP_FILES = 16
_GROUP_BYTES = 256 * 1024


def _groups(paths: Sequence[str], sizes: Mapping[str, float]) -> list[tuple[str, ...]]:
    """``paths`` in order, as groups of consecutive small files."""
    groups: list[tuple[str, ...]] = []
    group: list[str] = []
    held = 0.0
    for path in paths:
        size = sizes.get(path)  # None: standard input, a link, a file not there
        if size is None or size > _GROUP_BYTES // 4:
            if group:
                groups.append(tuple(group))
                group, held = [], 0.0
            groups.append((path,))
            continue
        if group and (len(group) >= _GROUP_FILES or held + size > _GROUP_BYTES):
            groups.append(tuple(group))
            group, held = [], 0.0
        group.append(path)
        held += size
    if group:
        groups.append(tuple(group))
    return groups


def _run_grouped(
    paths: Sequence[str],
    sizes: Mapping[str, float],
    jobs: int | None,
    on_result: Callable[[str, FileResult], None] | None,
    timeout: float | None,
    on_progress: Callable[[int], None] | None,
) -> list[FileResult]:
    """:func:`~teikit.batch.run` of the files in groups (:func:`_groups`), each file's
    result in input order as ever. A group whose worker hung, crashed or failed is
    checked again file by file, in a worker of its own: the file at fault alone
    gets the finding, as when files go one by one."""

    def took(group: tuple[str, ...], results: list[FileResult]) -> None:
        if on_result is not None:
            for path, result in zip(group, results, strict=True):
                on_result(path, result)

    def failed(group: tuple[str, ...], failure: WorkerFailure) -> list[FileResult]:
        if len(group) == 1:
            return [_worker_failed(group[0], failure)]
        try:
            return run(
                _check_path, list(group), jobs=1, timeout=timeout, on_failure=_worker_failed
            )
        except Interrupted:
            raise KeyboardInterrupt from None  # the run of the groups stops as on Ctrl-C

    done = run(
        _check_paths,
        _groups(paths, sizes),
        jobs=jobs,
        on_result=took,
        timeout=timeout,
        on_failure=failed,
        cost=lambda group: sum(sizes[p] if p in sizes else _size(p) for p in group),
        on_progress=on_progress,
        weight=len,
    )
    return [result for results in done for result in results]


def _not_tei(error: LoadError) -> bool:
    return bool(error.diagnostics) and error.diagnostics[0].code == "not-tei"


def _declaring_its_schema(path: str) -> Document | None:
    """The document at ``path`` if it names a schema (xml-model or xsi), else None."""
    try:
        doc = load(path, require_tei=False)
    except LoadError:
        return None
    hints = (f"{{{XSI}}}schemaLocation", f"{{{XSI}}}noNamespaceSchemaLocation")
    return doc if doc.xml_models or any(doc.root.get(h) for h in hints) else None


def _worker_failed(path: str, failure: WorkerFailure) -> FileResult:
    """A file the validator hung, crashed or failed on: a finding for that file."""
    shown = "<stdin>" if path == "-" else path
    code = "timeout" if failure.kind == "timeout" else "validator-crashed"
    message = failure.message("the validator")
    return FileResult(shown, [Diagnostic(shown, 0, 0, Severity.ERROR, message, code, "teikit")])


def validate_files(
    paths: Sequence[str],
    schemas: Iterable[str] | None = None,
    *,
    options: ValidateOptions | None = None,
    jobs: int | None = 1,
    on_result=None,
    raise_on_error: bool = False,
    timeout: float | None = None,
    documents: Mapping[str, Document] | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> Report:
    """Validate files; unreadable or malformed files are findings, never a stop.

    ``schemas`` is a shortcut for ``options.schemas``. Files are validated in
    forked worker processes (``jobs`` of them), so that a crash costs one file;
    the results keep the input order, and ``on_result(path, result)`` sees each
    as soon as it and those before it are done (the edition's integrity rules,
    which need every file, add their findings to the results afterwards). A file a worker
    spends more than ``timeout`` seconds on (default: batch.DEFAULT_TIMEOUT) is
    reported as an error and the run goes on. ``documents`` (path -> loaded
    Document) spares the corpus rules loading those files again.
    ``on_progress(count)`` hears how many files are done, in any order.
    """
    global _current, _preloaded, _stdin, _rules
    started = time.perf_counter()
    if options is None:
        options = ValidateOptions(schemas=tuple(schemas or ()))
    elif schemas is not None:
        raise TypeError("give schemas or options, not both")
    paths = list(paths)
    config = options.config if options.config is not None else _config_for(paths)
    stamps: dict[str, tuple[int, int, int]] = {}
    sizes, links = _sizes_and_links(paths, stamps)
    validator = Validator(options, roots=_roots(paths, config.root, links))
    report = Report(schemas=[str(s) for s in validator.explicit])
    if "-" in paths:
        _stdin = _read_stdin()
    if validator.explicit:
        validator.warm(validator.explicit)
    else:
        _warm_from_first(validator, paths)
    _current = validator
    parallel = (default_jobs() if jobs is None else jobs) > 1
    # Forked workers read their files themselves: a document of this process that a
    # worker touches is memory copied for it, and reading is cheaper. What they
    # cannot read (documents made from bytes) they take as given.
    _preloaded = {
        path: doc
        for path, doc in (documents or {}).items()
        if not parallel or not os.path.isfile(path)
    }
    rules = options.rules if options.rules is not None else bool(config.rules.enabled)
    try:
        if rules:
            # The rules need the edition: loaded here, once. The workers fork after and
            # check each document, schemas and rules together; with more than one
            # they read their documents themselves rather than touch the edition's
            # (every object touched in a forked worker is a page copied). Frozen, the
            # edition's objects are left alone by the garbage collector.
            # No garbage collection meanwhile: the model's objects (an entity and its
            # lists per register entry) all live to the end, and each collection their
            # making set off walked the compiled schemas too, to free nothing (two full
            # ones and some 250 young ones for registers of 20,000 entries).
            collecting = gc.isenabled()
            gc.disable()
            try:
                edition_docs = _load_edition(paths, documents or {}, validator, stamps)
                _rules = _rule_run(edition_docs, paths, config, options)
            finally:
                if collecting:
                    gc.enable()
            if not parallel:
                _preloaded = edition_docs
            # (With workers, not even the register files read here: a worker that
            # checked the model's copy kept the pages it touched as its own memory to
            # the end, 30-40 MB of tree PSS for the 0.06 CPU s of parsing them again.)
            gc.freeze()
            report.files = _run_grouped(paths, sizes, jobs, on_result, timeout, on_progress)
        else:
            families = _families(validator, documents or {}) if parallel else {}
            report.files = run(
                _check_path,
                paths,
                jobs=jobs,
                on_result=on_result,
                timeout=timeout,
                on_failure=_worker_failed,
                cost=lambda path: sizes[path] if path in sizes else _size(path),
                on_progress=on_progress,
                family=families.get if families else None,
            )
    except Interrupted as stop:
        report.files = [
            r for done in stop.results for r in (done if isinstance(done, list) else [done])
        ]
        report.interrupted = True
    finally:
        _current, _preloaded, _stdin = None, {}, None
        run_of, _rules = _rules, None
        gc.unfreeze()
    if rules and not report.interrupted and run_of is not None:
        # Added to the files' results after on_result saw them: callers that
        # print as files finish print these at the end.
        by_file = {result.file: result for result in report.files}
        for diagnostic in run_of.finish([r.facts for r in report.files if r.facts is not None]):
            target = by_file.get(diagnostic.file)
            if target is not None and not _reported(diagnostic, target.diagnostics):
                target.diagnostics.append(diagnostic)
                target.diagnostics.sort(key=lambda d: (d.line, d.column, d.source, d.message))
        report.rules_ran = True
    report.seconds = time.perf_counter() - started
    if raise_on_error and not report.valid:
        raise ValidationError(report.summary(), report.diagnostics)
    return report


def _roots(
    paths: Sequence[str], edition: Path | None = None, links: Sequence[str] | None = None
) -> list[Path]:
    """The allowed roots: the folders of the files being validated and the
    edition's folder (where its configuration is), if it has one. ``links``: those
    of ``paths`` that are symbolic links, if known (see _sizes_and_links)."""
    # Each folder resolved once (resolving 5,000 paths one by one takes a fifth of a
    # second); a file that is a symbolic link adds the folder it really lies in.
    folders = {os.path.abspath(d) for d in {os.path.dirname(p) for p in paths if p != "-"}}
    resolved = {Path(folder).resolve() for folder in folders}
    if links is None:
        links = [p for p in paths if p != "-" and os.path.islink(p)]
    resolved |= {Path(p).resolve().parent for p in links}
    return sorted(resolved | ({edition.resolve()} if edition is not None else set()))


def _sizes_and_links(
    paths: Sequence[str], stamps: dict[str, tuple[int, int, int]] | None = None
) -> tuple[dict[str, float], list[str]]:
    """Each file's size (as _size gives it) and the paths that are symbolic links,
    from one lstat() a file, not an islink() and a stat() (5,005 files: 21 -> 11 ms
    before the workers fork). ``stamps``, if given, gets each file's (size, mtime_ns,
    inode), which the search for register files would stat() again."""
    sizes: dict[str, float] = {}
    links: list[str] = []
    for path in paths:
        if path == "-":
            continue
        try:
            info = os.lstat(path)
        except OSError:
            continue  # _size says what it is
        if stat.S_ISLNK(info.st_mode):
            links.append(path)
        else:
            sizes[path] = info.st_size
            if stamps is not None:
                stamps[path] = (info.st_size, info.st_mtime_ns, info.st_ino)
    return sizes, links


def _read_stdin() -> bytes | None:
    """Standard input, read once here for the worker that validates ``-``; None
    when it cannot be read (the worker then reports that)."""
    import sys

    from teikit.document import MAX_BYTES

    try:
        return sys.stdin.buffer.read(MAX_BYTES + 1)
    except (AttributeError, OSError, ValueError):
        return None


def _config_for(paths: Sequence[str]) -> Config:
    from teikit.edition import find_config, load_config

    for path in paths:
        if path != "-":
            found = find_config(path if Path(path).exists() else Path.cwd())
            return load_config(found) if found is not None else Config()
    return Config()


def _load_edition(
    paths: Sequence[str],
    given: Mapping[str, Document],
    validator: Validator,
    stamps: Mapping[str, tuple[int, int, int]] | None = None,
) -> dict[str, Document]:
    """The documents of the run the edition model needs before any is checked: those
    that may hold registers or prefixDefs (those given as they are). The others are
    read where they are checked, and by the model when a pointer names one. A file
    that cannot be loaded is left to the schema pass, which reports it. ``stamps``:
    the files' (size, mtime_ns, inode), as :func:`_sizes_and_links` found them."""
    from teikit.edition.registers import register_candidates

    loaded = dict(given)
    candidates = register_candidates(
        (p for p in paths if p not in loaded and p != "-"), stamps
    )
    for path in paths:
        if path not in candidates:
            continue
        try:
            # Their ids are collected only if asked for: the model reads entries, and
            # the workers read these files again to check them.
            loaded[path] = load(path, require_tei=validator.require_tei, ids=False)
        except LoadError:
            continue
    return loaded


def _rule_run(
    loaded: Mapping[str, Document],
    paths: Sequence[str],
    config: Config,
    options: ValidateOptions,
) -> Any:
    """The edition's rules with its policy, ready for every document."""
    from teikit import rules
    from teikit.edition import Edition

    docs = [d for d in loaded.values() if d.is_tei]
    edition = Edition(docs, config=config, root=config.root, given=paths)
    levels = rules.policy(config.rules, dict(options.rule_severity))
    return rules.Run(edition, levels, xpaths=options.xpaths)


def _reported(finding: Diagnostic, schema: Sequence[Diagnostic]) -> bool:
    """Whether a schema finding on the same line already names the value at fault."""
    value = dict(finding.extra).get("value", "")
    return bool(value) and any(
        d.line == finding.line and d.source != finding.source and value in d.message for d in schema
    )


def _size(path: str) -> float:
    try:
        return os.stat(path).st_size
    except OSError:
        return float("inf")


def _warm_from_first(validator: Validator, paths: Sequence[str]) -> None:
    """With xml-model schemas, compile those of the first readable file before
    forking, when they are teikit's own or a TEI release (a corpus nearly always
    declares one schema for all its files). A schema only a document names is
    untrusted: it is compiled in the workers, where a crash costs one file."""
    candidates = [p for p in paths if p != "-"][:20]  # stdin can be read only once
    # The smallest first: a 20 MB file would be read twice, once here, serially.
    for path in sorted(candidates, key=_size)[:5]:
        try:
            sources = validator.schemas_for(load(path))
        except (LoadError, SchemaError):
            continue
        validator.warm(s for s in sources if s.trusted)
        return


def _families(
    validator: Validator, documents: Mapping[str, Document]
) -> dict[str, tuple[SchemaSource, ...]]:
    """The schemas each document given wants (they are at hand: nothing is read), as
    the workers' families (batch.run): a worker that compiled a schema keeps to the
    files that want it. The build gives its register files, which name no schema:
    tei_all, 107 MB compiled, was made in both workers, as the largest files go
    first, one to each."""
    families = {}
    for path, doc in documents.items():
        try:
            families[path] = tuple(validator.schemas_for(doc))
        except (LoadError, SchemaError):
            continue  # reported by the worker that checks the file
    return families


def validate_edition(
    edition: Edition,
    schemas: Iterable[str] = (),
    *,
    rules: bool | None = None,
    jobs: int | None = 1,
    raise_on_error: bool = False,
    **options: Any,
) -> Report:
    """Validate an edition's documents (and report the files it could not load), with
    its configuration and rule policy; ``options`` are :class:`ValidateOptions` fields."""
    opts = ValidateOptions(schemas=tuple(schemas), rules=rules, config=edition.config, **options)
    keyed = {_path_of(doc, n): doc for n, doc in enumerate(edition.files)}
    failed = [d.file for exc in edition.failed for d in exc.diagnostics[:1]]
    return validate_files(
        [*keyed, *failed],
        options=opts,
        jobs=jobs,
        raise_on_error=raise_on_error,
        documents=keyed,
    )


def _path_of(doc: Document, n: int) -> str:
    """A key for a document: its path, or a numbered pseudo path for bytes."""
    return doc.path if doc.path not in ("<bytes>", "<stdin>") else f"{doc.path[:-1]}-{n + 1}>"


def validate(
    source: Any,
    schemas: Iterable[str] | None = None,
    *,
    rules: bool | None = None,
    raise_on_error: bool = False,
    jobs: int | None = 1,
) -> Report:
    """Validate a path, a folder (searched recursively), the bytes of a document, a
    :class:`Document`, an :class:`~teikit.edition.Edition`, or a list of these.

    ``schemas``: names (``tei_all``, ``teikit``) or schema files; default what each
    document declares in ``<?xml-model?>``, else ``tei_all``. ``rules``: run the
    edition's integrity rules (default: as its configuration says).
    """
    from teikit.edition import Edition, discover

    if isinstance(source, Edition):
        return validate_edition(
            source, schemas or (), rules=rules, jobs=jobs, raise_on_error=raise_on_error
        )
    items = list(source) if isinstance(source, list | tuple) else [source]
    if all(isinstance(i, str | os.PathLike) for i in items):
        paths = discover([os.fspath(i) for i in items])
        options = ValidateOptions(schemas=tuple(schemas or ()), rules=rules)
        return validate_files(paths, options=options, jobs=jobs, raise_on_error=raise_on_error)
    return validate_edition(
        Edition.open(items), schemas or (), rules=rules, jobs=jobs, raise_on_error=raise_on_error
    )


def is_valid(source: Any, schemas: Iterable[str] | None = None) -> bool:
    """Whether ``source`` (as :func:`validate` takes it) has no error."""
    return validate(source, schemas).valid


def iter_errors(source: Any, schemas: Iterable[str] | None = None) -> Iterator[Diagnostic]:
    """Every finding for ``source`` (as :func:`validate` takes it)."""
    yield from validate(source, schemas).diagnostics
