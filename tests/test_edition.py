"""The bundled edition itself: documents, metadata, references, notes, and
validity against tei_all and the project's schema."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from lxml import etree

from conftest import GLUED_MARKERS, TEI

NS = {"t": "http://www.tei-c.org/ns/1.0"}
REGISTER = "register.xml"
DOCUMENTS = [
    # file, date, senders, addressees, place of sending, archival idno
    (
        "letter-1954-06-22.xml",
        "1954-06-22",
        {"cc-cpsu", "khrushchev"},
        {"tito", "cc-lcy"},
        "moscow",
        "507 / IX, 119/I-48",
    ),
    (
        "cable-1954-07-24.xml",
        "1954-07-24",
        {"cc-cpsu"},
        {"tito", "cc-lcy"},
        "moscow",
        "507 / IX, 119/I-49",
    ),
    (
        "letter-1954-08-11.xml",
        "1954-08-11",
        {"lcy-executive-committee", "tito"},
        {"khrushchev", "cc-cpsu"},
        "belgrade",
        "507 / IX, 119/I-50",
    ),
    (
        "letter-1954-09-23.xml",
        "1954-09-23",
        {"cc-cpsu", "khrushchev"},
        {"tito", "lcy-executive-committee"},
        "moscow",
        "507 / IX, 119/I-51",
    ),
    (
        "letter-1954-09-27.xml",
        "1954-09-27",
        {"cc-cpsu", "khrushchev"},
        {"tito", "lcy-executive-committee"},
        "moscow",
        "507 / IX, 119/I-52",
    ),
]
LETTER_FILES = [d[0] for d in DOCUMENTS]
ALL_FILES = sorted(p.name for p in TEI.glob("*.xml"))

# First and last words of each note as printed, so a truncated note fails.
NOTES = {
    "1": (
        "This article is a result of research",
        "(Department of History, University of Belgrade).",
    ),
    "2": ("Communist Party of Yugoslavia, renamed as League", "at its Sixth Congress in 1952."),
    "3": ("In summer and autumn 1953, the USSR and", "exchanged ambassadors."),
    "4": (
        "FNRJ—Federativna Narodna Republika Jugoslavija",
        "the official name of Yugoslavia at the time.",
    ),
    "5": (
        "For reasons of authenticity, the author has",
        "based on their Serbo-Croatian translation",
    ),
    "6": (
        "Moscow-based association of Yugoslavs who",
        "covert operations against Yugoslavia after 1948.",
    ),
    "7": (
        "State Publishing House for Political Publications.",
        "State Publishing House for Political Publications.",
    ),
}
# Distinctive phrases of the unrelated newsletter insert that splits note 6.
INSERT_PHRASES = [
    "National History Day",
    "Summer Institute",
    "twenty-five teachers",
    "University of Maryland",
    "Annenberg",
    "Vietnam Veterans",
    "Robert Hutchings",
    "Bill Brands",
    "Elvis Presley",
    "NHD Newsletter",
    "Teachers Become Students",
    "nara.gov",
]


def parse(name: str) -> etree._ElementTree:
    return etree.parse(str(TEI / name))


def text_of(el: etree._Element) -> str:
    return " ".join("".join(el.itertext()).split())


def printed_text_of(el: etree._Element) -> str:
    """The text of ``el`` without the present editors' notes inside it."""
    copy = etree.fromstring(etree.tostring(el, with_tail=False))
    for note in copy.xpath(".//t:note[@type='editorial']", namespaces=NS):
        _remove_keeping_tail(note)
    return text_of(copy)


def register_ids() -> set[str]:
    return set(parse(REGISTER).xpath("//@xml:id"))


def test_the_edition_has_its_files():
    assert set(LETTER_FILES) | {"introduction.xml", "register.xml", "edition.xml"} == set(ALL_FILES)


