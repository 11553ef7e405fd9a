"""Derive ``schema/teikit.rng`` from TEI P5 ``tei_all.rng`` 4.12.0, the current
release, bundled in ``src/teikit/data/tei/`` (see the README there).

The result is a *strict subset* of tei_all by construction: every change below
only narrows a pattern (a required attribute where tei_all has an optional one,
a smaller datatype choice, ``oneOrMore`` where tei_all has ``zeroOrMore``), so
every document it accepts is also valid under tei_all. It is self-contained, so
jing, Oxygen and libxml2 can use it without any catalog.

Run ``python schema/build.py`` to regenerate; ``python schema/build.py --check``
exits 1 if the committed file is stale. The test suite runs the check.

Restrictions (what this edition promises):
1. dates in ``@when/@notBefore/@notAfter/@from/@to`` are ISO dates: YYYY, YYYY-MM or YYYY-MM-DD;
2. ``persName``, ``placeName`` and ``orgName`` carry ``@ref`` — except the name
   forms inside register entries (``person``, ``place``, ``org``), which *are* the
   referents;
3. ``correspDesc`` starts with a ``correspAction type="sent"`` followed by a
   ``type="received"``; further actions, ``correspContext`` and notes may follow;
4. ``msIdentifier`` holds at least one ``idno``.
"""

from __future__ import annotations

import copy
import hashlib
import sys
from pathlib import Path

from lxml import etree

RNG = "http://relaxng.org/ns/structure/1.0"
R = f"{{{RNG}}}"
SOURCE_VERSION = "4.12.0"
SOURCE_SHA256 = "b0f115095ead2ccc6933aa3365c6f4a82cba3b2ec7eee7f76bb616d7a63b7e48"
ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "schema" / "teikit.rng"

NAME_ELEMENTS = ("persName", "placeName", "orgName")
REGISTER_ENTRIES = ("person", "place", "org")
DATE_ATTRIBUTES = ("when", "notBefore", "notAfter", "from", "to")
ISO_DATE_TYPES = ("date", "gYearMonth", "gYear")


def source_path() -> Path:
    return ROOT / "src" / "teikit" / "data" / "tei" / f"tei_all-{SOURCE_VERSION}.rng"


def rng(tag: str, **attrs: str) -> etree._Element:
    el = etree.Element(R + tag, nsmap={None: RNG})
    for key, value in attrs.items():
        el.set(key, value)
    return el


