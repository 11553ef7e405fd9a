"""The command line. The only module that imports click, prints or exits.

Each command parses its options, calls the library, formats the result and
turns library exceptions into one-line messages and exit codes:
0 success, 1 findings, 2 usage error, 3 tool failure.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

import click

from teikit import __version__
from teikit.batch import Step, default_jobs, lingering, write_atomic
from teikit.edition.discovery import discover
from teikit.errors import Diagnostic, LoadError, Severity, TeikitError, printable

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_TOOL = 0, 1, 2, 3
DEFAULT_TEI = "tei/"
# Mirrors teikit.render.PDF_STANDARDS without importing the renderer at start-up.
PDF_STANDARDS_CHOICES = ("1.7", "2.0", "a-1b", "a-2b", "a-2u", "a-3b", "a-3u", "a-4", "ua-1")


def _emit(line: str) -> None:
    click.echo(line, err=True)


# Seconds between plain progress lines when standard error is not a terminal (a
# pipe, a CI log): often enough to show a long run is alive, rare enough to read.
PROGRESS_EVERY = 10.0


def _clock() -> float:
    """The progress lines' clock (a module function, so that tests move it on)."""
    return time.monotonic()


class Feedback:
    """What a batch command shows on standard error while it runs.

    The library hands over each file's findings as a :class:`~teikit.batch.Step`,
    in input order, as soon as the file and those before it are done; they are
    printed (and flushed) at once, to a terminal or a pipe alike. Progress goes
    to the same stream: on a terminal one line redrawn in place, otherwise a
    plain line every :data:`PROGRESS_EVERY` seconds. ``quiet`` keeps errors only
    and no progress."""

    def __init__(
        self, *, quiet: bool = False, stream: TextIO | None = None, tty: bool | None = None
    ) -> None:
        self.quiet = quiet
        self.stream = stream
        self.tty = _isatty(self.out) if tty is None else tty
        self.shown: list[Diagnostic] = []  # counted by rest() (hashing them as shown cost more)
        self.lines: list[str] = []  # every diagnostic line printed, for --report
        self._last = _clock()
        self._drawn = 0  # width of the progress line on the terminal, 0: none
        self._said = ("", 0)  # the phase and count the last plain progress line gave

    @property
    def out(self) -> TextIO:
        return self.stream if self.stream is not None else sys.stderr

    def __call__(self, step: Step) -> None:
        """The library's ``on_step``."""
        self.show(step.diagnostics)
        self.progress(step)

    def wanted(self, diagnostic: Diagnostic) -> bool:
        return not self.quiet or diagnostic.severity >= Severity.ERROR

    def say(self, line: str) -> None:
        """A line of its own (a diagnostic, a summary), never mixed with the bar."""
        self.clear()
        click.echo(line, file=self.out)

    def show(self, diagnostics: Iterable[Diagnostic]) -> None:
        diagnostics = list(diagnostics)
        self.shown += diagnostics
        wanted = diagnostics if not self.quiet else filter(self.wanted, diagnostics)
        lines = [d.format() for d in wanted]
        if lines:
            # A file's findings in one write: a click.echo (and a flush) per line
            # was most of the parent's cost on a run with 10,000 findings.
            self.lines.extend(lines)
            self.say("\n".join(lines))

    def rest(self, diagnostics: Iterable[Diagnostic]) -> None:
        """Print those of ``diagnostics`` not shown yet, in their order: what the
        library found after the files (findings that need them all)."""
        # What was shown is counted by equality (a finding shown, then reported again
        # as a copy, is not new) in the order of ``diagnostics``, as a Counter of the
        # shown would; but a run with the rules shows 10,000 findings, whose hash and
        # equality run in Python, and the report holds the very objects shown. So:
        # by identity first; only the findings whose message is that of one not
        # shown are counted by equality (equal findings have equal messages).
        diagnostics = list(diagnostics)
        by_id = Counter(map(id, self.shown))
        unmatched = []
        for diagnostic in diagnostics:
            times = by_id.get(id(diagnostic), 0)
            if times > 0:
                by_id[id(diagnostic)] = times - 1
            else:
                unmatched.append(diagnostic)
        fresh = []
        if unmatched:
            messages = {d.message for d in unmatched}
            left = Counter(d for d in self.shown if d.message in messages)
            for diagnostic in diagnostics:
                if diagnostic.message not in messages:
                    continue  # shown: it was met by identity
                times = left.get(diagnostic, 0)  # one hash a look-up (left[d] -= 1 takes two)
                if times > 0:
                    left[diagnostic] = times - 1
                else:
                    fresh.append(diagnostic)
        self.show(fresh)

    def progress(self, step: Step) -> None:
        if self.quiet or step.total <= 1:
            return
        now = _clock()
        if self.tty:
            if now - self._last < 0.1 and step.done < step.total:
                return  # redrawing faster than the eye reads costs time
            self._last = now
            width = 24
            filled = width * step.done // step.total
            bar = "#" * filled + "-" * (width - filled)
            name = printable(Path(step.item).name if step.item else "")[-30:]
            line = f"{step.phase} [{bar}] {step.done}/{step.total} {step.unit} {name}"
            self.out.write("\r" + line.ljust(self._drawn))
            self.out.flush()
            self._drawn = len(line)
        elif now - self._last >= PROGRESS_EVERY and step.done < step.total:
            said_phase, said = self._said
            if said_phase == step.phase and step.done <= said:
                return  # nothing new, nothing said
            self._last, self._said = now, (step.phase, step.done)
            click.echo(
                f"teikit: progress: {step.phase} {step.done} of {step.total} {step.unit}",
                file=self.out,
            )

    def clear(self) -> None:
        """Take the progress line off the terminal."""
        if self._drawn:
            self.out.write("\r" + " " * self._drawn + "\r")
            self.out.flush()
            self._drawn = 0

    close = clear


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def quiet_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "-q",
        "--quiet",
        is_flag=True,
        help="Print errors only: no warnings, info, progress or summary.",
    )(func)


