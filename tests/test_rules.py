"""teikit.rules: corpus-level integrity checks, as the edition's policy.

Each directory under tests/fixtures/rules/ holds the smallest set of files
showing one defect, named for it; each yields exactly its rule's diagnostic when
its rule is on (rules that are off by default are switched on for their case,
and yield nothing by default). The bundled edition yields none.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from lxml import etree

from teikit.document import load
from teikit.edition import Edition, discover
from teikit.edition.config import RulesConfig
from teikit.errors import Diagnostic, Severity, UsageError
from teikit.rules import CODES, RULES, check, policy
from teikit.rules.authority import idno_problem, uri_problem
from teikit.validate import ValidateOptions, validate_files

from conftest import FIXTURES, TEI

RULE_FIXTURES = FIXTURES / "rules"

# fixture directory -> (file, code, severity) of every expected finding
CASES = {
    "dangling-ref": [("text.xml", "dangling-ref", Severity.ERROR)],
    "duplicate-id-across-files": [("two.xml", "duplicate-id-across-files", Severity.ERROR)],
    "reversed-date-range": [("text.xml", "date-range-reversed", Severity.ERROR)],
    "letter-after-death": [("letter.xml", "date-outside-lifetime", Severity.WARNING)],
    "malformed-gnd-uri": [("register.xml", "authority-uri-malformed", Severity.WARNING)],
    "dangling-key": [("text.xml", "dangling-key", Severity.ERROR)],
    "undeclared-prefix": [("text.xml", "undeclared-prefix", Severity.ERROR)],
    "invalid-date": [("text.xml", "date-invalid", Severity.ERROR)],
    "received-before-sent": [("letter.xml", "received-before-sent", Severity.WARNING)],
    "correspdesc-without-addressee-and-date": [
        ("letter.xml", "correspdesc-no-addressee", Severity.ERROR),
        ("letter.xml", "correspdesc-no-date", Severity.ERROR),
    ],
    "register-entry-unused": [("register.xml", "register-entry-unused", Severity.WARNING)],
    "register-entry-pointing-at-itself": [
        ("register.xml", "register-entry-unused", Severity.WARNING)
    ],
    "clean": [],
}
# Cases whose rules are off by default: the policy that switches them on.
POLICIES = {
    "duplicate-id-across-files": RulesConfig(ids_unique_across_files=True),
    "invalid-date": RulesConfig(severity={"date-invalid": "error"}),
    "correspdesc-without-addressee-and-date": RulesConfig(
        severity={"correspdesc-no-addressee": "error", "correspdesc-no-date": "error"}
    ),
    "register-entry-unused": RulesConfig(severity={"register-entry-unused": "warning"}),
    "register-entry-pointing-at-itself": RulesConfig(severity={"register-entry-unused": "warning"}),
}


def load_dir(name: str):
    return [load(p) for p in sorted((RULE_FIXTURES / name).glob("*.xml"))]


def test_every_fixture_directory_has_a_case():
    assert sorted(p.name for p in RULE_FIXTURES.iterdir() if p.is_dir()) == sorted(CASES)


@pytest.mark.parametrize("case", sorted(CASES))
def test_fixture_yields_exactly_its_diagnostic(case):
    found = check(load_dir(case), severities=policy(POLICIES.get(case)))
    assert [(Path(d.file).name, d.code, d.severity) for d in found] == CASES[case], [
        d.format() for d in found
    ]
    for d in found:
        assert d.source == "rules" and d.code in CODES
        assert d.line > 0 and d.xpath.startswith("/TEI")


@pytest.mark.parametrize("case", sorted(POLICIES))
def test_rules_that_flag_legal_tei_are_off_by_default(case):
    assert check(load_dir(case)) == []


def test_messages_say_what_to_do():
    (dangling,) = check(load_dir("dangling-ref"))
    assert "'register.xml#nobody'" in dangling.message
    assert "add the entry to register.xml" in dangling.message
    (dead,) = check(load_dir("letter-after-death"))
    assert "after the death of its sender Stalin" in dead.message
    assert "1954-06-22" in dead.message and "1953" in dead.message
    (gnd,) = check(load_dir("malformed-gnd-uri"))
    assert "https://d-nb.info/gnd/11862287O" in gnd.message and "GND" in gnd.message
    (dup,) = check(
        load_dir("duplicate-id-across-files"),
        severities=policy(POLICIES["duplicate-id-across-files"]),
    )
    assert "one.xml" in dup.message and "rename" in dup.message


def test_the_edition_reports_nothing():
    docs = [load(p) for p in sorted(TEI.glob("*.xml"))]
    every_rule = {code: Severity.WARNING for code in CODES}
    assert check(docs, severities=every_rule) == []


def test_a_single_letter_resolves_against_its_register():
    assert check([load(TEI / "letter-1954-06-22.xml")]) == []
    # without following references, register.xml#… cannot be checked: the file is
    # there but not loaded; the pointers into it are one summary, not a finding each
    (summary,) = check([load(TEI / "letter-1954-06-22.xml")], follow_refs=False)
    assert summary.code == "register-not-given" and summary.severity == Severity.WARNING
    letter = etree.parse(str(TEI / "letter-1954-06-22.xml"))
    attributes = ("ref", "key", "corresp", "sameAs", "who", "resp")
    into_register = sum(
        token.startswith("register.xml#")
        for attr in attributes
        for value in letter.xpath(f"//@{attr}")
        for token in value.split()
    )
    assert into_register > 50
    assert summary.message.startswith(
        f"{into_register} pointers into register.xml, which is not among the files given"
    )


def test_results_are_sorted_by_file_and_line():
    docs = load_dir("correspdesc-without-addressee-and-date") + load_dir("dangling-ref")
    found = check(docs, severities=policy(POLICIES["correspdesc-without-addressee-and-date"]))
    assert found == sorted(found, key=lambda d: (d.file, d.line, d.column, d.code, d.message))
    assert all(isinstance(d, Diagnostic) for d in found)


def test_rule_groups_can_be_chosen():
    assert check(load_dir("dangling-ref"), rules=["dates"]) == []
    assert [d.code for d in check(load_dir("dangling-ref"), rules=["refs"])] == ["dangling-ref"]
    with pytest.raises(UsageError, match="unknown rule group"):
        check(load_dir("dangling-ref"), rules=["nope"])
    assert set(RULES) == {"refs", "authority", "ids", "registers", "dates", "corresp"}


def test_registers_found():
    assert len(Edition.open(load_dir("dangling-ref")).registers) > 0
    assert len(Edition.open(load_dir("duplicate-id-across-files")).registers) == 0
    # a bibliography of the file's own sources is not a register
    letter = load(TEI / "letter-1954-06-22.xml")
    assert len(Edition([letter], follow=False).registers) == 0


def test_a_register_alone_is_not_reported_unused():
    docs = [d for d in load_dir("register-entry-unused") if d.path.endswith("register.xml")]
    assert check(docs, severities=policy(POLICIES["register-entry-unused"])) == []


@pytest.mark.parametrize("jobs", [1, 2])
def test_an_entry_pointing_at_itself_is_unused_in_any_number_of_workers(jobs):
    """A worker reads its own copy of the register file, not the edition model's:
    the entry's pointer to itself is still told apart from a use (it was counted
    as one with two workers and not with one)."""
    options = ValidateOptions(
        schemas=("tei_all",), rules=True, rule_severity=(("register-entry-unused", "warning"),)
    )
    folder = RULE_FIXTURES / "register-entry-pointing-at-itself"
    report = validate_files(discover([str(folder)]), options=options, jobs=jobs)
    found = [(Path(d.file).name, d.code) for d in report.diagnostics if d.source == "rules"]
    assert found == [("register.xml", "register-entry-unused")]
    assert "saalfelden" in next(d.message for d in report.diagnostics if d.source == "rules")


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


# --------------------------------------------------------------------------- one walk


def _letter(body: str, header: str = "", root_id: str = "") -> str:
    ident = f' xml:id="{root_id}"' if root_id else ""
    return (
        f'<TEI xmlns="http://www.tei-c.org/ns/1.0"{ident}><teiHeader><fileDesc>'
        "<titleStmt><title>A letter</title></titleStmt><publicationStmt><publisher>x</publisher>"
        "<availability>"
        '<licence target="https://creativecommons.org/licenses/by/4.0/">CC BY</licence>'
        "</availability></publicationStmt><sourceDesc><p>x</p></sourceDesc></fileDesc>"
        f"<profileDesc>{header}</profileDesc></teiHeader><text><body>{body}</body></text></TEI>"
    )


def _sent(person: str, when: str, to: str = "#p1") -> str:
    return (
        f'<correspDesc><correspAction type="sent"><persName ref="{person}">A</persName>'
        f'<date when="{when}"/></correspAction><correspAction type="received">'
        f'<persName ref="{to}">B</persName></correspAction></correspDesc>'
    )


def test_rules_in_validation_find_what_rules_check_finds(tmp_path):
    """Validation takes each valid document's pointers from the schema's walk of it,
    without the #ids of the registers the rules know already (teikit.rules.context:
    Context.known), and skips links to the other letters: its findings are those of
    rules.check, which walks each document itself, with every rule on too. The
    cases: a letter whose own element has a register's id, an invalid letter (no
    complete walk), a dangling #id and a letter dated after a death in several
    letters, links between letters, a licence URI."""
    (tmp_path / "register.xml").write_text(
        '<TEI xmlns="http://www.tei-c.org/ns/1.0"><teiHeader><fileDesc><titleStmt><title>'
        "Persons</title></titleStmt><publicationStmt><p>x</p></publicationStmt><sourceDesc>"
        "<p>x</p></sourceDesc></fileDesc></teiHeader><text><body><listPerson>"
        '<person xml:id="p1"><persName>One</persName></person>'
        '<person xml:id="p2"><persName>Two</persName><death when="1900"/></person>'
        '<person xml:id="p3"><persName>Three</persName></person>'
        "</listPerson></body></text></TEI>",
        encoding="utf-8",
    )
    letters = {
        "a.xml": _letter(
            '<p><persName ref="#p2">Two</persName> <ref target="b.xml">next</ref> '
            '<persName ref="#nobody">?</persName></p>',
            _sent("#p1", "1950"),
        ),
        "b.xml": _letter(  # its own element p1: #p1 is that element here
            '<p xml:id="p1"><persName ref="#p1">self</persName> <ref target="a.xml">back</ref>'
            ' <ref target="missing.xml">gone</ref> <persName ref="#nobody">?</persName></p>',
            _sent("#p2", "1950"),
        ),
        "c.xml": _letter(  # invalid: the schema's walk stops early
            '<p><nonsense/><persName ref="#p2">Two</persName> <persName ref="#gone">?</persName>'
            '<date notBefore="1950" notAfter="1940">x</date></p>',
            _sent("#p2", "1960"),
        ),
    }
    for name, text in letters.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    every = {code: Severity.WARNING for code in CODES}

    def by_rules(report):
        return sorted(
            (Path(d.file).name, d.line, d.code, d.message, d.xpath)
            for d in report.diagnostics
            if d.source == "rules"
        )

    for severities, overrides in ((None, ()), (every, tuple((c, "warning") for c in CODES))):
        expected = sorted(
            (Path(d.file).name, d.line, d.code, d.message, d.xpath)
            for d in check(Edition.open(tmp_path), severities=severities)
        )
        assert {code for _, _, code, _, _ in expected} >= {"dangling-ref", "date-outside-lifetime"}
        options = ValidateOptions(schemas=("tei_all",), rules=True, rule_severity=overrides)
        found = by_rules(validate_files(discover([str(tmp_path)]), options=options, jobs=2))
        assert found == expected


def test_findings_without_paths_keep_two_elements_apart(tmp_path):
    """A text report prints no XPath, so validation can leave the rules' paths out
    (ValidateOptions.xpaths); two findings alike but for the element they are about
    (the same dangling #id twice on one line) stay two, and nothing else changes."""
    (tmp_path / "a.xml").write_text(
        _letter(
            '<p><persName ref="#nobody">A</persName> <persName ref="#nobody">B</persName>'
            ' <persName ref="#nobody #nobody">C</persName></p>'
        ),
        encoding="utf-8",
    )
    paths = discover([str(tmp_path)])
    reports = [
        validate_files(
            paths, options=ValidateOptions(schemas=("tei_all",), rules=True, xpaths=xpaths)
        )
        for xpaths in (True, False)
    ]
    with_paths, without = ([d for d in r.diagnostics if d.source == "rules"] for r in reports)
    # (persName[3]'s two tokens are one finding about one element)
    assert sorted(d.xpath for d in with_paths) == [
        f"/TEI/text/body/p/persName[{n}]" for n in (1, 2, 3)
    ]
    assert [d.xpath for d in without] == ["", "", ""]
    assert [replace(d, xpath="") for d in with_paths] == without
    # the next finding made in the process has its path again
    assert sorted(d.xpath for d in check([load(tmp_path / "a.xml")], rules=["refs"])) == [
        f"/TEI/text/body/p/persName[{n}]" for n in (1, 2, 3)
    ]


def test_finding_is_the_diagnostic_its_constructor_makes():
    """rules.context.finding builds its Diagnostic without the dataclass's __init__
    (for speed): it must be the object the constructor makes, field for field, with
    and without a value, and a field added to Diagnostic must be set there too."""
    from dataclasses import fields

    from teikit.rules.context import finding

    doc = load(TEI / "letter-1954-06-22.xml")
    el = doc.root[0][0]
    for value in ("", "#x"):
        made = finding(doc, el, "dangling-ref", "a message", Severity.WARNING, value=value)
        expected = Diagnostic(
            doc.path, el.sourceline, 0, Severity.WARNING, "a message", "dangling-ref",
            "rules", made.xpath, "", (("value", value),) if value else (),
        )  # fmt: skip
        assert made.xpath
        assert vars(made) == vars(expected)
        assert set(vars(made)) == {f.name for f in fields(Diagnostic)}
        assert made == expected and hash(made) == hash(expected)
        assert made.format() == expected.format()


def test_register_candidates_are_kept_by_size_and_time(tmp_path, monkeypatch):
    """Which files may hold registers is read once: a second run over the edition
    stats its files instead of reading them, and a changed file is read again."""
    from teikit.edition import registers

    letter, register = tmp_path / "letter.xml", tmp_path / "register.xml"
    letter.write_text(_letter("<p>Hello</p>"), encoding="utf-8")
    register.write_text(_letter("<listPerson><person xml:id='p'/></listPerson>"), "utf-8")
    paths = [str(letter), str(register)]
    assert registers.register_candidates(paths) == {str(register)}
    with monkeypatch.context() as patched:
        patched.setattr(registers, "may_hold_registers", lambda path: pytest.fail(path))
        assert registers.register_candidates(paths) == {str(register)}
    letter.write_text(_letter("<listPlace><place xml:id='x'/></listPlace>"), encoding="utf-8")
    assert registers.register_candidates(paths) == {str(letter), str(register)}


def test_a_dangling_id_in_many_letters_keeps_none_of_them(tmp_path):
    """The same dangling ``#id`` in every letter is resolved once and its answer
    kept for the next letters; the answer must not keep the letter it was first
    resolved in (a validation worker checks thousands, one after the other), and
    each letter's finding still names that letter."""
    import gc
    import weakref

    from teikit.rules import Run

    paths = []
    for name in ("a.xml", "b.xml"):
        (tmp_path / name).write_text(
            _letter('<p><persName ref="#nobody">A</persName></p>'), encoding="utf-8"
        )
        paths.append(str(tmp_path / name))
    run = Run(Edition([], given=paths, root=tmp_path))
    files = []
    for path in paths:
        doc = load(path)
        found, _ = run.document(doc)
        files += [d.file for d in found if d.code == "dangling-ref"]
        kept = weakref.ref(doc)
        del doc
        gc.collect()
        assert kept() is None, "the rules keep a letter they have checked"
    assert files == paths
