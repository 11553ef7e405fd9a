"""teikit.edition: one model of an edition, with one small fixture per convention
(tests/fixtures/edition/<convention>/), including those the shared real editions
do not have."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from teikit.cli import cli
from teikit.document import load
from teikit.edition import Config, Edition, load_config
from teikit.edition.config import RulesConfig
from teikit.edition.documents import document_kind, document_title
from teikit.edition.init import init_text
from teikit.errors import UsageError
from teikit.index import build_index
from teikit.rules import check, policy

from conftest import FIXTURES, TEI

EDITIONS = FIXTURES / "edition"
T = "{http://www.tei-c.org/ns/1.0}"


def tei(path: Path, body: str = "", *, header: str = "", outside: str = "") -> Path:
    """A small TEI file: ``header`` goes into teiHeader after fileDesc, ``outside``
    between teiHeader and text."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        '<TEI xmlns="http://www.tei-c.org/ns/1.0"><teiHeader><fileDesc><titleStmt>'
        f"<title>{path.stem}</title></titleStmt><publicationStmt><p/></publicationStmt>"
        f"<sourceDesc><p/></sourceDesc></fileDesc>{header}</teiHeader>{outside}"
        f"<text><body>{body or '<p/>'}</body></text></TEI>",
        encoding="utf-8",
    )
    return path


def doc_named(edition: Edition, name: str):
    return next(d for d in edition.documents if Path(d.path).name == name)


# --------------------------------------------------------------------------- pointers


def test_key_as_a_relative_path_next_to_an_authority_uri_is_one_entity():
    folder = EDITIONS / "key-path-and-authority"
    edition = Edition.open(folder)
    letter = doc_named(edition, "letter.xml")
    goethe = edition.registers.get("p12")
    assert goethe is not None and goethe.authorities == ["https://d-nb.info/gnd/118540238"]
    # the path in @key and the GND URI (another form of it) in @ref: the same entity
    by_key = edition.resolve("../register/persons.xml#p12", letter, attribute="key")
    by_uri = edition.resolve("https://d-nb.info/gnd/118540238/", letter)
    assert by_key.entity is by_uri.entity is goethe
    # Wikidata's /wiki/ and /entity/ forms of one item
    assert edition.resolve("http://www.wikidata.org/entity/Q22670", letter).entity.id == "p13"
    index = build_index(edition)
    entry = index.get("p12")
    assert entry.key == "register/persons.xml#p12"
    # one mention in the text, one in correspDesc: each counted once, not once per route
    assert [o.where for o in entry.occurrences] == ["sender", "body"]
    assert index.get("p13").occurrences[0].attribute == "ref"
    (sender,) = index.letters[0].senders
    assert (sender.key, sender.name) == ("register/persons.xml#p12", "Johann Wolfgang von Goethe")
    # the pointer to p99 is missing, under the key the register file and id make
    assert index.get("register/persons.xml#p99").registered is False


def test_key_as_a_name_when_the_edition_says_so():
    folder = EDITIONS / "key-as-name"
    edition = Edition.open(folder)
    assert edition.config.key == "name"
    letter = doc_named(edition, "letter.xml")
    assert edition.resolve("Goethe, Johann Wolfgang", letter, attribute="key").entity.id == "goethe"
    # a name of the entry, not only @n; case and accents do not matter
    assert edition.resolve("friedrich schiller", letter, attribute="key").entity.id == "schiller"
    humboldt = edition.resolve("Humboldt", letter, attribute="key", expected="person")
    assert humboldt.problem == "ambiguous" and len(humboldt.candidates) == 2
    index = build_index(edition)
    assert len(index.get("goethe").occurrences) == 2
    assert [p.id for p in index.letters[0].senders] == ["schiller"]
    # the ambiguity is reported, not guessed
    found = check(edition)
    lines = (folder / "letter.xml").read_text().splitlines()
    humboldt_line = next(n for n, line in enumerate(lines, 1) if 'key="Humboldt"' in line)
    assert [(d.code, d.line) for d in found] == [("ambiguous-pointer", humboldt_line)]
    assert "humboldt-a" in found[0].message and "humboldt-w" in found[0].message
    # without the configuration a name in @key is not an id
    plain = Edition.open(folder, config=Config(root=folder))
    assert plain.resolve("Humboldt", letter, attribute="key").problem == "no-such-id"


