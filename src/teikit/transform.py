"""Batch transformation: many TEI files to HTML, PDF, plain text, or anything a
user's own XSLT 1.0/2.0/3.0 stylesheet produces.

* Keeps going past bad files: each failure is a diagnostic in the report.
* Each output is written atomically (temporary file + rename).
* Output names come from the document's ``xml:id`` (else the file name) and are
  sanitised so they can never leave the output folder.
* ``xsl=FILE`` runs the user's stylesheet with ``params`` converted to the
  types its ``xsl:param/@as`` declare; its ``xsl:message`` output becomes
  located diagnostics, and a stylesheet that does not compile raises
  :class:`~teikit.render.StylesheetError` pointing at its own line and column.
"""

from __future__ import annotations

import os
import re
import time
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from teikit import render
from teikit.batch import discover
from teikit.document import XML_NS, Document, load
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

    @property
    def outputs(self) -> list[Path]:
        return [p for f in self.files for p in f.outputs]

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return self.general + [d for f in self.files for d in f.diagnostics]

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.files)

    def count(self, *severities: Severity) -> int:
        return sum(1 for d in self.diagnostics if d.severity in severities)

    def summary(self) -> str:
        done = sum(1 for f in self.files if f.ok)
        using = Path(self.stylesheet).name if self.stylesheet else f"teikit {self.to}"
        return (
            f"{len(self.files)} files, {done} transformed, {len(self.files) - done} failed, "
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
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._-")[:100].strip("._-")
    if not name:
        name = "document"
    if name.split(".")[0].upper() in _WINDOWS_RESERVED:
        name = "_" + name
    return name


def _inside(out_dir: Path, candidate: Path) -> Path:
    """The resolved output path, refusing anything that would leave ``out_dir``."""
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


def transform(
    paths: Iterable[str | os.PathLike[str]],
    to: Target | str,
    out_dir: str | os.PathLike[str],
    *,
    xsl: str | os.PathLike[str] | None = None,
    params: Mapping[str, str] | None = None,
    register: Document | str | os.PathLike[str] | None = None,
    pdf_standard: str | None = None,
) -> TransformReport:
    """Transform TEI files (folders are searched for ``*.xml``) into ``out_dir``.

    ``to`` is ``"html"`` (one page per document; a register document gives
    register.html plus persons/places/organisations/works pages; teikit.css
    and teikit.js go to ``out_dir/assets``), ``"pdf"``, ``"txt"``, or with
    ``xsl`` also ``"xml"``. With ``xsl`` the user's stylesheet replaces
    teikit's; for ``"pdf"`` its output is compiled as Typst (so a profile of
    ``xslt/print/print.xsl`` gives PDFs).

    ``params`` are stylesheet parameters as strings, converted to the declared
    types. ``register`` defaults to the register document among the inputs,
    else the file each document's ``@ref`` values point to.

    Raises :class:`UsageError` (bad ``to``, parameter values, output folder)
    and :class:`~teikit.render.StylesheetError` (stylesheet does not compile)
    before any file is written; problems with single files are reported in
    the returned :class:`TransformReport`.
    """
    started = time.perf_counter()
    if to not in TARGETS or (to == "xml" and xsl is None):
        choices = "html, pdf, txt" + (", xml" if xsl is not None else "")
        raise UsageError(f"cannot transform to {to!r}: choose one of {choices}")
    target_dir = Path(out_dir)
    if target_dir.exists() and not target_dir.is_dir():
        raise UsageError(f"output folder {target_dir} is a file")
    target_dir.mkdir(parents=True, exist_ok=True)
    root_dir = target_dir.resolve()
    given = dict(params or {})

    if xsl is not None:
        sheet = render.load_stylesheet(xsl, instrument=True)
    else:
        sheet = render.load_stylesheet(render.STYLESHEETS["typst" if to == "pdf" else to])
    _check_params(sheet, given)
    report = TransformReport(to, root_dir, stylesheet=str(sheet.path) if xsl is not None else "")
    report.general.extend(
        _error(str(sheet.path), f"parameter {name!r} is not declared by the stylesheet; ignored",
               "unknown-param", Severity.WARNING)
        for name in given
        if name not in sheet.params
    )  # fmt: skip

    files = discover([os.fspath(p) for p in paths])
    if not files:
        raise UsageError("no input files")
    loaded: list[Document | LoadError] = []
    for path in files:
        try:
            loaded.append(load(path))
        except LoadError as exc:
            loaded.append(exc)
    batch_register = (
        render.as_document(register)
        if register is not None
        else next((d for d in loaded if isinstance(d, Document) and render.is_register(d)), None)
    )

    taken: set[str] = set()
    for path, item in zip(files, loaded, strict=True):
        began = time.perf_counter()
        outcome = FileOutcome(path)
        report.files.append(outcome)
        if isinstance(item, LoadError):
            outcome.diagnostics.extend(item.diagnostics)
            continue
        reg = batch_register or render.find_register(item)
        try:
            _transform_one(item, path, to, sheet, xsl is not None, given, reg, pdf_standard,
                           root_dir, taken, outcome)  # fmt: skip
        except render.StylesheetError:
            raise
        except (render.RenderError, UsageError) as exc:
            outcome.diagnostics.extend(exc.diagnostics or [_error(path, exc.message)])
        except OSError as exc:
            outcome.diagnostics.append(_error(path, f"cannot write output: {exc}", "write-error"))
        outcome.seconds = time.perf_counter() - began

    if to == "html" and any(f.outputs for f in report.files):
        report.assets = render.write_assets(root_dir)
    report.seconds = time.perf_counter() - started
    return report


def _transform_one(
    doc: Document,
    path: str,
    to: str,
    sheet: render.Stylesheet,
    custom: bool,
    params: dict[str, str],
    register: Document | None,
    pdf_standard: str | None,
    out_dir: Path,
    taken: set[str],
    outcome: FileOutcome,
) -> None:
    stem = output_name(doc, path)
    run_params: dict[str, object] = dict(params)
    if register is not None and "register" in sheet.params and "register" not in params:
        declared = sheet.params["register"].type
        # Typed as a string: give the location; otherwise the document itself.
        run_params["register"] = (
            Path(register.path).resolve().as_uri() if declared.startswith("xs:string") else register
        )
    context = [register] if register is not None else []

    pages: list[tuple[str, dict[str, object]]] = [(stem, run_params)]
    if to == "html" and not custom and render.is_register(doc):
        # The register becomes an index page plus one page per section, the
        # pages entity links point to (persons.html#id …).
        pages = [("register", {**run_params, "register-section": ""})] + [
            (section, {**run_params, "register-section": section})
            for section in render.REGISTER_SECTIONS
            if doc.root.xpath(
                f"//*[local-name()='{_SECTION_LISTS[section]}'][ancestor::*[local-name()='body']]"
            )
        ]
    for page, page_params in pages:
        result = render.run(sheet, doc, params=page_params, context=context)
        outcome.diagnostics.extend(result.diagnostics)
        target, renamed = _claim(out_dir, page, _EXTENSIONS[to], taken)
        if renamed:
            outcome.diagnostics.append(_error(path, renamed, "renamed-output", Severity.WARNING))
        if to == "pdf":
            pdf, warnings = render.compile_typst(result.text, pdf_standard=pdf_standard, file=path)
            outcome.diagnostics.extend(warnings)
            render.write_atomic(target, pdf)
        else:
            render.write_atomic(target, result.text.encode("utf-8"))
        outcome.outputs.append(target)


_SECTION_LISTS = {
    "persons": "listPerson",
    "places": "listPlace",
    "organisations": "listOrg",
    "works": "listBibl",
}


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


def _error(
    file: str, message: str, code: str = "", severity: Severity = Severity.ERROR
) -> Diagnostic:
    return Diagnostic(file, 0, 0, severity, " ".join(message.split()), code, "transform")
