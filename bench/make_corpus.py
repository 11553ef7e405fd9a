"""Write a synthetic, realistic TEI correspondence corpus for benchmarks.

    python bench/make_corpus.py OUT_DIR [-n 5000] [--seed 1954] [--check]
    python bench/make_corpus.py OUT_DIR --real [--check]

OUT_DIR receives ``register.xml`` (persons, places with coordinates,
organisations) and ``letter-NNNNN.xml`` files of roughly 10 KB: a full
``teiHeader`` (title and responsibility statements, publication statement,
``msDesc`` with ``msIdentifier``/``idno``, ``correspDesc`` with sent and received
actions, language, keywords, revision history), an optional ``facsimile``, and a
body with opener, paragraphs whose names point into the register, dates,
footnotes, page breaks and figures, and a closer. The same seed gives the same
bytes. ``--check`` validates the register and a sample of letters against the
bundled TEI P5 4.12.0 ``tei_all.rng`` and exits 1 if any is invalid.

``--real`` shapes the corpus like the real editions in ../shared/corpora:
letters of 2 to 30 KB (log-uniform), 5 % of them invalid in one of three
common ways (a date that is not ISO, an attribute TEI does not have, a ``div``
inside a ``p``), registers in their own files (10,000 persons, 5,000 places,
3,000 bibliographic entries, 2,000 organisations: up to 2 MB each), and one
20 MB file (a diary of 25,000 entries). ``corpus.json`` lists the files meant
to be invalid; ``--check`` then checks every file against that list.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
from datetime import date, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
TEI_ALL = ROOT / "src" / "teikit" / "data" / "tei" / "tei_all-4.12.0.rng"

FORENAMES = (
    "Josip", "Nikita", "Edvard", "Milovan", "Aleksandar", "Vyacheslav", "Anastas",
    "Georgy", "Koča", "Svetozar", "Vladimir", "Ivan", "Petar", "Moša", "Mihail",
    "Ana", "Vida", "Mitra", "Olga", "Nadezhda", "Dmitri", "Andrei", "Boris", "Veljko",
)  # fmt: skip
SURNAMES = (
    "Broz", "Khrushchev", "Kardelj", "Djilas", "Ranković", "Molotov", "Mikoyan",
    "Malenkov", "Popović", "Rajak", "Bakarić", "Pijade", "Suslov", "Tomović",
    "Gromyko", "Bulganin", "Vukmanović", "Mićunović", "Kidrič", "Tempo", "Zhukov",
)  # fmt: skip
PLACES = (
    ("Belgrade", "city", 44.82, 20.46), ("Moscow", "city", 55.75, 37.62),
    ("Zagreb", "city", 45.81, 15.98), ("Ljubljana", "city", 46.05, 14.51),
    ("Sarajevo", "city", 43.86, 18.41), ("Skopje", "city", 41.99, 21.43),
    ("Bled", "town", 46.37, 14.11), ("Brioni", "island", 44.92, 13.76),
    ("Split", "city", 43.51, 16.44), ("Kiev", "city", 50.45, 30.52),
    ("Leningrad", "city", 59.93, 30.36), ("Sofia", "city", 42.70, 23.32),
    ("Bucharest", "city", 44.43, 26.10), ("Budapest", "city", 47.50, 19.04),
    ("Warsaw", "city", 52.23, 21.01), ("Prague", "city", 50.08, 14.44),
    ("Trieste", "city", 45.65, 13.78), ("Vienna", "city", 48.21, 16.37),
    ("Athens", "city", 37.98, 23.73), ("Ankara", "city", 39.93, 32.86),
    ("New Delhi", "city", 28.61, 77.21), ("Cairo", "city", 30.04, 31.24),
)  # fmt: skip
ORGS = (
    "Communist Party of the Soviet Union", "League of Communists of Yugoslavia",
    "Central Committee of the CPSU", "Central Committee of the LCY", "Cominform",
    "Council of Ministers of the USSR", "Federal Executive Council", "Balkan Pact",
    "Yugoslav People's Army", "Soviet Embassy in Belgrade", "Yugoslav Embassy in Moscow",
    "Presidium of the Supreme Soviet", "Socialist Alliance of Working People",
)  # fmt: skip
PROSE = (  # filler for the letters
    "the comrades relations between our two parties and countries have entered a new phase "
    "we consider it necessary to state openly that the past misunderstandings were caused "
    "by mistakes which must not be repeated in the interest of socialism and of peace the "
    "delegation will arrive in the course of next month to discuss questions of mutual "
    "interest including trade cultural exchange and the international situation we have "
    "studied your letter carefully and share the view that normalisation requires patience "
    "on both sides the central committee has instructed us to convey its greetings and to "
    "propose that the talks be held without preconditions the press of both countries "
    "should refrain from polemics while the negotiations are under way we cannot agree with "
    "the assessment contained in your last communication concerning the events of that year "
    "nevertheless we are ready to continue the exchange of opinions"
)
WORDS = tuple(PROSE.split())
ARCHIVES = (
    "Arhiv Jugoslavije",
    "Russian State Archive of Contemporary History",
    "Diplomatic Archive",
)
FEMALE = ("Ana", "Vida", "Mitra", "Olga", "Nadezhda")
KEYWORDS = ("normalisation", "party relations", "trade", "Cominform", "de-Stalinisation", "visit")

TEI_NS = "http://www.tei-c.org/ns/1.0"


class Register:
    """Persons, places and organisations every letter refers to by @ref."""

    def __init__(self, rnd: random.Random, persons: int = 120, orgs: int = 30) -> None:
        self.persons = []
        seen = set()
        while len(self.persons) < persons:
            fore, sur = rnd.choice(FORENAMES), rnd.choice(SURNAMES)
            ident = f"pers-{sur.lower()}-{fore.lower()}"
            for ch, plain in zip("čćšžđ", "ccszd", strict=True):
                ident = ident.replace(ch, plain)
            if ident in seen:
                continue
            seen.add(ident)
            born = rnd.randint(1880, 1925)
            self.persons.append((ident, fore, sur, born, born + rnd.randint(45, 90)))
        self.places = [
            (f"place-{name.lower().replace(' ', '-')}", name, kind, lat, lon)
            for name, kind, lat, lon in PLACES
        ]
        self.orgs = [(f"org-{i:03d}", ORGS[i % len(ORGS)] + ("" if i < len(ORGS) else f" ({i})"))
                     for i in range(orgs)]  # fmt: skip

    def xml(self) -> str:
        persons = "".join(
            f'<person xml:id="{ident}" sex="{"F" if fore in FEMALE else "M"}">'
            f'<persName type="preferred"><forename>{escape(fore)}</forename> '
            f"<surname>{escape(sur)}</surname></persName>"
            f'<persName type="variant">{escape(fore[0])}. {escape(sur)}</persName>'
            f'<birth when="{born}"/><death when="{died}"/>'
            f"<occupation>politician</occupation>"
            f"<note>Member of the delegation; mentioned in the correspondence.</note></person>\n"
            for ident, fore, sur, born, died in self.persons
        )  # fmt: skip
        places = "".join(
            f'<place xml:id="{ident}" type="{kind}"><placeName type="preferred">{escape(name)}'
            f'</placeName><location><geo>{lat:.2f} {lon:.2f}</geo></location>'
            f"<note>Place named in the letters.</note></place>\n"
            for ident, name, kind, lat, lon in self.places
        )  # fmt: skip
        orgs = "".join(
            f'<org xml:id="{ident}"><orgName type="full">{escape(name)}</orgName>'
            f"<note>Organisation named in the letters.</note></org>\n"
            for ident, name in self.orgs
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<TEI xmlns="{TEI_NS}" xml:id="register" xml:lang="en">'
            "<teiHeader><fileDesc><titleStmt><title>Registers of the synthetic corpus</title>"
            "</titleStmt><publicationStmt><publisher>teikit benchmarks</publisher>"
            '<date when="2026">2026</date></publicationStmt><sourceDesc><p>Generated by '
            "bench/make_corpus.py.</p></sourceDesc></fileDesc></teiHeader><text><body>"
            f'<div type="persons"><head>Persons</head><listPerson>\n{persons}</listPerson></div>'
            f'<div type="places"><head>Places</head><listPlace>\n{places}</listPlace></div>'
            f'<div type="organisations"><head>Organisations</head><listOrg>\n{orgs}</listOrg></div>'
            "</body></text></TEI>\n"
        )  # fmt: skip


class Letter:
    def __init__(
        self,
        rnd: random.Random,
        register: Register,
        n: int,
        total: int,
        paragraphs: int | None = None,
    ) -> None:
        self.rnd, self.reg, self.n, self.total = rnd, register, n, total
        self.notes = 0
        self.paragraphs = paragraphs

    def sentence(self) -> str:
        rnd = self.rnd
        words = [escape(w) for w in rnd.sample(WORDS, rnd.randint(9, 22))]
        for _ in range(rnd.choice((0, 1, 1, 2, 3))):
            words.insert(rnd.randrange(len(words) + 1), self.entity())
        if rnd.random() < 0.08:
            words.insert(rnd.randrange(len(words)), f'<hi rend="italic">{rnd.choice(WORDS)}</hi>')
        text = " ".join(words)
        return text[0].upper() + text[1:] + "."

    def entity(self) -> str:
        rnd = self.rnd
        kind = rnd.random()
        if kind < 0.45:
            ident, fore, sur, *_ = rnd.choice(self.reg.persons)
            label = rnd.choice((f"{fore} {sur}", sur, f"comrade {sur}"))
            return f'<persName ref="#{ident}">{escape(label)}</persName>'
        if kind < 0.75:
            ident, name, *_ = rnd.choice(self.reg.places)
            return f'<placeName ref="#{ident}">{escape(name)}</placeName>'
        if kind < 0.9:
            ident, name = rnd.choice(self.reg.orgs)
            return f'<orgName ref="#{ident}">{escape(name)}</orgName>'
        day = date(1954, 1, 1) + timedelta(days=rnd.randrange(730))
        return f'<date when="{day.isoformat()}">{day.day} {day:%B} {day.year}</date>'

    def paragraph(self) -> str:
        rnd = self.rnd
        sentences = [self.sentence() for _ in range(rnd.randint(3, 7))]
        if rnd.random() < 0.35:
            self.notes += 1
            note = " ".join(self.sentence() for _ in range(rnd.randint(1, 2)))
            sentences.insert(
                rnd.randrange(1, len(sentences) + 1),
                f'<note place="foot" n="{self.notes}" xml:id="l{self.n:05d}-n{self.notes}">'
                f"{note}</note>",
            )
        return "<p>" + " ".join(sentences) + "</p>\n"

    def xml(self) -> str:
        rnd, n = self.rnd, self.n
        sent = date(1954, 1, 1) + timedelta(days=rnd.randrange(730))
        received = sent + timedelta(days=rnd.randint(1, 12))
        sender, addressee = rnd.sample(self.reg.persons, 2)
        origin, destination = rnd.sample(self.reg.places, 2)
        archive = rnd.choice(ARCHIVES)
        fond, folder = rnd.randint(100, 999), rnd.randint(1, 300)
        ident = f"letter-{n:05d}"
        pages = rnd.randint(1, 4)
        body = []
        paragraphs = rnd.randint(5, 11) if self.paragraphs is None else self.paragraphs
        for i in range(paragraphs):
            if i and pages > 1 and i % max(1, paragraphs // pages) == 0:
                body.append(f'<pb n="{i // max(1, paragraphs // pages) + 1}"/>\n')
            body.append(self.paragraph())
            if rnd.random() < 0.05:
                body.append(
                    f'<figure><graphic url="images/{ident}-fig{i}.jpg" width="800px"/>'
                    "<figDesc>Stamp of the receiving office.</figDesc></figure>\n"
                )
        facsimile = ""
        if rnd.random() < 0.5:
            facsimile = "<facsimile>" + "".join(
                f'<surface xml:id="{ident}-s{p}"><graphic url="images/{ident}-{p}.jpg"/></surface>'
                for p in range(1, pages + 1)
            ) + "</facsimile>\n"  # fmt: skip
        prev_next = "".join(
            f'<ref type="{kind}" target="letter-{m:05d}.xml">letter {m}</ref>'
            for kind, m in (("prev", n - 1), ("next", n + 1))
            if 1 <= m <= self.total
        )
        keywords = "".join(f"<term>{k}</term>" for k in rnd.sample(KEYWORDS, 2))
        who = f"{escape(sender[1])} {escape(sender[2])}"
        whom = f"{escape(addressee[1])} {escape(addressee[2])}"
        sent_date = f'<date when="{sent.isoformat()}">{sent.day} {sent:%B} {sent.year}</date>'
        return f"""<?xml version="1.0" encoding="UTF-8"?>
