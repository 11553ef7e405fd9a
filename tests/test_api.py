"""The public API: what `import teikit` promises is there, exceptions in one
module, one JSON shape for a finding."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import teikit
from teikit.errors import Diagnostic, Severity, TeikitError
from teikit.reports import diagnostic_json


def test_star_import_gives_every_name_in_all():
    namespace: dict[str, object] = {}
    exec("from teikit import *", namespace)
    missing = [name for name in teikit.__all__ if name not in namespace]
    assert missing == []
    for name in ("Edition", "validate", "build_index", "export", "transform", "build_site"):
        assert callable(namespace[name])


def test_every_exception_lives_in_errors():
    outside = []
    for info in pkgutil.walk_packages(teikit.__path__, "teikit."):
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        for name, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, TeikitError) and value.__module__ != "teikit.errors":
                outside.append(f"{value.__module__}.{name}")
    assert outside == []


def test_one_json_shape_for_a_diagnostic():
    d = Diagnostic("a.xml", 3, 4, Severity.ERROR, "bad", "code", "rules", "/TEI", "s")
    assert (
        diagnostic_json(d)
        == d.as_dict()
        == {
            "severity": "error",
            "message": "bad",
            "file": "a.xml",
            "line": 3,
            "column": 4,
            "xpath": "/TEI",
            "schema": "s",
            "rule": "code",
            "engine": "rules",
        }
    )
