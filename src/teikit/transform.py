"""Batch transformation: many TEI files to HTML, PDF, plain text, or anything a
user's own XSLT 1.0/2.0/3.0 stylesheet produces.

* Keeps going past bad files: each failure is a diagnostic in the report.
* Each output is written atomically (temporary file + rename).
* Output names come from the document's ``xml:id`` (else the file name) and are
  sanitised so they can never leave the output folder.
* Files are transformed by forked worker processes (``jobs``), which inherit the
  compiled stylesheet and the register from the parent; the parent names the
  outputs and moves them into place in input order, so names, diagnostics and
  the report do not depend on the number of workers.
* ``xsl=FILE`` runs the user's stylesheet with ``params`` converted to the
  types its ``xsl:param/@as`` declare; its ``xsl:message`` output becomes
  located diagnostics, and a stylesheet that does not compile raises
  :class:`~teikit.render.StylesheetError` pointing at its own line and column.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import shutil
import tempfile
import time
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from teikit import render
from teikit.batch import (
    STDIN,
    Interrupted,
    OnStep,
    Step,
    WorkerFailure,
    default_jobs,
    file_size,
    output_folder,
    pipeline,
    run,
    write_failure,
)
from teikit.document import TEI_NS, XML_NS, Document, load
from teikit.edition import Config, Edition, Glimpse, find_config, load_config
from teikit.edition.discovery import discover
from teikit.edition.documents import document_kind
from teikit.edition.registers import register_entries
from teikit.errors import Diagnostic, LoadError, Severity, UsageError

__all__ = [
    "FileOutcome",
    "TransformReport",
    "output_name",
    "transform",
]

Target = Literal["html", "pdf", "txt", "xml"]
TARGETS: tuple[str, ...] = ("html", "pdf", "txt", "xml")
_EXTENSIONS = {"html": ".html", "pdf": ".pdf", "txt": ".txt", "xml": ".xml"}
_WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL"}
    | {f"COM{i}" for i in range(1, 10)}
    | {f"LPT{i}" for i in range(1, 10)}
)


@dataclass
class FileOutcome:
    """What happened to one input file."""

    source: str
    outputs: list[Path] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return bool(self.outputs) and not any(
            d.severity >= Severity.ERROR for d in self.diagnostics
        )


@dataclass
class TransformReport:
    """The outcome of a batch, in input order."""

    to: str
    out_dir: Path
    files: list[FileOutcome] = field(default_factory=list)
    general: list[Diagnostic] = field(default_factory=list)  # about the run, not one file
    assets: list[Path] = field(default_factory=list)  # teikit.css / teikit.js for HTML
    stylesheet: str = ""
    seconds: float = 0.0
    interrupted: bool = False  # Ctrl-C: ``files`` holds the files finished before it
    fatal: str | None = None  # why nothing could be written (full disk, read-only): exit 3

    @property
    def outputs(self) -> list[Path]:
        return [p for f in self.files for p in f.outputs]

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return self.general + [d for f in self.files for d in f.diagnostics]

    @property
    def ok(self) -> bool:
        run_errors = any(d.severity >= Severity.ERROR for d in self.general)
        return not self.interrupted and not run_errors and all(f.ok for f in self.files)

    def count(self, *severities: Severity) -> int:
        return sum(1 for d in self.diagnostics if d.severity in severities)

    def summary(self) -> str:
        done = sum(1 for f in self.files if f.ok)
        using = Path(self.stylesheet).name if self.stylesheet else f"teikit {self.to}"
        stopped = "interrupted: " if self.interrupted else ""
        return (
            f"{stopped}{len(self.files)} files, {done} transformed, "
            f"{len(self.files) - done} failed, "
            f"{len(self.outputs)} outputs, "
            f"{self.count(Severity.ERROR, Severity.FATAL)} errors, "
            f"{self.count(Severity.WARNING)} warnings ({using}; {self.seconds:.1f} s)"
        )


# --------------------------------------------------------------------------- names


# Letters NFKD does not reduce to ASCII, and Serbian Cyrillic (the edition's second script).
_UPPER = {
    **dict(zip("ĐŁØÞÆŒ", ["D", "L", "O", "Th", "AE", "OE"], strict=True)),
    **dict(
        zip(
            "АБВГДЂЕЖЗИЈКЛЉМНЊОПРСТЋУФХЦЧЏШ",
            [
                "A",
                "B",
                "V",
                "G",
                "D",
                "Đ",
                "E",
                "Ž",
                "Z",
                "I",
                "J",
                "K",
                "L",
                "Lj",
                "M",
                "N",
                "Nj",
                "O",
                "P",
                "R",
                "S",
                "T",
                "Ć",
                "U",
                "F",
                "H",
                "C",
                "Č",
                "Dž",
                "Š",
            ],
            strict=True,
        )
    ),
}
_TRANSLITERATION = str.maketrans(
    {**_UPPER, **{k.lower(): v.lower() for k, v in _UPPER.items()}, "ß": "ss", "ı": "i"}
)


_UNSAFE_RE = re.compile(r"[^A-Za-z0-9._-]+")


def output_name(doc: Document, source: str) -> str:
    """A safe file stem for a document: its ``xml:id``, else its file name.

    Only ASCII letters, digits, ``.``, ``_`` and ``-`` survive; leading and
    trailing dots and underscores go, so ``"../../evil"`` becomes ``"evil"``;
    Windows device names get a leading ``_``. Never empty, at most 100 characters.
    """
    raw = (doc.root.get(f"{{{XML_NS}}}id") or "").strip() or Path(source).stem
    # Two passes: Cyrillic Ђ becomes Đ, which the second pass makes D.
    latin = raw.translate(_TRANSLITERATION).translate(_TRANSLITERATION)
    name = unicodedata.normalize("NFKD", latin).encode("ascii", "ignore").decode("ascii")
    name = _UNSAFE_RE.sub("_", name).strip("._-")[:100].strip("._-")
    if not name:
        name = "document"
    if name.split(".")[0].upper() in _WINDOWS_RESERVED:
        name = "_" + name
    return name


def _inside(out_dir: Path, candidate: Path) -> Path:
    """The resolved output path, refusing anything that would leave ``out_dir``."""
    if candidate.parent == out_dir and candidate.name != ".." and not candidate.is_symlink():
        return candidate  # out_dir is resolved and the name holds no separator: nothing to follow
    resolved = candidate.resolve()
    if not resolved.is_relative_to(out_dir):  # defence in depth: names are sanitised already
        raise UsageError(f"refusing to write outside the output folder: {candidate}")
    return resolved


def _claim(out_dir: Path, stem: str, ext: str, taken: set[str]) -> tuple[Path, str | None]:
    """A unique output path for ``stem``; the second value explains a rename."""
    name, n = stem, 1
    while (name + ext).lower() in taken:
        n += 1
        name = f"{stem}-{n}"
    taken.add((name + ext).lower())
    note = f"output name {stem}{ext} is already used in this run; writing {name}{ext}"
    return _inside(out_dir, out_dir / f"{name}{ext}"), (note if n > 1 else None)


# --------------------------------------------------------------------------- transform

# With jobs=None, smaller batches are done in this process: starting workers (about
# 0.1 s a round; PDFs take two) costs more than they save on a few pages (a few ms
# each; a PDF about 30 ms).
PARALLEL_FROM = {"pdf": 16, "html": 32, "txt": 32, "xml": 32}


def transform(
    paths: Iterable[str | os.PathLike[str] | Document | bytes]
    | str
    | os.PathLike[str]
    | Document
    | bytes
    | Edition,
    to: Target | str,
    out_dir: str | os.PathLike[str],
    *,
    xsl: str | os.PathLike[str] | None = None,
    params: Mapping[str, str] | None = None,
    register: Document | str | os.PathLike[str] | None = None,
    pdf_standard: str | None = None,
    jobs: int | None = None,
    timeout: float | None = None,
    config: Config | None = None,
    on_step: OnStep | None = None,
) -> TransformReport:
    """Transform TEI files (folders are searched for ``*.xml``) into ``out_dir``.

    ``to`` is ``"html"`` (one page per document; a register document gives
    register.html plus persons/places/organisations/works pages; teikit.css
    and teikit.js go to ``out_dir/assets``), ``"pdf"``, ``"txt"``, or with
    ``xsl`` also ``"xml"``. With ``xsl`` the user's stylesheet replaces
    teikit's; for ``"pdf"`` its output is compiled as Typst (so a profile of
    ``xslt/print/print.xsl`` gives PDFs).

    ``params`` are stylesheet parameters as strings, converted to the declared
    types. ``config`` is the edition's configuration (default: its teikit.toml).
    The files are read as one edition (:class:`~teikit.edition.Edition`):
    each document's kind, titles and the entities its mentions name go to the
    stylesheet as parameters, and ``register`` defaults to the edition's
    registers (the register pages are written once, with the first register).

    ``jobs`` is the number of worker processes (default: one per core, for
    batches of at least :data:`PARALLEL_FROM` files; ``1``: everything in this
    process). The stylesheet is compiled and the register read once, here,
    before the workers fork. For PDFs the stylesheet runs here and Typst in
    workers forked before it (a forked process must not run both, see
    :mod:`teikit.render`); once this process has run Typst itself, the
    stylesheet runs in workers and Typst here. On Ctrl-C the report holds
    the files finished so far and ``interrupted`` is set. A file a worker spends
    more than ``timeout`` seconds on (default: batch.DEFAULT_TIMEOUT) is
    reported as failed and the batch goes on. ``on_step`` is called with each
    file's outcome (a :class:`~teikit.batch.Step` with its diagnostics) as soon as
    it and the files before it are done, in input order.

    Raises :class:`UsageError` (bad ``to``, parameter values, output folder)
    and :class:`~teikit.render.StylesheetError` (stylesheet does not compile)
    before any file is written; problems with single files are reported in
    the returned :class:`TransformReport`.
    """
    started = time.perf_counter()
    if to not in TARGETS or (to == "xml" and xsl is None):
        choices = "html, pdf, txt" + (", xml" if xsl is not None else "")
        raise UsageError(f"cannot transform to {to!r}: choose one of {choices}")
    # The folder is this run's alone, cleaned of what a killed run left in it.
    with output_folder(out_dir) as root_dir:
        given = dict(params or {})

        if xsl is not None:
            sheet = render.load_stylesheet(xsl, instrument=True)
        else:
            sheet = render.load_stylesheet(render.STYLESHEETS["typst" if to == "pdf" else to])
        _check_params(sheet, given)
        shown = str(sheet.path) if xsl is not None else ""
        report = TransformReport(to, root_dir, stylesheet=shown)
        report.general.extend(
            _error(str(sheet.path), f"parameter {name!r} is not declared by the stylesheet; "
                   "ignored", "unknown-param", Severity.WARNING)
            for name in given
            if name not in sheet.params
        )  # fmt: skip
        if to == "pdf" and "part-breaks" in sheet.params:
            # where a long document's PDF may be cut into parts (render.compile_typst)
            given.setdefault("part-breaks", "true")

        edition, files, preloaded, owner = _inputs(paths, config)
        batch_register = (
            render.as_document(register) if register is not None else edition.register_document
        )

        workers = default_jobs() if jobs is None else max(1, jobs)
        if jobs is None and len(files) < PARALLEL_FROM[to]:
            workers = 1
        # Typst already ran in this process: forked workers could not run it (see render)
        typst_workers = workers if render.typst_forkable() else 1
        # Warm what every file needs, so that forked workers inherit it.
        if batch_register is not None:
            render.xdm_node(batch_register)
        if to == "pdf" and typst_workers > 1:
            render.warm_typst()

        # Workers write into a private folder inside the output folder; the parent then
        # renames (atomically, same file system) and removes the folder with whatever
        # a stopped worker left in it.
        try:
            scratch, own = Path(tempfile.mkdtemp(prefix=".teikit-", dir=root_dir)), True
        except OSError:  # not writable: each file reports that it cannot be written
            scratch, own = root_dir, False
        key = f"{scratch}:{id(report)}"
        taken: set[str] = set()
        phase = "typesetting" if to == "pdf" else "transforming"
        if on_step is not None and report.general:  # about the run: before any file
            on_step(Step(phase, 0, len(files), "", tuple(report.general)))
        finished = 0  # files done, in any order

        def progressed(count: int) -> None:
            nonlocal finished
            finished = max(finished, count)
            if on_step is not None:
                on_step(Step(phase, finished, len(files)))

        def accept(item: tuple[str, int], done: _Done) -> None:  # in input order
            outcome = FileOutcome(files[item[1]])
            report.files.append(outcome)
            if done.fatal is not None:
                _discard(done.pages)
                raise render.StylesheetError(done.fatal[0], done.fatal[1])
            _place(done, outcome, _EXTENSIONS[to], root_dir, taken)
            outcome.seconds = done.seconds
            if on_step is not None:
                done = max(finished, len(report.files))
                on_step(Step(phase, done, len(files), outcome.source, tuple(outcome.diagnostics)))

        _batches[key] = _Batch(
            files, preloaded, to, sheet, xsl is not None, given, batch_register, pdf_standard,
            scratch, timeout, edition, owner,
        )  # fmt: skip
        try:
            if to == "pdf":
                _make_pdfs(key, len(files), (workers, typst_workers), accept)
            else:
                items = [(key, i) for i in range(len(files))]
                run(_transform_file, items, jobs=workers, on_result=accept, timeout=timeout,
                    on_failure=_gave_up, on_progress=progressed, size=_item_size)  # fmt: skip
        except (Interrupted, KeyboardInterrupt):  # the latter: Ctrl-C while the runner recovers
            report.interrupted = True
        finally:
            del _batches[key]
            if own:
                shutil.rmtree(scratch, ignore_errors=True)

        if to == "html" and any(f.outputs for f in report.files):
            try:
                report.assets = render.write_assets(root_dir)
            except (UsageError, OSError) as exc:
                report.general.append(_error(str(root_dir / "assets"), _why(exc), "write-error"))
        report.fatal = next(
            (dict(d.extra)["fatal"] for d in report.diagnostics if dict(d.extra).get("fatal")),
            None,
        )
        report.seconds = time.perf_counter() - started
        return report


def _config(paths: list[str]) -> Config:
    for raw in paths:
        if raw != STDIN and Path(raw).exists():
            found = find_config(raw)
            return load_config(found) if found is not None else Config()
    return Config()


def _inputs(
    given: Iterable[str | os.PathLike[str] | Document | bytes]
    | str
    | os.PathLike[str]
    | Document
    | bytes
    | Edition,
    config: Config | None = None,
) -> tuple[Edition, list[str], dict[int, Document | LoadError], int | None]:
    """The inputs as one edition, their names, what this process holds of them by
    position (a document, or why it could not be loaded), and the file the
    register's section pages go with.

    This process holds only what the edition model needs at hand: the files that
    may hold register entries, the edition file, and documents given as such.
    Every other file is read once here for what the model takes from all of them
    (:class:`~teikit.edition.Glimpse`), let go, and read again by the worker that
    transforms it, so that memory does not grow with the edition."""
    if isinstance(given, Edition):
        docs = list(given.files)  # one output per file
        loaded: dict[int, Document | LoadError] = dict(enumerate(docs))
        owner = _sections_owner(loaded, given)
        return given, [d.path for d in docs], loaded, owner if owner is not None or not docs else 0
    items = [given] if isinstance(given, str | os.PathLike | bytes | Document) else list(given)
    paths = [os.fspath(i) for i in items if isinstance(i, str | os.PathLike)]
    config = config or _config(paths)
    files: list[str] = []
    loaded = {}
    glimpses: list[Glimpse] = []
    first: int | None = None  # the first file that loads
    for item in items:
        if isinstance(item, Document | bytes):
            doc = item if isinstance(item, Document) else load(item)
            loaded[len(files)] = doc
            first = len(files) if first is None else first
            files.append(doc.path)
            continue
        for path in discover([os.fspath(item)], root=config.root, exclude=config.exclude):
            try:
                doc = load(path)
            except LoadError as exc:
                loaded[len(files)] = exc
                files.append(path)
                continue
            first = len(files) if first is None else first
            if path == STDIN or needed_at_hand(doc, config):  # standard input is read once
                loaded[len(files)] = doc
            else:
                glimpses.append(Glimpse.of(doc))
            files.append(path)
    if not files:
        raise UsageError("no input files")
    docs = [d for d in loaded.values() if isinstance(d, Document)]
    edition = Edition(docs, config=config, root=config.root, glimpses=glimpses)
    owner = _sections_owner(loaded, edition)
    return edition, files, loaded, owner if owner is not None else first


_PREFIX_DEF = f"{{{TEI_NS}}}prefixDef"


def needed_at_hand(doc: Document, config: Config, root: Path | None = None) -> bool:
    """Whether the edition model needs ``doc`` itself at hand: it holds register
    entries or prefixDefs, or it is the edition file (whose title is the edition's;
    ``root``: the edition's folder the configuration's kinds are relative to)."""
    return (
        next(register_entries(doc), None) is not None
        or next(doc.root.iter(_PREFIX_DEF), None) is not None
        or document_kind(doc, overrides=config.kinds, root=root or config.root) == "edition"
    )


def _sections_owner(loaded: dict[int, Document | LoadError], edition: Edition) -> int | None:
    """The file whose outputs include the register's section pages: the first register
    document, else (None) the first document."""
    for index, doc in sorted(loaded.items()):
        if isinstance(doc, Document) and edition.kind(doc) == "register":
            return index
    return None


# --------------------------------------------------------------------------- workers


@dataclass
class _Batch:
    """What every worker needs, set before the workers fork (they inherit it)."""

    files: list[str]
    preloaded: dict[int, Document | LoadError]
    to: str
    sheet: render.Stylesheet
    custom: bool
    params: dict[str, str]
    register: Document | None
    pdf_standard: str | None
    scratch: Path  # where workers write their outputs
    timeout: float | None  # seconds a worker may spend on one file
    edition: Edition | None = None
    sections_owner: int | None = None  # the file the register's section pages go with
    done: dict[int, _Done] = field(default_factory=dict)  # PDFs: results of the first round


# Batches being run, by scratch folder; workers forked during a run inherit its entry.
_batches: dict[str, _Batch] = {}


@dataclass
class _Page:
    """One output of a file, rendered into a temporary file for the parent to name."""

    stem: str
    before: list[Diagnostic]  # the stylesheet's messages: reported before the name
    after: list[Diagnostic] = field(default_factory=list)  # Typst's warnings
    temp: str | None = None  # in the scratch folder; None: failed after the stylesheet ran
    source: str | None = None  # PDFs: the Typst source, between the two rounds


@dataclass
class _Done:
    """A worker's result for one file: plain data, cheap to send between processes."""

    pages: list[_Page] = field(default_factory=list)
    error: list[Diagnostic] = field(default_factory=list)  # why the file stopped early
    fatal: tuple[str, tuple[Diagnostic, ...]] | None = None  # a StylesheetError
    seconds: float = 0.0


