"""List what TEI added after release 4.3.0, for validation hints.

Compares the bundled tei_all 4.3.0 (kept for documents that name that release)
with a newer tei_all.rng (by default the bundled current release, 4.12.0) and
writes src/teikit/data/tei/added-after-4.3.0.json: the elements, and the
attributes per element, that the newer release allows and 4.3.0 does not. When
a document that names 4.3.0 fails on one of them, teikit says that the current
release allows it.

Usage: python schema/added_after.py [NEWER_TEI_ALL_RNG]
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = ROOT / "src" / "teikit" / "data" / "tei" / "tei_all-4.3.0.rng"
OUT = ROOT / "src" / "teikit" / "data" / "tei" / "added-after-4.3.0.json"
R = "{http://relaxng.org/ns/structure/1.0}"


def vocabulary(path: Path) -> dict[str, set[str]]:
    """element name -> attribute names it allows (through refs, not into children)."""
    tree = etree.parse(str(path))
    defines = {d.get("name"): d for d in tree.iter(R + "define")}
    result: dict[str, set[str]] = {}

    def attributes(node: etree._Element, seen: set[str]) -> set[str]:
        names: set[str] = set()
        for child in node:
            if not isinstance(child.tag, str):
                continue
            if child.tag == R + "element":
                continue
            if child.tag == R + "attribute" and child.get("name"):
                names.add(child.get("name"))
            elif child.tag == R + "ref" and child.get("name") not in seen:
                target = defines.get(child.get("name"))
                if target is not None and target.find(R + "element") is None:
                    names |= attributes(target, seen | {child.get("name")})
            else:
                names |= attributes(child, seen)
        return names

    for element in tree.iter(R + "element"):
        name = element.get("name")
        if name:
            result.setdefault(name, set()).update(attributes(element, set()))
    return result


def release(path: Path) -> str:
    head = path.read_text(encoding="utf-8")[:2000]
    match = re.search(r"Version\s+(\d+\.\d+\.\d+)", head)
    return match.group(1) if match else "newer"


def main(argv: list[str]) -> int:
    newer = Path(argv[0]) if argv else BUNDLED.with_name("tei_all-4.12.0.rng")
    old, new = vocabulary(BUNDLED), vocabulary(newer)
    data = {
        "compared": {"bundled": "4.3.0", "newer": release(newer)},
        "elements": sorted(set(new) - set(old)),
        "attributes": {
            element: sorted(new[element] - old[element])
            for element in sorted(set(new) & set(old))
            if new[element] - old[element]
        },
    }
    OUT.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(
        f"wrote {OUT}: {len(data['elements'])} elements, {len(data['attributes'])} elements "
        "with new attributes"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
