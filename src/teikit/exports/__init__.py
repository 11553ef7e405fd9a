"""Exports of an edition: one module per format, one ``write`` per module.

``export(docs, output, fmt)`` builds the entity index once and hands it to the
format's writer. Every file is written atomically (temporary file, then
``os.replace`` in the same directory), in UTF-8, and deterministically: the
same input gives byte-identical output, with no timestamps.

=========  ==========================  =================================================
format     output                      what
=========  ==========================  =================================================
cmif       ``*.cmif.xml`` (one file)   CMIF v1 for correspSearch (:mod:`.cmif`)
csv        a directory                 letters, persons, places, organisations,
                                       mentions and a network edge list (:mod:`.csv`)
gexf       ``*.gexf`` (two files)      correspondence network (directed) and, next to it,
                                       ``*.co-mentions.gexf`` (undirected): Gephi, networkx
geojson    ``*.geojson``               places, Linked Places Format conventions
jsonld     ``*.jsonld``                schema.org Message/Person/Place/Organization
txt        directory or ``*.txt``      reading text, one file per document or combined
md         directory or ``*.md``       the same as Markdown
=========  ==========================  =================================================

``export(edition, DIR, "all")`` (:func:`export_all`) writes every format into one
folder from one index of the edition: the edition is read and indexed once.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import hashlib
import importlib
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any

from teikit.batch import OnStep
from teikit.document import Document, load
from teikit.edition import Config, DocumentFacts, Edition, as_edition
from teikit.errors import Diagnostic, Severity, TeikitError, UsageError
from teikit.exports.cmif import CmifOptions, cmif_check, letter_findings
from teikit.exports.common import ExportError, ExportOptions, output_directory
from teikit.exports.network import Network, NetworkParts, build_network, gather_network
from teikit.exports.text import reading_order as text_order
from teikit.exports.text import render, render_both
from teikit.index import EntityIndex, build_index

__all__ = [
    "CmifOptions",
    "ExportError",
    "ExportOptions",
    "Format",
    "cmif_check",
    "cmif_options",
    "export",
    "export_all",
    "export_options",
]


class Format(enum.Enum):
    """An export format; the value is the ``--to`` name."""

    CMIF = "cmif"
    CSV = "csv"
    GEXF = "gexf"
    GEOJSON = "geojson"
    JSONLD = "jsonld"
    TXT = "txt"
    MD = "md"

    @property
    def module(self) -> str:
        # "csv" is this package's module, never the standard library's.
        return f"teikit.exports.{'text' if self in (Format.TXT, Format.MD) else self.value}"

    @property
    def writes_directory(self) -> bool:
        """Always a directory (csv); txt and md write one when the output has no suffix."""
        return self is Format.CSV

    @classmethod
    def parse(cls, name: str | Format) -> Format:
        """A ``--to`` value (case-insensitive; ``json-ld`` and ``markdown`` accepted)."""
        if isinstance(name, Format):
            return name
        key = {"json-ld": "jsonld", "markdown": "md", "text": "txt"}.get(name.lower(), name.lower())
        try:
            return cls(key)
        except ValueError:
            names = ", ".join(f.value for f in cls)
            raise UsageError(f"unknown export format {name!r}: use one of {names}") from None

    @classmethod
    def infer(cls, suffix: str) -> Format:
        """The format an output name or suffix asks for (``.gexf``, ``out/x.cmif.xml``).

        ``.cmif.xml`` (or a file named ``cmif.xml``) is CMIF; a bare ``.xml`` is
        refused as ambiguous, and so is a name without suffix (a directory: csv,
        txt and md all write one) and ``.csv`` (csv writes a directory of
        files): give ``--to`` for those.
        """
        name = PurePath(suffix.lower().strip()).name
        if name.endswith(".cmif.xml") or name == "cmif.xml":
            return cls.CMIF
        # ".gexf" alone is a suffix, not a hidden file named gexf
        last = name if name.startswith(".") and name.count(".") == 1 else PurePath(name).suffix
        known = {
            ".gexf": cls.GEXF,
            ".geojson": cls.GEOJSON,
            ".jsonld": cls.JSONLD,
            ".json-ld": cls.JSONLD,
            ".txt": cls.TXT,
            ".md": cls.MD,
            ".markdown": cls.MD,
        }
        if last in known:
            return known[last]
        if last == ".xml":
            raise UsageError(
                f"{suffix}: .xml is ambiguous; name the file *.cmif.xml or pass --to cmif"
            )
        if last == ".csv":
            raise UsageError(
                f"{suffix}: the csv export writes a directory of CSV files; give a directory "
                "and --to csv"
            )
        if not last:
            raise UsageError(
                f"{suffix}: no suffix to infer the format from; pass --to (csv, txt or md "
                "write a directory)"
            )
        raise UsageError(
            f"{suffix}: cannot infer the export format from {last!r}; pass --to "
            f"({', '.join(f.value for f in cls)})"
        )


def cmif_options(config: Config) -> CmifOptions:
    """What the edition's configuration says a CMIF file needs ([cmif], base_url)."""
    return CmifOptions(
        editor=config.cmif.editor,
        editor_email=config.cmif.email,
        licence=config.cmif.licence,
        publisher=config.cmif.publisher,
        publisher_url=config.cmif.publisher_url,
        cmif_url=config.cmif.url,
        edition_url=config.base_url,
    )


