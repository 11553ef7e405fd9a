"""The one exception root and the Diagnostic record every engine reports with."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field

# What must not reach a terminal or a one-line report as it is: control characters
# (a newline would start a forged diagnostic line, ESC drives the terminal), line
# and paragraph separators, bidirectional overrides (text that reads other than
# it is), and surrogates (bytes of a file name that are not UTF-8).
_UNPRINTABLE_RE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def printable(text: str) -> str:
    """``text`` safe to print on one line: each character above as an escape
    (``\\n``, ``\\x1b``, ``\\u202e``), and a file name's undecodable bytes
    (surrogate-escaped by Python) as ``\\xNN``, the bytes they stand for."""

    def escape(match: re.Match[str]) -> str:
        char = match.group()
        code = ord(char)
        if 0xDC80 <= code <= 0xDCFF:  # os.fsdecode's stand-in for a byte
            return f"\\x{code - 0xDC00:02x}"
        if char in "\t\n\r":
            return {"\t": "\\t", "\n": "\\n", "\r": "\\r"}[char]
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    if text.isprintable():  # every character the pattern escapes is unprintable
        return text
    return _UNPRINTABLE_RE.sub(escape, text)


class Severity(enum.IntEnum):
    """How bad a finding is. Ordered so that ``max()`` gives the worst one."""

    INFO = 0
    WARNING = 1
    ERROR = 2
    FATAL = 3  # the file could not be processed at all (unreadable, malformed)

    def __str__(self) -> str:
        # FATAL is printed as "error": editors and CI parsers know only error/warning/info.
        return "error" if self is Severity.FATAL else self.name.lower()

    # Hashed as its number, in C: each finding's hash hashes its severity, and a run
    # with rules hashes some 10,000 findings several times (Enum's own hashes the name
    # in Python).
    __hash__ = int.__hash__


_LABELS = {severity: str(severity) for severity in Severity}


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One finding, located as precisely as the engine allows.

    ``line``/``column`` are 1-based: those of the element, attribute or
    ``<?xml-model?>`` the finding concerns (column 0: only the line is known).
    Line 0 means the finding is about the file (or the edition folder) as a
    whole, never "somewhere near the top". ``source`` names the
    engine or schema that produced it (``xml``, ``rng``, ``schematron`` …) and
    ``code`` a stable rule identifier within that source.
    """

    file: str
    line: int
    column: int
    severity: Severity
    message: str
    code: str = ""
    source: str = ""
    xpath: str = ""
    schema: str = ""
    extra: tuple[tuple[str, str], ...] = field(default=(), compare=False)

    def format(self) -> str:
        """``path:line:col: severity: message [source:code]``, one line."""
        message = self.message
        # Never more than one line. Most messages have single spaces and no other
        # whitespace (which is all unprintable), and need no new string.
        if (
            "  " in message
            or message[:1] == " "
            or message[-1:] == " "
            or not message.isprintable()
        ):
            message = " ".join(message.split())
        message = printable(message)
        source, code = self.source, self.code
        tag = f"{source}:{code}" if source and code else source or code
        suffix = f" [{printable(tag)}]" if tag else ""
        where = f"{printable(self.file)}:{self.line}:{self.column}"
        # The severity's word from a table: str() of an enum runs three Python calls.
        return f"{where}: {_LABELS[self.severity]}: {message}{suffix}"

    def as_dict(self) -> dict[str, object]:
        """The one JSON shape of a finding, wherever teikit writes one (``rule`` is
        ``code``, ``engine`` is ``source``)."""
        # Printable text: a file name that is not UTF-8 survives (as \xNN), and
        # no control character reaches a JSON consumer's terminal.
        return {
            "severity": str(self.severity),
            "message": printable(self.message),
            "file": printable(self.file),
            "line": self.line,
            "column": self.column,
            "xpath": self.xpath,
            "schema": self.schema,
            "rule": self.code,
            "engine": self.source,
        }


class TeikitError(Exception):
    """Root of every error teikit raises on purpose.

    Carries the diagnostics that explain it, so the CLI can print them as
    located one-liners instead of a traceback.
    """

    exit_code = 3

    def __init__(self, message: str, diagnostics: list[Diagnostic] | tuple[Diagnostic, ...] = ()):
        super().__init__(message)
        self.message = message
        self.diagnostics: tuple[Diagnostic, ...] = tuple(diagnostics)


class LoadError(TeikitError):
    """A document could not be read or parsed (missing, malformed, hostile)."""

    exit_code = 1


class SchemaError(TeikitError):
    """A schema could not be found, read or compiled."""


class SandboxError(SchemaError):
    """Untrusted code (a schema a document names) tried something it may not:
    refused before it ran, or stopped by the sandbox while it ran. ``file`` and
    ``line`` locate the offending code (in the schema, not the document);
    ``reason`` says what it did ("calls environment-variable() …")."""

    def __init__(self, message: str, *, file: str = "", line: int = 0, reason: str = ""):
        super().__init__(message)
        self.file = file
        self.line = line
        self.reason = reason


class IncorrectSchema(SchemaError):
    """The schema is not correct RELAX NG; ``message`` starts ``file:line:col:``."""

    def __init__(self, message: str, file: str = "", line: int = 0, column: int = 0) -> None:
        self.file, self.line, self.column = file, line, column
        super().__init__(f"{file}:{line}:{column}: {message}" if file else message)


class TransformError(SchemaError):
    """A stylesheet failed while it ran (a dynamic error, or the sandbox said no)."""


class OutputError(TeikitError):
    """Outputs cannot be written: a full disk, a read-only or locked folder."""


class UsageError(TeikitError):
    """The caller asked for something that cannot be done (bad option or path)."""

    exit_code = 2


class ValidationError(TeikitError):
    """Raised by ``validate(..., raise_on_error=True)`` when a document is invalid."""

    exit_code = 1


class RenderError(TeikitError):
    """A document could not be rendered (transformation or Typst failed)."""


class PdfTooLargeError(RenderError):
    """A PDF not made because Typst would have to lay out more at once than it can
    in bounded memory; its diagnostic is a warning (the rest of the output stands)."""


class StylesheetError(SchemaError):
    """A stylesheet could not be read or compiled; diagnostics point into it."""


class ExportError(TeikitError):
    """An export could not be written (the output path is unusable)."""


class BuildError(TeikitError):
    """The site could not be built; ``diagnostics`` say why, ``report`` (a
    :class:`teikit.site.BuildReport`) what was done."""

    exit_code = 1

    def __init__(
        self,
        message: str,
        diagnostics: list[Diagnostic] | tuple[Diagnostic, ...] = (),
        report: object | None = None,
    ) -> None:
        super().__init__(message, list(diagnostics))
        self.report = report
