"""What every writer shares: options, atomic UTF-8 writes, IRIs, and the errors."""

from __future__ import annotations

import csv
import functools
import json
import math
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, BinaryIO

from lxml import etree

from teikit.batch import write_atomic_with
from teikit.errors import ExportError

if TYPE_CHECKING:
    from teikit.exports.cmif import CmifOptions
    from teikit.index import EntityIndex, Entry, Letter


@dataclass
class ExportOptions:
    """Options every format may use; each writer reads only what it needs.

    ``base_url``: where the edition is published (``https://example.org/edition/``);
    letter pages are ``base_url + <file stem> + page_suffix`` and register entries
    ``base_url + <register stem> + page_suffix + "#" + id``. Without it, IRIs stay
    relative to the TEI files (``letter-1954-06-22.xml``, ``register.xml#tito``).
    ``notes``: txt/md keep notes as footnotes. ``single_file``: txt/md write one
    combined file (default: when the output path has a suffix).
    ``min_co_mentions``: the co-mention network's threshold (gexf, csv).
    """

    base_url: str | None = None
    page_suffix: str = ".html"
    notes: bool = True
    single_file: bool | None = None
    cmif: CmifOptions | None = None
    # gexf/csv: a co-mention edge needs the pair mentioned together in this many
    # letters (see teikit.exports.network; 1 keeps every pair).
    min_co_mentions: int = 2


def write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (:func:`teikit.batch.write_atomic`), so
    readers never see a half-written file. An existing file keeps its mode; a new
    one gets 0666 minus the umask, like open()."""
    return write_streamed(path, lambda handle: handle.write(data))


def write_streamed(path: str | os.PathLike[str], produce: Callable[[BinaryIO], object]) -> Path:
    """:func:`write_bytes` for output made piece by piece: ``produce`` writes to the
    open temporary file (:func:`teikit.batch.write_atomic_with`); the one place an
    export says that its target is a folder or cannot be written."""
    target = Path(path)
    if target.is_dir():
        raise ExportError(f"{target}: is a directory; give a file name")
    try:
        return write_atomic_with(target, produce, keep_mode=True)
    except OSError as exc:
        raise ExportError(f"{target}: cannot write: {exc.strerror or exc}") from exc


def write_text(path: str | os.PathLike[str], text: str) -> Path:
    """UTF-8, ``\\n`` line ends, atomically (see :func:`write_bytes`)."""
    return write_bytes(path, text.encode("utf-8"))


def xml_bytes(tree: etree._ElementTree | etree._Element) -> bytes:
    """How every XML export is serialised: UTF-8 with an XML declaration, indented."""
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def json_text(data: Any) -> str:
    """How every JSON export is serialised: non-ASCII kept, indented by 2, final newline."""
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def write_xml(path: str | os.PathLike[str], tree: etree._ElementTree) -> list[Path]:
    """The one file of an XML format's ``write`` (see :func:`xml_bytes`)."""
    return [write_bytes(path, xml_bytes(tree))]


def write_json(
    path: str | os.PathLike[str], data: Any, repeated: Iterable[object] = ()
) -> list[Path]:
    """The one file of a JSON format's ``write``, as :func:`json_text` gives it but
    streamed: the text of a large index (hundreds of MB) is never held whole.
    ``repeated``: dicts or lists that occur many times in ``data`` (a letter
    described at every place that names it), each encoded once per depth."""

    def produce(handle: BinaryIO) -> None:
        pieces: list[str] = []

        def flush() -> None:
            if len(pieces) >= 4096:
                handle.write("".join(pieces).encode("utf-8"))
                pieces.clear()

        _IndentedJson(pieces, flush, repeated).encode(data, 0)
        pieces.append("\n")
        handle.write("".join(pieces).encode("utf-8"))

    return [write_streamed(path, produce)]


