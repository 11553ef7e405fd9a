"""teikit: a toolkit for TEI-XML digital editions.

Library first: every command of the ``teikit`` CLI is a function here. Start from
:class:`Edition`::

    edition = teikit.Edition.open("letters/")
    edition.validate(); edition.index(); edition.export("places.geojson")

or call the verbs directly: :func:`validate`, :func:`build_index`, :func:`export`,
:func:`transform`, :func:`build_site`; each takes a path, a folder, the bytes of
a document, a :class:`Document` or an :class:`Edition`.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

from teikit.document import Document, load
from teikit.edition import Config, Edition, Entity, Target
from teikit.errors import (
    BuildError,
    Diagnostic,
    ExportError,
    LoadError,
    RenderError,
    SchemaError,
    Severity,
    StylesheetError,
    TeikitError,
    UsageError,
    ValidationError,
)
from teikit.validate import Report, is_valid, iter_errors, validate

if TYPE_CHECKING:
    from teikit.exports import export
    from teikit.index import EntityIndex, build_index
    from teikit.site import build_site
    from teikit.transform import transform

__all__ = [
    "BuildError",
    "Config",
    "Diagnostic",
    "Document",
    "Edition",
    "Entity",
    "EntityIndex",
    "ExportError",
    "LoadError",
    "RenderError",
    "Report",
    "SchemaError",
    "Severity",
    "StylesheetError",
    "Target",
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

# The verbs whose modules load the stylesheets and the exporters: imported when
# first used, so that `teikit --help`, `teikit validate` and `import teikit` stay
# quick (transform alone brings render and index: 30 ms of every start-up).
_LAZY = {
    "EntityIndex": "teikit.index",
    "build_index": "teikit.index",
    "build_site": "teikit.site",
    "export": "teikit.exports",
    "transform": "teikit.transform",
}


class _Package(types.ModuleType):
    """The package, keeping ``teikit.transform`` the function: importing the
    submodule ``teikit.transform`` (from anywhere) would otherwise bind the module
    to that name once it has run."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "transform" and isinstance(value, types.ModuleType):
            value = value.transform
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'teikit' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