def _fail(exc: TeikitError) -> None:
    """Print a library error as located one-liners and exit with its code."""
    for diagnostic in exc.diagnostics:
        _emit(diagnostic.format())
    _emit(f"teikit: error: {exc.message}")
    sys.exit(exc.exit_code if exc.exit_code in (EXIT_USAGE, EXIT_TOOL) else EXIT_TOOL)


# Shared by every command that reads TEI: files, folders, globs or -, default tei/.
paths_argument = click.argument("paths", nargs=-1, type=str)


def jobs_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "-j",
        "--jobs",
        type=click.IntRange(min=1),
        default=None,
        help="Worker processes (default: all cores).",
    )(func)


def timeout_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--timeout",
        type=click.FloatRange(min=0, min_open=True),
        default=None,
        metavar="SECONDS",
        help="Give up a file a worker has spent this long on, report it and go on "
        "(default: 600; a file larger than 1 MB gets this for each MB).",
    )(func)


def config_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--config",
        "config_path",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="The edition's configuration (default: teikit.toml, or pyproject.toml "
        "[tool.teikit], in the edition folder or above it).",
    )(func)


def key_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--key",
        "key_mode",
        type=click.Choice(["id", "name"]),
        help="What @key holds: an id or pointer, or a name matched against the register "
        "entries' @n and names (default: the configuration's pointers.key, else id).",
    )(func)


def _config(paths: Sequence[str], config_path: Path | None, **overrides: Any) -> Any:
    """The edition's configuration (found next to PATHS unless given), with the
    command-line options that were given laid over it."""
    from teikit.edition import Config, find_config, load_config

    found = config_path
    if found is None:
        for raw in paths or (DEFAULT_TEI,):
            start = Path(raw)
            if raw != "-" and start.exists():
                found = find_config(start)
                break
    config = load_config(found) if found is not None else Config()
    return config.with_overrides(**overrides)


def _files(
    paths: Sequence[str], config: Any = None, *, skipped: list[Diagnostic] | None = None
) -> list[str]:
    """The files PATHS name, each once. What a folder search or glob found but
    cannot read (a dangling symbolic link, a folder named *.xml, a pipe) is a
    warning: added to ``skipped``, else printed now."""
    given = paths or (DEFAULT_TEI,)
    left_out: list[tuple[str, str]] = []
    if config is not None:
        files = discover(given, root=config.root, exclude=config.exclude, skipped=left_out)
    else:
        files = discover(given, skipped=left_out)
    warnings = [
        Diagnostic(path, 0, 0, Severity.WARNING, f"skipped: {why}", "skipped", "teikit")
        for path, why in left_out
    ]
    if skipped is None:
        for warning in warnings:
            _emit(warning.format())
    else:
        skipped.extend(warnings)
    if not files:
        raise click.UsageError(f"no XML files found in {' '.join(printable(g) for g in given)}")
    return files


def _edition(
    paths: Sequence[str],
    config: Any,
    feedback: Feedback | None = None,
    *,
    follow: bool = True,
    lazy: bool = False,
) -> Any:
    """Open the edition in PATHS; files that cannot be loaded are reported as they
    are read (the rest go on), XML files that are not TEI are left out. ``lazy``:
    only the files that may hold registers are read now (see Edition.open)."""
    from teikit.edition import Edition

    feedback = feedback if feedback is not None else Feedback()
    edition = Edition.open(
        list(paths) or [DEFAULT_TEI], config=config, follow=follow, on_step=feedback, lazy=lazy
    )
    feedback.close()
    feedback.rest(edition.diagnostics())
    return edition


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name="teikit")
def cli() -> None:
    """teikit: validate, index, transform and publish TEI-XML digital editions.

    Run "teikit COMMAND --help" for a command's options. Exit status: 0 success,
    1 findings, 2 usage error, 3 tool failure.
    """


