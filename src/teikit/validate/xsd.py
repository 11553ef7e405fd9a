"""XSD validation through xmlschema, as Oxygen does it, reported in the same
Diagnostic shape.

* **The version the schema asks for**: ``vc:minVersion="1.1"`` (or higher) on
  ``xs:schema`` loads it as XSD 1.1 (``xmlschema.XMLSchema11``: assertions,
  alternatives, open content); otherwise XSD 1.0.
* **Where it comes from**: ``--schema``, ``<?xml-model?>``, or the document's
  ``xsi:schemaLocation``/``xsi:noNamespaceSchemaLocation``
  (:func:`teikit.schemas.xsi_schemas`); further namespace pairs of the same
  ``xsi:schemaLocation`` are imported into it.
* **Never the network** (docs/security.md): schemas load with ``allow="local"``;
  XML is always defused and location hints in documents ignored. One a document
  named reads what it includes or imports only inside the allowed roots and its
  own folder (:func:`teikit.sandbox.schema_roots`): its references are walked
  and checked before xmlschema reads any, and the URI mapper refuses the rest.
  The user's XML catalogs map ``xs:import``/``xs:include`` locations to local
  files. A remote location nothing maps is not fetched: it becomes one error
  naming it and saying how to make it local. Well-known W3C namespaces
  (``xml:``, ``xsi:`` …) need no fetching: xmlschema carries them.
* **Located findings**: line and column of the element (the unexpected child,
  the attribute) each error is about.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from lxml import etree

from teikit import sandbox
from teikit.document import Document
from teikit.errors import Diagnostic, SchemaError, Severity
from teikit.schemas import XSD_NS, SchemaSource, declaration_position
from teikit.validate.engine import Checked, Gathering, Names

VC_NS = "http://www.w3.org/2007/XMLSchema-versioning"
# (file, line, schemaLocation) of a reference to a remote schema
Remote = tuple[str, int, str]
_compiled: dict[tuple, tuple[object, tuple[Remote, ...]]] = {}
_REMOTE = ("http", "https", "ftp", "ftps")
_REFERENCES = ("import", "include", "redefine", "override")
_ATTRIBUTE = re.compile(r"^'([^']+)' attribute")  # "'bogus' attribute not allowed …"


def _parse(path: Path) -> etree._Element:
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
    return etree.parse(str(path), parser).getroot()


def wants_xsd_11(path: Path) -> bool:
    """Whether the schema at ``path`` asks for XSD 1.1 (``vc:minVersion`` ≥ 1.1)."""
    try:
        version = _parse(path).get(f"{{{VC_NS}}}minVersion", "1.0").strip()
    except (OSError, etree.XMLSyntaxError):
        return False
    try:
        return float(version) >= 1.1
    except ValueError:
        return False


def _catalog_mapper(catalogs: Sequence[Path]) -> Callable[[str], str]:
    """xmlschema's ``uri_mapper``: a location the user's catalogs map, as the
    local file's URL; anything else unchanged (a remote URL is then blocked)."""
    from teikit import catalog

    def mapped(url: str) -> str:
        if urlsplit(url).scheme.lower() not in _REMOTE or not catalog.catalog_files(catalogs):
            return url
        try:
            found = catalog.lookup(url, None, catalogs)
        except SchemaError:
            return url
        return found.path.resolve().as_uri() if found.via.startswith("catalog") else url

    return mapped


def _confined(
    mapper: Callable[[str], str], source: SchemaSource, roots: Sequence[Path]
) -> Callable[[str], str]:
    """The URI mapper of an untrusted schema: a local file it may not read (outside
    :func:`teikit.sandbox.schema_roots`) becomes a location that cannot be
    opened. :func:`_check_references` has refused those it names, with their
    place; this catches whatever else xmlschema might try."""
    allowed = sandbox.schema_roots(source.path, roots)
    named = {source.path.resolve(), *(path.resolve() for _, path in source.imports)}

    def confined(url: str) -> str:
        target = mapper(url)
        if target != url:
            return target  # the user's catalog maps it: their choice
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("", "file"):
            return url  # remote: allow="local" blocks it
        path = Path(unquote(parts.path))
        if not path.is_absolute() or path.resolve() in named or sandbox.within(path, allowed):
            return url
        return "file:///dev/null/refused-by-teikit"

    return confined


