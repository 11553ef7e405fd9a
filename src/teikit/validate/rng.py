"""RELAX NG validation: libxml2 (through lxml) gives the verdict fast; our own
checker (:mod:`teikit.validate.relaxng`) explains invalid documents the way jing
does, naming what was expected, at the offending element or attribute.

libxml2 takes seconds to compile tei_all, so it compiles a schema *specialised*
to the element names the documents use (:mod:`teikit.validate.specialize`):
exact for those documents, and compiled in milliseconds. Specialised schemas
are kept in the user cache, keyed by the schema's bytes and the name set.
"""

from __future__ import annotations

import os
from pathlib import Path

from lxml import etree

from teikit.document import Document
from teikit.errors import Diagnostic, SchemaError, Severity
from teikit.validate.relaxng import compile_grammar, explain

_compiled: dict[Path, etree.RelaxNG] = {}
_parsed: dict[Path, etree._ElementTree] = {}
_specialised: dict[Path, _Specialised] = {}


def parse_schema(path: Path) -> etree._Element:
    """The schema's XML tree, parsed once per process."""
    key = path.resolve()
    if key not in _parsed:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
        try:
            _parsed[key] = etree.parse(str(path), parser)
        except (OSError, etree.XMLSyntaxError) as exc:
            raise SchemaError(f"{path}: cannot read RELAX NG schema: {exc}") from exc
    return _parsed[key].getroot()


def compile_rng(path: Path) -> etree.RelaxNG:
    """Compile once per process: tei_all takes seconds to compile."""
    key = path.resolve()
    if key not in _compiled:
        try:
            _compiled[key] = etree.RelaxNG(parse_schema(path).getroottree())
        except etree.RelaxNGParseError as exc:
            raise SchemaError(f"{path}: cannot compile RELAX NG schema: {exc}") from exc
    return _compiled[key]


class _Specialised:
    """libxml2 validation with a schema specialised to the union of the element
    names seen so far; it grows (and recompiles) only when a document brings a
    name not seen before, which in a corpus happens a handful of times."""

    def __init__(self, path: Path):
        self.path = path
        self.schema_bytes = path.read_bytes()
        self.names: frozenset[tuple[str, str]] = frozenset()
        self.compiled: etree.RelaxNG | None = None
        self.specializer = None  # read only on a cache miss

    def validator(self, names: frozenset[tuple[str, str]]) -> etree.RelaxNG:
        if self.compiled is None or not names <= self.names:
            self._compile(self.names | names)
        assert self.compiled is not None
        return self.compiled

    def _compile(self, names: frozenset[tuple[str, str]]) -> None:
        from teikit.validate import specialize

        key = specialize.cache_key(self.schema_bytes, names)
        folder = _cache_folder()
        cached = folder / f"{key}.rng" if folder is not None else None
        if cached is not None and cached.is_file():
            tree = etree.parse(
                str(cached), etree.XMLParser(no_network=True, resolve_entities=False)
            )
        else:
            if self.specializer is None:
                self.specializer = specialize.Specializer(self.path)
            tree = self.specializer.specialize(names)
            if cached is not None:
                _store(cached, tree)
        self.compiled = etree.RelaxNG(tree)
        self.names = names


def _cache_folder() -> Path | None:
    try:
        from teikit.schema_cache import cache_dir

        return cache_dir() / "specialised"
    except (SchemaError, OSError):
        return None  # no writable cache: specialise in memory only


def _store(path: Path, tree: etree._ElementTree) -> None:
    # Several workers may specialise at once: write under a private name, then rename.
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tree.write(str(tmp), xml_declaration=True, encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass  # the cache is an optimisation; validation goes on without it


def _self_contained(path: Path) -> bool:
    root = parse_schema(path)
    rng = "{http://relaxng.org/ns/structure/1.0}"
    return next(root.iter(f"{rng}include", f"{rng}externalRef"), None) is None


def validator_for(path: Path, tree: etree._ElementTree) -> etree.RelaxNG:
    """The fastest exact libxml2 validator of ``path`` for this document: a
    specialised schema, or the full one when the schema cannot be specialised
    (includes of other files, or constructs the specialiser does not handle)."""
    from teikit.validate.specialize import SpecializeError, element_names

    key = path.resolve()
    state = _specialised.get(key)
    if state is None and key not in _compiled and _self_contained(path):
        state = _specialised[key] = _Specialised(key)
    if state is not None:
        try:
            return state.validator(frozenset(element_names(tree)))
        except (SpecializeError, etree.RelaxNGParseError):
            del _specialised[key]
    return compile_rng(path)


def libxml2_diagnostics(
    validator: etree.RelaxNG, *, file: str, schema_name: str
) -> list[Diagnostic]:
    return [
        Diagnostic(
            file=file,
            line=entry.line or 0,
            column=entry.column or 0,
            severity=Severity.ERROR,
            message=entry.message,
            code=entry.type_name.lower().replace("_", "-") if entry.type_name else "",
            source="rng",
            xpath=entry.path or "",
            schema=schema_name,
        )
        for entry in validator.error_log
    ]


def check(
    tree: etree._ElementTree,
    schema_path: Path,
    *,
    file: str,
    schema_name: str,
    doc: Document | None = None,
    max_errors: int | None = None,
) -> list[Diagnostic]:
    """Validate ``tree``; explain every error when it is invalid.

    libxml2 decides; teikit's own checker explains, jing-style, at the
    offending element or attribute. Should the two ever disagree, libxml2's
    messages are kept, so no verdict is silently lost.
    """
    validator = validator_for(schema_path, tree)
    if validator.validate(tree):
        return []
    fallback = libxml2_diagnostics(validator, file=file, schema_name=schema_name)
    try:
        explained = explain(
            doc if doc is not None else tree,
            compile_grammar(schema_path),
            file=file,
            max_errors=max_errors,
            schema=schema_name,
        )
    except SchemaError:
        return fallback  # a construct the explainer does not support
    if explained:
        return explained
    note = Diagnostic(
        file,
        0,
        0,
        Severity.INFO,
        "teikit's RELAX NG checker found no error where libxml2 did; libxml2's messages are shown",
        code="explainer-disagrees",
        source="rng",
        schema=schema_name,
    )
    return [*fallback, note]
