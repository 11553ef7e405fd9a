"""The edition's own configuration: ``teikit.toml`` in the edition folder, or the
same keys under ``[tool.teikit]`` in a ``pyproject.toml``.

Every key is optional; what the file does not say, teikit detects from the TEI.
Command-line options override the file (:meth:`Config.with_overrides`). The keys
are documented in ``docs/configuration.md``; :func:`init_text` writes a commented
file from what it detects, for ``teikit init``.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from teikit.errors import Diagnostic, Severity, UsageError

__all__ = [
    "CONFIG_NAME",
    "KINDS",
    "POINTER_KEY_MODES",
    "CmifConfig",
    "Config",
    "CorrespondenceConfig",
    "RulesConfig",
    "find_config",
    "load_config",
]

CONFIG_NAME = "teikit.toml"
PYPROJECT = "pyproject.toml"
KINDS = ("letter", "register", "introduction", "drama", "edition", "other")
POINTER_KEY_MODES = ("id", "name")
SEVERITIES = ("off", "info", "warning", "error")
LICENCES = ("CC-BY-4.0", "CC0-1.0")


@dataclass(frozen=True)
class CmifConfig:
    """What a CMIF file for correspSearch needs and the TEI does not hold."""

    editor: str | None = None
    email: str | None = None
    licence: str | None = None
    publisher: str | None = None
    publisher_url: str | None = None
    url: str | None = None  # where the CMIF file is published


@dataclass(frozen=True)
class CorrespondenceConfig:
    """How the edition tells senders from addressees inside ``correspAction``: the
    ``@type`` (or ``@role``) values of a name that make it a sender or an
    addressee, whatever the action's own type (an edition that keeps both in one
    ``correspAction type="sent"``). They add to the values teikit knows
    (sender, author, addressee, receiver, recipient …)."""

    sender: tuple[str, ...] = ()
    addressee: tuple[str, ...] = ()


@dataclass(frozen=True)
class RulesConfig:
    """The integrity-rule policy: whether the rules run, and each rule's severity.

    ``enabled`` None means "not said" (off unless ``--rules``). ``severity`` maps
    a rule code to ``off``, ``info``, ``warning`` or ``error``.
    ``ids_unique_across_files``: the edition declares that an xml:id names one
    element in the whole edition (TEI only asks for uniqueness within a file).
    """

    enabled: bool | None = None
    severity: Mapping[str, str] = field(default_factory=dict)
    ids_unique_across_files: bool = False


@dataclass(frozen=True)
class Config:
    """An edition's configuration; ``path`` is the file it came from (None: defaults)."""

    path: Path | None = None
    root: Path | None = None  # the edition folder: where relative paths start
    title: str | None = None
    languages: tuple[str, ...] = ()
    base_url: str | None = None
    exclude: tuple[str, ...] = ()  # globs, relative to root, of files not in the edition
    kinds: Mapping[str, str] = field(default_factory=dict)  # glob -> document kind
    register_files: tuple[str, ...] = ()  # globs of register files (default: detected)
    particdesc: str = "document"  # scope of particDesc lists: document | edition
    key: str = "id"  # @key holds an id or pointer ("id"), or a name ("name")
    authority: bool = True  # match authority URIs against the registers
    cmif: CmifConfig = field(default_factory=CmifConfig)
    correspondence: CorrespondenceConfig = field(default_factory=CorrespondenceConfig)
    rules: RulesConfig = field(default_factory=RulesConfig)
    site_profile: str | None = None
    pdf: bool | None = None
    site_language: str | None = None  # the site's language (default: the edition's)
    resource_base: str | None = None  # where relative image and facsimile URLs point

    def with_overrides(self, **changes: Any) -> Config:
        """A copy with the given fields replaced; ``None`` values leave a field as it is
        (a command-line option that was not given)."""
        given = {k: v for k, v in changes.items() if v is not None}
        return dataclasses.replace(self, **given)

    def resolve(self, relative: str) -> Path:
        """A path of the configuration, relative to the edition folder."""
        base = self.root or Path.cwd()
        return (base / relative).resolve()


