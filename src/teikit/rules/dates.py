"""Dates: valid W3C/ISO values, ranges the right way round, letters received after
they were sent and written while their correspondents were alive."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

from lxml import etree

from teikit.dates import W3CDate, parse_date
from teikit.document import TEI_NS, Document
from teikit.edition.registers import XML_ID, Entity
from teikit.errors import Diagnostic, Severity
from teikit.reading import localname, normalize_space, text_value
from teikit.rules.context import Context, Facts, finding, iter_attributes

INVALID = "date-invalid"
REVERSED = "date-range-reversed"
RECEIVED_BEFORE_SENT = "received-before-sent"
OUTSIDE_LIFETIME = "date-outside-lifetime"

T = f"{{{TEI_NS}}}"
_DATE, _PERS_NAME, _ACTION = f"{T}date", f"{T}persName", f"{T}correspAction"
_BIRTH, _DEATH = f"{T}birth", f"{T}death"
W3C_ATTRIBUTES = ("when", "notBefore", "notAfter", "from", "to")
# @from/@to of these elements are page numbers, pointers or offsets, not dates.
_FROM_TO_NOT_DATES = frozenset({"rt", "span", "locus", "app", "arc", "biblScope", "citedRange"})
# ISO 8601 beyond W3C (att.datable.iso): basic format, week and ordinal dates,
# reduced precision, durations and intervals.
_ISO_PART = (
    r"(?:[+-]?\d{4,}(?:-?(?:\d\d(?:-?\d\d)?|W\d\d(?:-?\d)?|\d{3}))?"
    r"(?:T\d\d(?::?\d\d(?::?\d\d(?:[.,]\d+)?)?)?(?:Z|[+-]\d\d(?::?\d\d)?)?)?"
    r"|\d\d(?::?\d\d(?::?\d\d(?:[.,]\d+)?)?)?(?:Z|[+-]\d\d(?::?\d\d)?)?"
    r"|P(?:\d+Y)?(?:\d+M)?(?:\d+W)?(?:\d+D)?(?:T(?:\d+H)?(?:\d+M)?(?:\d+(?:[.,]\d+)?S)?)?)"
)
_ISO_RE = re.compile(rf"{_ISO_PART}(?:/{_ISO_PART})?")

Bound = tuple[int, int, int, str]


def _is_date_attribute(el: etree._Element, attr: str) -> bool:
    return not (attr in ("from", "to") and localname(el) in _FROM_TO_NOT_DATES)


def _w3c(el: etree._Element, attr: str) -> W3CDate | None:
    value = el.get(attr)
    if value is None or not _is_date_attribute(el, attr):
        return None
    return _comparable(value)


@functools.lru_cache(maxsize=65536)
def _comparable(value: str) -> W3CDate | None:
    """The parsed value when it is a date on the time line (letters of an edition
    share their dates: parsed once)."""
    parsed = parse_date(value)
    return parsed if parsed is not None and parsed.comparable else None


@functools.lru_cache(maxsize=65536)
def _bounds(
    when: str | None, start: str | None, after: str | None, end: str | None, before: str | None
) -> tuple[Bound | None, Bound | None]:
    """Earliest and latest instant of @when, @from, @notBefore, @to, @notAfter."""
    lows = [d.earliest() for v in (when, start, after) if v is not None and (d := _comparable(v))]
    highs = [d.latest() for v in (when, end, before) if v is not None and (d := _comparable(v))]
    return (min(lows) if lows else None), (max(highs) if highs else None)


@functools.lru_cache(maxsize=65536)
def _when_bounds(when: str) -> tuple[Bound | None, Bound | None]:
    """:func:`_bounds` of an element dated by ``@when`` alone (most are)."""
    return _bounds(when, None, None, None, None)


def interval(el: etree._Element | None) -> tuple[Bound | None, Bound | None]:
    """Earliest and latest instant a dated element can mean (None: open)."""
    if el is None:
        return None, None
    items = el.items()  # one call into lxml, not five (an lxml get is slow)
    if len(items) == 1 and items[0][0] == "when":
        return _when_bounds(items[0][1])  # the usual date: no other attribute to read
    get = dict(items).get
    if localname(el) in _FROM_TO_NOT_DATES:  # its @from/@to are not dates
        return _bounds(get("when"), None, get("notBefore"), None, get("notAfter"))
    return _bounds(get("when"), get("from"), get("notBefore"), get("to"), get("notAfter"))


def _show(el: etree._Element | None) -> str:
    if el is None:
        return ""
    attributes = dict(el.items())
    shown = [f"{a}={attributes[a]}" for a in W3C_ATTRIBUTES if attributes.get(a)]
    return ", ".join(shown) or text_value(el)


def _check_values(doc: Document) -> Iterator[Diagnostic]:
    names = tuple(n for a in W3C_ATTRIBUTES for n in (a, f"{a}-iso"))
    for el, name, value in iter_attributes(doc, names):
        base = name.removesuffix("-iso")
        if not _is_date_attribute(el, base):
            continue
        if name.endswith("-iso"):
            ok = bool(_ISO_RE.fullmatch(value.strip()))
            expected = "an ISO 8601 date"
        else:
            ok = parse_date(value) is not None and value == value.strip()
            expected = "a W3C date such as 1954, 1954-06 or 1954-06-22"
        if not ok:
            yield finding(
                doc,
                el,
                INVALID,
                f"@{name} {value!r} is not a valid date: write {expected} "
                "(month 01-12, a day that exists in that month)",
                value=value,
            )


def _check_ranges(ctx: Context, doc: Document) -> Iterator[Diagnostic]:
    elements = ctx.walk(doc).ranges
    for low_attr, high_attr in (("notBefore", "notAfter"), ("from", "to")):
        for el in elements:
            if el.get(low_attr) is None or el.get(high_attr) is None:
                continue
            low, high = _w3c(el, low_attr), _w3c(el, high_attr)
            if low and high and low.earliest() > high.latest():
                yield finding(
                    doc,
                    el,
                    REVERSED,
                    f"@{low_attr} {low.value} is after @{high_attr} {high.value}: "
                    "the range is reversed; swap the two values",
                )


def _actions(desc: etree._Element) -> list[tuple[str | None, etree._Element | None, list]]:
    """(@type, first date, persNames) of each correspAction of ``desc``, in order: one
    pass over each action's children (an lxml get or a tag-matching iterator costs
    more than looking at a letter's three children)."""
    found = []
    for action in desc.iterchildren(_ACTION):
        date = None
        names = []
        for child in action:
            tag = child.tag
            if tag == _PERS_NAME:
                names.append(child)
            elif tag == _DATE and date is None:
                date = child
        found.append((action.get("type"), date, names))
    return found


