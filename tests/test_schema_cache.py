"""The user cache of TEI releases: where it lives, downloads from a loopback
server (never the network), atomic writes, listing, the newest release, and
the added-after hint."""

from __future__ import annotations

import hashlib
import http.server
import json
import os
import re
import socket
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from teikit import schema_cache
from teikit.cli import cli
from teikit.errors import SchemaError, UsageError
from teikit.schema_cache import CachedRelease, Release
from teikit.schemas import TEI_ALL_BUNDLED_VERSIONS, tei_all

from loopback import Listener

SHA_4_12_0 = "b0f115095ead2ccc6933aa3365c6f4a82cba3b2ec7eee7f76bb616d7a63b7e48"
SHA_4_3_0 = "facc222ce0c2d3647f772bc9e8b584722bf2d71e65a4f73b26d41a7ed869d4a1"
LOOPBACK = {"127.0.0.1", "::1", "localhost"}


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No real network, no proxies, no user cache or catalogs: a private cache dir."""
    real = socket.create_connection

    def loopback_only(address, *args, **kwargs):
        if address[0] not in LOOPBACK:
            raise OSError(f"network access blocked in tests: {address[0]}")
        return real(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", loopback_only)
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("ALL_PROXY", raising=False)
    monkeypatch.setenv("no_proxy", "*")
    for name in ("XML_CATALOG_FILES", "TEIKIT_TEI_RELEASE_URL", "TEIKIT_TEI_VAULT_URL"):
        monkeypatch.delenv(name, raising=False)
    cache = tmp_path / "cache"
    monkeypatch.setenv("TEIKIT_CACHE_DIR", str(cache))
    return cache


# --------------------------------------------------------------------------- loopback server


class Server:
    """Routes for every way a download can go wrong, on 127.0.0.1."""

    def __init__(self, current: bytes) -> None:
        bundled = tei_all("4.3.0").path.read_bytes()
        self.requests: list[str] = []
        self.routes: dict[str, tuple[int, str, bytes, int | None]] = {
            # path: (status, content type, body, Content-Length override)
            "/release/tei_all.rng": (200, "application/xml", current, None),
            "/Vault/P5/4.12.0/tei_all.rng": (200, "application/xml", current, None),
            "/Vault/P5/4.11.0/tei_all.rng": (200, "application/xml", current, None),
            "/Vault/P5/4.3.0/tei_all.rng": (200, "application/xml", bundled, None),
            "/html/tei_all.rng": (
                200,
                "text/html",
                b"<!DOCTYPE html>\n<html><head><title>Moved</title></head><body><p>Gone<br></body></html>",
                None,
            ),
            "/xhtml/tei_all.rng": (
                200,
                "application/xhtml+xml",
                b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body/></html>',
                None,
            ),
            "/other/tei_all.rng": (200, "application/xml", b'<notes xmlns="urn:x"/>', None),
            "/truncated/tei_all.rng": (200, "application/xml", current[:1000], len(current)),
            "/noversion/tei_all.rng": (
                200,
                "application/xml",
                b'<grammar xmlns="http://relaxng.org/ns/structure/1.0"><start><notAllowed/></start></grammar>',
                None,
            ),
            "/broken/tei_all.rng": (200, "application/xml", current[:5000], None),
        }
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.requests.append(self.path)
                if self.path not in outer.routes:
                    self.send_error(404)
                    return
                status, ctype, body, length = outer.routes[self.path]
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(length or len(body)))
                self.end_headers()
                self.wfile.write(body)
                self.close_connection = True

            def log_message(self, *args: object) -> None:  # keep test output clean
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


@pytest.fixture
def server(shared_tei_all: Path) -> Iterator[Server]:
    running = Server(shared_tei_all.read_bytes())
    yield running
    running.close()


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.name.endswith(".tmp"))


def release_bytes(version: str) -> bytes:
    """The bundled tei_all with its header naming ``version``: passes verification."""
    text = tei_all().path.read_text(encoding="utf-8")
    header = r"(TEI\s+Edition:\s*(?:P5\s+)?Version\s+)[0-9]+(?:\.[0-9]+)+"
    return re.sub(header, rf"\g<1>{version}", text, count=1).encode()


def write_release(cache: Path, version: str, data: bytes | None = None) -> Path:
    """A cache entry as update() would leave it (by default a verifiable release)."""
    data = release_bytes(version) if data is None else data
    folder = cache / "tei" / version
    folder.mkdir(parents=True)
    (folder / "tei_all.rng").write_bytes(data)
    manifest = {
        "version": version,
        "source": f"https://example.invalid/{version}/tei_all.rng",
        "sha256": hashlib.sha256(data).hexdigest(),
        "size": len(data),
        "fetched_at": "2026-01-01T00:00:00+00:00",
    }
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


# --------------------------------------------------------------------------- cache dir


def test_cache_dir_prefers_teikit_cache_dir(offline: Path) -> None:
    assert schema_cache.cache_dir() == offline


def test_cache_dir_without_a_home(monkeypatch) -> None:
    monkeypatch.delenv("TEIKIT_CACHE_DIR")
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)

    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(Path, "home", no_home)
    with pytest.raises(SchemaError) as info:
        schema_cache.cache_dir()
    assert info.value.message == (
        "cannot find a cache folder: no home directory; set TEIKIT_CACHE_DIR"
    )
    assert schema_cache.newest() == tei_all()  # validation still works


def test_cache_dir_falls_back_to_xdg_then_home(monkeypatch, tmp_path) -> None:
    monkeypatch.delenv("TEIKIT_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert schema_cache.cache_dir() == tmp_path / "xdg" / "teikit"
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for ignored in ("", "relative/xdg"):  # the XDG spec ignores empty and relative values
        monkeypatch.setenv("XDG_CACHE_HOME", ignored)
        assert schema_cache.cache_dir() == tmp_path / "home" / ".cache" / "teikit"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert schema_cache.cache_dir() == tmp_path / "home" / ".cache" / "teikit"


# --------------------------------------------------------------------------- versions


def test_read_version_understands_both_header_forms(shared_tei_all) -> None:
    assert schema_cache.read_version(shared_tei_all) == "4.12.0"  # "P5 Version", no-break space
    assert schema_cache.read_version(tei_all("4.3.0").path) == "4.3.0"  # "TEI Edition: Version"
    assert schema_cache.read_version(tei_all().path) == "4.12.0"
    assert schema_cache.read_version(b"<!-- TEI Edition: P5 Version 4.10.2. -->") == "4.10.2"
    assert schema_cache.read_version(b"<grammar/>") == ""
    assert schema_cache.read_version(Path("/nonexistent/tei_all.rng")) == ""


def test_versions_compare_numerically() -> None:
    assert schema_cache.version_key("4.12.0") > schema_cache.version_key("4.9.0")
    assert schema_cache.version_key("4.3.0") == (4, 3, 0)


# --------------------------------------------------------------------------- update


def test_update_downloads_verifies_and_writes_manifest_last(server, offline) -> None:
    release = schema_cache.update(base_url=server.url + "/release/", allow_http=True)
    folder = offline / "tei" / "4.12.0"
    assert isinstance(release, CachedRelease)
    assert release.version == "4.12.0"
    assert release.path == folder / "tei_all.rng"
    assert release.manifest == folder / "manifest.json"
    assert release.sha256 == SHA_4_12_0
    assert release.source == server.url + "/release/tei_all.rng"
    assert not release.bundled
    assert sorted(p.name for p in folder.iterdir()) == ["manifest.json", "tei_all.rng"]
    assert leftovers(offline) == []
    manifest = json.loads(release.manifest.read_text(encoding="utf-8"))
    data = release.path.read_bytes()
    assert manifest == {
        "version": "4.12.0",
        "source": server.url + "/release/tei_all.rng",
        "sha256": hashlib.sha256(data).hexdigest(),
        "size": len(data),
        "fetched_at": release.fetched_at,
    }
    assert manifest["sha256"] == SHA_4_12_0
    assert release.fetched_at.endswith("+00:00")
    # The manifest is renamed into place after the schema, never before it.
    assert release.manifest.stat().st_mtime_ns >= release.path.stat().st_mtime_ns
    assert oct(release.path.stat().st_mode & 0o777) == "0o644"
    assert release.schema().kind == "rng"
    assert str(release.schema()) == "tei_all 4.12.0"


def test_update_url_from_env_or_full_rng_url(server, monkeypatch) -> None:
    monkeypatch.setenv("TEIKIT_TEI_RELEASE_URL", server.url + "/release")  # no trailing slash
    assert schema_cache.update(allow_http=True).source == server.url + "/release/tei_all.rng"
    monkeypatch.setenv("TEIKIT_TEI_RELEASE_URL", server.url + "/nowhere/")
    direct = server.url + "/Vault/P5/4.12.0/tei_all.rng"
    assert schema_cache.update(base_url=direct, allow_http=True).source == direct  # it wins
    assert server.requests == ["/release/tei_all.rng", "/Vault/P5/4.12.0/tei_all.rng"]


def test_update_default_url_is_the_tei_release_and_never_reached_in_tests() -> None:
    with pytest.raises(SchemaError) as info:
        schema_cache.update()
    assert info.value.message == (
        "cannot download https://www.tei-c.org/release/xml/tei/custom/schema/relaxng/tei_all.rng: "
        "network access blocked in tests: www.tei-c.org"
    )


@pytest.mark.parametrize(
    ("route", "message"),
    [
        ("/missing/", "cannot download {url}: HTTP 404 Not Found"),
        ("/html/", "{url}: not a RELAX NG schema (got an HTML page)"),
        ("/xhtml/", "{url}: not a RELAX NG schema (got an HTML page)"),
        ("/other/", "{url}: not a RELAX NG schema (root element is {{urn:x}}notes)"),
        ("/truncated/", "cannot download {url}: incomplete download (1,000 of 1,098,331 bytes)"),
        (
            "/noversion/",
            "{url}: no TEI release named in its header (expected a 'TEI Edition: P5 Version "
            "N.N.N' comment); is it tei_all.rng?",
        ),
    ],
)
def test_update_failures_are_one_line_and_leave_nothing(server, offline, route, message) -> None:
    url = server.url + route + "tei_all.rng"
    with pytest.raises(SchemaError) as info:
        schema_cache.update(base_url=server.url + route, allow_http=True)
    assert info.value.message == message.format(url=url)
    assert "\n" not in info.value.message
    assert not (offline / "tei").exists() or leftovers(offline) == []
    assert [r.version for r in schema_cache.list_releases()] == list(TEI_ALL_BUNDLED_VERSIONS)


def test_update_rejects_a_cut_off_file_served_without_length(server) -> None:
    with pytest.raises(SchemaError) as info:
        schema_cache.update(base_url=server.url + "/broken/", allow_http=True)
    assert info.value.message.startswith(
        f"{server.url}/broken/tei_all.rng: not a RELAX NG schema (not well-formed XML: "
    )


def test_update_connection_refused() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(SchemaError) as info:
        schema_cache.update(base_url=f"http://127.0.0.1:{port}/", allow_http=True)
    assert info.value.message == (
        f"cannot download http://127.0.0.1:{port}/tei_all.rng: Connection refused"
    )


def test_update_times_out(monkeypatch) -> None:
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        with pytest.raises(SchemaError) as info:
            schema_cache.update(base_url=f"http://127.0.0.1:{port}/", timeout=0.2, allow_http=True)
    assert info.value.message == (
        f"cannot download http://127.0.0.1:{port}/tei_all.rng: timed out after 0.2 s"
    )


def test_update_refuses_other_url_schemes() -> None:
    with pytest.raises(SchemaError) as info:
        schema_cache.update(base_url="ftp://127.0.0.1/")
    assert info.value.message == (
        "cannot download ftp://127.0.0.1/tei_all.rng: only https (and file) URLs are supported"
    )


def test_update_from_a_file_url(shared_tei_all) -> None:
    release = schema_cache.update(base_url=shared_tei_all.as_uri())
    assert (release.version, release.sha256) == ("4.12.0", SHA_4_12_0)


def test_interrupted_write_leaves_no_temp_file_and_no_release(server, offline, monkeypatch):
    real_replace = os.replace

    def fail_on_schema(src, dst):
        if str(dst).endswith("tei_all.rng"):
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", fail_on_schema)
    with pytest.raises(SchemaError) as info:
        schema_cache.update(base_url=server.url + "/release/", allow_http=True)
    folder = offline / "tei" / "4.12.0"
    assert info.value.message == (
        f"cannot write to the schema cache {folder}: No space left on device "
        "(set TEIKIT_CACHE_DIR to a writable folder)"
    )
    assert list(folder.iterdir()) == []
    assert schema_cache.newest() == tei_all()


def test_unwritable_cache(server, offline) -> None:
    offline.write_text("a file where the cache folder should be")
    with pytest.raises(SchemaError) as info:
        schema_cache.update(base_url=server.url + "/release/", allow_http=True)
    assert info.value.message.startswith(f"cannot write to the schema cache {offline}/tei/4.12.0: ")


# --------------------------------------------------------------------------- fetch


def test_fetch_a_vault_release(server, offline, monkeypatch) -> None:
    monkeypatch.setenv("TEIKIT_TEI_VAULT_URL", server.url + "/Vault/P5/{version}/tei_all.rng")
    release = schema_cache.fetch("4.12.0", allow_http=True)
    assert (release.version, release.sha256) == ("4.12.0", SHA_4_12_0)
    assert release.source == server.url + "/Vault/P5/4.12.0/tei_all.rng"
    assert leftovers(offline) == []
    # Cached: no second download unless forced.
    assert schema_cache.fetch("4.12.0") == release
    assert len(server.requests) == 1
    again = schema_cache.fetch("4.12.0", force=True, allow_http=True)
    assert again.sha256 == SHA_4_12_0 and len(server.requests) == 2


def test_fetch_an_old_release_with_the_old_header_form(server) -> None:
    release = schema_cache.fetch(
        "4.3.0", vault_url=server.url + "/Vault/P5/{version}/tei_all.rng", allow_http=True
    )
    assert (release.version, release.sha256) == ("4.3.0", SHA_4_3_0)


def test_fetch_default_url_is_the_tei_vault() -> None:
    with pytest.raises(SchemaError) as info:
        schema_cache.fetch("4.12.0")
    assert info.value.message == (
        "cannot download "
        "https://www.tei-c.org/Vault/P5/4.12.0/xml/tei/custom/schema/relaxng/tei_all.rng: "
        "network access blocked in tests: www.tei-c.org"
    )


def test_fetch_refuses_a_file_of_another_version(server, offline) -> None:
    url = server.url + "/Vault/P5/4.11.0/tei_all.rng"
    with pytest.raises(SchemaError) as info:
        schema_cache.fetch(
            "4.11.0", vault_url=server.url + "/Vault/P5/{version}/tei_all.rng", allow_http=True
        )
    assert info.value.message == f"{url}: is TEI release 4.12.0, not 4.11.0 as requested"
    assert not (offline / "tei").exists()


def test_fetch_404(server) -> None:
    with pytest.raises(SchemaError) as info:
        schema_cache.fetch(
            "9.9.9", vault_url=server.url + "/Vault/P5/{version}/tei_all.rng", allow_http=True
        )
    assert info.value.message == (
        f"cannot download {server.url}/Vault/P5/9.9.9/tei_all.rng: HTTP 404 Not Found"
    )


@pytest.mark.parametrize("version", ["latest", "4", "4.12.0/../..", "", "٤.١٢.٠"])
def test_fetch_rejects_what_is_not_a_version(version) -> None:
    with pytest.raises(UsageError) as info:
        schema_cache.fetch(version)
    assert info.value.message == f"{version!r} is not a TEI release number such as 4.12.0"


def test_fetch_needs_a_version_placeholder() -> None:
    with pytest.raises(UsageError) as info:
        schema_cache.fetch("4.12.0", vault_url="http://127.0.0.1/tei_all.rng")
    assert info.value.message == (
        "http://127.0.0.1/tei_all.rng: the Vault URL needs a {version} placeholder"
    )


# --------------------------------------------------------------------------- listing


def test_list_releases_bundled_only() -> None:
    old, current = schema_cache.list_releases()
    assert type(old) is Release and old.bundled and current.bundled
    assert old == Release("4.3.0", tei_all("4.3.0").path, SHA_4_3_0, "bundled", old.size)
    assert current == Release("4.12.0", tei_all().path, SHA_4_12_0, "bundled", current.size)
    assert current.size == tei_all().path.stat().st_size
    assert schema_cache.newest() == tei_all()
    assert schema_cache.find("4.3.0") == old
    assert schema_cache.find("4.12.0") == current
    assert schema_cache.find("4.11.0") is None


def test_nearest_release_for_one_not_available() -> None:
    assert schema_cache.nearest("4.5.0").version == "4.12.0"  # the oldest newer one
    assert schema_cache.nearest("4.1.0").version == "4.3.0"
    assert schema_cache.nearest("5.0.0").version == "4.12.0"  # none newer: the newest


def test_list_and_newest_compare_versions_numerically(offline) -> None:
    for version in ("4.9.0", "4.13.0", "4.0.0"):
        write_release(offline, version)
    listed = schema_cache.list_releases()
    assert [(r.version, r.bundled) for r in listed] == [
        ("4.0.0", False),
        ("4.3.0", True),
        ("4.9.0", False),
        ("4.12.0", True),
        ("4.13.0", False),
    ]
    assert listed[-1].source == "https://example.invalid/4.13.0/tei_all.rng"
    newest = schema_cache.newest()
    assert (newest.name, newest.version, newest.kind) == ("tei_all", "4.13.0", "rng")
    assert newest.path == offline / "tei" / "4.13.0" / "tei_all.rng"
    assert schema_cache.nearest("4.5.0").version == "4.9.0"


def test_newest_ignores_older_cached_releases(offline) -> None:
    write_release(offline, "4.0.0")
    assert schema_cache.newest() == tei_all()


def test_a_cached_copy_of_the_bundled_version(offline) -> None:
    write_release(offline, "4.12.0")
    assert [r.bundled for r in schema_cache.list_releases()] == [True, True, False]
    assert schema_cache.newest() == tei_all()  # same version: the bundled copy
    assert schema_cache.find("4.12.0").bundled


def test_incomplete_cache_entries_are_ignored(offline) -> None:
    # The schema renamed into place but the manifest never written (killed in between).
    (offline / "tei" / "4.11.0").mkdir(parents=True)
    (offline / "tei" / "4.11.0" / "tei_all.rng").write_bytes(b"<grammar/>")
    # The schema changed after the manifest was written.
    write_release(offline, "4.10.0")
    (offline / "tei" / "4.10.0" / "tei_all.rng").write_bytes(b"<grammar></grammar>")
    # A manifest that is not JSON, one for another version, and a folder that is no version.
    write_release(offline, "4.9.0")
    (offline / "tei" / "4.9.0" / "manifest.json").write_text("{", encoding="utf-8")
    folder = write_release(offline, "4.8.0")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    (folder / "manifest.json").write_text(json.dumps({**manifest, "version": "4.12.0"}))
    write_release(offline, "latest")
    assert [r.version for r in schema_cache.list_releases()] == ["4.3.0", "4.12.0"]
    assert schema_cache.newest() == tei_all()


def test_update_replaces_an_incomplete_entry(server, offline) -> None:
    (offline / "tei" / "4.12.0").mkdir(parents=True)
    (offline / "tei" / "4.12.0" / "tei_all.rng").write_bytes(b"half a sche")
    release = schema_cache.update(base_url=server.url + "/release/", allow_http=True)
    assert hashlib.sha256(release.path.read_bytes()).hexdigest() == SHA_4_12_0
    assert [r.version for r in schema_cache.list_releases()] == ["4.3.0", "4.12.0", "4.12.0"]


# --------------------------------------------------------------------------- hints


def test_added_after_without_a_newer_release() -> None:
    assert schema_cache.added_after("4.12.0", "gender") is False


@pytest.mark.parametrize(
    ("name", "added"),
    [
        ("gender", True),  # element new in 4.x
        ("tei:gender", True),
        ("{http://www.tei-c.org/ns/1.0}gender", True),
        ("@replyTo", True),  # attribute new anywhere
        ("graphic/@type", True),  # existing attribute, newly allowed on graphic
        ("persName", False),
        ("@when", False),
        ("@type", False),
        ("persName/@ref", False),
        ("noSuchThing", False),
        ("", False),
    ],
)
def test_added_after(shared_tei_all, name, added) -> None:
    schema_cache.update(base_url=shared_tei_all.as_uri())
    assert schema_cache.added_after("4.3.0", name) is added


def test_added_after_needs_an_older_known_release(shared_tei_all) -> None:
    schema_cache.update(base_url=shared_tei_all.as_uri())
    assert schema_cache.added_after("4.12.0", "gender") is False  # nothing newer
    assert schema_cache.added_after("4.1.0", "gender") is False  # not available offline


# --------------------------------------------------------------------------- what comes in is checked


def test_plain_http_is_refused_unless_allowed() -> None:
    with Listener() as listener:
        with pytest.raises(SchemaError) as info:
            schema_cache.update(base_url=listener.url + "/")
        assert listener.connections() == 0
    assert info.value.message == (
        f"cannot download {listener.url}/tei_all.rng: plain HTTP can be tampered with on the "
        "way, and the schema's rules run as trusted code; use https, or pass --allow-http if "
        "you trust the network"
    )
    with pytest.raises(SchemaError):
        schema_cache.fetch("4.12.0", vault_url="http://127.0.0.1:9/{version}/tei_all.rng")


def test_cli_refuses_plain_http_without_the_flag() -> None:
    with Listener() as listener:
        result = invoke("schema", "update", "--url", listener.url + "/tei_all.rng")
        assert listener.connections() == 0
    assert result.exit_code == 3
    [line] = result.stderr.splitlines()
    assert line.startswith(f"teikit: error: cannot download {listener.url}/tei_all.rng: plain HTTP")
    assert line.endswith("pass --allow-http if you trust the network")


def test_cli_gives_up_on_a_slow_server() -> None:
    with Listener(answer=False) as silent:  # accepts, never answers
        result = invoke(
            "schema", "update", "--url", silent.url + "/", "--allow-http", "--timeout", "0.3"
        )
        assert silent.connections() == 1
    assert result.exit_code == 3
    assert result.stderr == (
        f"teikit: error: cannot download {silent.url}/tei_all.rng: timed out after 0.3 s\n"
    )


def test_a_redirect_to_plain_http_is_refused() -> None:
    handler = schema_cache._no_downgrade()(allow_http=False)
    request = urllib.request.Request("https://www.tei-c.org/release/tei_all.rng")
    with pytest.raises(SchemaError) as info:
        handler.redirect_request(request, None, 302, "Found", {}, "http://evil.example/x.rng")
    assert info.value.message == (
        "cannot download https://www.tei-c.org/release/tei_all.rng: redirected to "
        "http://evil.example/x.rng, which is not HTTPS; refusing"
    )
    allowed = schema_cache._no_downgrade()(allow_http=True)
    follow = allowed.redirect_request(request, None, 302, "Found", {}, "http://ok.example/x")
    assert follow.full_url == "http://ok.example/x"


def serve(server: Server, route: str, body: bytes) -> str:
    server.routes[route + "tei_all.rng"] = (200, "application/xml", body, None)
    return server.url + route


def test_an_implausible_version_is_refused_unless_expected(server, offline) -> None:
    url = serve(server, "/fake/", release_bytes("9.9.9"))
    with pytest.raises(SchemaError) as info:
        schema_cache.update(base_url=url, allow_http=True)
    assert info.value.message == (
        f"{url}tei_all.rng: names TEI release 9.9.9, which is not a plausible release number "
        "(the newest known is 4.12.0); if it is genuine, ask for it by number: "
        "teikit schema update --expect-version 9.9.9"
    )
    assert not (offline / "tei").exists()
    # Asked for by number, it is kept, and serves documents that name it, but it
    # never becomes the default tei_all.
    release = schema_cache.update(base_url=url, allow_http=True, expect_version="9.9.9")
    assert release.version == "9.9.9"
    assert schema_cache.find("9.9.9") == release
    assert schema_cache.newest() == tei_all()


@pytest.mark.parametrize(
    ("edit", "what"),
    [
        (
            lambda text: text.replace('ns="http://www.tei-c.org/ns/1.0"', 'ns="urn:other"', 1),
            'the grammar\'s namespace is not "http://www.tei-c.org/ns/1.0"',
        ),
        (
            lambda text: re.sub(
                r'(<start>.*?)<ref name="TEI"/>', r"\1<empty/>", text, count=1, flags=re.S
            ),
            "its start is not the TEI element",
        ),
        (
            lambda text: re.sub(r'<define name="teiHeader">.*?</define>', "", text, flags=re.S),
            "no define for teiHeader",
        ),
        (
            lambda text: text.replace(
                "<sch:assert ",
                "<sch:assert test=\"environment-variable('HOME')\" x-",
                1,
            ),
            "its embedded Schematron calls environment-variable() (reads the process "
            "environment), line",
        ),
    ],
)
def test_what_is_not_a_tei_release_is_refused(server, offline, edit, what) -> None:
    url = serve(server, "/edited/", edit(release_bytes("4.12.0").decode()).encode())
    with pytest.raises(SchemaError) as info:
        schema_cache.update(base_url=url, allow_http=True)
    assert info.value.message.startswith(
        f"{url}tei_all.rng: not a TEI release's tei_all.rng ({what}"
    )
    assert not (offline / "tei").exists()


def test_a_small_grammar_with_a_tei_header_is_not_a_release(server) -> None:
    body = (
        b'<grammar xmlns="http://relaxng.org/ns/structure/1.0" ns="http://www.tei-c.org/ns/1.0">'
        b"<!-- TEI Edition: P5 Version 4.12.1. -->"
        b'<start><ref name="TEI"/></start><define name="TEI"><element name="TEI"><text/>'
        b'</element></define><define name="teiHeader"><notAllowed/></define>'
        b'<define name="text"><notAllowed/></define></grammar>'
    )
    url = serve(server, "/small/", body)
    with pytest.raises(SchemaError) as info:
        schema_cache.update(base_url=url, allow_http=True)
    assert info.value.message == (
        f"{url}tei_all.rng: not a TEI release's tei_all.rng (1 elements; tei_all has over 400)"
    )


def test_a_cached_release_that_fails_verification_is_never_used(offline) -> None:
    # What an older teikit may have cached: any grammar with a plausible header …
    write_release(offline, "4.20.0", b"<grammar><!-- TEI Edition: P5 Version 4.20.0. --></grammar>")
    # … or a real one edited since it was stored (its manifest's sha256 no longer fits).
    folder = write_release(offline, "4.14.0")
    data = (folder / "tei_all.rng").read_bytes()
    (folder / "tei_all.rng").write_bytes(data.replace(b"<start>", b"<start >", 1)[: len(data)])
    write_release(offline, "4.13.0")  # a good one
    assert [r.version for r in schema_cache.list_releases()] == ["4.3.0", "4.12.0", "4.13.0"]
    assert schema_cache.newest().version == "4.13.0"
