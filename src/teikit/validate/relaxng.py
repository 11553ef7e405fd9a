"""Explain RELAX NG validation errors like jing does, in pure Python.

libxml2 (:mod:`teikit.validate.rng`) gives a fast valid/invalid verdict but poor
messages: no expected names, no datatype, column 0, and it stops early. This
module is the explainer for invalid documents:

* :func:`compile_grammar` reads a schema in the RELAX NG XML syntax (OASIS
  RELAX NG 2001), simplifies it (section 4 of the spec: includes, external
  references, ``div``, ``combine``, nested grammars, name and datatype library
  inheritance, ``mixed``/``optional``/``zeroOrMore`` rewriting) and builds
  hash-consed pattern nodes;
* :func:`explain` validates a whole tree with derivatives (James Clark, "An
  algorithm for RELAX NG validation") and *recovers* after every error, so all
  independent errors are reported, each as a located, jing-style
  :class:`~teikit.errors.Diagnostic`.

The verdict is exact: ``explain()`` returns ``[]`` if and only if the
document is valid. Datatypes are those of XML Schema Part 2 (1.0) plus the
built-in ``string``/``token`` library; ID, IDREF and IDREFS are checked as
jing does (DTD compatibility).

Diagnostic codes (source ``rng``): ``element-not-allowed``, ``unknown-root``,
``element-incomplete``, ``attribute-not-allowed``, ``attribute-missing``,
``attribute-value-invalid``, ``text-not-allowed``, ``text-value-invalid``,
``duplicate-id``, ``idref-dangling``.
"""

from __future__ import annotations

import bisect
import codecs
import functools
import itertools
import re
import threading
import time
import unicodedata
import urllib.parse
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal, InvalidOperation
from os import PathLike
from pathlib import Path

from lxml import etree

from teikit.document import Document
from teikit.errors import Diagnostic, SchemaError, Severity

__all__ = ["Grammar", "compile_grammar", "explain", "is_valid"]

RNG_NS = "http://relaxng.org/ns/structure/1.0"
XSD_LIBRARY = "http://www.w3.org/2001/XMLSchema-datatypes"
XML_NS = "http://www.w3.org/XML/1998/namespace"
_RNG = f"{{{RNG_NS}}}"
_MAX_LISTED = 12  # names shown in an "expected …" list before "…"
_MAX_VALUE_SHOWN = 60  # characters of a bad value echoed in a message
_XML_WS = " \t\n\r"

QName = tuple[str, str]  # (namespace URI or "", local name)


# ======================================== name classes
# Plain tuples, so they hash and compare by value (hash-consing needs that):
#   ("name", ns, local) | ("any", except) | ("ns", ns, except) | ("or", nc1, nc2)
# where ``except`` is a name class or None.

NameClass = tuple


@functools.lru_cache(maxsize=1 << 16)
def _nc_contains(nc: NameClass, qn: QName) -> bool:
    kind = nc[0]
    if kind == "name":
        return nc[1] == qn[0] and nc[2] == qn[1]
    if kind == "any":
        return nc[1] is None or not _nc_contains(nc[1], qn)
    if kind == "ns":
        return nc[1] == qn[0] and (nc[2] is None or not _nc_contains(nc[2], qn))
    return _nc_contains(nc[1], qn) or _nc_contains(nc[2], qn)


def _nc_names(nc: NameClass) -> list[QName] | None:
    """The finite list of names in ``nc``, or None if it has a wildcard."""
    if nc[0] == "name":
        return [(nc[1], nc[2])]
    if nc[0] == "or":
        left, right = _nc_names(nc[1]), _nc_names(nc[2])
        return None if left is None or right is None else left + right
    return None


def _nc_parts(nc: NameClass) -> Iterator[NameClass]:
    """The alternatives of a name class, choices flattened."""
    if nc[0] == "or":
        yield from _nc_parts(nc[1])
        yield from _nc_parts(nc[2])
    else:
        yield nc


# ======================================== XSD regular expressions
# XSD regexes differ from Python's: implicitly anchored, no ^/$ anchors, \s is
# only XML whitespace, \p{..} categories, \i/\c name characters, class
# subtraction "[a-z-[aeiou]]". Every character class is therefore turned into an
# explicit list of code point ranges and re-emitted as a safe Python class.

Ranges = list[tuple[int, int]]
_MAX_CP = 0x10FFFF


def _merge(ranges: Iterable[tuple[int, int]]) -> Ranges:
    out: Ranges = []
    for lo, hi in sorted(ranges):
        if out and lo <= out[-1][1] + 1:
            if hi > out[-1][1]:
                out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return out


def _complement(ranges: Ranges) -> Ranges:
    out: Ranges = []
    nxt = 0
    for lo, hi in ranges:
        if lo > nxt:
            out.append((nxt, lo - 1))
        nxt = hi + 1
    if nxt <= _MAX_CP:
        out.append((nxt, _MAX_CP))
    return out


def _difference(a: Ranges, b: Ranges) -> Ranges:
    # a minus b == a intersected with the complement of b
    comp = _complement(b)
    out: Ranges = []
    i = j = 0
    while i < len(a) and j < len(comp):
        lo, hi = max(a[i][0], comp[j][0]), min(a[i][1], comp[j][1])
        if lo <= hi:
            out.append((lo, hi))
        if a[i][1] < comp[j][1]:
            i += 1
        else:
            j += 1
    return out


_CATEGORY_RANGES: dict[str, Ranges] = {}
_CATEGORY_LOCK = threading.Lock()


def _category(name: str) -> Ranges:
    """Code point ranges of a Unicode general category ("L", "Lu", "C" …), cached.

    Built once from unicodedata in a single pass over all code points (~0.2 s):
    the stdlib ``re`` has no \\p{..} support and the ``regex`` module is not
    available.
    """
    with _CATEGORY_LOCK:
        if not _CATEGORY_RANGES:
            runs: dict[str, Ranges] = {}
            cp = 0
            for cat, group in itertools.groupby(
                map(unicodedata.category, map(chr, range(0x110000)))
            ):
                n = sum(1 for _ in group)
                runs.setdefault(cat, []).append((cp, cp + n - 1))
                cp += n
            for cat, ranges in runs.items():
                _CATEGORY_RANGES[cat] = ranges
                _CATEGORY_RANGES.setdefault(cat[0], [])
                _CATEGORY_RANGES[cat[0]] = _CATEGORY_RANGES[cat[0]] + ranges
            for major in "LMNPSZC":
                _CATEGORY_RANGES[major] = _merge(_CATEGORY_RANGES.get(major, []))
    if name not in _CATEGORY_RANGES:
        raise _RegexError(f"unknown Unicode category \\p{{{name}}}")
    return _CATEGORY_RANGES[name]


# XML 1.0 (fifth edition) name characters, for \i, \c and the Name datatypes; but
# not #x10000-#xEFFFF: jing and libxml2 follow the fourth edition, which has none.
_NAME_START: Ranges = _merge(
    [
        *[(0x3A, 0x3A), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A), (0xC0, 0xD6), (0xD8, 0xF6)],
        *[(0xF8, 0x2FF), (0x370, 0x37D), (0x37F, 0x1FFF), (0x200C, 0x200D), (0x2070, 0x218F)],
        *[(0x2C00, 0x2FEF), (0x3001, 0xD7FF), (0xF900, 0xFDCF), (0xFDF0, 0xFFFD)],
    ]
)
_NAME_CHAR: Ranges = _merge(
    [*_NAME_START, (0x2D, 0x2E), (0x30, 0x39), (0xB7, 0xB7), (0x300, 0x36F), (0x203F, 0x2040)]
)
_XML_SPACE: Ranges = [(0x9, 0xA), (0xD, 0xD), (0x20, 0x20)]
_DOT: Ranges = _complement([(0xA, 0xA), (0xD, 0xD)])
_SINGLE_ESCAPES = {"n": 0xA, "r": 0xD, "t": 0x9}
_ESCAPABLE = set("\\|.-^?*+{}()[]")


class _RegexError(ValueError):
    pass


def _multi_escape(c: str) -> Ranges:
    if c in "sS":
        r = _XML_SPACE
    elif c in "iI":
        r = _NAME_START
    elif c in "cC":
        r = _NAME_CHAR
    elif c in "dD":
        r = _category("Nd")
    else:  # w/W: everything but punctuation, separators and "other"
        r = _complement(_merge(_category("P") + _category("Z") + _category("C")))
    return _complement(r) if c.isupper() else r


def _emit_class(ranges: Ranges) -> str:
    if not ranges:
        return "(?!)"  # matches nothing

    def esc(cp: int) -> str:
        if cp < 0x100:
            return f"\\x{cp:02x}"
        return f"\\u{cp:04x}" if cp < 0x10000 else f"\\U{cp:08x}"

    parts = [esc(lo) if lo == hi else f"{esc(lo)}-{esc(hi)}" for lo, hi in ranges]
    return "[" + "".join(parts) + "]"


class _RegexTranslator:
    """One XSD regular expression to one Python ``re`` pattern (for fullmatch)."""

    def __init__(self, source: str) -> None:
        self.s = source
        self.i = 0

    def translate(self) -> str:
        s, out = self.s, []
        while self.i < len(s):
            c = s[self.i]
            if c == "\\":
                out.append(_emit_class(self._escape()))
            elif c == "[":
                out.append(_emit_class(self._class()))
            elif c == ".":
                out.append(_emit_class(_DOT))
                self.i += 1
            elif c == "(":
                out.append("(?:")  # XSD has no capturing or special groups
                self.i += 1
            elif c in ")|*+?":
                out.append(c)
                self.i += 1
            elif c == "{":
                end = s.find("}", self.i)
                quant = s[self.i : end + 1] if end > 0 else ""
                if not re.fullmatch(r"\{\d+(,\d*)?\}", quant):
                    raise _RegexError(f"bad quantifier at {self.i}")
                out.append(quant)
                self.i = end + 1
            else:
                out.append(re.escape(c))  # also makes ^ and $ literal, as in XSD
                self.i += 1
        return "".join(out)

    def _escape(self) -> Ranges:
        s = self.s
        if self.i + 1 >= len(s):
            raise _RegexError("trailing backslash")
        c = s[self.i + 1]
        self.i += 2
        if c in _SINGLE_ESCAPES:
            return [(_SINGLE_ESCAPES[c], _SINGLE_ESCAPES[c])]
        if c in _ESCAPABLE:
            return [(ord(c), ord(c))]
        if c in "sSiIcCdDwW":
            return _multi_escape(c)
        if c in "pP":
            end = s.find("}", self.i)
            if self.i >= len(s) or s[self.i] != "{" or end < 0:
                raise _RegexError("bad \\p escape")
            name = s[self.i + 1 : end]
            self.i = end + 1
            if name.startswith("Is"):
                raise _RegexError(f"Unicode block escapes are not supported: \\p{{{name}}}")
            ranges = _category(name)
            return _complement(ranges) if c == "P" else ranges
        raise _RegexError(f"unknown escape \\{c}")

    def _class_char(self) -> Ranges:
        c = self.s[self.i]
        if c == "\\":
            return self._escape()
        if c == "[":
            raise _RegexError("unescaped [ in character class")
        self.i += 1
        return [(ord(c), ord(c))]

    def _class(self) -> Ranges:
        s = self.s
        self.i += 1  # "["
        negated = s.startswith("^", self.i)
        if negated:
            self.i += 1
        items: Ranges = []
        subtract: Ranges | None = None
        first = True
        while True:
            if self.i >= len(s):
                raise _RegexError("unterminated character class")
            c = s[self.i]
            if c == "]" and not first:
                self.i += 1
                break
            if c == "-" and s.startswith("-[", self.i) and not first:
                self.i += 1
                subtract = self._class()
                if not s.startswith("]", self.i):
                    raise _RegexError("class subtraction must end the class")
                self.i += 1
                break
            lo = self._class_char()
            single = len(lo) == 1 and lo[0][0] == lo[0][1]
            if (
                single
                and s.startswith("-", self.i)
                and s[self.i + 1 : self.i + 2] not in ("]", "[")
            ):
                self.i += 1
                hi = self._class_char()
                if len(hi) != 1 or hi[0][0] != hi[0][1] or hi[0][0] < lo[0][0]:
                    raise _RegexError("bad character range")
                items.append((lo[0][0], hi[0][0]))
            else:
                items.extend(lo)
            first = False
        ranges = _merge(items)
        if negated:
            ranges = _complement(ranges)
        if subtract is not None:
            ranges = _difference(ranges, subtract)
        return ranges


