"""W3C (XML Schema) date values as TEI's ``att.datable.w3c`` takes them: parsing,
validity, the earliest and latest instant a value can mean, and chronological order.

Used by the entity index (dates and the chronology of letters), the date rules
(:mod:`teikit.rules.dates`), the exports and the site, so that all of them agree
on which values are dates.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass

__all__ = ["DATE_ATTRIBUTES", "W3CDate", "date_sort_key", "parse_date"]

# The att.datable.w3c attributes, in the order the index reports them.
DATE_ATTRIBUTES = ("when", "from", "to", "notBefore", "notAfter")


@dataclass(frozen=True)
class W3CDate:
    """A parsed W3C (XML Schema) date value, as TEI's ``att.datable.w3c`` takes."""

    value: str
    year: int | None
    month: int | None = None
    day: int | None = None
    time: str = ""

    @property
    def comparable(self) -> bool:
        return self.year is not None

    def earliest(self) -> tuple[int, int, int, str]:
        """First instant the value can mean (1954 -> 1954-01-01)."""
        assert self.year is not None
        return (self.year, self.month or 1, self.day or 1, self.time or "")

    def latest(self) -> tuple[int, int, int, str]:
        """Last instant the value can mean (1954 -> 1954-12-31)."""
        assert self.year is not None
        month = self.month or 12
        day = self.day or _days_in_month(self.year, month)
        return (self.year, month, day, self.time or "~")  # "~" sorts after any time


_W3C_RE = re.compile(
    r"""^(?:
        (?P<year>-?(?:[1-9]\d{4,}|\d{4}))
        (?:-(?P<month>\d\d)(?:-(?P<day>\d\d)(?:T(?P<time>\d\d:\d\d:\d\d(?:\.\d+)?))?)?)?
      | --(?P<gmonth>\d\d)(?:-(?P<gmday>\d\d))?
      | ---(?P<gday>\d\d)
      | (?P<clock>\d\d:\d\d:\d\d(?:\.\d+)?)
    )(?:Z|[+-](?:0\d|1[0-4]):[0-5]\d)?\Z""",
    re.X,
)


def _days_in_month(year: int, month: int) -> int:
    # calendar rejects year 0 and negatives; the proleptic rule is the same every 400 years.
    return calendar.monthrange(year % 400 + 2000, month)[1]


def _valid_clock(text: str) -> bool:
    h, m, s = text.split(":")
    return (int(h) < 24 and int(m) < 60 and float(s) < 60) or text == "24:00:00"


def parse_date(value: str) -> W3CDate | None:
    """Parse a W3C date (``1954``, ``1954-06``, ``1954-06-22``, ``…T10:00:00``,
    ``--06-22``, ``10:00:00``); None when the value is not a valid one."""
    text = value.strip()
    m = _W3C_RE.match(text)
    if not m:
        return None
    if m.group("clock"):
        return W3CDate(text, None, time=m.group("clock")) if _valid_clock(m["clock"]) else None
    if m.group("gday"):
        return W3CDate(text, None, day=int(m["gday"])) if 1 <= int(m["gday"]) <= 31 else None
    if m.group("gmonth"):
        g_month = int(m["gmonth"])
        g_day = int(m["gmday"]) if m["gmday"] else None
        # A leap year (4): --02-29 is a valid day of the year.
        if not 1 <= g_month <= 12 or (
            g_day is not None and not 1 <= g_day <= _days_in_month(4, g_month)
        ):
            return None
        return W3CDate(text, None, g_month, g_day)
    year = int(m["year"])
    month, day = (int(m["month"]) if m["month"] else None), (int(m["day"]) if m["day"] else None)
    if month is not None and not 1 <= month <= 12:
        return None
    if day is not None and (month is None or not 1 <= day <= _days_in_month(year, month)):
        return None
    if m["time"] and not _valid_clock(m["time"]):
        return None
    return W3CDate(text, year, month, day, m["time"] or "")


def date_sort_key(value: str) -> tuple[int, tuple[int, int, int, str], str]:
    """Chronological order; values without a year, then invalid ones, go last."""
    parsed = parse_date(value)
    if parsed is not None and parsed.comparable:
        return (0, parsed.earliest(), value)
    return (1 if parsed is not None else 2, (0, 0, 0, ""), value)