def _transform_file(item: tuple[str, int]) -> _Done:
    """Transform one file into files in the scratch folder (worker side)."""
    key, index = item
    state = _batches[key]
    path = state.files[index]
    began = time.perf_counter()
    doc = state.preloaded.get(index)
    if doc is None:
        try:
            doc = load(path)
        except LoadError as exc:
            doc = exc
    if isinstance(doc, LoadError):
        return _Done(error=list(doc.diagnostics))
    done = _Done()
    try:
        _render_pages(doc, path, state, done, index == state.sections_owner)
    except render.StylesheetError as exc:
        done.fatal = (exc.message, exc.diagnostics)
    except (render.RenderError, UsageError, OSError) as exc:
        done.error = _failure(path, exc)
    finally:
        if index not in state.preloaded:  # read here for this file alone
            render.forget(doc)
    done.seconds = time.perf_counter() - began
    return done


def _failure(path: str, exc: render.RenderError | UsageError | OSError) -> list[Diagnostic]:
    """Why a file's output could not be made, as diagnostics."""
    if isinstance(exc, OSError):
        return [_write_error(path, exc)]
    return list(exc.diagnostics) or [_error(path, exc.message)]


def _render_pages(
    doc: Document, path: str, state: _Batch, done: _Done, with_sections: bool = False
) -> None:
    register = state.register
    params = state.params
    sheet = state.sheet
    edition = render.edition_of(doc, state.edition)
    run_params: dict[str, object] = {**render.model_params(edition, doc, sheet), **params}
    if register is not None and "register" in sheet.params and "register" not in params:
        declared = sheet.params["register"].type
        # Typed as a string: give the location; otherwise the document itself.
        run_params["register"] = (
            Path(register.path).resolve().as_uri() if declared.startswith("xs:string") else register
        )
    context = [register] if register is not None else []

    stem = output_name(doc, path)
    pages: list[tuple[str, Document, dict[str, object]]] = [(stem, doc, run_params)]
    if state.to == "html" and not state.custom and with_sections and register is not None:
        # The edition's registers get one page per section, the pages entity links
        # point to (persons.html#id …), and an index page when they are not one file.
        reg_params = {
            **render.model_params(edition, register, sheet),
            **params,
            "register": register,
            "kind": "register",
        }
        present = set(edition.registers.types)
        sections = [s for s, kind in render.REGISTER_SECTIONS.items() if kind in present]
        pages += [
            (section, register, {**reg_params, "register-section": section}) for section in sections
        ]
        if all(register is not d for d in edition.documents):
            pages.append(("register", register, {**reg_params, "register-section": ""}))
    ext = _EXTENSIONS[state.to]
    for name, source, page_params in pages:
        result = render.run(sheet, source, params=page_params, context=context)
        page = _Page(name, result.diagnostics)
        done.pages.append(page)
        if state.to == "pdf":
            page.source = result.text  # compiled in the second round (_compile_file)
        else:
            page.temp = render.write_temp(state.scratch, name + ext, result.text.encode("utf-8"))


