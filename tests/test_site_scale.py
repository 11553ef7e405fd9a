"""What makes ``teikit build`` scale, held to the behaviour it replaced: paths,
search offsets and prefixes computed in one pass give what the per-element ways
gave, and pages finished by workers (or read back from the last build) give the
same site as pages finished here."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

from lxml import etree
from lxml import html as lxml_html

from teikit.document import load
from teikit.edition import Edition
from teikit.exports.cmif import CmifOptions
from teikit.index import XPaths
from teikit.site import build_site
from teikit.site.search import block_text

from conftest import FIXTURES, ROOT, TEI

OPTIONS = {
    "base_url": "https://example.org/tito-khrushchev/",
    "cmif": CmifOptions(editor_email="editors@example.org"),
    "pdf": False,
}


def site_files(out: Path) -> dict[str, bytes]:
    """Every file of a built site but its manifest, by relative path."""
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.name != ".teikit-build.json"
    }


def copy_edition(tmp_path: Path) -> Path:
    root = tmp_path / "edition"
    shutil.copytree(TEI, root / "tei")
    (root / "schema").symlink_to(ROOT / "schema", target_is_directory=True)
    return root / "tei"


# --------------------------------------------------------------------------- paths


def test_xpaths_are_the_documents_own(tmp_path):
    """In any order of asking, including comments and processing instructions."""
    files = sorted(TEI.glob("*.xml")) + sorted(FIXTURES.glob("index/*.xml"))
    extra = tmp_path / "siblings.xml"
    extra.write_text(
        '<?xml version="1.0"?><?pi a?><!-- c --><TEI xmlns="http://www.tei-c.org/ns/1.0">'
        "<text><body><p>a<!--x-->b<?pi?><!--y--><persName/>"
        '<persName/><x:persName xmlns:x="urn:x"/><rs/></p><p/></body></text></TEI><!-- z -->',
        "utf-8",
    )
    shuffle = random.Random(1954)
    checked = 0
    for path in [*files, extra]:
        doc = load(path, require_tei=False)
        nodes = [n for n in doc.root.iter() if n.tag is not etree.Entity]
        shuffle.shuffle(nodes)
        xpaths = XPaths()
        for node in nodes:
            assert xpaths(node) == doc.xpath_of(node)
            checked += 1
    assert checked > 1000


# --------------------------------------------------------------------------- search offsets


def naive_block_text(block, entity_of):
    """block_text as it was first written: a character loop mapping every offset."""
    raw: list[str] = []
    spans = []

    def walk(el):
        if el.text:
            raw.append(el.text)
        for child in el:
            classes = set((child.get("class") or "").split())
            if isinstance(child.tag, str) and not classes & {"tk-noteref", "tk-diplomatic"}:
                if child.tag == "br":
                    raw.append(" ")
                start = sum(map(len, raw))
                walk(child)
                if child.tag == "a" and "tk-entity" in classes:
                    entity = entity_of(child.get("href") or "")
                    if entity is not None:
                        spans.append((entity, start, sum(map(len, raw))))
            if child.tail:
                raw.append(child.tail)

    walk(block)
    joined = "".join(raw)
    out: list[str] = []
    where = [0] * (len(joined) + 1)
    space = True
    for i, ch in enumerate(joined):
        where[i] = len(out)
        if ch.isspace():
            if not space:
                out.append(" ")
                space = True
        else:
            out.append(ch)
            space = False
    where[len(joined)] = len(out)
    text = "".join(out).rstrip(" ")
    units = [0]
    for ch in text:
        units.append(units[-1] + (2 if ord(ch) > 0xFFFF else 1))
    mentions = []
    for entity, start, end in spans:
        s, e = min(where[start], len(text)), min(where[end], len(text))
        while s < e and text[s] == " ":
            s += 1
        while e > s and text[e - 1] == " ":
            e -= 1
        if e > s:
            mentions.append([entity, units[s], units[e]])
    return text, mentions


def test_search_offsets_match_a_character_by_character_count():
    pieces = [" ", "\n\t ", "\u00a0", "\u2003", "Đilas", "Hruščov", "\U0001d49c", "x", "", "…"]
    shuffle = random.Random(6)
    for _ in range(300):
        block = lxml_html.fragment_fromstring("<p></p>")
        block.text = "".join(shuffle.choices(pieces, k=3))
        for n in range(shuffle.randint(0, 5)):
            link = etree.SubElement(
                block, "a", {"class": "tk-entity", "href": f"persons.html#p{n}"}
            )
            link.text = "".join(shuffle.choices(pieces, k=shuffle.randint(0, 3)))
            if shuffle.random() < 0.3:
                etree.SubElement(block, "br").tail = "".join(shuffle.choices(pieces, k=2))
            link.tail = "".join(shuffle.choices(pieces, k=shuffle.randint(0, 3)))

        def entity_of(href: str) -> int:
            return int(href.rsplit("p", 1)[1])

        assert block_text(block, entity_of) == naive_block_text(block, entity_of)


# --------------------------------------------------------------------------- prefixes


TEI_HEAD = '<TEI xmlns="http://www.tei-c.org/ns/1.0"><teiHeader><fileDesc/>'


def write(folder: Path, name: str, prefixes: str, body: str) -> Path:
    path = folder / name
    path.write_text(
        f"{TEI_HEAD}<encodingDesc><listPrefixDef>{prefixes}</listPrefixDef></encodingDesc>"
        f"</teiHeader><text><body>{body}</body></text></TEI>",
        "utf-8",
    )
    return path


def prefix(ident: str, replacement: str, match: str = "(.+)") -> str:
    return f'<prefixDef ident="{ident}" matchPattern="{match}" replacementPattern="{replacement}"/>'


def test_prefixes_resolve_own_first_then_any_other_documents(tmp_path):
    register = write(
        tmp_path,
        "register.xml",
        "",
        '<listPerson><person xml:id="tito"/><person xml:id="djilas"/></listPerson>',
    )
    other = write(tmp_path, "other.xml", "", '<p xml:id="tito">not a person</p>')
    shared = write(tmp_path, "shared.xml", prefix("psn", "register.xml#$1"), "<p/>")
    own = write(tmp_path, "own.xml", prefix("psn", "other.xml#$1"), "<p/>")
    narrow = write(tmp_path, "narrow.xml", prefix("num", "register.xml#$1", "[0-9]+"), "<p/>")
    plain = write(tmp_path, "plain.xml", "", "<p/>")
    docs = {p.stem: load(p) for p in (register, other, shared, own, narrow, plain)}
    edition = Edition.open(list(docs.values()))

    # Declared elsewhere: a shared header's prefixes apply to every document.
    hit = edition.resolve("psn:djilas", docs["plain"])
    assert (hit.kind, hit.doc, hit.expanded) == ("entity", docs["register"], "register.xml#djilas")
    # The document's own prefixDef comes before the others'.
    hit = edition.resolve("psn:tito", docs["own"])
    assert (hit.doc, hit.element.tag) == (docs["other"], "{http://www.tei-c.org/ns/1.0}p")
    assert edition.resolve("psn:tito", docs["shared"]).doc is docs["register"]
    missing = edition.resolve("num:tito", docs["plain"])
    assert (missing.kind, missing.problem) == ("missing", "no-prefix-match")
    assert edition.resolve("nope:tito", docs["plain"]).problem == "undeclared-prefix"
    assert edition.resolve("https://example.org/", docs["plain"]).kind == "external"


def test_prefixes_of_documents_read_to_resolve_pointers_count_too(tmp_path):
    write(tmp_path, "header.xml", prefix("psn", "register.xml#$1"), "<p/>")
    write(tmp_path, "register.xml", "", '<listPerson><person xml:id="tito"/></listPerson>')
    letter = load(
        write(tmp_path, "letter.xml", "", '<p><persName ref="header.xml">T</persName></p>')
    )
    edition = Edition.open([letter])  # reads header.xml, and register.xml it names
    assert edition.resolve("header.xml", letter).kind == "document"
    assert edition.resolve("psn:tito", letter).kind == "entity"
    assert [edition.relpath(d) for d in edition.extra] == ["header.xml", "register.xml"]


# --------------------------------------------------------------------------- whole builds


def test_parallel_build_gives_the_same_site(tmp_path):
    """Pages, registers, search index and data alike, whoever finished them."""
    one = tmp_path / "one"
    two = tmp_path / "two"
    first = build_site(TEI, one, jobs=1, **OPTIONS)
    second = build_site(TEI, two, jobs=2, **OPTIONS)
    assert site_files(one) == site_files(two)
    assert [d.format() for d in first.diagnostics] == [d.format() for d in second.diagnostics]
    assert sorted(p.relative_to(one) for p in first.written) == sorted(
        p.relative_to(two) for p in second.written
    )


def test_pages_kept_from_the_last_build_give_the_same_registers_and_search(tmp_path):
    """An incremental build takes what the registers and the search index need from
    the pages it keeps: the result is the site a full build makes."""
    tei = copy_edition(tmp_path)
    out = tmp_path / "site"
    build_site(tei, out, jobs=1, **OPTIONS)
    letter = tei / "letter-1954-09-27.xml"
    letter.write_text(
        letter.read_text("utf-8").replace("correctly understood", "duly understood"), "utf-8"
    )
    for jobs in (1, 2):
        again = build_site(tei, out, jobs=jobs, force=jobs == 2, **OPTIONS)
        fresh = tmp_path / f"fresh-{jobs}"
        build_site(tei, fresh, jobs=1, **OPTIONS)
        assert site_files(out) == site_files(fresh)
        if jobs == 1:  # incremental: the other letters' pages were kept
            written = {p.relative_to(out).as_posix() for p in again.written}
            assert {"search-index.js", "letter-1954-09-27.html"} <= written
            assert out / "letter-1954-08-11.html" in again.skipped


def test_search_records_wait_in_a_scratch_folder_that_goes_with_the_build(tmp_path, monkeypatch):
    """Workers leave each page's search records in a file of the site's scratch
    folder (not in the parent); the index is the same, and nothing is left behind."""
    from teikit.site.records import PageFacts

    kept: list[tuple[str, int]] = []
    search_records = PageFacts.search_records

    def spy(self):
        if self.records_file:  # read in this process, where the index is written
            kept.append((self.records_file, len(self.records)))
        return search_records(self)

    monkeypatch.setattr(PageFacts, "search_records", spy)
    out = tmp_path / "site"
    build_site(TEI, out, jobs=1, **OPTIONS)
    assert kept and all(Path(path).parent.parent == out and not held for path, held in kept)
    assert not [p for p in out.iterdir() if p.name.startswith(".teikit-") and p.is_dir()]
    index = (out / "search-index.js").read_text("utf-8")
    assert index.count('{"d":') > len(kept)