@pytest.mark.parametrize(("name", "date", "senders", "addressees", "place", "idno"), DOCUMENTS)
def test_letter_metadata(name, date, senders, addressees, place, idno):
    tree = parse(name)
    sent = tree.find(".//t:correspDesc/t:correspAction[@type='sent']", NS)
    received = tree.find(".//t:correspDesc/t:correspAction[@type='received']", NS)

    def refs(action):
        return {r.split("#")[1] for r in action.xpath("(t:persName|t:orgName)/@ref", namespaces=NS)}

    assert sent.find("t:date", NS).get("when") == date
    assert refs(sent) == senders
    assert refs(received) == addressees
    places = sent.xpath("t:placeName/@ref", namespaces=NS)
    assert places == ([f"{REGISTER}#{place}"] if place else [])
    ms = tree.find(".//t:sourceDesc/t:msDesc/t:msIdentifier", NS)
    assert ms.findtext("t:settlement", namespaces=NS) == "Belgrade"
    assert ms.findtext("t:repository", namespaces=NS) == "Arhiv Jugoslavije"
    assert ms.findtext("t:collection", namespaces=NS) == "Arhiv CK SKJ"
    shelfmark = ms.find("t:idno[@type='shelfmark']", NS)
    assert text_of(shelfmark) == idno
    # The shelfmark in its parts: fonds, the level the print leaves unnamed, the item.
    parts = {i.get("type"): i.text for i in shelfmark.findall("t:idno", NS)}
    assert parts == {"fonds": "507", "series": "IX", "item": idno.rsplit(", ", 1)[1]}
    # The closer's dateline carries the same date as correspDesc.
    assert tree.xpath("string(//t:text//t:closer//t:dateline//t:date/@when)", namespaces=NS) == date


def test_letters_are_chained_by_correspcontext():
    for i, name in enumerate(LETTER_FILES):
        tree = parse(name)
        prev = tree.xpath("//t:correspContext/t:ref[@type='prev']/@target", namespaces=NS)
        nxt = tree.xpath("//t:correspContext/t:ref[@type='next']/@target", namespaces=NS)
        assert prev == ([LETTER_FILES[i - 1]] if i else [])
        assert nxt == ([LETTER_FILES[i + 1]] if i + 1 < len(LETTER_FILES) else [])


@pytest.mark.parametrize("name", ALL_FILES)
def test_every_ref_resolves(name):
    ids = register_ids()
    tree = parse(name)
    local = set(tree.xpath("//@xml:id"))
    for ref in tree.xpath("//@ref | //@resp | //@who"):
        for token in ref.split():
            if re.match(r"^[a-z][a-z0-9+.-]*:", token):
                continue
            file, _, fragment = token.partition("#")
            assert file in ("", REGISTER), f"{name}: unexpected target {token}"
            assert fragment in (local if file == "" and name != REGISTER else ids | local), (
                f"{name}: {token} dangles"
            )


def test_every_register_entry_is_used():
    used = set()
    for name in ALL_FILES:
        for ref in parse(name).xpath("//@ref | //@resp"):
            used |= {token.split("#")[1] for token in ref.split() if "#" in token}
    entries = parse(REGISTER).xpath(
        "//t:person/@xml:id | //t:place/@xml:id | //t:org/@xml:id | //t:listBibl/t:bibl/@xml:id",
        namespaces=NS,
    )
    assert entries, "register has no entries"
    assert sorted(set(entries) - used) == []


def test_named_entities_in_text_carry_refs():
    for name in ALL_FILES:
        if name == REGISTER:
            continue
        bare = parse(name).xpath(
            "//t:text//*[self::t:persName or self::t:placeName or self::t:orgName][not(@ref)]",
            namespaces=NS,
        )
        assert bare == [], f"{name}: untagged reference in {[text_of(e) for e in bare]}"


def test_notes_one_to_seven_are_present_and_whole():
    found: dict[str, list[str]] = {}
    for name in ALL_FILES:
        for note in parse(name).xpath("//t:text//t:note[@n]", namespaces=NS):
            assert (note.get("type"), note.get("place"), note.get("resp")) == (
                "authorial",
                "end",
                "register.xml#rajak",
            ), f"note {note.get('n')} is not typed as the author's endnote"
            found.setdefault(note.get("n"), []).append(printed_text_of(note))
    assert sorted(found) == sorted(NOTES)
    for n, (start, end) in NOTES.items():
        assert len(found[n]) == 1, f"note {n} appears {len(found[n])} times"
        assert found[n][0].startswith(start), f"note {n} starts {found[n][0][:60]!r}"
        assert found[n][0].endswith(end), f"note {n} ends {found[n][0][-60:]!r}"
    # Note 6 is reunited: both halves around the insert are in one note.
    assert "emigrated to the USSR. It was run by the KGB." in found["6"][0]


