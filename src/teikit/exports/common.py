"""What every writer shares: options, atomic UTF-8 writes, IRIs, and the errors."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from teikit.errors import TeikitError

if TYPE_CHECKING:
    from teikit.exports.cmif import CmifOptions
    from teikit.index import EntityIndex, Entry, Letter


class ExportError(TeikitError):
    """An export could not be written (the output path is unusable)."""


@dataclass
class ExportOptions:
    """Options every format may use; each writer reads only what it needs.

    ``base_url``: where the edition is published (``https://example.org/edition/``);
    letter pages are ``base_url + <file stem> + page_suffix`` and register entries
    ``base_url + <register stem> + page_suffix + "#" + id``. Without it, IRIs stay
    relative to the TEI files (``letter-1954-06-22.xml``, ``register.xml#tito``).
    ``notes``: txt/md keep notes as footnotes. ``single_file``: txt/md write one
    combined file (default: when the output path has a suffix).
    """

    base_url: str | None = None
    page_suffix: str = ".html"
    notes: bool = True
    single_file: bool | None = None
    cmif: CmifOptions | None = None


_umask: int | None = None


def _file_mode(path: Path) -> int:
    """Keep an existing file's mode; new files get 0666 minus the umask, like open()."""
    global _umask
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        pass
    if _umask is None:
        _umask = os.umask(0o022)  # reading the umask means setting it: put it straight back
        os.umask(_umask)
    return 0o666 & ~_umask


def write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically: a temporary file in the same directory,
    then ``os.replace``, so readers never see a half-written file."""
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_dir():
            raise ExportError(f"{target}: is a directory; give a file name")
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise ExportError(f"{target}: cannot write: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, _file_mode(target))
        os.replace(tmp, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise ExportError(f"{target}: cannot write: {exc.strerror or exc}") from exc
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return target


def write_text(path: str | os.PathLike[str], text: str) -> Path:
    """UTF-8, ``\\n`` line ends, atomically (see :func:`write_bytes`)."""
    return write_bytes(path, text.encode("utf-8"))


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
    stem = str(PurePosixPath(file).with_suffix(""))
    return f"{options.base_url}{stem}{options.page_suffix}"


def letter_iri(letter: Letter, options: ExportOptions) -> str:
    return page_url(letter.file, options) or letter.file


def entry_iri(entry: Entry, options: ExportOptions) -> str:
    """IRI of a register entry (see :class:`ExportOptions`); unregistered: its key."""
    if not entry.registered:
        return entry.key if "://" in entry.key else f"#{entry.key}"
    page = page_url(entry.register, options)
    return f"{page}#{entry.id}" if page else entry.key


def text_occurrences(entry: Entry, files: Iterable[str]) -> list[str]:
    """Files among ``files`` whose text (not header, not register) mentions ``entry``."""
    wanted = set(files)
    return sorted(
        {
            o.file
            for o in entry.occurrences
            if o.file in wanted and o.where in ("body", "note", "front", "back")
        }
    )


def letters_by_file(index: EntityIndex) -> dict[str, list[Letter]]:
    out: dict[str, list[Letter]] = {}
    for letter in index.letters:
        out.setdefault(letter.file, []).append(letter)
    return out