@functools.lru_cache(maxsize=512)
def _xsd_regex(pattern: str) -> re.Pattern[str]:
    """Compile an XSD regex (cached: TEI repeats the same few hundreds of times)."""
    try:
        return re.compile(_RegexTranslator(pattern).translate())
    except re.error as exc:
        raise _RegexError(str(exc)) from None


# ======================================== datatypes


def _replace_ws(s: str) -> str:
    return s.replace("\t", " ").replace("\n", " ").replace("\r", " ")


def _collapse_ws(s: str) -> str:
    return " ".join(_WS_SPLIT.split(s.strip(_XML_WS)))


_WS_SPLIT = re.compile(r"[ \t\n\r]+")


def _tokens(s: str) -> list[str]:
    return [t for t in _WS_SPLIT.split(s) if t]


def _is_ws(s: str) -> bool:
    return not s.strip(_XML_WS)


_NCNAME_RE = re.compile(
    _emit_class(_difference(_NAME_START, [(0x3A, 0x3A)]))
    + _emit_class(_difference(_NAME_CHAR, [(0x3A, 0x3A)]))
    + "*"
)
_NAME_RE = re.compile(_emit_class(_NAME_START) + _emit_class(_NAME_CHAR) + "*")
_NMTOKEN_RE = re.compile(_emit_class(_NAME_CHAR) + "+")
_LANGUAGE_RE = re.compile(r"[a-zA-Z]{1,8}(?:-[a-zA-Z0-9]{1,8})*")
_DECIMAL_RE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_INTEGER_RE = re.compile(r"[+-]?[0-9]+")
_DOUBLE_RE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|-?INF|NaN")
_HEX_RE = re.compile(r"(?:[0-9a-fA-F]{2})*")
_B64_RE = re.compile(
    r"(?:(?:[A-Za-z0-9+/] ?){4})*(?:(?:[A-Za-z0-9+/] ?){3}[A-Za-z0-9+/]"
    r"|(?:[A-Za-z0-9+/] ?){2}[AEIMQUYcgkosw048] ?=|[A-Za-z0-9+/] ?[AQgw] ?= ?=)?"
)
_TZ = r"(?:Z|[+-](?:(?:0[0-9]|1[0-3]):[0-5][0-9]|14:00))"
_YEAR = r"(-?(?:[1-9][0-9]{4,}|[0-9]{4}))"
_TIME = r"([01][0-9]|2[0-4]):([0-5][0-9]):((?:[0-5][0-9]|60)(?:\.[0-9]+)?)"  # jing allows :60
_DATE_RES = {
    "date": re.compile(_YEAR + r"-([0-9]{2})-([0-9]{2})" + _TZ + "?"),
    "dateTime": re.compile(_YEAR + r"-([0-9]{2})-([0-9]{2})T" + _TIME + _TZ + "?"),
    "time": re.compile(_TIME + _TZ + "?"),
    "gYear": re.compile(_YEAR + _TZ + "?"),
    "gYearMonth": re.compile(_YEAR + r"-([0-9]{2})" + _TZ + "?"),
    "gMonth": re.compile(r"--([0-9]{2})" + _TZ + "?"),
    "gMonthDay": re.compile(r"--([0-9]{2})-([0-9]{2})" + _TZ + "?"),
    "gDay": re.compile(r"---([0-9]{2})" + _TZ + "?"),
}
_DURATION_RE = re.compile(
    r"-?P(?:[0-9]+Y)?(?:[0-9]+M)?(?:[0-9]+D)?(?:T(?:[0-9]+H)?(?:[0-9]+M)?(?:[0-9]+(?:\.[0-9]+)?S)?)?"
)
_URI_PART_RE = re.compile(r"(?:[^%#\[\]]|%[0-9A-Fa-f]{2})*")
_URI_SCHEME_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*")


def _days_in_month(year: int | None, month: int) -> int:
    if month == 2:
        if year is None:
            return 29
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        return 29 if leap else 28
    return 30 if month in (4, 6, 9, 11) else 31


def _check_time(hour: str) -> bool:
    # XSD 1.0 allows 24:00:00, but jing rejects it, and so do we.
    return int(hour) < 24


def _date_ok(kind: str, s: str) -> bool:
    m = _DATE_RES[kind].fullmatch(s)
    if not m:
        return False
    g = m.groups()
    year = month = day = None
    if kind in ("date", "dateTime", "gYear", "gYearMonth"):
        year = int(g[0])
        if year == 0:  # XSD 1.0 has no year zero
            return False
    if kind in ("date", "dateTime"):
        month, day = int(g[1]), int(g[2])
    elif kind == "gYearMonth":
        month = int(g[1])
    elif kind == "gMonth":
        month = int(g[0])
    elif kind == "gMonthDay":
        month, day = int(g[0]), int(g[1])
    elif kind == "gDay":
        day = int(g[0])
    if month is not None and not 1 <= month <= 12:
        return False
    if day is not None and not 1 <= day <= (_days_in_month(year, month) if month else 31):
        return False
    if kind == "dateTime":
        return _check_time(g[3])
    if kind == "time":
        return _check_time(g[0])
    return True


def _duration_ok(s: str) -> bool:
    if not _DURATION_RE.fullmatch(s):
        return False
    body = s.lstrip("-")[1:]
    return bool(body) and not body.endswith("T")


def _uri_ok(s: str) -> bool:
    """RFC 2396 as jing applies it: escapes are %XX, one fragment, and a colon
    before any "/", "?" or "#" must end a scheme followed by something."""
    ref, _, fragment = s.partition("#")
    if not (_URI_PART_RE.fullmatch(ref) and _URI_PART_RE.fullmatch(fragment)):
        return False
    colon = ref.find(":")
    if colon >= 0 and not any(c in ref[:colon] for c in "/?"):
        return bool(_URI_SCHEME_RE.fullmatch(ref[:colon])) and colon + 1 < len(ref)
    return True


def _decimal(s: str) -> Decimal | None:
    try:
        return Decimal(s)
    except InvalidOperation:
        return None


def _float(s: str) -> float | None:
    try:
        return float(s.replace("INF", "inf").replace("NaN", "nan"))
    except ValueError:
        return None


_INTEGER_BOUNDS: dict[str, tuple[int | None, int | None]] = {
    "integer": (None, None),
    "nonNegativeInteger": (0, None),
    "positiveInteger": (1, None),
    "nonPositiveInteger": (None, 0),
    "negativeInteger": (None, -1),
    "long": (-(2**63), 2**63 - 1),
    "int": (-(2**31), 2**31 - 1),
    "short": (-(2**15), 2**15 - 1),
    "byte": (-128, 127),
    "unsignedLong": (0, 2**64 - 1),
    "unsignedInt": (0, 2**32 - 1),
    "unsignedShort": (0, 2**16 - 1),
    "unsignedByte": (0, 255),
}


def _integer_check(name: str) -> Callable[[str], bool]:
    lo, hi = _INTEGER_BOUNDS[name]

    def check(s: str) -> bool:
        if not _INTEGER_RE.fullmatch(s):
            return False
        v = int(s)
        return (lo is None or v >= lo) and (hi is None or v <= hi)

    return check


def _list_of(item: re.Pattern[str]) -> Callable[[str], bool]:
    def check(s: str) -> bool:
        toks = _tokens(s)
        return bool(toks) and all(item.fullmatch(t) for t in toks)

    return check


def _qname_ok(s: str) -> bool:
    # Lexical check only; whether the prefix is declared is checked in context.
    prefix, colon, local = s.partition(":")
    if not colon:
        return bool(_NCNAME_RE.fullmatch(s))
    return bool(_NCNAME_RE.fullmatch(prefix) and _NCNAME_RE.fullmatch(local))


_DATE_FORMATS = {
    "gYear": "YYYY",
    "gYearMonth": "YYYY-MM",
    "date": "YYYY-MM-DD",
    "dateTime": "YYYY-MM-DDThh:mm:ss",
    "time": "hh:mm:ss",
    "gMonth": "--MM",
    "gMonthDay": "--MM-DD",
    "gDay": "---DD",
}


def _always(s: str) -> bool:
    return True


def _xsd_types() -> dict[str, tuple[str, Callable[[str], object], str, str]]:
    """name -> (whitespace handling, lexical check, description, value kind).

    Value kinds: "string", "list", "decimal", "double", "boolean", "other".
    """
    table: dict[str, tuple[str, Callable[[str], object], str, str]] = {
        "string": ("preserve", _always, "a string", "string"),
        "normalizedString": ("replace", _always, "a string", "string"),
        "token": ("collapse", _always, "a token", "string"),
        "language": (
            "collapse",
            _LANGUAGE_RE.fullmatch,
            "a language tag such as en or sr-Latn",
            "string",
        ),
        "Name": ("collapse", _NAME_RE.fullmatch, "an XML name", "string"),
        "NCName": ("collapse", _NCNAME_RE.fullmatch, "an XML name without colons", "string"),
        "ID": ("collapse", _NCNAME_RE.fullmatch, "an XML name without colons (an ID)", "string"),
        "IDREF": ("collapse", _NCNAME_RE.fullmatch, "the ID of an element", "string"),
        "ENTITY": ("collapse", _NCNAME_RE.fullmatch, "an XML name without colons", "string"),
        "NMTOKEN": ("collapse", _NMTOKEN_RE.fullmatch, "an XML name token", "string"),
        "IDREFS": ("collapse", _list_of(_NCNAME_RE), "a list of element IDs", "list"),
        "ENTITIES": ("collapse", _list_of(_NCNAME_RE), "a list of XML names", "list"),
        "NMTOKENS": ("collapse", _list_of(_NMTOKEN_RE), "a list of XML name tokens", "list"),
        "QName": ("collapse", _qname_ok, "an XML qualified name", "string"),
        "NOTATION": ("collapse", _qname_ok, "an XML qualified name", "string"),
        "anyURI": ("collapse", _uri_ok, "a URI", "string"),
        "boolean": (
            "collapse",
            lambda s: s in ("true", "false", "1", "0"),
            "a boolean (true, false, 1 or 0)",
            "boolean",
        ),
        "decimal": ("collapse", _DECIMAL_RE.fullmatch, "a decimal number", "decimal"),
        "double": ("collapse", _DOUBLE_RE.fullmatch, "a floating-point number", "double"),
        "float": ("collapse", _DOUBLE_RE.fullmatch, "a floating-point number", "double"),
        "duration": ("collapse", _duration_ok, "an ISO duration such as P1Y2M or PT3H", "other"),
        "hexBinary": ("collapse", _HEX_RE.fullmatch, "hexadecimal binary data", "other"),
        "base64Binary": ("collapse", _B64_RE.fullmatch, "base64 binary data", "other"),
    }
    for name in _DATE_FORMATS:
        check = functools.partial(_date_ok, name)
        table[name] = ("collapse", check, _describe_date_family([name]), "other")
    words = {
        "integer": "an integer",
        "nonNegativeInteger": "a non-negative integer",
        "positiveInteger": "a positive integer",
        "nonPositiveInteger": "a non-positive integer",
        "negativeInteger": "a negative integer",
    }
    for name in _INTEGER_BOUNDS:
        desc = words.get(name, f"an integer ({name})")
        table[name] = ("collapse", _integer_check(name), desc, "decimal")
    return table


