"""Other documents, read by Python and handed to Schematron, so that schema
code never opens a file itself (docs/security.md).

A schema that checks across files (teikit.sch: references into the register,
xml:ids unique across the edition) declares the schema-level
``<let name="teikit-documents" value="()"/>``. teikit then sets it to a map
from each file name as the document writes it in its pointers (``@ref``,
``@target``), and as ``edition.xml`` beside it does, to that file's document
node; ``edition.xml`` itself is there under its name, and the document being
validated is there as the very node being validated. Files are read with the
hardened loader, only regular files inside the allowed roots
(:func:`teikit.sandbox.within`), and each is parsed into Saxon once per
process. A file that is missing, outside the roots or broken is simply not in
the map: the schema then reports the pointer as not resolving.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from teikit import sandbox, xslt
from teikit.document import Document

HANDED_IN = "teikit-documents"  # the schema-level let teikit sets
EDITION_FILE = "edition.xml"
_POINTERS = ("ref", "target")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


def _file_parts(doc: Document) -> set[str]:
    """The file part of every relative pointer in ``doc`` (``register.xml`` of
    ``register.xml#p1``), as written."""
    found: set[str] = set()
    for el in doc.root.iter():
        for name in _POINTERS:
            for token in (el.get(name) or "").split():
                file = token.partition("#")[0]
                if file and not _SCHEME.match(file):
                    found.add(file)
    return found


class HandedIn:
    """The documents one run may hand to schemas, parsed once per process."""

    def __init__(self, roots: Iterable[Path]):
        self.roots = tuple(Path(r) for r in roots)
        self._nodes: dict[tuple[Path, bool], Any] = {}
        self._loaded: dict[Path, Document | None] = {}

    def _load(self, path: Path) -> Document | None:
        key = path.resolve()
        if key not in self._loaded:
            self._loaded[key] = sandbox.load_within(path, self.roots)
        return self._loaded[key]

    def _node(self, path: Path, sandboxed: bool) -> Any:
        key = (path.resolve(), sandboxed)
        if key not in self._nodes:
            loaded = self._load(path)
            self._nodes[key] = (
                None
                if loaded is None
                else xslt.parse(
                    xslt.document_text(loaded.root), key[0].as_uri(), sandboxed=sandboxed
                )
            )
        return self._nodes[key]

    def for_document(self, doc: Document, node: Any, *, sandboxed: bool = False) -> Any:
        """The ``teikit-documents`` map for ``doc``, whose Saxon ``node`` is the one
        being validated (an XDM map; never empty: the document is in it under
        its own file name, which is also how it may point at itself)."""
        if doc.path.startswith("<"):  # stdin: no folder to resolve against
            return xslt.node_map({doc.path: node}, sandboxed=sandboxed)
        itself = Path(doc.path).resolve()
        folder = Path(doc.path).parent
        names = _file_parts(doc) | {itself.name}
        edition_doc = self._load(folder / EDITION_FILE)
        if edition_doc is not None:
            names |= {EDITION_FILE, *_file_parts(edition_doc)}
        nodes = {}
        for name in sorted(names):
            path = folder / name
            found = node if path.resolve() == itself else self._node(path, sandboxed)
            if found is not None:
                nodes[name] = found
        return xslt.node_map(nodes, sandboxed=sandboxed)