# PDFs when Typst must stay in this process: two rounds, the stylesheet (Saxon) in
# workers first, then Typst here, since a forked process must not run both (see
# teikit.render); block by block, so that few Typst sources wait between the rounds.
PDF_BLOCK = 500


@dataclass
class _Compiled:
    """A PDF made by Typst, from a source the stylesheet wrote."""

    temp: str | None = None
    warnings: list[Diagnostic] = field(default_factory=list)
    error: list[Diagnostic] = field(default_factory=list)
    seconds: float = 0.0


def _make_pdfs(
    key: str,
    count: int,
    workers: tuple[int, int],  # for the stylesheet, for Typst
    accept: Callable[[tuple[str, int], _Done], None],
) -> None:
    if workers[1] > 1 and count > 1:
        _stream_pdfs(key, count, workers[1], accept)
        return
    for start in range(0, count, PDF_BLOCK):
        _make_pdf_block(key, range(start, min(start + PDF_BLOCK, count)), workers, accept)


def _make_pdf_block(
    key: str,
    block: range,
    workers: tuple[int, int],
    accept: Callable[[tuple[str, int], _Done], None],
) -> None:
    state = _batches[key]
    results = run(
        _transform_file,
        [(key, i) for i in block],
        jobs=workers[0],
        timeout=state.timeout,
        on_failure=_gave_up,
        size=_item_size,
    )
    state.done = dict(zip(block, results, strict=True))  # the second round inherits them
    waiting = iter(block)  # accepted in input order, as the PDFs come

    def compiled(item: tuple[str, int], result: _Compiled) -> None:
        done = state.done[item[1]]
        page = done.pages[-1]
        page.after, page.temp, page.source = result.warnings, result.temp, None
        done.error = result.error
        done.seconds += result.seconds
        for index in waiting:
            accept((key, index), state.done.pop(index))
            if index == item[1]:
                break

    typst = [(key, i) for i in block if _typst_source(state.done[i]) is not None]
    run(
        _compile_file,
        typst,
        jobs=workers[1],
        on_result=compiled,
        timeout=state.timeout,
        on_failure=lambda item, failure: _Compiled(error=_gave_up(item, failure).error),
        size=_item_size,
        # Typst already ran here: a forked worker would hang in it (see render)
        isolate=render.typst_forkable(),
    )
    for index in waiting:
        accept((key, index), state.done.pop(index))


