"""Hints that turn a failure into an action.

The schema version matters more than the validator: much of what fails under
the bundled TEI 4.3.0 is valid TEI today (``graphic/@type`` arrived in 4.4).
When an error involves an element or attribute that a later release added, say
so and suggest ``teikit schema update``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import cache
from importlib import resources

from teikit.errors import Diagnostic

_ELEMENT = re.compile(
    r'element "(?:[\w.-]+:)?([\w.-]+)"|Element (?:\{[^}]*\})?([\w.-]+)|'
    r"element (?:\{[^}]*\})?([\w.-]+)"
)
_ATTRIBUTE = re.compile(
    r'attribute "([\w:.-]+)"|Invalid attribute ([\w:.-]+) for element '
    r"(?:\{[^}]*\})?([\w.-]+)"
)


@cache
def _added() -> dict:
    path = resources.files("teikit") / "data" / "tei" / "added-after-4.3.0.json"
    return json.loads(path.read_text(encoding="utf-8"))


def _owner(diagnostic: Diagnostic) -> str:
    # The xpath's last element step names the element the error is on.
    steps = [s for s in diagnostic.xpath.split("/") if s and not s.startswith("@")]
    return re.sub(r"\[\d+\]$", "", steps[-1]).split(":")[-1] if steps else ""


def newer_tei_names(diagnostic: Diagnostic) -> list[str]:
    """What in this diagnostic a TEI release after 4.3.0 added, e.g. ``graphic/@type``."""
    if "4.3.0" not in diagnostic.schema or diagnostic.source != "rng":
        return []
    added = _added()
    found = []
    for match in _ATTRIBUTE.finditer(diagnostic.message):
        attribute = match.group(1) or match.group(2)
        element = match.group(3) or _owner(diagnostic)
        if attribute in added["attributes"].get(element, ()):
            found.append(f"{element}/@{attribute}")
    for match in _ELEMENT.finditer(diagnostic.message):
        element = next(g for g in match.groups() if g)
        if element in added["elements"]:
            found.append(element)
    return found


def update_hint(diagnostics: Iterable[Diagnostic]) -> str:
    """One line suggesting a schema update, or "" when nothing calls for it."""
    names = sorted({name for d in diagnostics for name in newer_tei_names(d)})
    if not names:
        return ""
    newer = _added()["compared"]["newer"]
    shown = ", ".join(names[:5]) + (" …" if len(names) > 5 else "")
    return (
        f"hint: {shown} became valid TEI after release 4.3.0 (by {newer}); "
        "run 'teikit schema update' to validate against the current TEI release"
    )
