"""Tell, without Saxon, that a Schematron schema finds nothing in a document.

Running the Schematron embedded in ``tei_all`` costs a letter about 2.5 ms on
Saxon (parsing the document again, then 93 patterns), three times what its
RELAX NG check costs, and nearly every letter passes it. Most of its rules
concern elements a letter does not have; the few that apply (``p``, ``div``,
``@when`` …) test simple paths.

:class:`Precheck` reads a compiled-ready ISO Schematron schema (an
``sch:schema`` element) once. For a document it answers ``True`` ("clean")
only when it can show that no assert fails and no report fires:

* a pattern is *relevant* when the element (and attribute) names its rule
  contexts require occur in the document;
* each rule context and test of a relevant pattern is translated from XPath 2.0
  to an XPath 1.0 expression with the same value, and evaluated by libxml2
  through lxml; only a small subset translates (paths, predicates, ``and``,
  ``or``, ``not``, unions, string comparisons, ``count``, ``string-length``,
  ``normalize-space`` and a few more, value comparisons whose operands are
  single strings or numbers), so that no construct whose 1.0 and 2.0 readings
  differ, or which could raise a dynamic error in 2.0, is ever used;
* a relevant pattern with anything else (variables, other functions, rules on
  attributes …) makes the answer ``False``: Saxon runs.

Rules are tried on every node their context matches, without the "first rule
of a pattern wins" of Schematron: that can only find more, never less, so a
``True`` is always right, and a ``False`` just means Saxon decides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

__all__ = ["Precheck"]

SCH = "http://purl.oclc.org/dsdl/schematron"
_S = f"{{{SCH}}}"


class _Unsupported(Exception):
    """A construct outside the subset that reads the same in XPath 1.0 and 2.0."""


# --------------------------------------------------------------------------
# XPath 2.0 (as elementpath parses it) to XPath 1.0 with the same value.

NODES, STRING, NUMBER, BOOLEAN = "nodes", "string", "number", "boolean"
UNKNOWN = "unknown"  # a variable whose value does not translate
_AXES = frozenset(
    {
        "child", "parent", "self", "ancestor", "ancestor-or-self", "descendant",
        "descendant-or-self", "following", "following-sibling", "preceding",
        "preceding-sibling", "attribute",
    }
)  # fmt: skip
_KIND_TESTS = frozenset({"node", "text", "comment", "processing-instruction"})
_GENERAL = {"=": "=", "!=": "!="}
_ORDER = {"<": "<", ">": ">", "<=": "<=", ">=": ">="}
_VALUE = {"eq": "=", "ne": "!=", "lt": "<", "gt": ">", "le": "<=", "ge": ">="}
_SINGLE_NODE = re.compile(r"\.|@[\w.\-]+(?::[\w.\-]+)?")  # one node at most


def _literal(text: str) -> str:
    if "'" not in text:
        return f"'{text}'"
    if '"' not in text:
        return f'"{text}"'
    raise _Unsupported("a string with both quotes")


def _kids(token) -> list:
    return list(token)


def translate(token, variables: dict[str, str] | None = None) -> tuple[str, str]:
    """(XPath 1.0 text, type) for an elementpath token; raises _Unsupported.
    ``variables``: the names of the variables in scope, with their types."""
    symbol, label = token.symbol, token.label
    kids = _kids(token)
    if label == "literal":
        if symbol == "(string)":
            return _literal(token.value), STRING
        if symbol == "(integer)":
            return str(token.value), NUMBER
        raise _Unsupported(symbol)
    if symbol == ":":  # prefix:name or prefix:*
        return str(token.value), NODES
    if symbol in ("(name)", "*") and not kids:
        return str(token.value), NODES
    if symbol == "." and label == "context item expression":
        return ".", NODES
    if symbol == ".." and not kids:
        return "..", NODES
    if label == "axis" and symbol in _AXES:
        (test,) = kids
        return f"{symbol}::{_node_test(test)}", NODES
    if symbol == "@" and label == "attribute reference":
        (test,) = kids
        return f"@{_node_test(test)}", NODES
    if label == "kind test" and symbol in _KIND_TESTS and not kids:
        return f"{symbol}()", NODES
    if symbol in ("/", "//") and label == "operator":
        if len(kids) == 1:
            inner, kind = translate(kids[0], variables)
            _expect(kind, NODES)
            return f"{symbol}{inner}", NODES
        left, right = (translate(k, variables) for k in kids)
        _expect(left[1], NODES)
        _expect(right[1], NODES)
        return f"{left[0]}{symbol}{right[0]}", NODES
    if symbol == "/" and not kids:
        return "/", NODES
    if symbol == "[":
        base, predicate = kids
        path, kind = translate(base, variables)
        _expect(kind, NODES)
        text, ptype = translate(predicate, variables)
        if ptype == NUMBER and predicate.label != "literal":
            raise _Unsupported("a computed positional predicate")
        return f"{path}[{text}]", NODES
    if symbol == "(" and label == "expression":
        (inner,) = kids
        text, kind = translate(inner, variables)
        return f"({text})", kind
    if symbol == "|":
        left, right = (translate(k, variables) for k in kids)
        _expect(left[1], NODES)
        _expect(right[1], NODES)
        return f"{left[0]} | {right[0]}", NODES
    if symbol in ("and", "or"):
        left, right = (translate(k, variables) for k in kids)
        return f"{left[0]} {symbol} {right[0]}", BOOLEAN
    if symbol in _GENERAL and label == "operator":
        (a, atype), (b, btype) = (translate(k, variables) for k in kids)
        if {atype, btype} <= {NODES, STRING} or atype == btype == NUMBER:
            return f"{a} {_GENERAL[symbol]} {b}", BOOLEAN
        raise _Unsupported(f"{atype} {symbol} {btype}")
    if symbol in _ORDER and label == "operator":
        (a, atype), (b, btype) = (translate(k, variables) for k in kids)
        if atype == btype == NUMBER:
            return f"{a} {_ORDER[symbol]} {b}", BOOLEAN
        raise _Unsupported(f"{atype} {symbol} {btype}")
    if symbol in _VALUE and label == "operator":
        (a, atype), (b, btype) = (translate(k, variables) for k in kids)
        if not (_single(a, atype) and _single(b, btype)):
            raise _Unsupported(f"{symbol} of a sequence")
        stringy = atype in (STRING, NODES) and btype in (STRING, NODES)
        if atype == btype == NUMBER or (stringy and symbol in ("eq", "ne")):
            return f"{a} {_VALUE[symbol]} {b}", BOOLEAN
        raise _Unsupported(f"{atype} {symbol} {btype}")
    if symbol == "$" and label == "variable":
        name = str(token.value)
        if not variables or variables.get(name, UNKNOWN) == UNKNOWN:
            raise _Unsupported(f"variable ${name}")
        return f"${name}", variables[name]
    if label == "function":
        return _function(symbol, kids, variables)
    raise _Unsupported(f"{symbol} ({label})")


_MAYBE = ("true()", "false()")  # (could be true, is true) of what does not translate


def bounds(token, variables: dict[str, str]) -> tuple[str, str]:
    """A test as two XPath 1.0 booleans: "could be true" and "is true". What
    does not translate counts as maybe, but only on the right of ``and`` and
    ``or``: Saxon evaluates the left first, so an error there would not wait."""
    symbol, label = token.symbol, token.label
    if symbol in ("and", "or") and label == "operator":
        left, right = list(token)
        lp, ld = bounds(left, variables)
        if (lp, ld) == _MAYBE:
            return _MAYBE
        rp, rd = bounds(right, variables)
        return f"({lp}) {symbol} ({rp})", f"({ld}) {symbol} ({rd})"
    if symbol == "not" and label == "function":
        (arg,) = list(token)
        possibly, surely = bounds(arg, variables)
        return f"not({surely})", f"not({possibly})"
    if symbol == "(" and label == "expression":
        (inner,) = list(token)
        return bounds(inner, variables)
    try:
        text, _ = translate(token, variables)
    except _Unsupported:
        return _MAYBE
    return f"boolean({text})", f"boolean({text})"


def _single(text: str, kind: str) -> bool:
    """One value at most: a string, a number, the context node or an attribute."""
    return kind in (STRING, NUMBER) or (kind == NODES and bool(_SINGLE_NODE.fullmatch(text)))


def _node_test(token) -> str:
    text, kind = translate(token, None)
    if kind != NODES or text in (".", ".."):
        raise _Unsupported("a node test")
    return text


def _expect(kind: str, wanted: str) -> None:
    if kind != wanted:
        raise _Unsupported(f"{kind} where {wanted} is needed")


def _single_string_arg(kids: list, variables: dict[str, str] | None) -> str:
    """The argument of a one-string function: none, or one node at most, or a string."""
    if not kids:
        return ""
    (arg,) = kids
    text, kind = translate(arg, variables)
    if kind == STRING or (kind == NODES and _SINGLE_NODE.fullmatch(text)):
        return text
    raise _Unsupported("a string function of a node set")


def _function(name: str, kids: list, variables: dict[str, str] | None) -> tuple[str, str]:
    if name in ("true", "false") and not kids:
        return f"{name}()", BOOLEAN
    if name in ("not", "boolean"):
        (arg,) = kids
        text, _ = translate(arg, variables)
        return f"{name}({text})", BOOLEAN
    if name == "count":
        (arg,) = kids
        text, kind = translate(arg, variables)
        _expect(kind, NODES)
        return f"count({text})", NUMBER
    if name in ("normalize-space", "string", "string-length", "name", "local-name"):
        arg = _single_string_arg(kids, variables)
        if name in ("name", "local-name") and arg not in ("", "."):
            raise _Unsupported(f"{name}() of another node")
        return f"{name}({arg})", NUMBER if name == "string-length" else STRING
    if name in ("starts-with", "contains"):
        args = [_single_string_arg([k], variables) for k in kids]
        if len(args) != 2:
            raise _Unsupported(name)
        return f"{name}({args[0]}, {args[1]})", BOOLEAN
    raise _Unsupported(f"function {name}()")


# --------------------------------------------------------------------------
# Schemas


@dataclass
class _Rule:
    candidates: etree.XPath  # the nodes its context can match
    lets: list[tuple[str, etree.XPath]] = field(default_factory=list)  # in order
    asserts: list[etree.XPath] = field(default_factory=list)  # true when fine
    reports: list[etree.XPath] = field(default_factory=list)  # true when firing
    # Without variables, the whole rule as one expression: the nodes on which
    # something may fire (one libxml2 call for a document, not one per node).
    firing: etree.XPath | None = None
    # When every test of the rule is a report of attributes (``@a | @b``): their
    # names, one of which a document must have for the rule to fire.
    any_of: tuple[str, ...] | None = None


@dataclass
class _Pattern:
    needs: list[tuple[str | None, tuple[str, ...]]]  # per context branch: (tag, attributes)
    rules: list[_Rule] | None  # None: not translatable, Saxon decides …
    contexts: etree.XPath | None  # … when its rule contexts match something


def _parser(namespaces: dict[str, str]):
    """elementpath's XPath 2.0 parser, giving the tokens only: its own parse()
    also evaluates what it can at once, and a function that sets the locale
    (distinct-values) can fail there with a lock held, hanging the next parse."""
    from elementpath import XPath2Parser
    from elementpath.tdop import Parser

    class TokensOnly(XPath2Parser):
        def parse(self, source: str):
            if self.tokenizer is None:
                self.tokenizer = self.create_tokenizer(self.symbol_table)
            return Parser.parse(self, source)

    return TokensOnly(namespaces=namespaces)


class Precheck:
    """One Schematron schema's patterns, translated once for many documents."""

    def __init__(self, schema: etree._Element) -> None:
        self.namespaces = {
            ns.get("prefix"): ns.get("uri") for ns in schema.iter(_S + "ns") if ns.get("prefix")
        }
        self.parser = _parser(self.namespaces)
        self.patterns: list[_Pattern] = []
        self.global_lets = schema.find(_S + "let") is not None
        for pattern in schema.findall(_S + "pattern"):
            self.patterns.append(self._pattern(pattern))
        self._index()

    def _index(self) -> None:
        # element name (None: any) -> (pattern number, attributes it also needs)
        self.by_tag: dict[str | None, list[tuple[int, tuple[str, ...]]]] = {}
        for n, pattern in enumerate(self.patterns):
            for tag, needed in pattern.needs:
                self.by_tag.setdefault(tag, []).append((n, needed))

    def record(self) -> tuple:
        """The translation as strings and tuples (for marshal), read back by
        :meth:`from_record` without elementpath or any XPath 2.0 parsing."""

        def text(xpath: etree.XPath | None) -> str | None:
            return None if xpath is None else xpath.path

        def rule(r: _Rule) -> tuple:
            lets = tuple((name, text(x)) for name, x in r.lets)
            asserts, reports = tuple(map(text, r.asserts)), tuple(map(text, r.reports))
            return (text(r.candidates), lets, asserts, reports, text(r.firing), r.any_of)

        patterns = tuple(
            (
                tuple(p.needs),
                None if p.rules is None else tuple(rule(r) for r in p.rules),
                text(p.contexts),
            )
            for p in self.patterns
        )
        return (self.namespaces, self.global_lets, patterns)

    @classmethod
    def from_record(cls, record: tuple) -> Precheck:
        """The Precheck :meth:`record` described."""
        self = cls.__new__(cls)
        self.namespaces, self.global_lets, patterns = record
        compile_ = self._compile
        self.patterns = []
        for needs, rules, contexts in patterns:
            compiled = None
            if rules is not None:
                compiled = [
                    _Rule(
                        compile_(candidates),
                        [(name, compile_(x)) for name, x in lets],
                        [compile_(x) for x in asserts],
                        [compile_(x) for x in reports],
                        compile_(firing) if firing is not None else None,
                        tuple(any_of) if any_of is not None else None,
                    )
                    for candidates, lets, asserts, reports, firing, any_of in rules
                ]
            union = compile_(contexts) if contexts is not None else None
            self.patterns.append(_Pattern([tuple(n) for n in needs], compiled, union))
        self._index()
        return self

    def _parse(self, expression: str):
        try:
            return self.parser.parse(expression)
        except Exception as exc:  # elementpath raises several kinds of errors
            raise _Unsupported(f"not XPath 2.0 we can read: {exc}") from None

    def _xpath(self, expression: str, variables: dict[str, str] | None = None) -> tuple[str, str]:
        return translate(self._parse(expression), variables)

    def _compile(self, text: str) -> etree.XPath:
        try:
            return etree.XPath(text, namespaces=self.namespaces, regexp=False, smart_strings=False)
        except etree.XPathSyntaxError as exc:
            raise _Unsupported(f"libxml2 cannot compile {text!r}: {exc}") from None

    def _pattern(self, pattern: etree._Element) -> _Pattern:
        needs: list[tuple[str | None, tuple[str, ...]]] = []
        rules: list[_Rule] | None = []
        contexts: list[str] | None = []
        for rule in pattern.findall(_S + "rule"):
            context = rule.get("context", "")
            needs.extend(self._needs(context))
            try:
                candidates = self._candidates(context)
            except _Unsupported:
                contexts = rules = None
                continue
            if contexts is not None:
                contexts.append(candidates)
            if rules is not None:
                try:
                    rules.append(self._rule(rule, candidates))
                except _Unsupported:
                    rules = None
        if (
            self.global_lets
            or pattern.get("abstract") == "true"
            or pattern.get("is-a")
            or pattern.find(_S + "let") is not None
        ):
            rules = None
        union = None
        if contexts:
            try:
                union = self._compile(" | ".join(contexts))
            except _Unsupported:
                union = None
        return _Pattern(needs, rules, union)

    def _candidates(self, context: str) -> str:
        """An XPath 1.0 expression selecting every node the match pattern can match."""
        branches = []
        for branch in _union_branches(context):
            text, kind = self._xpath(branch)
            _expect(kind, NODES)
            branches.append(text if text.startswith("/") else f"//{text}")
        return " | ".join(branches)

    def _rule(self, rule: etree._Element, candidates: str) -> _Rule:
        if rule.get("abstract") == "true" or rule.find(_S + "extends") is not None:
            raise _Unsupported("abstract rules")
        compiled = _Rule(self._compile(candidates))
        variables: dict[str, str] = {}
        fires: list[str] = []
        attributes: list[str] | None = []  # what reports of attributes alone name
        for child in rule:
            if child.tag == _S + "let":  # one value per context node, or unknown
                name = child.get("name", "")
                try:
                    text, kind = self._xpath(child.get("value", ""), variables)
                except _Unsupported:
                    text, kind = "", UNKNOWN
                if kind in (STRING, NUMBER, BOOLEAN):
                    compiled.lets.append((name, self._compile(text)))
                    variables[name] = kind
                else:
                    variables[name] = UNKNOWN
            elif child.tag in (_S + "assert", _S + "report"):
                possibly, surely = bounds(self._parse(child.get("test", "")), variables)
                if child.tag == _S + "assert":  # it fails unless it surely holds
                    compiled.asserts.append(self._compile(surely))
                    fires.append(f"not({surely})")
                    attributes = None
                else:  # it fires if it could hold
                    compiled.reports.append(self._compile(possibly))
                    fires.append(possibly)
                    named = _attributes_only(child.get("test", ""))
                    attributes = None if named is None or attributes is None else attributes + named
        if not compiled.lets and fires:
            compiled.firing = self._compile(f"({candidates})[{' or '.join(fires)}]")
            compiled.any_of = tuple(attributes) if attributes else None
        return compiled

    def _needs(self, context: str) -> list[tuple[str | None, tuple[str, ...]]]:
        """For each branch of a rule context: the element name its last step
        requires (Clark, or None for any) and the attributes its predicates
        require; a branch that cannot be read needs nothing (always relevant)."""
        found = []
        for branch in _union_branches(context):
            inner = _parenthesised_union(branch)
            if inner is not None:
                found += self._needs(inner)
                continue
            steps = _steps(branch)
            attributes: list[str] = []
            if steps and steps[-1].startswith("@"):  # a rule on an attribute
                attributes.append(steps.pop()[1:])
            match = _STEP.fullmatch(steps[-1]) if steps else None
            if match is None:
                return [(None, ())]
            prefix, local, predicates = match.groups()
            tag = None
            if local != "*":
                if prefix is None:
                    tag = local
                elif prefix in self.namespaces:
                    tag = f"{{{self.namespaces[prefix]}}}{local}"
                else:
                    return [(None, ())]
            for predicate in _predicates(predicates or ""):
                attributes += _required_attributes(predicate[1:-1])
            found.append((tag, tuple(a for a in attributes if ":" not in a)))
        return found

    def clean(self, root: etree._Element, names: tuple[set[str], set[str]] | None = None) -> bool:
        """True only when no rule of the schema can fire on the document.
        ``names``: every element and attribute name (Clark) in it, when known
        (the RELAX NG walk of a valid document collects them)."""
        if names is None:
            names = set(), set()
            for el in root.iter(etree.Element):
                names[0].add(el.tag)
                if el.attrib:
                    names[1].update(el.attrib.keys())
        tags, attributes = names
        by_tag = self.by_tag
        relevant = {
            n
            for tag in (*(by_tag.keys() & tags), None)  # the few tags rules name, not every tag
            for n, needed in by_tag.get(tag, ())
            if all(a in attributes for a in needed)
        }
        for n in sorted(relevant):
            pattern = self.patterns[n]
            if pattern.rules is None:
                if pattern.contexts is None or pattern.contexts(root):
                    return False  # Saxon decides
                continue
            for rule in pattern.rules:
                if rule.firing is not None:
                    if rule.any_of is not None and attributes.isdisjoint(rule.any_of):
                        continue  # it reports attributes the document does not have
                    if rule.firing(root):
                        return False
                    continue
                for node in rule.candidates(root):
                    if not isinstance(node, etree._Element):
                        return False  # a rule on attributes, with variables
                    values: dict[str, object] = {}
                    for name, let in rule.lets:
                        values[name] = let(node, **values)
                    if any(not test(node, **values) for test in rule.asserts):
                        return False
                    if any(test(node, **values) for test in rule.reports):
                        return False
        return True