def _stream_pdfs(
    key: str, count: int, workers: int, accept: Callable[[tuple[str, int], _Done], None]
) -> None:
    """The stylesheet here, Typst in workers forked before it first runs: no barrier
    between the rounds and no Typst source sent twice. Typst is most of a PDF's
    cost, so this process keeps ahead of the workers."""

    def prepare(item: tuple[str, int]) -> tuple[_Done, tuple[str, int, str, str] | None]:
        done = _transform_file(item)
        source = _typst_source(done)
        if source is None:
            return done, None
        page = done.pages[-1]
        page.source = None  # travels once, in the work item
        return done, (item[0], item[1], page.stem, source)

    def settle(item: tuple[str, int], done: _Done, result: _Compiled | None) -> None:
        if result is not None:
            page = done.pages[-1]
            page.after, page.temp = result.warnings, result.temp
            done.error = result.error
            done.seconds += result.seconds
        accept(item, done)

    def gave_up(work: tuple[str, int, str, str], failure: WorkerFailure) -> _Compiled:
        return _Compiled(error=_gave_up((work[0], work[1]), failure).error)

    pipeline(
        [(key, i) for i in range(count)],
        prepare,
        _compile_source,
        settle,
        jobs=workers,
        timeout=_batches[key].timeout,
        on_failure=gave_up,
        size=lambda work: _item_size((work[0], work[1])),
    )