def export_options(edition: Edition, **overrides: Any) -> ExportOptions:
    """The export options an edition's configuration gives (its base URL, the CMIF
    editor, e-mail, licence, publisher), with ``overrides`` (ExportOptions or
    CmifOptions fields; None leaves a value as configured) laid over them."""
    config = edition.config
    cmif_fields = {f.name for f in dataclasses.fields(CmifOptions)}
    cmif_given = {k: v for k, v in overrides.items() if k in cmif_fields and v is not None}
    cmif = dataclasses.replace(cmif_options(config), **cmif_given)
    given = {k: v for k, v in overrides.items() if k not in cmif_fields and v is not None}
    if isinstance(given.get("cmif"), CmifOptions):
        cmif = given.pop("cmif")
    return ExportOptions(**{"base_url": config.base_url, **given, "cmif": cmif})


# What ``--to all`` writes into its folder, one name per format.
ALL_OUTPUTS = {
    Format.CMIF: "cmif.xml",
    Format.CSV: "csv",
    Format.GEXF: "network.gexf",
    Format.GEOJSON: "places.geojson",
    Format.JSONLD: "edition.jsonld",
    Format.TXT: "txt",
    Format.MD: "md",
}


def _write(
    chosen: Format,
    documents: list[Document],
    index: EntityIndex,
    output: str | os.PathLike[str],
    opts: ExportOptions,
    findings: list[Diagnostic] | None,
) -> list[Path]:
    writer = importlib.import_module(chosen.module)
    if chosen in (Format.TXT, Format.MD):
        return writer.write(documents, index, output, opts, markdown=chosen is Format.MD)
    if chosen is Format.CMIF and findings is not None:
        # The letters' own dates, checked before writing and reported where they are.
        findings.extend(letter_findings(index))
    return writer.write(documents, index, output, opts)


def export(
    source: Edition | Iterable[Document] | Document | bytes | str | os.PathLike[str],
    output: str | os.PathLike[str],
    fmt: Format | str | None = None,
    *,
    index: EntityIndex | None = None,
    options: ExportOptions | None = None,
    findings: list[Diagnostic] | None = None,
    on_step: OnStep | None = None,
    jobs: int = 1,
) -> list[Path]:
    """Export an edition (an :class:`~teikit.edition.Edition`, documents, a document
    or its bytes, or a path or folder to open as one) as ``fmt`` (inferred from
    ``output`` when None; ``"all"``: every format into the folder ``output``, see
    :func:`export_all`) to ``output``.

    Returns the files written. What the export finds in the edition (a letter's
    date CMIF cannot take, at the letter's line) is appended to ``findings`` when
    given; ``on_step`` hears of each document as it is indexed; ``jobs`` workers
    read, index and render the documents (see :func:`teikit.index.build_index`). Raises
    :class:`UsageError` for a format that cannot be inferred or options a format
    needs, :class:`ExportError` when the output cannot be written.
    """
    if isinstance(fmt, str) and fmt.lower() == "all":
        return export_all(
            source,
            output,
            index=index,
            options=options,
            findings=findings,
            on_step=on_step,
            jobs=jobs,
        )
    chosen = Format.parse(fmt) if fmt is not None else Format.infer(os.fspath(output))
    if index is None:  # one reading of the edition (one document at a time, when lazy)
        edition = as_edition(source)
        opts = options or export_options(edition)
        texts = (chosen,) if chosen in (Format.TXT, Format.MD) else ()
        # Only CSV writes the occurrences' paths and context snippets.
        details = chosen is Format.CSV
        once = _read_once(edition, opts, texts, on_step, jobs, details=details)
        return _write_one(chosen, once, None, Path(output), opts, findings)
    if isinstance(source, Edition):
        documents = list(source.order)
        options = options or export_options(source)
    else:
        documents = _documents(source)
    return _write(chosen, documents, index, output, options or ExportOptions(), findings)


