"""A large page finished in pieces (teikit.site.pieces, jobs._put_page_in_pieces)
is the page finished whole (jobs._put_page): the same bytes, findings, images
copied, ids and search records; a page that cannot be done in pieces is finished
whole. Small pages stand for large ones: what makes a page large is only that
the build gives it to finish_page (site.build.HEAVY_BYTES)."""

from __future__ import annotations

import zlib
from pathlib import Path
from types import SimpleNamespace

import pytest
from lxml import etree

from teikit.site import jobs, pieces
from teikit.site.chrome import Chrome
from teikit.site.markup import parse_page
from teikit.site.outputs import BuildReport, Outputs

# What the first half of a split page leaves: the site profile's page, with what
# the finishing judges in pieces and in the skeleton around them.
PAGE = """<!DOCTYPE HTML>
<html lang="en"><head><meta charset="utf-8"><title>Diary</title>
<script>alert(1)</script><link rel="stylesheet" href="https://cdn.example.org/x.css">
</head><body class="tk-page"><a class="tk-skip-link" href="#tk-main">Skip</a>
<header class="tk-site-header"><p>Edition <img src="https://example.org/logo.png" alt="logo"></p>
<nav><ul><li><a href="index.html">Home</a></li></ul></nav></header>
<main id="tk-main" class="tk-main"><article class="tk-document">
<header class="tk-document-header"><h1>Diary &amp; notes</h1></header>
<div class="tk-text"><div class="tk-body"><section class="tk-div">
  <section class="tk-div tk-div-entry"><h3><time datetime="1950-01-02">2 January</time></h3>
    <p onclick="x()" style="color:red">Met <a href="persons.html#p1" class="tk-entity tk-person" id="tk-m7">Tito</a>
    in <a href="places.html#pl1" class="tk-entity tk-place" id="tk-m8">Brioni</a>.</p>
    <p>A <img src="scan-1.png" alt="scan"> and <a href="facs/f1.jpg">facsimile</a>
    and <img src="https://example.org/far.png" alt="far away"> <script>evil()</script>end.</p>
  </section>
  <section class="tk-div tk-div-entry"><h3>3 January</h3><p>Second <b>entry</b> &lt;ok&gt; é
    <iframe src="https://example.org/"></iframe> text.</p>
    <table><tr><td>cell one</td><td id="given">cell two</td></tr></table></section>
  <!-- a comment between entries -->
  <section class="tk-div tk-div-entry"><h3>4 January</h3><ul><li>one</li><li>two</li></ul>
    <div class="tk-note-wrap"><p>inner</p></div></section>
  text between entries
  <section class="tk-div tk-div-entry"><h3>5 January</h3><p>Last <img src="scan-1.png" alt="again">.</p></section>
</section></div>
<section class="tk-notes"><ol><li class="tk-note" id="n1"><span class="tk-note-label">1</span> A note
  <a href="javascript:alert(1)">bad</a></li></ol></section>
<aside class="tk-metadata"><p>Not searched</p></aside>
<div class="tk-entry-extra"><p>After the body <a href="../../etc/passwd.png">up</a></p></div>
</div></article></main>
<footer class="tk-site-footer"><p class="tk-generator">Generated</p></footer>
</body></html>
"""


def _finisher(tmp_path: Path, name: str):
    """A shop with what finishing a page needs, writing into its own folder."""
    edition = tmp_path / "edition"
    if not edition.exists():
        edition.mkdir()
        (edition / "scan-1.png").write_bytes(b"\x89PNG fake image")
    out = tmp_path / name
    (out / "records").mkdir(parents=True)
    outputs = Outputs(out, {}, False, BuildReport(out))
    entities = SimpleNamespace(
        index_of=lambda href: zlib.crc32(href.encode()) % 97 if "#" in href else None
    )
    chrome = SimpleNamespace(decorate=lambda root, page, found: Chrome.decorate(None, root, page, found))  # fmt: skip
    site = SimpleNamespace(source=str(edition), outputs=outputs, chrome=chrome, entities=entities)
    shop = SimpleNamespace(site=site, records=out / "records")
    job = SimpleNamespace(page="diary.html", path=str(edition / "diary.xml"), search=True)
    return shop, job, out


def _finish(tmp_path: Path, name: str, html: str, how: str):
    shop, job, out = _finisher(tmp_path, name)
    raw = out / "raw.html"
    raw.write_text(html, "utf-8")
    found: list = []
    if how == "whole":
        stored, taken = jobs._put_page(shop, job, parse_page(raw), found)
    else:
        stored, taken = jobs._put_page_in_pieces(shop, job, raw, found)
    records = Path(taken.records_file).read_text("utf-8") if taken.records_file else ""
    return {
        "page": (out / "diary.html").read_bytes(),
        "found": [(d.code, d.message) for d in found],
        "stored": [(s.rel, s.sha256, s.wrote) for s in stored],
        "ids": taken.ids,
        "records": records,
        "media": sorted(p.name for p in (out / "media").iterdir()),
    }


def test_a_page_finished_in_pieces_is_the_page_finished_whole(tmp_path):
    whole = _finish(tmp_path, "whole", PAGE, "whole")
    pieced = _finish(tmp_path, "pieces", PAGE, "pieces")
    assert pieced == whole
    # what was judged is in it: the images, the policy, the ids and the records
    codes = [code for code, _ in whole["found"]]
    assert codes.count("unsafe-markup") == 3  # two scripts (one in the head), an iframe
    assert "missing-image" in codes and "resource-outside" in codes
    assert whole["media"] == ["scan-1.png"]
    assert b"tks-b1" in whole["page"] and b"evil()" not in whole["page"]
    assert '"n":"1"' in whole["records"] and "cell two" in whole["records"]