@cli.command()
@paths_argument
@click.option(
    "--schema",
    "schema_specs",
    multiple=True,
    metavar="NAME|PATH",
    help="Schema to validate against, repeatable: tei_all, teikit, or a .rng, .xsd or .sch "
    "file. Default: what each document's <?xml-model?> declares, else tei_all.",
)
@click.option(
    "--no-embedded-schematron",
    is_flag=True,
    help="Do not run the Schematron rules embedded in RELAX NG schemas.",
)
@click.option("--phase", metavar="ID", help="Schematron phase to run (default: the schema's).")
@click.option(
    "--svrl",
    "svrl_path",
    type=click.Path(dir_okay=True, path_type=Path),
    help="Write the SVRL report of the Schematron runs to FILE (a folder for several input files).",
)
@click.option(
    "--catalog",
    "catalogs",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="OASIS XML catalog mapping schema URLs to local files, repeatable "
    "(XML_CATALOG_FILES is honoured too).",
)
@click.option(
    "--format",
    "report_format",
    type=click.Choice(["text", "json", "junit"]),
    default="text",
    show_default=True,
    help="Report format written to stdout or --report.",
)
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the report to FILE instead of stdout (text: the diagnostics and the summary, "
    "which still go to stderr too).",
)
@quiet_option
@click.option(
    "--max-errors",
    type=click.IntRange(min=1),
    metavar="N",
    help="Report at most N errors per file.",
)
@click.option(
    "--rules/--no-rules",
    default=None,
    help="Run the edition's integrity rules (pointers resolve, registers given, dates "
    "plausible …) or not (default: as teikit.toml's [rules] enabled says, else not).",
)
@click.option(
    "--rule",
    "rule_levels",
    multiple=True,
    metavar="CODE=SEVERITY",
    help="A rule's severity: off, info, warning or error, repeatable "
    "(e.g. register-entry-unused=warning).",
)
@config_option
@key_option
@click.option(
    "--cmif",
    "cmif_files",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="Check FILE as CMIF for correspSearch (a local CMIF Check), repeatable.",
)
@jobs_option
@timeout_option
def validate(
    paths: Sequence[str],
    schema_specs: Sequence[str],
    no_embedded_schematron: bool,
    phase: str | None,
    svrl_path: Path | None,
    catalogs: Sequence[str],
    report_format: str,
    report_path: Path | None,
    quiet: bool,
    max_errors: int | None,
    rules: bool | None,
    rule_levels: Sequence[str],
    config_path: Path | None,
    key_mode: str | None,
    cmif_files: Sequence[str],
    jobs: int | None,
    timeout: float | None,
) -> None:
    """Validate TEI files against RELAX NG, Schematron and XSD schemas.

    PATHS are files, folders (searched recursively for *.xml), globs, or - for
    standard input; the default is tei/. Without --schema each document is
    checked against what its <?xml-model?> declares (falling back to tei_all),
    including the Schematron embedded in RELAX NG schemas. Diagnostics go to
    stderr as path:line:col: severity: message [source:code], then a summary.
    With --rules (or [rules] enabled = true in teikit.toml) the edition's
    integrity rules run too, each at the severity its policy gives it.
    --cmif FILE checks a CMIF file the way correspSearch's CMIF Check does.

    Example:

        teikit validate tei/ --schema tei_all --format junit --report validate.xml
    """
    from teikit import reports
    from teikit.validate import FileResult, Report, ValidateOptions, validate_files

    try:
        config = _config(paths, config_path, key=key_mode)
        levels = tuple(_rule_level(value) for value in rule_levels)
    except TeikitError as exc:
        _fail(exc)
    skipped: list[Diagnostic] = []
    files = _files(paths, config, skipped=skipped) if paths or not cmif_files else []
    options = ValidateOptions(
        schemas=tuple(schema_specs),
        embedded_schematron=not no_embedded_schematron,
        phase=phase,
        max_errors=max_errors,
        catalogs=tuple(catalogs),
        svrl=svrl_path is not None,
        rules=rules,
        rule_severity=levels,
        config=config,
        xpaths=report_format == "json",  # the one report that prints them
    )
    feedback = Feedback(quiet=quiet)
    total = len(files) + len(cmif_files)

    def show(_path: str, result: Any) -> None:
        # Each file as it finishes, in input order (batch.run keeps it), also in a pipe.
        finished.append(result.file)
        feedback.show(result.diagnostics)
        if result.truncated:
            line = (
                f"{printable(result.file)}:0:0: info: {result.truncated} more errors not shown "
                "(--max-errors)"
            )
            feedback.lines.append(line)
            feedback.say(line)
        feedback.progress(Step("validating", max(done, len(finished)), total, result.file))

    def progressed(count: int) -> None:  # files done in any order: a large one holds none up
        nonlocal done
        done = max(done, count)
        feedback.progress(Step("validating", done, total))

    finished: list[str] = []
    done = 0
    feedback.show(skipped)
    try:
        # Its workers leave while the report is written: validation holds no lock.
        with lingering():
            report = (
                validate_files(
                    files,
                    options=options,
                    jobs=jobs,
                    on_result=show,
                    timeout=timeout,
                    on_progress=progressed,
                )
                if files
                else Report()
            )
        report.skipped = skipped
        if cmif_files:
            from teikit.exports import cmif_check

            for path in cmif_files:
                try:
                    found = cmif_check(path)
                except LoadError as exc:  # a missing or unreadable file: its finding, once
                    found = list(exc.diagnostics)
                result = FileResult(path, found, ["CMIF check"])
                report.files.append(result)
                show(path, result)
    except TeikitError as exc:
        feedback.close()
        _fail(exc)
    feedback.close()
    feedback.rest(report.diagnostics)  # the integrity rules' findings, which need every file
    text_report = feedback.lines
    if svrl_path is not None:
        _write_svrl(svrl_path, report)
    summary = report.summary()  # 10,000 findings with the rules: counted once
    if not quiet:
        text_report.append(summary)
    if report_format != "text" or report_path is not None:
        if report_format == "json":
            text = reports.to_json(report)
        elif report_format == "junit":
            text = reports.to_junit(report)
        else:
            text = "".join(line + "\n" for line in text_report)
        if report_path is None:
            click.echo(text, nl=False)
        else:
            _write_report(report_path, text)
    if not quiet:
        _emit(summary)
        hint = _update_hint(report)
        if hint:
            _emit(hint)
    if report.interrupted:
        sys.exit(130)
    _leave(EXIT_OK if report.valid else EXIT_FINDINGS)