@dataclass
class _ReadOnce:
    """What one pass over the edition leaves for the writers: the index, each text's
    reading as txt and md (in reading order: the document's path and the text, or
    with ``staged`` the file the text waits in) and the few documents whose
    headers CMIF reads."""

    index: EntityIndex
    texts: dict[Format, list[tuple[str, str]]]
    headers: list[Document]
    staged: bool = False


def _documents(
    source: Iterable[Document] | Document | bytes | str | os.PathLike[str],
) -> list[Document]:
    if isinstance(source, Document):
        return [source]
    if isinstance(source, bytes | str | os.PathLike):
        return list(as_edition(source).order)
    return list(source)


def _stage(path: Path, text: str) -> str:
    """Write a text into the scratch folder, where nothing reads it before it is
    moved into place (after one sync for all: see :func:`_read_once`): no
    temporary file and no sync of its own."""
    data = text.encode("utf-8")
    try:
        try:
            path.write_bytes(data)
        except FileNotFoundError:  # the format's folder, made by the first text
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    except OSError as exc:
        raise ExportError(f"{path}: cannot write: {exc.strerror or exc}") from exc
    return str(path)


def _read_once(
    edition: Edition,
    options: ExportOptions,
    texts: tuple[Format, ...] = (Format.TXT, Format.MD),
    on_step: OnStep | None = None,
    jobs: int = 1,
    stage: Path | None = None,
    details: bool = True,
) -> _ReadOnce:
    """Index the edition and render its texts (as ``texts``) in one pass over its
    documents, read and let go one at a time when it was opened with ``lazy=True``
    (by ``jobs`` workers, each sending back what it found and rendered). With
    ``stage`` (a folder), each text is written there as soon as it is rendered,
    to be moved into place once the reading order is known, and is never held.
    ``details``: the occurrences' paths and snippets (see :func:`build_index`)."""
    rendered: dict[str, dict[Format, tuple[str, str]]] = {}

    def render_texts(doc: Document, fact: DocumentFacts) -> dict[Format, tuple[str, str]] | None:
        if fact.kind == "register" or not texts:  # registers are not reading text
            return None
        done = {}
        if len(texts) > 1:  # txt and md from one walk of the document
            both = render_both(doc, notes=options.notes)
            made = {fmt: both[fmt is Format.MD] for fmt in texts}
        else:
            made = {
                fmt: render(doc, markdown=fmt is Format.MD, notes=options.notes) for fmt in texts
            }
        for fmt in texts:
            text = made[fmt]
            if stage is None:
                done[fmt] = (doc.path, text)
            else:
                name = hashlib.sha1(fact.relpath.encode("utf-8")).hexdigest()
                done[fmt] = (doc.path, _stage(stage / fmt.value / name, text))
        return done

    def keep(fact: DocumentFacts, value: dict[Format, tuple[str, str]] | None) -> None:
        if value is not None:
            rendered[fact.relpath] = value

    index = build_index(
        edition,
        per_document=render_texts,
        on_document=keep,
        on_step=on_step,
        jobs=jobs,
        details=details,
    )
    if stage is not None and rendered:
        # The staged texts were written without a sync each (10,000 of them in a
        # 5,000-letter edition): one sync for all, before they are moved into place.
        os.sync()
    in_order = {fmt: [rendered[f][fmt] for f in index.order if f in rendered] for fmt in texts}
    root = Path(index.root)
    # CMIF's header comes from the edition file, else the first letter: read again.
    kinds = {d.file: d.kind for d in index.documents}
    letters = [f for f in index.order if kinds.get(f) == "letter"]
    wanted = [f for f in index.order if kinds.get(f) == "edition"] + letters[:1]
    headers = []
    for file in wanted:
        doc = edition.document(root / file)
        if doc is None:
            try:
                doc = load(root / file)
            except TeikitError:
                continue
        headers.append(doc)
    return _ReadOnce(index, in_order, headers, staged=stage is not None)


