"""Offline resolution of schema references: relative paths, ``file:`` URLs, the
user's OASIS XML catalogs, and the well-known TEI URLs. Never a network call.

Order for :func:`lookup`: the user's catalogs (the explicit list, then
``XML_CATALOG_FILES``, as libxml2 reads it: space-separated), then the built-in
TEI mappings, then plain files. An ``http(s)`` URL that none of them maps is a
:class:`SchemaError` saying how to make it available offline.

Built-in TEI mappings (``http``/``https``, with or without ``www.``):

* ``tei-c.org/release/xml/tei/custom/schema/relaxng/tei_all.rng`` → the newest
  tei_all.rng available offline (user cache, else the bundled 4.12.0);
* ``tei-c.org/Vault/P5/<version>/xml/tei/custom/schema/relaxng/tei_all.rng`` →
  that release, if bundled (4.3.0, 4.12.0) or cached; otherwise the nearest newer
  release, with a warning naming the release wanted and ``teikit schema fetch``.

OASIS XML Catalogs 1.1 support: ``uri``, ``rewriteURI``, ``uriSuffix``,
``system``, ``rewriteSystem``, ``systemSuffix``, ``nextCatalog``, ``group`` and
``xml:base``. ``public`` and the ``delegate*`` entries are ignored.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote, urljoin, urlsplit

from lxml import etree

from teikit import schema_cache
from teikit.errors import SchemaError, UsageError
from teikit.schemas import UNSUPPORTED

__all__ = [
    "CATALOG_FILES_ENV",
    "OASIS_NS",
    "Catalog",
    "Resolution",
    "catalog_files",
    "load_catalog",
    "lookup",
    "resolve_href",
    "tei_url",
]

OASIS_NS = "urn:oasis:names:tc:entity:xmlns:xml:catalog"
CATALOG_FILES_ENV = "XML_CATALOG_FILES"
_O = f"{{{OASIS_NS}}}"
_XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"

TEI_HOSTS = frozenset({"tei-c.org", "www.tei-c.org"})
_TEI_RELEASE_DIR = "/release/xml/tei/custom/schema/relaxng/"
_TEI_VAULT_RE = re.compile(r"/Vault/P5/([^/]+)/xml/tei/custom/schema/relaxng/\Z")
_TEI_VERSION_RE = re.compile(r"[0-9]+(?:\.[0-9]+){1,3}\Z")

_OFFLINE_HINT = (
    "teikit never downloads schemas while validating: save a copy and point the href at it, "
    f"or map the URL to a local file in an XML catalog ({CATALOG_FILES_ENV} or --catalog)"
)


@dataclass(frozen=True)
class Resolution:
    """Where a schema reference leads."""

    path: Path
    name: str = ""  # "tei_all" for a TEI release, else ""
    version: str = ""  # the TEI release, when known
    via: str = ""  # "file", "tei", or "catalog <path>"
    warning: str = ""  # set when another release stands in for the one named


# --------------------------------------------------------------------------- TEI URLs


def tei_url(url: str) -> Resolution | None:
    """The offline copy for a well-known TEI schema URL; None if ``url`` is not one.

    Raises :class:`SchemaError` for TEI URLs that cannot be served offline.
    """
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or (parts.hostname or "") not in TEI_HOSTS:
        return None
    folder, _, filename = parts.path.rpartition("/")
    folder += "/"
    vault = _TEI_VAULT_RE.match(folder)
    if folder != _TEI_RELEASE_DIR and vault is None:
        return None
    stem, suffix = os.path.splitext(filename)
    if stem != "tei_all":
        return None
    if suffix == ".sch":
        raise SchemaError(
            f"{url}: TEI's separate tei_all.sch is not available offline (teikit keeps only "
            "tei_all.rng); to run the Schematron rules embedded in tei_all.rng, point the "
            'xml-model href at tei_all.rng with schematypens="http://purl.oclc.org/dsdl/schematron"'
        )
    if suffix in UNSUPPORTED:
        rng = url[: -len(suffix)] + ".rng"
        raise SchemaError(f"{url}: {UNSUPPORTED[suffix]}; TEI publishes the same schema as {rng}")
    if suffix != ".rng":
        return None
    version = vault.group(1) if vault else "current"
    if version == "current":
        newest = schema_cache.newest()
        return Resolution(newest.path, "tei_all", newest.version, "tei")
    if not _TEI_VERSION_RE.match(version):
        raise SchemaError(f"{url}: {version!r} is not a TEI release number such as 4.12.0")
    release = schema_cache.find(version)
    if release is not None:
        return Resolution(release.path, "tei_all", release.version, "tei")
    stand_in = schema_cache.nearest(version)
    return Resolution(
        stand_in.path,
        "tei_all",
        stand_in.version,
        "tei",
        warning=(
            f"{url}: TEI release {version} is not available offline; validated against "
            f"release {stand_in.version} instead (run: teikit schema fetch {version})"
        ),
    )


# --------------------------------------------------------------------------- OASIS catalogs


@dataclass(frozen=True)
class Catalog:
    """One parsed OASIS XML catalog file; targets are absolute URIs."""

    path: Path
    # (entry kind, match string, absolute target URI), in document order
    entries: tuple[tuple[str, str, str], ...] = ()
    next_catalogs: tuple[str, ...] = ()

    def match(self, uri: str, mode: str = "uri") -> str | None:
        """This file's answer for ``uri`` (mode ``"uri"`` or ``"system"``), or None.

        As OASIS 1.1 §7: an exact entry first, else the longest rewrite prefix,
        else the longest suffix. ``nextCatalog`` is followed by :func:`_chain_match`.
        """
        exact, rewrite, suffix = (
            ("uri", "rewriteURI", "uriSuffix")
            if mode == "uri"
            else ("system", "rewriteSystem", "systemSuffix")
        )
        uri = _normalize(uri)
        for kind, key, target in self.entries:
            if kind == exact and key == uri:
                return target
        prefixes = [(k, t) for kind, k, t in self.entries if kind == rewrite and uri.startswith(k)]
        if prefixes:
            key, target = max(prefixes, key=lambda e: len(e[0]))
            return target + uri[len(key) :]
        suffixes = [(k, t) for kind, k, t in self.entries if kind == suffix and uri.endswith(k)]
        if suffixes:
            return max(suffixes, key=lambda e: len(e[0]))[1]
        return None


def _normalize(uri: str) -> str:
    # OASIS 1.1 §6.3: percent-encode what is not allowed in a URI, keep existing escapes.
    return quote(uri.strip(), safe="!#$%&'()*+,/:;=?@[]~")


_ENTRIES = {
    "uri": ("name", "uri"),
    "system": ("systemId", "uri"),
    "rewriteURI": ("uriStartString", "rewritePrefix"),
    "rewriteSystem": ("systemIdStartString", "rewritePrefix"),
    "uriSuffix": ("uriSuffix", "uri"),
    "systemSuffix": ("systemSuffix", "uri"),
}


def _parse_catalog(path: Path) -> Catalog:
    parser = etree.XMLParser(
        no_network=True, resolve_entities=False, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.parse(str(path), parser).getroot()
    except OSError as exc:
        raise SchemaError(f"{path}: cannot read XML catalog: {exc}") from None
    except etree.XMLSyntaxError as exc:
        raise SchemaError(f"{path}: cannot read XML catalog: {exc}") from None
    if root.tag != f"{_O}catalog":
        raise SchemaError(
            f"{path}: not an OASIS XML catalog (root element is {root.tag}, "
            f'expected <catalog xmlns="{OASIS_NS}">)'
        )
    entries: list[tuple[str, str, str]] = []
    next_catalogs: list[str] = []

    def walk(el: etree._Element, base: str) -> None:
        base = urljoin(base, el.get(_XML_BASE, ""))
        for child in el:
            if not isinstance(child.tag, str) or not child.tag.startswith(_O):
                continue  # comments, PIs, other vocabularies: ignored, as the spec says
            kind = child.tag[len(_O) :]
            here = urljoin(base, child.get(_XML_BASE, ""))
            if kind == "group":
                walk(child, base)
            elif kind == "nextCatalog" and child.get("catalog"):
                next_catalogs.append(_normalize(urljoin(here, child.get("catalog"))))
            elif kind in _ENTRIES:
                key_attr, target_attr = _ENTRIES[kind]
                key, target = child.get(key_attr), child.get(target_attr)
                if key and target:
                    entries.append((kind, _normalize(key), _normalize(urljoin(here, target))))

    walk(root, path.resolve().as_uri())
    return Catalog(path, tuple(entries), tuple(next_catalogs))


@lru_cache(maxsize=64)
def _load_cached(path: Path, mtime_ns: int, size: int) -> Catalog:
    return _parse_catalog(path)


def load_catalog(path: Path) -> Catalog:
    """Parse one catalog file (cached while the file is unchanged)."""
    try:
        st = path.stat()
    except OSError as exc:
        raise SchemaError(f"{path}: cannot read XML catalog: {exc.strerror or exc}") from None
    return _load_cached(path, st.st_mtime_ns, st.st_size)


def _file_url_path(url: str) -> Path | None:
    """The local path of a ``file:`` URL, or None if it is not one (or not local)."""
    parts = urlsplit(url)
    if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
        return None
    from urllib.request import url2pathname  # late: urllib.request loads http and ssl

    return Path(url2pathname(parts.path))


def catalog_files(explicit: Sequence[Path | str] = ()) -> list[Path]:
    """The user's catalogs: ``explicit`` (e.g. ``--catalog``) first, then XML_CATALOG_FILES.

    A missing explicit catalog is a :class:`UsageError`; a missing or remote
    XML_CATALOG_FILES entry a :class:`SchemaError`.
    """
    found: list[Path] = []
    for item in explicit:
        path = Path(item)
        if not path.is_file():
            raise UsageError(f"{item}: catalog file not found")
        found.append(path)
    for item in os.environ.get(CATALOG_FILES_ENV, "").split():
        path = _file_url_path(item) if item.lower().startswith("file:") else Path(item)
        if path is None or ("://" in item and not item.lower().startswith("file:")):
            raise SchemaError(
                f"{item}: only local catalog files are supported (listed in {CATALOG_FILES_ENV})"
            )
        if not path.is_file():
            raise SchemaError(f"{item}: catalog file not found (listed in {CATALOG_FILES_ENV})")
        found.append(path)
    return found


def _chain_match(uri: str, mode: str, catalogs: Sequence[Path]) -> tuple[str, Path] | None:
    """The first answer for ``uri`` in ``catalogs``, following nextCatalog depth-first."""
    seen: set[Path] = set()

    def visit(path: Path, top: bool) -> tuple[str, Path] | None:
        key = path.resolve()
        if key in seen:  # catalogs that chain to each other
            return None
        seen.add(key)
        if not top and not path.is_file():
            return None  # OASIS §8: a missing nextCatalog is skipped, not an error
        catalog = load_catalog(path)
        target = catalog.match(uri, mode)
        if target is not None:
            return target, path
        for nxt in catalog.next_catalogs:
            nxt_path = _file_url_path(nxt)
            if nxt_path is not None and (hit := visit(nxt_path, False)):
                return hit
        return None

    for path in catalogs:
        if hit := visit(path, True):
            return hit
    return None


# --------------------------------------------------------------------------- resolving


def _local(url: str, href: str, via: str) -> Resolution:
    path = _file_url_path(url)
    if path is None:
        mapped = "" if url == href else f" ({via} maps it to {url})"
        raise SchemaError(f"{href}: not a local file URL{mapped}")
    if not path.is_file():
        mapped = f" ({via} maps it to {path})" if via.startswith("catalog") else f" ({path})"
        raise SchemaError(f"{href}: schema file not found{mapped}")
    return Resolution(path, via=via)


def lookup(href: str, base: Path | None = None, catalogs: Sequence[Path] = ()) -> Resolution:
    """Resolve a schema reference offline; see the module docstring for the order.

    ``base`` is the folder relative hrefs are relative to (the document's
    folder; default the current directory). ``catalogs`` come before
    XML_CATALOG_FILES. Raises :class:`SchemaError` with a one-line message
    naming ``href`` and what to do when it cannot be resolved.
    """
    href = href.strip()
    if not href:
        raise SchemaError("empty schema reference (href)")
    scheme = urlsplit(href).scheme.lower()
    if len(scheme) == 1:  # a Windows drive letter, not a URL scheme
        scheme = ""
    base_uri = (base or Path.cwd()).resolve().as_uri().rstrip("/") + "/"
    absolute = href if scheme else urljoin(base_uri, href)
    user = catalog_files(catalogs)
    if user:
        for mode in ("uri", "system"):
            for candidate in dict.fromkeys((href, absolute)):  # as written, then absolute
                hit = _chain_match(candidate, mode, user)
                if hit is not None:
                    return _mapped(hit[0], href, f"catalog {hit[1]}")
    return _mapped(absolute, href, "file")


def _mapped(url: str, href: str, via: str) -> Resolution:
    """Turn a (possibly catalog-mapped) absolute URL into a local file."""
    scheme = urlsplit(url).scheme.lower()
    if scheme == "file":
        return _local(url, href, via)
    if scheme in ("http", "https"):
        found = tei_url(url)
        if found is not None:
            return found
        shown = href if url == href else f"{href} (mapped by {via} to {url})"
        raise SchemaError(f"{shown}: not available offline; {_OFFLINE_HINT}")
    raise SchemaError(f"{href}: unsupported URL scheme {scheme!r}: use a file path or http(s) URL")


def resolve_href(href: str, base: Path | None, catalogs: Sequence[Path] = ()) -> Path:
    """The local file for a schema reference; see :func:`lookup`."""
    return lookup(href, base, catalogs).path