# Whether this process is teikit's own command line (main() without arguments),
# not a caller's process that runs the CLI (a test's CliRunner).
_OWN_PROCESS = False


def _leave(code: int) -> None:
    """Exit with ``code``. As the process's own command line, without tearing the
    interpreter down: everything is written and closed by now, and freeing a
    run's objects one by one (the grammar's automaton, every result) took
    30-70 ms after the report. The exit handlers still run (the workers are
    reaped), and the standard streams are flushed."""
    if not _OWN_PROCESS:
        sys.exit(code)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)


def _write_report(path: Path, text: str) -> None:
    try:
        write_atomic(path, text)
    except OSError as exc:
        _emit(f"teikit: error: cannot write the report to {printable(str(path))}: "
              f"{exc.strerror or exc}")  # fmt: skip
        sys.exit(EXIT_TOOL)


def _rule_level(value: str) -> tuple[str, str]:
    from teikit.rules import parse_severity

    code, sep, level = value.partition("=")
    if not sep:
        raise click.BadParameter(f"{value!r}: use CODE=SEVERITY", param_hint="--rule")
    try:
        parse_severity(code.strip(), level)
    except TeikitError as exc:
        raise click.BadParameter(exc.message, param_hint="--rule") from None
    return code.strip(), level.strip()


@cli.command("index")
@paths_argument
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to FILE (format inferred from .json, .csv, .xml or .md); default stdout.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "csv", "tei", "md"]),
    help="Output format (default: from -o's suffix, else json).",
)
@click.option(
    "--type",
    "types",
    default="all",
    show_default=True,
    metavar="TYPES",
    help="Entity types, comma-separated: person, place, org, work, date, or all.",
)
@click.option(
    "--suggest",
    is_flag=True,
    help="Also list register names that occur in the text without being tagged.",
)
@click.option(
    "--no-follow",
    is_flag=True,
    help="Do not read register files that pointers name but PATHS do not include.",
)
@config_option
@key_option
@quiet_option
def index_command(
    paths: Sequence[str],
    output: Path | None,
    fmt: str | None,
    types: str,
    suggest: bool,
    no_follow: bool,
    config_path: Path | None,
    key_mode: str | None,
    quiet: bool,
) -> None:
    """Build the named-entity index: persons, places, organisations, works and dates.

    Every register entry comes with its names, dates, coordinates and authority
    links, and every occurrence with file, line, XPath, where it stands (body,
    note, header, sender, addressee) and a snippet. The JSON follows a
    versioned schema (docs/index-schema.md). Diagnostics and --suggest lines go
    to stderr; exit status 1 if a file could not be read or names were found
    untagged. Each entity is counted once however it is pointed at (#id, a path,
    an authority URI, a name) and lists its authority ids.

    Example:

        teikit index tei/ --type person -o persons.json --suggest
    """
    from teikit.exports.index_formats import dumps, write_index
    from teikit.index import build_index
    from teikit.index import suggest as find_untagged

    feedback = Feedback(quiet=quiet)
    try:
        config = _config(paths, config_path, key=key_mode)
        edition = _edition(paths, config, feedback, follow=not no_follow)
        problems = edition.failed
        entity_index = build_index(edition, on_step=feedback)
        feedback.close()
        if output is None:
            click.echo(dumps(entity_index, fmt or "json", types), nl=False)
        else:
            written = write_index(entity_index, output, fmt, types)
            if not quiet:
                _emit(f"wrote {written}")
        suggestions = find_untagged(edition.documents, entity_index) if suggest else []
    except TeikitError as exc:
        feedback.close()
        _fail(exc)
    feedback.show(suggestions)
    sys.exit(EXIT_FINDINGS if problems or suggestions else EXIT_OK)


