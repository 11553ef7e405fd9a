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
import re
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


def skip_reason(path: str, known: dict[str, object] | None = None) -> str:
    """Why a path a folder search or glob found is not read: "" for a regular file
    (or a symbolic link to one). Only regular files are ever opened: a pipe would
    block the batch. ``known`` gets the identity of a regular file (see discover)."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return "a dangling symbolic link" if os.path.islink(path) else "it no longer exists"
    except OSError as exc:
        return f"cannot look at it: {exc.strerror or exc}"
    if stat.S_ISREG(info.st_mode):
        if known is not None:
            known[path] = _key(info)
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
    known: dict[str, object] = {}  # path -> its identity, for a file stat()ed already

    def keep(candidate: str) -> bool:
        reason = skip_reason(candidate, known)
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
            for p in _search(str(path), suffix):
                if (not patterns or not excluded(p, root, patterns)) and keep(p):
                    found.append(p)
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
    kept = []
    for p in found:
        key = known.get(p) or _identity(p)
        if key not in seen:
            seen.add(key)
            kept.append(p)
    return kept


def _search(folder: str, suffix: str) -> list[str]:
    """What ``Path(folder).rglob("*" + suffix)`` finds that is not hidden (no part of
    it below ``folder`` starts with "."), sorted as paths sort (part by part), and
    spelt as ``str(Path)`` spells them: one ``scandir`` for each folder (the
    Path objects of rglob cost five times as much, on 5,000 files). Symbolic
    links to folders are not followed, as rglob does not follow them."""
    match = re.compile(fnmatch.translate(f"*{suffix}")).fullmatch
    prefix = "" if folder == "." else folder if folder.endswith("/") else folder + "/"
    found: list[tuple[str, ...]] = []

    def visit(where: str, parts: tuple[str, ...]) -> None:
        try:
            with os.scandir(prefix + where if where else folder) as scan:
                entries = list(scan)
        except OSError:  # unreadable, or gone: as rglob, nothing from it
            return
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            if match(name):
                found.append((*parts, name))
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                continue
            if is_dir:
                visit(f"{where}/{name}" if where else name, (*parts, name))

    visit("", ())
    found.sort()
    return [prefix + "/".join(parts) for parts in found]


def _identity(path: str) -> object:
    """One key per file, however it is named."""
    if path == STDIN:
        return path
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return os.path.normpath(path)
    return _key(info)


def _key(info: os.stat_result) -> object:
    return (info.st_dev, info.st_ino)