def test_note_markers_are_not_glued_to_words():
    for name in ALL_FILES:
        for note in parse(name).xpath("//t:text//t:note[@n]", namespaces=NS):
            before = (
                note.getprevious().tail if note.getprevious() is not None else note.getparent().text
            ) or ""
            assert not before.rstrip().endswith(note.get("n")), (
                f"{name}: marker digit left before note {note.get('n')}"
            )
    text = " ".join(text_of(parse(n).getroot()) for n in ALL_FILES)
    for glued in ("19541", "Yuogslavia]2", "countries.3", "Patriots6", "GOSPOLITIZDAT7", "19545"):
        assert glued not in text


def test_newsletter_insert_is_excluded():
    for name in ALL_FILES:
        body = text_of(parse(name).find("t:text", NS))
        for phrase in INSERT_PHRASES:
            assert phrase.lower() not in body.lower(), (
                f"{name}: insert text {phrase!r} in the edition"
            )


def test_insert_decision_is_recorded():
    for name in ["letter-1954-09-23.xml", "edition.xml"]:
        decl = text_of(parse(name).find(".//t:encodingDesc/t:editorialDecl", NS))
        assert "note 6" in decl and "insert" in decl, name


def test_editorial_interventions():
    first = parse("letter-1954-06-22.xml")
    assert first.xpath("//t:choice[t:sic='Yuogslavia'][t:corr='Yugoslavia']", namespaces=NS)
    printed = [
        text_of(s) for s in first.xpath("//t:text//t:seg[@type='interpolation']", namespaces=NS)
    ]
    assert "[former secret police chief Lavrenty]" in printed
    assert "[CC]" in printed
    intro = parse("introduction.xml")
    assert intro.xpath("//t:choice[t:sic='Milosovic']", namespaces=NS)
    assert intro.xpath("//t:supplied//t:date[@when='2000']", namespaces=NS), (
        "missing year not supplied"
    )


def test_printed_interpolations_are_text_and_the_editors_conjecture_is_supplied():
    interpolations, supplied = [], []
    for name in ALL_FILES:
        tree = parse(name)
        interpolations += [
            text_of(s) for s in tree.xpath("//t:text//t:seg[@type='interpolation']", namespaces=NS)
        ]
        supplied += tree.xpath("//t:text//t:supplied", namespaces=NS)
    # The seventeen bracketed insertions of the print, brackets transcribed.
    assert len(interpolations) == 17
    assert all(i.startswith("[") and i.endswith("]") for i in interpolations), interpolations
    assert "[Indian prime minister]" in interpolations and "[Politburo]" in interpolations
    # The present editors' one conjecture, with who and how sure.
    assert [(text_of(s), s.get("resp"), s.get("cert")) for s in supplied] == [
        ("2000", "#introduction-editors", "high")
    ]


def test_line_end_hyphenation_is_resolved_but_compounds_kept():
    text = " ".join(text_of(parse(n).find("t:text", NS)) for n in ALL_FILES)
    for word in ("additionally", "represented", "liberalization", "Yugoslavia"):
        assert word in text
    for broken in ("addition- ally", "addition-ally", "repre-sented", "liberaliza-tion"):
        assert broken not in text
    for compound in ("far-reaching", "post-Stalin", "non-interference", "Marxism-Leninism"):
        assert compound in text


def test_dates_in_text_are_iso():
    iso = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
    for name in ALL_FILES:
        for attr in parse(name).xpath(
            "//t:date/@when | //t:date/@from | //t:date/@to", namespaces=NS
        ):
            assert iso.match(attr), f"{name}: {attr}"
    intro = parse("introduction.xml")
    for when in ("1948", "1955-05", "1956-02"):
        assert intro.xpath(f"//t:text//t:date[@when='{when}']", namespaces=NS), when
    assert parse("letter-1954-09-27.xml").xpath(
        "//t:text//t:title[.='Historical Materialism']", namespaces=NS
    )