@cli.command("export")
@paths_argument
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(path_type=Path),
    help="Output file or folder (csv, all, and txt/md per document, write a folder).",
)
@click.option(
    "--to",
    "fmt",
    type=click.Choice(["cmif", "csv", "gexf", "geojson", "jsonld", "txt", "md", "all"]),
    help="Format; default: inferred from -o (.cmif.xml, .gexf, .geojson, .jsonld, .txt, .md). "
    "all: every format into the folder -o, from one reading of the edition.",
)
@click.option(
    "--base-url",
    metavar="URL",
    help="Where the edition is published; letters link to BASE_URL<file>.html.",
)
@click.option("--page-suffix", default=".html", show_default=True, help="Suffix of letter pages.")
@click.option("--no-notes", is_flag=True, help="txt/md: leave the notes out.")
@click.option(
    "--min-co-mentions",
    type=click.IntRange(min=1),
    default=2,
    show_default=True,
    help="gexf/csv: letters two entities must be mentioned together in to be a co-mention "
    "edge (1: every pair).",
)
@click.option(
    "--single-file/--per-document",
    default=None,
    help="txt/md: one combined file or one per document (default: from -o).",
)
@click.option("--editor", help="CMIF: the editor's name (default: from the edition).")
@click.option("--editor-email", help="CMIF: the editor's email (correspSearch requires one).")
@click.option("--title", help="CMIF: title of the CMIF file.")
@click.option("--publisher", help="CMIF: publisher.")
@click.option("--publisher-url", help="CMIF: publisher's URL.")
@click.option("--licence", type=click.Choice(["CC-BY-4.0", "CC0-1.0"]), help="CMIF: licence.")
@click.option("--date", "cmif_date", help="CMIF: publication date (YYYY-MM-DD).")
@click.option("--cmif-url", help="CMIF: the URL the file will be published at.")
@click.option("--edition-title", help="CMIF: the edition's title.")
@click.option("--edition-url", help="CMIF: the edition's URL.")
@jobs_option
@config_option
@key_option
@quiet_option
def export_command(
    paths: Sequence[str],
    output: Path,
    fmt: str | None,
    base_url: str | None,
    page_suffix: str,
    no_notes: bool,
    min_co_mentions: int,
    single_file: bool | None,
    editor: str | None,
    editor_email: str | None,
    title: str | None,
    publisher: str | None,
    publisher_url: str | None,
    licence: str | None,
    cmif_date: str | None,
    cmif_url: str | None,
    edition_title: str | None,
    edition_url: str | None,
    jobs: int | None,
    config_path: Path | None,
    key_mode: str | None,
    quiet: bool,
) -> None:
    """Export the edition to other platforms: CMIF, CSV, GEXF, GeoJSON, JSON-LD, text.

    cmif: CMIF v1 for correspSearch (the letters' dates checked before writing,
    the file with the local CMIF check after); csv: letters, persons, places,
    organisations, mentions (one row per occurrence) and a network edge list;
    gexf: the correspondence network (directed) and, next to it, the co-mention
    network (undirected, *.co-mentions.gexf); geojson: places (Linked Places
    conventions); jsonld: schema.org linked data; txt/md: the reading text;
    all: every format into one folder. Outputs are written atomically and are
    deterministic. The base URL and the CMIF editor, e-mail, licence and
    publisher come from teikit.toml when it gives them; options override it.

    Example:

        teikit export tei/ -o edition.cmif.xml --editor-email ed@example.org --licence CC0-1.0
    """
    from teikit.exports import ALL_OUTPUTS, Format, cmif_check, export, export_options

    feedback = Feedback(quiet=quiet)
    try:
        # The registers and the index are kept to the end: see _no_full_collections.
        with _no_full_collections():
            config = _config(paths, config_path, key=key_mode, base_url=base_url)
            # Read once, one document at a time (the registers held): see teikit.exports.
            edition = _edition(paths, config, feedback, lazy=True)
            options = export_options(
                edition,
                base_url=base_url,
                page_suffix=page_suffix,
                notes=not no_notes,
                min_co_mentions=min_co_mentions,
                single_file=single_file,
                editor_email=editor_email,
                editor=editor,
                title=title,
                publisher=publisher,
                publisher_url=publisher_url,
                licence=licence,
                date=cmif_date,
                cmif_url=cmif_url,
                edition_title=edition_title,
                edition_url=edition_url,
            )
            found: list[Diagnostic] = []
            written = export(
                edition,
                output,
                fmt,
                options=options,
                findings=found,
                on_step=feedback,
                jobs=jobs or default_jobs(),
            )
        feedback.close()
        if fmt == "all":
            cmif_file = output / ALL_OUTPUTS[Format.CMIF]
            cmif_files = [p for p in written if p == cmif_file]
        else:
            chosen = Format.parse(fmt) if fmt else Format.infer(str(output))
            cmif_files = written[:1] if chosen is Format.CMIF else []
        checked = found + [d for path in cmif_files for d in cmif_check(path)]
        problems = edition.failed
    except TeikitError as exc:
        _fail(exc)
    feedback.rest(edition.diagnostics())  # the files that could not be read
    feedback.show(checked)
    if not quiet:
        _emit(f"wrote {len(written)} file(s) to {output}")
    failed = problems or any(d.severity >= Severity.ERROR for d in checked)
    sys.exit(EXIT_FINDINGS if failed else EXIT_OK)


