"""Tests for teikit.document: the hardened XML loader.

Every hardening rule has its own tiny fixture under tests/fixtures/loader/,
named for the defect. Large or deep inputs are generated into tmp_path.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import textwrap
import tracemalloc
from pathlib import Path

import pytest
from lxml import etree

import teikit.document as document
from teikit.document import MAX_BYTES, MAX_DEPTH, TEI_NS, Document, load, load_many
from teikit.errors import Diagnostic, LoadError, Severity

FIXTURES = Path(__file__).parent / "fixtures" / "loader"
TEI_OPEN = f'<TEI xmlns="{TEI_NS}">'
HEADER = (
    "<teiHeader><fileDesc><titleStmt><title>T</title></titleStmt>"
    "<publicationStmt><p>x</p></publicationStmt><sourceDesc><p>x</p></sourceDesc>"
    "</fileDesc></teiHeader>"
)


def fixture(name: str) -> str:
    return str(FIXTURES / name)


def tei_bytes(body: str = "<p>x</p>", prolog: str = "") -> bytes:
    return f"{prolog}{TEI_OPEN}{HEADER}<text><body>{body}</body></text></TEI>".encode()


def only_diagnostic(exc: LoadError, path: str) -> Diagnostic:
    """The contract every failure honours: one FATAL xml diagnostic, one line."""
    assert isinstance(exc, LoadError)
    assert len(exc.diagnostics) == 1
    diag = exc.diagnostics[0]
    assert diag.severity is Severity.FATAL
    assert diag.source == "xml"
    assert diag.file == path
    line = diag.format()
    assert "\n" not in line and "\r" not in line
    assert line.startswith(f"{path}:{diag.line}:{diag.column}: error: ")
    assert line.endswith(f"[xml:{diag.code}]")
    assert str(exc) == line
    return diag


def fail(source: object, path: str | None = None, **kwargs: object) -> Diagnostic:
    with pytest.raises(LoadError) as info:
        load(source, path=path, **kwargs)  # type: ignore[arg-type]
    shown = path if path is not None else os.fspath(source)  # type: ignore[arg-type]
    return only_diagnostic(info.value, "<stdin>" if shown == "-" else shown)


# --------------------------------------------------------------------------- good documents


def test_minimal_tei_loads_with_ids_models_title_and_xpaths() -> None:
    path = fixture("minimal-tei.xml")
    doc = load(path)
    assert isinstance(doc, Document)
    assert doc.path == path
    assert doc.is_tei
    assert doc.encoding == "UTF-8"
    assert doc.tree.getroot() is doc.root
    assert doc.root.tag == f"{{{TEI_NS}}}TEI"
    # egXML itself has a real xml:id; ids *inside* the example are quoted markup.
    assert list(doc.ids) == ["doc", "d1", "d2", "p1", "ex1"]
    assert doc.duplicate_ids == []
    assert doc.ids["p1"].sourceline == 23
    assert doc.ids["p1"].text == "Tito"
    assert doc.xml_models == [
        {
            "href": "schema/teikit.rng",
            "type": "application/xml",
            "schematypens": "http://relaxng.org/ns/structure/1.0",
        },
        {
            "href": "schema/teikit.sch",
            "type": "application/xml",
            "schematypens": "http://purl.oclc.org/dsdl/schematron",
            "phase": "#ALL",
        },
    ]
    # First titleStmt/title, descendants included, comment excluded, whitespace normalised.
    assert doc.title() == "A minimal edition"
    assert doc.xpath_of(doc.root) == "/TEI"
    assert doc.xpath_of(doc.ids["p1"]) == "/TEI/text/body/div[2]/p[3]/persName"
    assert doc.xpath_of(doc.ids["d1"]) == "/TEI/text/body/div[1]"
    title, short = doc.root.iter(f"{{{TEI_NS}}}title")
    assert doc.xpath_of(title) == "/TEI/teiHeader/fileDesc/titleStmt/title[1]"
    assert doc.xpath_of(short) == "/TEI/teiHeader/fileDesc/titleStmt/title[2]"
    example_p = doc.ids["ex1"][0]
    assert doc.xpath_of(example_p) == "/TEI/text/body/div[2]/egXML/p"
    assert doc.xpath_of(example_p[0]) == "/TEI/text/body/div[2]/egXML/p/persName"


def test_pathlike_and_bytes_sources() -> None:
    doc = load(FIXTURES / "minimal-tei.xml")
    assert doc.path == fixture("minimal-tei.xml")
    raw = (FIXTURES / "minimal-tei.xml").read_bytes()
    assert load(raw).path == "<bytes>"
    named = load(raw, path="edition/minimal.xml")
    assert named.path == "edition/minimal.xml"
    assert named.title() == "A minimal edition"
    assert load(bytearray(raw)).is_tei


def test_title_falls_back_to_file_stem() -> None:
    doc = load(fixture("non-tei-root.xml"), require_tei=False)
    assert not doc.is_tei
    assert doc.title() == "non-tei-root"
    assert load(tei_bytes(), path="dir/no-title.xml").title() == "T"
    empty_title = tei_bytes().replace(b"<title>T</title>", b"<title> </title>")
    assert load(empty_title, path="dir/untitled.xml").title() == "untitled"


def test_tei_corpus_root_is_tei() -> None:
    doc = load(fixture("tei-corpus.xml"))
    assert doc.is_tei
    assert doc.title() == "The corpus"


def test_utf8_bom_is_fine() -> None:
    assert (FIXTURES / "bom-utf8.xml").read_bytes().startswith(b"\xef\xbb\xbf")
    doc = load(fixture("bom-utf8.xml"))
    assert doc.encoding == "UTF-8"
    assert doc.title() == "With BOM"
    assert doc.root.find(f".//{{{TEI_NS}}}body/{{{TEI_NS}}}p").text == "ž"


def test_utf16_with_bom_loads() -> None:
    doc = load(fixture("utf16-with-bom.xml"))
    assert doc.encoding == "UTF-16"
    assert doc.title() == "Ðurđevdan"
    assert doc.ids["u"].sourceline == 2


def test_genuine_latin1_loads() -> None:
    doc = load(fixture("latin1-declared-and-latin1.xml"))
    assert doc.encoding == "ISO-8859-1"
    assert doc.title() == "Café"


def test_duplicate_xml_id_is_recorded_not_fatal() -> None:
    doc = load(fixture("duplicate-xml-id.xml"))
    assert list(doc.ids) == ["a", "b"]
    assert doc.ids["a"].text == "one"
    assert doc.duplicate_ids == [("a", 6, 4), ("a", 7, 4)]


def test_ids_left_for_later_are_the_same_when_asked_for() -> None:
    # load(ids=False) collects a document's ids and repeated ids when first asked,
    # as load() does at once (the validate parent reads registers whose ids nobody asks).
    eager = load(fixture("duplicate-xml-id.xml"))
    lazy = load(fixture("duplicate-xml-id.xml"), ids=False)
    assert "ids" not in vars(lazy)
    assert lazy.duplicate_ids == [("a", 6, 4), ("a", 7, 4)]
    assert list(lazy.ids) == ["a", "b"] and lazy.ids["a"].text == "one"
    assert [el.sourceline for el in lazy.ids.values()] == [
        el.sourceline for el in eager.ids.values()
    ]
    with pytest.raises(AttributeError, match="no attribute 'idz'"):
        _ = lazy.idz


def test_require_tei_false_accepts_any_root() -> None:
    doc = load(fixture("non-tei-root.xml"), require_tei=False)
    assert doc.root.tag == "{http://www.w3.org/1999/xhtml}html"


# --------------------------------------------------------------------------- failures by fixture


@pytest.mark.parametrize(
    ("name", "code", "line", "column", "fragments"),
    [
        ("empty.xml", "file-empty", 0, 0, ["file is empty"]),
        ("whitespace-only.xml", "file-empty", 0, 0, ["only whitespace"]),
        (
            "malformed-unclosed-tag.xml",
            "not-well-formed",
            6,
            34,  # libxml2 columns are 1-based: just after the offending "</p>"
            ["not well-formed: Opening and ending tag mismatch: hi line 6 and p"],
        ),
        (
            "non-tei-root.xml",
            "not-tei",
            2,
            1,
            [
                "root element is {http://www.w3.org/1999/xhtml}html, expected TEI or "
                "teiCorpus in the TEI namespace http://www.tei-c.org/ns/1.0"
            ],
        ),
        (
            "tei-no-namespace.xml",
            "not-tei",
            3,
            3,
            ["root element is TEI (in no namespace)", 'add xmlns="http://www.tei-c.org/ns/1.0"'],
        ),
        (
            "encoding-declared-latin1-but-utf8.xml",
            "bad-encoding",
            1,
            31,  # the declared encoding's value
            ["'ISO-8859-1' is declared but the content is UTF-8", "line 4, column 7"],
        ),
        (
            "unknown-encoding.xml",
            "bad-encoding",
            1,
            31,
            ["unknown or unsupported encoding 'x-klingon'"],
        ),
        (
            "undeclared-encoding-utf16-no-bom.xml",
            "bad-encoding",
            1,
            1,
            ["UTF-16 (little-endian) without a byte order mark"],
        ),
        (
            "billion-laughs.xml",
            "entity-declaration",
            3,
            2,  # the first <!ENTITY declaration inside the DOCTYPE
            ["entity declarations are not supported, for security", "'lol'"],
        ),
        (
            "xxe-local-file.xml",
            "external-entity",
            3,
            3,
            ["external entity 'x' is not allowed"],
        ),
        (
            # An internal entity comes first, but the external one is what gets reported;
            # the commented-out "<!ENTITY" is not mistaken for a declaration.
            "xxe-parameter-entity.xml",
            "external-entity",
            5,
            3,
            ["external entity '%remote' is not allowed"],
        ),
        (
            "doctype-external-dtd-entity-reference.xml",
            "undefined-entity",
            4,
            13,
            ["undefined entity &nbsp;", "DTDs are never loaded"],
        ),
    ],
)
def test_fixture_failures(
    name: str, code: str, line: int, column: int, fragments: list[str]
) -> None:
    diag = fail(fixture(name))
    assert (diag.code, diag.line, diag.column) == (code, line, column)
    for fragment in fragments:
        assert fragment in diag.message


def test_invalid_utf8_reports_byte_offset_and_line() -> None:
    data = (FIXTURES / "invalid-utf8.xml").read_bytes()
    offset = data.index(b"\xe9")
    diag = fail(fixture("invalid-utf8.xml"))
    assert diag.code == "bad-encoding"
    assert (diag.line, diag.column) == (4, 7)
    assert diag.message.startswith("not valid UTF-8")
    assert f"0xE9 at byte offset {offset} (line 4, column 7)" in diag.message


def test_invalid_utf8_without_declaration_says_utf8_is_assumed() -> None:
    diag = fail(b"<TEI>\n\n  \xff</TEI>", path="x.xml")
    assert diag.code == "bad-encoding"
    assert (diag.line, diag.column) == (3, 3)
    assert "no encoding declared, so UTF-8 assumed" in diag.message
    assert "0xFF at byte offset 9" in diag.message


def test_invalid_utf8_split_across_decode_slices(monkeypatch: pytest.MonkeyPatch) -> None:
    # A multi-byte character straddling a slice boundary is fine; a broken one is located.
    monkeypatch.setattr(document, "_CHUNK", 7)
    good = tei_bytes("<p>čćžšđ ≠ 𝔸</p>")
    assert load(good).root.find(f".//{{{TEI_NS}}}body/{{{TEI_NS}}}p").text == "čćžšđ ≠ 𝔸"
    bad = good.replace("≠".encode(), "≠".encode()[:2] + b"x")
    diag = fail(bad, path="b.xml")
    offset = bad.index("≠".encode()[:2] + b"x")
    column = len(bad[:offset].decode()) + 1  # columns count characters, not bytes
    assert f"0xE2 at byte offset {offset} (line 1, column {column})" in diag.message
    assert (diag.line, diag.column) == (1, column)


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b'\xef\xbb\xbf<?xml version="1.0" encoding="ISO-8859-2"?><TEI/>', "byte order mark says"),
        (b'<?xml version="1.0" encoding="UTF-16"?><TEI/>', "'UTF-16' is declared but the bytes"),
        (b'<?xml version="1.0" encoding="utf-7"?><TEI/>', "unsupported encoding 'utf-7'"),
        (b'<?xml version="1.0" encoding="rot13"?><TEI/>', "unsupported encoding 'rot13'"),
        (b'<?xml version="1.0" encoding="9bad"?><TEI/>', "invalid encoding name '9bad'"),
        (b"\x00<\x00T\x00E\x00I\x00/\x00>", "UTF-16 (big-endian) without a byte order mark"),
        ("<TEI/>".encode("utf-32-le"), "UTF-32 without a byte order mark"),
    ],
)
def test_encoding_contradictions(data: bytes, fragment: str) -> None:
    diag = fail(data, path="enc.xml")
    assert diag.code == "bad-encoding"
    assert fragment in diag.message


@pytest.mark.parametrize(
    ("data", "code", "fragment"),
    [
        (b"\x00\x00\x00\x00", "bad-encoding", "starts with a NUL byte"),
        (b"\xef\xbb\xbf", "file-empty", "only a byte order mark"),
        (b"<?xml version='1.0'?>\n", "not-well-formed", "no root element"),
    ],
)
def test_not_really_a_document(data: bytes, code: str, fragment: str) -> None:
    diag = fail(data, "n.xml")
    assert diag.code == code
    assert fragment in diag.message


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_entity_hidden_behind_a_long_prolog_is_still_found(encoding: str) -> None:
    # The prolog scan starts with a 64 KiB window and must widen it, not give up.
    prolog = "<!--" + "x" * 300_000 + "-->\n<!DOCTYPE TEI [\n<!--" + "y" * 300_000 + "-->\n"
    text = prolog + '<!ENTITY a SYSTEM "file:///etc/passwd">\n]>\n' + tei_bytes().decode()
    diag = fail(text.encode(encoding), "long.xml")
    assert (diag.code, diag.line, diag.column) == ("external-entity", 4, 1)


# --------------------------------------------------------------------------- files and streams


def test_missing_file() -> None:
    diag = fail(str(FIXTURES / "does-not-exist.xml"))
    assert (diag.code, diag.line, diag.column) == ("file-not-found", 0, 0)
    assert diag.message == "no such file"


def test_xml_text_passed_as_str_gets_a_hint() -> None:
    diag = fail("<TEI/>")
    assert diag.code == "file-not-found"
    assert "pass XML content as bytes" in diag.message


def test_directory_given() -> None:
    diag = fail(str(FIXTURES))
    assert diag.code == "is-directory"
    assert "is a directory" in diag.message


def test_permission_denied(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(document.os, "open", refuse)  # the loader opens with os.open
    diag = fail(fixture("minimal-tei.xml"))
    assert (diag.code, diag.line, diag.column) == ("permission-denied", 0, 0)
    assert "permission denied" in diag.message


def test_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    raw = (FIXTURES / "minimal-tei.xml").read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
    doc = load("-")
    assert doc.path == "<stdin>"
    assert doc.title() == "A minimal edition"
    assert load(raw, path="-").path == "<stdin>"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"<TEI>")))
    diag = fail("-")
    assert diag.file == "<stdin>"
    assert diag.code == "not-well-formed"


def test_load_many_never_stops(tmp_path: Path) -> None:
    paths = [
        fixture("minimal-tei.xml"),
        str(tmp_path / "missing.xml"),
        fixture("malformed-unclosed-tag.xml"),
        fixture("billion-laughs.xml"),
        fixture("tei-corpus.xml"),
    ]
    results = list(load_many(paths))
    assert [type(r).__name__ for r in results] == [
        "Document",
        "LoadError",
        "LoadError",
        "LoadError",
        "Document",
    ]
    codes = [r.diagnostics[0].code for r in results if isinstance(r, LoadError)]
    assert codes == ["file-not-found", "not-well-formed", "entity-declaration"]
    assert [r.diagnostics[0].file for r in results if isinstance(r, LoadError)] == paths[1:4]


def test_errors_from_earlier_parses_do_not_leak_into_later_diagnostics() -> None:
    # lxml's exception error_log is thread-global; a stale libxml2 error from the
    # previous document must not be reported as this document's first error.
    fail(fixture("doctype-external-dtd-entity-reference.xml"))
    diag = fail(fixture("malformed-unclosed-tag.xml"))
    assert (diag.line, diag.column) == (6, 34)


# --------------------------------------------------------------------------- external resources


def test_xxe_never_reads_the_file(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-7f3a9c")
    data = tei_bytes(
        "<p>&x;</p>",
        prolog=f'<!DOCTYPE TEI [\n<!ENTITY x SYSTEM "{secret.as_uri()}">\n]>\n',
    )
    with pytest.raises(LoadError) as info:
        load(data, path="xxe.xml")
    diag = only_diagnostic(info.value, "xxe.xml")
    assert diag.code == "external-entity"
    assert (diag.line, diag.column) == (2, 1)
    assert "external entity 'x' is not allowed" in diag.message
    assert "TOP-SECRET" not in str(info.value)
    assert "TOP-SECRET" not in repr(info.value.diagnostics)


def test_external_dtd_subset_is_never_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # lxml's collect_ids=False makes libxml2 *ask* for the external subset even with
    # load_dtd=False; the loader's refusing resolver must answer every such request.
    asked: list[str] = []
    original = document._RefuseAll.resolve

    def spy(self: document._RefuseAll, url: str, pubid: str, context: object) -> object:
        asked.append(url)
        return original(self, url, pubid, context)

    monkeypatch.setattr(document._RefuseAll, "resolve", spy)
    dtd = tmp_path / "evil.dtd"
    dtd.write_text('<!ENTITY secret "TOP-SECRET-DTD">\n<!ATTLIST p rend CDATA "TOP-SECRET-ATT">\n')
    xml = tmp_path / "doc.xml"
    xml.write_bytes(tei_bytes("<p>x</p>", prolog='<!DOCTYPE TEI SYSTEM "evil.dtd">\n'))
    doc = load(str(xml))
    assert asked and asked[0].endswith("evil.dtd")
    assert b"TOP-SECRET" not in etree.tostring(doc.tree)
    external = doc.tree.docinfo.externalDTD
    assert external is None or list(external.iterentities()) == []


def test_doctype_with_remote_dtd_loads_offline() -> None:
    doc = load(fixture("doctype-external-dtd.xml"))
    assert doc.title() == "External DTD"
    assert doc.tree.docinfo.system_url == "http://example.invalid/tei_all.dtd"


def test_any_internal_entity_declaration_is_rejected() -> None:
    diag = fail(tei_bytes("<p>&me;</p>", prolog='<!DOCTYPE TEI [ <!ENTITY me "Tito"> ]>'), "e.xml")
    assert diag.code == "entity-declaration"
    assert (diag.line, diag.column) == (1, 17)


def test_internal_subset_without_entities_is_accepted() -> None:
    prolog = '<!DOCTYPE TEI [\n<!-- <!ENTITY x "in a comment"> -->\n<!ELEMENT p ANY>\n]>\n'
    doc = load(tei_bytes(prolog=prolog), path="ok.xml")
    assert doc.is_tei


def test_undefined_entity_without_doctype() -> None:
    diag = fail(tei_bytes("<p>a&nbsp;b</p>"), "nbsp.xml")
    assert diag.code == "undefined-entity"
    assert "&nbsp;" in diag.message


# --------------------------------------------------------------------------- bounds


def test_bytes_larger_than_max_bytes() -> None:
    diag = fail(tei_bytes(), "big.xml", max_bytes=100)
    assert diag.code == "file-too-large"
    assert "larger than the limit of 100 bytes" in diag.message


def test_ten_thousand_deep_gives_one_line_diagnostic(tmp_path: Path) -> None:
    deep = tmp_path / "too-deep.xml"
    deep.write_bytes(
        f"{TEI_OPEN}\n".encode() + b"<div>" * 10_000 + b"</div>" * 10_000 + b"\n</TEI>"
    )
    diag = fail(str(deep))
    assert diag.code == "too-deep"
    assert diag.line == 2
    assert diag.message == f"elements are nested more than {MAX_DEPTH} levels deep"


def test_depth_just_over_the_default_bound(tmp_path: Path) -> None:
    # The loader's own bound applies whatever depth the bundled libxml2 accepts
    # (older releases accept 257 levels, newer ones stop at 256).
    levels = MAX_DEPTH  # + the TEI root = MAX_DEPTH + 1
    deep = tmp_path / "too-deep-257.xml"
    deep.write_bytes(f"{TEI_OPEN}".encode() + b"\n<div>" * levels + b"</div>" * levels + b"</TEI>")
    diag = fail(str(deep))
    assert diag.code == "too-deep"
    assert diag.line == MAX_DEPTH + 1  # the first element at depth MAX_DEPTH + 1


def test_explicit_small_max_depth() -> None:
    data = f"{TEI_OPEN}\n<a>\n<b>\n<c/>\n</b>\n</a>\n</TEI>".encode()
    load(data, max_depth=4)
    diag = fail(data, "d.xml", max_depth=3)
    assert (diag.code, diag.line) == ("too-deep", 4)
    assert "more than 3 levels" in diag.message


# --------------------------------------------------------------------------- 50 MB, one line


@pytest.fixture(scope="module")
def fifty_mb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A well-formed 50 MB TEI document on a single line (generated, never committed)."""
    path = tmp_path_factory.mktemp("big") / "fifty-mb-single-line.xml"
    para = b"<p>" + b"lorem ipsum " * 87_381 + b"</p>"  # ~1 MiB per paragraph
    with path.open("wb") as fh:
        fh.write(f'<?xml version="1.0" encoding="UTF-8"?>{TEI_OPEN}{HEADER}<text><body>'.encode())
        for _ in range(50):
            fh.write(para)
        fh.write(b"</body></text></TEI>")
    assert path.stat().st_size > 50_000_000
    assert b"\n" not in path.read_bytes()
    return path


