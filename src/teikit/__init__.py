"""teikit: a toolkit for TEI-XML digital editions.

Library first: every command of the ``teikit`` CLI is a function here.
"""

from __future__ import annotations

__version__ = "0.1.0"

from teikit.document import Document, load
from teikit.errors import (
    Diagnostic,
    LoadError,
    SchemaError,
    Severity,
    TeikitError,
    UsageError,
    ValidationError,
)
from teikit.validate import Report, is_valid, iter_errors, validate

__all__ = [
    "Diagnostic",
    "Document",
    "LoadError",
    "Report",
    "SchemaError",
    "Severity",
    "TeikitError",
    "UsageError",
    "ValidationError",
    "__version__",
    "build_index",
    "build_site",
    "export",
    "is_valid",
    "iter_errors",
    "load",
    "transform",
    "validate",
]