def test_sender_and_addressee_in_one_sent_action_are_told_apart_by_type():
    index = build_index(Edition.open(EDITIONS / "sender-addressee-in-sent"))
    (letter,) = index.letters
    assert [p.id for p in letter.senders] == ["lassberg"]
    assert [p.id for p in letter.addressees] == ["uhland"]
    assert letter.date == "1820-03-03"
    where = {o.where for o in index.get("uhland").occurrences}
    assert where == {"sender"}  # written in the sent action, whatever role it names


def test_registers_in_standoff():
    edition = Edition.open(EDITIONS / "standoff-register")
    assert {e.id: e.type for e in edition.registers} == {
        "tito": "person",
        "bled": "place",
        "brioni": "place",
    }
    other = doc_named(edition, "other.xml")
    assert edition.resolve("letter.xml#tito", other).entity.id == "tito"
    assert edition.kind(doc_named(edition, "places.xml")) == "register"
    assert edition.kind(doc_named(edition, "letter.xml")) == "other"
    index = build_index(edition)
    assert index.get("bled").coordinates == (46.3683, 14.1146)
    assert len(index.get("tito").occurrences) == 2


def test_several_pointers_and_several_register_files_of_one_type():
    edition = Edition.open(EDITIONS / "several-files-one-type")
    index = build_index(edition)
    assert [e.id for e in index.persons] == ["a1", "b1"]
    assert all(len(e.occurrences) == 1 for e in index.persons)


def test_an_ambiguous_bare_id_is_decided_by_the_mention_or_reported():
    edition = Edition.open(EDITIONS / "ambiguous-bare-id")
    letter = doc_named(edition, "letter.xml")
    assert sorted(e.id for e in edition.registers) == ["persons.paris", "places.paris"]
    assert edition.resolve("paris", letter, expected="person").entity.type == "person"
    assert edition.resolve("paris", letter, expected="place").entity.type == "place"
    assert edition.resolve("paris", letter).problem == "ambiguous"
    (finding,) = check(edition)
    assert finding.code == "ambiguous-pointer" and "<rs" not in finding.message
    assert finding.xpath.endswith("/rs")


def test_a_teicorpus_header_holds_registers_and_prefixes_for_its_texts():
    edition = Edition.open(EDITIONS / "teicorpus")
    corpus, *texts = edition.documents  # the corpus's own header, then its TEI
    assert edition.kind(corpus) == "edition" and texts
    assert edition.registers.get("ada").scope == "edition"
    assert edition.resolve("psn:ada", corpus).entity.id == "ada"
    assert edition.resolve("psn:ada", texts[0]).entity.id == "ada"
    assert [o.text for o in build_index(edition).get("ada").occurrences] == ["Ada"]


def test_pointers_into_a_register_not_given_are_one_finding_per_file():
    folder = EDITIONS / "register-not-given" / "letters"
    found = check(Edition.open(folder))
    assert [(Path(d.file).name, d.code) for d in found] == [
        ("a.xml", "register-not-given"),
        ("a.xml", "register-not-given"),
    ]
    places, persons = sorted(found, key=lambda d: d.message)
    # 2 pointers in each of the 2 letters into persons.xml, which exists but was not given
    assert persons.message.startswith(
        f"4 pointers in 2 files into ..{os.sep}persons.xml, which is not among the files given"
    )
    assert places.message.startswith(
        f"2 pointers in 2 files into ..{os.sep}places.xml, which does not"
    )
    # given too, they resolve
    both = Edition.open([folder, EDITIONS / "register-not-given" / "persons.xml"])
    assert [d.code for d in check(both)] == ["register-not-given"]  # places.xml only


