"""Running ISO Schematron for the Validator, under the trust model
(docs/security.md).

* **Compiling**: a trusted schema (``--schema``, bundled, a verified TEI release)
  compiles on the trusted Saxon processor and may include any local file; an
  untrusted one (named by a document) is vetted (:mod:`teikit.sandbox`), reads
  its includes only inside the allowed roots (each vetted too), gets its
  ``xsl:include`` inlined, and compiles on the sandboxed processor. A refusal is
  kept, so that every document naming the schema reports it.
* **Running**: other documents a schema needs (``teikit-documents``,
  ``pattern/@documents``) are read by Python and handed in. A pattern with
  ``@documents`` makes two runs: the first lists the URIs, Python reads those
  it may, the second validates. A dynamic error is a finding at the node it
  happened on (the compiled rules catch it), or for the document when it
  happened outside any rule; the batch goes on.
"""

from __future__ import annotations

import hashlib
import marshal
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urljoin, urlsplit

from lxml import etree

from teikit import sandbox, xslt
from teikit.errors import Diagnostic, SandboxError, SchemaError, Severity
from teikit.schemas import declaration_position
from teikit.validate import rng
from teikit.validate.documents import HANDED_IN, HandedIn
from teikit.validate.engine import Checked, Gathering, Names
from teikit.validate.relaxng import source_positions
from teikit.validate.schematron import (
    COLLECT,
    SUBORDINATE,
    SVRL,
    TK,
    XSL,
    CompiledSchematron,
    clark,
    compile_schematron,
    embedded_schematron,
    read_schematron,
    svrl_diagnostics,
)
from teikit.validate.schematron_compose import parse_file
from teikit.validate.schematron_precheck import Precheck

if TYPE_CHECKING:
    from teikit.document import Document
    from teikit.schemas import SchemaSource

# Compiled schemas, refusals and prechecks: one per process (forked workers share them).
_cache: dict[tuple, Any] = {}


@dataclass(frozen=True)
class Compiled:
    """A Schematron schema ready to run, or the reason the sandbox refused it."""

    schema: CompiledSchematron | None
    executable: object
    sandboxed: bool
    refused: SandboxError | None = None


@dataclass
class Outcome:
    """One run: whether any pattern was active, the findings, the SVRL."""

    active: bool
    diagnostics: list[Diagnostic]
    svrl: str = ""


