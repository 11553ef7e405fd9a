"""The command line. The only module that imports click, prints or exits."""

from __future__ import annotations

import sys
from collections.abc import Sequence

import click

from teikit import __version__
from teikit.batch import discover
from teikit.errors import Severity, TeikitError

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_TOOL = 0, 1, 2, 3


def _emit(line: str) -> None:
    click.echo(line, err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="teikit")
def cli() -> None:
    """teikit: validate, index, transform and publish TEI-XML digital editions."""


@cli.command()
@click.argument("paths", nargs=-1, type=str)
@click.option(
    "--schema",
    "schema_specs",
    multiple=True,
    metavar="NAME|PATH",
    help="Schema to validate against, repeatable: tei_all, teikit, or a .rng/.xsd/.sch file. "
    "Default: tei_all and teikit.",
)
@click.option(
    "-q", "--quiet", is_flag=True, help="Print errors only, no warnings, info or summary."
)
def validate(paths: Sequence[str], schema_specs: Sequence[str], quiet: bool) -> None:
    """Validate TEI files against RELAX NG, Schematron and XSD schemas.

    PATHS are files, folders (searched recursively for *.xml) or globs; the
    default is tei/. Diagnostics go to stderr as path:line:col: severity:
    message. Exit status: 0 all valid, 1 findings, 2 usage error, 3 tool failure.

    Example:

        teikit validate tei/ --schema tei_all --schema schema/teikit.sch
    """
    from teikit.validate import DEFAULT_SCHEMAS, validate_files

    files = discover(paths or ("tei/",))
    if not files:
        raise click.UsageError(f"no XML files found in {' '.join(paths or ('tei/',))}")
    try:
        report = validate_files(files, schema_specs or DEFAULT_SCHEMAS)
    except TeikitError as exc:
        for diagnostic in exc.diagnostics:
            _emit(diagnostic.format())
        _emit(f"teikit: error: {exc.message}")
        sys.exit(exc.exit_code if exc.exit_code != EXIT_FINDINGS else EXIT_TOOL)
    for result in report.files:
        for diagnostic in result.diagnostics:
            if quiet and diagnostic.severity < Severity.ERROR:
                continue
            _emit(diagnostic.format())
    if not quiet:
        _emit(report.summary())
    sys.exit(EXIT_OK if report.valid else EXIT_FINDINGS)


def main(argv: Sequence[str] | None = None) -> None:
    """Console entry point: click handles usage errors (exit 2); anything
    unexpected becomes one line and exit 3, never a traceback."""
    try:
        cli.main(
            args=list(argv) if argv is not None else None, prog_name="teikit", standalone_mode=True
        )
    except TeikitError as exc:  # pragma: no cover - commands handle their own
        _emit(f"teikit: error: {exc.message}")
        sys.exit(EXIT_TOOL)
    except Exception as exc:  # last resort: a bug, reported as one line
        _emit(f"teikit: internal error: {type(exc).__name__}: {exc}")
        sys.exit(EXIT_TOOL)