def test_the_page_is_really_finished_in_pieces(tmp_path):
    """The entries went through the spool, not through the whole tree: each run of
    them is one comment in the skeleton. A piece holds no piece: the entry that
    holds a ``div`` stays, the ``div`` is the piece."""
    raw = tmp_path / "raw.html"
    raw.write_text(PAGE, "utf-8")
    with open(tmp_path / "spool", "w+b") as spool:
        page = pieces.finish_in_pieces(raw, spool, media=lambda el: None, media_tags=frozenset(),
                                       police=lambda el: None, record=None)  # fmt: skip
        held = [el.get("class") for el in page.root.iter("section", "div")]
        assert held == ["tk-text", "tk-body", "tk-div", "tk-div tk-div-entry"]
        # entries 1-2; the div in entry 3; entry 4; the notes; the div after the aside
        marks = [c.text for c in page.root.iter(etree.Comment) if c.text.startswith(page.marker)]
        assert len(marks) == len(page.runs) == 5
        assert spool.tell() == page.runs[-1][1] > 1000


@pytest.mark.parametrize(
    "change",
    [
        # an id twice: which one keeps it depends on the whole page (dedupe_ids)
        ('<td id="given">', '<td id="tk-m8">'),
        # the policy removes an element holding text blocks, after their ids are given
        ('<p>After the body', '<object><p>in an object</p></object><p>After the body'),
    ],
    ids=["id-twice", "removed-blocks"],
)
def test_a_page_that_cannot_be_done_in_pieces_is_finished_whole(tmp_path, change):
    html = PAGE.replace(*change)
    assert html != PAGE
    raw = tmp_path / "raw.html"
    raw.write_text(html, "utf-8")
    with open(tmp_path / "spool", "w+b") as spool, pytest.raises(pieces.Unpieceable):
        pieces.finish_in_pieces(raw, spool, media=lambda el: None, media_tags=frozenset(),
                                police=jobs.partial(jobs.police, page="p.html", found=[]),
                                record=None)  # fmt: skip
    whole = _finish(tmp_path, "whole", html, "whole")
    pieced = _finish(tmp_path, "pieces", html, "pieces")
    assert pieced == whole
    assert len(list((tmp_path / "pieces" / "records").iterdir())) == 1  # none left over


def test_a_split_page_copies_its_images_once_when_finished_whole_after_pieces(tmp_path):
    """An image copied before the page turned out to need finishing whole is not
    copied again: it is written once, and counted as written."""
    html = PAGE.replace('<td id="given">', '<td id="tk-m8">')
    pieced = _finish(tmp_path, "pieces", html, "pieces")
    assert [(rel, wrote) for rel, _, wrote in pieced["stored"]] == [
        ("diary.html", True),
        ("media/scan-1.png", True),
    ]


# --------------------------------------------------------------------------- mention anchors

MENTIONS = """<?xml version="1.0" encoding="UTF-8"?>
<?xml-model href="tei.rng"?>
<!-- before the root -->
<TEI xmlns="http://www.tei-c.org/ns/1.0"><teiHeader><fileDesc><titleStmt>
<title>A <persName>title's</persName> name</title></titleStmt></fileDesc></teiHeader>
<text><body><div><p>One <persName>Tito</persName> and <persName>Kardelj</persName>
<!-- a comment --><placeName>Brioni</placeName> <x:rs xmlns:x="urn:other">not TEI</x:rs>
<rs type="person">him</rs></p><p>Two <name>N</name><note><persName>in a note</persName></note></p>
</div><div><sp><speaker>A</speaker><p>Line <orgName>Org</orgName></p></sp></div>
<div><p><placeName>Belgrade</placeName></p></div></body></text></TEI>
<!-- after the root -->
"""


def test_mention_anchors_read_as_a_stream_are_those_of_the_loaded_document(tmp_path):
    """records.mention_anchors_in_file (the finishing worker: never the document's
    tree) gives the paths and anchors records.mention_anchors gives, in the same
    order: siblings of the same name and alone, comments and processing
    instructions around the root and among the children, another namespace."""
    from teikit.document import load
    from teikit.site.records import mention_anchors, mention_anchors_in_file

    tei = tmp_path / "mentions.xml"
    tei.write_text(MENTIONS, "utf-8")
    loaded = mention_anchors(load(tei))
    assert list(mention_anchors_in_file(str(tei)).items()) == list(loaded.items())
    assert loaded["/TEI/text/body/div[1]/p[1]/persName[2]"] == "tk-m12"
    assert loaded["/TEI/text/body/div[1]/p[1]/rs[2]"] == "tk-m15"  # counted with x:rs
    assert loaded["/TEI/text/body/div[2]/sp"] == "tk-m21"
    assert len(loaded) == 11


def test_mention_anchors_read_as_a_stream_read_no_dtd(tmp_path):
    """A DOCTYPE's DTD is not read (as teikit.document does not read it)."""
    from teikit.site.records import mention_anchors_in_file

    secret = tmp_path / "secret.dtd"
    secret.write_text("<!ELEMENT broken ((>", "utf-8")  # read, it would stop the parse
    tei = tmp_path / "doctype.xml"
    tei.write_text(f'<!DOCTYPE TEI SYSTEM "{secret.as_uri()}">\n' + MENTIONS.split("\n", 1)[1])
    assert len(mention_anchors_in_file(str(tei))) == 11