def _action_date(
    actions: list[tuple[str | None, etree._Element | None, list]], kind: str
) -> etree._Element | None:
    """The first date of the first action of type ``kind`` that has one."""
    for its_kind, date, _ in actions:
        if its_kind == kind and date is not None:
            return date
    return None


def _check_letters(ctx: Context, doc: Document) -> Iterator[Diagnostic]:
    for desc in ctx.walk(doc).letters:
        actions = _actions(desc)
        sent, received = _action_date(actions, "sent"), _action_date(actions, "received")
        sent_low, sent_high = interval(sent)
        received_low, received_high = interval(received)
        if sent_low and received_high and received_high < sent_low:
            yield finding(
                doc,
                received,
                RECEIVED_BEFORE_SENT,
                f"the letter is received ({_show(received)}) before it is sent "
                f"({_show(sent)}): correct one of the two dates",
            )
        if sent is not None:
            dated, low, high = sent, sent_low, sent_high
        else:
            dated, low, high = received, received_low, received_high
        if dated is None or (low is None and high is None):
            continue
        shown = ""  # the letter's date as the findings give it, made once
        for kind, _, names in actions:
            if kind not in ("sent", "received"):
                continue
            for name in names:
                for _, entity in ctx.entities_named(name, doc, "person"):
                    outside = _outside_life(entity, low, high)
                    if outside is None:
                        continue
                    role = ctx.edition.correspondent_role(kind, name)
                    if not role:
                        continue
                    side, event, life, ident = outside
                    # A name without child elements is its text: no XPath to evaluate.
                    text = normalize_space(name.text or "") if not len(name) else text_value(name)
                    who = text or ident
                    shown = shown or _show(dated)
                    yield finding(
                        doc,
                        name,
                        OUTSIDE_LIFETIME,
                        f"the letter ({shown}) is dated {side} the {event} of its {role} "
                        f"{who} (#{ident}: {event} {life}): correct the "
                        f"letter's date, the {role}, or the register's {event} date",
                        Severity.WARNING,
                    )


# id(entity) -> (entity, (birth, death, born, died, the entry's xml:id as written))
_LIVES: dict[int, tuple[Entity, tuple]] = {}


def _life(entity: Entity) -> tuple:
    """(birth, death, born, died, xml:id) of a register person, read once per
    entity: a person writes and receives many letters (and its entry, in the
    parent's memory, is not touched again)."""
    kept = _LIVES.get(id(entity))
    if kept is not None and kept[0] is entity:
        return kept[1]
    entry = entity.element
    birth, death = next(entry.iterchildren(_BIRTH), None), next(entry.iterchildren(_DEATH), None)
    life = (birth, death, interval(birth)[0], interval(death)[1], entry.get(XML_ID, ""))
    if len(_LIVES) > 100_000:
        _LIVES.clear()
    _LIVES[id(entity)] = (entity, life)
    return life


_SHOWN: dict[int, tuple[etree._Element, str]] = {}  # id(birth or death) -> (it, _show(it))


def _outside_life(
    entity: Entity, low: Bound | None, high: Bound | None
) -> tuple[str, str, str, str] | None:
    """("after", "death", _show(<death>), xml:id) or ("before", "birth", _show(<birth>),
    xml:id) when the letter's dates cannot fall within the person's life; None when
    they can or it is unknown."""
    birth, death, born, died, ident = _life(entity)
    if death is not None and died and low and low > died:
        return "after", "death", _shown(death), ident
    if birth is not None and born and high and high < born:
        return "before", "birth", _shown(birth), ident
    return None


def _shown(el: etree._Element) -> str:
    """:func:`_show` of a register's birth or death, made once (a person is dated
    in many letters)."""
    kept = _SHOWN.get(id(el))
    if kept is not None and kept[0] is el:
        return kept[1]
    if len(_SHOWN) > 100_000:
        _SHOWN.clear()
    text = _show(el)
    _SHOWN[id(el)] = (el, text)
    return text


def check(ctx: Context, doc: Document, facts: Facts) -> Iterator[Diagnostic]:
    if ctx.on(INVALID):
        yield from _check_values(doc)
    if ctx.on(REVERSED):
        yield from _check_ranges(ctx, doc)
    if ctx.on(RECEIVED_BEFORE_SENT) or ctx.on(OUTSIDE_LIFETIME):
        yield from _check_letters(ctx, doc)
