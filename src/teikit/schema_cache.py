"""The user's cache of TEI P5 releases (``teikit schema update|fetch|list``).

Layout, under :func:`cache_dir`::

    tei/<version>/tei_all.rng     the schema, exactly as downloaded
    tei/<version>/manifest.json   version, source URL, sha256, size, fetched-at

Both files are written to a temporary file in the same folder and renamed into
place, the manifest last: a release counts as cached only once its manifest
exists and agrees with the file, so an interrupted download is never used.

Downloading happens only in :func:`update` and :func:`fetch`; everything else
(including validation) reads the cache and the bundled release, offline.

A cached release is trusted code (its embedded Schematron runs unsandboxed), so
what comes in is checked (docs/security.md): HTTPS only unless ``allow_http``,
no redirect to plain HTTP, connect and read time-outs and an overall deadline,
a size cap, and :func:`verify_release`: a RELAX NG grammar for TEI with a
plausible version and the structure of tei_all. Cached files are verified
again when read; one that fails is never used.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from lxml import etree

from teikit.errors import SandboxError, SchemaError, UsageError
from teikit.schemas import RNG_NS, TEI_ALL_BUNDLED_VERSIONS, SchemaSource, tei_all

__all__ = [
    "CACHE_DIR_ENV",
    "DEFAULT_RELEASE_URL",
    "DEFAULT_VAULT_URL",
    "RELEASE_URL_ENV",
    "VAULT_URL_ENV",
    "CachedRelease",
    "Release",
    "added_after",
    "cache_dir",
    "fetch",
    "find",
    "list_releases",
    "nearest",
    "newest",
    "read_version",
    "update",
    "verify_release",
    "version_key",
]

DEFAULT_RELEASE_URL = "https://www.tei-c.org/release/xml/tei/custom/schema/relaxng/"
DEFAULT_VAULT_URL = (
    "https://www.tei-c.org/Vault/P5/{version}/xml/tei/custom/schema/relaxng/tei_all.rng"
)
CACHE_DIR_ENV = "TEIKIT_CACHE_DIR"
RELEASE_URL_ENV = "TEIKIT_TEI_RELEASE_URL"
VAULT_URL_ENV = "TEIKIT_TEI_VAULT_URL"

SCHEMA_FILE = "tei_all.rng"
MANIFEST_FILE = "manifest.json"
MAX_DOWNLOAD = 64 * 1024 * 1024  # tei_all.rng is ~1 MB; refuse anything absurd
_CHUNK = 1 << 16
_HEADER_BYTES = 16 * 1024  # the "TEI Edition" comment sits right after <grammar>

# Both header forms exist: "TEI Edition: P5 Version 4.12.0." and "TEI Edition: Version 4.3.0.";
# recent releases put a no-break space before the number, hence a str pattern (Unicode \s).
_VERSION_RE = re.compile(r"TEI\s+Edition:\s*(?:P5\s+)?Version\s+([0-9]+(?:\.[0-9]+)+)")
_VERSION_ARG_RE = re.compile(r"[0-9]+(?:\.[0-9]+){1,3}\Z")
TEI_NS = "http://www.tei-c.org/ns/1.0"
# The newest TEI release this teikit knows of. A header naming a release beyond
# the next major one ("9.9.9") is refused unless the user asked for that version.
NEWEST_KNOWN = "4.12.0"
MIN_ELEMENTS = 400  # tei_all defines ~580 elements; a customization is not a release
DEADLINE = 600.0  # seconds for a whole download, however slowly the bytes trickle


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class Release:
    """A tei_all.rng available offline: the bundled one or a cached download."""

    version: str
    path: Path
    sha256: str
    source: str  # the URL it was downloaded from, or "bundled"
    size: int

    @property
    def bundled(self) -> bool:
        return not isinstance(self, CachedRelease)

    def schema(self) -> SchemaSource:
        """As a schema to validate with (named ``tei_all``, version set; trusted:
        only verified releases are listed)."""
        return SchemaSource("tei_all", self.path, "rng", self.version, trusted=True)


@dataclass(frozen=True)
class CachedRelease(Release):
    """A release downloaded into the user cache."""

    fetched_at: str  # ISO 8601, UTC
    manifest: Path


def version_key(version: str) -> tuple[int, ...]:
    """``"4.12.0"`` → ``(4, 12, 0)``, so that 4.12.0 sorts after 4.3.0."""
    return tuple(int(part) for part in re.findall(r"[0-9]+", version))


def read_version(source: bytes | Path) -> str:
    """The TEI release named in a tei_all.rng header comment, or ``""``."""
    if isinstance(source, Path):
        try:
            with open(source, "rb") as fh:
                source = fh.read(_HEADER_BYTES)
        except OSError:
            return ""
    found = _VERSION_RE.search(source[:_HEADER_BYTES].decode("utf-8", "replace"))
    return found.group(1) if found else ""


# --------------------------------------------------------------------------- cache folder


def cache_dir() -> Path:
    """$TEIKIT_CACHE_DIR, else $XDG_CACHE_HOME/teikit, else ~/.cache/teikit."""
    explicit = os.environ.get(CACHE_DIR_ENV, "")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    # The XDG spec says to ignore a relative XDG_CACHE_HOME.
    if xdg and os.path.isabs(xdg):
        return Path(xdg) / "teikit"
    try:
        return Path.home() / ".cache" / "teikit"
    except RuntimeError:  # no HOME and no passwd entry (some containers)
        raise SchemaError(
            f"cannot find a cache folder: no home directory; set {CACHE_DIR_ENV}"
        ) from None


def _releases_dir() -> Path:
    return cache_dir() / "tei"


@lru_cache(maxsize=8)
def _sha256_of(path: Path, mtime_ns: int, size: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _bundled() -> list[Release]:
    found = []
    for version in TEI_ALL_BUNDLED_VERSIONS:
        source = tei_all(version)
        st = source.path.stat()
        sha = _sha256_of(source.path, st.st_mtime_ns, st.st_size)
        found.append(Release(version, source.path, sha, "bundled", st.st_size))
    return found


def _read_cached(folder: Path) -> CachedRelease | None:
    """The release in ``folder`` if its manifest is complete and agrees with the file."""
    manifest = folder / MANIFEST_FILE
    path = folder / SCHEMA_FILE
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
        size = path.stat().st_size
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    fields = {key: data.get(key) for key in ("version", "source", "sha256", "fetched_at")}
    if not all(isinstance(value, str) and value for value in fields.values()):
        return None
    # A size mismatch means the file changed after the manifest was written.
    if data.get("size") != size or fields["version"] != folder.name:
        return None
    if not _verified(path, fields["version"], fields["sha256"]):
        return None
    return CachedRelease(
        version=fields["version"],
        path=path,
        sha256=fields["sha256"],
        source=fields["source"],
        size=size,
        fetched_at=fields["fetched_at"],
        manifest=manifest,
    )


def _verified(path: Path, version: str, sha256: str) -> bool:
    """Whether the cached file still is what its manifest says and passes
    :func:`verify_release` (a release cached by an older teikit, or changed
    since, is never used)."""
    try:
        st = path.stat()
        return _verdict(path, st.st_mtime_ns, st.st_size, version, sha256)
    except OSError:
        return False


@lru_cache(maxsize=16)
def _verdict(path: Path, mtime_ns: int, size: int, version: str, sha256: str) -> bool:
    try:
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() != sha256:
            return False
        verify_release(data, "", str(path), expected=version)
    except (OSError, SchemaError):
        return False
    return True


def _cached() -> list[CachedRelease]:
    try:
        folders = [p for p in _releases_dir().iterdir() if _VERSION_ARG_RE.match(p.name)]
    except (OSError, SchemaError):  # no cache yet, unreadable, or no home directory
        return []
    found = [release for p in folders if (release := _read_cached(p)) is not None]
    return sorted(found, key=lambda r: version_key(r.version))


def list_releases() -> list[Release]:
    """Every tei_all.rng available offline, oldest first; the bundled one before a
    cached copy of the same version. Incomplete cache entries are left out."""
    releases: list[Release] = [*_bundled(), *_cached()]
    return sorted(releases, key=lambda r: (version_key(r.version), not r.bundled))


def find(version: str) -> Release | None:
    """The release ``version`` if available offline (bundled, else cached)."""
    matches = [r for r in list_releases() if r.version == version]
    return matches[0] if matches else None  # the bundled copy sorts first


def nearest(version: str) -> Release:
    """The release to use for a document that names ``version`` when that one is
    not available offline: the oldest newer release, else the newest there is."""
    releases = list_releases()
    newer = [r for r in releases if version_key(r.version) > version_key(version)]
    if newer:
        return min(newer, key=lambda r: (version_key(r.version), not r.bundled))
    return _newest_release()


def _newest_release() -> Release:
    # Ties go to the bundled copy: same version, and known to be intact. A release
    # whose number is not plausible ("9.9.9", fetched because the user asked for it
    # by number) serves documents that name it, never as the default.
    candidates = [r for r in list_releases() if r.bundled or plausible(r.version)]
    return max(candidates, key=lambda r: (version_key(r.version), r.bundled))


def newest() -> SchemaSource:
    """The newest tei_all.rng available offline (by version number): cached, else bundled."""
    return _newest_release().schema()


# --------------------------------------------------------------------------- downloading


@lru_cache(maxsize=1)
def _no_downgrade() -> type:
    """The class of the downloads' redirect handler, made when first needed:
    urllib.request brings http.client, ssl and email (30 ms of every start-up
    that downloads nothing, as validation's)."""
    import urllib.request

    class _NoDowngrade(urllib.request.HTTPRedirectHandler):
        """Follow redirects only to HTTPS (or to plain HTTP when that was allowed)."""

        def __init__(self, allow_http: bool):
            self.allow_http = allow_http

        def redirect_request(self, req, fp, code, msg, headers, newurl):
            scheme = urlsplit(newurl).scheme.lower()
            if scheme != "https" and not (scheme == "http" and self.allow_http):
                raise SchemaError(
                    f"cannot download {req.full_url}: redirected to {newurl}, "
                    "which is not HTTPS; refusing"
                )
            return super().redirect_request(req, fp, code, msg, headers, newurl)

    return _NoDowngrade


def _download(
    url: str, timeout: float, *, allow_http: bool = False, deadline: float = DEADLINE
) -> tuple[bytes, str]:
    """The body and Content-Type at ``url``; any failure is a one-line SchemaError.

    ``timeout`` bounds connecting and each read; ``deadline`` the whole download."""
    import http.client
    import urllib.error
    import urllib.request

    from teikit import __version__

    scheme = urlsplit(url).scheme.lower()
    if scheme not in ("http", "https", "file"):
        raise SchemaError(f"cannot download {url}: only https (and file) URLs are supported")
    if scheme == "http" and not allow_http:
        raise SchemaError(
            f"cannot download {url}: plain HTTP can be tampered with on the way, and the "
            "schema's rules run as trusted code; use https, or pass --allow-http if you "
            "trust the network"
        )
    request = urllib.request.Request(url, headers={"User-Agent": f"teikit/{__version__}"})
    opener = urllib.request.build_opener(_no_downgrade()(allow_http))
    chunks: list[bytes] = []
    got = 0
    started = time.monotonic()
    try:
        with opener.open(request, timeout=timeout) as response:
            expected = response.headers.get("Content-Length")
            content_type = response.headers.get_content_type()
            while True:
                try:
                    chunk = response.read(_CHUNK)
                except http.client.IncompleteRead as exc:
                    chunk = b""  # the length check below reports it
                    got += len(exc.partial)
                if not chunk:
                    break
                chunks.append(chunk)
                got += len(chunk)
                if got > MAX_DOWNLOAD:
                    raise SchemaError(
                        f"cannot download {url}: larger than {MAX_DOWNLOAD:,} bytes; "
                        "is it tei_all.rng?"
                    )
                if time.monotonic() - started > deadline:
                    raise SchemaError(
                        f"cannot download {url}: not finished after {deadline:g} s "
                        f"({got:,} bytes so far)"
                    )
    except urllib.error.HTTPError as exc:
        exc.close()
        raise SchemaError(f"cannot download {url}: HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise SchemaError(f"cannot download {url}: {_reason(exc.reason, timeout)}") from None
    except (http.client.HTTPException, OSError) as exc:
        raise SchemaError(f"cannot download {url}: {_reason(exc, timeout)}") from None
    except ValueError as exc:  # urllib: malformed URL
        raise SchemaError(f"cannot download {url}: {exc}") from None
    # Reading in chunks, urllib does not notice a body shorter than Content-Length.
    if expected is not None and expected.isdigit() and int(expected) != got:
        raise SchemaError(
            f"cannot download {url}: incomplete download ({got:,} of {int(expected):,} bytes)"
        )
    return b"".join(chunks), content_type


def _reason(reason: object, timeout: float) -> str:
    """A short, human reason for a network failure."""
    if isinstance(reason, TimeoutError):
        return f"timed out after {timeout:g} s"
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror
    return str(reason) or type(reason).__name__


def plausible(version: str) -> bool:
    """A release number TEI could have published: ``N.N.N``, from 1.0.0 up to the
    major release after :data:`NEWEST_KNOWN`."""
    if not re.fullmatch(r"[0-9]+\.[0-9]+\.[0-9]+", version):
        return False
    return 1 <= version_key(version)[0] <= version_key(NEWEST_KNOWN)[0] + 1


def verify_release(data: bytes, content_type: str, url: str, *, expected: str | None = None) -> str:
    """Check that ``data`` is a TEI release's tei_all.rng; return its version.

    A RELAX NG grammar in the TEI namespace whose start is the ``TEI`` element,
    which defines TEI's core (``TEI``, ``teiHeader``, ``text``) and at least
    :data:`MIN_ELEMENTS` elements, whose header names a release, and whose
    embedded Schematron does nothing a sandbox would refuse (it will run as
    trusted code). The version must be :func:`plausible`, or be ``expected``
    (the user asked for it by number)."""
    parser = etree.XMLParser(
        no_network=True, resolve_entities=False, load_dtd=False, huge_tree=False
    )
    looks_html = content_type == "text/html" or data.lstrip()[:15].lower().startswith(
        (b"<!doctype html", b"<html")
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        what = "got an HTML page" if looks_html else f"not well-formed XML: {exc}"
        raise SchemaError(f"{url}: not a RELAX NG schema ({what})") from None
    if root.tag != f"{{{RNG_NS}}}grammar":
        is_html = looks_html or etree.QName(root).localname.lower() == "html"  # XHTML too
        what = "got an HTML page" if is_html else f"root element is {root.tag}"
        raise SchemaError(f"{url}: not a RELAX NG schema ({what})")
    version = read_version(data)
    if not version:
        raise SchemaError(
            f"{url}: no TEI release named in its header (expected a 'TEI Edition: "
            "P5 Version N.N.N' comment); is it tei_all.rng?"
        )
    if expected is not None and version != expected:
        raise SchemaError(f"{url}: is TEI release {version}, not {expected} as requested")
    if expected is None and not plausible(version):
        raise SchemaError(
            f"{url}: names TEI release {version}, which is not a plausible release number "
            f"(the newest known is {NEWEST_KNOWN}); if it is genuine, ask for it by number: "
            f"teikit schema update --expect-version {version}"
        )
    _check_structure(root, url)
    return version


def _check_structure(root: etree._Element, url: str) -> None:
    """tei_all's shape: TEI namespace, start at TEI, the core defined, many elements."""
    from teikit import sandbox

    def refuse(what: str) -> SchemaError:
        return SchemaError(f"{url}: not a TEI release's tei_all.rng ({what})")

    if root.get("ns") != TEI_NS:
        raise refuse(f'the grammar\'s namespace is not "{TEI_NS}"')
    starts = root.findall(f"{_RNG}start")
    if not any(ref.get("name") == "TEI" for start in starts for ref in start.iter(f"{_RNG}ref")):
        raise refuse("its start is not the TEI element")
    defines = {d.get("name") for d in root.iter(f"{_RNG}define")}
    missing = [name for name in ("TEI", "teiHeader", "text") if name not in defines]
    if missing:
        raise refuse(f"no define for {', '.join(missing)}")
    elements = {n for el in root.iter(f"{_RNG}element") for n in _declared_names(el)}
    if len(elements) < MIN_ELEMENTS:
        raise refuse(f"{len(elements)} elements; tei_all has over {MIN_ELEMENTS}")
    try:
        sandbox.vet_schematron(root, sandbox.Where(url or "tei_all.rng"))
    except SandboxError as exc:
        raise refuse(f"its embedded Schematron {exc.reason}, line {exc.line}") from None


def _write_atomic(target: Path, data: bytes) -> None:
    """Write via a temporary file in the same folder, so readers never see half a file."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; the cache is ordinary user data
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _store(data: bytes, version: str, url: str) -> CachedRelease:
    folder = _releases_dir() / version
    sha = hashlib.sha256(data).hexdigest()
    fetched_at = datetime.now(UTC).replace(microsecond=0).isoformat()
    manifest = {
        "version": version,
        "source": url,
        "sha256": sha,
        "size": len(data),
        "fetched_at": fetched_at,
    }
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _write_atomic(folder / SCHEMA_FILE, data)
        # Last: the manifest is what makes the release count as cached.
        _write_atomic(folder / MANIFEST_FILE, (json.dumps(manifest, indent=2) + "\n").encode())
    except OSError as exc:
        raise SchemaError(
            f"cannot write to the schema cache {folder}: {exc.strerror or exc} "
            f"(set {CACHE_DIR_ENV} to a writable folder)"
        ) from None
    return CachedRelease(
        version=version,
        path=folder / SCHEMA_FILE,
        sha256=sha,
        source=url,
        size=len(data),
        fetched_at=fetched_at,
        manifest=folder / MANIFEST_FILE,
    )


def update(
    *,
    base_url: str | None = None,
    timeout: float = 30,
    allow_http: bool = False,
    expect_version: str | None = None,
) -> CachedRelease:
    """Download the TEI Consortium's current tei_all.rng into the cache.

    ``base_url`` is the release folder (``tei_all.rng`` is appended) or the full
    URL of a ``.rng``; default $TEIKIT_TEI_RELEASE_URL, else :data:`DEFAULT_RELEASE_URL`.
    The version comes from the file's header and must be plausible, or equal
    ``expect_version``. Always downloads (the point is to learn what the current
    release is); rewrites an existing copy of that version. ``timeout`` bounds
    connecting and each read; plain ``http`` URLs need ``allow_http``.
    """
    base = base_url or os.environ.get(RELEASE_URL_ENV) or DEFAULT_RELEASE_URL
    url = base if base.lower().endswith(".rng") else base.rstrip("/") + "/" + SCHEMA_FILE
    if expect_version is not None:
        expect_version = _version_arg(expect_version)
    data, content_type = _download(url, timeout, allow_http=allow_http)
    version = verify_release(data, content_type, url, expected=expect_version)
    return _store(data, version, url)


def _version_arg(version: str) -> str:
    version = version.strip()
    if not _VERSION_ARG_RE.match(version):
        raise UsageError(f"{version!r} is not a TEI release number such as 4.12.0")
    return version


def fetch(
    version: str,
    *,
    vault_url: str | None = None,
    timeout: float = 30,
    force: bool = False,
    allow_http: bool = False,
) -> CachedRelease:
    """Download TEI release ``version``'s tei_all.rng from the TEI Vault into the cache.

    ``vault_url`` is a template with ``{version}``; default $TEIKIT_TEI_VAULT_URL,
    else :data:`DEFAULT_VAULT_URL`. An intact cached copy is returned without a
    download unless ``force``. The file's header must name ``version``, and it
    must pass :func:`verify_release`.
    """
    version = _version_arg(version)
    if not force:
        cached = _read_cached(_releases_dir() / version)
        if cached is not None:
            return cached
    template = vault_url or os.environ.get(VAULT_URL_ENV) or DEFAULT_VAULT_URL
    if "{version}" not in template:
        raise UsageError(f"{template}: the Vault URL needs a {{version}} placeholder")
    url = template.replace("{version}", version)
    data, content_type = _download(url, timeout, allow_http=allow_http)
    verify_release(data, content_type, url, expected=version)
    return _store(data, version, url)


# --------------------------------------------------------------------------- hints


_RNG = f"{{{RNG_NS}}}"


@dataclass(frozen=True)
class _Names:
    """What a RELAX NG file declares: for :func:`added_after`."""

    elements: frozenset[str]  # element names
    attributes: frozenset[str]
    attributes_of: dict[str, frozenset[str]]  # element name -> attributes it allows


def _declared_names(el: etree._Element) -> list[str]:
    # An element/attribute is named by @name or, for namespaced names, a child <name>.
    named = [el.get("name")] + [n.text for n in el.findall(f"{_RNG}name")]
    return [name.strip() for name in named if name and name.strip()]


@lru_cache(maxsize=4)
def _names(path: Path, mtime_ns: int, size: int) -> _Names:
    from teikit.validate.rng_schema import read_schema, vocabulary  # late: a large module

    attributes_of = vocabulary(read_schema(path, cache=cache_dir() / "rng"))
    return _Names(
        elements=frozenset(attributes_of),
        attributes=frozenset().union(*attributes_of.values()),
        attributes_of=attributes_of,
    )


def _names_of(release: Release) -> _Names:
    st = release.path.stat()
    return _names(release.path, st.st_mtime_ns, st.st_size)


def _plain_name(name: str) -> str:
    name = name.strip()
    if name.startswith("{"):  # Clark notation {ns}local
        return name.rpartition("}")[2]
    prefix, _, local = name.rpartition(":")
    return local if prefix == "tei" else name


def _defined(names: _Names, element: str, attribute: str) -> bool:
    if element and attribute:
        return attribute in names.attributes_of.get(element, frozenset())
    if attribute:
        return attribute in names.attributes
    return element in names.elements or element in names.attributes


def added_after(version: str, element_or_attribute: str) -> bool:
    """Whether a name unknown to release ``version`` is defined in the newest cached one.

    For hints such as "graphic/@type was added after 4.3.0: run teikit schema
    update". Accepts ``"gender"`` (an element, pattern or attribute name),
    ``"@replyTo"`` (an attribute on any element) and ``"graphic/@type"`` (an
    attribute on that element). False when no newer release is available
    offline, or either file cannot be read.
    """
    element, _, attribute = element_or_attribute.strip().partition("@")
    element, attribute = _plain_name(element.rstrip("/")), _plain_name(attribute)
    if not element and not attribute:
        return False
    try:
        old = find(version)
        new = _newest_release()
        if old is None or version_key(new.version) <= version_key(old.version):
            return False
        return _defined(_names_of(new), element, attribute) and not _defined(
            _names_of(old), element, attribute
        )
    except (OSError, etree.XMLSyntaxError, SchemaError):
        return False
