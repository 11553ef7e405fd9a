"""The Schematron precheck: a document is called clean without Saxon only when
Saxon would find nothing in it; XPath 2.0 is translated to 1.0 only where both
read the same."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from teikit import xslt
from teikit.document import load
from teikit.errors import LoadError
from teikit.schemas import tei_all
from teikit.validate import rng
from teikit.validate.relaxng import compile_grammar, is_valid
from teikit.validate.schematron import compile_schematron, embedded_schematron
from teikit.validate.schematron_precheck import (
    Precheck,
    _attributes_only,
    _parser,
    _required_attributes,
    _Unsupported,
    bounds,
    translate,
)

from conftest import FIXTURES, SHARED, TEI

NS = {"tei": "http://www.tei-c.org/ns/1.0"}
SVRL = "{http://purl.oclc.org/dsdl/svrl}"


def to_10(expression: str, variables: dict[str, str] | None = None) -> str:
    return translate(_parser(NS).parse(expression), variables)[0]


@pytest.mark.parametrize(
    ("xpath2", "xpath1"),
    [
        ("tei:*[@when]", "tei:*[@when]"),
        ("normalize-space(.) eq ''", "normalize-space(.) = ''"),
        ("string-length( normalize-space(.) ) gt 0", "string-length(normalize-space(.)) > 0"),
        ("@target and count( child::* ) > 0", "@target and count(child::*) > 0"),
        ("@type = 'gloss'", "@type = 'gloss'"),
        ("not( ancestor::tei:ab | parent::tei:p )", "not(ancestor::tei:ab | parent::tei:p)"),
        ("preceding-sibling::*[ name(.) eq $gi ]", "preceding-sibling::*[name(.) = $gi]"),
    ],
)
def test_what_reads_the_same_in_xpath_1_and_2(xpath2, xpath1):
    assert to_10(xpath2, {"gi": "string"}) == xpath1


@pytest.mark.parametrize(
    "xpath2",
    [
        "@n > 5",  # a node compared as a number: XPath 2.0 raises for n="x"
        "tei:p eq 'x'",  # a value comparison of several nodes: an error in 2.0
        "tokenize(@source, ' ')[2]",
        "id(substring(@spanTo, 2)) >> .",
        "@mode = ('add', 'replace')",  # sequences
        "$undeclared",
        "'a' lt 'b'",  # compared as numbers in XPath 1.0
        "matches(@n, '[0-9]+')",
        "distinct-values($x)",  # elementpath's own parse() would hang on the next one
        "count(distinct-values($x)) gt 1",
    ],
)
def test_what_does_not_translate(xpath2):
    with pytest.raises(_Unsupported):
        to_10(xpath2)


def test_an_untranslatable_right_operand_counts_as_maybe_a_left_one_as_unknown():
    parser = _parser(NS)
    possibly, surely = bounds(parser.parse("self::tei:classRef and tokenize(@a, ' ')[2]"), {})
    assert (possibly, surely) == (
        "(boolean(self::tei:classRef)) and (true())",
        "(boolean(self::tei:classRef)) and (false())",
    )
    assert bounds(parser.parse("tokenize(@a, ' ')[2] and self::tei:p"), {}) == (
        "true()",
        "false()",
    )


@pytest.fixture(scope="module")
def tei_all_rules():
    schema = embedded_schematron(rng.parse_schema(tei_all().path))
    executable = xslt.compile_stylesheet(
        compile_schematron(schema, name="tei_all", fired_rules=False).xslt, name="tei_all"
    )
    return Precheck(schema), executable


def saxon_fires(executable, root: etree._Element) -> bool:
    out, _ = xslt.run(executable, xslt.parse(xslt.document_text(root), "file:///doc.xml"))
    svrl = etree.fromstring(out.encode("utf-8"))
    return bool(svrl.findall(SVRL + "failed-assert") + svrl.findall(SVRL + "successful-report"))


def documents() -> list[Path]:
    files = sorted(TEI.glob("*.xml")) + sorted(FIXTURES.glob("*/*.xml"))
    for corpus in ("letters1916", "gerdracor", "schnitzler-briefe"):
        files += sorted((SHARED / "corpora" / corpus).rglob("*.xml"))[:60]
    return files


def test_clean_only_when_saxon_finds_nothing(tei_all_rules):
    """Over the edition, the fixtures and samples of the real editions: never
    clean where Saxon finds something, and clean for most documents."""
    precheck, executable = tei_all_rules
    if not (SHARED / "corpora").is_dir():
        pytest.skip(f"real editions not found in {SHARED} (set TEIKIT_SHARED)")
    checked = clean = 0
    for path in documents():
        try:
            root = load(str(path), require_tei=False).root
        except LoadError:
            continue
        checked += 1
        if precheck.clean(root):
            clean += 1
            assert not saxon_fires(executable, root), path
    assert checked > 200
    assert clean > checked * 3 // 4  # the point: most documents skip Saxon


def test_the_names_of_a_valid_documents_walk_are_every_name_in_it(tei_all_rules):
    """The RELAX NG walk of a valid document collects its element and attribute
    names for the precheck; they are exactly what a walk of the tree finds, and
    the precheck answers the same with them."""
    precheck, _ = tei_all_rules
    grammar = compile_grammar(tei_all().path)
    compared = 0
    for path in sorted(TEI.glob("*.xml")):
        doc = load(str(path))
        names: tuple[set[str], set[str]] = (set(), set())
        if not is_valid(doc, grammar, names):
            continue
        compared += 1
        assert names[0] == {el.tag for el in doc.root.iter(etree.Element)}
        assert names[1] == {a for el in doc.root.iter(etree.Element) for a in el.attrib}
        assert precheck.clean(doc.root, names) == precheck.clean(doc.root)
    assert compared >= 3


@pytest.mark.parametrize(
    ("predicate", "required"),
    [
        ("@when", ["when"]),
        ("@minOccurs and @maxOccurs", ["minOccurs", "maxOccurs"]),
        ("starts-with(@spanTo, '#')", ["spanTo"]),
        ("@type = 'x' and not(@n)", ["type"]),
        ("@a = @b and @c != 'x y'", ["a", "c"]),
        # Nothing required where the predicate can hold without the attribute.
        ("@a or @b", []),
        ("@a = 'b' or @c", []),
        ("not(@x)", []),
        ("contains(@x, '')", []),
        ("string-length(@x) = 0", []),
    ],
)
def test_the_attributes_a_rule_context_requires(predicate, required):
    assert _required_attributes(predicate) == required


@pytest.mark.parametrize(
    ("test", "named"),
    [
        ("@notBefore | @notAfter | @from | @to", ["notBefore", "notAfter", "from", "to"]),
        ("@a or @b", ["a", "b"]),
        ("(@a)", ["a"]),
        # Anything else can hold without them (or names a prefixed attribute).
        ("@a and @b", None),
        ("not(@a)", None),
        ("@a = 'x'", None),
        ("tei:p/@a", None),
        ("@xml:lang", None),
        ("@a or true()", None),
    ],
)
def test_a_report_of_attributes_alone_names_them(test, named):
    """The precheck skips such a report's XPath on a document with none of them."""
    assert _attributes_only(test) == named