def find_config(start: str | os.PathLike[str]) -> Path | None:
    """The configuration file for ``start`` (a file or folder): ``teikit.toml``, or a
    ``pyproject.toml`` with a ``[tool.teikit]`` table, in the folder or the nearest
    folder above it."""
    path = Path(start).resolve()
    folder = path if path.is_dir() else path.parent
    for candidate in (folder, *folder.parents):
        config = candidate / CONFIG_NAME
        if config.is_file():
            return config
        pyproject = candidate / PYPROJECT
        if pyproject.is_file() and _has_teikit_table(pyproject):
            return pyproject
    return None


def _has_teikit_table(path: Path) -> bool:
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False
    return isinstance(data.get("tool"), dict) and "teikit" in data["tool"]


def load_config(path: str | os.PathLike[str] | None) -> Config:
    """Read a ``teikit.toml`` (or a ``pyproject.toml``'s ``[tool.teikit]``).

    ``None`` gives the defaults. Raises :class:`UsageError` with a located
    diagnostic for a file that cannot be read, is not TOML, or has an unknown key
    or a value of the wrong kind: a typo must not be ignored silently.
    """
    if path is None:
        return Config()
    file = Path(path)
    try:
        text = file.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise _config_error(file, 0, f"cannot read the configuration: {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", 0) or 0
        raise _config_error(file, line, f"not valid TOML: {exc}") from None
    if file.name == PYPROJECT:
        tool = data.get("tool", {})
        data = tool.get("teikit", {}) if isinstance(tool, dict) else {}
        if not isinstance(data, dict):
            raise _config_error(file, 0, "[tool.teikit] must be a table")
    return _parse(data, file, text)


def _config_error(file: Path, line: int, message: str) -> UsageError:
    diag = Diagnostic(str(file), line, 0, Severity.ERROR, message, "bad-config", "config")
    return UsageError(diag.format(), [diag])


class _Reader:
    """Takes typed values out of the parsed TOML, reporting the key's line on error."""

    def __init__(self, file: Path, text: str) -> None:
        self.file = file
        self.lines = text.splitlines()

    def line_of(self, key: str) -> int:
        last = key.rsplit(".", 1)[-1]
        for number, line in enumerate(self.lines, 1):
            stripped = line.strip().strip('"')
            if stripped.startswith((f"{last} ", f"{last}=", f'{last}"', f"[{key}]")):
                return number
        return 0

    def fail(self, key: str, message: str) -> UsageError:
        return _config_error(self.file, self.line_of(key), f"{key}: {message}")

    def table(self, data: dict[str, Any], key: str, allowed: set[str]) -> dict[str, Any]:
        value = data.get(key.rsplit(".", 1)[-1], {})
        if not isinstance(value, dict):
            raise self.fail(key, "must be a table")
        self.known(value, key, allowed)
        return value

    def known(self, data: dict[str, Any], where: str, allowed: set[str]) -> None:
        for name in data:
            if name not in allowed:
                scope = f"{where}." if where else ""
                hint = ", ".join(sorted(allowed))
                raise self.fail(f"{scope}{name}", f"unknown key (known: {hint})")

    def string(self, data: dict[str, Any], key: str, where: str = "") -> str | None:
        value = data.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.fail(f"{where}{key}", "must be a string")
        return value

    def strings(self, data: dict[str, Any], key: str, where: str = "") -> tuple[str, ...]:
        value = data.get(key)
        if value is None:
            return ()
        if isinstance(value, str):
            return (value,)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(f"{where}{key}", "must be a string or a list of strings")
        return tuple(value)

    def boolean(self, data: dict[str, Any], key: str, where: str = "") -> bool | None:
        value = data.get(key)
        if value is None:
            return None
        if not isinstance(value, bool):
            raise self.fail(f"{where}{key}", "must be true or false")
        return value

    def choice(
        self, data: dict[str, Any], key: str, choices: tuple[str, ...], where: str = ""
    ) -> str | None:
        value = self.string(data, key, where)
        if value is not None and value not in choices:
            raise self.fail(f"{where}{key}", f"must be one of {', '.join(choices)}, not {value!r}")
        return value


