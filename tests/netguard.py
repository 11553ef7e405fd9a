"""Fixtures of the schema-resolution tests (test_catalog.py, test_schemas.py), which
must never touch the network.

A test module binds them as module attributes (``offline = netguard.offline``) so
that pytest finds them there; ``offline`` is autouse, so it then guards every test
of that module and of no other (which is why it is not in conftest.py).
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from teikit import schema_cache


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Any connection attempt fails the test; a private, empty cache; no user catalogs."""

    def no_network(address, *args, **kwargs):
        raise AssertionError(f"network access attempted: {address}")

    monkeypatch.setattr(socket, "create_connection", no_network)
    for name in ("XML_CATALOG_FILES", "TEIKIT_TEI_RELEASE_URL", "TEIKIT_TEI_VAULT_URL"):
        monkeypatch.delenv(name, raising=False)
    cache = tmp_path / "cache"
    monkeypatch.setenv("TEIKIT_CACHE_DIR", str(cache))
    return cache


@pytest.fixture
def cached_4_12_0(shared_tei_all: Path) -> Path:
    """TEI 4.12.0 in the private cache, installed from a file: URL (no network)."""
    return schema_cache.update(base_url=shared_tei_all.as_uri()).path


@pytest.fixture
def cached_4_13_0(shared_tei_all: Path, tmp_path: Path) -> Path:
    """A release newer than the bundled one in the private cache: 4.12.0 with its
    header saying 4.13.0, installed from a file: URL (no network)."""
    newer = tmp_path / "newer" / "tei_all.rng"
    newer.parent.mkdir()
    data = shared_tei_all.read_bytes()
    newer.write_bytes(data.replace(b"4.12.0", b"4.13.0", 1))  # the header comes first
    return schema_cache.update(base_url=newer.as_uri()).path
