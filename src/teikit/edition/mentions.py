"""Which elements mention an entity, and which type of entity each one wants.

``persName``, ``placeName``, ``orgName`` and ``title`` name an entity whatever
their attributes; ``rs``, ``name``, ``settlement``, ``geogName`` … count when they
point somewhere; ``sp/@who`` names the speakers of a play. The entity index, the
site's links and the stylesheets' links all take their mentions from here.
"""

from __future__ import annotations

from collections.abc import Collection

from lxml import etree

from teikit.document import TEI_NS
from teikit.edition.registers import ENTRY_TYPES, REGISTER_LISTS
from teikit.reading import choose_reading, in_egxml, localname

__all__ = [
    "MENTION_ELEMENTS",
    "POINTING_ELEMENTS",
    "correspondent_role",
    "inside_entry",
    "mention_type",
    "skipped_mention",
]

T = f"{{{TEI_NS}}}"
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"

# Elements that name an entity whatever their attributes …
MENTION_ELEMENTS = {
    "persName": "person",
    "placeName": "place",
    "orgName": "org",
    "title": "work",
}
# … and elements that count as a mention only when they point somewhere ("": the
# type comes from @type, else from what the pointer finds).
POINTING_ELEMENTS = {
    "geogName": "place",
    "settlement": "place",
    "country": "place",
    "region": "place",
    "bloc": "place",
    "district": "place",
    "eventName": "event",
    "rs": "",
    "name": "",
    "sp": "person",
}
# @type values of rs/name that say which kind of entity is meant.
RS_TYPES = {
    "person": "person",
    "persName": "person",
    "personGrp": "person",
    "place": "place",
    "placeName": "place",
    "org": "org",
    "orgName": "org",
    "organisation": "org",
    "organization": "org",
    "institution": "org",
    "work": "work",
    "bibl": "work",
    "title": "work",
    "event": "event",
    "term": "term",
}
# Titles of the file itself, not mentions of a work.
_OWN_TITLE_PARENTS = frozenset({"titleStmt", "seriesStmt", "editionStmt"})
TAGS = tuple(f"{T}{n}" for n in (*MENTION_ELEMENTS, *POINTING_ELEMENTS))


def pointer_attributes(el: etree._Element) -> tuple[str, ...]:
    """The attributes whose pointers say what a mention names."""
    return ("who",) if localname(el) == "sp" else ("ref", "key", "sameAs", "corresp")


def mention_type(el: etree._Element) -> str | None:
    """The entity type ``el`` mentions (``""``: some entity, of the type its pointer
    finds), or None when it is no mention."""
    name = localname(el)
    if name in MENTION_ELEMENTS:
        parent = el.getparent()
        if name == "title" and parent is not None and localname(parent) in _OWN_TITLE_PARENTS:
            return None
        return MENTION_ELEMENTS[name]
    if name in POINTING_ELEMENTS and any(el.get(a) for a in pointer_attributes(el)):
        return POINTING_ELEMENTS[name] or RS_TYPES.get(el.get("type", ""), "")
    return None


def skipped_mention(el: etree._Element) -> bool:
    """Quoted examples, and the alternatives a reading text does not show."""
    if in_egxml(el):
        return True
    if next(el.iterancestors("{*}choice"), None) is None:
        return False  # no choice above it (the common case), found by lxml's C loop
    for anc in el.iterancestors():
        parent = anc.getparent()
        if (
            parent is not None
            and localname(parent) == "choice"
            and choose_reading(parent) is not anc
        ):
            return True
    return False


def inside_entry(el: etree._Element) -> bool:
    """Inside a register entry: the register's own names define the entry, they do
    not mention it."""
    for anc in el.iterancestors():
        if localname(anc) in ENTRY_TYPES and anc.get(XML_ID):
            parent = anc.getparent()
            while parent is not None:
                if localname(parent) in REGISTER_LISTS:
                    return True
                parent = parent.getparent()
    return False


# correspAction children told apart by @type when an edition keeps sender and
# addressee in one action (``<correspAction type="sent"><persName type="receiver">``).
_ADDRESSEE_TYPES = frozenset({"receiver", "addressee", "recipient", "received", "to"})
_SENDER_TYPES = frozenset({"sender", "author", "sent", "from", "writer"})


def correspondent_role(
    action: str,
    name: etree._Element,
    senders: Collection[str] = (),
    addressees: Collection[str] = (),
) -> str:
    """``sender``, ``addressee`` or ``""``: what a name in a ``correspAction`` of type
    ``action`` is. The name's own ``@type`` (or ``@role``) wins over the action's:
    the values teikit knows, and those the edition adds (``senders``,
    ``addressees``: lower-case, from ``[correspondence]`` in teikit.toml)."""
    own = (name.get("type") or name.get("role") or "").strip().lower()
    if own in _ADDRESSEE_TYPES or own in addressees:
        return "addressee"
    if own in _SENDER_TYPES or own in senders:
        return "sender"
    return {"sent": "sender", "received": "addressee"}.get(action, "")
