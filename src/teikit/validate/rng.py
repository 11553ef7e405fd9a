"""RELAX NG validation: teikit's own engine (:mod:`teikit.validate.relaxng`)
gives the verdict and explains the errors.

The schema is read, checked and simplified once per process by the one front
end (:mod:`teikit.validate.rng_schema`): an incorrect schema is a located
:class:`~teikit.validate.rng_schema.IncorrectSchema`, never used. Each
document is then checked by derivatives whose every step is kept for the next
document (a lazily built automaton, linear in the size of the document however
long its repeated content); only an invalid document is walked a second time,
by the explainer, for jing-style messages at each error.

Why not libxml2: it is super-linear on long repeated content (a valid
888 KB register of some 2,000 places took it 7.2 s, this engine 0.1 s), it
accepted incorrect schemas once specialised, and a grammar with a long chain of
references crashed it. See docs/architecture.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from lxml import etree

from teikit.document import Document
from teikit.errors import Diagnostic, SchemaError, Severity
from teikit.schemas import xsi_position
from teikit.validate.engine import Checked, Gathering, Names
from teikit.validate.relaxng import Grammar, compile_grammar, explain, is_valid

if TYPE_CHECKING:
    from teikit.schemas import SchemaSource

__all__ = ["RelaxNG", "check", "parse_schema"]

XSI = "http://www.w3.org/2001/XMLSchema-instance"

_parsed: dict[Path, etree._ElementTree] = {}


def parse_schema(path: Path) -> etree._Element:
    """The schema's XML tree, parsed once per process (for the Schematron it embeds)."""
    key = path.resolve()
    if key not in _parsed:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
        try:
            _parsed[key] = etree.parse(str(path), parser)
        except (OSError, etree.XMLSyntaxError) as exc:
            raise SchemaError(f"{path}: cannot read RELAX NG schema: {exc}") from exc
    return _parsed[key].getroot()


def check(
    tree: etree._ElementTree,
    schema_path: Path,
    *,
    file: str,
    schema_name: str,
    doc: Document | None = None,
    max_errors: int | None = None,
    grammar: Grammar | None = None,
    names: tuple[set[str], set[str]] | None = None,
    gathering: Gathering | None = None,
) -> list[Diagnostic]:
    """Validate ``tree`` (or ``doc``, its loaded Document) against the schema at
    ``schema_path``; every error, explained, or ``[]`` when it is valid.

    Raises :class:`~teikit.errors.SchemaError` if the schema cannot be read or
    is not correct RELAX NG. ``grammar``: the schema already compiled.
    ``names``: filled with the element and attribute names of a valid document
    (see :func:`~teikit.validate.relaxng.is_valid`); ``gathering``: filled on
    the way.
    """
    if grammar is None:
        grammar = compile_grammar(schema_path)
    target = doc if doc is not None else tree
    failed: list[etree._Element] = []
    if is_valid(target, grammar, names, gathering, failed):
        return []
    found = explain(
        target, grammar, file=file, max_errors=max_errors, schema=schema_name, failing=failed
    )
    if found:
        return found
    # The two walks share the engine and must agree; should they not, the
    # verdict stands, said plainly, rather than a silent "valid".
    message = "invalid, but teikit's RELAX NG checker could not locate the error"
    return [Diagnostic(file, 0, 0, Severity.ERROR, message, "explainer-disagrees", "rng")]


class RelaxNG:
    """The RELAX NG engine (:mod:`teikit.validate.engine`): every error of a
    document, explained; a valid document's element and attribute names for
    the engines that run after it."""

    kind = "rng"
    suffixes = (".rng",)

    def __init__(
        self, roots: Sequence[Path] = (), max_errors: int | None = None, names: bool = False
    ) -> None:
        self.roots = tuple(roots)
        self.max_errors = max_errors
        self.names = names  # collect them (the walk costs more when it does)

    def compile(self, source: SchemaSource) -> Grammar:
        """The grammar; an untrusted one reads only inside the allowed roots and
        its own folder."""
        return compile_grammar(source.path, None if source.trusted else self.roots)

    def check(
        self,
        doc: Document,
        source: SchemaSource,
        compiled: Grammar,
        names: Names | None = None,
        gathering: Gathering | None = None,
    ) -> Checked:
        """xsi:schemaLocation on the root is common and tei_all rejects it. It is
        reported once, with a hint, and the rest validated as if it were absent,
        so that it neither hides real errors nor cascades."""
        root = doc.root
        prefix = f"{{{XSI}}}"
        foreign = {name: root.get(name) for name in root.attrib if str(name).startswith(prefix)}
        found = [_foreign_attribute(doc, source, name) for name in foreign]
        for name in foreign:
            del root.attrib[name]
        met: Names | None = (set(), set()) if self.names and not foreign else None
        try:
            found += check(
                doc.tree,
                source.path,
                file=doc.path,
                schema_name=str(source),
                doc=doc,
                max_errors=self.max_errors,
                grammar=compiled,
                names=met,
                gathering=_unused(gathering),
            )
        finally:
            for name, value in foreign.items():
                root.set(name, value)
        # Without the xsi attributes, the walk did not see every name.
        return Checked(True, found, names=met if not found else None)


def _unused(gathering: Gathering | None) -> Gathering | None:
    """``gathering`` if no walk has filled it yet: a second grammar's walk would
    repeat every entry."""
    if gathering is None or gathering.complete or gathering.found or gathering.elements:
        return None
    return gathering


def _foreign_attribute(doc: Document, source: SchemaSource, name: str) -> Diagnostic:
    root = doc.root
    local, element = etree.QName(name).localname, etree.QName(root).localname
    return Diagnostic(
        doc.path,
        *xsi_position(doc, name),  # at the attribute
        Severity.ERROR,
        f'attribute "xsi:{local}" not allowed on "{element}": '
        f"{source} allows no foreign attributes; remove it and declare the schema "
        'with <?xml-model href="..." '
        'schematypens="http://relaxng.org/ns/structure/1.0"?> instead',
        code="foreign-attribute",
        source="rng",
        xpath=f"/{element}/@xsi:{local}",
        schema=str(source),
    )
