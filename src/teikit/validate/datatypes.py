"""The datatypes of RELAX NG schemas: the built-in library (``string``,
``token``) and XML Schema Part 2 (1.0), as jing implements them.

Regular expressions (the ``pattern`` parameter) are translated by elementpath,
the XPath/XSD library xmlschema is built on. The lexical checks are teikit's,
written to give jing's verdicts where XML Schema leaves room or jing differs
from a strict reading (seconds of 60, no 24:00:00, XML 1.0 fourth-edition name
characters, anyURI as RFC 2396); each such choice is commented where it is made.

:func:`datatype` builds a :class:`Datatype` from a library, a type name and
parameters, and raises :class:`~teikit.errors.SchemaError` for an unknown
library or type, a parameter the type does not take, or a bad parameter value.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from teikit.errors import SchemaError
from teikit.validate.xml_names import NAME_CHAR, NAME_START

__all__ = [
    "DATE_FORMATS",
    "XSD_LIBRARY",
    "Datatype",
    "collapse_ws",
    "datatype",
    "describe_date_family",
    "is_ws",
    "or_list",
    "tokens",
]

XSD_LIBRARY = "http://www.w3.org/2001/XMLSchema-datatypes"
XML_NS = "http://www.w3.org/XML/1998/namespace"
_XML_WS = " \t\n\r"

Ranges = list[tuple[int, int]]
_MAX_CP = 0x10FFFF


def _emit_class(ranges: Ranges) -> str:
    def esc(cp: int) -> str:
        return f"\\x{cp:02x}" if cp < 0x100 else f"\\u{cp:04x}"

    return "[" + "".join(esc(lo) if lo == hi else f"{esc(lo)}-{esc(hi)}" for lo, hi in ranges) + "]"


def _without(ranges: Ranges, cp: int) -> Ranges:
    out: Ranges = []
    for lo, hi in ranges:
        if lo <= cp <= hi:
            out += [r for r in ((lo, cp - 1), (cp + 1, hi)) if r[0] <= r[1]]
        else:
            out.append((lo, hi))
    return out


_NAME_START, _NAME_CHAR = list(NAME_START), list(NAME_CHAR)
_NAME_START_NO_COLON = _without(_NAME_START, 0x3A)
_NAME_CHAR_NO_COLON = _without(_NAME_CHAR, 0x3A)


# XSD pattern -> its Python translation: filled as patterns are translated, and
# from the cache of checked grammars (translating TEI's patterns costs 0.4 s).
TRANSLATED: dict[str, str] = {}


@functools.lru_cache(maxsize=512)
def _xsd_regex(pattern: str) -> re.Pattern[str]:
    """An XSD 1.0 regular expression as an anchored Python pattern (cached: TEI
    uses the same few hundreds of times)."""
    known = TRANSLATED.get(pattern)
    if known is not None:
        return re.compile(known)
    from elementpath.regex import RegexError, translate_pattern  # late: costly to import

    try:
        translated = TRANSLATED[pattern] = translate_pattern(
            pattern, xsd_version="1.0", back_references=False, lazy_quantifiers=False,
            anchors=False,
        )  # fmt: skip
        return re.compile(translated)
    except (RegexError, re.error) as exc:
        raise SchemaError(f'invalid regular expression "{pattern}": {exc}') from None


def _replace_ws(s: str) -> str:
    return s.replace("\t", " ").replace("\n", " ").replace("\r", " ")


def _collapse_ws(s: str) -> str:
    return " ".join(_WS_SPLIT.split(s.strip(_XML_WS)))


_WS_SPLIT = re.compile(r"[ \t\n\r]+")


def _tokens(s: str) -> list[str]:
    return [t for t in _WS_SPLIT.split(s) if t]


def _is_ws(s: str) -> bool:
    return not s.strip(_XML_WS)


class _NamePattern:
    """``fullmatch`` for XML names: ASCII values (nearly all of them) against a
    small pattern, the others against the full tables, compiled when first
    needed (the three full patterns cost 0.05 s to compile at every start)."""

    def __init__(self, start: Ranges | None, chars: Ranges, repeat: str) -> None:
        def pattern(limit: int) -> str:
            def upto(ranges: Ranges) -> str:
                return _emit_class([(lo, min(hi, limit)) for lo, hi in ranges if lo <= limit])

            return (upto(start) if start is not None else "") + upto(chars) + repeat

        self._full_source = functools.partial(pattern, _MAX_CP)
        self._ascii = re.compile(pattern(0x7F))
        self._full: re.Pattern[str] | None = None

    def fullmatch(self, s: str) -> re.Match[str] | None:
        if s.isascii():
            return self._ascii.fullmatch(s)
        if self._full is None:
            self._full = re.compile(self._full_source())
        return self._full.fullmatch(s)


_NCNAME_RE = _NamePattern(_NAME_START_NO_COLON, _NAME_CHAR_NO_COLON, "*")
_NAME_RE = _NamePattern(_NAME_START, _NAME_CHAR, "*")
_NMTOKEN_RE = _NamePattern(None, _NAME_CHAR, "+")
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
_URI_PART_RE = re.compile(r"(?:[^%#]|%[0-9A-Fa-f]{2})*")
# No scheme, escape, query or bracket, at most one fragment: valid by every rule below.
_PLAIN_URI_RE = re.compile(r"[A-Za-z0-9._~/-]*(?:#[A-Za-z0-9._~/-]*)?")
_IPV6_AUTHORITY_RE = re.compile(r"(?:[^@/?#\[\]]*@)?\[[^\[\]/?#]*\](?::[0-9]*)?")
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
    """RFC 2396 as jing applies it: escapes are %XX, one fragment, a colon
    before any "/", "?" or "#" ends a scheme followed by something, and "[" or
    "]" only in the query, the fragment, an opaque URI (``mailto:a[b``) or
    around an IPv6 host (``http://[::1]/``)."""
    if _PLAIN_URI_RE.fullmatch(s):  # most are: a relative path, an id after "#"
        return True
    ref, _, fragment = s.partition("#")
    if not (_URI_PART_RE.fullmatch(ref) and _URI_PART_RE.fullmatch(fragment)):
        return False
    colon = ref.find(":")
    rest = ref
    if colon >= 0 and not any(c in ref[:colon] for c in "/?"):
        if not _URI_SCHEME_RE.fullmatch(ref[:colon]) or colon + 1 == len(ref):
            return False
        rest = ref[colon + 1 :]
        if not rest.startswith("/"):
            return True  # opaque: no hierarchy to check
    path = rest.partition("?")[0]
    if path.startswith("//"):
        authority, _, path = path[2:].partition("/")
        if ("[" in authority or "]" in authority) and not _IPV6_AUTHORITY_RE.fullmatch(authority):
            return False
    return "[" not in path and "]" not in path


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


def _list_of(item: _NamePattern) -> Callable[[str], bool]:
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


def _never(s: str) -> bool:
    return False


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
        # An unparsed entity declared in the DTD, and teikit reads no DTD
        # declarations (nor does a TEI document have any): never, as jing says.
        "ENTITY": ("collapse", _never, "the name of an unparsed entity", "string"),
        "NMTOKEN": ("collapse", _NMTOKEN_RE.fullmatch, "an XML name token", "string"),
        "IDREFS": ("collapse", _list_of(_NCNAME_RE), "a list of element IDs", "list"),
        "ENTITIES": ("collapse", _never, "a list of unparsed entity names", "list"),
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


# Which parameters (facets) each kind of type takes, besides pattern.
_LENGTHS = frozenset({"length", "minLength", "maxLength"})
_BOUNDS = frozenset({"minInclusive", "maxInclusive", "minExclusive", "maxExclusive"})
_DIGITS = frozenset({"totalDigits", "fractionDigits"})
_FACETS = {
    "string": _LENGTHS,
    "list": _LENGTHS,
    "decimal": _BOUNDS | _DIGITS,
    "double": _BOUNDS,
    "boolean": frozenset(),
    "other": _LENGTHS,  # anyURI, QName, NOTATION, hexBinary, base64Binary
    "ordered": _BOUNDS,  # durations, dates and times
}
_NON_NEGATIVE = re.compile(r"[+]?[0-9]+")


class Datatype:
    """One datatype with its parameters: checks lexical values, compares values.

    ``needs_context``: the type is read with the namespaces in scope (QName,
    NOTATION), which :meth:`allows` and :meth:`equal` then take as ``context``
    (prefix -> namespace, ``""`` for the default namespace).
    """

    __slots__ = (
        "bounds",
        "desc",
        "digits",
        "key",
        "kind",
        "lengths",
        "lexical",
        "name",
        "needs_context",
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
        self.needs_context = name in ("QName", "NOTATION") and library == XSD_LIBRARY
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
            raise SchemaError(f'unknown datatype library "{library}"')
        if name not in _XSD_TYPES:
            raise SchemaError(f'unknown XML Schema datatype "{name}"')
        self.ws, self.lexical, self.desc, self.kind = _XSD_TYPES[name]
        facets = _FACETS[self._facet_kind()]
        seen: set[str] = set()
        for pname, pvalue in params:
            if pname != "pattern" and pname not in facets:
                raise SchemaError(f'datatype {name} does not take the parameter "{pname}"')
            if pname != "pattern" and pname in seen:
                raise SchemaError(f'parameter "{pname}" given twice')
            seen.add(pname)
            self._param(pname, pvalue)
        self._check_params()

    def _facet_kind(self) -> str:
        if self.kind in ("string", "list", "decimal", "double", "boolean"):
            return self.kind
        return "ordered" if self.name in _ORDERED else "other"

    def _param(self, pname: str, pvalue: str) -> None:
        if pname == "pattern":
            self.patterns.append((pvalue, _xsd_regex(pvalue)))
        elif pname in _LENGTHS or pname in _DIGITS:
            value = pvalue.strip(_XML_WS)
            if not _NON_NEGATIVE.fullmatch(value):
                raise SchemaError(f'{pname}="{pvalue}" must be a non-negative integer')
            if pname == "totalDigits" and int(value) == 0:
                raise SchemaError("totalDigits must be a positive integer")
            target = self.lengths if pname in _LENGTHS else self.digits
            target[pname] = int(value)
        else:  # bounds
            raw = pvalue.strip(_XML_WS)
            bound = self._number(raw) if self.lexical(raw) else None
            if bound is None:
                if self.kind not in ("decimal", "double") and self.lexical(_collapse_ws(raw)):
                    raise SchemaError(f"{pname} is not supported for datatype {self.name}")
                raise SchemaError(f'{pname}="{pvalue}" is not a value of datatype {self.name}')
            self.bounds[pname] = bound
            self.raw_bounds[pname] = raw

    def _check_params(self) -> None:
        """Parameters that contradict each other (XML Schema Part 2, 4.3)."""
        lengths, bounds, digits = self.lengths, self.bounds, self.digits
        if "length" in lengths and ("minLength" in lengths or "maxLength" in lengths):
            raise SchemaError("length cannot be combined with minLength or maxLength")
        if lengths.get("minLength", 0) > lengths.get("maxLength", float("inf")):
            raise SchemaError("minLength is greater than maxLength")
        if "minInclusive" in bounds and "minExclusive" in bounds:
            raise SchemaError("minInclusive cannot be combined with minExclusive")
        if "maxInclusive" in bounds and "maxExclusive" in bounds:
            raise SchemaError("maxInclusive cannot be combined with maxExclusive")
        low = bounds.get("minInclusive", bounds.get("minExclusive"))
        high = bounds.get("maxInclusive", bounds.get("maxExclusive"))
        if low is not None and high is not None and low > high:
            raise SchemaError("the lower bound is greater than the upper bound")
        if digits.get("fractionDigits", 0) > digits.get("totalDigits", float("inf")):
            raise SchemaError("fractionDigits is greater than totalDigits")
        if self.name in _INTEGER_BOUNDS and digits.get("fractionDigits", 0) != 0:
            raise SchemaError(f"datatype {self.name} has no fraction digits")

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

    def checker(self, token: bool = False) -> Callable[[str], bool]:
        """:meth:`allows` without a context, as one call with nothing to look up
        (the RELAX NG verdict calls it for every new attribute value of a
        corpus). ``token``: the values are list tokens, which hold no
        whitespace, so whitespace normalisation is left out."""
        if self.needs_context or self.lengths or self.bounds or self.digits:
            return self.allows
        lexical = self.lexical
        matches = tuple(rx.match for _, rx in self.patterns)
        normalize = None if token or self.ws == "preserve" else self.normalize
        if normalize is None and not matches:
            return lambda s: bool(lexical(s))

        def check(s: str) -> bool:
            if normalize is not None:
                s = normalize(s)
            return bool(lexical(s)) and all(match(s) for match in matches)

        return check

    def allows(self, raw: str, context: dict[str, str] | None = None) -> bool:
        """Whether ``raw`` is a value of this type; for QName and NOTATION, a
        prefix must be declared in ``context`` (when one is given)."""
        s = self.normalize(raw)
        if not self.lexical(s):
            return False
        if self.needs_context and context is not None and _resolve(s, context) is None:
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
        return all(rx.match(s) for _, rx in self.patterns)

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

    def equal(
        self,
        expected: str,
        raw: str,
        expected_context: dict[str, str] | None = None,
        context: dict[str, str] | None = None,
    ) -> bool:
        """Value-space equality (``1.0`` equals ``1`` for decimals, QNames by
        namespace and local name …)."""
        if not self.allows(raw, context):
            return False
        a, b = self.normalize(expected), self.normalize(raw)
        if self.needs_context:
            return _resolve(a, expected_context or {}) == _resolve(b, context or {})
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


def _resolve(qname: str, context: dict[str, str]) -> tuple[str, str] | None:
    """(namespace, local name) of a QName, or None if its prefix is not declared."""
    prefix, colon, local = qname.partition(":")
    if not colon:
        return context.get("", ""), qname
    if prefix == "xml":
        return XML_NS, local
    uri = context.get(prefix)
    return None if uri is None else (uri, local)


_XSD_TYPES = _xsd_types()
_ORDERED = frozenset(
    {"duration", "dateTime", "time", "date", "gYearMonth", "gYear", "gMonthDay", "gDay", "gMonth"}
)


@functools.lru_cache(maxsize=4096)
def datatype(library: str, name: str, params: tuple[tuple[str, str], ...] = ()) -> Datatype:
    """The datatype ``name`` of ``library`` with ``params`` (cached)."""
    return Datatype(library, name, params)


def is_ncname(s: str) -> bool:
    """An XML name without colons (the names of defines, datatypes …)."""
    return bool(_NCNAME_RE.fullmatch(s))


def is_absolute_uri(s: str) -> bool:
    """An absolute URI as RFC 2396 (and jing) reads it: a scheme, something
    after it, and only %XX escapes."""
    scheme, colon, rest = s.partition(":")
    return bool(colon and rest and _URI_SCHEME_RE.fullmatch(scheme) and _uri_ok(s))


# For the explainer's messages.
tokens = _tokens
is_ws = _is_ws
collapse_ws = _collapse_ws
describe_date_family = _describe_date_family
or_list = _or_list
DATE_FORMATS = _DATE_FORMATS