def build(source: bytes) -> bytes:
    if hashlib.sha256(source).hexdigest() != SOURCE_SHA256:
        raise SystemExit(
            f"the bundled tei_all.rng is not the expected TEI P5 {SOURCE_VERSION} file"
        )
    tree = etree.fromstring(source, etree.XMLParser(remove_blank_text=True))
    defines = {d.get("name"): d for d in tree.iter(R + "define")}

    def add_define(name: str, *children: etree._Element) -> None:
        define = rng("define", name=name)
        define.extend(children)
        tree.append(define)
        defines[name] = define

    # 1. ISO dates only.
    for name in DATE_ATTRIBUTES:
        attribute = defines[f"att.datable.w3c.attribute.{name}"].find(f".//{R}attribute")
        choice = attribute.find(R + "choice")
        for data in list(choice):
            if data.get("type") not in ISO_DATE_TYPES:
                choice.remove(data)

    # 2a. Name forms inside register entries keep tei_all's optional @ref.
    for name in NAME_ELEMENTS:
        add_define(f"teikit.{name}.entry", *copy.deepcopy(list(defines[name])))

    def reaches_name(define_name: str, seen: frozenset[str] = frozenset()) -> bool:
        if define_name in NAME_ELEMENTS:
            return True
        if not define_name.startswith("model.") or define_name in seen:
            return False
        return any(
            reaches_name(ref.get("name"), seen | {define_name})
            for ref in defines[define_name].iter(R + "ref")
        )

    def inline_classes(node: etree._Element) -> None:
        """Expand model classes that lead to a name element, and point those
        name refs at the entry copies, without descending into other elements."""
        for ref in list(node.iter(R + "ref")):
            name = ref.get("name")
            if name in NAME_ELEMENTS:
                ref.set("name", f"teikit.{name}.entry")
            elif name.startswith("model.") and reaches_name(name):
                body = copy.deepcopy(list(defines[name]))
                group = body[0] if len(body) == 1 else rng("group")
                if len(body) != 1:
                    group.extend(body)
                ref.getparent().replace(ref, group)
                inline_classes(group)

    for entry in REGISTER_ENTRIES:
        inline_classes(defines[entry].find(R + "element"))

    # 2b. Everywhere else the name elements require @ref.
    add_define(
        "teikit.attribute.ref.required",
        copy.deepcopy(defines["att.canonical.attribute.ref"].find(f"{R}optional/{R}attribute")),
    )

    def require_ref(node: etree._Element) -> bool:
        """Inline the attribute classes on the way to att.canonical.attribute.ref
        and swap that optional attribute for the required one."""
        found = False
        for ref in list(node.iter(R + "ref")):
            name = ref.get("name")
            if name == "att.canonical.attribute.ref":
                ref.set("name", "teikit.attribute.ref.required")
                found = True
            elif name.startswith("att.") and name.endswith(".attributes"):
                body = copy.deepcopy(list(defines[name]))
                group = rng("group")
                group.extend(body)
                if require_ref(group):
                    ref.getparent().replace(ref, group)
                    found = True
        return found

    for name in NAME_ELEMENTS:
        if not require_ref(defines[name].find(R + "element")):
            raise SystemExit(f"{name}: no @ref attribute found to require")

    # 3. correspDesc: a sent and a received action, anything else tei_all allows after.
    for action in ("sent", "received"):
        element = copy.deepcopy(defines["correspAction"].find(R + "element"))
        for optional in element.findall(R + "optional"):
            attribute = optional.find(R + "attribute")
            if attribute is not None and attribute.get("name") == "type":
                required = rng("attribute", name="type")
                required.append(rng("value"))
                required[0].text = action
                element.replace(optional, required)
        add_define(f"teikit.correspAction.{action}", element)
    corresp = defines["correspDesc"].find(R + "element")
    content = corresp.find(R + "choice")
    # A group, not an interleave: RELAX NG forbids interleaving patterns that
    # can match the same element name (spec section 7.4).
    group = rng("group")
    group.append(rng("ref", name="teikit.correspAction.sent"))
    group.append(rng("ref", name="teikit.correspAction.received"))
    rest = rng("zeroOrMore")
    rest.append(rng("ref", name="model.correspDescPart"))
    group.append(rest)
    corresp.replace(content, group)

    # 4. msIdentifier needs an idno.
    ms = defines["msIdentifier"].find(R + "element")
    for zero in ms.iter(R + "zeroOrMore"):
        if [c.get("name") for c in zero] == ["idno"]:
            zero.tag = R + "oneOrMore"
            break
    else:
        raise SystemExit("msIdentifier: idno pattern not found")

    tree.insert(
        0,
        etree.Comment(
            f" teikit.rng: generated by schema/build.py from TEI P5 {SOURCE_VERSION} tei_all.rng"
            f" (sha256 {SOURCE_SHA256}). Do not edit by hand. "
        ),
    )
    etree.indent(tree, space=" ")
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8") + b"\n"


def main(argv: list[str]) -> int:
    output = build(source_path().read_bytes())
    if "--check" in argv:
        if not OUT.exists() or OUT.read_bytes() != output:
            print(f"{OUT} is stale: run python schema/build.py", file=sys.stderr)
            return 1
        return 0
    OUT.write_bytes(output)
    print(f"wrote {OUT} ({len(output)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