def _item_size(item: tuple[str, int]) -> int:
    """The bytes of an item's file, which give a large one more time (batch.time_limit)."""
    return file_size(_batches[item[0]].files[item[1]])


def _compile_source(work: tuple[str, int, str, str]) -> _Compiled:
    """Compile one Typst source into a PDF in the scratch folder (worker side)."""
    key, index, stem, source = work
    state = _batches[key]
    path = state.files[index]
    began = time.perf_counter()
    out = _Compiled()
    try:
        data, out.warnings = render.compile_typst(
            source, pdf_standard=state.pdf_standard, file=path
        )
        out.temp = render.write_temp(state.scratch, stem + ".pdf", data)
    except (render.RenderError, UsageError, OSError) as exc:
        out.error = _failure(path, exc)
    out.seconds = time.perf_counter() - began
    return out


def _gave_up(item: tuple[str, int], failure: WorkerFailure) -> _Done:
    """A file a worker hung, crashed or failed on: a finding for that file alone."""
    path = _batches[item[0]].files[item[1]]
    code = "timeout" if failure.kind == "timeout" else "transform-crashed"
    return _Done(error=[_error(path, failure.message("the transformation"), code)])


def _typst_source(done: _Done) -> str | None:
    ok = done.pages and not done.error and done.fatal is None
    return done.pages[-1].source if ok else None