def _describe_date_family(names: list[str]) -> str:
    """``an ISO date (YYYY, YYYY-MM or YYYY-MM-DD)`` for a set of date types."""
    order = list(_DATE_FORMATS)
    names = sorted(set(names), key=order.index)
    formats = [_DATE_FORMATS[n] for n in names]
    if set(names) == {"time"}:
        what = "an ISO time"
    elif set(names) == {"dateTime"}:
        what = "an ISO date and time"
    elif "time" in names or "dateTime" in names:
        what = "an ISO date or time"
    else:
        what = "an ISO date"
    return f"{what} ({_or_list(formats)})"


def _or_list(items: list[str]) -> str:
    if len(items) <= 2:
        return " or ".join(items)
    return ", ".join(items[:-1]) + " or " + items[-1]


_TEI_WORD = r"[^\p{C}\p{Z}]+"  # teidata.word & co.: described in words, not as a regex


class _Datatype:
    """One datatype with its parameters: checks lexical values, compares values."""

    __slots__ = (
        "bounds",
        "desc",
        "digits",
        "key",
        "kind",
        "lengths",
        "lexical",
        "name",
        "patterns",
        "raw_bounds",
        "ws",
    )

    def __init__(self, library: str, name: str, params: tuple[tuple[str, str], ...]) -> None:
        self.key = (library, name, params)
        self.name = name
        self.patterns: list[tuple[str, re.Pattern[str]]] = []
        self.lengths: dict[str, int] = {}
        self.bounds: dict[str, Decimal | float] = {}
        self.raw_bounds: dict[str, str] = {}  # as written, for messages
        self.digits: dict[str, int] = {}
        if library == "":
            if name not in ("string", "token"):
                raise SchemaError(f'unknown built-in datatype "{name}": must be string or token')
            if params:
                raise SchemaError("the built-in datatype library takes no parameters")
            self.ws = "preserve" if name == "string" else "collapse"
            self.lexical: Callable[[str], object] = _XSD_TYPES["string"][1]
            self.kind = "string"
            self.desc = "a string" if name == "string" else "a token"
            return
        if library != XSD_LIBRARY:
            raise SchemaError(f'unsupported datatype library "{library}"')
        if name not in _XSD_TYPES:
            raise SchemaError(f'unknown XML Schema datatype "{name}"')
        self.ws, self.lexical, self.desc, self.kind = _XSD_TYPES[name]
        for pname, pvalue in params:
            self._param(pname, pvalue)

    def _param(self, pname: str, pvalue: str) -> None:
        if pname == "pattern":
            try:
                self.patterns.append((pvalue, _xsd_regex(pvalue)))
            except _RegexError as exc:
                raise SchemaError(f'invalid pattern "{pvalue}": {exc}') from None
        elif pname in ("length", "minLength", "maxLength"):
            self.lengths[pname] = int(pvalue)
        elif pname in ("minInclusive", "maxInclusive", "minExclusive", "maxExclusive"):
            bound = self._number(pvalue.strip(_XML_WS))
            if bound is None:
                raise SchemaError(f'{pname}="{pvalue}" is not supported for datatype {self.name}')
            self.bounds[pname] = bound
            self.raw_bounds[pname] = pvalue.strip(_XML_WS)
        elif pname in ("totalDigits", "fractionDigits"):
            self.digits[pname] = int(pvalue)
        else:
            raise SchemaError(f'unsupported parameter "{pname}" for datatype {self.name}')

    def _number(self, s: str) -> Decimal | float | None:
        if self.kind == "decimal":
            return _decimal(s)
        if self.kind == "double":
            return _float(s)
        return None

    def normalize(self, s: str) -> str:
        if self.ws == "preserve":
            return s
        if self.ws == "replace":
            return _replace_ws(s)
        return _collapse_ws(s)

    def allows(self, raw: str) -> bool:
        s = self.normalize(raw)
        if not self.lexical(s):
            return False
        if self.lengths:
            n = self._length(s)
            lengths = self.lengths
            if "length" in lengths and n != lengths["length"]:
                return False
            if "minLength" in lengths and n < lengths["minLength"]:
                return False
            if "maxLength" in lengths and n > lengths["maxLength"]:
                return False
        if self.bounds or self.digits:
            v = self._number(s)
            if v is None:
                return False
            b = self.bounds
            if "minInclusive" in b and not v >= b["minInclusive"]:
                return False
            if "maxInclusive" in b and not v <= b["maxInclusive"]:
                return False
            if "minExclusive" in b and not v > b["minExclusive"]:
                return False
            if "maxExclusive" in b and not v < b["maxExclusive"]:
                return False
            if self.digits and isinstance(v, Decimal) and not self._digits_ok(v):
                return False
        return all(rx.fullmatch(s) for _, rx in self.patterns)

    def _length(self, s: str) -> int:
        if self.kind == "list":
            return len(_tokens(s))
        if self.name == "hexBinary":
            return len(s) // 2
        if self.name == "base64Binary":
            clean = s.replace(" ", "")
            return len(clean) * 3 // 4 - clean.count("=")
        return len(s)

    def _digits_ok(self, v: Decimal) -> bool:
        _, digits, exp = v.normalize().as_tuple()
        frac = max(0, -int(exp))
        total = max(len(digits), frac)
        if "totalDigits" in self.digits and total > self.digits["totalDigits"]:
            return False
        return not ("fractionDigits" in self.digits and frac > self.digits["fractionDigits"])

    def equal(self, expected: str, raw: str) -> bool:
        """Value-space equality (``1.0`` equals ``1`` for decimals …)."""
        if not self.allows(raw):
            return False
        a, b = self.normalize(expected), self.normalize(raw)
        if self.kind in ("decimal", "double"):
            return self._number(a) == self._number(b)
        if self.kind == "boolean":
            return (a in ("true", "1")) == (b in ("true", "1"))
        return a == b

    def describe(self) -> str:
        """The datatype in words: ``a floating-point number between 0 and 1``."""
        desc = self.desc
        words = []
        for source, _ in self.patterns:
            if source == _TEI_WORD:
                desc = "a single word (no spaces)"
            else:
                words.append(f'matching the regular expression "{source}"')
        raw = self.raw_bounds
        lo = raw.get("minInclusive", raw.get("minExclusive"))
        hi = raw.get("maxInclusive", raw.get("maxExclusive"))
        if lo is not None and hi is not None:
            words.append(f"between {lo} and {hi}")
        elif lo is not None:
            words.append(f"{'at least' if 'minInclusive' in raw else 'greater than'} {lo}")
        elif hi is not None:
            words.append(f"{'at most' if 'maxInclusive' in raw else 'less than'} {hi}")
        with_: list[str] = []
        unit = "items" if self.kind == "list" else "characters"
        lengths = self.lengths
        if "length" in lengths:
            with_.append(f"exactly {lengths['length']} {unit}")
        elif "minLength" in lengths and "maxLength" in lengths:
            with_.append(f"{lengths['minLength']} to {lengths['maxLength']} {unit}")
        elif "minLength" in lengths:
            with_.append(f"at least {lengths['minLength']} {unit}")
        elif "maxLength" in lengths:
            with_.append(f"at most {lengths['maxLength']} {unit}")
        for pname, label in (("totalDigits", "digits"), ("fractionDigits", "decimal places")):
            if pname in self.digits:
                with_.append(f"at most {self.digits[pname]} {label}")
        if with_:
            words.append("with " + " and ".join(with_))
        return " ".join([desc, *words])


_XSD_TYPES = _xsd_types()


@functools.lru_cache(maxsize=4096)
def _datatype(library: str, name: str, params: tuple[tuple[str, str], ...]) -> _Datatype:
    return _Datatype(library, name, params)


# ======================================== patterns

EMPTY, NOT_ALLOWED, TEXT, CHOICE, GROUP, INTERLEAVE, ONE_OR_MORE = range(7)
AFTER, ELEMENT, ATTRIBUTE, DATA, VALUE, LIST = range(7, 13)
_NO_LEAVES: frozenset[int] = frozenset()


class _P:
    """A pattern node. All but ELEMENT are hash-consed, so identity is equality."""

    __slots__ = (
        "a",
        "b",
        "dt",
        "has_attr",
        "has_elem",
        "kind",
        "members",
        "memo_adv",
        "memo_att",
        "memo_attr_names",
        "memo_close",
        "memo_data",
        "memo_first",
        "memo_leaves",
        "memo_open",
        "memo_relax",
        "memo_text",
        "nc",
        "nullable",
        "texty",
        "uid",
        "value",
    )

    def __init__(self, kind: int, uid: int) -> None:
        self.kind = kind
        self.uid = uid
        self.a: _P | None = None
        self.b: _P | None = None
        self.members: tuple[_P, ...] = ()
        self.nc: NameClass | None = None
        self.dt: _Datatype | None = None
        self.value = ""
        self.nullable = False
        self.has_attr = False  # an attribute pattern outside any element pattern
        self.has_elem = False  # an element pattern at this level
        self.texty = False  # text, data, value or list at this level
        self.memo_open: dict[QName, _P] | None = None
        self.memo_att: dict[tuple[QName, frozenset[int]], _P] | None = None
        self.memo_text: dict[frozenset[int], _P] | None = None
        self.memo_leaves: dict[QName, tuple[_P, ...]] | None = None
        self.memo_close: _P | None = None
        self.memo_relax: _P | None = None
        self.memo_adv: _P | None = None
        self.memo_data: tuple[_P, ...] | None = None
        self.memo_first: frozenset[NameClass] | None = None
        self.memo_attr_names: frozenset[NameClass] | None = None

    def __repr__(self) -> str:  # for debugging only
        names = ["empty", "notAllowed", "text", "choice", "group", "interleave", "oneOrMore"]
        names += ["after", "element", "attribute", "data", "value", "list"]
        return f"<{names[self.kind]}#{self.uid}>"