def test_lb_ids_repeated_in_every_letter_are_legal():
    folder = EDITIONS / "lb-ids-in-every-letter"
    edition = Edition.open(folder)
    assert edition.config.rules.ids_unique_across_files
    found = check(edition)
    # p1-l1, p1-l2, p1-pb1 in both files are milestones: never counted; p1 and
    # "note" are repeated and the edition declared ids unique across its files
    assert sorted((Path(d.file).name, d.message.split()[1]) for d in found) == [
        ("b.xml", "'note'"),
        ("b.xml", "'p1'"),
    ]
    # by default (TEI's own rule: unique within a file) none of it is a finding
    assert check(edition, severities=policy(RulesConfig())) == []


def test_thousands_of_places_in_one_register(tmp_path):
    entries = "".join(
        f'<place xml:id="pl{i}"><placeName>Place {i}</placeName></place>' for i in range(5000)
    )
    tei(tmp_path / "places.xml", f"<listPlace>{entries}</listPlace>")
    mentions = "".join(
        f'<placeName ref="places.xml#pl{i}">P</placeName>' for i in range(0, 5000, 7)
    )
    tei(
        tmp_path / "letter.xml",
        f"<p>{mentions}<placeName ref='places.xml#pl5000'>X</placeName></p>",
    )
    edition = Edition.open(tmp_path)
    assert len(edition.registers.of_type("place")) == 5000
    index = build_index(edition)
    assert sum(1 for e in index.places if e.registered and e.occurrences) == len(range(0, 5000, 7))
    assert [d.code for d in check(edition)] == ["dangling-ref"]


def test_a_lone_letter_reads_the_register_it_points_to_but_nothing_outside(tmp_path):
    inside = tei(tmp_path / "ed" / "register.xml", '<listPerson><person xml:id="a"/></listPerson>')
    tei(tmp_path / "outside.xml", '<listPerson><person xml:id="b"/></listPerson>')
    letter = tei(
        tmp_path / "ed" / "letter.xml",
        '<p><persName ref="register.xml#a">A</persName><persName ref="../outside.xml#b">B</persName></p>',
    )
    edition = Edition.open(letter)
    assert [d.path for d in edition.extra] == [str(inside.resolve())]
    doc = edition.documents[0]
    assert edition.resolve("register.xml#a", doc).entity.id == "a"
    assert edition.resolve("../outside.xml#b", doc).problem == "not-given"


@pytest.mark.parametrize(
    ("ref", "encoding", "may"),
    [
        ("register.xml#a", "UTF-8", True),
        ("register&#46;xml#a", "UTF-8", True),  # ".xml" made by a character reference
        ("register&#x2E;XML#a", "UTF-8", True),  # not followed: the search wants ".xml"
        ("register.xml#a", "UTF-16", True),  # bytes not ASCII: they cannot tell
        ("#a", "ISO-8859-1", False),
        ("#a", "UTF-8", False),
    ],
)
def test_a_register_named_only_through_the_bytes_the_loader_did_not_search(
    tmp_path, ref, encoding, may
):
    """The loader tells the model which documents cannot name an XML file (their bytes
    hold no ".xml"); the model searches the others' attributes as before."""
    inside = tei(tmp_path / "ed" / "register.xml", '<listPerson><person xml:id="a"/></listPerson>')
    text = (
        f'<?xml version="1.0" encoding="{encoding}"?>'
        '<TEI xmlns="http://www.tei-c.org/ns/1.0"><teiHeader><fileDesc><titleStmt>'
        "<title>L</title></titleStmt><publicationStmt><p/></publicationStmt>"
        "<sourceDesc><p/></sourceDesc></fileDesc></teiHeader>"
        f'<text><body><p><persName ref="{ref}">A</persName></p></body></text></TEI>'
    )
    letter = tmp_path / "ed" / "letter.xml"
    letter.write_bytes(
        text.encode("utf-16") if encoding == "UTF-16" else text.encode("ascii")
    )
    assert load(letter).may_name_xml is may
    edition = Edition.open(letter)
    follows = may and ref.lower() != "register&#x2e;xml#a"
    assert [d.path for d in edition.extra] == ([str(inside.resolve())] if follows else [])


