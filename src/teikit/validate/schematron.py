"""ISO Schematron (ISO/IEC 19757-3) compiled to XSLT 3.0 and run on saxonche.

lxml's ``isoschematron`` is XSLT 1 only, so it cannot run the XPath 2 rules that
TEI schemas embed. This module compiles a Schematron schema into an XSLT 3.0
stylesheet that writes SVRL, runs it with :mod:`teikit.xslt`, and turns the SVRL
into :class:`~teikit.errors.Diagnostic` objects with line numbers.

Supported: ``ns``, ``let`` (schema, phase, pattern and rule level), ``phase`` and
``active``, ``pattern``/``rule`` including abstract patterns (``is-a`` with
``param``) and abstract rules (``extends``), ``assert``/``report`` with ``id``,
``role``, ``flag`` and ``diagnostics``, ``value-of``, ``name``, ``emph``/``dir``/
``span`` (as text), ``title``/``p`` (ignored). Query bindings ``xslt``, ``xslt2``
and ``xslt3`` all run as XSLT 3.0; XPath 1 rules behave the same in XPath 3
except for rare comparisons of mixed types.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from teikit.errors import Diagnostic, SchemaError, Severity

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
        alternatives.extend(p.strip() for p in parts)
    return "//(" + " | ".join(alternatives) + ")" if alternatives else None


def _attr(el: etree._Element, name: str, default: str = "") -> str:
    return el.get(name, default)


def _quote(text: str) -> str:
    """An XSLT attribute value that is taken literally (no AVT braces)."""
    return text.replace("{", "{{").replace("}", "}}")


def _substitute(text: str, params: dict[str, str]) -> str:
    # Abstract pattern parameters are plain textual replacement of $name (ISO 5.4.12).
    for name in sorted(params, key=len, reverse=True):
        text = re.sub(r"\$" + re.escape(name) + r"(?![\w.-])", lambda _m, n=name: params[n], text)
    return text


def _instantiate(pattern: etree._Element, abstract: dict[str, etree._Element]) -> etree._Element:
    base_id = pattern.get("is-a")
    if base_id is None:
        return pattern
    if base_id not in abstract:
        raise SchemaError(f"pattern is-a='{base_id}' names no abstract pattern")
    params = {p.get("name", ""): p.get("value", "") for p in pattern.findall(S + "param")}
    instance = copy.deepcopy(abstract[base_id])
    for key in list(instance.attrib):
        del instance.attrib[key]
    for key in ("id", "documents"):
        if pattern.get(key):
            instance.set(key, pattern.get(key))
    for el in instance.iter():
        for key, value in el.attrib.items():
            el.set(key, _substitute(value, params))
    return instance


class _Compiler:
    def __init__(
        self, schema: etree._Element, phase: str | None, name: str, fired_rules: bool = True
    ):
        self.schema = schema
        self.name = name
        self.fired_rules = fired_rules
        binding = schema.get("queryBinding", "xslt").lower()
        if binding not in QUERY_BINDINGS:
            raise SchemaError(
                f"{name}: queryBinding '{binding}' is not supported (use xslt, xslt2 or xslt3)"
            )
        self.diagnostics = {d.get("id"): d for d in schema.iter(S + "diagnostic")}
        self.abstract_rules = {
            r.get("id"): r for r in schema.iter(S + "rule") if r.get("abstract") == "true"
        }
        self.phase = self._choose_phase(phase)

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
        abstract = {
            p.get("id"): p
            for p in self.schema.findall(S + "pattern")
            if p.get("abstract") == "true"
        }
        concrete = [
            _instantiate(p, abstract)
            for p in self.schema.findall(S + "pattern")
            if p.get("abstract") != "true"
        ]
        if self.phase_el is None:
            return concrete
        active = {a.get("pattern") for a in self.phase_el.findall(S + "active")}
        return [p for p in concrete if p.get("id") in active]

    # -- output ---------------------------------------------------------------

    def message(self, parent: etree._Element, source: etree._Element) -> None:
        """Copy assertion text, turning value-of/name into XSLT instructions."""
        if source.text:
            self.text(parent, source.text)
        for child in source:
            if child.tag == S + "value-of":
                etree.SubElement(parent, f"{{{XSL}}}value-of", select=child.get("select", "."))
            elif child.tag == S + "name":
                path = child.get("path", ".")
                etree.SubElement(parent, f"{{{XSL}}}value-of", select=f"name({path})")
            elif isinstance(child.tag, str):
                self.message(parent, child)  # emph, dir, span, foreign: keep their text
            if child.tail:
                self.text(parent, child.tail)

    @staticmethod
    def text(parent: etree._Element, text: str) -> None:
        el = etree.SubElement(parent, f"{{{XSL}}}text")
        el.text = text

    def lets(self, parent: etree._Element, source: etree._Element, kind: str = "variable") -> None:
        for let in source.findall(S + "let"):
            var = etree.SubElement(parent, f"{{{XSL}}}{kind}", name=let.get("name"))
            if let.get("value") is not None:
                var.set("select", let.get("value"))
            else:  # ISO 2016: element content as the value
                for child in let:
                    var.append(copy.deepcopy(child))

    def checks(
        self, rule: etree._Element, seen: frozenset[str] = frozenset()
    ) -> Iterable[etree._Element]:
        for child in rule:
            if child.tag in (S + "assert", S + "report"):
                yield child
            elif child.tag == S + "extends":
                target = child.get("rule")
                if target not in self.abstract_rules:
                    raise SchemaError(
                        f"{self.name}: extends rule='{target}' names no abstract rule"
                    )
                if target in seen:
                    raise SchemaError(f"{self.name}: abstract rule '{target}' extends itself")
                yield from self.checks(self.abstract_rules[target], seen | {target})

    def compile(self) -> str:
        nsmap = {"xsl": XSL, "svrl": SVRL}
        ns_decls = [(n.get("prefix"), n.get("uri")) for n in self.schema.iter(S + "ns")]
        for prefix, uri in ns_decls:
            nsmap[prefix] = uri
        # Rules written for XSLT 2/3 routinely use xs: (xs:date(...)) without
        # declaring it, as Oxygen and SchXslt accept: bind it unless taken.
        nsmap.setdefault("xs", "http://www.w3.org/2001/XMLSchema")
        sheet = etree.Element(
            f"{{{XSL}}}stylesheet",
            nsmap=nsmap,
            version="3.0",
            attrib={
                "exclude-result-prefixes": " ".join(p for p in nsmap if p not in ("xsl", "svrl"))
            },
        )
        etree.SubElement(sheet, f"{{{XSL}}}output", method="xml", indent="no")
        # Schema-level lets are global parameters, as SchXslt compiles them: their
        # value is the default, and the caller may set them (teikit-documents).
        self.lets(sheet, self.schema, "param")
        if self.phase_el is not None:
            self.lets(sheet, self.phase_el)
        patterns = self.patterns()
        for pattern in patterns:
            self.lets(sheet, pattern)

        root = etree.SubElement(sheet, f"{{{XSL}}}template", match="/")
        out = etree.SubElement(root, f"{{{SVRL}}}schematron-output", phase=self.phase)
        if self.schema.findtext(S + "title"):
            out.set("title", _quote(self.schema.findtext(S + "title").strip()))
        for prefix, uri in ns_decls:
            etree.SubElement(
                out, f"{{{SVRL}}}ns-prefix-in-attribute-values", prefix=prefix, uri=uri
            )
        # A pattern whose rule contexts are simple paths visits only the nodes they
        # can match; the others walk the whole document, as the ISO skeleton does.
        # (tei_all embeds 83 patterns: 83 walks of every node took 5 ms a letter.)
        direct: dict[int, str] = {}
        for i, pattern in enumerate(patterns):
            rules = [r for r in pattern.findall(S + "rule") if r.get("abstract") != "true"]
            select = _candidates([r.get("context", "") for r in rules])
            if select is not None and not pattern.get("documents"):
                direct[i] = select
        for i, pattern in enumerate(patterns):
            active = etree.SubElement(out, f"{{{SVRL}}}active-pattern")
            for key in ("id", "documents"):
                if pattern.get(key):
                    active.set(key, _quote(pattern.get(key)))
            if pattern.findtext(S + "title"):
                active.set("name", _quote(pattern.findtext(S + "title").strip()))
            documents = pattern.get("documents")
            select = direct.get(i) or documents or "/"
            etree.SubElement(out, f"{{{XSL}}}apply-templates", select=select, mode=f"M{i}")

        for i, pattern in enumerate(patterns):
            mode = f"M{i}"
            skip = "deep-skip" if i in direct else "shallow-skip"
            etree.SubElement(sheet, f"{{{XSL}}}mode", name=mode, **{"on-no-match": skip})
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
                if self.fired_rules:
                    fired = etree.SubElement(
                        template, f"{{{SVRL}}}fired-rule", context=_quote(rule.get("context", ""))
                    )
                    for key in ("id", "role", "flag"):
                        if rule.get(key):
                            fired.set(key, _quote(rule.get(key)))
                self.lets(template, rule)
                for check in self.checks(rule):
                    self.check(template, check, rule, pattern)
                if i not in direct:  # walking: go on into the attributes and children
                    etree.SubElement(
                        template, f"{{{XSL}}}apply-templates", select="@*|node()", mode=mode
                    )
        return etree.tostring(sheet, encoding="unicode")

    def check(
        self,
        template: etree._Element,
        check: etree._Element,
        rule: etree._Element,
        pattern: etree._Element,
    ) -> None:
        test = check.get("test", "true()")
        is_assert = check.tag == S + "assert"
        cond = etree.SubElement(
            template, f"{{{XSL}}}if", test=f"not({test})" if is_assert else test
        )
        result = etree.SubElement(
            cond,
            f"{{{SVRL}}}failed-assert" if is_assert else f"{{{SVRL}}}successful-report",
            test=_quote(test),
            location="{path(.)}",
        )
        for key in ("id", "role", "flag"):
            value = check.get(key) or (rule.get(key) if key != "id" else None)
            if value:
                result.set(key, _quote(value))
        if pattern.get("id"):
            result.set("pattern", _quote(pattern.get("id")))
        text = etree.SubElement(result, f"{{{SVRL}}}text")
        self.message(text, check)
        for ref in check.get("diagnostics", "").split():
            if ref not in self.diagnostics:
                raise SchemaError(f"{self.name}: diagnostics='{ref}' names no diagnostic")
            d = etree.SubElement(result, f"{{{SVRL}}}diagnostic-reference", diagnostic=ref)
            self.message(etree.SubElement(d, f"{{{SVRL}}}text"), self.diagnostics[ref])


def compile_schematron(
    schema: etree._Element | str | Path,
    *,
    phase: str | None = None,
    name: str = "",
    fired_rules: bool = True,
) -> CompiledSchematron:
    """Compile a Schematron schema (element or file path) to XSLT 3.0 text.

    ``fired_rules=False`` leaves svrl:fired-rule out of the SVRL: diagnostics do
    not need it, and one per rule and matching node is most of the output."""
    if not isinstance(schema, etree._Element):
        name = name or str(schema)
        schema = read_schematron(Path(schema), name)
    if schema.tag != S + "schema":
        raise SchemaError(f"{name}: not an ISO Schematron schema (root is {schema.tag})")
    compiler = _Compiler(schema, phase, name or "schematron", fired_rules)
    params = frozenset(let.get("name", "") for let in schema.findall(S + "let"))
    return CompiledSchematron(
        name=name, xslt=compiler.compile(), phase=compiler.phase, params=params
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

    Returns the element (for an attribute, its parent element) and the attribute name.
    """
    node = root.getroottree()
    element: etree._Element | None = None
    for step in _steps(path):
        match = _STEP.match(step)
        if not match:
            return element, None
        is_attr, ns, local, index = match.groups()
        if is_attr:
            return element, f"{{{ns}}}{local}" if ns else local
        if local.startswith(("text()", "comment()", "processing-instruction(")):
            return element, None
        tag = f"{{{ns}}}{local}" if ns else local
        parent = node.getroot() if element is None else element
        if element is None:
            element = parent if parent.tag == tag else None
            if element is None:
                return None, None
            continue
        n = int(index or 1)
        matches = [c for c in element if c.tag == tag]
        if len(matches) < n:
            return element, None
        element = matches[n - 1]
    return element, None


