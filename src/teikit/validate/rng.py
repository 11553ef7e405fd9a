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

from pathlib import Path

from lxml import etree

from teikit.document import Document
from teikit.errors import Diagnostic, SchemaError, Severity
from teikit.validate.relaxng import Grammar, compile_grammar, explain, is_valid

__all__ = ["check", "parse_schema"]

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
) -> list[Diagnostic]:
    """Validate ``tree`` (or ``doc``, its loaded Document) against the schema at
    ``schema_path``; every error, explained, or ``[]`` when it is valid.

    Raises :class:`~teikit.errors.SchemaError` if the schema cannot be read or
    is not correct RELAX NG. ``grammar``: the schema already compiled.
    ``names``: filled with the element and attribute names of a valid document
    (see :func:`~teikit.validate.relaxng.is_valid`).
    """
    if grammar is None:
        grammar = compile_grammar(schema_path)
    target = doc if doc is not None else tree
    if is_valid(target, grammar, names):
        return []
    found = explain(target, grammar, file=file, max_errors=max_errors, schema=schema_name)
    if found:
        return found
    # The two walks share the engine and must agree; should they not, the
    # verdict stands, said plainly, rather than a silent "valid".
    message = "invalid, but teikit's RELAX NG checker could not locate the error"
    return [Diagnostic(file, 0, 0, Severity.ERROR, message, "explainer-disagrees", "rng")]