# --------------------------------------------------------------------------- documents


@pytest.mark.parametrize(
    ("titles", "expected"),
    [
        ('<title level="s">Series</title><title level="a">Own</title>', "Own"),
        ('<title type="sub">Sub</title><title type="main">Main</title>', "Main"),
        ('<title type="sub">Sub</title><title>Plain</title>', "Plain"),
        ('<title level="s">Series</title><title type="iso-date">1889</title>', "Series"),
        ('<title level="j">Journal</title><title type="sub">Sub</title>', "Sub"),
    ],
)
def test_a_documents_own_title_comes_first(tmp_path, titles, expected):
    path = tmp_path / "doc.xml"
    path.write_text(
        '<TEI xmlns="http://www.tei-c.org/ns/1.0"><teiHeader><fileDesc><titleStmt>'
        f"{titles}</titleStmt><publicationStmt><p/></publicationStmt><sourceDesc><p/>"
        "</sourceDesc></fileDesc></teiHeader><text><body><p/></body></text></TEI>"
    )
    assert document_title(load(path)) == expected


def test_kinds_of_the_bundled_edition():
    edition = Edition.open(TEI)
    kinds = {Path(d.path).name: edition.kind(d) for d in edition.documents}
    assert kinds == {
        "cable-1954-07-24.xml": "letter",
        "edition.xml": "edition",
        "introduction.xml": "introduction",
        "letter-1954-06-22.xml": "letter",
        "letter-1954-08-11.xml": "letter",
        "letter-1954-09-23.xml": "letter",
        "letter-1954-09-27.xml": "letter",
        "register.xml": "register",
    }
    assert [Path(d.path).name for d in edition.order][:3] == [
        "edition.xml",
        "introduction.xml",
        "letter-1954-06-22.xml",
    ]
    assert edition.title == "The Tito–Khrushchev Correspondence, 1954: A Digital Edition"


def test_the_configuration_names_kinds(tmp_path):
    tei(tmp_path / "about.xml", "<div><p>About this edition.</p></div>")
    (tmp_path / "teikit.toml").write_text('[documents]\n"about.xml" = "introduction"\n')
    edition = Edition.open(tmp_path)
    assert edition.kind(edition.documents[0]) == "introduction"
    assert document_kind(edition.documents[0]) == "other"


def test_folders_are_searched_recursively_and_other_xml_is_left_out(tmp_path):
    tei(tmp_path / "a" / "b" / "deep.xml")
    (tmp_path / "lists.xml").write_text("<root/>")
    (tmp_path / "drafts").mkdir()
    tei(tmp_path / "drafts" / "draft.xml")
    (tmp_path / "teikit.toml").write_text('exclude = ["drafts"]\n')
    edition = Edition.open(tmp_path)
    assert [edition.relpath(d) for d in edition.documents] == ["a/b/deep.xml"]
    assert [d.code for d in edition.skipped] == ["not-tei"]


# --------------------------------------------------------------------------- configuration


