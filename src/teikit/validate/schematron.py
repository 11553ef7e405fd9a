"""ISO Schematron (ISO/IEC 19757-3:2020) compiled to XSLT 3.0 and run on saxonche.

lxml's ``isoschematron`` is XSLT 1 only, so it cannot run the XPath 2 rules that
TEI schemas embed. This module compiles a Schematron schema into an XSLT 3.0
stylesheet that writes SVRL (:func:`compile_schematron`), and turns the SVRL
into :class:`~teikit.errors.Diagnostic` objects with line numbers
(:func:`svrl_diagnostics`). Composition (``include``, ``extends/@href``,
abstract patterns) is :mod:`schematron_compose`; running under the trust
model is :mod:`schematron_engine`.

Supported, and held to the SchXslt2 conformance cases (docs/
schematron-conformance.md): ``ns``; ``let`` at schema (a global parameter, as
SchXslt compiles it), phase, pattern (the same name in two patterns included)
and rule level, with ``value`` or element content (data, never run);
``phase``/``active``/``@from``/``defaultPhase``; ``pattern`` with
``@documents`` (subordinate documents, read by teikit and handed in); rules in
order, the first matching one per node (every matching one in a ``group``);
``@visit-each``; abstract rules
(``extends``, in the same pattern or a ``rules`` library) and abstract patterns
(``is-a``, ``param`` with defaults); ``assert``/``report`` with ``id``,
``role``, ``flag``, ``see``/``icon``/``fpi``, ``xml:lang`` (inherited),
``diagnostics`` and ``properties`` (in the SVRL, with their language and
links); ``value-of``, ``name`` (ISO 2020: ``@path`` is an expression whose
value is written), ``emph``/``dir``/``span`` (as text); XSLT declarations in
the schema (``xsl:key``, ``xsl:function``, ``xsl:include`` …) and XSLT
instructions in messages (``xsl:copy-of``). ``flag`` is not a severity: only
``role`` is. A dynamic error in a rule is reported at the node it happened on
(``dynamic-error``) and the other rules go on. Comments and processing
instructions before the root are there to match. Query bindings ``xslt``,
``xslt2`` and ``xslt3`` all run as XSLT 3.0.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from lxml import etree

from teikit.errors import Diagnostic, SchemaError, Severity
from teikit.validate.schematron_compose import Composed, Loader, compose, parse_file, substitute

SCH = "http://purl.oclc.org/dsdl/schematron"
S = f"{{{SCH}}}"
XSL = "http://www.w3.org/1999/XSL/Transform"
SVRL = "http://purl.oclc.org/dsdl/svrl"
QUERY_BINDINGS = {"xslt", "xslt2", "xslt3", "xpath2", "xpath3", "xpath31"}

# role values mapped to severities; anything else is an error, as in Oxygen.
ROLE_SEVERITY = {
    "fatal": Severity.ERROR,
    "error": Severity.ERROR,
    "warning": Severity.WARNING,
    "warn": Severity.WARNING,
    "info": Severity.INFO,
    "information": Severity.INFO,
    "nonfatal": Severity.WARNING,
}


@dataclass(frozen=True)
class CompiledSchematron:
    """A Schematron schema ready to run: the generated XSLT and its metadata."""

    name: str
    xslt: str
    phase: str
    params: frozenset[str] = frozenset()  # schema-level lets, settable from outside
    subordinate: bool = False  # some pattern reads other documents (@documents)


# A step of a rule context we know how to turn into a select expression: an
# optional @, a (prefixed) name or *, then predicates (checked for balance apart).
_STEP_HEAD = re.compile(r"@?(?:[A-Za-z_][\w.-]*:)?(?:[A-Za-z_][\w.-]*|\*)")


def _top_level_split(text: str, separator: str) -> list[str] | None:
    """``text`` split at ``separator`` outside brackets, parentheses and strings;
    None if those do not balance."""
    parts, depth, quote, start = [], 0, "", 0
    for i, char in enumerate(text):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "[(":
            depth += 1
        elif char in ")]":
            depth -= 1
            if depth < 0:
                return None
        elif char == separator and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    if depth or quote:
        return None
    parts.append(text[start:])
    return parts


def _simple_path(pattern: str) -> bool:
    """True for a pattern made of name steps with predicates ("tei:div",
    "tei:*[@when]", "tei:rt/@from", "/tei:TEI//tei:p[1]")."""
    text = pattern.strip()
    if not text:
        return False
    pos = 0
    if text.startswith("/"):
        pos = 2 if text.startswith("//") else 1
    while True:
        head = _STEP_HEAD.match(text, pos)
        if head is None:
            return False
        pos = head.end()
        while pos < len(text) and text[pos] == "[":
            depth, quote, i = 0, "", pos
            for i in range(pos, len(text)):
                char = text[i]
                if quote:
                    quote = "" if char == quote else quote
                elif char in "'\"":
                    quote = char
                elif char == "[":
                    depth += 1
                elif char == "]":
                    depth -= 1
                    if depth == 0:
                        break
            if depth:
                return False
            pos = i + 1
        if pos == len(text):
            return True
        if text.startswith("//", pos):
            pos += 2
        elif text[pos] == "/":
            pos += 1
        else:
            return False


def _candidates(contexts: list[str]) -> str | None:
    """An expression selecting every node any of the rule ``contexts`` can match
    (for the simple patterns rule contexts nearly always are: ``root//(P)`` is
    what a pattern P matches), or None when a context is not that simple."""
    alternatives: list[str] = []
    for context in contexts:
        parts = _top_level_split(context, "|")
        if not parts or not all(_simple_path(p) for p in parts):
            return None
        alternatives.extend(_strip_predicates(p.strip()) for p in parts)
    return "//(" + " | ".join(alternatives) + ")" if alternatives else None


def _quote(text: str) -> str:
    """An XSLT attribute value that is taken literally (no AVT braces)."""
    return text.replace("{", "{{").replace("}", "}}")


def _strip_predicates(step_path: str) -> str:
    """``tei:p[@n = current()/@n]/@rend`` → ``tei:p/@rend``: predicates that mean
    something else outside the rule context (``current()`` is the rule's node
    there, the root here; a ``$variable`` may be the rule's) are left out, which
    keeps the selection a superset of what the context matches. Other
    predicates stay: they keep the selection small."""
    out: list[str] = []
    predicate: list[str] = []
    depth, quote = 0, ""
    dropping = False  # a predicate of this step was left out: so are the later ones
    for char in step_path:
        if depth == 0 and char == "/":
            dropping = False
        target = out if depth == 0 else predicate
        if quote:
            quote = "" if char == quote else quote
            target.append(char)
            continue
        if char in "'\"" and depth:
            quote = char
            target.append(char)
        elif char == "[":
            depth += 1
            predicate.append(char)
        elif char == "]":
            depth -= 1
            predicate.append(char)
            if depth == 0:
                text = "".join(predicate)
                dropping = dropping or "current(" in text or "$" in text
                if not dropping:  # ([2] after a dropped one would not be a superset)
                    out.append(text)
                predicate = []
        else:
            target.append(char)
    return "".join(out)


TK = "https://teikit.org/ns/schematron"  # teikit's own SVRL extensions and parameters
_TK = f"{{{TK}}}"
ERR = "http://www.w3.org/2005/xqt-errors"
SUBORDINATE = f"Q{{{TK}}}subordinate"  # parameter: URI -> subordinate document
COLLECT = f"Q{{{TK}}}collect"  # parameter: list the subordinate documents' URIs only


def clark(eqname: str) -> str:
    """``Q{uri}local`` as saxonche names a parameter: ``{uri}local``."""
    return eqname[1:] if eqname.startswith("Q{") else eqname


_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_WORDS = {"true": True, "1": True, "yes": True}


class _Compiler:
    """One composed schema to one XSLT 3.0 stylesheet that writes SVRL."""

    def __init__(
        self,
        composed: Composed,
        phase: str | None,
        name: str,
        fired_rules: bool,
        include_xslt: Callable[[etree._Element], list[etree._Element]] | None,
    ):
        self.schema = composed.schema
        self.instance_params = composed.params
        self.name = name
        self.fired_rules = fired_rules
        self.include_xslt = include_xslt
        binding = self.schema.get("queryBinding", "xslt").lower()
        if binding not in QUERY_BINDINGS:
            raise SchemaError(
                f"{name}: queryBinding '{binding}' is not supported (use xslt, xslt2 or xslt3)"
            )
        self.diagnostics = {d.get("id"): d for d in self.schema.iter(S + "diagnostic")}
        self.properties = {p.get("id"): p for p in self.schema.iter(S + "property")}
        self.library_rules = {
            r.get("id"): r
            for rules in self.schema.findall(S + "rules")
            for r in rules.findall(S + "rule")
        }
        self.phase = self._choose_phase(phase)

    # -- which patterns ---------------------------------------------------------

    def _choose_phase(self, phase: str | None) -> str:
        phases = {p.get("id"): p for p in self.schema.findall(S + "phase")}
        chosen = phase or self.schema.get("defaultPhase") or "#ALL"
        if chosen not in ("#ALL", "#DEFAULT") and chosen not in phases:
            known = ", ".join(sorted(phases)) or "none"
            raise SchemaError(f"{self.name}: no phase '{chosen}' (phases: {known})")
        if chosen == "#DEFAULT":
            chosen = self.schema.get("defaultPhase") or "#ALL"
        self.phase_el = phases.get(chosen)
        return chosen

    def patterns(self) -> list[etree._Element]:
        # A group (ISO 2020) is a pattern in which every matching rule fires.
        concrete = [el for el in self.schema if el.tag in (S + "pattern", S + "group")]
        if self.phase_el is None:
            return concrete
        active = {a.get("pattern") for a in self.phase_el.findall(S + "active")}
        return [p for p in concrete if p.get("id") in active]

    # -- rules ------------------------------------------------------------------

    def _abstract_rule(self, pattern: etree._Element, target: str) -> etree._Element:
        """The abstract rule ``extends rule=target`` names: in the same pattern, or
        in the schema's ``rules`` library; anywhere else is an error (ISO 6.4)."""
        for rule in pattern.findall(S + "rule"):
            if rule.get("id") == target:
                if rule.get("abstract") != "true":
                    raise SchemaError(f"{self.name}: extends rule='{target}' names a rule "
                                      "that is not abstract")  # fmt: skip
                return rule
        if target in self.library_rules:
            return self.library_rules[target]
        elsewhere = [r for r in self.schema.iter(S + "rule") if r.get("id") == target]
        if elsewhere:
            raise SchemaError(
                f"{self.name}: extends rule='{target}' names a rule of another pattern; "
                "an abstract rule can only be extended in its own pattern"
            )
        raise SchemaError(f"{self.name}: extends rule='{target}' names no abstract rule")

    def body(
        self, pattern: etree._Element, rule: etree._Element, seen: frozenset[str] = frozenset()
    ) -> list[etree._Element]:
        """A rule's lets and checks, with what it extends put in place."""
        found: list[etree._Element] = []
        for child in rule:
            if child.tag in (S + "let", S + "assert", S + "report"):
                found.append(child)
            elif child.tag == S + "extends":
                target = child.get("rule", "")
                if target in seen:
                    raise SchemaError(f"{self.name}: abstract rule '{target}' extends itself")
                found += self.body(pattern, self._abstract_rule(pattern, target), seen | {target})
        return found

    # -- output -----------------------------------------------------------------

    def content(
        self, parent: etree._Element, source: etree._Element, params: dict[str, str]
    ) -> None:
        """Copy the content of a message (assertion, diagnostic, property): text,
        value-of and name as XSLT, XSLT instructions as they are, other elements
        as literal results. Whitespace-only text is dropped, as XSLT does."""
        if source.text and source.text.strip():
            self.text(parent, source.text)
        for child in source:
            if not isinstance(child.tag, str):
                pass
            elif child.tag == S + "value-of":
                select = substitute(child.get("select", "."), params)
                etree.SubElement(parent, f"{{{XSL}}}value-of", select=select)
            elif child.tag == S + "name":
                path = child.get("path")
                # ISO 2020: the value of @path; without it, the context node's name.
                select = substitute(path, params) if path else "name(.)"
                etree.SubElement(parent, f"{{{XSL}}}value-of", select=select)
            elif child.tag in (S + "emph", S + "dir", S + "span"):
                self.content(parent, child, params)  # their text
            elif etree.QName(child).namespace == XSL:
                instruction = copy.deepcopy(child)
                for el in instruction.iter():
                    for key, value in el.attrib.items():
                        el.set(key, substitute(value, params))
                instruction.tail = None
                parent.append(instruction)
            else:  # a foreign element: a literal result, taken literally
                literal = etree.SubElement(parent, child.tag)
                for key, value in child.attrib.items():
                    literal.set(key, _quote(value))
                self.content(literal, child, params)
            if child.tail and child.tail.strip():
                self.text(parent, child.tail)

    @staticmethod
    def text(parent: etree._Element, text: str) -> None:
        el = etree.SubElement(parent, f"{{{XSL}}}text")
        el.text = text

    def lets(self, parent: etree._Element, source: etree._Element, kind: str = "variable") -> None:
        for let in source.findall(S + "let"):
            self.let(parent, let, kind)

    def let(self, parent: etree._Element, let: etree._Element, kind: str) -> etree._Element:
        var = etree.SubElement(parent, f"{{{XSL}}}{kind}", name=let.get("name"))
        if let.get("as"):
            var.set("as", let.get("as"))
        if let.get("value") is not None:
            var.set("select", let.get("value"))
            return var
        # ISO 2020: element content is the value, as data: nodes taken literally
        # (an xsl:message in it is an element, never run).
        var.set("as", let.get("as") or "node()*")
        if let.text and let.text.strip():
            self.text(var, let.text)
        for child in let:
            if isinstance(child.tag, str):
                var.append(_literal(child))
            if child.tail and child.tail.strip():
                self.text(var, child.tail)
        return var

    def compile(self) -> tuple[str, bool]:
        """The stylesheet, and whether it reads subordinate documents."""
        nsmap: dict[str | None, str] = {"xsl": XSL, "svrl": SVRL}
        ns_decls = [(n.get("prefix"), n.get("uri")) for n in self.schema.iter(S + "ns")]
        for prefix, uri in ns_decls:
            nsmap[prefix] = uri
        # Rules written for XSLT 2/3 routinely use xs: (xs:date(...)) without
        # declaring it, as Oxygen and SchXslt accept: bind it unless taken.
        nsmap.setdefault("xs", "http://www.w3.org/2001/XMLSchema")
        nsmap.setdefault("tkx", TK)
        literal_lets = any(let.get("value") is None for let in self.schema.iter(S + "let"))
        if literal_lets:
            nsmap.setdefault("tkxa", ALIAS)
        sheet = etree.Element(
            f"{{{XSL}}}stylesheet",
            nsmap=nsmap,
            version="3.0",
            attrib={"exclude-result-prefixes": "#all"},
        )
        self.top_level_xslt(sheet)
        etree.SubElement(sheet, f"{{{XSL}}}output", method="xml", indent="no")
        if literal_lets:  # XSLT elements in let content are data: written via an alias
            etree.SubElement(
                sheet,
                f"{{{XSL}}}namespace-alias",
                {"stylesheet-prefix": "tkxa", "result-prefix": "xsl"},
            )
        patterns = self.patterns()
        subordinate = any(p.get("documents") for p in patterns)
        for name, kind, default in (
            (SUBORDINATE, "map(xs:string, document-node())", "map{}"),
            (COLLECT, "xs:boolean", "false()"),
        ):
            etree.SubElement(sheet, f"{{{XSL}}}param", name=name, select=default).set("as", kind)
        # Schema-level lets are global parameters, as SchXslt compiles them: their
        # value is the default, and the caller may set them (teikit-documents).
        self.lets(sheet, self.schema, "param")
        if self.phase_el is not None:
            self.lets(sheet, self.phase_el)
        # A pattern's lets are global variables, so that rule contexts can use
        # them; a name two patterns declare is passed down each pattern's
        # templates instead (a tunnel parameter), each with its own value.
        counts: dict[str, int] = {}
        for pattern in patterns:
            for let in pattern.findall(S + "let"):
                counts[let.get("name")] = counts.get(let.get("name"), 0) + 1
        tunnelled = frozenset(name for name, n in counts.items() if n > 1)
        for pattern in patterns:
            for let in pattern.findall(S + "let"):
                if let.get("name") not in tunnelled:
                    self.let(sheet, let, "variable")

        root = etree.SubElement(sheet, f"{{{XSL}}}template", match="/")
        if subordinate:
            # First pass (collect): the URIs of the subordinate documents, which
            # teikit then reads itself and hands in (docs/security.md).
            choose = etree.SubElement(root, f"{{{XSL}}}choose")
            when = etree.SubElement(choose, f"{{{XSL}}}when", test=f"${COLLECT}")
            uris = etree.SubElement(when, f"{_TK}uris")
            for pattern in patterns:
                if pattern.get("documents"):
                    each = etree.SubElement(
                        uris, f"{{{XSL}}}for-each", select=_documents(pattern.get("documents"))
                    )
                    uri = etree.SubElement(each, f"{_TK}uri")
                    etree.SubElement(uri, f"{{{XSL}}}value-of", select=".")
            root = etree.SubElement(choose, f"{{{XSL}}}otherwise")
        primary = f"Q{{{TK}}}primary"  # the document's URI, once
        if self.fired_rules:
            etree.SubElement(root, f"{{{XSL}}}variable", name=primary, select="document-uri(/)")
        out = etree.SubElement(root, f"{{{SVRL}}}schematron-output", phase=self.phase)
        if self.schema.findtext(S + "title"):
            out.set("title", _quote(" ".join(self.schema.findtext(S + "title").split())))
        if self.schema.get("schemaVersion"):
            out.set("schemaVersion", _quote(self.schema.get("schemaVersion")))
        for prefix, uri in ns_decls:
            etree.SubElement(
                out, f"{{{SVRL}}}ns-prefix-in-attribute-values", prefix=prefix, uri=uri
            )
        phase_from = self.phase_el.get("from") if self.phase_el is not None else None
        # A pattern whose rule contexts are paths visits only the nodes they can
        # match; the others walk the whole document, as the ISO skeleton does.
        # (tei_all embeds 93 patterns: 93 walks of every node took 5 ms a letter.)
        direct: dict[int, str] = {}
        for i, pattern in enumerate(patterns):
            rules = [r for r in pattern.findall(S + "rule") if r.get("abstract") != "true"]
            select = _candidates([r.get("context", "") for r in rules])
            if select is not None and not pattern.get("documents") and not phase_from:
                direct[i] = select
        for i, pattern in enumerate(patterns):
            passed = [let for let in pattern.findall(S + "let") if let.get("name") in tunnelled]
            for let in passed:
                self.let(out, let, "variable")
            applies = []
            docs = f"Q{{{TK}}}docs{i}"
            if pattern.get("documents"):
                etree.SubElement(
                    out,
                    f"{{{XSL}}}variable",
                    name=docs,
                    select=_documents(pattern.get("documents")),
                )
            active = etree.SubElement(out, f"{{{SVRL}}}active-pattern")
            for key in ("id", "role"):
                if pattern.get(key):
                    active.set(key, _quote(pattern.get(key)))
            if pattern.findtext(S + "title"):
                active.set("name", _quote(" ".join(pattern.findtext(S + "title").split())))
            if pattern.get("documents"):
                active.set("documents", f"{{string-join(${docs}, ' ')}}")
                each = etree.SubElement(out, f"{{{XSL}}}for-each", select=f"${docs}")
                pick = etree.SubElement(each, f"{{{XSL}}}choose")
                when = etree.SubElement(pick, f"{{{XSL}}}when", test=f"exists(${SUBORDINATE}(.))")
                applies.append(
                    etree.SubElement(
                        when, f"{{{XSL}}}apply-templates", select=f"${SUBORDINATE}(.)", mode=f"M{i}"
                    )
                )
                missing = etree.SubElement(pick, f"{{{XSL}}}otherwise")
                etree.SubElement(missing, f"{_TK}unavailable", uri="{.}")
            else:
                if self.fired_rules:  # the full SVRL; diagnostics need none of it
                    active.set("documents", f"{{${primary}}}")
                select = direct.get(i) or (f"({phase_from})" if phase_from else "/")
                applies.append(
                    etree.SubElement(out, f"{{{XSL}}}apply-templates", select=select, mode=f"M{i}")
                )
            for apply in applies:
                for let in passed:
                    name = let.get("name")
                    etree.SubElement(
                        apply, f"{{{XSL}}}with-param", name=name, select=f"${name}", tunnel="yes"
                    )
        for i, pattern in enumerate(patterns):
            self.pattern_templates(sheet, i, pattern, i in direct, tunnelled)
        return etree.tostring(sheet, encoding="unicode"), subordinate

    def top_level_xslt(self, sheet: etree._Element) -> None:
        """The schema's own XSLT declarations (xsl:key, xsl:function …), copied;
        an xsl:include is inlined when ``include_xslt`` reads it for us."""
        for child in self.schema:
            if not isinstance(child.tag, str) or etree.QName(child).namespace != XSL:
                continue
            local = etree.QName(child).localname
            if local in ("include", "import") and self.include_xslt is not None:
                for declaration in self.include_xslt(child):
                    sheet.append(copy.deepcopy(declaration))
            elif local == "import":
                sheet.insert(0, copy.deepcopy(child))  # imports come first
            else:
                sheet.append(copy.deepcopy(child))

    def pattern_templates(
        self,
        sheet: etree._Element,
        i: int,
        pattern: etree._Element,
        direct: bool,
        tunnelled: frozenset[str],
    ) -> None:
        mode = f"M{i}"
        skip = "deep-skip" if direct else "shallow-skip"
        etree.SubElement(sheet, f"{{{XSL}}}mode", name=mode, **{"on-no-match": skip})
        params = self.instance_params.get(pattern, {})
        passed = [
            let.get("name") for let in pattern.findall(S + "let") if let.get("name") in tunnelled
        ]
        rules = [r for r in pattern.findall(S + "rule") if r.get("abstract") != "true"]
        for j, rule in enumerate(rules):
            # Within a pattern the first matching rule wins (ISO 6.5).
            template = etree.SubElement(
                sheet,
                f"{{{XSL}}}template",
                match=rule.get("context", ""),
                mode=mode,
                priority=str(len(rules) - j + 1),
            )
            for name in passed:
                etree.SubElement(template, f"{{{XSL}}}param", name=name, tunnel="yes")
            if self.fired_rules:
                fired = etree.SubElement(
                    template, f"{{{SVRL}}}fired-rule", context=_quote(rule.get("context", ""))
                )
                for key in ("id", "role", "flag"):
                    if rule.get(key):
                        fired.set(key, _quote(rule.get(key)))
                fired.set("document", "{(document-uri(root(.)), base-uri(root(.)))[1]}")
            # A dynamic error in a rule is a finding at its node, not the end of
            # the run: the other rules and patterns go on.
            attempt = etree.SubElement(template, f"{{{XSL}}}try")
            holder = attempt
            visit = rule.get("visit-each")
            if visit:  # ISO 2020: the assertions run on each item it selects
                etree.SubElement(holder, f"{{{XSL}}}variable", name=f"Q{{{TK}}}node", select=".")
                holder = etree.SubElement(holder, f"{{{XSL}}}for-each", select=visit)
            location = f"path($Q{{{TK}}}node)" if visit else "path(.)"
            for item in self.body(pattern, rule):
                if item.tag == S + "let":
                    self.let(holder, item, "variable")
                else:  # each check on its own: one that fails spoils no other
                    inner = etree.SubElement(holder, f"{{{XSL}}}try")
                    self.check(inner, item, rule, pattern, params, location)
                    _catch(inner)
            _catch(attempt)  # a let that fails: the rule's checks cannot run
            if pattern.tag == S + "group":
                # Every rule fires: on to the next matching one; the mode's
                # built-in rule at the end of the chain goes on into the children.
                etree.SubElement(template, f"{{{XSL}}}next-match")
            elif not direct:  # walking: go on into the attributes and children
                etree.SubElement(
                    template, f"{{{XSL}}}apply-templates", select="@*|node()", mode=mode
                )

    def check(
        self,
        parent: etree._Element,
        check: etree._Element,
        rule: etree._Element,
        pattern: etree._Element,
        params: dict[str, str],
        location: str,
    ) -> None:
        test = check.get("test", "true()")
        is_assert = check.tag == S + "assert"
        cond = etree.SubElement(parent, f"{{{XSL}}}if", test=f"not({test})" if is_assert else test)
        result = etree.SubElement(
            cond,
            f"{{{SVRL}}}failed-assert" if is_assert else f"{{{SVRL}}}successful-report",
            test=_quote(test),
            location=f"{{{location}}}",
        )
        for key in ("id", "role", "flag", "see", "icon", "fpi"):
            value = check.get(key) or (rule.get(key) if key in ("role", "flag") else None)
            if value:
                result.set(key, _quote(value))
        if check.get(_XML_LANG):
            result.set(_XML_LANG, check.get(_XML_LANG))
        if pattern.get("id"):
            result.set(f"{_TK}pattern", _quote(pattern.get("id")))
        if pattern.get("documents"):
            result.set(f"{_TK}document", "{(document-uri(root(.)), base-uri(root(.)))[1]}")
        for ref in check.get("diagnostics", "").split():
            if ref not in self.diagnostics:
                raise SchemaError(f"{self.name}: diagnostics='{ref}' names no diagnostic")
            d = etree.SubElement(result, f"{{{SVRL}}}diagnostic-reference", diagnostic=ref)
            self.reference_text(d, self.diagnostics[ref], params)
        for ref in check.get("properties", "").split():
            if ref not in self.properties:
                raise SchemaError(f"{self.name}: properties='{ref}' names no property")
            prop = self.properties[ref]
            p = etree.SubElement(result, f"{{{SVRL}}}property-reference", property=ref)
            for key in ("role", "scheme"):
                if prop.get(key):
                    p.set(key, _quote(prop.get(key)))
            self.reference_text(p, prop, params)
        self.content(etree.SubElement(result, f"{{{SVRL}}}text"), check, params)

    def reference_text(
        self, parent: etree._Element, source: etree._Element, params: dict[str, str]
    ) -> None:
        """The svrl:text of a diagnostic or property, with its language and links."""
        text = etree.SubElement(parent, f"{{{SVRL}}}text")
        for key in ("see", "icon", "fpi"):
            if source.get(key):
                text.set(key, _quote(source.get(key)))
        if source.get(_XML_LANG):
            text.set(_XML_LANG, source.get(_XML_LANG))
        self.content(text, source, params)


def _catch(attempt: etree._Element) -> None:
    """The xsl:catch of a rule or a check: a dynamic error becomes a finding at
    the node (tkx:error), and the run goes on."""
    catch = etree.SubElement(attempt, f"{{{XSL}}}catch")
    error = etree.SubElement(catch, f"{_TK}error", location="{path(.)}")
    error.set("code", f"{{$Q{{{ERR}}}code}}")
    etree.SubElement(error, f"{{{XSL}}}value-of", select=f"$Q{{{ERR}}}description")


ALIAS = "https://teikit.org/ns/schematron/xsl-alias"


def _literal(node: etree._Element) -> etree._Element:
    """Let content as data: a copy in which XSLT elements (and attributes) move
    to the alias namespace (written out as XSLT) and braces are not templates."""
    copied = copy.deepcopy(node)
    for el in copied.iter():
        if not isinstance(el.tag, str):
            continue
        if etree.QName(el).namespace == XSL:
            el.tag = f"{{{ALIAS}}}{etree.QName(el).localname}"
        for key in list(el.attrib):
            value = el.attrib.pop(key)
            qname = etree.QName(key)
            name = f"{{{ALIAS}}}{qname.localname}" if qname.namespace == XSL else key
            el.set(name, _quote(value))
    copied.tail = None
    return copied


def _documents(expression: str) -> str:
    """The absolute URIs a pattern's @documents expression selects (ISO 2020),
    relative ones resolved against the document's own URI, never xml:base."""
    return (
        f"distinct-values(for $Q{{{TK}}}u in ({expression}) "
        f"return resolve-uri(string($Q{{{TK}}}u), string(document-uri(/))))"
    )


def compile_schematron(
    schema: etree._Element | str | Path,
    *,
    phase: str | None = None,
    name: str = "",
    fired_rules: bool = True,
    load: Loader = parse_file,
    include_xslt: Callable[[etree._Element], list[etree._Element]] | None = None,
) -> CompiledSchematron:
    """Compile a Schematron schema (element or file path) to XSLT 3.0 text.

    ``fired_rules=False`` leaves svrl:fired-rule out of the SVRL: diagnostics do
    not need it, and one per rule and matching node is most of the output.
    ``load`` reads the files ``include`` and ``extends/@href`` name (the caller
    decides what may be read); ``include_xslt``, when given, returns the
    top-level declarations of an ``xsl:include`` so that they are inlined (for
    code that may not read files when it runs)."""
    if not isinstance(schema, etree._Element):
        name = name or str(schema)
        schema = read_schematron(Path(schema), name)
    if schema.tag != S + "schema":
        raise SchemaError(f"{name}: not an ISO Schematron schema (root is {schema.tag})")
    url = schema.getroottree().docinfo.URL  # where it was read from, if from a file
    base = None
    if url:
        base = Path(unquote(urlsplit(url).path)) if url.startswith("file:") else Path(url)
    composed = compose(schema, base=base, load=load)
    compiler = _Compiler(composed, phase, name or "schematron", fired_rules, include_xslt)
    text, subordinate = compiler.compile()
    params = frozenset(let.get("name", "") for let in composed.schema.findall(S + "let"))
    return CompiledSchematron(
        name=name, xslt=text, phase=compiler.phase, params=params, subordinate=subordinate
    )


def read_schematron(path: Path, name: str = "") -> etree._Element:
    """A Schematron file's root element, parsed with no network, DTD or entities."""
    try:
        return etree.parse(
            str(path),
            etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False),
        ).getroot()
    except (OSError, etree.XMLSyntaxError) as exc:
        raise SchemaError(f"{name or path}: cannot read Schematron: {exc}") from exc


