"""correspDesc that does not say who wrote, to whom, or when."""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

from teikit.dates import DATE_ATTRIBUTES
from teikit.document import TEI_NS, Document
from teikit.errors import Diagnostic
from teikit.reading import localname
from teikit.rules.context import Context, Facts, finding

NO_SENDER = "correspdesc-no-sender"
NO_ADDRESSEE = "correspdesc-no-addressee"
NO_DATE = "correspdesc-no-date"

_NAMES = frozenset({"persName", "orgName", "name", "rs"})
_DATE_ATTRS = (*DATE_ATTRIBUTES, *(f"{a}-iso" for a in DATE_ATTRIBUTES))


def _actions(desc: etree._Element, kind: str) -> list[etree._Element]:
    return [a for a in desc.iterfind(f"{{{TEI_NS}}}correspAction") if a.get("type") == kind]


def _named(ctx: Context, desc: etree._Element, role: str) -> bool:
    """Whether a correspAction names someone in ``role`` (sender, addressee): by the
    action's type, or the name's own @type when one action holds both (with the
    values the edition's configuration adds)."""
    return any(
        localname(c) in _NAMES and ctx.edition.correspondent_role(a.get("type", ""), c) == role
        for a in desc.iterfind(f"{{{TEI_NS}}}correspAction")
        for c in a
    )


def check(ctx: Context, doc: Document, facts: Facts) -> Iterator[Diagnostic]:
    for desc in ctx.walk(doc).letters:
        sent, received = _actions(desc, "sent"), _actions(desc, "received")
        if ctx.on(NO_SENDER) and not _named(ctx, desc, "sender"):
            yield finding(
                doc,
                desc,
                NO_SENDER,
                'correspDesc has no sender: add <correspAction type="sent"> with a '
                "persName or orgName (use one for an unknown sender, too)",
            )
        if ctx.on(NO_ADDRESSEE) and not _named(ctx, desc, "addressee"):
            yield finding(
                doc,
                desc,
                NO_ADDRESSEE,
                'correspDesc has no addressee: add <correspAction type="received"> with a '
                "persName or orgName",
            )
        dates = [d for a in sent + received for d in a.iterfind(f"{{{TEI_NS}}}date")]
        if ctx.on(NO_DATE) and not any(d.get(attr) for d in dates for attr in _DATE_ATTRS):
            yield finding(
                doc,
                desc,
                NO_DATE,
                'correspDesc has no machine-readable date: add <date when="YYYY-MM-DD"/> '
                "(or @notBefore/@notAfter for an undated letter) to the sent action",
            )