def test_fifty_mb_single_line_parses_with_bounded_memory(fifty_mb: Path) -> None:
    assert fifty_mb.stat().st_size < MAX_BYTES
    # A fresh interpreter, so ru_maxrss measures this load alone.
    script = textwrap.dedent(
        f"""
        import json, re, resource
        from pathlib import Path
        from teikit.document import load
        doc = load({str(fifty_mb)!r})
        # Linux keeps ru_maxrss across fork and exec: a child of a large test
        # process would report the parent's size. VmHWM is this process's own peak.
        status = Path("/proc/self/status")
        peak = re.search(r"VmHWM:\\s+(\\d+)", status.read_text()) if status.exists() else None
        print(json.dumps({{
            "paragraphs": len(doc.root[1][0]),
            "line": doc.root[1][0][-1].sourceline,
            "maxrss_kib": int(peak.group(1)) if peak
                else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        }}))
        """
    )
    src = str(Path(document.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", "")}
    run = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True
    )
    result = json.loads(run.stdout)
    assert result["paragraphs"] == 50
    assert result["line"] == 1
    # ~50 MB of input plus ~50 MB of tree: generous, but far from unbounded.
    assert result["maxrss_kib"] < 512 * 1024


def test_fifty_mb_rejected_before_parsing_with_small_bound(fifty_mb: Path) -> None:
    tracemalloc.start()
    try:
        with pytest.raises(LoadError) as info:
            load(fifty_mb, max_bytes=1_000_000)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    diag = only_diagnostic(info.value, str(fifty_mb))
    assert diag.code == "file-too-large"
    size = fifty_mb.stat().st_size
    assert f"file is {size:,} bytes, larger than the limit of 1,000,000 bytes" in diag.message
    assert peak < 1_000_000  # the file was never read


def test_fifty_mb_single_line_malformed_gives_short_one_line_diagnostic(
    fifty_mb: Path, tmp_path: Path
) -> None:
    data = fifty_mb.read_bytes()
    broken = tmp_path / "fifty-mb-malformed.xml"
    cut = data.rindex(b"</body>")
    broken.write_bytes(data[:cut] + b"</bdy>" + data[cut + 7 :])
    del data
    diag = fail(str(broken))
    assert diag.code == "not-well-formed"
    assert diag.line == 1
    assert diag.column > 50_000_000
    assert "Opening and ending tag mismatch: body line 1 and bdy" in diag.message
    assert len(diag.format()) < 400


# --------------------------------------------------------------------------- only LoadError


@pytest.mark.parametrize(
    "data",
    [
        b"\x00",
        b"\x00\x00\x00\x00",
        b"<",
        b"<!DOCTYPE",
        b"<!DOCTYPE TEI [",
        b"<!DOCTYPE TEI [ <!ENTITY",
        b"\xef\xbb\xbf",
        b"\xff\xfe",
        b"\xff\xfe<\x00",  # UTF-16 BOM, truncated
        b"\xfe\xff\x00<\x00T",  # odd length UTF-16
        b"\xff\xfe\x00\x00",
        b"<?xml",
        b"<?xml version='1.0' encoding='",
        b"<?xml version='1.0' encoding='latin1'?>",
        b"<?xml version='1.0'?><!-- unterminated",
        b"<TEI xmlns='http://www.tei-c.org/ns/1.0'>\x01</TEI>",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        bytes(range(256)),
    ],
)
def test_hostile_bytes_raise_only_load_error(data: bytes) -> None:
    with pytest.raises(LoadError) as info:
        load(data, path="junk.xml")
    only_diagnostic(info.value, "junk.xml")


def test_invalid_arguments_are_programmer_errors() -> None:
    with pytest.raises(ValueError):
        load(b"<TEI/>", max_depth=0)
    with pytest.raises(TypeError):
        load(42)  # type: ignore[arg-type]


def test_defaults() -> None:
    assert MAX_BYTES == 64 * 1024 * 1024
    assert MAX_DEPTH == 256
    assert TEI_NS == "http://www.tei-c.org/ns/1.0"