class _Engine:
    """Builds interned patterns and computes memoized derivatives (Clark's algorithm)."""

    def __init__(self) -> None:
        self.table: dict[tuple, _P] = {}
        self.serial = 0
        self.elements: list[_P] = []
        self.empty = self._node(EMPTY)
        self.empty.nullable = True
        self.not_allowed = self._node(NOT_ALLOWED)
        self.text_p = self._node(TEXT)
        self.text_p.nullable = self.text_p.texty = True

    def _node(self, kind: int) -> _P:
        self.serial += 1
        return _P(kind, self.serial)

    # ------------------------------------------------------------------ constructors

    def choice(self, items: Iterable[_P]) -> _P:
        seen: dict[int, _P] = {}
        for p in items:
            if p.kind == CHOICE:
                for m in p.members:
                    seen[m.uid] = m
            elif p.kind != NOT_ALLOWED:
                seen[p.uid] = p
        if not seen:
            return self.not_allowed
        if len(seen) == 1:
            return next(iter(seen.values()))
        uids = tuple(sorted(seen))
        key = (CHOICE, uids)
        node = self.table.get(key)
        if node is None:
            node = self.table[key] = self._node(CHOICE)
            # Keyed by the sorted uids, but kept in schema order for messages.
            node.members = tuple(seen.values())
            node.nullable = any(m.nullable for m in node.members)
            node.has_attr = any(m.has_attr for m in node.members)
            node.has_elem = any(m.has_elem for m in node.members)
            node.texty = any(m.texty for m in node.members)
        return node

    def choice2(self, p: _P, q: _P) -> _P:
        if p is q or q.kind == NOT_ALLOWED:
            return p
        if p.kind == NOT_ALLOWED:
            return q
        return self.choice((p, q))

    def _binary(self, kind: int, a: _P, b: _P) -> _P:
        """The one node of ``kind`` (GROUP, INTERLEAVE or AFTER) over ``a`` and ``b``:
        notAllowed absorbs all three; empty is neutral in group and interleave."""
        if a.kind == NOT_ALLOWED or b.kind == NOT_ALLOWED:
            return self.not_allowed
        if kind != AFTER:
            if a.kind == EMPTY:
                return b
            if b.kind == EMPTY:
                return a
        key = (kind, a.uid, b.uid)
        node = self.table.get(key)
        if node is None:
            node = self.table[key] = self._node(kind)
            node.a, node.b = a, b
            if kind == AFTER:
                node.has_attr, node.has_elem, node.texty = a.has_attr, a.has_elem, a.texty
            else:
                node.nullable = a.nullable and b.nullable
                node.has_attr = a.has_attr or b.has_attr
                node.has_elem = a.has_elem or b.has_elem
                node.texty = a.texty or b.texty
        return node

    def group(self, a: _P, b: _P) -> _P:
        return self._binary(GROUP, a, b)

    def interleave(self, a: _P, b: _P) -> _P:
        return self._binary(INTERLEAVE, a, b)

    def after(self, a: _P, b: _P) -> _P:
        return self._binary(AFTER, a, b)

    def one_or_more(self, a: _P) -> _P:
        if a.kind in (NOT_ALLOWED, EMPTY):
            return a
        key = (ONE_OR_MORE, a.uid)
        node = self.table.get(key)
        if node is None:
            node = self.table[key] = self._node(ONE_OR_MORE)
            node.a = a
            node.nullable, node.has_attr = a.nullable, a.has_attr
            node.has_elem, node.texty = a.has_elem, a.texty
        return node

    def attribute(self, nc: NameClass, content: _P) -> _P:
        key = (ATTRIBUTE, nc, content.uid)
        node = self.table.get(key)
        if node is None:
            node = self.table[key] = self._node(ATTRIBUTE)
            node.nc, node.a, node.has_attr = nc, content, True
        return node

    def data(self, dt: _Datatype, except_: _P | None) -> _P:
        key = (DATA, dt.key, except_.uid if except_ is not None else 0)
        node = self.table.get(key)
        if node is None:
            node = self.table[key] = self._node(DATA)
            node.dt, node.a, node.texty = dt, except_, True
        return node

    def value(self, dt: _Datatype, value: str) -> _P:
        key = (VALUE, dt.key, value)
        node = self.table.get(key)
        if node is None:
            node = self.table[key] = self._node(VALUE)
            node.dt, node.value, node.texty = dt, value, True
        return node

    def list_(self, content: _P) -> _P:
        key = (LIST, content.uid)
        node = self.table.get(key)
        if node is None:
            node = self.table[key] = self._node(LIST)
            node.a, node.texty = content, True
        return node

    def element(self, nc: NameClass) -> _P:
        """A new element pattern; its content is set later (it may be recursive)."""
        node = self._node(ELEMENT)
        node.nc, node.has_elem = nc, True
        self.elements.append(node)
        return node

    def group_all(self, items: list[_P]) -> _P:
        result = self.empty
        for p in items:
            result = self.group(result, p)
        return result

    # ------------------------------------------------------------------ derivatives

    def _map_after(self, p: _P, f: Callable[[_P], _P]) -> _P:
        if p.kind == AFTER:
            return self.after(p.a, f(p.b))
        if p.kind == CHOICE:
            return self.choice([self._map_after(m, f) for m in p.members])
        return self.not_allowed

    def open(self, p: _P, qn: QName) -> _P:
        """startTagOpenDeriv."""
        if not p.has_elem:
            return self.not_allowed
        memo = p.memo_open
        if memo is None:
            memo = p.memo_open = {}
        else:
            r = memo.get(qn)
            if r is not None:
                return r
        k = p.kind
        if k == CHOICE:
            r = self.choice([self.open(m, qn) for m in p.members if m.has_elem])
        elif k == ELEMENT:
            r = self.after(p.a, self.empty) if _nc_contains(p.nc, qn) else self.not_allowed
        elif k == GROUP:
            b = p.b
            r = self._map_after(self.open(p.a, qn), lambda x: self.group(x, b))
            if p.a.nullable:
                r = self.choice2(r, self.open(b, qn))
        elif k == INTERLEAVE:
            a, b = p.a, p.b
            r = self.choice2(
                self._map_after(self.open(a, qn), lambda x: self.interleave(x, b)),
                self._map_after(self.open(b, qn), lambda x: self.interleave(a, x)),
            )
        elif k == ONE_OR_MORE:
            rest = self.choice2(p, self.empty)
            r = self._map_after(self.open(p.a, qn), lambda x: self.group(x, rest))
        elif k == AFTER:
            b = p.b
            r = self._map_after(self.open(p.a, qn), lambda x: self.after(x, b))
        else:
            r = self.not_allowed
        memo[qn] = r
        return r

    def att(self, p: _P, qn: QName, accepted: frozenset[int]) -> _P:
        """attDeriv; ``accepted`` holds the uids of the attribute patterns whose
        name and value match, so the memo key does not depend on the value."""
        if not p.has_attr:
            return self.not_allowed
        key = (qn, accepted)
        memo = p.memo_att
        if memo is None:
            memo = p.memo_att = {}
        else:
            r = memo.get(key)
            if r is not None:
                return r
        k = p.kind
        if k == ATTRIBUTE:
            r = self.empty if p.uid in accepted else self.not_allowed
        elif k == CHOICE:
            r = self.choice([self.att(m, qn, accepted) for m in p.members if m.has_attr])
        elif k == GROUP:
            r = self.choice2(
                self.group(self.att(p.a, qn, accepted), p.b),
                self.group(p.a, self.att(p.b, qn, accepted)),
            )
        elif k == INTERLEAVE:
            r = self.choice2(
                self.interleave(self.att(p.a, qn, accepted), p.b),
                self.interleave(p.a, self.att(p.b, qn, accepted)),
            )
        elif k == ONE_OR_MORE:
            r = self.group(self.att(p.a, qn, accepted), self.choice2(p, self.empty))
        elif k == AFTER:
            r = self.after(self.att(p.a, qn, accepted), p.b)
        else:
            r = self.not_allowed
        memo[key] = r
        return r

    def close(self, p: _P, relaxed: bool = False) -> _P:
        """startTagCloseDeriv. ``relaxed`` treats missing attributes as present
        (recovery after a "missing required attribute" error)."""
        if not p.has_attr:
            return p
        r = p.memo_relax if relaxed else p.memo_close
        if r is not None:
            return r
        k = p.kind
        if k == ATTRIBUTE:
            r = self.empty if relaxed else self.not_allowed
        elif k == CHOICE:
            r = self.choice([self.close(m, relaxed) for m in p.members])
        elif k == GROUP:
            r = self.group(self.close(p.a, relaxed), self.close(p.b, relaxed))
        elif k == INTERLEAVE:
            r = self.interleave(self.close(p.a, relaxed), self.close(p.b, relaxed))
        elif k == ONE_OR_MORE:
            r = self.one_or_more(self.close(p.a, relaxed))
        elif k == AFTER:
            r = self.after(self.close(p.a, relaxed), p.b)
        else:
            r = p
        if relaxed:
            p.memo_relax = r
        else:
            p.memo_close = r
        return r

    def text(self, p: _P, accepted: frozenset[int]) -> _P:
        """textDeriv; ``accepted`` holds the uids of the data/value/list
        patterns that accept the text, so the memo key does not depend on it."""
        if not p.texty:
            return self.not_allowed
        memo = p.memo_text
        if memo is None:
            memo = p.memo_text = {}
        else:
            r = memo.get(accepted)
            if r is not None:
                return r
        k = p.kind
        if k == TEXT:
            r = p
        elif k == CHOICE:
            r = self.choice([self.text(m, accepted) for m in p.members if m.texty])
        elif k == GROUP:
            r = self.group(self.text(p.a, accepted), p.b)
            if p.a.nullable:
                r = self.choice2(r, self.text(p.b, accepted))
        elif k == INTERLEAVE:
            r = self.choice2(
                self.interleave(self.text(p.a, accepted), p.b),
                self.interleave(p.a, self.text(p.b, accepted)),
            )
        elif k == ONE_OR_MORE:
            r = self.group(self.text(p.a, accepted), self.choice2(p, self.empty))
        elif k == AFTER:
            r = self.after(self.text(p.a, accepted), p.b)
        elif k in (DATA, VALUE, LIST):
            r = self.empty if p.uid in accepted else self.not_allowed
        else:
            r = self.not_allowed
        memo[accepted] = r
        return r

    def end(self, p: _P, forced: bool = False) -> _P:
        """endTagDeriv. ``forced`` closes the element even if its content is
        incomplete (recovery after an "incomplete" error)."""
        if p.kind == AFTER:
            return p.b if forced or p.a.nullable else self.not_allowed
        if p.kind == CHOICE:
            return self.choice([self.end(m, forced) for m in p.members])
        return self.not_allowed

    def advance(self, p: _P) -> _P:
        """The state after one more element of any name, its content ignored:
        used to tell "not allowed yet" (something required is missing before)."""
        if not p.has_elem:
            return self.not_allowed
        r = p.memo_adv
        if r is not None:
            return r
        k = p.kind
        if k == ELEMENT:
            r = self.empty
        elif k == CHOICE:
            r = self.choice([self.advance(m) for m in p.members if m.has_elem])
        elif k == GROUP:
            r = self.group(self.advance(p.a), p.b)
            if p.a.nullable:
                r = self.choice2(r, self.advance(p.b))
        elif k == INTERLEAVE:
            r = self.choice2(
                self.interleave(self.advance(p.a), p.b), self.interleave(p.a, self.advance(p.b))
            )
        elif k == ONE_OR_MORE:
            r = self.group(self.advance(p.a), self.choice2(p, self.empty))
        elif k == AFTER:
            r = self.after(self.advance(p.a), p.b)
        else:
            r = self.not_allowed
        p.memo_adv = r
        return r

    # ------------------------------------------------------------------ analyses for messages

    def attr_leaves(self, p: _P, qn: QName) -> tuple[_P, ...]:
        """The attribute patterns of the current start tag that match ``qn``."""
        if not p.has_attr:
            return ()
        memo = p.memo_leaves
        if memo is None:
            memo = p.memo_leaves = {}
        elif qn in memo:
            return memo[qn]
        k = p.kind
        if k == ATTRIBUTE:
            r: tuple[_P, ...] = (p,) if _nc_contains(p.nc, qn) else ()
        elif k == CHOICE:
            r = tuple(dict.fromkeys(x for m in p.members for x in self.attr_leaves(m, qn)))
        elif k in (GROUP, INTERLEAVE):
            r = tuple(dict.fromkeys(self.attr_leaves(p.a, qn) + self.attr_leaves(p.b, qn)))
        elif k in (ONE_OR_MORE, AFTER):
            r = self.attr_leaves(p.a, qn)
        else:
            r = ()
        memo[qn] = r
        return r

    def data_leaves(self, p: _P) -> tuple[_P, ...]:
        """The data, value and list patterns that text could match next."""
        if not p.texty:
            return ()
        if p.memo_data is not None:
            return p.memo_data
        k = p.kind
        if k in (DATA, VALUE, LIST):
            r: tuple[_P, ...] = (p,)
        elif k == CHOICE:
            r = tuple(dict.fromkeys(x for m in p.members for x in self.data_leaves(m)))
        elif k in (GROUP, INTERLEAVE):
            r = tuple(dict.fromkeys(self.data_leaves(p.a) + self.data_leaves(p.b)))
        elif k in (ONE_OR_MORE, AFTER):
            r = self.data_leaves(p.a)
        else:
            r = ()
        p.memo_data = r
        return r

    def first(self, p: _P) -> frozenset[NameClass]:
        """Name classes of the elements that may come next."""
        if not p.has_elem:
            return frozenset()
        if p.memo_first is not None:
            return p.memo_first
        k = p.kind
        if k == ELEMENT:
            r: frozenset[NameClass] = frozenset([p.nc])
        elif k == CHOICE:
            r = frozenset().union(*(self.first(m) for m in p.members))
        elif k == GROUP:
            r = self.first(p.a) | self.first(p.b) if p.a.nullable else self.first(p.a)
        elif k == INTERLEAVE:
            r = self.first(p.a) | self.first(p.b)
        elif k in (ONE_OR_MORE, AFTER):
            r = self.first(p.a)
        else:
            r = frozenset()
        p.memo_first = r
        return r

    def attr_names(self, p: _P) -> frozenset[NameClass]:
        """Name classes of the attributes still allowed in the current start tag."""
        if not p.has_attr:
            return frozenset()
        if p.memo_attr_names is not None:
            return p.memo_attr_names
        k = p.kind
        if k == ATTRIBUTE:
            r: frozenset[NameClass] = frozenset([p.nc])
        elif k == CHOICE:
            r = frozenset().union(*(self.attr_names(m) for m in p.members))
        elif k in (GROUP, INTERLEAVE):
            r = self.attr_names(p.a) | self.attr_names(p.b)
        elif k in (ONE_OR_MORE, AFTER):
            r = self.attr_names(p.a)
        else:
            r = frozenset()
        p.memo_attr_names = r
        return r

    def required_elems(self, p: _P) -> frozenset[QName]:
        """Element names every way of completing the current content still needs."""
        return self._required(p, ELEMENT)

    def required_attrs(self, p: _P) -> frozenset[QName]:
        """Attribute names every way of matching the start tag still needs."""
        return self._required(p, ATTRIBUTE)

    def _required(self, p: _P, leaf: int) -> frozenset[QName]:
        """The single-name ``leaf`` patterns (ELEMENT or ATTRIBUTE) every way through
        ``p`` still has to match."""
        if not (p.has_elem if leaf == ELEMENT else p.has_attr):
            return frozenset()
        k = p.kind
        if k == leaf:
            names = _nc_names(p.nc)
            return frozenset(names) if names is not None and len(names) == 1 else frozenset()
        if k == CHOICE:
            sets = [self._required(m, leaf) for m in p.members]
            return frozenset.intersection(*sets) if sets else frozenset()
        if k in (GROUP, INTERLEAVE):
            return self._required(p.a, leaf) | self._required(p.b, leaf)
        if k in (ONE_OR_MORE, AFTER):
            return self._required(p.a, leaf)
        return frozenset()