def _compile_file(item: tuple[str, int]) -> _Compiled:
    """Compile a file's Typst source into a PDF in the scratch folder (worker side)."""
    key, index = item
    page = _batches[key].done[index].pages[-1]
    return _compile_source((key, index, page.stem, page.source or ""))


# --------------------------------------------------------------------------- parent side


def _place(done: _Done, outcome: FileOutcome, ext: str, out_dir: Path, taken: set[str]) -> None:
    """Name a file's outputs (in input order, so renames do not depend on timing) and
    move them into place; diagnostics in the order of a serial run."""
    path = outcome.source
    for number, page in enumerate(done.pages):
        outcome.diagnostics.extend(page.before)
        try:
            target, renamed = _claim(out_dir, page.stem, ext, taken)
        except UsageError as exc:
            outcome.diagnostics.extend(exc.diagnostics or [_error(path, exc.message)])
            _discard(done.pages[number:])
            return
        if renamed:
            outcome.diagnostics.append(_error(path, renamed, "renamed-output", Severity.WARNING))
        outcome.diagnostics.extend(page.after)
        if page.temp is None:
            break
        try:
            os.replace(page.temp, target)
        except OSError as exc:
            outcome.diagnostics.append(_write_error(path, exc))
            _discard(done.pages[number:])
            return
        outcome.outputs.append(target)
    outcome.diagnostics.extend(done.error)