class _IndentedJson:
    """``json.dump(data, ensure_ascii=False, indent=2)`` as pieces of text, the same
    bytes: the standard library's encoder is pure Python once it indents (a
    generator per level, each piece handed up through all of them), this one
    appends the C encoder's strings and numbers to one list. Each object of
    ``repeated`` is encoded once per depth and its text reused."""

    def __init__(
        self, out: list[str], flush: Callable[[], None], repeated: Iterable[object]
    ) -> None:
        self.out = out
        self.flush = flush
        self.repeated = {id(obj) for obj in repeated}
        self.memo: dict[tuple[int, int], str] = {}
        self.string = json.encoder.encode_basestring  # the C one where there is one
        self.pads = ["\n"]

    def pad(self, level: int) -> str:
        pads = self.pads
        while len(pads) <= level:
            pads.append("\n" + "  " * len(pads))
        return pads[level]

    def encode(self, obj: Any, level: int) -> None:
        out = self.out
        if isinstance(obj, str):
            out.append(self.string(obj))
        elif obj is None:
            out.append("null")
        elif obj is True:
            out.append("true")
        elif obj is False:
            out.append("false")
        elif isinstance(obj, int):
            out.append(int.__repr__(obj))
        elif isinstance(obj, float):
            out.append(_float_text(obj))
        elif isinstance(obj, dict | list | tuple):
            if id(obj) in self.repeated:
                key = (id(obj), level)
                text = self.memo.get(key)
                if text is None:
                    self.out = []
                    self._container(obj, level)
                    text = self.memo[key] = "".join(self.out)
                    self.out = out
                out.append(text)
            else:
                self._container(obj, level)
        else:
            raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")

    def _container(self, obj: dict[Any, Any] | list[Any] | tuple[Any, ...], level: int) -> None:
        out = self.out
        if not obj:
            out.append("{}" if isinstance(obj, dict) else "[]")
            return
        inner = self.pad(level + 1)
        first = True
        if isinstance(obj, dict):
            out.append("{")
            for key, value in obj.items():
                out.append(inner if first else "," + inner)
                first = False
                out.append(self.string(_key_text(key)))
                out.append(": ")
                self.encode(value, level + 1)
                if level < 3:
                    self.flush()
            out.append(self.pad(level) + "}")
        else:
            out.append("[")
            try:  # a list of strings (IRIs, names) in one join, no call per item
                out.append(inner + ("," + inner).join(map(self.string, obj)))
            except TypeError:  # not all strings: item by item
                pass
            else:
                out.append(self.pad(level) + "]")
                return
            for value in obj:
                out.append(inner if first else "," + inner)
                first = False
                self.encode(value, level + 1)
                if level < 3:
                    self.flush()
            out.append(self.pad(level) + "]")


def _float_text(value: float) -> str:
    """A float as :mod:`json` writes it (``allow_nan``: NaN and Infinity)."""
    if value != value:
        return "NaN"
    if value in (math.inf, -math.inf):
        return "Infinity" if value > 0 else "-Infinity"
    return float.__repr__(value)


def _key_text(key: object) -> str:
    """A dict key as :mod:`json` turns it into a string."""
    if isinstance(key, str):
        return key
    if key is True or key is False or key is None:
        return {True: "true", False: "false", None: "null"}[key]
    if isinstance(key, int):
        return int.__repr__(key)
    if isinstance(key, float):
        return _float_text(key)
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


def output_directory(path: str | os.PathLike[str]) -> Path:
    """A directory to write several files into; created if missing."""
    target = Path(path)
    if target.exists() and not target.is_dir():
        raise ExportError(f"{target}: exists and is not a directory; this format writes a folder")
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"{target}: cannot create directory: {exc.strerror or exc}") from exc
    return target


def page_url(file: str, options: ExportOptions) -> str | None:
    """The published page of a TEI file, or None without ``base_url``."""
    if not options.base_url:
        return None
    return f"{options.base_url}{_stem(file)}{options.page_suffix}"


@functools.lru_cache(maxsize=1 << 16)
def _stem(file: str) -> str:
    # Once per file: JSON-LD and GeoJSON ask for a letter's or register's page
    # once per mention (400,000 in a 5,000-letter edition), and pathlib is slow.
    return str(PurePosixPath(file).with_suffix(""))


def letter_iri(letter: Letter, options: ExportOptions) -> str:
    return page_url(letter.file, options) or letter.file