# ======================================== schema compilation


class _Env:
    """What an element of the schema inherits: ``ns``, ``datatypeLibrary``, base."""

    __slots__ = ("base", "dtlib", "ns")

    def __init__(self, ns: str, dtlib: str, base: Path) -> None:
        self.ns, self.dtlib, self.base = ns, dtlib, base

    def under(self, el: etree._Element) -> _Env:
        ns, dtlib = el.get("ns"), el.get("datatypeLibrary")
        if ns is None and dtlib is None:
            return self
        return _Env(
            self.ns if ns is None else ns, self.dtlib if dtlib is None else dtlib, self.base
        )


class _Scope:
    """One ``grammar``: its definitions (before combining) and their compiled patterns."""

    __slots__ = ("compiled", "defines", "in_progress", "parent", "start")

    def __init__(self, parent: _Scope | None) -> None:
        self.parent = parent
        self.defines: dict[str, list[tuple[str | None, etree._Element, _Env]]] = {}
        self.start: list[tuple[str | None, etree._Element, _Env]] = []
        self.compiled: dict[str, _P] = {}
        self.in_progress: set[str] = set()


def _local(el: etree._Element) -> str:
    return el.tag[len(_RNG) :] if el.tag.startswith(_RNG) else ""


def _rng_children(el: etree._Element) -> list[etree._Element]:
    # Annotations (a:documentation, sch:pattern …) are in other namespaces: ignored (4.1).
    return [c for c in el if isinstance(c.tag, str) and c.tag.startswith(_RNG)]


class _Compiler:
    def __init__(self, engine: _Engine) -> None:
        self.eng = engine
        self.queue: list[tuple[_P, list[etree._Element], _Env, _Scope]] = []
        self.loading: list[Path] = []
        self.files: list[Path] = []

    def _parse(self, path: Path) -> etree._Element:
        parser = etree.XMLParser(
            no_network=True,
            resolve_entities=False,
            remove_comments=True,
            remove_pis=True,
            huge_tree=True,
        )
        try:
            root = etree.parse(str(path), parser).getroot()
        except (OSError, etree.XMLSyntaxError) as exc:
            raise SchemaError(f"{path}: cannot read RELAX NG schema: {exc}") from None
        self.files.append(path)
        return root

    def _href(self, el: etree._Element, env: _Env) -> Path:
        href = el.get("href")
        if not href:
            raise SchemaError(f"<{_local(el)}> without href")
        if "://" in href and not href.startswith("file:"):
            raise SchemaError(f"{href}: remote schema references are not fetched")
        href = urllib.parse.unquote(href.removeprefix("file://"))
        return (env.base / href).resolve()

    def compile_file(self, path: Path) -> _P:
        root = self._parse(path)
        env = _Env("", "", path.parent).under(root)
        p = self.pattern(root, env, _Scope(None))
        while self.queue:  # element contents, deferred so that recursion terminates
            node, children, cenv, scope = self.queue.pop()
            node.a = self.eng.group_all([self.pattern(c, cenv, scope) for c in children])
        return p

    # ------------------------------------------------------------------ grammar contents

    def _collect(self, container: etree._Element, scope: _Scope, env: _Env) -> None:
        for child in _rng_children(container):
            tag, cenv = _local(child), env.under(child)
            if tag == "define":
                scope.defines.setdefault(child.get("name", ""), []).append(
                    (child.get("combine"), child, cenv)
                )
            elif tag == "start":
                scope.start.append((child.get("combine"), child, cenv))
            elif tag == "div":
                self._collect(child, scope, cenv)
            elif tag == "include":
                self._include(child, scope, cenv)

    def _include(self, inc: etree._Element, scope: _Scope, env: _Env) -> None:
        path = self._href(inc, env)
        if path in self.loading:
            raise SchemaError(f"{path}: recursive include")
        self.loading.append(path)
        root = self._parse(path)
        if _local(root) != "grammar":
            raise SchemaError(f"{path}: an included schema must be a <grammar>")
        # ns is transferred from the include (4.7); datatypeLibrary is not (4.3).
        included = _Scope(scope.parent)
        self._collect(root, included, _Env(env.ns, "", path.parent).under(root))
        self.loading.pop()
        own = _Scope(scope.parent)
        self._collect(inc, own, env)
        for name in own.defines:  # the include's definitions replace the included ones
            included.defines.pop(name, None)
        if own.start:
            included.start = []
        for source in (included, own):
            for name, entries in source.defines.items():
                scope.defines.setdefault(name, []).extend(entries)
            scope.start.extend(source.start)

    def _combine(self, entries: list[tuple[str | None, etree._Element, _Env]], scope: _Scope) -> _P:
        eng = self.eng
        bodies = [
            eng.group_all([self.pattern(c, e, scope) for c in _rng_children(el)])
            for _, el, e in entries
        ]
        methods = {m for m, _, _ in entries if m}
        if len(bodies) == 1:
            return bodies[0]
        if methods == {"interleave"}:
            result = bodies[0]
            for b in bodies[1:]:
                result = eng.interleave(result, b)
            return result
        return eng.choice(bodies)

    def _ref(self, name: str, scope: _Scope | None) -> _P:
        if scope is None:
            raise SchemaError(f'parentRef "{name}" outside a nested grammar')
        found = scope.compiled.get(name)
        if found is not None:
            return found
        if name in scope.in_progress:
            raise SchemaError(f'definition "{name}" refers to itself outside an element')
        entries = scope.defines.get(name)
        if not entries:
            raise SchemaError(f'reference to undefined pattern "{name}"')
        scope.in_progress.add(name)
        result = scope.compiled[name] = self._combine(entries, scope)
        scope.in_progress.discard(name)
        return result

    def _grammar(self, el: etree._Element, env: _Env, parent: _Scope | None) -> _P:
        scope = _Scope(parent)
        self._collect(el, scope, env)
        if not scope.start:
            raise SchemaError("grammar without a start pattern")
        return self._combine(scope.start, scope)

    # ------------------------------------------------------------------ name classes

    def _qname(self, text: str, el: etree._Element, default_ns: str) -> QName:
        text = text.strip()
        if ":" in text:
            prefix, local = text.split(":", 1)
            ns = XML_NS if prefix == "xml" else el.nsmap.get(prefix)
            if ns is None:
                raise SchemaError(f'undeclared prefix in name "{text}"')
            return ns, local
        return default_ns, text

    def name_class(self, el: etree._Element, env: _Env) -> NameClass:
        tag = _local(el)
        env = env.under(el)
        if tag == "name":
            ns, local = self._qname(el.text or "", el, env.ns)
            return ("name", ns, local)
        kids = _rng_children(el)
        if tag in ("anyName", "nsName"):
            exc = None
            for k in kids:
                if _local(k) == "except":
                    exc = self._nc_choice(_rng_children(k), env)
            return ("any", exc) if tag == "anyName" else ("ns", env.ns, exc)
        if tag == "choice":
            return self._nc_choice(kids, env)
        raise SchemaError(f"<{tag}> is not a name class")

    def _nc_choice(self, kids: list[etree._Element], env: _Env) -> NameClass:
        ncs = [self.name_class(k, env) for k in kids]
        if not ncs:
            raise SchemaError("empty name class choice")
        result = ncs[0]
        for nc in ncs[1:]:
            result = ("or", result, nc)
        return result

    # ------------------------------------------------------------------ patterns

    def pattern(self, el: etree._Element, env: _Env, scope: _Scope) -> _P:
        eng = self.eng
        tag = _local(el)
        env = env.under(el)
        kids = _rng_children(el)
        if tag in ("element", "attribute"):
            name = el.get("name")
            if name is not None:
                # The name attribute of <attribute> defaults to no namespace (4.8).
                default = env.ns if tag == "element" else el.get("ns", "")
                ns, local = self._qname(name, el, default)
                nc: NameClass = ("name", ns, local)
            else:
                if not kids:
                    raise SchemaError(f"<{tag}> without a name")
                nc, kids = self.name_class(kids[0], env), kids[1:]
            if tag == "element":
                node = eng.element(nc)
                self.queue.append((node, kids, env, scope))
                return node
            content = (
                eng.group_all([self.pattern(c, env, scope) for c in kids]) if kids else eng.text_p
            )
            return eng.attribute(nc, content)
        if tag == "group":
            return eng.group_all([self.pattern(c, env, scope) for c in kids])
        if tag == "choice":
            return eng.choice([self.pattern(c, env, scope) for c in kids])
        if tag == "interleave":
            result = eng.empty
            for c in kids:
                result = eng.interleave(result, self.pattern(c, env, scope))
            return result
        if tag in ("optional", "zeroOrMore", "oneOrMore", "mixed", "list"):
            body = eng.group_all([self.pattern(c, env, scope) for c in kids])
            if tag == "optional":
                return eng.choice2(body, eng.empty)
            if tag == "zeroOrMore":
                return eng.choice2(eng.one_or_more(body), eng.empty)
            if tag == "oneOrMore":
                return eng.one_or_more(body)
            if tag == "mixed":
                return eng.interleave(eng.text_p, body)
            return eng.list_(body)
        if tag == "ref":
            return self._ref(el.get("name", "").strip(), scope)
        if tag == "parentRef":
            return self._ref(el.get("name", "").strip(), scope.parent)
        if tag == "empty":
            return eng.empty
        if tag == "text":
            return eng.text_p
        if tag == "notAllowed":
            return eng.not_allowed
        if tag == "value":
            # A value without type is the built-in token, whatever the inherited library (4.4).
            lib, typ = (env.dtlib, el.get("type").strip()) if el.get("type") else ("", "token")
            return eng.value(_datatype(lib, typ, ()), el.text or "")
        if tag == "data":
            params = tuple(
                (k.get("name", "").strip(), k.text or "") for k in kids if _local(k) == "param"
            )
            excepts = [k for k in kids if _local(k) == "except"]
            exc = None
            if excepts:
                exc = eng.choice([self.pattern(c, env, scope) for c in _rng_children(excepts[0])])
            return eng.data(_datatype(env.dtlib, el.get("type", "").strip(), params), exc)
        if tag == "externalRef":
            path = self._href(el, env)
            if path in self.loading:
                raise SchemaError(f"{path}: recursive externalRef")
            self.loading.append(path)
            root = self._parse(path)
            result = self.pattern(root, _Env(env.ns, "", path.parent).under(root), _Scope(None))
            self.loading.pop()
            return result
        if tag == "grammar":
            return self._grammar(el, env, scope)
        raise SchemaError(f"<{el.tag}> is not a RELAX NG pattern")