_TOP = {
    "title", "languages", "base_url", "exclude", "documents", "registers", "pointers",
    "cmif", "correspondence", "rules", "site",
}  # fmt: skip


def _parse(data: dict[str, Any], file: Path, text: str) -> Config:
    r = _Reader(file, text)
    r.known(data, "", _TOP)
    documents = r.table(data, "documents", set(data.get("documents", {}) or {}))
    kinds: dict[str, str] = {}
    for pattern, kind in documents.items():
        if kind not in KINDS:
            raise r.fail(f"documents.{pattern}", f"must be one of {', '.join(KINDS)}")
        kinds[pattern] = kind
    registers = r.table(data, "registers", {"files", "particdesc"})
    pointers = r.table(data, "pointers", {"key", "authority"})
    cmif = r.table(
        data, "cmif", {"editor", "email", "licence", "publisher", "publisher_url", "url"}
    )
    correspondence = r.table(data, "correspondence", {"sender", "addressee"})
    rules = r.table(data, "rules", {"enabled", "severity", "ids_unique_across_files"})
    severity = r.table(rules, "rules.severity", set(rules.get("severity", {}) or {}))
    for code, value in severity.items():
        if value not in SEVERITIES:
            raise r.fail(f"rules.severity.{code}", f"must be one of {', '.join(SEVERITIES)}")
    site = r.table(data, "site", {"profile", "pdf", "language", "resource_base"})
    resource_base = r.string(site, "resource_base", "site.")
    if resource_base is not None and not resource_base.startswith(("http://", "https://")):
        raise r.fail("site.resource_base", f"must be an http or https URL, not {resource_base!r}")
    base_url = r.string(data, "base_url")
    if base_url is not None and not base_url.startswith(("http://", "https://")):
        raise r.fail("base_url", f"must be an http or https URL, not {base_url!r}")
    return Config(
        path=file,
        root=file.parent.resolve(),
        title=r.string(data, "title"),
        languages=r.strings(data, "languages"),
        base_url=base_url,
        exclude=r.strings(data, "exclude"),
        kinds=kinds,
        register_files=r.strings(registers, "files", "registers."),
        particdesc=r.choice(registers, "particdesc", ("document", "edition"), "registers.")
        or "document",
        key=r.choice(pointers, "key", POINTER_KEY_MODES, "pointers.") or "id",
        authority=r.boolean(pointers, "authority", "pointers.") is not False,
        cmif=CmifConfig(
            editor=r.string(cmif, "editor", "cmif."),
            email=r.string(cmif, "email", "cmif."),
            licence=r.choice(cmif, "licence", LICENCES, "cmif."),
            publisher=r.string(cmif, "publisher", "cmif."),
            publisher_url=r.string(cmif, "publisher_url", "cmif."),
            url=r.string(cmif, "url", "cmif."),
        ),
        correspondence=CorrespondenceConfig(
            sender=r.strings(correspondence, "sender", "correspondence."),
            addressee=r.strings(correspondence, "addressee", "correspondence."),
        ),
        rules=RulesConfig(
            enabled=r.boolean(rules, "enabled", "rules."),
            severity=dict(severity),
            ids_unique_across_files=bool(
                r.boolean(rules, "ids_unique_across_files", "rules.") or False
            ),
        ),
        site_profile=r.string(site, "profile", "site."),
        pdf=r.boolean(site, "pdf", "site."),
        site_language=r.string(site, "language", "site."),
        resource_base=resource_base,
    )
