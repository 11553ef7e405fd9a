"""teikit.rules: corpus-level integrity checks.

Each directory under tests/fixtures/rules/ holds the smallest set of files
showing one defect, named for it; each yields exactly its rule's diagnostic.
The bundled edition yields none.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from teikit.document import load
from teikit.errors import Diagnostic, Severity, UsageError
from teikit.rules import CODES, RULES, check, registers_found
from teikit.rules.authority import idno_problem, uri_problem

from conftest import FIXTURES, TEI

RULE_FIXTURES = FIXTURES / "rules"

# fixture directory -> (file, code, severity) of every expected finding
CASES = {
    "dangling-ref": [("text.xml", "dangling-ref", Severity.ERROR)],
    "duplicate-id-across-files": [("two.xml", "duplicate-id-across-files", Severity.ERROR)],
    "reversed-date-range": [("text.xml", "date-range-reversed", Severity.ERROR)],
    "letter-after-death": [("letter.xml", "date-outside-lifetime", Severity.ERROR)],
    "malformed-gnd-uri": [("register.xml", "authority-uri-malformed", Severity.ERROR)],
    "dangling-key": [("text.xml", "dangling-key", Severity.ERROR)],
    "undeclared-prefix": [("text.xml", "undeclared-prefix", Severity.ERROR)],
    "invalid-date": [("text.xml", "date-invalid", Severity.ERROR)],
    "received-before-sent": [("letter.xml", "received-before-sent", Severity.ERROR)],
    "correspdesc-without-addressee-and-date": [
        ("letter.xml", "correspdesc-no-addressee", Severity.ERROR),
        ("letter.xml", "correspdesc-no-date", Severity.ERROR),
    ],
    "register-entry-unused": [("register.xml", "register-entry-unused", Severity.WARNING)],
    "clean": [],
}


def load_dir(name: str):
    return [load(p) for p in sorted((RULE_FIXTURES / name).glob("*.xml"))]


def test_every_fixture_directory_has_a_case():
    assert sorted(p.name for p in RULE_FIXTURES.iterdir() if p.is_dir()) == sorted(CASES)


@pytest.mark.parametrize("case", sorted(CASES))
def test_fixture_yields_exactly_its_diagnostic(case):
    found = check(load_dir(case))
    assert [(Path(d.file).name, d.code, d.severity) for d in found] == CASES[case], [
        d.format() for d in found
    ]
    for d in found:
        assert d.source == "rules" and d.code in CODES
        assert d.line > 0 and d.xpath.startswith("/TEI")


def test_messages_say_what_to_do():
    (dangling,) = check(load_dir("dangling-ref"))
    assert "'register.xml#nobody'" in dangling.message
    assert "add the entry to register.xml" in dangling.message
    (dead,) = check(load_dir("letter-after-death"))
    assert "after the death of its sender Stalin" in dead.message
    assert "1954-06-22" in dead.message and "1953" in dead.message
    (gnd,) = check(load_dir("malformed-gnd-uri"))
    assert "https://d-nb.info/gnd/11862287O" in gnd.message and "GND" in gnd.message
    (dup,) = check(load_dir("duplicate-id-across-files"))
    assert "one.xml" in dup.message and "rename" in dup.message


def test_the_edition_reports_nothing():
    docs = [load(p) for p in sorted(TEI.glob("*.xml"))]
    assert check(docs) == []
    assert registers_found(docs)


def test_a_single_letter_resolves_against_its_register():
    assert check([load(TEI / "letter-1954-06-22.xml")]) == []
    # without following references, register.xml#… cannot be checked: the file is
    # there but not loaded, so the pointer is not reported as dangling either
    assert check([load(TEI / "letter-1954-06-22.xml")], follow_refs=False) == []


def test_results_are_sorted_by_file_and_line():
    docs = load_dir("correspdesc-without-addressee-and-date") + load_dir("dangling-ref")
    found = check(docs)
    assert found == sorted(found, key=lambda d: (d.file, d.line, d.column, d.code, d.message))
    assert all(isinstance(d, Diagnostic) for d in found)


def test_rule_groups_can_be_chosen():
    assert check(load_dir("dangling-ref"), rules=["dates"]) == []
    assert [d.code for d in check(load_dir("dangling-ref"), rules=["refs"])] == ["dangling-ref"]
    with pytest.raises(UsageError, match="unknown rule group"):
        check(load_dir("dangling-ref"), rules=["nope"])
    assert set(RULES) == {"refs", "authority", "ids", "registers", "dates", "corresp"}


def test_registers_found():
    assert registers_found(load_dir("dangling-ref"))
    assert not registers_found(load_dir("duplicate-id-across-files"))
    # a bibliography of the file's own sources is not a register
    assert not registers_found([load(TEI / "letter-1954-06-22.xml")])


def test_a_register_alone_is_not_reported_unused():
    docs = [d for d in load_dir("register-entry-unused") if d.path.endswith("register.xml")]
    assert check(docs) == []


@pytest.mark.parametrize(
    ("uri", "ok"),
    [
        ("https://viaf.org/viaf/31998356", True),
        ("http://viaf.org/viaf/31998356/", True),
        ("https://viaf.org/viaf/abc", False),
        ("https://d-nb.info/gnd/118540238", True),
        ("https://d-nb.info/gnd/4005728-8", True),
        ("https://d-nb.info/gnd/11862287O", False),
        ("https://www.geonames.org/792680", True),
        ("https://geonames.org/792680/belgrade.html", True),
        ("https://www.geonames.org/belgrade", False),
        ("https://www.wikidata.org/entity/Q915", True),
        ("https://www.wikidata.org/wiki/Q915", True),
        ("https://www.wikidata.org/wiki/Belgrade", False),
        ("https://example.org/anything", True),  # not an authority: not checked
    ],
)
def test_authority_uri_patterns(uri, ok):
    assert (uri_problem(uri) is None) is ok


def test_authority_idno_forms():
    assert idno_problem("GND", "118540238") is None
    assert idno_problem("VIAF", "31998356") is None
    assert idno_problem("wikidata", "Q915") is None
    assert "identifier" in idno_problem("VIAF", "viaf-31998356")
    assert "not a GND URI" in idno_problem("GND", "https://viaf.org/viaf/31998356")
    assert idno_problem("shelfmark", "507 / IX, 119/I-48") is None


def test_bare_fragment_refs_resolve_to_the_corpus_register(tmp_path):
    """ref="#id" for an entry of a separate register file is a common convention:
    the local id comes first, then the registers of the corpus."""
    from teikit.document import load
    from teikit.rules import check

    tei = '<TEI xmlns="http://www.tei-c.org/ns/1.0"><teiHeader><fileDesc><titleStmt><title>t</title></titleStmt><publicationStmt><p/></publicationStmt><sourceDesc><p/></sourceDesc></fileDesc></teiHeader><text><body>{}</body></text></TEI>'
    (tmp_path / "register.xml").write_text(
        tei.format(
            '<listPerson><person xml:id="tito"><persName>Tito</persName></person></listPerson>'
        )
    )
    (tmp_path / "letter.xml").write_text(
        tei.format(
            '<p><persName ref="#tito">Tito</persName> and <persName ref="#nobody">X</persName></p>'
        )
    )
    docs = [load(str(tmp_path / n)) for n in ("letter.xml", "register.xml")]
    found = [(d.code, d.message.split(":")[0]) for d in check(docs)]
    assert found == [("dangling-ref", "@ref '#nobody' points nowhere")]
