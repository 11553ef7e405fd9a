"""correspDesc that does not say who wrote, to whom, or when."""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

from teikit.dates import DATE_ATTRIBUTES
from teikit.document import TEI_NS
from teikit.errors import Diagnostic
from teikit.reading import localname
from teikit.rules.context import Context, finding

NO_SENDER = "correspdesc-no-sender"
NO_ADDRESSEE = "correspdesc-no-addressee"
NO_DATE = "correspdesc-no-date"

_NAMES = frozenset({"persName", "orgName", "name", "rs"})
_DATE_ATTRS = (*DATE_ATTRIBUTES, *(f"{a}-iso" for a in DATE_ATTRIBUTES))


def _actions(desc: etree._Element, kind: str) -> list[etree._Element]:
    return [a for a in desc.iterfind(f"{{{TEI_NS}}}correspAction") if a.get("type") == kind]


def _named(actions: list[etree._Element]) -> bool:
    return any(localname(c) in _NAMES for a in actions for c in a)


def check(ctx: Context) -> Iterator[Diagnostic]:
    for doc in ctx.documents:
        for desc in doc.root.iter(f"{{{TEI_NS}}}correspDesc"):
            sent, received = _actions(desc, "sent"), _actions(desc, "received")
            if not _named(sent):
                yield finding(
                    doc,
                    desc,
                    NO_SENDER,
                    'correspDesc has no sender: add <correspAction type="sent"> with a '
                    "persName or orgName (use one for an unknown sender, too)",
                )
            if not _named(received):
                yield finding(
                    doc,
                    desc,
                    NO_ADDRESSEE,
                    'correspDesc has no addressee: add <correspAction type="received"> with a '
                    "persName or orgName",
                )
            dates = [d for a in sent + received for d in a.iterfind(f"{{{TEI_NS}}}date")]
            if not any(d.get(attr) for d in dates for attr in _DATE_ATTRS):
                yield finding(
                    doc,
                    desc,
                    NO_DATE,
                    'correspDesc has no machine-readable date: add <date when="YYYY-MM-DD"/> '
                    "(or @notBefore/@notAfter for an undated letter) to the sent action",
                )