_ATTRIBUTE_UNION = re.compile(r"\(?\s*@[\w.\-]+(?:\s*(?:\||\bor\b)\s*@[\w.\-]+)*\s*\)?")


def _attributes_only(test: str) -> list[str] | None:
    """The attribute names of a test that is only attributes of the context node,
    in a union or an ``or`` (``@notBefore | @from``; no prefix): true only on an
    element that has one of them. None for any other test."""
    if not _ATTRIBUTE_UNION.fullmatch(test.strip()):
        return None
    return re.findall(r"@([\w.\-]+)", test)


_STEP = re.compile(r"(?:([\w.\-]+):)?([\w.\-]+|\*)((?:\[.*\])?)", re.S)
# A conjunct of a predicate that is false on an element without attribute @name:
# the attribute itself, a comparison with it (a general comparison with an empty
# sequence is false), or starts-with/contains/ends-with of it and a non-empty literal.
_NEEDS_ATTRIBUTE = re.compile(
    r"@(?P<a>[\w.\-:]+)\s*(?:(?:!?=|<=?|>=?)\s*(?:'[^']*'|\"[^\"]*\"|[\w.\-:@$/]+))?"
    r"|(?:starts-with|contains|ends-with)\(\s*@(?P<b>[\w.\-:]+)\s*,\s*"
    r"(?:'[^']+'|\"[^\"]+\")\s*\)",
    re.S,
)