class SchematronEngine:
    """Compiles each Schematron schema once and runs it on documents."""

    def __init__(self, *, fired_rules: bool, phase: str | None, roots: tuple[Path, ...]):
        self.fired_rules = fired_rules
        self.phase = phase
        self.roots = roots
        self.handed_in = HandedIn(roots)

    # -- compiling --------------------------------------------------------------

    def embedded(self, source: SchemaSource) -> Compiled | None:
        """The Schematron embedded in a RELAX NG grammar (None: it has none)."""
        key = ("embedded", source.path.resolve(), source.trusted, self.fired_rules)
        if key not in _cache:
            grammar = rng.parse_schema(source.path)
            schema = embedded_schematron(grammar)
            _cache[key] = (
                None
                if schema is None
                else self._compile(
                    source, grammar, schema, self.phase_for(source, embedded=True), embedded=True
                )
            )
        return _cache[key]

    def standalone(self, source: SchemaSource) -> Compiled:
        phase = self.phase_for(source, embedded=False)
        key = ("sch", source.path.resolve(), source.trusted, phase, self.fired_rules)
        if key not in _cache:
            tree = read_schematron(source.path, source.name)
            _cache[key] = self._compile(source, tree, tree, phase, embedded=False)
        return _cache[key]

    def precheck(self, source: SchemaSource) -> Precheck | None:
        """The embedded Schematron's patterns, read for :mod:`schematron_precheck`."""
        key = ("precheck", source.path.resolve())
        if key not in _cache:
            _cache[key] = _precheck(source.path)
        return _cache[key]

    def phase_for(self, source: SchemaSource, *, embedded: bool) -> str | None:
        if embedded:
            return None
        return self.phase or getattr(source, "phase", "") or None

    def _compile(
        self,
        source: SchemaSource,
        tree: etree._Element,
        schema: etree._Element,
        phase: str | None,
        *,
        embedded: bool,
    ) -> Compiled:
        """Compile Schematron to XSLT on the processor its trust allows. Untrusted
        code is vetted first (its source, what it includes, then the XSLT it
        became)."""
        name = f"{source.name} (embedded)" if embedded else source.name
        if source.trusted:
            compiled = compile_schematron(
                schema, phase=phase, name=name, fired_rules=self.fired_rules
            )
            return Compiled(compiled, xslt.compile_stylesheet(compiled.xslt, name=name), False)
        where = sandbox.Where(str(source.path), f"to trust it, pass it with --schema {source.path}")
        reader = _UntrustedReader(source.path, sandbox.schema_roots(source.path, self.roots))
        try:
            included = [
                declaration
                for child in schema
                if isinstance(child.tag, str)
                and etree.QName(child).namespace == XSL
                and etree.QName(child).localname in ("include", "import")
                for declaration in reader.stylesheet(child)
            ]
            sandbox.vet_schematron(
                tree,
                where,
                include=reader.vet_xslt_include,
                declared=sandbox.declared_functions(
                    included, sandbox.schematron_namespaces(schema)
                ),
            )
            compiled = compile_schematron(
                schema,
                phase=phase,
                name=name,
                fired_rules=self.fired_rules,
                load=reader.schematron,
                include_xslt=reader.stylesheet,
            )
            sandbox.vet_stylesheet_text(compiled.xslt, where)
        except SandboxError as refused:
            return Compiled(None, None, True, refused)
        return Compiled(
            compiled, xslt.compile_stylesheet(compiled.xslt, name=name, sandboxed=True), True
        )

    # -- running ----------------------------------------------------------------

    def run(self, doc: Document, source: SchemaSource, compiled: Compiled, name: str) -> Outcome:
        """Run a compiled schema on ``doc``."""
        if compiled.refused is not None:
            return Outcome(True, [refusal(doc, source, compiled.refused)])
        sandboxed = compiled.sandboxed
        base = (
            Path(doc.path).resolve().as_uri() if Path(doc.path).is_file() else "file:///stdin.xml"
        )
        node = xslt.parse(xslt.document_text(doc.root, siblings=True), base, sandboxed=sandboxed)
        params: dict[str, Any] = {}
        if HANDED_IN in compiled.schema.params:
            params[HANDED_IN] = self.handed_in.for_document(doc, node, sandboxed=sandboxed)
        subordinate: dict[str, tuple[str, etree._Element]] = {}
        try:
            if compiled.schema.subordinate:
                params[clark(COLLECT)] = True
                listed, _ = xslt.run(
                    compiled.executable, node, file=doc.path, params=params, sandboxed=sandboxed
                )
                params[clark(COLLECT)] = False
                nodes, subordinate = self._subordinate(listed, source, sandboxed)
                if nodes:
                    params[clark(SUBORDINATE)] = xslt.node_map(nodes, sandboxed=sandboxed)
            out, messages = xslt.run(
                compiled.executable, node, file=doc.path, params=params, sandboxed=sandboxed
            )
        except SandboxError as stopped:
            return Outcome(True, [refusal(doc, source, stopped)])
        except xslt.TransformError as failed:
            return Outcome(True, [_failed(doc, name, failed)])
        svrl = etree.fromstring(out.encode("utf-8"))
        active = svrl.find(f"{{{SVRL}}}active-pattern") is not None
        found = messages + svrl_diagnostics(
            svrl,
            doc.root,
            doc.path,
            name,
            doc.xpath_of,
            source_positions(doc),
            subordinate=subordinate,
        )
        if sandboxed:  # a rule the sandbox stopped: a refusal, at the node it ran on
            found = [
                _denied(d, source) if d.code == "dynamic-error" and xslt.denied(d.message) else d
                for d in found
            ]
        return Outcome(active, found, out)

    def _subordinate(
        self, listed: str, source: SchemaSource, sandboxed: bool
    ) -> tuple[dict[str, Any], dict[str, tuple[str, etree._Element]]]:
        """The subordinate documents the first run listed that may be read: for a
        trusted schema any local file, for an untrusted one inside the roots."""
        uris = [el.text or "" for el in etree.fromstring(listed.encode("utf-8"))]
        nodes: dict[str, Any] = {}
        found: dict[str, tuple[str, etree._Element]] = {}
        for uri in dict.fromkeys(uris):
            parts = urlsplit(uri)
            if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
                continue  # never the network
            path = Path(unquote(parts.path))
            roots = (Path("/"),) if source.trusted else self.roots
            doc = sandbox.load_within(path, roots)
            if doc is None:
                continue
            nodes[uri] = xslt.parse(
                xslt.document_text(doc.root, siblings=True), uri, sandboxed=sandboxed
            )
            found[uri] = (doc.path, doc.root)
        return nodes, found