<TEI xmlns="{TEI_NS}" xml:id="{ident}" xml:lang="en">
<teiHeader>
<fileDesc>
<titleStmt><title>Letter from {who} to {whom}, {sent.isoformat()}</title>
<author><persName ref="#{sender[0]}">{who}</persName></author>
<editor>teikit benchmark editors</editor>
<respStmt><resp>transcription and encoding</resp><name>bench/make_corpus.py</name></respStmt>
</titleStmt>
<publicationStmt><publisher>teikit benchmarks</publisher><pubPlace>Belgrade</pubPlace>
<date when="2026">2026</date>
<availability status="free">
<licence target="https://creativecommons.org/licenses/by/4.0/">CC BY 4.0</licence>
</availability>
<idno type="local">{ident}</idno></publicationStmt>
<sourceDesc>
<msDesc><msIdentifier><settlement>{escape(origin[1])}</settlement>
<repository>{escape(archive)}</repository>
<idno type="shelfmark">{fond}/{folder}-{n}</idno></msIdentifier>
<msContents><summary>Letter about relations between the two parties, {pages} page(s).</summary>
</msContents>
<physDesc><objectDesc form="letter"><supportDesc><extent>{pages} leaves</extent></supportDesc>
</objectDesc></physDesc>
</msDesc>
</sourceDesc>
</fileDesc>
<encodingDesc><editorialDecl>
<p>Names are linked to the register; dates are normalised in @when.</p>
</editorialDecl></encodingDesc>
<profileDesc>
<correspDesc>
<correspAction type="sent"><persName ref="#{sender[0]}">{who}</persName>
<placeName ref="#{origin[0]}">{escape(origin[1])}</placeName>{sent_date}</correspAction>
<correspAction type="received"><persName ref="#{addressee[0]}">{whom}</persName>
<placeName ref="#{destination[0]}">{escape(destination[1])}</placeName>
<date when="{received.isoformat()}"/></correspAction>
{f"<correspContext>{prev_next}</correspContext>" if prev_next else ""}
</correspDesc>
<langUsage><language ident="en">English</language></langUsage>
<textClass><keywords scheme="#keywords">{keywords}</keywords></textClass>
</profileDesc>
<revisionDesc><change when="2026-01-{rnd.randint(10, 28)}" who="#bench">Generated.</change>
</revisionDesc>
</teiHeader>
{facsimile}<text>
<body>
<div type="letter">
<opener><dateline><placeName ref="#{origin[0]}">{escape(origin[1])}</placeName>, {sent_date}
</dateline>
<salute>Dear comrade {escape(addressee[2])},</salute></opener>
{"".join(body)}<closer><salute>With comradely greetings,</salute>
<signed><persName ref="#{sender[0]}">{who}</persName></signed></closer>
</div>
</body>
</text>
</TEI>
"""


def generate(out: Path, count: int, seed: int) -> list[Path]:
    rnd = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    register = Register(rnd)
    (out / "register.xml").write_text(register.xml(), encoding="utf-8")
    paths = [out / "register.xml"]
    for n in range(1, count + 1):
        path = out / f"letter-{n:05d}.xml"
        path.write_text(Letter(rnd, register, n, count).xml(), encoding="utf-8")
        paths.append(path)
    return paths


# --------------------------------------------------------------------------
# The real-shaped corpus (--real)

BIBL_WORDS = ("Memoirs", "Letters", "Documents", "Diaries", "Minutes", "Reports", "Papers")


class BigRegister(Register):
    """Registers as large as real editions keep, one file per kind."""

    def __init__(self, rnd: random.Random, persons: int, places: int, orgs: int, bibls: int):
        self.rnd = rnd
        self.persons = []
        for n in range(1, persons + 1):
            fore, sur = rnd.choice(FORENAMES), rnd.choice(SURNAMES)
            born = rnd.randint(1850, 1930)
            self.persons.append((f"pers{n:05d}", fore, sur, born, born + rnd.randint(30, 90)))
        kinds = ("city", "town", "village", "island", "region")
        self.places = []
        for n in range(1, places + 1):
            name, _, lat, lon = rnd.choice(PLACES)
            self.places.append((f"place{n:05d}", f"{name} {n}", rnd.choice(kinds), lat, lon))
        self.orgs = [(f"org{n:05d}", f"{rnd.choice(ORGS)} ({n})") for n in range(1, orgs + 1)]
        self.bibls = [
            (f"bibl{n:05d}", f"{rnd.choice(BIBL_WORDS)} of {rnd.choice(SURNAMES)}",
             rnd.randint(1950, 2020))
            for n in range(1, bibls + 1)
        ]  # fmt: skip

    def files(self) -> dict[str, str]:
        person_rows = "".join(
            f'<person xml:id="{ident}" sex="{"F" if fore in FEMALE else "M"}">'
            f'<persName type="preferred"><forename>{escape(fore)}</forename> '
            f"<surname>{escape(sur)}</surname></persName>"
            f'<birth when="{born}"/><death when="{died}"/><occupation>politician</occupation>'
            f"<note>Mentioned in the correspondence.</note></person>\n"
            for ident, fore, sur, born, died in self.persons
        )
        place_rows = "".join(
            f'<place xml:id="{ident}" type="{kind}"><placeName>{escape(name)}</placeName>'
            f"<location><geo>{lat:.2f} {lon:.2f}</geo></location></place>\n"
            for ident, name, kind, lat, lon in self.places
        )
        org_rows = "".join(
            f'<org xml:id="{ident}"><orgName type="full">{escape(name)}</orgName>'
            f"<note>Organisation named in the letters.</note></org>\n"
            for ident, name in self.orgs
        )
        bibl_rows = "".join(
            f'<bibl xml:id="{ident}"><title level="m">{escape(title)}</title>'
            f'<pubPlace>Belgrade</pubPlace><date when="{year}">{year}</date></bibl>\n'
            for ident, title, year in self.bibls
        )
        lists = {
            "listperson.xml": ("Persons", f"<listPerson>\n{person_rows}</listPerson>"),
            "listplace.xml": ("Places", f"<listPlace>\n{place_rows}</listPlace>"),
            "listorg.xml": ("Organisations", f"<listOrg>\n{org_rows}</listOrg>"),
            "listbibl.xml": ("Bibliography", f"<listBibl>\n{bibl_rows}</listBibl>"),
        }
        return {name: _tei(title, body) for name, (title, body) in lists.items()}


def _tei(title: str, body: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<TEI xmlns="{TEI_NS}"><teiHeader><fileDesc><titleStmt><title>{title}</title>'
        "</titleStmt><publicationStmt><publisher>teikit benchmarks</publisher>"
        "</publicationStmt><sourceDesc><p>Generated by bench/make_corpus.py.</p></sourceDesc>"
        f"</fileDesc></teiHeader><text><body><div>{body}</div></body></text></TEI>\n"
    )


# One error each, as editors make them: not an ISO date, an attribute TEI does
# not define, a div inside a paragraph.
_MUTATIONS = (
    ("<salute>With comradely greetings,</salute>",
     '<salute>With comradely greetings,</salute><dateline><date when="in June 1954">June'
     "</date></dateline>"),
    ("<p>", '<p colour="red">'),
    ("</p>", "<div><p>A section misplaced into the paragraph.</p></div></p>"),
)  # fmt: skip


def _diary(rnd: random.Random, register: BigRegister, entries: int) -> str:
    letter = Letter(rnd, register, 0, 0)
    days = []
    for n in range(1, entries + 1):
        day = date(1950, 1, 1) + timedelta(days=n)
        paragraphs = "".join(f"<p>{letter.sentence()} {letter.sentence()}</p>" for _ in range(2))
        days.append(
            f'<div type="entry" n="{n}"><head><date when="{day.isoformat()}">'
            f"{day.day} {day:%B} {day.year}</date></head>{paragraphs}</div>\n"
        )
    return _tei("Diary, 1950-2018", "".join(days))


def generate_real(out: Path, count: int, seed: int) -> tuple[list[Path], list[Path]]:
    """The real-shaped corpus; returns every file and the ones meant to be invalid."""
    rnd = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    register = BigRegister(rnd, persons=10_000, places=5_000, orgs=2_000, bibls=3_000)
    paths = []
    for name, text in register.files().items():
        (out / name).write_text(text, encoding="utf-8")
        paths.append(out / name)
    diary = out / "diary.xml"
    diary.write_text(_diary(rnd, register, 25_000), encoding="utf-8")
    paths.append(diary)
    invalid = []
    for n in range(1, count + 1):
        size_kb = math.exp(rnd.uniform(math.log(2), math.log(30)))  # log-uniform, 2-30 KB
        paragraphs = max(1, round((size_kb - 2.6) / 1.05))  # a letter has a paragraph
        text = Letter(rnd, register, n, count, paragraphs=paragraphs).xml()
        path = out / f"letter-{n:05d}.xml"
        if rnd.random() < 0.05:
            old, new = _MUTATIONS[len(invalid) % len(_MUTATIONS)]
            if old not in text:  # a letter without paragraphs: the first kind always fits
                old, new = _MUTATIONS[0]
            text = text.replace(old, new, 1)
            invalid.append(path)
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    manifest = {"seed": seed, "files": len(paths), "invalid": [p.name for p in invalid]}
    (out / "corpus.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return paths, invalid


def check(paths: list[Path], sample: int, invalid: list[Path] = ()) -> int:
    """Validate a sample (every file when ``sample`` is 0) with teikit's engine;
    exit status 1 if any verdict is not the intended one."""
    from lxml import etree

    from teikit.validate.relaxng import compile_grammar, is_valid

    grammar = compile_grammar(TEI_ALL)
    step = max(1, len(paths) // sample) if sample else 1
    chosen = paths[::step]
    meant_invalid = set(invalid)
    wrong = 0
    for path in chosen:
        valid = is_valid(etree.parse(str(path)), grammar)
        if valid == (path in meant_invalid):
            wrong += 1
            print(f"{path}: {'valid' if valid else 'invalid'}, not as meant", file=sys.stderr)
    print(f"checked {len(chosen)} files against {TEI_ALL.name}: {len(chosen) - wrong} as meant")
    return 1 if wrong else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("-n", "--count", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1954)
    parser.add_argument("--check", action="store_true", help="validate a sample with tei_all")
    parser.add_argument(
        "--sample", type=int, default=200, help="files to check (default 200; 0: all)"
    )
    parser.add_argument("--real", action="store_true", help="shape it like real editions")
    args = parser.parse_args(argv)
    if args.real:
        paths, invalid = generate_real(args.out, args.count, args.seed)
    else:
        paths, invalid = generate(args.out, args.count, args.seed), []
    size = sum(p.stat().st_size for p in paths)
    largest = max(p.stat().st_size for p in paths)
    print(
        f"wrote {len(paths)} files, {size / 1e6:.1f} MB (largest {largest / 1e6:.1f} MB), "
        f"{len(invalid)} meant to be invalid, to {args.out}"
    )
    return check(paths, args.sample, invalid) if args.check else 0


if __name__ == "__main__":
    sys.exit(main())
