"""Hints that turn a failure into an action.

The schema version matters more than the validator: much of what fails under
an older TEI release is valid TEI today (``graphic/@type`` arrived in 4.4).
When a document is validated against an older release than the newest one
available (because it names that release) and an error involves an element or
attribute a later release added, say so and say how to move on.

The names TEI added after 4.3.0 (bundled for documents that name it) are listed
in ``data/tei/added-after-4.3.0.json`` (made by ``schema/added_after.py``); for
other older releases (in the user cache) the two grammars are compared.
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
_TEI_RELEASE = re.compile(r"^tei_all ([0-9]+(?:\.[0-9]+)+)")
LISTED_RELEASE = "4.3.0"  # the release added-after-*.json starts from


@cache
def _added() -> dict:
    name = f"added-after-{LISTED_RELEASE}.json"
    path = resources.files("teikit") / "data" / "tei" / name
    return json.loads(path.read_text(encoding="utf-8"))


def _owner(diagnostic: Diagnostic) -> str:
    # The xpath's last element step names the element the error is on.
    steps = [s for s in diagnostic.xpath.split("/") if s and not s.startswith("@")]
    return re.sub(r"\[\d+\]$", "", steps[-1]).split(":")[-1] if steps else ""


def _older_release(diagnostic: Diagnostic, newest: dict[str, str] | None = None) -> str:
    """The TEI release a diagnostic was found against, if older than the newest
    available offline; else ``""``. ``newest`` keeps the newest release for a
    caller asking about many diagnostics (finding it reads the cache folder)."""
    from teikit import schema_cache

    found = _TEI_RELEASE.match(diagnostic.schema)
    if diagnostic.source != "rng" or found is None:
        return ""
    version = found.group(1)
    if newest is None:
        newest = {}
    if "version" not in newest:
        newest["version"] = schema_cache.newest().version
    older = schema_cache.version_key(version) < schema_cache.version_key(newest["version"])
    return version if older else ""


def _is_new(release: str, element: str, attribute: str = "") -> bool:
    if release == LISTED_RELEASE:
        added = _added()
        if attribute:
            return attribute in added["attributes"].get(element, ())
        return element in added["elements"]
    from teikit import schema_cache

    return schema_cache.added_after(release, f"{element}/@{attribute}" if attribute else element)


def newer_tei_names(diagnostic: Diagnostic, newest: dict[str, str] | None = None) -> list[str]:
    """What in this diagnostic a TEI release after the one it was found against
    added, e.g. ``graphic/@type``. ``newest``: see :func:`_older_release`."""
    release = _older_release(diagnostic, newest)
    if not release:
        return []
    found = []
    for match in _ATTRIBUTE.finditer(diagnostic.message):
        attribute = match.group(1) or match.group(2)
        element = match.group(3) or _owner(diagnostic)
        if _is_new(release, element, attribute):
            found.append(f"{element}/@{attribute}")
    for match in _ELEMENT.finditer(diagnostic.message):
        element = next(g for g in match.groups() if g)
        if _is_new(release, element):
            found.append(element)
    return found


def update_hint(diagnostics: Iterable[Diagnostic]) -> str:
    """One line saying that a newer TEI release allows what failed, or ""."""
    from teikit import schema_cache

    names: set[str] = set()
    releases: set[str] = set()
    newest_seen: dict[str, str] = {}  # read once, not for each diagnostic
    for diagnostic in diagnostics:
        if diagnostic.source != "rng":
            continue  # only a RELAX NG finding names a release (see _older_release)
        new = newer_tei_names(diagnostic, newest_seen)
        if new:
            names.update(new)
            releases.add(_older_release(diagnostic, newest_seen))
    if not names:
        return ""
    ordered = sorted(names)
    shown = ", ".join(ordered[:5]) + (" …" if len(ordered) > 5 else "")
    oldest = min(releases, key=schema_cache.version_key)
    newest = schema_cache.newest().version
    return (
        f"hint: {shown} became valid TEI after release {oldest} (by {newest}); "
        f"to validate against TEI {newest}, point the <?xml-model?> at "
        "https://www.tei-c.org/release/xml/tei/custom/schema/relaxng/tei_all.rng "
        "or use --schema tei_all"
    )
