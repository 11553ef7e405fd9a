"""The shared runner: file discovery (and, later, the worker pool)."""

from __future__ import annotations

import glob
import os
from collections.abc import Iterable
from pathlib import Path

STDIN = "-"


def discover(paths: Iterable[str], suffix: str = ".xml") -> list[str]:
    """Expand folders (recursively, ``*.xml``) and globs, keeping the given order.

    A path that does not exist is passed through unchanged, so that the loader
    reports it as a located diagnostic instead of it silently disappearing.
    """
    found: list[str] = []
    for raw in paths:
        if raw == STDIN:
            found.append(raw)
            continue
        path = Path(raw)
        if path.is_dir():
            found.extend(
                str(p)
                for p in sorted(path.rglob(f"*{suffix}"))
                if p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        elif not path.exists() and glob.has_magic(raw):
            matches = sorted(glob.glob(raw, recursive=True))
            found.extend(m for m in matches if os.path.isfile(m)) if matches else found.append(raw)
        else:
            found.append(raw)
    seen: set[str] = set()
    return [p for p in found if not (p in seen or seen.add(p))]