@contextlib.contextmanager
def _no_full_collections() -> Iterator[None]:
    """No full garbage collection while an export runs (in this process and the
    workers it forks): it keeps what it merges (the index, 512,000 occurrences in
    a 5,000-letter edition) to the end, and each full collection walks all of it
    to free next to nothing (about 2.3 CPU s in the parent, 1 s in the workers).
    Young collections still free short-lived cycles."""
    thresholds = gc.get_threshold()
    gc.set_threshold(thresholds[0], thresholds[1], 1_000_000)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


def _parse_params(values: Sequence[str]) -> dict[str, str]:
    params = {}
    for value in values:
        name, sep, text = value.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"{value!r}: use NAME=VALUE", param_hint="--param")
        params[name.strip()] = text
    return params


@cli.command("transform")
@paths_argument
@click.option(
    "--to",
    "to",
    type=click.Choice(["html", "pdf", "txt", "xml"]),
    default="html",
    show_default=True,
    help="Output: HTML pages, PDFs (Typst), reading text, or XML (with --xsl).",
)
@click.option(
    "-o",
    "--output",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Output folder.",
)
@click.option(
    "--xsl",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Your own XSLT 1.0/2.0/3.0 stylesheet instead of teikit's.",
)
@click.option(
    "--param",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    help="Stylesheet parameter, repeatable; typed where the stylesheet declares as=.",
)
@click.option(
    "--pdf-standard",
    type=click.Choice(sorted(PDF_STANDARDS_CHOICES)),
    help="PDF standard, e.g. a-2b for archival PDF/A.",
)
@config_option
@key_option
@jobs_option
@timeout_option
@quiet_option
def transform_command(
    paths: Sequence[str],
    to: str,
    out_dir: Path,
    xsl: Path | None,
    params: Sequence[str],
    pdf_standard: str | None,
    config_path: Path | None,
    key_mode: str | None,
    jobs: int | None,
    timeout: float | None,
    quiet: bool,
) -> None:
    """Transform TEI with XSLT 3.0 (saxonche): HTML pages, PDFs through Typst, text.

    One output per document, written atomically; a file that fails is reported
    and the batch goes on. xsl:message output becomes diagnostics located in the
    TEI file; a stylesheet that does not compile is reported at its own line and
    column (exit 3).

    Example:

        teikit transform tei/ --to pdf -o out/pdf --pdf-standard a-2b
    """
    from teikit.transform import transform

    feedback = Feedback(quiet=quiet)
    try:
        config = _config(paths, config_path, key=key_mode)
        files = _files(paths, config)
        report = transform(
            files,
            to,
            out_dir,
            xsl=xsl,
            params=_parse_params(params),
            pdf_standard=pdf_standard,
            jobs=jobs,
            timeout=timeout,
            config=config,
            on_step=feedback,
        )
    except TeikitError as exc:
        feedback.close()
        _fail(exc)
    feedback.close()
    feedback.rest(report.diagnostics)
    if not quiet:
        _emit(report.summary())
    if report.fatal is not None:  # a full disk, a read-only folder: no output can be written
        _emit(f"teikit: error: cannot write to {printable(str(out_dir))}: {report.fatal}")
        sys.exit(EXIT_TOOL)
    sys.exit(EXIT_OK if report.ok else EXIT_FINDINGS)


