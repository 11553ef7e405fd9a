"""Real editions nobody here wrote transform to HTML and PDF without an error.

Every TEI file of $TEIKIT_SHARED/corpora (read in place) goes through
teikit.transform once per format, in parallel; the session-scoped results are
then checked for what broke on these editions before: crashes, glued words
around <space/>, dead fragment and facsimile links, run-on back lists, empty
separators in shelfmarks, doubled names and titles, speakers run on in PDFs.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from pathlib import Path

import pytest
from lxml import etree, html

from teikit.document import TEI_NS
from teikit.errors import Severity
from teikit.transform import TransformReport, transform

from conftest import SHARED

pytest.importorskip("typst")
CORPORA = SHARED / "corpora"
T = f"{{{TEI_NS}}}"

# Each edition: its TEI inputs (folders or files), read in place.
EDITIONS: dict[str, list[str]] = {
    "letters1916": ["letters1916/editions", "letters1916/indices"],
    "schnitzler-briefe": [
        "schnitzler-briefe/editions",
        *(
            f"schnitzler-briefe/indices/{name}.xml"
            for name in ("listbibl", "listcorrespondence", "listevent", "listorg", "listplace")
        ),
    ],  # fmt: skip  (indices/siglen.xml and indices/utils/ are not TEI)
    "gerdracor": ["gerdracor/tei"],
    "cmif-sig": [
        "cmif-sig/examples"
    ],  # templates/ hold placeholders ("[UUID]") that are no XML ids
    "schnitzler-cmif": ["schnitzler-cmif"],
}


def inputs(edition: str) -> list[Path]:
    paths = [CORPORA / p for p in EDITIONS[edition]]
    missing = [p for p in paths if not p.exists()]
    if missing:
        pytest.skip(f"shared corpora not found: {missing[0]} (set TEIKIT_SHARED)")
    return paths


def sources(edition: str) -> list[Path]:
    return sorted(f for p in inputs(edition) for f in ([p] if p.is_file() else p.rglob("*.xml")))


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> dict[tuple[str, str], TransformReport]:
    """Each edition transformed once to HTML and once to PDF."""
    out: dict[tuple[str, str], TransformReport] = {}
    for edition in EDITIONS:
        for to in ("html", "pdf"):
            target = tmp_path_factory.mktemp(f"{edition}-{to}")
            out[edition, to] = transform(inputs(edition), to, target, jobs=2)
    return out


def pages(report: TransformReport) -> dict[str, html.HtmlElement]:
    return {
        f.source: html.fromstring(path.read_bytes()) for f in report.files for path in f.outputs[:1]
    }


@pytest.mark.parametrize("to", ["html", "pdf"])
@pytest.mark.parametrize("edition", list(EDITIONS))
def test_every_file_transforms_without_an_error(built, edition, to):
    report = built[edition, to]
    errors = [d.format() for d in report.diagnostics if d.severity >= Severity.ERROR]
    assert errors == []
    assert len(report.files) == len(sources(edition)) and all(f.ok for f in report.files)


@pytest.mark.parametrize("edition", list(EDITIONS))
def test_pages_are_sound(built, edition):
    """One h1, unique ids, every fragment link lands, no empty shelfmark parts."""
    for source, root in pages(built[edition, "html"]).items():
        assert len(root.xpath("//h1")) == 1, source
        ids = [el.get("id") for el in root.iter() if isinstance(el.tag, str) and el.get("id")]
        assert not [i for i, n in Counter(ids).items() if n > 1], source
        for href in root.xpath("//a/@href"):
            if href.startswith("#"):
                assert href[1:] in ids, f"{source}: dead link {href}"
        archive = " ".join(
            " ".join(dd.text_content().split())
            for dd in root.xpath("//div[contains(@class, 'tk-meta-archive')]/dd")
        )
        assert not re.search(r",\s*,|\(\s*,|,\s*\)", archive), f"{source}: {archive}"


def test_letters1916_facsimiles_link_to_images(built):
    """pb/@facs holds the id of a graphic: 1,106 page breaks link to its image, none to a fragment."""
    links = [
        a.get("href")
        for root in pages(built["letters1916", "html"]).values()
        for a in root.xpath("//div[@class='tk-text']//a[@class='tk-facs']")
    ]
    breaks = sum(
        len(etree.parse(str(f)).findall(f".//{T}pb[@facs]"))
        for f in sources("letters1916")
        if "editions" in f.parts
    )
    assert breaks == 1106 and len(links) == breaks
    assert all(re.fullmatch(r"[0-9a-f]+\.jpg", href) for href in links), links[:5]


def doubled(name: str) -> bool:
    """'McCarthy, P. C. P. C. McCarthy': the name's second half repeats its first."""
    words = [w.strip(",") for w in name.split()]
    half = len(words) // 2
    return len(words) >= 2 and len(words) % 2 == 0 and sorted(words[:half]) == sorted(words[half:])