def test_a_report_of_attributes_is_run_when_the_document_has_one(tei_all_rules):
    """tei_all reports @notBefore etc. beside @when: skipped without them, run with."""
    precheck, executable = tei_all_rules
    tei = 'xmlns="http://www.tei-c.org/ns/1.0"'
    header = (
        "<teiHeader><fileDesc><titleStmt><title>t</title></titleStmt><publicationStmt><p>p</p>"
        "</publicationStmt><sourceDesc><p>s</p></sourceDesc></fileDesc></teiHeader>"
    )
    for attributes, fires in (('when="2020"', False), ('when="2020" notAfter="2021"', True)):
        root = etree.fromstring(
            f"<TEI {tei}>{header}<text><body><p><date {attributes}/></p></body></text></TEI>"
        )
        assert saxon_fires(executable, root) == fires
        assert precheck.clean(root) == (not fires)


def test_a_rule_that_fires_is_left_to_saxon(tei_all_rules):
    precheck, executable = tei_all_rules
    root = load(str(FIXTURES / "validate" / "embedded-when-with-notbefore-1_warning.xml")).root
    assert saxon_fires(executable, root)
    assert not precheck.clean(root)


def test_a_precheck_kept_in_the_cache_answers_as_the_one_translated(
    tei_all_rules, tmp_path, monkeypatch
):
    """Kept in the user cache by the checksums of the grammar and of the
    translating code, read back without translating, it gives the same answer
    on every document; a damaged cache file is translated again."""
    from teikit.validate import schematron_engine

    monkeypatch.setenv("TEIKIT_CACHE_DIR", str(tmp_path))
    precheck = tei_all_rules[0]
    first = schematron_engine._precheck(tei_all().path)
    [kept] = (tmp_path / "precheck").iterdir()

    def translate_again(*_args):
        raise AssertionError("translated again instead of read from the cache")

    with monkeypatch.context() as patched:
        patched.setattr(Precheck, "__init__", translate_again)
        second = schematron_engine._precheck(tei_all().path)
    assert first.record() == second.record() == precheck.record()
    for path in documents()[:200]:
        try:
            root = load(str(path), require_tei=False).root
        except LoadError:
            continue
        assert second.clean(root) == precheck.clean(root), path
    kept.write_bytes(b"not marshal data")
    assert schematron_engine._precheck(tei_all().path).record() == precheck.record()