def export_all(
    source: Edition | Iterable[Document] | Document | bytes | str | os.PathLike[str],
    folder: str | os.PathLike[str],
    *,
    index: EntityIndex | None = None,
    options: ExportOptions | None = None,
    findings: list[Diagnostic] | None = None,
    on_step: OnStep | None = None,
    jobs: int = 1,
) -> list[Path]:
    """Every format into ``folder`` (names in :data:`ALL_OUTPUTS`), from one reading
    and one index of the edition.

    The documents are read once, one at a time, and let go once indexed and
    rendered: open the edition with ``Edition.open(path, lazy=True)`` (as a path
    given here is) and only its registers are ever in memory all together.
    A format that cannot be written (CMIF without the editor's e-mail, an edition
    without letters) does not stop the others: it is reported in ``findings`` as
    an error naming the format (without ``findings``, the first such error is
    raised once the others are written)."""
    if index is not None:  # made already, so the documents are in memory
        documents = list(source.order) if isinstance(source, Edition) else _documents(source)
        if options is None:
            options = export_options(source) if isinstance(source, Edition) else ExportOptions()
        once = _ReadOnce(
            index,
            {
                fmt: [
                    (d.path, render(d, markdown=fmt is Format.MD, notes=options.notes))
                    for d in text_order(documents, index)
                ]
                for fmt in (Format.TXT, Format.MD)
            },
            documents,
        )
        target = output_directory(folder)
        return _write_all(once, target, options, findings, jobs)
    if isinstance(source, str | os.PathLike):
        source = Edition.open(source, lazy=True)
    edition = as_edition(source)
    options = options or export_options(edition)
    target = output_directory(folder)
    # The texts wait in a scratch folder of the output (one a killed run leaves is
    # cleaned by the next), so that they are written as the workers render them.
    try:
        stage = Path(tempfile.mkdtemp(prefix=".teikit-", dir=target))
    except OSError as exc:
        raise ExportError(f"{target}: cannot write: {exc.strerror or exc}") from exc
    try:
        once = _read_once(edition, options, on_step=on_step, jobs=jobs, stage=stage)
        return _write_all(once, target, options, findings, jobs)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


# The formats of ``--to all`` that this process writes one after another, in
# this order, when there is one job (or no helper): see _write_all.
_WRITER_GROUPS = (
    (Format.JSONLD, Format.CMIF, Format.GEXF),
    (Format.GEOJSON, Format.CSV),
)


_Failure = tuple[type[TeikitError], str, tuple[Diagnostic, ...]]


@dataclass
class _Outcome:
    """What writing one format of ``--to all`` gave: the files, the findings, and
    the error that stopped it (its class, message and diagnostics: it travels
    from a helper process)."""

    written: list[Path]
    findings: list[Diagnostic]
    failure: _Failure | None = None


def _write_group(
    formats: tuple[Format, ...],
    once: _ReadOnce,
    target: Path,
    options: ExportOptions,
    network: Network | None = None,
) -> dict[Format, _Outcome]:
    """Write ``formats`` of :data:`ALL_OUTPUTS` into ``target``, one after another
    (``network``: made already; else made here when a format needs it)."""
    done: dict[Format, _Outcome] = {}
    for chosen in formats:
        name = ALL_OUTPUTS[chosen]
        outcome = done[chosen] = _Outcome([], [])
        if chosen is Format.CMIF and not once.index.letters:
            outcome.findings.append(
                Diagnostic(
                    str(target / name), 0, 0, Severity.INFO,
                    "no CMIF written: the edition has no letters (no correspDesc)",
                    "cmif-no-letters", "export",
                )
            )  # fmt: skip
            continue
        try:
            if network is None and chosen in (Format.CSV, Format.GEXF):
                network = build_network(once.index, options.min_co_mentions)
            outcome.written = _write_one(
                chosen, once, network, target / name, options, outcome.findings
            )
        except TeikitError as exc:
            outcome.failure = (type(exc), exc.message, exc.diagnostics)
    return done


