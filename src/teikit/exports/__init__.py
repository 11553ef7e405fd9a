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
gexf       ``*.gexf``                  correspondence and co-mention network (Gephi)
geojson    ``*.geojson``               places, Linked Places Format conventions
jsonld     ``*.jsonld``                schema.org Message/Person/Place/Organization
txt        directory or ``*.txt``      reading text, one file per document or combined
md         directory or ``*.md``       the same as Markdown
=========  ==========================  =================================================
"""

from __future__ import annotations

import dataclasses
import enum
import importlib
import os
from collections.abc import Iterable
from pathlib import Path, PurePath
from typing import Any

from teikit.document import Document
from teikit.edition import Config, Edition, as_edition
from teikit.errors import UsageError
from teikit.exports.cmif import CmifOptions, cmif_check
from teikit.exports.common import ExportError, ExportOptions
from teikit.index import EntityIndex, build_index

__all__ = [
    "CmifOptions",
    "ExportError",
    "ExportOptions",
    "Format",
    "cmif_check",
    "cmif_options",
    "export",
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


def export(
    source: Edition | Iterable[Document] | Document | bytes | str | os.PathLike[str],
    output: str | os.PathLike[str],
    fmt: Format | str | None = None,
    *,
    index: EntityIndex | None = None,
    options: ExportOptions | None = None,
) -> list[Path]:
    """Export an edition (an :class:`~teikit.edition.Edition`, documents, a document
    or its bytes, or a path or folder to open as one) as ``fmt`` (inferred from
    ``output`` when None) to ``output``.

    Returns the files written. Raises :class:`UsageError` for a format that
    cannot be inferred or options a format needs, :class:`ExportError` when the
    output cannot be written.
    """
    if not isinstance(source, Edition) and (
        index is None or isinstance(source, str | os.PathLike | bytes | Document)
    ):
        source = as_edition(source)
    if isinstance(source, Edition):
        documents = list(source.order)
        if options is None:
            options = export_options(source)
    else:
        documents = list(source)
    chosen = Format.parse(fmt) if fmt is not None else Format.infer(os.fspath(output))
    index = index if index is not None else build_index(source)
    writer = importlib.import_module(chosen.module)
    opts = options or ExportOptions()
    if chosen in (Format.TXT, Format.MD):
        return writer.write(documents, index, output, opts, markdown=chosen is Format.MD)
    return writer.write(documents, index, output, opts)