def _discard(pages: Iterable[_Page]) -> None:
    for page in pages:
        if page.temp is not None:
            with contextlib.suppress(OSError):
                os.unlink(page.temp)


def _check_params(sheet: render.Stylesheet, params: Mapping[str, str]) -> None:
    """Refuse bad parameter values and missing required ones before any file is read."""
    for name, value in params.items():
        render.typed_value(sheet.params.get(name), name, value)  # raises UsageError
    missing = [
        spec
        for spec in sheet.params.values()
        if spec.required and spec.name not in params and spec.name != "register"
    ]
    if missing:
        spec = missing[0]
        diag = Diagnostic(
            spec.file,
            spec.line,
            0,
            Severity.ERROR,
            f"stylesheet parameter {spec.name!r} is required: pass it in params",
            "missing-param",
            "xslt",
        )
        raise UsageError(diag.format(), [diag])


def _why(exc: UsageError | OSError) -> str:
    return exc.message if isinstance(exc, UsageError) else f"cannot write: {exc.strerror or exc}"


def _write_error(path: str, exc: OSError) -> Diagnostic:
    """A file's output could not be written; ``extra`` marks the errors that stop
    every output (a full disk, a read-only folder): the run is then a tool failure."""
    diag = _error(path, f"cannot write output: {exc.strerror or exc}", "write-error")
    if write_failure(exc):
        diag = dataclasses.replace(diag, extra=(("fatal", str(exc.strerror or exc)),))
    return diag


def _error(
    file: str, message: str, code: str = "", severity: Severity = Severity.ERROR
) -> Diagnostic:
    return Diagnostic(file, 0, 0, severity, " ".join(message.split()), code, "transform")