@cli.command("build")
@click.argument("tei_dir", required=False, default="tei", type=click.Path(file_okay=False))
@click.option(
    "-o",
    "--out",
    "out_dir",
    default="site",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Folder to write the site to.",
)
@click.option("--keep-going", is_flag=True, help="Build even when validation finds errors.")
@click.option("--force", is_flag=True, help="Rebuild everything, not only what changed.")
@click.option("--no-pdf", is_flag=True, help="Skip the PDFs (faster drafts).")
@click.option("--no-validate", is_flag=True, help="Do not validate before building.")
@click.option(
    "--base-url",
    metavar="URL",
    help="Where the site will be published (for citations and the CMIF export).",
)
@click.option(
    "--editor-email",
    metavar="EMAIL",
    help="Editor's e-mail; with --base-url it enables the CMIF download for correspSearch.",
)
@click.option("--title", help="The edition's title (default: teikit.toml's, else detected).")
@click.option(
    "--rules/--no-rules",
    default=None,
    help="Run the edition's integrity rules when validating (default: as teikit.toml says).",
)
@config_option
@key_option
@jobs_option
@timeout_option
@quiet_option
def build(
    tei_dir: str,
    out_dir: str,
    keep_going: bool,
    force: bool,
    no_pdf: bool,
    no_validate: bool,
    base_url: str | None,
    editor_email: str | None,
    title: str | None,
    rules: bool | None,
    config_path: Path | None,
    key_mode: str | None,
    jobs: int | None,
    timeout: float | None,
    quiet: bool,
) -> None:
    """Build the static edition site: pages, registers, search, PDFs and downloads.

    Validates first and stops on errors unless --keep-going. Writes a home page
    with the introduction and how to cite, the letters in date order and a
    chronology, one page per document, a register page for each type of entry
    the edition has (persons, places, organisations, works, events, terms)
    linked to every occurrence, full-text search that works from file://,
    PDFs through Typst and a downloads page with the TEI sources and exports,
    in the edition's language (English or German). Then it checks every
    internal link of the pages it wrote: each dead one is an error at its line
    (exit 1). Run again, it rebuilds only what changed (--force rebuilds all).
    The edition's teikit.toml gives the title, base URL, CMIF metadata, rule
    policy, site profile and language and whether to make PDFs; options
    override it.

    Example:

        teikit build tei/ -o site/ && python -m webbrowser site/index.html
    """
    import dataclasses

    from teikit.site import BuildError, build_site

    if not Path(tei_dir).is_dir():
        raise click.UsageError(f"{tei_dir}: no such folder of TEI files")
    feedback = Feedback(quiet=quiet)
    try:
        config = _config([tei_dir], config_path, key=key_mode, base_url=base_url, title=title)
        if editor_email:
            config = config.with_overrides(
                cmif=dataclasses.replace(config.cmif, email=editor_email)
            )
        if rules is not None:
            config = config.with_overrides(rules=dataclasses.replace(config.rules, enabled=rules))
        report = build_site(
            tei_dir,
            out_dir,
            keep_going=keep_going,
            force=force,
            jobs=jobs,
            pdf=False if no_pdf else None,
            base_url=base_url,
            validate=not no_validate,
            timeout=timeout,
            config=config,
            on_step=feedback,
        )
    except BuildError as exc:
        feedback.close()
        feedback.rest(exc.diagnostics)
        _emit(f"teikit: error: {exc.message}")
        sys.exit(EXIT_FINDINGS)
    except TeikitError as exc:
        feedback.close()
        _fail(exc)
    feedback.close()
    feedback.rest(report.diagnostics)
    if not quiet:
        _emit(f"{report.summary()}: {out_dir}/index.html")
    sys.exit(EXIT_OK if report.ok else EXIT_FINDINGS)


@cli.command("init")
@click.argument("folder", required=False, default="tei", type=click.Path(file_okay=False))
@click.option("--force", is_flag=True, help="Replace an existing teikit.toml.")
def init_command(folder: str, force: bool) -> None:
    """Write a teikit.toml for the edition in FOLDER (default tei/) from what its files show.

    The file names the edition's title, languages, register files and pointer
    conventions as teikit finds them, with comments on every other key, so that
    it works as written and can be adjusted. Options of the other commands win
    over it.

    Example:

        teikit init letters/ && teikit validate letters/
    """
    from teikit.edition.init import write_init

    if not Path(folder).is_dir():
        raise click.UsageError(f"{folder}: no such folder")
    try:
        target, _ = write_init(folder, force=force)
    except FileExistsError:
        raise click.UsageError(f"{folder}/teikit.toml exists; use --force to replace it") from None
    except TeikitError as exc:
        _fail(exc)
    _emit(f"wrote {target}")


@cli.group()
def schema() -> None:
    """Manage TEI schema releases: the bundled ones (4.12.0, 4.3.0) and others in the user cache.

    Validation uses the newest release available offline (bundled or cached) and
    the release a document names when that one is available; it never downloads
    anything by itself.
    """


def _download_options(command: Any) -> Any:
    """--allow-http and --timeout, shared by schema update and fetch."""
    command = click.option(
        "--timeout",
        type=click.FloatRange(min=0, min_open=True),
        default=30.0,
        show_default=True,
        metavar="SECONDS",
        help="Give up when connecting, or waiting for data, takes longer than this.",
    )(command)
    return click.option(
        "--allow-http",
        is_flag=True,
        help="Accept a plain http:// URL (default: https only; the schema's embedded "
        "rules will run as trusted code, so the download must not be tampered with).",
    )(command)


@schema.command("update")
@click.option(
    "--url",
    metavar="URL",
    help="Release folder or tei_all.rng URL "
    "(default: the TEI Consortium's current release; env TEIKIT_TEI_RELEASE_URL).",
)
@click.option(
    "--expect-version",
    metavar="VERSION",
    help="Accept this release number even if it is newer than any teikit knows of.",
)
@_download_options
def schema_update(
    url: str | None, expect_version: str | None, allow_http: bool, timeout: float
) -> None:
    """Download the current TEI release's tei_all.rng into the user cache.

    The file is checked before it is kept: a RELAX NG grammar for TEI with the
    structure of tei_all and a plausible release number in its header. Its
    version and sha256 are recorded, and it is written atomically. This is the
    only command (with schema fetch) that uses the network, and only when you
    run it; HTTPS only unless you pass --allow-http.

    Example:

        teikit schema update
    """
    from teikit import schema_cache

    try:
        release = schema_cache.update(
            base_url=url, timeout=timeout, allow_http=allow_http, expect_version=expect_version
        )
    except TeikitError as exc:
        _fail(exc)
    click.echo(f"TEI {release.version}: {release.path} (sha256 {release.sha256})")