# ======================================== the grammar


class Grammar:
    """A compiled RELAX NG schema, ready for :func:`explain`. Build with :func:`compile_grammar`."""

    def __init__(self, path: Path, engine: _Engine, start: _P, files: list[Path], seconds: float):
        self.path = path
        self.files = files  # every schema file read (includes, external references)
        self.compile_seconds = seconds
        self._eng = engine
        self._start = start
        self._lock = threading.Lock()  # derivatives memoize into shared nodes
        self._by_name: dict[QName, list[_P]] = {}
        self._wildcards: list[_P] = []
        for el in engine.elements:
            names = _nc_names(el.nc)
            if names is None:
                self._wildcards.append(el)
            else:
                for qn in names:
                    self._by_name.setdefault(qn, []).append(el)
        self._known: dict[QName, _P] = {}
        self._id_types: dict[QName, dict[QName, str]] | None = None

    def __repr__(self) -> str:
        return f"<Grammar {self.path} ({len(self._eng.elements)} element patterns)>"

    @property
    def element_names(self) -> frozenset[QName]:
        """Every element name the grammar mentions explicitly."""
        return frozenset(self._by_name)

    def _known_element(self, qn: QName) -> _P:
        """All element patterns that could match ``qn``, anywhere in the grammar."""
        found = self._known.get(qn)
        if found is None:
            nodes = list(self._by_name.get(qn, ()))
            nodes += [w for w in self._wildcards if _nc_contains(w.nc, qn)]
            found = self._known[qn] = self._eng.choice(nodes)
        return found

    def _ids(self) -> dict[QName, dict[QName, str]]:
        """element name -> attribute name -> ID, IDREF or IDREFS (DTD compatibility)."""
        if self._id_types is None:
            eng, table = self._eng, {}
            for el in eng.elements:
                names = _nc_names(el.nc)
                if names is None or el.a is None:
                    continue
                found: dict[QName, str] = {}
                stack, seen = [el.a], set()
                while stack:
                    p = stack.pop()
                    if p.uid in seen or not p.has_attr:
                        continue
                    seen.add(p.uid)
                    if p.kind == ATTRIBUTE:
                        attr_names = _nc_names(p.nc)
                        for leaf in eng.data_leaves(p.a):
                            kind = leaf.dt.name if leaf.dt is not None else ""
                            if kind in ("ID", "IDREF", "IDREFS") and attr_names:
                                for an in attr_names:
                                    found[an] = kind
                    else:
                        stack.extend(x for x in (p.a, p.b, *p.members) if x is not None)
                if found:
                    for qn in names:
                        table.setdefault(qn, {}).update(found)
            self._id_types = table
        return self._id_types


_GRAMMARS: dict[tuple[Path, int], Grammar] = {}
_GRAMMARS_LOCK = threading.Lock()


def compile_grammar(path: str | PathLike[str]) -> Grammar:
    """Compile a RELAX NG schema (XML syntax), cached per path in this process.

    Raises :class:`~teikit.errors.SchemaError` if it cannot be read or is not
    a schema this module supports.
    """
    resolved = Path(path).resolve()
    try:
        key = (resolved, resolved.stat().st_mtime_ns)
    except OSError as exc:
        raise SchemaError(f"{path}: cannot read RELAX NG schema: {exc.strerror or exc}") from None
    with _GRAMMARS_LOCK:
        cached = _GRAMMARS.get(key)
        if cached is not None:
            return cached
        started = time.perf_counter()
        engine = _Engine()
        compiler = _Compiler(engine)
        try:
            start = compiler.compile_file(resolved)
        except RecursionError:
            raise SchemaError(f"{path}: schema nested too deeply") from None
        grammar = Grammar(resolved, engine, start, compiler.files, time.perf_counter() - started)
        _GRAMMARS[key] = grammar
        return grammar


# ======================================== source positions

_MARKUP = re.compile(
    r"""<!--.*?-->
      | <\?.*?\?>
      | <!\[CDATA\[.*?\]\]>
      | <!DOCTYPE(?:[^\[>"']|"[^"]*"|'[^']*'|\[(?:[^\]"']|"[^"]*"|'[^']*')*\])*>
      | </[^\s>]+\s*>
      | <([^\s/>!?]+)((?:[^>"']|"[^"]*"|'[^']*')*)>""",
    re.S | re.X,
)
_ATTRIBUTE = re.compile(r"""([^\s=/>]+)\s*=\s*(?:"[^"]*"|'[^']*')""")