def test_configuration_keys_and_overrides(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.teikit]\ntitle = "An edition"\n'
        'languages = ["de", "en"]\nbase_url = "https://example.org/ed/"\n'
        '[tool.teikit.cmif]\nemail = "ed@example.org"\nlicence = "CC0-1.0"\n'
        '[tool.teikit.rules.severity]\ndangling-ref = "warning"\n'
    )
    tei(tmp_path / "letter.xml")
    edition = Edition.open(tmp_path, title="Overridden")
    config = edition.config
    assert (config.title, config.languages, config.base_url) == (
        "Overridden",
        ("de", "en"),
        "https://example.org/ed/",
    )
    assert (config.cmif.email, config.cmif.licence) == ("ed@example.org", "CC0-1.0")
    assert edition.title == "Overridden" and edition.languages == ("de", "en")
    assert policy(config.rules)["dangling-ref"].name == "WARNING"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("titel = 'x'\n", "titel: unknown key"),
        ("[pointers]\nkey = 'label'\n", "pointers.key: must be one of id, name"),
        ("base_url = 'ftp://x'\n", "base_url: must be an http or https URL"),
        ("[rules.severity]\nx = 'loud'\n", "rules.severity.x: must be one of off"),
        ("title = \n", "not valid TOML"),
    ],
)
def test_a_configuration_mistake_is_a_located_usage_error(tmp_path, text, message):
    config = tmp_path / "teikit.toml"
    config.write_text(text)
    with pytest.raises(UsageError) as caught:
        load_config(config)
    assert message in caught.value.message
    assert caught.value.message.startswith(f"{config}:")


def test_init_writes_a_working_configuration_from_what_it_finds(tmp_path):
    folder = tmp_path / "names"
    folder.mkdir()
    for name in ("persons.xml", "letter.xml"):
        (folder / name).write_bytes((EDITIONS / "key-as-name" / name).read_bytes())
    result = CliRunner().invoke(cli, ["init", str(folder)])
    assert result.exit_code == 0, result.output
    config = load_config(folder / "teikit.toml")
    assert config.key == "name"  # detected: the @key values are names
    assert config.register_files == ("persons.xml",)
    assert "Found: 0 @key values name an id, 5 a name." in (folder / "teikit.toml").read_text()
    again = CliRunner().invoke(cli, ["init", str(folder)])
    assert again.exit_code == 2 and "--force" in again.output


def test_init_text_of_the_bundled_edition_parses():
    text = init_text(Edition.open(TEI, config=Config(root=TEI)))
    assert 'title = "The Tito–Khrushchev Correspondence, 1954: A Digital Edition"' in text
    assert 'files = ["register.xml"]' in text


def test_the_fixtures_are_legal_tei():
    """What the defaults must not flag is legal TEI: every fixture here is valid."""
    from teikit.validate import ValidateOptions, validate_files

    files = [str(p) for p in sorted(EDITIONS.rglob("*.xml"))]
    report = validate_files(files, options=ValidateOptions(schemas=("tei_all",), rules=False))
    assert report.valid, [d.format() for d in report.diagnostics]


def test_the_site_profile_of_the_configuration_overrides_hooks(tmp_path):
    from lxml import html as lxml_html

    from teikit.site import build_site

    edition = tmp_path / "ed"
    edition.mkdir()
    for name in ("persons.xml", "letter.xml"):
        (edition / name).write_bytes((EDITIONS / "key-as-name" / name).read_bytes())
    (edition / "profile.xsl").write_text(
        '<xsl:stylesheet version="3.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">'
        '<xsl:template name="tk:hook-after-body" xmlns:tk="https://teikit.org/ns/xslt">'
        '<p class="house-footer">Our edition</p></xsl:template></xsl:stylesheet>'
    )
    (edition / "teikit.toml").write_text(
        'title = "Names"\n[pointers]\nkey = "name"\n[site]\nprofile = "profile.xsl"\npdf = false\n'
    )
    report = build_site(edition, tmp_path / "site", validate=False)
    assert report.ok, [d.format() for d in report.diagnostics]
    page = lxml_html.parse(str(tmp_path / "site" / "letter.html")).getroot()
    assert page.xpath("//p[@class='house-footer']/text()") == ["Our edition"]
    assert not (tmp_path / "site" / "downloads" / "pdf").exists()
    # the name in @key links to its entry, as teikit.toml says @key holds names
    assert "persons.html#goethe" in page.xpath("//a/@href")