def _check_references(
    source: SchemaSource, roots: Sequence[Path], mapper: Callable[[str], str]
) -> None:
    """Raise :class:`SandboxError` at the first ``xs:include``, ``xs:import``,
    ``xs:redefine`` or ``xs:override`` of an untrusted schema (or of what it
    reads, transitively) whose local ``schemaLocation`` lies outside
    :func:`teikit.sandbox.schema_roots`."""
    allowed = sandbox.schema_roots(source.path, roots)
    pending = [source.path, *(path for _, path in source.imports)]
    seen: set[Path] = set()
    while pending:
        path = pending.pop()
        if path.resolve() in seen:
            continue
        seen.add(path.resolve())
        try:
            root = _parse(path)
        except (OSError, etree.XMLSyntaxError):
            continue  # xmlschema reports it
        url = path.resolve().as_uri()
        for kind in _REFERENCES:
            for el in root.iterchildren(f"{{{XSD_NS}}}{kind}"):
                location = el.get("schemaLocation", "").strip()
                target = urljoin(url, location) if location else ""
                if not target or mapper(target) != target:
                    continue  # none, or mapped by the user's catalog
                parts = urlsplit(target)
                if parts.scheme.lower() != "file":
                    continue  # remote: never fetched, reported as such
                found = Path(unquote(parts.path))
                if not sandbox.within(found, allowed):
                    where = (str(path), *sandbox.element_position(path, el))
                    raise sandbox.refused_read(
                        f"xs:{kind} schemaLocation", location, where, source.path
                    )
                pending.append(found)


def load_schema(
    source: SchemaSource, catalogs: Sequence[Path] = (), roots: Sequence[Path] = ()
) -> tuple[object, tuple[Remote, ...]]:
    """The compiled schema and the remote references it holds (not fetched), once
    per process. Raises :class:`SchemaError` for a schema that does not load,
    :class:`SandboxError` for an untrusted one that includes what it may not
    read (outside ``roots``, the allowed roots, and its own folder)."""
    import xmlschema

    catalogs = tuple(catalogs)
    roots = tuple(roots)
    key = (source.path.resolve(), source.trusted, source.imports, catalogs, roots)
    if key not in _compiled:
        cls = xmlschema.XMLSchema11 if wants_xsd_11(source.path) else xmlschema.XMLSchema
        mapper = _catalog_mapper(catalogs)
        if not source.trusted:
            _check_references(source, roots, mapper)
            mapper = _confined(mapper, source, roots)
        try:
            with warnings.catch_warnings():  # a failed import: reported below, our way
                warnings.simplefilter("ignore")
                schema = cls(
                    str(source.path),
                    locations=[(ns, str(path)) for ns, path in source.imports] or None,
                    allow="local",
                    defuse="always",
                    uri_mapper=mapper,
                )
        except Exception as exc:  # xmlschema raises many types for broken schemas
            raise SchemaError(
                f"{source.path}: cannot load XSD: {' '.join(str(exc).split())[:300]}"
            ) from exc
        _compiled[key] = (schema, _remote_references(schema, mapper))
    return _compiled[key]


def _remote_references(schema, mapper: Callable[[str], str]) -> tuple[Remote, ...]:
    """Each remote schemaLocation in the schema's files that no catalog maps,
    unless its namespace loaded from elsewhere (xmlschema's own W3C schemas)."""
    found: list[Remote] = []
    seen: set[str] = set()
    for component in schema.maps.iter_schemas():
        url = getattr(component, "url", None) or ""
        if not url.startswith("file:") or url in seen:
            continue
        seen.add(url)
        path = Path(urlsplit(url).path)
        try:
            root = _parse(path)
        except (OSError, etree.XMLSyntaxError):
            continue
        for kind in _REFERENCES:
            for el in root.iterchildren(f"{{{XSD_NS}}}{kind}"):
                location = el.get("schemaLocation", "").strip()
                target = urljoin(url, location) if location else ""
                if urlsplit(target).scheme.lower() not in _REMOTE or mapper(target) != target:
                    continue
                namespace = el.get("namespace")
                if kind == "import" and namespace and schema.maps.namespaces.get(namespace):
                    continue  # xmlschema's own copy of a W3C schema
                found.append((str(path), el.sourceline or 0, location))
    return tuple(found)


