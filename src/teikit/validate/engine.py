"""The one protocol every schema language's engine follows.

An engine says which schemas it checks: ``kind``, the
:attr:`~teikit.schemas.SchemaSource.kind` it takes, and ``suffixes``, the file
suffixes that name such a schema. It compiles a schema once per run
(``compile``, which raises :class:`~teikit.errors.SchemaError` for one it
cannot use) and checks one document against what it compiled (``check``).
The :class:`~teikit.validate.Validator` picks the engine by kind and knows
nothing of any schema language.

The engines: RELAX NG (:class:`teikit.validate.rng.RelaxNG`), the Schematron
a RELAX NG grammar embeds and standalone Schematron
(:mod:`teikit.validate.schematron_engine`), XSD (:class:`teikit.validate.xsd.Xsd`).
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from teikit.document import Document
    from teikit.errors import Diagnostic
    from teikit.schemas import SchemaSource

# The element and attribute names (Clark) of a document.
Names = tuple[set[str], set[str]]


@dataclass
class Gathering:
    """What another check of the same document (the edition's rules) asks an
    engine that walks every element to collect on its way, so that the document
    is walked once: ``found``, (element, attribute, value) for the attributes
    named in ``attributes``, and ``elements``, those whose tag (Clark) is in
    ``tags``, in document order. ``complete`` once a walk met every element (a
    valid document's RELAX NG walk; an invalid one stops early). Values in
    ``known`` (the usual ``#id`` pointers, whose answer the other check knows
    already) are left out of ``found``."""

    attributes: frozenset[str]
    tags: frozenset[str]
    found: list[tuple[Any, str, str]] = field(default_factory=list)
    elements: list[Any] = field(default_factory=list)
    complete: bool = False
    known: Container[str] = frozenset()


@dataclass
class Checked:
    """What checking one document against one schema found."""

    active: bool  # whether the schema checked anything (a Schematron phase may check nothing)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # Every element and attribute name of the document, when the engine met them
    # all on its way (a valid document's RELAX NG walk): other engines need no walk.
    names: Names | None = None
    svrl: str = ""  # the report in SVRL, for a Schematron run that keeps it


class Engine(Protocol):
    """A schema language: compiles schemas of its ``kind`` and checks documents."""

    kind: str
    suffixes: tuple[str, ...]

    def compile(self, source: SchemaSource) -> Any:
        """The schema ready to check documents; raises SchemaError if it cannot be."""
        ...

    def check(
        self,
        doc: Document,
        source: SchemaSource,
        compiled: Any,
        names: Names | None = None,
        gathering: Gathering | None = None,
    ) -> Checked:
        """``doc`` against the compiled schema; ``names``: the document's element
        and attribute names, when another engine has collected them. An engine
        that walks the whole document fills ``gathering`` on its way; the others
        leave it alone."""
        ...