def test_the_stylesheets_take_the_models_answers(tmp_path):
    """Kind and titles reach the XSLT as parameters: a kind the configuration gives
    is the one the page shows."""
    from lxml import html as lxml_html

    from teikit import render

    folder = tmp_path / "ed"
    (folder).mkdir()
    (folder / "letter.xml").write_bytes((EDITIONS / "key-as-name" / "letter.xml").read_bytes())
    (folder / "teikit.toml").write_text('title = "Ours"\n[documents]\n"letter.xml" = "other"\n')
    edition = Edition.open(folder)
    page = lxml_html.fromstring(render.render_html(edition.documents[0], edition=edition))
    assert page.xpath("string(//body/@class)") == "tk-page tk-kind-other"
    assert page.findtext(".//title") == "A letter · Ours"


def test_command_line_options_override_the_configuration(tmp_path):
    runner = CliRunner()
    folder = EDITIONS / "key-as-name"
    # teikit.toml says key = "name": the names resolve; --key id says otherwise
    ok = runner.invoke(cli, ["validate", str(folder), "--schema", "tei_all", "--rules"])
    assert "ambiguous-pointer" in ok.output and "dangling-key" not in ok.output
    as_ids = runner.invoke(
        cli, ["validate", str(folder), "--schema", "tei_all", "--rules", "--key", "id"]
    )
    assert as_ids.output.count("[rules:dangling-key]") == 5
    quiet = runner.invoke(
        cli,
        [
            "validate",
            str(folder),
            "--schema",
            "tei_all",
            "--rules",
            "--rule",
            "ambiguous-pointer=off",
        ],
    )
    assert quiet.exit_code == 0 and "teikit rules" in quiet.output
    bad = runner.invoke(cli, ["validate", str(folder), "--rule", "nonsense=error"])
    assert bad.exit_code == 2 and "unknown rule 'nonsense'" in bad.output
    index = runner.invoke(cli, ["index", str(folder), "--key", "id", "--type", "person"])
    assert index.exit_code == 0
    assert '"registered": true' in index.output  # the register's own entries
    site = runner.invoke(
        cli, ["build", str(folder), "-o", str(tmp_path / "s"), "--no-pdf", "--title", "Named"]
    )
    assert site.exit_code == 0, site.output
    assert "<h1>Named</h1>" in (tmp_path / "s" / "index.html").read_text()


def test_key_of_a_document_not_inherited_by_the_next_with_its_id(tmp_path: Path) -> None:
    # A validation worker lets each document go after checking it; the next one
    # may be given the same id(), and must not be taken for the file before it.
    first, second = tmp_path / "first.xml", tmp_path / "second.xml"
    for path in (first, second):
        path.write_text(
            '<TEI xmlns="http://www.tei-c.org/ns/1.0"><teiHeader/><text><body><p>x</p>'
            "</body></text></TEI>",
            encoding="utf-8",
        )
    edition = Edition([load(str(first))], root=tmp_path)
    gone = load(str(first))
    assert edition.key_of(gone) == str(first)
    later = load(str(second))
    edition._keys[id(later)] = edition._keys.pop(id(gone))  # as if later had gone's id
    edition._last_doc = None
    assert edition.key_of(later) == str(second)


# --------------------------------------------------------------------------- teiCorpus

CORPUS = FIXTURES / "edition-teicorpus"