@schema.command("fetch")
@click.argument("version")
@click.option(
    "--url",
    metavar="TEMPLATE",
    help="Vault URL template with {version} (env TEIKIT_TEI_VAULT_URL).",
)
@click.option("--force", is_flag=True, help="Download again even if the release is cached.")
@_download_options
def schema_fetch(
    version: str, url: str | None, force: bool, allow_http: bool, timeout: float
) -> None:
    """Download a versioned TEI release (from the TEI Vault) into the user cache.

    The file must be that release's tei_all.rng (checked as for schema update).

    Example:

        teikit schema fetch 4.9.0
    """
    from teikit import schema_cache

    try:
        release = schema_cache.fetch(
            version, vault_url=url, force=force, timeout=timeout, allow_http=allow_http
        )
    except TeikitError as exc:
        _fail(exc)
    click.echo(f"TEI {release.version}: {release.path} (sha256 {release.sha256})")


@schema.command("list")
def schema_list() -> None:
    """List the TEI releases available offline; * marks the one validation uses.

    Example:

        teikit schema list
    """
    from teikit import schema_cache

    try:
        releases = schema_cache.list_releases()
        newest = schema_cache.newest()
    except TeikitError as exc:
        _fail(exc)
    for release in releases:
        mark = "*" if Path(release.path) == Path(newest.path) else " "
        origin = "bundled" if release.bundled else release.source
        click.echo(f"{mark} {release.version:<10} {origin}  {release.path}")


def _write_svrl(target: Path, report: Any) -> None:
    with_svrl = [f for f in report.files if f.svrl]
    if len(report.files) == 1:
        for result in with_svrl:
            write_atomic(
                target, result.svrl[-1] if len(result.svrl) == 1 else _svrl_bundle(result.svrl)
            )
        return
    for result in with_svrl:
        name = Path(result.file).with_suffix(".svrl").name
        write_atomic(
            target / name, result.svrl[-1] if len(result.svrl) == 1 else _svrl_bundle(result.svrl)
        )


def _svrl_bundle(parts: Sequence[str]) -> str:
    # Several Schematron runs on one file: keep each SVRL document whole.
    body = "".join(p.split("?>", 1)[1] if p.startswith("<?xml") else p for p in parts)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<svrl-reports>{body}</svrl-reports>\n'


def _update_hint(report: Any) -> str:
    from teikit.validate.hints import update_hint

    return update_hint(report.diagnostics)


def main(argv: Sequence[str] | None = None) -> None:
    """Console entry point: click handles usage errors (exit 2); anything
    unexpected becomes one line and exit 3, never a traceback."""
    global _OWN_PROCESS
    _OWN_PROCESS = argv is None
    try:
        cli.main(
            args=list(argv) if argv is not None else None, prog_name="teikit", standalone_mode=True
        )
    except TeikitError as exc:  # pragma: no cover - commands handle their own
        _emit(f"teikit: error: {exc.message}")
        sys.exit(EXIT_TOOL)
    except OSError as exc:  # a full disk or a read-only folder where a command writes
        where = f" {printable(os.fsdecode(exc.filename))}" if exc.filename else ""
        _emit(f"teikit: error: cannot write{where}: {exc.strerror or exc}")
        sys.exit(EXIT_TOOL)
    except Exception as exc:  # last resort: a bug, reported as one line
        _emit(f"teikit: internal error: {type(exc).__name__}: {exc}")
        sys.exit(EXIT_TOOL)


def reference_markdown() -> str:
    """The CLI reference (docs/cli.md), generated from every command's --help."""
    lines = [
        "# teikit command-line reference",
        "",
        "Generated from `teikit --help` by `python docs/make_cli_md.py`; a test fails",
        "when this file is stale or a command has no help text.",
        "",
    ]

    def walk(command: click.Command, names: list[str], parent: click.Context | None = None) -> None:
        # A real context chain, so settings such as -h/--help are inherited as in a run.
        settings = {"terminal_width": 100, "max_content_width": 100, **command.context_settings}
        ctx = click.Context(command, parent=parent, info_name=names[-1], **settings)
        lines.extend(
            [f"## `{' '.join(names)}`", "", "```", command.get_help(ctx).rstrip(), "```", ""]
        )
        if isinstance(command, click.Group):
            for name in sorted(command.list_commands(ctx)):
                sub = command.get_command(ctx, name)
                if sub is not None and not sub.hidden:
                    walk(sub, [*names, name], ctx)

    walk(cli, ["teikit"])
    return "\n".join(lines)