@pytest.mark.parametrize("name", ALL_FILES)
def test_headers_are_complete(name):
    tree = parse(name)
    header = tree.find("t:teiHeader", NS)
    assert header.find("t:fileDesc/t:titleStmt/t:title", NS) is not None
    assert header.find("t:fileDesc/t:publicationStmt", NS) is not None
    assert header.find("t:revisionDesc/t:change", NS) is not None
    if name in LETTER_FILES:
        resp = text_of(header.find("t:fileDesc/t:titleStmt", NS))
        assert "Svetozar Rajak" in resp and "Cold War International History Project" in resp
        assert header.find("t:fileDesc/t:sourceDesc/t:bibl", NS) is not None
        assert header.xpath("t:profileDesc/t:langUsage/t:language/@ident", namespaces=NS)[:2] == [
            "en",
            "sh",
        ]


def test_register_has_variants_dates_and_coordinates():
    register = parse(REGISTER)
    djilas = register.xpath("//t:person[@xml:id='djilas']", namespaces=NS)[0]
    names = {text_of(n) for n in djilas.findall("t:persName", NS)}
    assert {"Milovan Đilas", "Milovan Djilas"} <= names
    assert djilas.find("t:birth", NS).get("when") == "1911"
    for place in register.iterfind(".//t:place", NS):
        geo = place.findtext("t:location/t:geo", namespaces=NS)
        lat, lon = (float(v) for v in geo.split())
        assert -90 <= lat <= 90 and -180 <= lon <= 180
    relations = {
        (r.get("name"), r.get("active"), r.get("passive"))
        for r in register.iterfind(".//t:relation", NS)
    }
    assert ("renamed", "#cpy", "#lcy") in relations
    assert ("organOf", "#cc-cpsu", "#cpsu") in relations


def word_counts(text: str) -> Counter:
    # Hyphens and dashes are dropped so that resolved line-end hyphenation and
    # kept compounds compare equal; single digits (note numbers) are ignored.
    text = re.sub(r"[-–—]", "", text.replace("’", "'"))
    return Counter(w.lower() for w in re.findall(r"[\w']+", text) if not re.fullmatch(r"\d", w))


def source_words(source: str) -> Counter:
    lines = source.split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith("—————"))
    end = next(i for i, line in enumerate(lines) if line.startswith("[Reprinted from the NHD"))
    kept = [
        line for line in lines[:start] + lines[end + 1 :] if "Teachers Become Students" not in line
    ]
    text = re.sub(r"-\n\s*", "", "\n".join(kept))
    for glued, clean in GLUED_MARKERS:
        assert glued in text, glued
        text = text.replace(glued, clean)
    return word_counts(text)


def edition_words() -> Counter:
    total: Counter = Counter()
    for name in ["introduction.xml", *LETTER_FILES]:
        text = parse(name).find("t:text", NS)
        # Read the source layer: sic not corr, no text the present editors supplied,
        # none of their notes.
        for el in text.xpath(
            ".//t:corr | .//t:supplied | .//t:note[@type='editorial']", namespaces=NS
        ):
            _remove_keeping_tail(el)
        notes = text.xpath(".//t:note", namespaces=NS)
        for note in notes:
            total += word_counts("".join(note.itertext()))
            note.text, tail = None, note.tail
            for child in list(note):
                note.remove(child)
            note.tail = tail
        total += word_counts(_flow(text))
    return total


def _remove_keeping_tail(el: etree._Element) -> None:
    """Remove ``el`` and keep its tail where it stood."""
    previous, parent = el.getprevious(), el.getparent()
    if el.tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def _flow(text: etree._Element) -> str:
    """Text with inline markup joined as printed (Khrushchev</persName>’s) and a
    space between blocks and at line breaks."""
    for el in text.iter():
        if not isinstance(el.tag, str):
            continue
        if etree.QName(el).localname not in INLINE:
            el.text = " " + (el.text or "")
            el.tail = " " + (el.tail or "")
    return "".join(text.itertext())


INLINE = {
    "persName",
    "placeName",
    "orgName",
    "date",
    "title",
    "choice",
    "sic",
    "corr",
    "supplied",
    "idno",
    "hi",
    "foreign",
    "q",
    "quote",
    "emph",
    "term",
    "name",
    "rs",
    "note",
}


def test_transcription_has_every_word_of_the_source(source_text):
    expected, actual = source_words(source_text), edition_words()
    assert expected - actual == Counter(), "words of the source missing from the edition"
    assert actual - expected == Counter(), "words in the edition that the source does not have"
