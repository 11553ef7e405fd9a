"""Where the site's files go and what the next build needs to know of them:
safe paths, atomic writes of changed files only, the manifest of inputs."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO, Protocol

import teikit
from teikit import render
from teikit.batch import write_atomic_with, write_failure
from teikit.errors import BuildError, Diagnostic, OutputError, Severity

SITE_DATA = Path(__file__).resolve().parent.parent / "data" / "site"

MANIFEST_NAME = ".teikit-build.json"
MANIFEST_FORMAT = 1

# --------------------------------------------------------------------------- results


@dataclass
class BuildReport:
    """What a build did: files written, files left as they were, files removed
    (outputs of an earlier build that this one no longer makes), and findings."""

    out_dir: Path
    written: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    validated: bool = False  # whether validation ran (it is skipped when no input changed)
    dead_links: int = 0  # internal links the link checker found leading nowhere
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not any(d.severity >= Severity.ERROR for d in self.diagnostics)

    def summary(self) -> str:
        errors = sum(1 for d in self.diagnostics if d.severity >= Severity.ERROR)
        warnings = sum(1 for d in self.diagnostics if d.severity == Severity.WARNING)
        return (
            f"{len(self.written)} files written, {len(self.skipped)} unchanged, "
            f"{len(self.removed)} removed, {self.dead_links} dead links, {errors} errors, "
            f"{warnings} warnings ({self.seconds:.1f} s)"
        )


def diag(file: str, message: str, code: str, severity: Severity = Severity.ERROR) -> Diagnostic:
    return Diagnostic(file, 0, 0, severity, " ".join(message.split()), code, "site")


# --------------------------------------------------------------------------- paths


def page_name(file_name: str, suffix: str = ".html") -> str:
    """The output name for a TEI file name: its last path component, ``.xml`` dropped,
    reduced to ASCII letters, digits, ``.``, ``_`` and ``-`` (no leading dot), plus
    ``suffix``. Never a path: ``../../x.xml`` gives ``x.html``."""
    last = PurePosixPath(file_name.replace("\\", "/")).name
    stem = last[:-4] if last.lower().endswith(".xml") else last
    clean = re.sub(r"[^A-Za-z0-9._-]", "_", stem).lstrip(".")
    return (clean or "document") + suffix


def safe_output_path(out_dir: str | os.PathLike[str], relative: str) -> Path:
    """``out_dir / relative``, refusing anything that would land outside ``out_dir``:
    absolute paths, ``..``, backslashes, NUL, and symbolic links (in the folders on
    the way or the file itself) that point outside. Raises :class:`BuildError`."""
    pure = PurePosixPath(relative)
    bad = (
        not relative
        or "\\" in relative
        or "\x00" in relative
        or pure.is_absolute()
        or any(part in ("..", "") for part in relative.split("/"))
    )
    root = Path(out_dir).resolve()
    target = root.joinpath(*pure.parts) if not bad else root
    # resolve() follows every symlink that exists on the way, so a linked folder
    # pointing elsewhere is caught before anything is created inside it.
    if bad or not target.resolve().is_relative_to(root) or target == root:
        found = diag(relative, f"refusing to write {relative!r}: outside the site", "unsafe-path")
        raise BuildError(found.format(), [found])
    return target


# --------------------------------------------------------------------------- helpers


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def key_of(*parts: object) -> str:
    return sha(json.dumps(parts, sort_keys=True, default=str).encode("utf-8"))


# --------------------------------------------------------------------------- manifest


@dataclass
class Stored:
    """An output as :meth:`Outputs.store` left it."""

    rel: str
    sha256: str
    wrote: bool  # False: it was there already, as made now
    failed: list[Diagnostic] = field(default_factory=list)  # why it could not be written
    unsafe: bool = False  # failed: the path leads outside the site
    fatal: bool = False  # failed: nothing can be written (full disk, read-only folder)


class Outputs:
    """Writes outputs (atomically, only inside out_dir, only when changed) and
    remembers, per output, the key of its inputs for the next build."""

    def __init__(self, out_dir: Path, old: dict[str, Any], force: bool, report: BuildReport):
        self.out_dir = out_dir
        self.old: dict[str, dict[str, str]] = old.get("outputs", {}) if not force else {}
        self.force = force
        self.report = report
        self.new: dict[str, dict[str, str]] = {}

    def path(self, rel: str) -> Path:
        return safe_output_path(self.out_dir, rel)

    def fresh(self, rel: str, key: str) -> bool:
        """Made from the same inputs last time, and still there as written."""
        old = self.old.get(rel)
        if self.force or old is None or old.get("key") != key:
            return False
        path = self.path(rel)
        try:
            return path.is_file() and sha(path.read_bytes()) == old.get("sha256")
        except OSError:
            return False

    def keep(self, rel: str) -> None:
        self.new[rel] = self.old[rel]
        self.report.skipped.append(self.path(rel))

    def read(self, rel: str) -> bytes:
        return self.path(rel).read_bytes()

    def put(self, rel: str, key: str, data: bytes, *, group: str = "") -> None:
        self.record(self.store(rel, data), key, group=group)

    def store(self, rel: str, data: bytes) -> Stored:
        """Write one output when it changed; touches nothing but the file, so that
        workers can write what they make (then the parent records it)."""
        path = self._target(rel)
        if isinstance(path, Stored):
            return path
        unchanged = False
        if not self.force:
            with contextlib.suppress(OSError):
                unchanged = path.is_file() and path.read_bytes() == data
        if not unchanged:
            try:
                render.write_atomic(path, data)  # sets the mode a web server can read
            except OSError as exc:
                return _not_written(rel, path, exc)
        return Stored(rel, sha(data), not unchanged)

    def store_pieces(self, rel: str, pieces: Iterable[bytes]) -> Stored:
        """:meth:`store` for an output made piece by piece (a register page with
        400,000 mentions), never held whole."""

        def produce(handle: Writable) -> None:
            for piece in pieces:
                handle.write(piece)

        return self.store_written(rel, produce)

    def store_written(self, rel: str, produce: Callable[[Writable], object]) -> Stored:
        """:meth:`store` for an output that ``produce`` writes into the file itself
        (a page serialised straight into it, never held as bytes): written beside
        the file, which is replaced only when the content changed."""
        path = self._target(rel)
        if isinstance(path, Stored):
            return path
        before = None
        if not self.force:
            with contextlib.suppress(OSError), path.open("rb") as old:
                before = hashlib.file_digest(old, "sha256").hexdigest()
        digest = hashlib.sha256()

        def checked(handle: BinaryIO) -> None:
            produce(_Hashed(handle, digest))
            if digest.hexdigest() == before:
                raise _Unchanged  # write_atomic_with leaves the file as it was

        try:
            write_atomic_with(path, checked)
        except _Unchanged:
            return Stored(rel, digest.hexdigest(), False)
        except OSError as exc:
            return _not_written(rel, path, exc)
        return Stored(rel, digest.hexdigest(), True)

    def _target(self, rel: str) -> Path | Stored:
        """Where ``rel`` goes, or (a path leading outside the site) why it cannot."""
        try:
            return self.path(rel)
        except BuildError as exc:
            return Stored(rel, "", False, exc.diagnostics, unsafe=True)

    def record(self, stored: Stored, key: str, *, group: str = "") -> None:
        """Account for an output :meth:`store` wrote (or found unchanged), in the
        report and the manifest; raises :class:`BuildError` for one it could not."""
        if stored.failed:
            first = stored.failed[0]
            if stored.fatal:
                raise OutputError(f"cannot write {first.file}: {first.message.split(': ', 1)[-1]}")
            raise BuildError(first.format(), stored.failed, None if stored.unsafe else self.report)
        path = self.path(stored.rel)
        (self.report.written if stored.wrote else self.report.skipped).append(path)
        self.new[stored.rel] = {"key": key, "sha256": stored.sha256}
        if group:
            self.new[stored.rel]["group"] = group

    def remove_stale(self) -> None:
        """Delete what an earlier build wrote and this one no longer makes."""
        for rel in sorted(set(self.old) - set(self.new)):
            try:
                path = self.path(rel)
            except BuildError:
                continue
            if path.is_file() and not path.is_symlink():
                with contextlib.suppress(OSError):
                    path.unlink()
                    self.report.removed.append(path)


class Writable(Protocol):
    """What :meth:`Outputs.store_written` hands its producer: a file to write bytes to."""

    def write(self, data: bytes, /) -> int: ...


class _Unchanged(Exception):
    """An output came out as its file holds it already (Outputs.store_written)."""


class _Hashed:
    """A file that hashes what is written to it (Outputs.store_written)."""

    def __init__(self, handle: BinaryIO, digest: Any) -> None:
        self.handle = handle
        self.digest = digest

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        return self.handle.write(data)


def _not_written(rel: str, path: Path, exc: OSError) -> Stored:
    failed = diag(str(path), f"cannot write: {exc.strerror or exc}", "write-failed")
    return Stored(rel, "", False, [failed], fatal=write_failure(exc))


def stored_rows(diagnostics: Sequence[Diagnostic]) -> list[list[Any]]:
    """Diagnostics as JSON rows for the manifest (see :func:`restored_rows`)."""
    return [
        [d.file, d.line, d.column, int(d.severity), d.message, d.code, d.source, d.xpath, d.schema]
        for d in diagnostics
    ]


def restored_rows(rows: Any) -> list[Diagnostic]:
    """The diagnostics :func:`stored_rows` wrote; rows that do not fit are skipped."""
    found = []
    for row in rows if isinstance(rows, list) else []:
        with contextlib.suppress(TypeError, ValueError):
            file, line, column, severity, message, code, source, xpath, schema = row
            found.append(
                Diagnostic(
                    str(file), int(line), int(column), Severity(int(severity)), str(message),
                    str(code), str(source), str(xpath), str(schema),
                )
            )  # fmt: skip
    return found


def read_manifest(out_dir: Path) -> dict[str, Any]:
    try:
        data = json.loads((out_dir / MANIFEST_NAME).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT:
        return {}
    if not isinstance(data.get("outputs"), dict):
        data["outputs"] = {}
    return data


def fingerprint(options: dict[str, Any]) -> str:
    """teikit's version, every file that shapes the output, and the build options."""
    digest = hashlib.sha256(teikit.__version__.encode())
    files: list[Path] = [*sorted(Path(__file__).parent.glob("*.py")), Path(render.__file__)]
    for folder in (render.XSLT_DIR, SITE_DATA):
        files += sorted(p for p in folder.rglob("*") if p.is_file())
    for path in files:
        digest.update(path.name.encode())
        with contextlib.suppress(OSError):
            digest.update(path.read_bytes())
    digest.update(json.dumps(options, sort_keys=True, default=str).encode())
    return digest.hexdigest()