class _Positions:
    """Line and column of elements, attributes and text, from the raw source.

    lxml gives no element columns, and its line for a start tag spanning lines
    is that of the closing ``>``. A light tokenizer over the (well-formed)
    source finds each start tag; the n-th start tag is the n-th element.
    """

    def __init__(self, read: Callable[[], str | None], root: etree._Element) -> None:
        self.read = read  # called on the first error only: valid documents cost nothing
        self.text: str | None = None
        self.root = root
        self.ok: bool | None = None
        self.index: dict[etree._Element, int] = {}
        self.starts: list[int] = []  # offset of "<name"
        self.tag_ends: list[int] = []  # offset just after the start tag
        self.ends: list[int] = []  # offset just after the end tag
        self.newlines: list[int] = []

    def _build(self) -> bool:
        if self.ok is not None:
            return self.ok
        self.ok = False
        self.text = self.read()
        if self.text is None:
            return False
        text = self.text
        names: list[str] = []
        stack: list[int] = []
        pos = 0
        while True:
            i = text.find("<", pos)
            if i < 0:
                break
            m = _MARKUP.match(text, i)
            if m is None:
                return False
            pos = m.end()
            if m.group(1) is not None:
                n = len(self.starts)
                self.starts.append(i)
                self.tag_ends.append(pos)
                self.ends.append(pos)
                names.append(m.group(1))
                if not m.group(2).endswith("/"):
                    stack.append(n)
            elif text.startswith("</", i) and stack:
                self.ends[stack.pop()] = pos
        elements = list(self.root.iter(etree.Element))
        if len(elements) != len(names):
            return False
        for el, raw in zip(elements, names, strict=True):
            if raw.rpartition(":")[2] != etree.QName(el).localname:
                return False
        self.index = {el: n for n, el in enumerate(elements)}
        self.elements = elements  # keep the proxies alive, so the index stays valid
        self.newlines = [m.start() for m in re.finditer("\n", text)]
        self.ok = True
        return True

    def _line_col(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_left(self.newlines, offset)
        start = self.newlines[line - 1] + 1 if line else 0
        return line + 1, offset - start + 1

    def element(self, el: etree._Element) -> tuple[int, int]:
        if self._build() and el in self.index:
            return self._line_col(self.starts[self.index[el]])
        return el.sourceline or 0, 0

    def attribute(self, el: etree._Element, clark: str) -> tuple[int, int]:
        if not (self._build() and el in self.index):
            return el.sourceline or 0, 0
        n = self.index[el]
        nsmap = el.nsmap
        for m in _ATTRIBUTE.finditer(self.text or "", self.starts[n] + 1, self.tag_ends[n]):
            raw = m.group(1)
            prefix, _, local = raw.rpartition(":")
            if prefix == "xmlns" or raw == "xmlns":
                continue
            ns = (XML_NS if prefix == "xml" else nsmap.get(prefix, "")) if prefix else ""
            if (f"{{{ns}}}{local}" if ns else local) == clark:
                return self._line_col(m.start())
        return self.element(el)

    def text_run(self, parent: etree._Element, before: etree._Element | None) -> tuple[int, int]:
        """First non-blank character of the text after ``before`` (or after the
        start tag of ``parent``), skipping comments and processing instructions."""
        anchor = before if before is not None else parent
        if not (self._build() and anchor in self.index):
            return anchor.sourceline or 0, 0
        n = self.index[anchor]
        text = self.text or ""
        pos = self.ends[n] if before is not None else self.tag_ends[n]
        while pos < len(text):
            lt = text.find("<", pos)
            stop = len(text) if lt < 0 else lt
            for i in range(pos, stop):
                if text[i] not in _XML_WS:
                    return self._line_col(i)
            if lt < 0:
                break
            if text.startswith("<![CDATA[", lt):
                end = text.find("]]>", lt)
                for i in range(lt + 9, end):
                    if text[i] not in _XML_WS:
                        return self._line_col(i)
                pos = end + 3
            elif text.startswith(("<!--", "<?"), lt):
                pos = _MARKUP.match(text, lt).end()
            else:
                break
        return self._line_col(pos)


def _decode(data: bytes, encoding: str | None) -> str | None:
    try:
        codec = codecs.lookup(encoding or "utf-8").name
        if codec == "utf-8":
            codec = "utf-8-sig"
        return data.decode(codec).lstrip("\ufeff")
    except (LookupError, UnicodeError):
        return None


# ======================================== explaining


class _Enough(Exception):
    """Internal: max_errors reached."""


def _quote_value(s: str) -> str:
    s = " ".join(s.split()) if len(s) > _MAX_VALUE_SHOWN else s
    if len(s) > _MAX_VALUE_SHOWN:
        s = s[: _MAX_VALUE_SHOWN - 1] + "…"
    return '"' + s.replace('"', '\\"') + '"'


class _Explainer:
    def __init__(
        self,
        grammar: Grammar,
        doc: Document,
        positions: _Positions,
        file: str,
        schema: str,
        max_errors: int | None,
    ) -> None:
        self.g = grammar
        self.eng = grammar._eng
        self.doc = doc
        self.pos = positions
        self.file = file
        self.schema = schema
        self.max_errors = max_errors
        self.found: list[Diagnostic] = []
        self.accept_cache: dict[tuple[int, str], bool] = {}
        self.qnames: dict[str, QName] = {}
        self.id_types = grammar._ids()
        self.ids: dict[str, tuple[etree._Element, str]] = {}
        self.first_reported: set[str] = set()
        self.idrefs: list[tuple[str, etree._Element, str]] = []
        self.context: etree._Element = doc.root  # element whose attributes/text are checked

    # ------------------------------------------------------------------ reporting

    def report(
        self,
        code: str,
        message: str,
        where: tuple[int, int],
        xpath: str,
    ) -> None:
        self.found.append(
            Diagnostic(
                file=self.file,
                line=where[0],
                column=where[1],
                severity=Severity.ERROR,
                message=message,
                code=code,
                source="rng",
                xpath=xpath,
                schema=self.schema,
            )
        )
        if self.max_errors is not None and len(self.found) >= self.max_errors:
            raise _Enough

    def report_attribute(self, code: str, message: str, el: etree._Element, clark: str) -> None:
        """:meth:`report` located at the attribute ``clark`` of ``el``."""
        self.report(code, message, self.pos.attribute(el, clark), self.attr_xpath(el, clark))

    def qname(self, tag: str) -> QName:
        qn = self.qnames.get(tag)
        if qn is None:
            if tag.startswith("{"):
                ns, _, local = tag[1:].partition("}")
                qn = (ns, local)
            else:
                qn = ("", tag)
            self.qnames[tag] = qn
        return qn

    def show(self, qn: QName, context_ns: str, el: etree._Element) -> str:
        """A name as the user wrote it: bare when in the context namespace."""
        ns, local = qn
        if ns == context_ns:
            return f'"{local}"'
        if ns == XML_NS:
            return f'"xml:{local}"'
        if ns == "":
            return f'"{local}" (no namespace)'
        for prefix, uri in el.nsmap.items():
            if uri == ns and prefix:
                return f'"{prefix}:{local}"'
        return f'"{{{ns}}}{local}"'

    def attr_xpath(self, el: etree._Element, clark: str) -> str:
        """``/TEI/…/date/@when``, ``…/@xml:id``."""
        name = self.show(self.qname(clark), "", el).split('"')[1]
        return f"{self.doc.xpath_of(el)}/@{name}"

    def show_names(
        self, ncs: Iterable[NameClass], context_ns: str, el: etree._Element, what: str
    ) -> list[str]:
        """``element "a", "b" or "c"`` style items, wildcards described in words."""
        names: set[str] = set()
        extra: list[str] = []
        for nc in ncs:
            for part in _nc_parts(nc):
                if part[0] == "name":
                    names.add(self.show((part[1], part[2]), context_ns, el))
                elif part[0] == "ns":
                    extra.append(
                        f'an {what} from namespace "{part[1]}"'
                        if part[1]
                        else f"an {what} in no namespace"
                    )
                elif part[1] is not None and not _nc_contains(part, (context_ns, "x")):
                    extra.append(f"an {what} from another namespace")
                else:
                    extra.append(f"any {what}")
        items = []
        if names:
            shown = sorted(names)
            if len(shown) > _MAX_LISTED:
                more = len(shown) - _MAX_LISTED
                listed = ", ".join(shown[:_MAX_LISTED]) + f", … ({more} more)"
            else:
                listed = _or_list(shown)
            items.append(f"{what} {listed}")
        return items + sorted(set(extra))

    def missing_elements(self, names: Iterable[QName], context_ns: str, el: etree._Element) -> str:
        shown = sorted(self.show(q, context_ns, el) for q in names)
        if len(shown) == 1:
            return f"; missing required element {shown[0]}"
        return f"; missing required elements {', '.join(shown[:-1])} and {shown[-1]}"

    def expected(self, state: _P, context_ns: str, el: etree._Element) -> str:
        """``; expected the element end-tag, text or element "a", "b" or "c"``."""
        eng = self.eng
        items = []
        if eng.end(state).kind != NOT_ALLOWED:
            items.append("the element end-tag")
        if eng.text(state, frozenset(x.uid for x in eng.data_leaves(state))).kind != NOT_ALLOWED:
            items.append("text")
        items += self.show_names(eng.first(state), context_ns, el, "element")
        return f"; expected {_or_list(items)}" if items else ""

    def value_problem(self, content: _P, value: str) -> str:
        """Why ``value`` does not match ``content``: the rule and what was found.

        For a list, name the first bad token, as jing does.
        """
        leaves = self.eng.data_leaves(content)
        if len(leaves) == 1 and leaves[0].kind == LIST:
            q = leaves[0].a
            for token in _tokens(value):
                after = self.text_step(q, token)
                if after.kind == NOT_ALLOWED:
                    return f"token {_quote_value(token)} invalid; {self.describe_values(q)}"
                q = after
        shown = value.strip(_XML_WS) if value.strip(_XML_WS) else value
        return f"{self.describe_values(content)}, got {_quote_value(shown)}"

    def describe_except(self, exc: _P | None) -> str:
        if exc is None:
            return ""
        leaves = self.eng.data_leaves(exc)
        if leaves and all(x.kind == VALUE for x in leaves):
            return " other than " + _or_list([_quote_value(x.value) for x in leaves])
        return " (with exceptions)"

    def describe_values(self, content: _P) -> str:
        """What an attribute value or data content must be, in words."""
        eng = self.eng
        values: list[str] = []
        dates: list[str] = []
        others: list[str] = []
        for leaf in eng.data_leaves(content):
            if leaf.kind == VALUE:
                values.append(_quote_value(leaf.value))
            elif leaf.kind == LIST:
                inner = self.describe_values(leaf.a).removeprefix("must be ")
                others.append(f"a whitespace-separated list (each item {inner})")
            elif (
                leaf.dt is not None
                and leaf.dt.name in _DATE_FORMATS
                and not (leaf.dt.patterns or leaf.dt.bounds or leaf.dt.lengths)
            ):
                dates.append(leaf.dt.name)
            elif leaf.dt is not None:
                others.append(leaf.dt.describe() + self.describe_except(leaf.a))
        parts = []
        values = list(dict.fromkeys(values))
        if len(values) == 1 and not (dates or others):
            return f"must be {values[0]}"
        if len(values) > _MAX_LISTED:
            more = len(values) - _MAX_LISTED
            values = [*values[:_MAX_LISTED], f"… ({more} more)"]
        if dates:
            parts.append(_describe_date_family(dates))
        parts += list(dict.fromkeys(others))
        if not parts:
            if values:
                return "must be one of " + _or_list(values)
            return "must be empty" if content.nullable else "not allowed"
        return "must be " + _or_list(values + parts)

    # ------------------------------------------------------------------ value matching

    def leaf_accepts(self, leaf: _P, s: str) -> bool:
        if leaf.kind == DATA and leaf.dt.name in ("QName", "NOTATION"):
            # Depends on the namespaces in scope, so it is not cached.
            prefix, colon, _ = _collapse_ws(s).partition(":")
            declared = not colon or prefix == "xml" or prefix in self.context.nsmap
            return declared and leaf.dt.allows(s)
        key = (leaf.uid, s)
        r = self.accept_cache.get(key)
        if r is None:
            if leaf.kind == VALUE:
                r = leaf.dt.equal(leaf.value, s)
            elif leaf.kind == DATA:
                r = leaf.dt.allows(s) and (leaf.a is None or not self.value_matches(leaf.a, s))
            else:  # LIST: each token in turn, then the rest must be nullable
                q = leaf.a
                for tok in _tokens(s):
                    q = self.text_step(q, tok)
                    if q.kind == NOT_ALLOWED:
                        break
                r = q.nullable
            self.accept_cache[key] = r
        return r

    def text_step(self, p: _P, s: str, any_value: bool = False) -> _P:
        leaves = self.eng.data_leaves(p)
        if not leaves:
            accepted = _NO_LEAVES
        elif any_value:
            accepted = frozenset(x.uid for x in leaves)
        else:
            accepted = frozenset(x.uid for x in leaves if self.leaf_accepts(x, s))
        return self.eng.text(p, accepted)

    def value_matches(self, p: _P, s: str) -> bool:
        if p.nullable and _is_ws(s):
            return True
        return self.text_step(p, s).nullable

    # ------------------------------------------------------------------ the walk

    def run(self) -> list[Diagnostic]:
        try:
            root = self.doc.root
            self.element(self.g._start, root, self.qname(root.tag)[0], is_root=True)
            self.check_idrefs()
        except _Enough:
            pass
        except RecursionError:  # only for trees far deeper than load() accepts
            self.found.append(
                Diagnostic(
                    file=self.file,
                    line=self.doc.root.sourceline or 0,
                    column=0,
                    severity=Severity.ERROR,
                    message="elements are nested too deeply to explain",
                    code="too-deep",
                    source="rng",
                    schema=self.schema,
                )
            )
        return self.found

    def element(self, state: _P, el: etree._Element, context_ns: str, is_root: bool = False) -> _P:
        """Validate ``el`` from parent state ``state``; return the parent's next state."""
        eng = self.eng
        qn = self.qname(el.tag)
        s = eng.open(state, qn)
        if s.kind == NOT_ALLOWED:
            s = self.not_allowed(state, el, qn, context_ns, is_root)
            if s is None:
                return state  # skipped: the siblings are checked against the same state
        s = self.attributes(s, el, qn, context_ns)
        had_elements, s = self.content(s, el, qn)
        after = eng.end(s)
        if after.kind == NOT_ALLOWED:
            self.incomplete(s, el, qn, context_ns, had_elements)
            after = eng.end(s, forced=True)
        return after

    def not_allowed(
        self, state: _P, el: etree._Element, qn: QName, context_ns: str, is_root: bool
    ) -> _P | None:
        eng = self.eng
        known = self.g._known_element(qn)
        name = self.show(qn, context_ns, el)
        if not is_root and known.kind != NOT_ALLOWED:
            # Allowed later in this element? Then something required is missing before it.
            q = state
            for _ in range(6):
                q2 = eng.choice2(q, eng.advance(q))
                if q2 is q:
                    break
                q = q2
                s = eng.open(q, qn)
                if s.kind != NOT_ALLOWED:
                    # Required before it: needed now, but no longer once it is there.
                    later = eng.required_elems(eng.end(s, forced=True))
                    missing = eng.required_elems(state) - later - {qn}
                    if missing:
                        detail = self.missing_elements(missing, context_ns, el)
                    else:
                        detail = self.expected(state, context_ns, el)
                    self.report(
                        "element-not-allowed",
                        f"element {name} not allowed yet{detail}",
                        self.pos.element(el),
                        self.doc.xpath_of(el),
                    )
                    return s  # continue as if the missing content had been there
        where = "here" if known.kind != NOT_ALLOWED else "anywhere"
        expected = self.expected(state, qn[0] if is_root else context_ns, el)
        self.report(
            "unknown-root" if is_root else "element-not-allowed",
            f"element {name} not allowed {where}{expected}",
            self.pos.element(el),
            self.doc.xpath_of(el),
        )
        self.elsewhere(el, qn, known)
        return None

    def elsewhere(self, el: etree._Element, qn: QName, known: _P) -> None:
        """Check an element that is out of place against its own definition(s),
        as jing does; below an element the grammar does not know, look for known
        ones (unknown descendants of an unknown element are not reported again)."""
        if known.kind != NOT_ALLOWED:
            self.element(known, el, qn[0])
            return
        for child in el:
            if isinstance(child.tag, str):
                cqn = self.qname(child.tag)
                self.elsewhere(child, cqn, self.g._known_element(cqn))

    def attributes(self, s: _P, el: etree._Element, qn: QName, context_ns: str) -> _P:
        eng = self.eng
        id_types = self.id_types.get(qn)
        self.context = el
        for clark, value in el.attrib.items():
            aqn = self.qname(clark)
            leaves = eng.attr_leaves(s, aqn)
            if not leaves:
                allowed = self.show_names(eng.attr_names(s), "", el, "attribute")
                detail = (
                    f"; expected {_or_list(allowed)}" if allowed else ", no attributes allowed here"
                )
                self.report_attribute(
                    "attribute-not-allowed",
                    f"attribute {self.show(aqn, '', el)} not allowed here{detail}",
                    el,
                    clark,
                )
                continue
            accepted = frozenset(x.uid for x in leaves if self.value_matches(x.a, value))
            if not accepted:
                content = eng.choice([x.a for x in leaves])
                self.report_attribute(
                    "attribute-value-invalid",
                    f"value of attribute {self.show(aqn, '', el)} is invalid; "
                    f"{self.value_problem(content, value)}",
                    el,
                    clark,
                )
                accepted = frozenset(x.uid for x in leaves)  # as if the value were right
            s2 = eng.att(s, aqn, accepted)
            if s2.kind != NOT_ALLOWED:
                s = s2
            if id_types and aqn in id_types:
                self.track_id(id_types[aqn], value, el, clark)
        closed = eng.close(s)
        if closed.kind == NOT_ALLOWED:
            required = sorted(eng.required_attrs(s), key=lambda q: self.show(q, "", el))
            name = self.show(qn, context_ns, el)
            if required:
                shown = [self.show(q, "", el) for q in required]
                many = len(shown) > 1
                listed = " and ".join([", ".join(shown[:-1]), shown[-1]]) if many else shown[0]
                message = f"element {name} missing required attribute{'s' if many else ''} {listed}"
            else:
                allowed = self.show_names(eng.attr_names(s), "", el, "attribute")
                message = (
                    f"element {name} missing one or more required attributes; "
                    f"expected {_or_list(allowed)}"
                )
            self.report("attribute-missing", message, self.pos.element(el), self.doc.xpath_of(el))
            closed = eng.close(s, relaxed=True)
        return closed

    def content(self, s: _P, el: etree._Element, qn: QName) -> tuple[bool, _P]:
        """Children and text of ``el``; whitespace-only text between elements is
        ignored, as in the RELAX NG spec."""
        eng = self.eng
        has_elements = any(isinstance(c.tag, str) for c in el)
        self.context = el
        data = eng.data_leaves(s)
        if has_elements and data and not eng.first(s):
            # Data content (a date, a name …) cannot hold elements: report each
            # one, then check the text as if they were not there.
            rule = self.describe_values(eng.choice(list(data)))
            for child in el:
                if isinstance(child.tag, str):
                    cqn = self.qname(child.tag)
                    self.report(
                        "element-not-allowed",
                        f"element {self.show(cqn, qn[0], child)} not allowed here; "
                        f"content of element {self.show(qn, self.parent_ns(el), el)} {rule}",
                        self.pos.element(child),
                        self.doc.xpath_of(child),
                    )
                    self.elsewhere(child, cqn, self.g._known_element(cqn))
            has_elements = False
            self.context = el
        if not has_elements:
            text = "".join([el.text or "", *(c.tail or "" for c in el)])
            t = self.text_step(s, text)
            if _is_ws(text):
                t = eng.choice2(s, t)
            if t.kind == NOT_ALLOWED:
                t = self.bad_text(s, el, qn, None, text)
            return False, t
        buffer: list[str] = [el.text or ""]
        before: etree._Element | None = None
        for child in el:
            if not isinstance(child.tag, str):
                buffer.append(child.tail or "")  # comments and PIs do not split text
                continue
            s = self.text_item(s, el, qn, before, "".join(buffer))
            s = self.element(s, child, qn[0])
            buffer, before = [child.tail or ""], child
        s = self.text_item(s, el, qn, before, "".join(buffer))
        return True, s

    def text_item(
        self, s: _P, el: etree._Element, qn: QName, before: etree._Element | None, text: str
    ) -> _P:
        if _is_ws(text):
            return s
        self.context = el
        t = self.text_step(s, text)
        return t if t.kind != NOT_ALLOWED else self.bad_text(s, el, qn, before, text)

    def bad_text(
        self, s: _P, el: etree._Element, qn: QName, before: etree._Element | None, text: str
    ) -> _P:
        eng = self.eng
        context_ns = qn[0]
        xpath = self.doc.xpath_of(el)
        data = self.eng.data_leaves(s)
        if data:
            content = eng.choice(list(data))
            self.report(
                "text-value-invalid",
                f"character content of element {self.show(qn, self.parent_ns(el), el)} is invalid; "
                f"{self.value_problem(content, text)}",
                self.pos.element(el),
                xpath,
            )
            return self.text_step(s, text, any_value=True)
        self.report(
            "text-not-allowed",
            f"text not allowed here{self.expected(s, context_ns, el)}",
            self.pos.text_run(el, before),
            xpath + "/" + self.text_step_name(el, before),
        )
        return s

    def text_step_name(self, el: etree._Element, before: etree._Element | None) -> str:
        """``text()`` or ``text()[n]`` for the text run after ``before``."""
        pieces = [(None, el.text)] + [(c, c.tail) for c in el]
        nonempty = [c for c, t in pieces if t]
        if len(nonempty) <= 1:
            return "text()"
        # The run starts after `before`; count the text nodes before that point.
        n = 0
        for c, t in pieces:
            if t:
                n += 1
            if c is before:
                break
        return f"text()[{max(n, 1)}]"

    def parent_ns(self, el: etree._Element) -> str:
        parent = el.getparent()
        return self.qname(parent.tag)[0] if parent is not None else self.qname(el.tag)[0]

    def incomplete(
        self, s: _P, el: etree._Element, qn: QName, context_ns: str, had_elements: bool
    ) -> None:
        eng = self.eng
        name = self.show(qn, context_ns, el)
        data = eng.data_leaves(s)
        if not had_elements and data and not eng.first(s):
            text = "".join([el.text or "", *(c.tail or "" for c in el)])
            problem = self.value_problem(eng.choice(list(data)), text)
            message = f"character content of element {name} is invalid; {problem}"
            self.report("text-value-invalid", message, self.pos.element(el), self.doc.xpath_of(el))
            return
        missing = eng.required_elems(s)
        if missing:
            detail = self.missing_elements(missing, qn[0], el)
        else:
            detail = self.expected(s, qn[0], el)
        self.report(
            "element-incomplete",
            f"element {name} incomplete{detail}",
            self.pos.element(el),
            self.doc.xpath_of(el),
        )

    # ------------------------------------------------------------------ IDs (DTD compatibility)

    def track_id(self, kind: str, value: str, el: etree._Element, clark: str) -> None:
        if kind == "ID":
            key = _collapse_ws(value)
            first = self.ids.get(key)
            if first is None:
                self.ids[key] = (el, clark)
                return
            self.report_attribute("duplicate-id", f'ID "{key}" has already been defined', el, clark)
            if key not in self.first_reported:
                self.first_reported.add(key)
                fel, fclark = first
                self.report_attribute(
                    "duplicate-id", f'first occurrence of ID "{key}"', fel, fclark
                )
        else:
            for token in _tokens(value):
                self.idrefs.append((token, el, clark))

    def check_idrefs(self) -> None:
        for token, el, clark in self.idrefs:
            if token not in self.ids:
                self.report_attribute(
                    "idref-dangling", f'IDREF "{token}" without matching ID', el, clark
                )


# ======================================== public API


def _as_document(
    doc_or_tree: Document | etree._ElementTree | etree._Element, file: str
) -> Document:
    if isinstance(doc_or_tree, Document):
        return doc_or_tree
    if isinstance(doc_or_tree, etree._ElementTree):
        tree, root = doc_or_tree, doc_or_tree.getroot()
    elif isinstance(doc_or_tree, etree._Element):
        tree, root = doc_or_tree.getroottree(), doc_or_tree
    else:
        raise TypeError(
            f"expected a Document, ElementTree or Element, not {type(doc_or_tree).__name__}"
        )
    return Document(path=file, tree=tree, root=root, encoding=tree.docinfo.encoding or "UTF-8")


def _source_text(doc: Document, source: bytes | str | None) -> str | None:
    if isinstance(source, str):
        return source
    data = source
    if data is None:
        url = (doc.tree.docinfo.URL or "").removeprefix("file://")
        for candidate in (doc.path, url):
            if candidate and not candidate.startswith("<") and Path(candidate).is_file():
                try:
                    data = Path(candidate).read_bytes()
                except OSError:
                    continue
                break
    return _decode(data, doc.encoding) if data is not None else None


def source_positions(doc: Document) -> Callable[[etree._Element, str | None], tuple[int, int]]:
    """Where an element (or one of its attributes, by Clark name) starts in the
    document's source, as (line, column); the source is read on the first call.
    For locating other validators' findings (Schematron) as precisely as ours."""
    positions = _Positions(lambda: _source_text(doc, None), doc.root)

    def where(el: etree._Element, attribute: str | None = None) -> tuple[int, int]:
        return positions.attribute(el, attribute) if attribute else positions.element(el)

    return where


def explain(
    doc_or_tree: Document | etree._ElementTree | etree._Element,
    grammar: Grammar | str | PathLike[str],
    *,
    file: str,
    max_errors: int | None = None,
    source: bytes | str | None = None,
    schema: str = "",
) -> list[Diagnostic]:
    """Every RELAX NG error in a document, as jing-style diagnostics.

    Returns ``[]`` exactly when the document is valid. After each error the
    check recovers (skips an unexpected element but checks its content against
    its own definition, assumes a missing attribute or element, accepts a bad
    value) so that independent errors are all reported, in document order.

    Columns come from the raw source: ``source`` if given, else the file named
    by the Document (or the tree's URL); without it, columns are 0 and lines
    are lxml's. ``max_errors`` stops early; ``schema`` fills Diagnostic.schema.
    """
    if not isinstance(grammar, Grammar):
        grammar = compile_grammar(grammar)
    doc = _as_document(doc_or_tree, file)
    positions = _Positions(lambda: _source_text(doc, source), doc.root)
    with grammar._lock:
        return _Explainer(grammar, doc, positions, file, schema, max_errors).run()


def is_valid(
    doc_or_tree: Document | etree._ElementTree | etree._Element,
    grammar: Grammar | str | PathLike[str],
) -> bool:
    """True if the document is valid against the grammar (stops at the first error)."""
    return not explain(doc_or_tree, grammar, file="", max_errors=1, source="")