def embedded_schematron(rng: etree._Element) -> etree._Element | None:
    """Collect the Schematron patterns embedded in a RELAX NG schema into one
    ISO schema (TEI-generated schemas rely on the grammar's ``tei:`` prefix)."""
    patterns = list(rng.iter(S + "pattern"))
    if not patterns:
        return None
    schema = etree.Element(S + "schema", nsmap={"sch": SCH}, queryBinding="xslt2")
    namespaces: dict[str, str] = {}
    for el in [rng, *patterns]:
        for prefix, uri in el.nsmap.items():
            if prefix and uri not in (SCH, "http://relaxng.org/ns/structure/1.0"):
                namespaces.setdefault(prefix, uri)
    for ns in rng.iter(S + "ns"):
        namespaces[ns.get("prefix")] = ns.get("uri")
    for prefix, uri in sorted(namespaces.items()):
        etree.SubElement(schema, S + "ns", prefix=prefix, uri=uri)
    for pattern in patterns:
        schema.append(copy.deepcopy(pattern))
    return schema


# -- SVRL to diagnostics -----------------------------------------------------

_STEP = re.compile(r"^(@)?(?:Q\{([^}]*)\})?([^\[\]]+)(?:\[(\d+)\])?$")


def _steps(path: str) -> list[str]:
    steps, depth, current = [], 0, ""
    for ch in path:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        if ch == "/" and depth == 0:
            if current:
                steps.append(current)
            current = ""
        else:
            current += ch
    if current:
        steps.append(current)
    return steps


