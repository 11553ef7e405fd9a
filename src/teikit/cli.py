"""The command line. The only module that imports click, prints or exits.

Each command parses its options, calls the library, formats the result and
turns library exceptions into one-line messages and exit codes:
0 success, 1 findings, 2 usage error, 3 tool failure.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from teikit import __version__
from teikit.batch import Progress, discover, write_atomic
from teikit.errors import Severity, TeikitError

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_TOOL = 0, 1, 2, 3
DEFAULT_TEI = "tei/"


def _emit(line: str) -> None:
    click.echo(line, err=True)


def _fail(exc: TeikitError) -> None:
    """Print a library error as located one-liners and exit with its code."""
    for diagnostic in exc.diagnostics:
        _emit(diagnostic.format())
    _emit(f"teikit: error: {exc.message}")
    sys.exit(exc.exit_code if exc.exit_code in (EXIT_USAGE, EXIT_TOOL) else EXIT_TOOL)


def jobs_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "-j",
        "--jobs",
        type=click.IntRange(min=1),
        default=None,
        help="Worker processes (default: all cores).",
    )(func)


def _files(paths: Sequence[str]) -> list[str]:
    given = paths or (DEFAULT_TEI,)
    files = discover(given)
    if not files:
        raise click.UsageError(f"no XML files found in {' '.join(given)}")
    return files


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name="teikit")
def cli() -> None:
    """teikit: validate, index, transform and publish TEI-XML digital editions.

    Run "teikit COMMAND --help" for a command's options. Exit status: 0 success,
    1 findings, 2 usage error, 3 tool failure.
    """


@cli.command()
@click.argument("paths", nargs=-1, type=str)
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
    help="Write the json/junit report to FILE instead of stdout.",
)
@click.option(
    "-q", "--quiet", is_flag=True, help="Print errors only: no warnings, info or summary."
)
@click.option(
    "--max-errors",
    type=click.IntRange(min=1),
    metavar="N",
    help="Report at most N errors per file.",
)
@jobs_option
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
    jobs: int | None,
) -> None:
    """Validate TEI files against RELAX NG, Schematron and XSD schemas.

    PATHS are files, folders (searched recursively for *.xml), globs, or - for
    standard input; the default is tei/. Without --schema each document is
    checked against what its <?xml-model?> declares (falling back to tei_all),
    including the Schematron embedded in RELAX NG schemas. Diagnostics go to
    stderr as path:line:col: severity: message [source:code], then a summary.

    Example:

        teikit validate tei/ --schema tei_all --format junit --report validate.xml
    """
    from teikit import reports
    from teikit.validate import ValidateOptions, validate_files

    files = _files(paths)
    options = ValidateOptions(
        schemas=tuple(schema_specs),
        embedded_schematron=not no_embedded_schematron,
        phase=phase,
        max_errors=max_errors,
        catalogs=tuple(catalogs),
        svrl=svrl_path is not None,
    )
    progress = Progress(len(files))

    def show(_path: str, result: Any) -> None:
        progress.step(result.file)
        lines = [
            d.format() for d in result.diagnostics if not quiet or d.severity >= Severity.ERROR
        ]
        if result.truncated:
            lines.append(
                f"{result.file}:0:0: info: {result.truncated} more errors not shown (--max-errors)"
            )
        if lines:
            progress.close()
            for line in lines:
                _emit(line)

    try:
        report = validate_files(files, options=options, jobs=jobs, on_result=show)
    except TeikitError as exc:
        progress.close()
        _fail(exc)
    progress.close()
    if svrl_path is not None:
        _write_svrl(svrl_path, report)
    if report_format != "text":
        text = reports.to_json(report) if report_format == "json" else reports.to_junit(report)
        if report_path is None:
            click.echo(text, nl=False)
        else:
            write_atomic(report_path, text)
    if not quiet:
        _emit(report.summary())
        hint = _update_hint(report)
        if hint:
            _emit(hint)
    if report.interrupted:
        sys.exit(130)
    sys.exit(EXIT_OK if report.valid else EXIT_FINDINGS)


@cli.group()
def schema() -> None:
    """Manage TEI schema releases: the bundled 4.3.0 and newer ones in the user cache.

    Validation uses the newest cached release and falls back to the bundled one;
    it never downloads anything by itself.
    """


@schema.command("update")
@click.option(
    "--url",
    metavar="URL",
    help="Release folder or tei_all.rng URL "
    "(default: the TEI Consortium's current release; env TEIKIT_TEI_RELEASE_URL).",
)
def schema_update(url: str | None) -> None:
    """Download the current TEI release's tei_all.rng into the user cache.

    The file is checked (a RELAX NG grammar with a TEI version), its version and
    sha256 recorded, and it is written atomically. This is the only command that
    uses the network, and only when you run it.

    Example:

        teikit schema update
    """
    from teikit import schema_cache

    try:
        release = schema_cache.update(base_url=url)
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
def schema_fetch(version: str, url: str | None, force: bool) -> None:
    """Download a versioned TEI release (from the TEI Vault) into the user cache.

    Example:

        teikit schema fetch 4.9.0
    """
    from teikit import schema_cache

    try:
        release = schema_cache.fetch(version, vault_url=url, force=force)
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