def test_tei_inside_a_teicorpus_are_documents_of_their_own(tmp_path):
    """Issue 9: each TEI in a teiCorpus is a document (kind, title, date, mentions),
    not hidden inside one document of kind "edition"; the corpus's header is the
    edition file and its registers serve every letter."""
    edition = Edition.open(CORPUS)
    stem = "corpus-nested-tei-one-document"
    assert [(edition.relpath(d), edition.kind(d), edition.title_of(d)) for d in edition.order] == [
        (f"{stem}.xml", "edition", "Letters in one corpus"),
        (f"{stem}/L1.xml", "letter", "Ann to Bob, 1 May 1900"),
        (f"{stem}/L2.xml", "letter", "Bob to Ann, 3 June 1900"),
    ]
    assert edition.title == "Letters in one corpus"
    assert [d.path for d in edition.files] == [str(CORPUS / f"{stem}.xml")]
    index = build_index(edition)
    assert [(d.file, d.id, d.kind) for d in index.documents] == [
        (f"{stem}.xml", "corpus", "edition"),
        (f"{stem}/L1.xml", "L1", "letter"),
        (f"{stem}/L2.xml", "L2", "letter"),
    ]
    assert [(lt.file, lt.date) for lt in index.letters] == [
        (f"{stem}/L1.xml", "1900-05-01"),
        (f"{stem}/L2.xml", "1900-06-03"),
    ]
    occurrences = {e.id: sorted(o.file for o in e.occurrences) for e in index.entries}
    assert occurrences == {  # each mention once, in its own letter
        "ann": [f"{stem}/L1.xml", f"{stem}/L2.xml", f"{stem}/L2.xml"],
        "bob": [f"{stem}/L1.xml", f"{stem}/L1.xml", f"{stem}/L2.xml"],
        "vienna": [f"{stem}/L1.xml", f"{stem}/L2.xml"],  # L1's <back> serves L2 too
    }
    edition.export(tmp_path / "csv", "csv")
    rows = (tmp_path / "csv" / "letters.csv").read_text(encoding="utf-8").splitlines()
    assert [row.split(",")[0] for row in rows[1:]] == ["L1", "L2"]
    # validation checks the file, once, as the schema sees it: the corpus and all its TEI
    report = edition.validate(schemas=["tei_all"])
    assert [f.file for f in report.files] == [str(CORPUS / f"{stem}.xml")] and report.valid
    broken = tmp_path / "broken.xml"
    text = (CORPUS / f"{stem}.xml").read_text(encoding="utf-8")
    broken.write_text(text.replace("<p>Dear <persName", "<p><nonsense/>Dear <persName", 1))
    report = Edition.open(broken).validate(schemas=["tei_all"])
    assert [(d.line, d.code) for d in report.diagnostics] == [(37, "element-not-allowed")]  # in L1


def test_a_teicorpus_is_still_refused_by_transform_with_one_error(tmp_path):
    """Written down (docs/configuration.md): transform and build make outputs per
    file, and a teiCorpus is one clear error, not pages for its documents yet."""
    result = CliRunner().invoke(cli, ["transform", str(CORPUS), "-o", str(tmp_path)])
    assert result.exit_code == 1
    assert "[xslt:tei-corpus]" in result.stderr


def test_the_site_of_a_teicorpus_builds_without_its_pages(tmp_path):
    """A teiCorpus is not split into pages yet: the site is built, the corpus is left
    out of its pages with one warning that says so, and its documents are in the
    data downloads."""
    out = tmp_path / "site"
    result = CliRunner().invoke(cli, ["build", str(CORPUS), "-o", str(out), "--no-pdf"])
    assert result.exit_code == 0, result.stderr
    corpus = [line for line in result.stderr.splitlines() if "[site:tei-corpus]" in line]
    assert len(corpus) == 1 and ": warning: a teiCorpus holding 2 TEI documents" in corpus[0]
    assert "only in the data downloads" in corpus[0]
    assert "[site:dead-link]" not in result.stderr and " 0 dead links, 0 errors," in result.stderr
    assert "<h1>Letters in one corpus</h1>" in (out / "index.html").read_text(encoding="utf-8")
    assert (out / "persons.html").is_file() and (out / "places.html").is_file()
    letters = (out / "downloads" / "data" / "csv" / "letters.csv").read_text(encoding="utf-8")
    assert [row.split(",")[0] for row in letters.splitlines()[1:]] == ["L1", "L2"]


