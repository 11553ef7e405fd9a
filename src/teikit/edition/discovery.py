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
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

__all__ = ["STDIN", "discover", "excluded"]

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


def discover(
    paths: Iterable[str | os.PathLike[str]],
    suffix: str = ".xml",
    *,
    root: Path | None = None,
    exclude: Iterable[str] = (),
) -> list[str]:
    """Expand folders (recursively, ``*.xml``) and globs, keeping the given order.

    Hidden files and folders inside a searched folder are skipped, as are files
    matching ``exclude`` (globs relative to ``root``, the edition folder).
    Duplicates are dropped.
    """
    patterns = tuple(exclude)
    found: list[str] = []
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
                if p.is_file() and not excluded(p, root, patterns):
                    found.append(str(p))
        elif not path.exists() and glob.has_magic(raw):
            matches = [m for m in sorted(glob.glob(raw, recursive=True)) if os.path.isfile(m)]
            found.extend(m for m in matches if not excluded(m, root, patterns))
            if not matches:
                found.append(raw)
        else:
            found.append(raw)
    seen: set[str] = set()
    return [p for p in found if not (p in seen or seen.add(p))]