def locate(root: etree._Element, path: str) -> tuple[etree._Element | None, str | None]:
    """Follow an XPath 3 ``path()`` result through an lxml tree.

    Returns the element (for an attribute, its parent element; for a comment or
    processing instruction, that node) and the attribute name.
    """
    element: etree._Element | None = None
    for step in _steps(path):
        match = _STEP.match(step)
        if not match:
            return element, None
        is_attr, ns, local, index = match.groups()
        if is_attr:
            return element, f"{{{ns}}}{local}" if ns else local
        if local.startswith(("text()", "comment()", "processing-instruction(")):
            if element is None:  # before or after the root element
                return _top_level(root, local, int(index or 1)), None
            return element, None
        tag = f"{{{ns}}}{local}" if ns else local
        if element is None:
            element = root if root.tag == tag else None
            if element is None:
                return None, None
            continue
        n = int(index or 1)
        matches = [c for c in element if c.tag == tag]
        if len(matches) < n:
            return element, None
        element = matches[n - 1]
    return element, None


_NOT_ELEMENTS = (etree._Comment, etree._ProcessingInstruction)


def _top_level(root: etree._Element, step: str, n: int) -> etree._Element | None:
    """The n-th comment or processing instruction beside the root element."""
    siblings = [*reversed(list(root.itersiblings(preceding=True))), *root.itersiblings()]
    if step.startswith("comment()"):
        kind = etree._Comment
    elif step.startswith("processing-instruction("):
        kind = etree._ProcessingInstruction
    else:
        return None
    nodes = [node for node in siblings if isinstance(node, kind)]
    if step.startswith("processing-instruction(") and not step.startswith(
        "processing-instruction()"
    ):
        target = step[len("processing-instruction(") : step.index(")")]
        nodes = [node for node in nodes if node.target == target]
    return nodes[n - 1] if len(nodes) >= n else None