# --------------------------------------------------------------------------- register extracts

BACKS = EDITIONS / "registers-in-every-back"


def _entries_of(doc) -> list[tuple]:
    from lxml import etree

    from teikit.edition.registers import register_entries

    return [
        (el.get(f"{{{XML}}}id"), kind, scope, el.sourceline, etree.tostring(el, with_tail=False))
        for el, kind, scope in register_entries(doc)
    ]


XML = "http://www.w3.org/XML/1998/namespace"


def test_a_register_extract_gives_the_entries_of_its_document():
    """Its lists, copied under their ancestors, give the same entries: ids, types,
    scopes (a header's particDesc), source lines and content; nested places too,
    and a list in sourceDesc is still no register."""
    from teikit.edition.registers import register_extract

    for path in sorted(BACKS.glob("*.xml")):
        doc = load(path)
        extract = register_extract(doc, "letter")
        assert extract is not None and extract.path == doc.path and extract.kind == "letter"
        assert _entries_of(extract) == _entries_of(doc)
    assert [e[0] for e in _entries_of(load(BACKS / "letter-a.xml"))] == [
        "narrator", "anna", "bruno", "vienna", "prater",
    ]  # fmt: skip
    assert register_extract(load(TEI / "letter-1954-06-22.xml"), "letter") is None


def test_a_register_files_copy_is_the_home_entry_whichever_document_comes_first():
    # Vienna is in letter-a's <back> and in the register places.xml: the register's
    # entry is its home, given first or last (the documents' kinds are decided only
    # where two share an entry).
    paths = sorted(BACKS.glob("*.xml"))  # letter-a, letter-b, places
    for order, anna in ((paths, "letter-a.xml"), (paths[::-1], "letter-b.xml")):
        edition = Edition([load(p) for p in order], root=BACKS)
        vienna = edition.registers.get("vienna")
        assert Path(vienna.doc.path).name == "places.xml"
        assert vienna.element.sourceline == 17  # places.xml's entry
        assert sorted(Path(d.path).name for d, _ in vienna.copies) == [
            "letter-a.xml", "letter-b.xml", "places.xml",
        ]  # fmt: skip
        # Anna, in no register file: the first letter's copy is the home
        assert Path(edition.registers.get("anna").doc.path).name == anna


def _entities_of(edition: Edition) -> list[tuple]:
    from lxml import etree

    return [
        (
            e.type, e.xml_id, e.id, e.scope, edition.key_of(e.doc), e.element.sourceline,
            etree.tostring(e.element, with_tail=False), e.authorities, e.names(),
            [(edition.key_of(d), el.sourceline) for d, el in e.copies],
        )
        for e in edition.registers
    ]  # fmt: skip


def test_an_edition_given_register_extracts_for_letters_has_the_same_entities():
    """A build lets go the letters that only hold registers (each <back> repeating
    them) and gives the model their extracts in their place: the same entities, in
    the same order, with the same homes, copies and merged register."""
    from lxml import etree

    from teikit.edition import Glimpse, merged_register
    from teikit.edition.registers import register_extract

    paths = sorted(BACKS.glob("*.xml"))
    whole = Edition([load(p) for p in paths], root=BACKS)
    standing_in = []
    glimpses = []
    for path in paths:
        doc = load(path)
        kind = document_kind(doc)
        if kind == "letter":
            standing_in.append(register_extract(doc, kind))
            glimpses.append(Glimpse.of(doc))
        else:
            standing_in.append(doc)
    extracted = Edition(standing_in, root=BACKS, glimpses=glimpses)
    assert [Path(d.path).name for d in extracted.documents] == ["places.xml"]
    assert _entities_of(extracted) == _entities_of(whole)
    assert extracted.kind(extracted.registers.get("anna").doc) == "letter"
    assert etree.tostring(merged_register(extracted).tree) == etree.tostring(
        merged_register(whole).tree
    )