class _UntrustedReader:
    """What an untrusted schema may read while it is compiled: files inside the
    roots, each vetted; an ``xsl:include`` is inlined (the sandbox would not
    read it), an ``xsl:import`` refused (its precedence cannot be inlined)."""

    def __init__(self, schema: Path, roots: tuple[Path, ...]):
        self.schema = schema
        self.roots = roots

    def _read(self, path: Path, referrer: tuple[Path, etree._Element]) -> etree._Element:
        if not sandbox.within(path, self.roots):
            base, ref = referrer
            where = (str(base), *sandbox.element_position(base, ref))
            what = f"{ref.prefix or 'sch'}:{etree.QName(ref).localname} href"
            raise sandbox.refused_read(what, ref.get("href", ""), where, self.schema)
        return parse_file(path)

    def schematron(
        self, path: Path, referrer: tuple[Path, etree._Element] | None = None
    ) -> etree._Element:
        root = self._read(path, referrer or (self.schema, etree.Element("include", href=str(path))))
        sandbox.vet_schematron(
            root, sandbox.Where(str(path), f"to trust it, pass {self.schema} with --schema")
        )
        return root

    def vet_xslt_include(self, element: etree._Element, href: str) -> None:
        """Accepted while vetting: :meth:`stylesheet` reads and vets it when inlining."""

    def stylesheet(self, include: etree._Element) -> list[etree._Element]:
        """The top-level declarations of the stylesheet an xsl:include names,
        its own includes inlined too."""
        return self._declarations(include, self.schema, ())

    def _declarations(
        self, include: etree._Element, base: Path, seen: tuple[Path, ...]
    ) -> list[etree._Element]:
        local = etree.QName(include).localname
        line = include.sourceline or 0
        if local == "import":
            raise SandboxError(
                f"{base}:{line}: refused: it uses xsl:import, which a schema that a document "
                f"names may not do (only xsl:include); to trust it, pass it with --schema "
                f"{self.schema}",
                file=str(base),
                line=line,
                reason="uses xsl:import",
            )
        url = urljoin(base.resolve().as_uri(), include.get("href", ""))
        parts = urlsplit(url)
        path = Path(unquote(parts.path))
        if parts.scheme != "file" or path.resolve() in seen:
            raise SchemaError(f"{base}:{line}: cannot include {include.get('href')}")
        root = self._read(path, (base, include))
        sandbox.vet_tree(
            root,
            sandbox.Where(str(path), f"to trust it, pass {self.schema} with --schema"),
            include=lambda el, href: None,
        )
        found: list[etree._Element] = []
        for child in root:
            if not isinstance(child.tag, str):
                continue
            if etree.QName(child).namespace == XSL and etree.QName(child).localname in (
                "include",
                "import",
            ):
                found += self._declarations(child, path, (*seen, path.resolve()))
            else:
                found.append(child)
        return found


def _precheck(grammar: Path) -> Precheck | None:
    """The precheck of the Schematron ``grammar`` embeds (None: it has none),
    kept in the user cache by the checksums of the grammar and of the code
    that translates it: read back, it needs neither elementpath nor a parse of
    any XPath 2.0 (a third of a second at every start)."""
    kept = _precheck_file(grammar)
    if kept is not None:
        try:
            record = marshal.loads(kept.read_bytes())
            return None if record is None else Precheck.from_record(record)
        except (OSError, ValueError, EOFError, TypeError, etree.XPathError):
            pass  # not there, or damaged: translate again
    schema = embedded_schematron(rng.parse_schema(grammar))
    precheck = Precheck(schema) if schema is not None else None
    if kept is not None:
        try:
            kept.parent.mkdir(parents=True, exist_ok=True)
            tmp = kept.with_name(f".{kept.name}.{os.getpid()}.tmp")
            tmp.write_bytes(marshal.dumps(precheck.record() if precheck is not None else None))
            os.replace(tmp, kept)
        except (OSError, ValueError):
            pass  # the cache saves time; validation goes on without it
    return precheck


