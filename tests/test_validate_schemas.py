"""Which schema checked what: an incorrect RELAX NG schema is never used (exit 3
when given on the command line, a located error for the document that names
it), and a declaration that checks nothing says so (fixtures in
fixtures/xml-model/)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from lxml import etree

from teikit.cli import cli
from teikit.validate import ValidateOptions, validate_files
from teikit.validate.relaxng import compile_grammar, is_valid

from conftest import FIXTURES

MODELS = FIXTURES / "xml-model"
INCORRECT = MODELS / "schema" / "incorrect-extra-attribute.rng"


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_an_incorrect_schema_on_the_command_line_is_exit_3_located():
    result = invoke("validate", str(MODELS / "no-xml-model.xml"), "--schema", str(INCORRECT))
    assert result.exit_code == 3
    assert result.stderr.splitlines() == [
        f'teikit: error: {INCORRECT.resolve()}:5:5: attribute "extra" not allowed on <element>'
    ]


def test_an_incorrect_schema_a_document_names_is_that_documents_error():
    named = MODELS / "incorrect-grammar.xml"
    fine = MODELS / "no-xml-model.xml"
    report = validate_files([str(named), str(fine)])
    warning, error = report.files[0].diagnostics
    assert (error.line, error.code, error.source) == (3, "schema-unusable", "xml-model")
    assert warning.code == "nothing-checked"
    assert error.message == (
        f'{INCORRECT.resolve()}:5:5: attribute "extra" not allowed on <element>'
    )
    assert report.files[1].valid  # the batch goes on


def test_schematron_naming_a_grammar_without_rules_warns_that_nothing_was_checked():
    path = MODELS / "schematron-names-a-grammar-without-rules.xml"
    result = invoke("validate", str(path), "--no-rules")
    assert result.exit_code == 0
    lines = result.stderr.splitlines()
    assert lines[0] == (
        f"{path}:0:0: warning: no schema was applied to this document (schema/no-rules.rng "
        "(embedded Schematron) checked nothing) [teikit:nothing-checked]"
    )
    assert lines[1] == (
        f"{path}:3:1: warning: schema/no-rules.rng is a RELAX NG grammar named as Schematron "
        "(schematypens): teikit runs the Schematron rules embedded in it, and it has none, so "
        "nothing was checked against it; to validate against the grammar, declare "
        'schematypens="http://relaxng.org/ns/structure/1.0" [xml-model:schema-skipped]'
    )


def test_a_schematron_schema_without_active_patterns_warns():
    path = MODELS / "schematron-without-patterns.xml"
    report = validate_files(
        [str(path)], options=ValidateOptions(rules=False, embedded_schematron=False)
    )
    codes = [(d.severity.name, d.code, d.line) for d in report.files[0].diagnostics]
    assert codes == [("WARNING", "nothing-checked", 0), ("WARNING", "schema-empty", 3)]
    assert report.valid


def test_a_grammar_with_a_5000_define_reference_chain(tmp_path: Path):
    """libxml2 crashed on such a chain (issue 12); the front end expands it
    without recursion, and a cycle in it is a located error."""
    defines = "".join(f'<define name="d{i}"><ref name="d{i + 1}"/></define>' for i in range(5000))
    grammar = (
        '<grammar xmlns="http://relaxng.org/ns/structure/1.0"><start><ref name="d0"/></start>'
        f'{defines}<define name="d5000"><element name="doc"><choice><empty/>'
        '<ref name="d0"/></choice></element></define></grammar>'
    )
    schema = tmp_path / "chain.rng"
    schema.write_text(grammar, encoding="utf-8")
    doc = tmp_path / "doc.xml"
    doc.write_text("<doc><doc><doc/></doc></doc>", encoding="utf-8")
    result = invoke("validate", str(doc), "--schema", str(schema))
    assert result.exit_code == 0, result.stderr
    assert is_valid(etree.parse(str(doc)), compile_grammar(schema))
    doc.write_text("<doc><other/></doc>", encoding="utf-8")
    assert not is_valid(etree.parse(str(doc)), compile_grammar(schema))
    cycle = tmp_path / "cycle.rng"
    cycle.write_text(grammar.replace('<define name="d5000">', '<define name="unused">')
                     .replace('<ref name="d5000"/>', '<ref name="d0"/>'), encoding="utf-8")  # fmt: skip
    doc.write_text("<doc/>", encoding="utf-8")
    result = invoke("validate", str(doc), "--schema", str(cycle))
    assert result.exit_code == 3
    [line] = result.stderr.splitlines()
    assert line.startswith(f"teikit: error: {cycle.resolve()}:1:")
    assert "refers to itself without an element in between" in line


def test_a_checked_grammar_is_kept_by_checksum_and_read_back(tmp_path: Path):
    """The full check runs once per schema: a second read comes from the cache,
    validates the same, and a change to an included file is seen."""
    from teikit.validate.relaxng import Grammar, _build, _Engine
    from teikit.validate.rng_schema import read_schema

    included = tmp_path / "part.rng"
    included.write_text(
        '<grammar xmlns="http://relaxng.org/ns/structure/1.0"><define name="item">'
        '<element name="item"><text/></element></define></grammar>',
        encoding="utf-8",
    )
    main = tmp_path / "main.rng"
    main.write_text(
        '<grammar xmlns="http://relaxng.org/ns/structure/1.0"><include href="part.rng"/>'
        '<start><element name="list"><oneOrMore><ref name="item"/></oneOrMore></element>'
        "</start></grammar>",
        encoding="utf-8",
    )
    cache = tmp_path / "cache"
    first = read_schema(main, cache=cache)
    [kept] = cache.iterdir()
    second = read_schema(main, cache=cache)
    assert second.digest == first.digest and second is not first
    assert sorted(second.defines) == sorted(first.defines)
    good = etree.fromstring("<list><item>a</item><item>b</item></list>")
    bad = etree.fromstring("<list><item><item/></item></list>")
    for simple in (first, second):
        engine = _Engine()
        grammar = Grammar(main, engine, _build(simple, engine), simple.files, 0.0)
        assert is_valid(good, grammar) and not is_valid(bad, grammar)
    # An edit to the included file: the kept grammar no longer applies.
    included.write_text(included.read_text().replace("<text/>", "<empty/>"), encoding="utf-8")
    third = read_schema(main, cache=cache)
    assert third.digest != first.digest
    kept.write_bytes(b"not marshal data")  # a damaged cache file is read around
    assert read_schema(main, cache=cache).digest == third.digest


def test_checked_grammar_is_shared_by_copies_without_includes(tmp_path, monkeypatch):
    """The cache is keyed by the schema's checksum: a copy of a self-contained
    schema elsewhere (another checkout, another virtual environment) is not
    checked again; one that includes files is, as its includes are relative."""
    from teikit.validate import rng_schema

    schema = (
        '<element name="list" xmlns="http://relaxng.org/ns/structure/1.0">'
        "<oneOrMore><element name='item'><text/></element></oneOrMore></element>"
    )
    cache = tmp_path / "cache"
    for folder in ("one", "two"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "list.rng").write_text(schema, encoding="utf-8")
    first = rng_schema.read_schema(tmp_path / "one" / "list.rng", cache=cache)
    reads = []
    real_reader = rng_schema._Reader
    monkeypatch.setattr(rng_schema, "_Reader", lambda *a: reads.append(a) or real_reader(*a))
    copy = rng_schema.read_schema(tmp_path / "two" / "list.rng", cache=cache)
    assert reads == [] and copy.digest == first.digest
    assert copy.files == [(tmp_path / "two" / "list.rng").resolve()]

    grammar = '<grammar xmlns="http://relaxng.org/ns/structure/1.0">{}</grammar>'
    for folder in ("one", "two"):
        part = grammar.format(f"<start>{schema}</start>")
        (tmp_path / folder / "part.rng").write_text(part, encoding="utf-8")
        main = grammar.format('<include href="part.rng"/>')
        (tmp_path / folder / "main.rng").write_text(main, encoding="utf-8")
    rng_schema.read_schema(tmp_path / "one" / "main.rng", cache=cache)
    rng_schema.read_schema(tmp_path / "two" / "main.rng", cache=cache)
    assert len(reads) == 2  # the first, and the copy: its include lies elsewhere


def _checked_where(log: Path, check):
    """``check`` (validate's _check_path), writing each file's name and its worker's
    pid to ``log`` first."""
    import os

    def checked(path: str):
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(f"{os.getpid()} {Path(path).name}\n")
        return check(path)

    return checked


def test_documents_handed_over_are_checked_by_one_worker_that_checks_nothing_else(
    tmp_path: Path, monkeypatch
):
    """The site build hands validate_files its register files, parsed already; naming
    no schema, they want tei_all (over 100 MB compiled). One worker checks them all,
    not one each (the largest files go first, one to each worker), and is replaced
    before it goes on to the letters: tei_all does not stay beside their schemas."""
    import re
    import sys

    from teikit.document import load

    from conftest import TEI

    bare = re.compile(r"<\?xml-model[^>]*\?>\s*")
    names = ["register.xml", *(p.name for p in sorted(TEI.glob("letter-*.xml")))]
    for name in names:
        text = (TEI / name).read_text(encoding="utf-8")
        for copy in range(3 if name == "register.xml" else 1):
            (tmp_path / f"{copy}-{name}").write_text(bare.sub("", text), encoding="utf-8")
    registers = sorted(str(p) for p in tmp_path.glob("*-register.xml"))
    letters = sorted(str(p) for p in tmp_path.glob("*-letter-*.xml"))
    log = tmp_path / "checked.log"
    module = sys.modules["teikit.validate"]
    monkeypatch.setattr(module, "_check_path", _checked_where(log, module._check_path))
    report = validate_files(
        [*letters, *registers], jobs=2, documents={p: load(p) for p in registers}
    )
    assert len(report.files) == len(letters) + len(registers)
    where: dict[str, set[str]] = {"register": set(), "letter": set()}
    for line in log.read_text(encoding="utf-8").splitlines():
        pid, name = line.split()
        where["register" if name.endswith("register.xml") else "letter"].add(pid)
    assert len(where["register"]) == 1
    assert not where["register"] & where["letter"]