def test_letters1916_register_names_are_not_doubled(built):
    report = built["letters1916", "html"]
    written = [p for f in report.files if f.source.endswith("listperson.xml") for p in f.outputs]
    names = [
        " ".join(h.text_content().split())
        for path in written
        for h in html.fromstring(path.read_bytes()).xpath(
            "//section[contains(@class, 'tk-entry')]/h2"
        )
    ]
    assert len(names) > 400 and "McCarthy, P. C." in names
    assert [n for n in names if doubled(n)] == []
    assert doubled("McCarthy, P. C. P. C. McCarthy")


def test_schnitzler_space_and_back_lists(built):
    report = built["schnitzler-briefe", "html"]
    spaces = 0
    for f in sources("schnitzler-briefe"):
        if "editions" in f.parts:
            spaces += len(etree.parse(str(f)).xpath("//t:text//t:space[not(@dim='vertical')]",
                                                    namespaces={"t": TEI_NS}))  # fmt: skip
    rendered = pages(report)
    found = sum(len(r.xpath("//span[@class='tk-space']")) for r in rendered.values())
    assert spaces > 1000 and found == spaces  # every space keeps its words apart
    letters = [r for s, r in rendered.items() if "/editions/" in s]
    with_back = [r for r in letters if r.xpath("//div[@class='tk-back']")]
    assert with_back and all(
        r.xpath("//div[@class='tk-back']/section[contains(@class, 'tk-entries')]/h2")
        for r in with_back
    )
    # the document's own entries are on the page, and its mentions link to them
    local = sum(len(r.xpath("//a[contains(@class, 'tk-entity')][starts-with(@href, '#')]"))
                for r in letters)  # fmt: skip
    assert local > 1000
    # the letter's title heads the page, not the edition's
    assert not [r for r in letters if "Briefwechsel mit Autorinnen" in r.xpath("string(//h1)")]


def test_drama_speakers_start_their_own_line(built):
    pypdf = pytest.importorskip("pypdf")
    report = built["gerdracor", "pdf"]
    play = next(f for f in report.files if f.source.endswith("lessing-der-schatz.xml"))
    reader = pypdf.PdfReader(io.BytesIO(play.outputs[0].read_bytes()))
    lines = [
        " ".join(line.split())
        for page in reader.pages[:6]
        for line in page.extract_text().splitlines()
        if line.strip()
    ]
    speakers = [
        " ".join(s.xpath("string()").split()) for s in etree.parse(play.source).iter(f"{T}speaker")
    ][:20]
    assert speakers and all(s in lines for s in speakers), (speakers, lines[:40])


def test_titles_are_not_repeated_in_the_pdf(built):
    pypdf = pytest.importorskip("pypdf")
    report = built["schnitzler-briefe", "pdf"]
    for f in report.files[:5]:
        reader = pypdf.PdfReader(io.BytesIO(f.outputs[0].read_bytes()))
        first = " ".join(reader.pages[0].extract_text().split())
        title = " ".join(
            etree.parse(f.source)
            .find(f".//{T}titleStmt/{T}title[@level='a']")
            .xpath("string()")
            .split()
        )
        assert first.count(title) == 1, (title, first[:300])