def _precheck_file(grammar: Path) -> Path | None:
    from teikit.schema_cache import cache_dir
    from teikit.validate import schematron_precheck

    digest = hashlib.sha256()
    try:
        digest.update(grammar.read_bytes())
        digest.update(Path(schematron_precheck.__file__).read_bytes())
        return cache_dir() / "precheck" / f"{digest.hexdigest()}.marshal"
    except (OSError, SchemaError):
        return None


def refusal(doc: Document, source: SchemaSource, error: SandboxError) -> Diagnostic:
    """What the sandbox refused, as a finding for this document at the
    ``<?xml-model?>`` that named the schema."""
    message = error.message
    if not error.line and error.file == doc.path:  # stopped while running
        reason = message.removeprefix(f"{doc.path}: ")
        message = (
            f"{source.path}: the schema tried to read a file or URL, which a schema named "
            f"by a document may not do ({reason}); to trust it, pass it with "
            f"--schema {source.path}"
        )
    return Diagnostic(
        doc.path,
        *declaration_position(doc, source),
        Severity.ERROR,
        message,
        code="untrusted-code-refused",
        source="sandbox",
        schema=str(source),
    )


def _denied(found: Diagnostic, source: SchemaSource) -> Diagnostic:
    reason = found.message.split(": ", 1)[-1]
    return replace(
        found,
        message=f"{source.path}: the schema tried to read a file or URL, which a schema named "
        f"by a document may not do ({reason}); to trust it, pass it with --schema {source.path}",
        code="untrusted-code-refused",
        source="sandbox",
    )


def _failed(doc: Document, name: str, error: xslt.TransformError) -> Diagnostic:
    """A dynamic error outside any rule (a schema-level let, a rule context):
    one finding for this document, at its root element."""
    reason = error.message.removeprefix(f"{doc.path}: transformation failed: ")
    return Diagnostic(
        doc.path,
        doc.root.sourceline or 1,
        0,
        Severity.ERROR,
        f"{name} failed on this document with a dynamic error: {reason}",
        code="dynamic-error",
        source="schematron",
        schema=name,
    )


__all__ = ["TK", "Compiled", "Outcome", "SchematronEngine", "refusal"]


@dataclass(frozen=True)
class EmbeddedCompiled:
    """The Schematron a grammar embeds (None: it has none) and its precheck."""

    schema: Compiled | None
    precheck: Precheck | None


class EmbeddedSchematron:
    """The engine (:mod:`teikit.validate.engine`) for the Schematron rules a
    RELAX NG grammar embeds, run as Oxygen runs them. A document the precheck
    shows clean is not given to Saxon."""

    kind = "rng-sch"
    suffixes = (".rng",)

    def __init__(self, engine: SchematronEngine) -> None:
        self.engine = engine

    def compile(self, source: SchemaSource) -> EmbeddedCompiled:
        schema = self.engine.embedded(source)
        # With the SVRL kept (--svrl), every document runs, clean or not.
        wanted = schema is not None and not self.engine.fired_rules
        return EmbeddedCompiled(schema, self.engine.precheck(source) if wanted else None)

    def check(
        self,
        doc: Document,
        source: SchemaSource,
        compiled: EmbeddedCompiled,
        names: Names | None = None,
        gathering: Gathering | None = None,
    ) -> Checked:
        schema, precheck = compiled.schema, compiled.precheck
        if schema is None:
            return Checked(False)
        if schema.refused is None and precheck is not None and precheck.clean(doc.root, names):
            return Checked(True)  # shown without Saxon that no rule fires
        outcome = self.engine.run(doc, source, schema, f"{source.name} (embedded)")
        return Checked(outcome.active, outcome.diagnostics, svrl=outcome.svrl)


class StandaloneSchematron:
    """The engine (:mod:`teikit.validate.engine`) for a Schematron schema file."""

    kind = "sch"
    suffixes = (".sch",)

    def __init__(self, engine: SchematronEngine) -> None:
        self.engine = engine

    def compile(self, source: SchemaSource) -> Compiled:
        return self.engine.standalone(source)

    def check(
        self,
        doc: Document,
        source: SchemaSource,
        compiled: Compiled,
        names: Names | None = None,
        gathering: Gathering | None = None,
    ) -> Checked:
        outcome = self.engine.run(doc, source, compiled, source.name)
        return Checked(outcome.active, outcome.diagnostics, svrl=outcome.svrl)