def _attempt(
    outcome: _Outcome, write: Callable[[], list[Path]], failed: _Failure | None = None
) -> None:
    """One part of a format: ``write()``'s files added to ``outcome``, or the error
    that stopped it (``failed``: the part failed already, elsewhere). A format
    stops at its first part that fails, as when it is written whole."""
    if outcome.failure is not None:
        return
    if failed is not None:
        outcome.failure = failed
        return
    try:
        outcome.written += write()
    except TeikitError as exc:
        outcome.failure = (type(exc), exc.message, exc.diagnostics)


def _write_network(parts: NetworkParts, target: Path, title: str) -> dict[Format, _Outcome]:
    """What the helper writes (see :func:`_write_all`): the network made from
    ``parts``, as GEXF and as CSV's two network tables."""
    from teikit.exports import csv as csv_writer
    from teikit.exports import gexf

    network = parts.network()
    graphs, tables = _Outcome([], []), _Outcome([], [])
    _attempt(graphs, lambda: gexf.write_network(network, target / ALL_OUTPUTS[Format.GEXF], title))
    _attempt(tables, lambda: csv_writer.write_network(network, target / ALL_OUTPUTS[Format.CSV]))
    return {Format.GEXF: graphs, Format.CSV: tables}


def _network_helper() -> None:
    """The helper's life (see :data:`_HELPER`): what to write from standard input,
    what it gave (:func:`_write_network`) to standard output, both pickled."""
    parts, target, title = pickle.loads(sys.stdin.buffer.read())
    sys.stdout.buffer.write(pickle.dumps(_write_network(parts, target, title)))
    sys.stdout.buffer.flush()


# How the helper process is started: a fresh interpreter given this one's import
# path (its arguments), not a fork, and not multiprocessing's spawn (which runs a
# caller's unguarded main script again).
_HELPER = (
    "import sys; sys.path[:0] = sys.argv[1:]; "
    "from teikit.exports import _network_helper; _network_helper()"
)


class _Helper:
    """The process that makes the network and writes GEXF and CSV's network tables
    while this one writes the other formats (see :func:`_write_all`)."""

    def __init__(self, parts: NetworkParts, target: Path, title: str) -> None:
        path = [p for p in sys.path if p]
        self.process = subprocess.Popen(
            [sys.executable, "-c", _HELPER, *path],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,  # what it dies of is not the user's: see finish
        )
        job = pickle.dumps((parts, target, title), pickle.HIGHEST_PROTOCOL)

        def send() -> None:  # while the helper starts: it reads once it has imported
            with contextlib.suppress(OSError):
                self.process.stdin.write(job)  # type: ignore[union-attr]
            with contextlib.suppress(OSError):
                self.process.stdin.close()  # type: ignore[union-attr]

        self.sender = threading.Thread(target=send, daemon=True)
        self.sender.start()

    def finish(self) -> dict[Format, _Outcome] | None:
        """What the helper wrote; None when it died (or could not start: an
        embedded interpreter's ``sys.executable`` need not be Python)."""
        try:
            answer = self.process.stdout.read()  # type: ignore[union-attr]
            code = self.process.wait()
            self.sender.join()
            if code == 0:
                with contextlib.suppress(Exception):  # not what it should say: it failed
                    return pickle.loads(answer)
            return None
        finally:
            self.close()

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        for stream in (self.process.stdout, self.process.stdin):
            with contextlib.suppress(OSError, AttributeError):
                stream.close()  # type: ignore[union-attr]