def svrl_diagnostics(
    svrl: etree._Element,
    root: etree._Element,
    file: str,
    schema: str,
    xpath_of=None,
    positions: Callable[[etree._Element, str | None], tuple[int, int]] | None = None,
    subordinate: Mapping[str, tuple[str, etree._Element]] | None = None,
) -> list[Diagnostic]:
    """Turn SVRL failed-asserts and successful-reports into diagnostics, and
    teikit's own additions: a rule that failed on a node (``dynamic-error``) and
    a subordinate document that could not be had (``document-unavailable``).

    ``positions`` (see relaxng.source_positions) gives the line and column of the
    element or attribute a finding is about; without it the line is lxml's and
    the column 0. ``subordinate`` maps the URI of each subordinate document to
    its display path and root, for findings in those. Severity comes from
    ``role`` only: ``flag`` is not a severity (ISO 2020)."""
    results: list[Diagnostic] = []
    primary = root
    for el in svrl.iter(
        f"{{{SVRL}}}failed-assert",
        f"{{{SVRL}}}successful-report",
        f"{_TK}error",
        f"{_TK}unavailable",
    ):
        where_file, root, where_positions = file, primary, positions
        uri = el.get(f"{_TK}document")
        if uri and subordinate and uri in subordinate:
            where_file, root = subordinate[uri]
            where_positions = None
        if el.tag == f"{_TK}unavailable":
            results.append(
                Diagnostic(
                    file, 0, 0, Severity.ERROR,
                    f"subordinate document not available: {el.get('uri', '')} (it must be a "
                    "local XML file; for a schema a document names, inside the folders "
                    "being validated)",
                    code="document-unavailable", source="schematron", schema=schema,
                )
            )  # fmt: skip
            continue
        location = el.get("location", "")
        element, attribute = locate(root, location)
        line = element.sourceline if element is not None and element.sourceline else 0
        column = 0
        # A comment or processing instruction beside the root: its line only.
        located = None if isinstance(element, _NOT_ELEMENTS) else element
        if where_positions is not None and located is not None:
            line, column = where_positions(located, attribute)
        own = xpath_of and located is not None and root is primary
        xpath = xpath_of(located) if own else location
        if el.tag == f"{_TK}error":
            message = " ".join("".join(el.itertext()).split())
            code = el.get("code", "").rpartition("}")[2] or el.get("code", "")
            results.append(
                Diagnostic(
                    where_file, line, column, Severity.ERROR,
                    f"a rule of {schema} failed here with a dynamic error ({code}): {message}",
                    code="dynamic-error", source="schematron", xpath=xpath, schema=schema,
                )
            )  # fmt: skip
            continue
        is_assert = el.tag.endswith("failed-assert")
        text = (
            " ".join("".join(el.find(f"{{{SVRL}}}text").itertext()).split())
            if el.find(f"{{{SVRL}}}text") is not None
            else ""
        )
        for ref in el.findall(f"{{{SVRL}}}diagnostic-reference"):
            extra = " ".join("".join(ref.itertext()).split())
            if extra:
                text = f"{text} ({extra})" if text else extra
        role = (el.get("role") or "error").lower()
        results.append(
            Diagnostic(
                file=where_file,
                line=line,
                column=column,
                severity=ROLE_SEVERITY.get(role, Severity.ERROR),
                message=text
                or f"{'assertion failed' if is_assert else 'report'}: {el.get('test', '')}",
                code=el.get("id") or el.get(f"{_TK}pattern") or "",
                source="schematron",
                xpath=xpath,
                schema=schema,
            )
        )
    return results