def svrl_diagnostics(
    svrl: etree._Element,
    root: etree._Element,
    file: str,
    schema: str,
    xpath_of=None,
    positions: Callable[[etree._Element, str | None], tuple[int, int]] | None = None,
) -> list[Diagnostic]:
    """Turn SVRL failed-asserts and successful-reports into diagnostics.

    ``positions`` (see relaxng.source_positions) gives the line and column of the
    element or attribute a finding is about; without it the line is lxml's and
    the column 0."""
    results: list[Diagnostic] = []
    for el in svrl.iter(f"{{{SVRL}}}failed-assert", f"{{{SVRL}}}successful-report"):
        location = el.get("location", "")
        is_assert = el.tag.endswith("failed-assert")
        element, attribute = locate(root, location)
        line = element.sourceline if element is not None and element.sourceline else 0
        column = 0
        if positions is not None and element is not None:
            line, column = positions(element, attribute)
        text = (
            " ".join("".join(el.find(f"{{{SVRL}}}text").itertext()).split())
            if el.find(f"{{{SVRL}}}text") is not None
            else ""
        )
        for ref in el.findall(f"{{{SVRL}}}diagnostic-reference"):
            extra = " ".join("".join(ref.itertext()).split())
            if extra:
                text = f"{text} ({extra})" if text else extra
        role = (el.get("role") or el.get("flag") or "error").lower()
        results.append(
            Diagnostic(
                file=file,
                line=line,
                column=column,
                severity=ROLE_SEVERITY.get(role, Severity.ERROR),
                message=text
                or f"{'assertion failed' if is_assert else 'report'}: {el.get('test', '')}",
                code=el.get("id") or el.get("pattern") or "",
                source="schematron",
                xpath=xpath_of(element) if (xpath_of and element is not None) else location,
                schema=schema,
            )
        )
    return results
