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

from teikit.validate import rng_schema

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = ROOT / "src" / "teikit" / "data" / "tei" / "tei_all-4.3.0.rng"
OUT = ROOT / "src" / "teikit" / "data" / "tei" / "added-after-4.3.0.json"


def vocabulary(path: Path) -> dict[str, frozenset[str]]:
    """element name -> attribute names it allows, as teikit's RELAX NG front end reads them."""
    return rng_schema.vocabulary(rng_schema.read_schema(path))


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
