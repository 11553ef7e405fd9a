"""Which files belong to an edition: the same answer for every command.

Folders are searched recursively for ``*.xml``; hidden files and folders are
skipped, and so is what the configuration's ``exclude`` names. Globs are
expanded; a path that does not exist is passed through, so that the loader
reports it as a located diagnostic instead of it vanishing.
"""

from __future__ import annotations

import fnmatch
import glob
import os
import stat
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

__all__ = ["STDIN", "discover", "excluded", "skip_reason"]

STDIN = "-"


def excluded(path: str | os.PathLike[str], root: Path | None, patterns: Iterable[str]) -> bool:
    """Whether ``path`` matches one of the ``exclude`` globs (relative to ``root``)."""
    patterns = tuple(patterns)
    if not patterns or root is None:
        return False
    try:
        rel = PurePosixPath(Path(path).resolve().relative_to(root).as_posix())
    except ValueError:
        return False
    text = rel.as_posix()
    for pattern in patterns:
        pattern = pattern.strip("/")
        if rel.match(pattern) or fnmatch.fnmatchcase(text, pattern):
            return True
        if text.startswith(pattern.rstrip("*").rstrip("/") + "/") and not glob.has_magic(pattern):
            return True  # a folder named without a glob: everything under it
    return False


def skip_reason(path: str) -> str:
    """Why a path a folder search or glob found is not read: "" for a regular file
    (or a symbolic link to one). Only regular files are ever opened: a pipe would
    block the batch."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return "a dangling symbolic link" if os.path.islink(path) else "it no longer exists"
    except OSError as exc:
        return f"cannot look at it: {exc.strerror or exc}"
    if stat.S_ISREG(info.st_mode):
        return ""
    if stat.S_ISDIR(info.st_mode):
        return "a folder, not a file"
    return "not a regular file (a pipe, device or socket)"


def discover(
    paths: Iterable[str | os.PathLike[str]],
    suffix: str = ".xml",
    *,
    root: Path | None = None,
    exclude: Iterable[str] = (),
    skipped: list[tuple[str, str]] | None = None,
) -> list[str]:
    """Expand folders (recursively, ``*.xml``) and globs, keeping the given order.

    Hidden files and folders inside a searched folder are skipped, as are files
    matching ``exclude`` (globs relative to ``root``, the edition folder), and
    what is not a regular file (a dangling symbolic link, a folder named
    ``*.xml``, a pipe): those go to ``skipped`` as ``(path, why)``, for callers
    to warn about. Each file is named once, however it is spelt (``a.xml``,
    ``./a.xml``, a link to it).
    """
    patterns = tuple(exclude)
    found: list[str] = []
    left_out: list[tuple[str, str]] = []

    def keep(candidate: str) -> bool:
        reason = skip_reason(candidate)
        if reason:
            left_out.append((candidate, reason))
        return not reason

    for given in paths:
        raw = os.fspath(given)
        if raw == STDIN:
            found.append(raw)
            continue
        path = Path(raw)
        if path.is_dir():
            for p in sorted(path.rglob(f"*{suffix}")):
                if any(part.startswith(".") for part in p.relative_to(path).parts):
                    continue
                if not excluded(p, root, patterns) and keep(str(p)):
                    found.append(str(p))
        elif not path.exists() and not path.is_symlink() and glob.has_magic(raw):
            matches = sorted(glob.glob(raw, recursive=True))
            kept = [m for m in matches if not excluded(m, root, patterns) and keep(m)]
            found.extend(kept)
            if not matches:
                found.append(raw)
        else:
            found.append(raw)
    if skipped is not None:
        skipped.extend(dict.fromkeys(left_out))
    seen: set[object] = set()
    return [p for p in found if not (_identity(p) in seen or seen.add(_identity(p)))]


def _identity(path: str) -> object:
    """One key per file, however it is named."""
    if path == STDIN:
        return path
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return os.path.normpath(path)
    return (info.st_dev, info.st_ino)
