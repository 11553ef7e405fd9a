"""What every rule shares: the corpus, the resolved pointers, and how a finding is made."""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from teikit.document import Document
from teikit.errors import Diagnostic, Severity
from teikit.refs import Corpus, Target, iter_attributes, pointer_tokens

SOURCE = "rules"

# Attributes whose values are pointers (data.pointer), checked for dangling targets.
# @key is not a pointer but is matched against xml:id; @from/@to of span/arc are
# pointers too but also dates elsewhere, so they are left out.
POINTER_ATTRIBUTES = (
    "ref", "corresp", "target", "targetEnd", "source", "sameAs", "copyOf", "active",
    "passive", "mutual", "resp", "who", "ana", "hand", "prev", "next", "synch", "wit",
    "spanTo", "nymRef",
)  # fmt: skip


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
    """The documents being checked and the facts several rules need, computed once."""

    corpus: Corpus
    _pointers: list[Pointer] | None = field(default=None, repr=False)

    @property
    def documents(self) -> list[Document]:
        return self.corpus.documents

    def pointers(self) -> list[Pointer]:
        """Every pointer token (and @key) of the checked documents, resolved."""
        if self._pointers is None:
            found: list[Pointer] = []
            for doc in self.documents:
                for el, attr, value in iter_attributes(doc, (*POINTER_ATTRIBUTES, "key")):
                    if attr == "key":
                        if value.strip():
                            found.append(
                                Pointer(doc, el, attr, value, self.corpus.resolve_key(value))
                            )
                        continue
                    for token in pointer_tokens(value):
                        found.append(Pointer(doc, el, attr, token, self.corpus.resolve(token, doc)))
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
) -> Diagnostic:
    """A Diagnostic located at ``el`` (or at the root when None), from the corpus rules
    unless ``source`` names another checker (the CMIF check)."""
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
    )
