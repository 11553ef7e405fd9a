"""What every rule shares: the edition, its resolved pointers, and how a finding is made."""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from teikit.document import EG_NS, Document
from teikit.edition import Edition
from teikit.edition.mentions import mention_type
from teikit.edition.pointers import POINTER_ATTRIBUTES, Target
from teikit.errors import Diagnostic, Severity

SOURCE = "rules"

_EG = f"{{{EG_NS}}}egXML"
_MENTION_ATTRS = frozenset({"ref", "key", "sameAs", "corresp", "who"})


def iter_attributes(doc: Document, names: tuple[str, ...]) -> list[tuple[etree._Element, str, str]]:
    """(element, attribute, value) for every element carrying one of ``names``, outside
    examples, in document order. One XPath in C finds them: the rules visit the
    elements that carry the attributes, not every element of the edition."""
    query = " | ".join(f"//@{name}" for name in names)
    examples = next(doc.root.iter(_EG), None) is not None
    found: list[tuple[etree._Element, str, str]] = []
    for attr in doc.root.xpath(query):
        el = attr.getparent()
        if el is None or not isinstance(el.tag, str):
            continue
        if examples and any(a.tag == _EG for a in el.iterancestors()):
            continue
        found.append((el, str(attr.attrname), str(attr)))
    return found


@dataclass(frozen=True)
class Pointer:
    """One pointer token as written, and what it resolves to."""

    doc: Document
    element: etree._Element
    attribute: str
    token: str
    target: Target


@dataclass
class Context:
    """The edition being checked and the facts several rules need, computed once."""

    edition: Edition
    _pointers: list[Pointer] | None = field(default=None, repr=False)

    @property
    def documents(self) -> list[Document]:
        return self.edition.documents

    def pointers(self) -> list[Pointer]:
        """Every pointer token of the checked documents, resolved."""
        if self._pointers is None:
            found: list[Pointer] = []
            resolver = self.edition.resolver
            for doc in self.documents:
                for el, attr, value in iter_attributes(doc, POINTER_ATTRIBUTES):
                    # As the index reads a mention: persName wants a person.
                    expected = (mention_type(el) or None) if attr in _MENTION_ATTRS else None
                    for token in resolver.tokens(attr, value):
                        target = resolver.resolve(token, doc, attribute=attr, expected=expected)
                        found.append(Pointer(doc, el, attr, token, target))
            self._pointers = found
        return self._pointers


def finding(
    doc: Document,
    el: etree._Element | None,
    code: str,
    message: str,
    severity: Severity = Severity.ERROR,
    *,
    source: str = SOURCE,
    value: str = "",
) -> Diagnostic:
    """A Diagnostic located at ``el`` (or at the root when None), from the corpus rules
    unless ``source`` names another checker (the CMIF check). ``value`` is the
    attribute value at fault, so that a schema's report of the same value is not
    repeated."""
    node = el if el is not None else doc.root
    return Diagnostic(
        file=doc.path,
        line=node.sourceline or 0,
        column=0,
        severity=severity,
        message=message,
        code=code,
        source=source,
        xpath=doc.xpath_of(node),
        extra=(("value", value),) if value else (),
    )