def _write_all(
    once: _ReadOnce,
    target: Path,
    options: ExportOptions,
    findings: list[Diagnostic] | None,
    jobs: int = 1,
) -> list[Path]:
    """Every format of :data:`ALL_OUTPUTS` into ``target`` (see :func:`export_all`).

    With ``jobs`` > 1 a helper process makes the network (the co-mention pairs:
    the largest piece of work after the reading) and writes what is made of it
    (GEXF, CSV's edges.csv and edge_letters.csv) while this process writes the
    rest. The helper is a fresh interpreter sent what the network is made of
    (:class:`NetworkParts`, a few MB), not a fork: a fork would share the index's
    pages, and each page either process then reads an object on (a read writes
    its reference count) would be copied, hundreds of MB for mentions.csv."""
    done = _write_group((Format.TXT, Format.MD), once, target, options)
    parts: NetworkParts | None = None
    with contextlib.suppress(TeikitError):  # else each format that needs it tries
        parts = gather_network(once.index, options.min_co_mentions)  # and reports it
    helper: _Helper | None = None
    if jobs > 1 and parts is not None:
        with contextlib.suppress(OSError):  # no interpreter to start: all here
            helper = _Helper(parts, target, once.index.title)
    if helper is None:
        network = parts.network() if parts is not None else None
        for group in _WRITER_GROUPS:
            done.update(_write_group(group, once, target, options, network))
    else:
        try:
            done.update(_write_rest(once, target, options))
            theirs = helper.finish()
        finally:
            helper.close()
        if theirs is None:  # the helper died: its formats are written here, nothing lost
            theirs = _write_network(parts, target, once.index.title)
        done[Format.GEXF] = theirs[Format.GEXF]
        tables, network_tables = done[Format.CSV], theirs[Format.CSV]
        # CSV as written whole: its tables, mentions.csv, then the network's tables,
        # stopped by the first that fails (and then no file listed)
        _attempt(tables, lambda: network_tables.written, network_tables.failure)
        if tables.failure is not None:
            tables.written = []
    written: list[Path] = []
    first_failure: TeikitError | None = None
    for chosen, name in ALL_OUTPUTS.items():  # in the order they were written one by one
        outcome = done[chosen]
        written += outcome.written
        if findings is not None:
            findings += outcome.findings
        if outcome.failure is None:
            continue
        kind, message, diagnostics = outcome.failure
        first_failure = first_failure or kind(message, diagnostics)
        if findings is not None:
            findings.append(
                Diagnostic(
                    str(target / name), 0, 0, Severity.ERROR,
                    f"{chosen.value} not written: {message}", "export-failed", "export",
                )
            )  # fmt: skip
    if first_failure is not None and findings is None:
        raise first_failure
    return written


def _write_rest(once: _ReadOnce, target: Path, options: ExportOptions) -> dict[Format, _Outcome]:
    """What this process writes while the helper writes the network (see
    :func:`_write_all`): JSON-LD, CMIF, GeoJSON, and CSV but for its network
    tables (mentions.csv first, the largest: the outcome lists it after the
    other tables, as CSV's writer does)."""
    from teikit.exports import csv as csv_writer

    done = _write_group((Format.JSONLD, Format.CMIF, Format.GEOJSON), once, target, options)
    folder = target / ALL_OUTPUTS[Format.CSV]
    mentions, tables = _Outcome([], []), _Outcome([], [])
    _attempt(mentions, lambda: [csv_writer.write_mentions(once.index, folder)])
    _attempt(tables, lambda: csv_writer.write_tables(once.index, folder), mentions.failure)
    tables.written += mentions.written
    done[Format.CSV] = tables
    return done


def _write_one(
    chosen: Format,
    once: _ReadOnce,
    network: Network | None,
    output: Path,
    options: ExportOptions,
    findings: list[Diagnostic] | None,
) -> list[Path]:
    writer = importlib.import_module(chosen.module)
    if chosen in (Format.TXT, Format.MD):
        place = writer.place_staged if once.staged else writer.write_rendered
        return place(once.texts[chosen], output, options, markdown=chosen is Format.MD)
    if chosen is Format.CSV:
        return writer.write([], once.index, output, options, network=network)
    if chosen is Format.GEXF:
        return writer.write([], once.index, output, options, network=network)
    return _write(chosen, once.headers, once.index, output, options, findings)
