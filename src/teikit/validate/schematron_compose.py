"""ISO Schematron schema composition, before anything is compiled: ``include``
and ``extends/@href`` (other files, recursively), abstract patterns (``is-a``
with ``param``, and the defaults an abstract pattern gives its parameters), and
the language of every message (``xml:lang`` inherited from where it was
written, so that it survives being moved).

The result is one self-contained ``sch:schema`` tree, a copy: the caller's
tree is not changed. Files are read through a *loader*, so that the caller
decides what may be read (see :mod:`teikit.sandbox`): a schema a document names
reads only inside the allowed roots, and each file it includes is vetted.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from lxml import etree

from teikit.errors import SchemaError

SCH = "http://purl.oclc.org/dsdl/schematron"
S = f"{{{SCH}}}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"
# Elements whose text is a message: they carry their language with them.
_MESSAGES = (S + "assert", S + "report", S + "diagnostic", S + "property")

# A loader reads a schema file (an absolute path) and returns its root element,
# or raises SchemaError (SandboxError for what untrusted code may not read). It
# is also given the file and element that named it, to locate a refusal.
Referrer = tuple[Path, etree._Element]
Loader = Callable[[Path, Referrer | None], etree._Element]


def parse_file(path: Path, referrer: Referrer | None = None) -> etree._Element:
    """The default loader: any regular local file, no network, DTD or entities."""
    if not path.is_file():
        raise SchemaError(f"{path}: included file not found")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        return etree.parse(str(path), parser).getroot()
    except (OSError, etree.XMLSyntaxError) as exc:
        raise SchemaError(f"{path}: cannot read: {exc}") from None


@dataclass
class Composed:
    """A schema with everything included and every abstract pattern instantiated."""

    schema: etree._Element
    # For each instance of an abstract pattern: its parameters, which also apply
    # to the diagnostics and properties its assertions name.
    params: dict[etree._Element, dict[str, str]] = field(default_factory=dict)


def compose(schema: etree._Element, *, base: Path | None, load: Loader = parse_file) -> Composed:
    """``schema`` with includes resolved and abstract patterns instantiated.

    ``base`` is the file relative ``href`` values resolve against (None: the
    current folder)."""
    root = copy.deepcopy(schema)
    _inherit_languages(root)
    _resolve(root, base or Path.cwd() / "schema.sch", load, ())
    composed = Composed(root)
    _instantiate_patterns(composed)
    return composed


# --------------------------------------------------------------------------- languages


def _inherit_languages(root: etree._Element) -> None:
    """Give every message element the xml:lang in scope where it was written."""
    for el in root.iter(*_MESSAGES):
        if el.get(XML_LANG) is None:
            for ancestor in el.iterancestors():
                if ancestor.get(XML_LANG) is not None:
                    el.set(XML_LANG, ancestor.get(XML_LANG))
                    break


# --------------------------------------------------------------------------- include, extends


def _target(href: str, base: Path) -> tuple[Path, str]:
    """The file and fragment an ``href`` names, relative to ``base``'s folder."""
    url = urljoin(base.resolve().as_uri(), href)
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        raise SchemaError(
            f"{base}: cannot include {href}: only local files are included, never URLs"
        )
    return Path(unquote(parts.path)), parts.fragment


def _by_id(root: etree._Element, fragment: str) -> etree._Element | None:
    for el in root.iter():
        if isinstance(el.tag, str) and fragment in (el.get(XML_ID), el.get("id")):
            return el
    return None


def _resolve(el: etree._Element, base: Path, load: Loader, stack: tuple[Path, ...]) -> None:
    """Replace every ``include`` (and ``extends`` with ``href``) below ``el`` by
    what it names, recursively; a file including itself is an error."""
    for ref in list(el.iter(S + "include", S + "extends")):
        if ref.tag == S + "extends" and ref.get("href") is None:
            continue  # extends/@rule: an abstract rule of this pattern, later
        href = ref.get("href", "")
        path, fragment = _target(href, base)
        if path.resolve() in stack:
            raise SchemaError(f"{path}: includes itself")
        found = load(path, (base, ref))
        if fragment:
            found = _by_id(found, fragment)
            if found is None:
                raise SchemaError(f"{base}: {href} names no element with that id")
        found = copy.deepcopy(found)
        _inherit_languages(found)
        _resolve(found, path, load, (*stack, path.resolve()))
        parent = ref.getparent()
        if parent is None:
            raise SchemaError(f"{base}: an include cannot be the schema itself")
        if ref.tag == S + "extends":
            # The rule named: its content takes the place of the extends element.
            if found.tag != S + "rule":
                raise SchemaError(f"{base}: extends href={href!r} does not name a rule")
            replacement = [c for c in found if isinstance(c.tag, str)]
        elif found.tag == S + "schema" and parent.tag == S + "schema":
            replacement = [c for c in found if isinstance(c.tag, str)]
        else:
            replacement = [found]
        index = parent.index(ref)
        tail = ref.tail
        parent.remove(ref)
        for offset, node in enumerate(replacement):
            parent.insert(index + offset, node)
        if tail and replacement:
            replacement[-1].tail = (replacement[-1].tail or "") + tail


# --------------------------------------------------------------------------- abstract patterns


def substitute(text: str, params: dict[str, str]) -> str:
    """Abstract pattern parameters are textual replacement of ``$name`` (ISO 5.4.12),
    longest name first so that ``$ab`` is not read as ``$a`` followed by ``b``."""
    for name in sorted(params, key=len, reverse=True):
        text = re.sub(r"\$" + re.escape(name) + r"(?![\w.-])", lambda _m, n=name: params[n], text)
    return text


def _instantiate_patterns(composed: Composed) -> None:
    root = composed.schema
    patterns = root.findall(S + "pattern")
    abstract = {p.get("id"): p for p in patterns if p.get("abstract") == "true"}
    for pattern in patterns:
        if pattern.get("abstract") == "true":
            root.remove(pattern)
            continue
        base_id = pattern.get("is-a")
        if base_id is None:
            continue
        if base_id not in abstract:
            raise SchemaError(f"pattern is-a='{base_id}' names no abstract pattern")
        template = abstract[base_id]
        params = {p.get("name", ""): p.get("value", "") for p in template.findall(S + "param")}
        params |= {p.get("name", ""): p.get("value", "") for p in pattern.findall(S + "param")}
        instance = copy.deepcopy(template)
        for param in instance.findall(S + "param"):
            instance.remove(param)
        for key in ("abstract", "id"):
            instance.attrib.pop(key, None)
        for key, value in pattern.attrib.items():
            if key not in ("is-a", "abstract"):
                instance.set(key, value)
        for el in instance.iter():
            if isinstance(el.tag, str):
                for key, value in el.attrib.items():
                    el.set(key, substitute(value, params))
        instance.tail = pattern.tail
        root.replace(pattern, instance)
        composed.params[instance] = params
