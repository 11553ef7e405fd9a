"""One walk over a document's elements for the attributes a caller wants.

lxml's XPath answers ``//@ref | //@key | …`` with one pass per attribute name,
and ``//*[@ref or @key …]`` slowly: a walk in Python that tests each element's
attribute names against a set is four to ten times faster, which matters once
an edition has thousands of letters and a 20 MB register.
"""

from __future__ import annotations

from collections.abc import Iterable

from lxml import etree

from teikit.document import EG_NS, Document

__all__ = ["attribute_values"]

_EG = f"{{{EG_NS}}}egXML"


def attribute_values(doc: Document, names: Iterable[str]) -> list[tuple[etree._Element, str, str]]:
    """(element, attribute, value) for every element carrying one of ``names``, in
    document order (attributes in the order of ``names``), outside ``egXML``
    examples (quoted markup, not part of the edition)."""
    ordered = tuple(names)
    wanted = frozenset(ordered)
    examples = next(doc.root.iter(_EG), None) is not None
    found: list[tuple[etree._Element, str, str]] = []
    for el in doc.root.iter(etree.Element):
        attrib = el.attrib
        if not attrib or wanted.isdisjoint(attrib):
            continue
        if examples and any(a.tag == _EG for a in el.iterancestors()):
            continue
        for name in ordered:
            value = el.get(name)
            if value is not None:
                found.append((el, name, value))
    return found