def entry_iri(entry: Entry, options: ExportOptions) -> str:
    """IRI of a register entry (see :class:`ExportOptions`); unregistered: its key."""
    if not entry.registered:
        return entry.key if "://" in entry.key else f"#{entry.key}"
    page = page_url(entry.register, options)
    return f"{page}#{entry.id}" if page else entry.key


TEXT_PARTS = frozenset({"body", "note", "front", "back"})


def text_occurrences(entry: Entry, files: Iterable[str]) -> list[str]:
    """Files among ``files`` whose text (not header, not register) mentions ``entry``.

    Pass a set when calling this for many entries: a list is turned into one
    at every call."""
    wanted = files if isinstance(files, (set, frozenset)) else set(files)
    return sorted({o.file for o in entry.occurrences if o.file in wanted and o.where in TEXT_PARTS})


def text_mentions(entries: Iterable[Entry]) -> dict[str, list[Entry]]:
    """For each file, the entries its text mentions, in the order of ``entries``:
    one pass over the occurrences instead of a search per file and entry."""
    out: dict[str, list[Entry]] = {}
    for entry in entries:
        for file in sorted({o.file for o in entry.occurrences if o.where in TEXT_PARTS}):
            out.setdefault(file, []).append(entry)
    return out


def letters_by_file(index: EntityIndex) -> dict[str, list[Letter]]:
    out: dict[str, list[Letter]] = {}
    for letter in index.letters:
        out.setdefault(letter.file, []).append(letter)
    return out


# --------------------------------------------------------------------------- CSV cells

# A spreadsheet evaluates a cell that starts with one of these as a formula
# (=HYPERLINK(...), +cmd|..., -2+3, @SUM(...)); tab and carriage return too (OWASP,
# "CSV Injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Values that start with a sign but are data, not formulas: numbers (-3.5, +1e3)
# and ISO 8601 / W3C dates with a negative year (-0044, -0044-03-15).
_PLAIN_VALUE_RE = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|-\d{4,}(-\d{2}(-\d{2})?)?")


# The longest cell a spreadsheet keeps (Excel cuts at 32,767 characters) and well
# under what Python's csv module reads by default (131,072). Values that can grow
# with the edition (occurrences, letters of an edge) have tables of their own, one
# row per value, so no cell comes near it; this is the last line of defence.
MAX_CELL = 32_767
_CUT = " …"


def csv_cell(value: object) -> object:
    """A value safe to open in a spreadsheet: text that would start a formula
    gets a leading apostrophe, as OWASP recommends; plain numbers and dates with
    a sign are left alone (see docs/security.md); text longer than
    :data:`MAX_CELL` is cut to it, ending in " …"."""
    if not isinstance(value, str):
        return value
    if value.startswith(FORMULA_START) and not _PLAIN_VALUE_RE.fullmatch(value):
        value = "'" + value
    if len(value) > MAX_CELL:
        value = value[: MAX_CELL - len(_CUT)] + _CUT
    return value


class SafeDictWriter(csv.DictWriter):
    """:class:`csv.DictWriter` whose rows go through :func:`csv_cell` (the header
    is teikit's own)."""

    def __init__(self, f: Any, fieldnames: Sequence[str], *args: Any, **kwargs: Any) -> None:
        super().__init__(f, fieldnames, *args, **kwargs)
        self._known = frozenset(self.fieldnames)

    def writerow(self, rowdict: Mapping[str, Any]) -> Any:
        # DictWriter's check for unknown keys without the set of field names it
        # makes for every row (mentions.csv has a row per mention).
        if self.extrasaction == "raise" and not self._known.issuperset(rowdict):
            wrong = ", ".join(repr(k) for k in rowdict if k not in self._known)
            raise ValueError(f"dict contains fields not in fieldnames: {wrong}")
        missing = self.restval
        return self.writer.writerow([csv_cell(rowdict.get(k, missing)) for k in self.fieldnames])

    def writerows(self, rowdicts: Iterable[Mapping[str, Any]]) -> None:
        for row in rowdicts:
            self.writerow(row)