def _required_attributes(predicate: str) -> list[str]:
    """The attributes an element must have for ``predicate`` (its text, without
    the brackets) to hold: those its top-level ``and`` conjuncts require."""
    conjuncts, start = [], 0
    for i, word in _top_level(predicate, " and "):
        conjuncts.append(predicate[start:i])
        start = i + len(word)
    conjuncts.append(predicate[start:])
    found = []
    for conjunct in conjuncts:
        match = _NEEDS_ATTRIBUTE.fullmatch(conjunct.strip())
        if match:
            found.append(match.group("a") or match.group("b"))
    return found


def _union_branches(context: str) -> list[str]:
    """``a | b`` at the top level of a match pattern, as its branches."""
    cuts = [i for i, _ in _top_level(context, "|")]
    pieces, start = [], 0
    for i in cuts:
        pieces.append(context[start:i])
        start = i + 1
    pieces.append(context[start:])
    return [p.strip() for p in pieces if p.strip()]


def _top_level(text: str, separator: str) -> list[tuple[int, str]]:
    """Positions of ``separator`` (a character or a word such as `` and ``) outside
    brackets, parentheses and quotes."""
    found, depth, quote = [], 0, ""
    for i, c in enumerate(text):
        if quote:
            quote = "" if c == quote else quote
        elif c in "'\"":
            quote = c
        elif c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
        elif depth == 0 and text.startswith(separator, i):
            found.append((i, separator))
    return found


def _steps(path: str) -> list[str]:
    """The steps of a location path (``//`` and ``/`` alike), predicates kept."""
    cuts = [i for i, _ in _top_level(path, "/")]
    pieces, start = [], 0
    for i in cuts:
        pieces.append(path[start:i])
        start = i + 1
    pieces.append(path[start:])
    return [p.strip() for p in pieces if p.strip()]


def _predicates(text: str) -> list[str]:
    """``[a][b]`` as ``["[a]", "[b]"]``."""
    out, depth, start = [], 0, 0
    for i, c in enumerate(text):
        if c == "[":
            if depth == 0:
                start = i
            depth += 1
        elif c == "]":
            depth -= 1
            if depth == 0:
                out.append(text[start : i + 1])
    return out


def _parenthesised_union(branch: str) -> str | None:
    """``(a | b)[p]`` as ``a | b``: the names it needs are those of a or b."""
    if not branch.startswith("("):
        return None
    depth, quote = 0, ""
    for i, c in enumerate(branch):
        if quote:
            quote = "" if c == quote else quote
        elif c in "'\"":
            quote = c
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return branch[1:i]
    return None