class Xsd:
    """The XSD engine (:mod:`teikit.validate.engine`), with the user's catalogs
    and, for a schema a document names, the allowed roots."""

    kind = "xsd"
    suffixes = (".xsd",)

    def __init__(self, catalogs: Sequence[Path] = (), roots: Sequence[Path] = ()) -> None:
        self.catalogs = tuple(catalogs)
        self.roots = tuple(roots)

    def compile(self, source: SchemaSource) -> tuple[object, tuple[Remote, ...]]:
        """The schema and the remote references it holds (see :func:`load_schema`)."""
        return load_schema(source, self.catalogs, self.roots)

    def check(
        self,
        doc: Document,
        source: SchemaSource,
        compiled: tuple[object, tuple[Remote, ...]],
        names: Names | None = None,
        gathering: Gathering | None = None,
    ) -> Checked:
        return Checked(True, _errors(doc, source, *compiled))


def check(
    doc: Document,
    source: SchemaSource,
    catalogs: Sequence[Path] = (),
    roots: Sequence[Path] = (),
) -> list[Diagnostic]:
    """Every XSD error in ``doc``, located; a remote import is one error at the
    declaration (the ``<?xml-model?>`` or the root's ``xsi:schemaLocation``).
    ``roots``: the allowed roots, for a schema the document named."""
    engine = Xsd(catalogs, roots)
    return engine.check(doc, source, engine.compile(source)).diagnostics


def _errors(
    doc: Document, source: SchemaSource, schema: object, remote: tuple[Remote, ...]
) -> list[Diagnostic]:
    from teikit.validate.relaxng import source_positions

    declared = declaration_position(doc, source) if remote else (0, 0)
    found = [
        Diagnostic(
            file=doc.path,
            line=declared[0],
            column=declared[1],
            severity=Severity.ERROR,
            message=f"remote schema not fetched: {location} (named in {file}:{line}); "
            "teikit never downloads while validating: save a local copy and point the "
            "schemaLocation at it, or map the URL to a file in an XML catalog",
            code="remote-schema",
            source="xsd",
            schema=source.name,
        )
        for file, line, location in remote
    ]
    positions = None
    for error in schema.iter_errors(doc.tree, use_location_hints=False):  # type: ignore[attr-defined]
        if positions is None:
            positions = source_positions(doc)
        element, attribute = _subject(error)
        line, column = 0, 0
        if element is not None:
            try:
                line, column = positions(element, attribute)
            except (KeyError, ValueError, IndexError):
                line = element.sourceline or 0
        found.append(
            Diagnostic(
                file=doc.path,
                line=line,
                column=column,
                severity=Severity.ERROR,
                message=_message(error, doc.root.nsmap),
                code=_code(error),
                source="xsd",
                xpath=error.path or "",
                schema=source.name,
            )
        )
    return found


def _subject(error) -> tuple[etree._Element | None, str | None]:
    """The element an error is about (for an unexpected child, the child) and,
    for an attribute error, the attribute's name as lxml spells it."""
    element = getattr(error, "elem", None)
    if not isinstance(element, etree._Element):
        return None, None
    index = getattr(error, "index", None)
    if type(error).__name__ == "XMLSchemaChildrenValidationError" and isinstance(index, int):
        children = [c for c in element if isinstance(c.tag, str)]
        if 0 <= index < len(children):
            return children[index], None
    match = _ATTRIBUTE.match(error.reason or "")
    if match:
        name = match.group(1)
        for candidate in element.attrib:
            if candidate == name or etree.QName(candidate).localname == name.split("}")[-1]:
                return element, str(candidate)
    return element, None


_CLARK = re.compile(r"\{([^}]*)\}([\w.-]+)")


def _message(error, nsmap: dict) -> str:
    """xmlschema's reason, readable: names as the document writes them, and a
    value error says which type it wanted."""
    reason = error.reason or str(error).splitlines()[0]
    wanted = getattr(getattr(error, "validator", None), "prefixed_name", None)
    if type(error).__name__ == "XMLSchemaDecodeError" and isinstance(error.obj, str) and wanted:
        reason = f"invalid value {error.obj!r}: not a valid {wanted}"
    prefixes = {uri: prefix for prefix, uri in nsmap.items()}

    def short(match: re.Match) -> str:
        prefix = prefixes.get(match.group(1), "?")
        return match.group(2) if prefix is None else f"{prefix}:{match.group(2)}"

    return _CLARK.sub(lambda m: short(m) if m.group(1) in prefixes else m.group(0), reason)


_CODES = {
    "XMLSchemaChildrenValidationError": "content",  # unexpected or missing child
    "XMLSchemaDecodeError": "value",  # a value not of its type
}


def _code(error) -> str:
    """A stable code for the kind of error."""
    return _CODES.get(type(error).__name__, "invalid")
