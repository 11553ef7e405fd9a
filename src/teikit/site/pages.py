"""The site's own pages: home, chronology, downloads, and the occurrences under
every register entry."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator, Sequence
from pathlib import PurePosixPath
from typing import Any

from lxml import etree

from teikit.errors import LoadError
from teikit.index import Entry, Letter, Occurrence, Party
from teikit.site.chrome import Chrome
from teikit.site.i18n import Messages
from teikit.site.markup import E, classes, copy_element, human_size, joined, serialize
from teikit.site.outputs import Outputs
from teikit.site.policy import remove, safe_url
from teikit.site.records import (
    CHRONOLOGY,
    DOWNLOADS,
    EXPORTS,
    FULL_PDF,
    HOME,
    REGISTER_PAGE,
    SEARCH,
    Doc,
    Entities,
    PageFacts,
    SiteEdition,
    T,
    safe_id,
    text_of,
)


def occurrence_href(occ: Occurrence, d: Doc, facts: PageFacts | None) -> str:
    """The link to the mention itself; when it is not on the page (a name that is
    only in the header), the metadata panel, else the page."""
    anchor = facts.anchors.get(occ.xpath) if facts is not None else None
    if anchor:
        return f"{d.page}#{anchor}"
    if occ.where in ("header", "sender", "addressee") and facts is not None and facts.metadata:
        return f"{d.page}#tk-metadata-heading"
    return d.page


def snippet(occ: Occurrence) -> list[Any]:
    """The index's snippet with the mention marked."""
    text, name = occ.snippet, occ.text
    at = text.find(name) if name else -1
    if at < 0:
        return [text or name]
    return [text[:at], E("mark", name), text[at + len(name) :]]


def occurrence_pages(
    root: etree._Element,
    page: str,
    edition: SiteEdition,
    entities: Entities,
    facts: dict[str, PageFacts],
    msg: Messages,
) -> Iterator[bytes]:
    """A register page, in pieces: under each entry every document that mentions
    it and every mention. The page is serialised without them and each entry's
    box is made and written in its turn, so that a register of 20,000 entries
    and 400,000 mentions is never one tree (it was 5 GB in one worker)."""
    order = {d.file: i for i, d in enumerate(edition.order)}
    nonce = secrets.token_hex(8)  # a mark no page's text can hold
    entries = _mark_entries(root, page, entities, nonce)
    text = serialize(root).decode("utf-8")
    del root  # the page's tree is not needed from here on
    at = 0
    for mark in re.finditer(f"<!--{nonce}:(\\d+)-->", text):
        yield text[at : mark.start()].encode("utf-8")
        box = _occurrences(entries[int(mark.group(1))], edition, facts, msg, order)
        yield etree.tostring(box, method="html", encoding="utf-8")
        at = mark.end()
    yield text[at:].encode("utf-8")


def _mark_entries(root: etree._Element, page: str, entities: Entities, nonce: str) -> list[Entry]:
    """Mark where each entry's occurrences go (``<!--nonce:N-->``); the entries, by N."""
    entries = []
    for section in root.iter("section"):
        if "tk-entry" not in classes(section):
            continue
        entry = entities.by_anchor.get((page, section.get("id") or ""))
        if entry is not None:
            section.append(etree.Comment(f"{nonce}:{len(entries)}"))
            entries.append(entry)
    return entries


def _occurrences(
    entry: Entry,
    edition: SiteEdition,
    facts: dict[str, PageFacts],
    msg: Messages,
    order: dict[str, int],
) -> etree._Element:
    """The box under one register entry: the documents that mention it, each mention."""
    by_doc: dict[str, list[Occurrence]] = {}
    for occ in entry.occurrences:
        if occ.where == "register" or occ.file not in edition.by_file:
            continue
        by_doc.setdefault(occ.file, []).append(occ)
    box = E("div", class_="tks-occurrences")
    if not by_doc:
        box.append(E("p", msg("register.none"), class_="tks-none"))
    else:
        total = sum(len(v) for v in by_doc.values())
        box.append(
            E(
                "h3",
                msg.count(
                    "register.mentioned",
                    total,
                    docs=msg.count("register.documents", len(by_doc)),
                ),
            )
        )
        docs_list = E("ul", class_="tks-occurrence-docs")
        for name in sorted(by_doc, key=lambda n: order.get(n, len(order))):
            d = edition.by_file[name]
            items = []
            for occ in by_doc[name]:
                where = (
                    msg(f"where.{occ.where}")
                    if occ.where in ("note", "header", "sender", "addressee")
                    else None
                )
                items.append(
                    E(
                        "li",
                        E(
                            "a",
                            snippet(occ),
                            href=occurrence_href(occ, d, facts.get(d.page)),
                            class_="tks-occurrence",
                        ),
                        [" ", E("span", f"({where})", class_="tks-where")] if where else None,
                    )
                )
            docs_list.append(
                E(
                    "li",
                    E("a", d.short_title, href=d.page, class_="tks-occurrence-doc"),
                    E("ul", items),
                )
            )
        box.append(docs_list)
    if entry.authorities:
        links = [E("a", uri, href=uri) for uri in entry.authorities if safe_url(uri)]
        if links:
            box.append(E("p", msg("register.authorities"), joined(links), class_="tks-authorities"))
    return box


# --------------------------------------------------------------------------- own pages


def party_links(parties: Sequence[Party], entities: Entities, msg: Messages) -> list[Any]:
    items: list[Any] = []
    for party in parties:
        href = entities.href(party)
        name = E("a", party.name, href=href) if href else party.name
        # The edition's own inference is said as such (a conjectured place of sending).
        doubt = msg("parties.conjecture") if party.evidence == "conjecture" else ""
        if party.cert and party.cert != "high":
            doubt = doubt or msg("parties.uncertain")
        items.append(E("span", name, f" ({doubt})", class_="tks-conjecture") if doubt else name)
    return joined(items)


def letter_item(
    letter: Letter, d: Doc, entities: Entities, msg: Messages, *, full: bool
) -> etree._Element:
    parts: list[Any] = [
        E("time", msg.date(letter.date), datetime=letter.date) if letter.date else None,
        " " if letter.date else None,
        E("a", d.short_title if not full else d.title, href=d.page, class_="tks-letter-link"),
    ]
    facts: list[Any] = []
    if letter.senders:
        facts.append(
            E("span", msg("parties.from"), party_links(letter.senders, entities, msg),
              class_="tks-from")
        )  # fmt: skip
    if letter.addressees:
        to = party_links(letter.addressees, entities, msg)
        facts += [" ", E("span", msg("parties.to"), to, class_="tks-to")]
    if full and letter.places_sent:
        facts += [
            ", ",
            E("span", msg("parties.sent"), party_links(letter.places_sent, entities, msg)),
        ]
    if facts:
        parts.append(E("p", facts, class_="tks-parties"))
    if full:
        if d.summary:
            parts.append(E("p", d.summary, class_="tks-summary"))
        if letter.archival:
            parts.append(E("p", "; ".join(letter.archival), class_="tks-archival"))
    return E("li", parts, class_="tks-letter")


def chronology(edition: SiteEdition, chrome: Chrome, entities: Entities) -> etree._Element:
    msg = chrome.msg
    root, main = chrome.page(msg("chronology.title"), CHRONOLOGY)
    main.append(E("h1", msg("chronology.title")))
    by_year: dict[str, list[tuple[Letter, Doc]]] = {}
    for letter, d in edition.letters():
        year = letter.date[:4] if re.match(r"\d{4}", letter.date) else msg("chronology.undated")
        by_year.setdefault(year, []).append((letter, d))
    for year, letters in by_year.items():
        main.append(E("h2", year, id=f"year-{safe_id(year)}"))
        main.append(
            E(
                "ol",
                [letter_item(lt, d, entities, msg, full=True) for lt, d in letters],
                class_="tks-chronology",
            )
        )
    return root


def citation(edition: SiteEdition, base_url: str | None, msg: Messages) -> list[etree._Element]:
    """How to cite: the printed source, and the digital edition (with its URL)."""
    header_doc = edition.contents or (edition.order[0] if edition.order else None)
    out: list[etree._Element] = []
    if header_doc is None:
        return out
    try:
        header = edition.document(header_doc).root.find(f"{T}teiHeader")
    except LoadError:  # changed since it was read: the citation is the edition's alone
        header = None
    bibl = None
    if header is not None:
        bibls = header.findall(f"{T}fileDesc/{T}sourceDesc/{T}bibl")
        bibl = next((b for b in bibls if b.get("type") == "printed"), bibls[0] if bibls else None)
    if bibl is not None:
        out.append(
            E(
                "p",
                E("strong", msg("home.cite.documents")),
                bibl_html(bibl),
                class_="tks-cite-print",
            )
        )
    pub = header.find(f"{T}fileDesc/{T}publicationStmt") if header is not None else None
    editors = (
        [text_of(e) for e in header.iterfind(f"{T}fileDesc/{T}titleStmt/{T}editor")]
        if header is not None
        else []
    )
    parts: list[Any] = [E("strong", msg("home.cite.edition"))]
    if editors:
        parts.append(", ".join(dict.fromkeys(e for e in editors if e)) + msg("home.cite.editors"))
    parts.append(E("cite", edition.title))
    if pub is not None:
        publisher = text_of(pub.find(f"{T}publisher"))
        date = text_of(pub.find(f"{T}date"))
        extra = ", ".join(x for x in (publisher, date) if x)
        if extra:
            parts.append(f", {extra}")
    if base_url:
        parts += [", ", E("a", base_url, href=base_url)]
    parts.append(".")
    out.append(E("p", parts, class_="tks-cite-edition"))
    return out


def bibl_html(bibl: etree._Element) -> list[Any]:
    """A bibliographic reference as text: titles of journals and books in <cite>,
    of articles in quotation marks; everything else as its reading text."""
    out: list[Any] = []

    def walk(el: etree._Element) -> None:
        if el.text:
            out.append(el.text)
        for child in el:
            if child.tag == f"{T}title":
                text = text_of(child)
                out.append(f"“{text}”" if child.get("level") in ("a", "u") else E("cite", text))
            elif child.tag == f"{T}note":
                pass
            elif isinstance(child.tag, str):
                out.append(text_of(child))
            if child.tail:
                out.append(child.tail)

    walk(bibl)
    text_parts: list[Any] = []
    for item in out:  # whitespace as a reader expects it
        text_parts.append(re.sub(r"\s+", " ", item) if isinstance(item, str) else item)
    if text_parts and isinstance(text_parts[0], str):
        text_parts[0] = text_parts[0].lstrip()
    if text_parts and isinstance(text_parts[-1], str):
        text_parts[-1] = text_parts[-1].rstrip()
    return text_parts


def demote_headings(article: etree._Element) -> None:
    for el in article.iter("h1", "h2", "h3", "h4", "h5"):
        el.tag = f"h{int(el.tag[1]) + 1}"


def home(
    edition: SiteEdition,
    chrome: Chrome,
    entities: Entities,
    intro_page: etree._Element | None,
    base_url: str | None,
) -> etree._Element:
    msg = chrome.msg
    root, main = chrome.page("", HOME)
    main.append(E("h1", edition.title))
    project = None
    if edition.contents is not None:
        project = edition.document(edition.contents).root.find(
            f"{T}teiHeader/{T}encodingDesc/{T}projectDesc/{T}p"
        )
    if text_of(project):
        main.append(E("p", text_of(project), class_="tks-lead"))
    letters = edition.letters()
    if letters:
        main.append(
            E(
                "section",
                E("h2", msg("home.letters"), id="tks-letters"),
                E(
                    "ol",
                    [letter_item(lt, d, entities, msg, full=False) for lt, d in letters],
                    class_="tks-letters",
                ),
                E("p", E("a", msg("home.chronology"), href=CHRONOLOGY), class_="tks-more"),
                aria_labelledby="tks-letters",
            )
        )
    more: list[Any] = []
    if edition.contents is not None:
        more.append(E("li", E("a", msg("home.contents"), href=edition.contents.page)))
    if edition.register_doc is not None:
        page = edition.register.page if edition.register is not None else REGISTER_PAGE
        more.append(E("li", E("a", msg("home.registers"), href=page)))
    more += [
        E("li", E("a", msg("home.search"), href=SEARCH)),
        E("li", E("a", msg("home.downloads"), href=DOWNLOADS)),
    ]
    main.append(E("ul", more, class_="tks-more-links"))
    cite = citation(edition, base_url, msg)
    if cite:
        main.append(
            E(
                "section",
                E("h2", msg("home.cite"), id="tks-cite"),
                cite,
                class_="tks-cite",
                aria_labelledby="tks-cite",
            )
        )
    intro = edition.intro
    article = intro_page.find(".//main//article") if intro_page is not None else None
    if intro is not None and article is not None:
        article = copy_element(article)
        for part in article.xpath(".//aside | .//nav | .//input | .//div[@role='group']"):
            remove(part)
        demote_headings(article)
        main.append(
            E(
                "section",
                E("h2", msg("home.introduction"), id="tks-introduction"),
                article,
                E(
                    "p",
                    E("a", msg("home.introduction.page"), href=intro.page),
                    class_="tks-more",
                ),
                class_="tks-introduction",
                aria_labelledby="tks-introduction",
            )
        )
    return root


def downloads(
    edition: SiteEdition,
    chrome: Chrome,
    outputs: Outputs,
    exported: dict[str, list[str]],
    pdf: bool,
) -> etree._Element:
    msg = chrome.msg
    root, main = chrome.page(msg("downloads.title"), DOWNLOADS)
    main.append(E("h1", msg("downloads.title")))

    def link(rel: str, label: str) -> etree._Element | None:
        if rel not in outputs.new:
            return None
        try:
            size = outputs.path(rel).stat().st_size
        except OSError:
            return None
        return E(
            "span", E("a", label, href=rel), f" ({human_size(size, msg)})", class_="tks-download"
        )

    if pdf and FULL_PDF in outputs.new:
        main.append(
            E(
                "section",
                E("h2", msg("downloads.edition"), id="tks-dl-edition"),
                E(
                    "p",
                    link(FULL_PDF, msg("downloads.edition.pdf")),
                    msg("downloads.edition.what"),
                ),
                aria_labelledby="tks-dl-edition",
            )
        )
    rows = []
    for d in edition.order:
        tei = link(f"downloads/tei/{d.page[:-5]}.xml", "TEI")
        pdf_link = link(f"downloads/pdf/{d.page[:-5]}.pdf", "PDF") if pdf else None
        rows.append(
            E(
                "tr",
                E("th", E("a", d.short_title, href=d.page), scope="row"),
                E("td", tei),
                E("td", pdf_link if pdf_link is not None else "–"),
            )
        )
    main.append(
        E(
            "section",
            E("h2", msg("downloads.documents"), id="tks-dl-docs"),
            E(
                "table",
                E(
                    "thead",
                    E(
                        "tr",
                        E("th", msg("downloads.document"), scope="col"),
                        E("th", "TEI-XML", scope="col"),
                        E("th", "PDF", scope="col"),
                    ),
                ),
                E("tbody", rows),
                class_="tks-downloads",
            ),
            aria_labelledby="tks-dl-docs",
        )
    )
    items = []
    for fmt, _, label in EXPORTS:
        files = exported.get(fmt, [])
        description = msg(f"export.{fmt}")
        if not files:
            # Say how to get it: CMIF needs what only the publisher knows.
            why = msg("downloads.cmif-missing" if fmt == "cmif" else "downloads.not-built")
            items.append(E("li", E("strong", label), f": {description} ({why})"))
            continue
        if len(files) == 1:
            items.append(E("li", link(files[0], label), f": {description}"))
        else:
            parts = [link(rel, PurePosixPath(rel).name) for rel in files]
            items.append(
                E(
                    "li",
                    E("strong", label),
                    f": {description}: ",
                    joined([p for p in parts if p is not None]),
                )
            )
    main.append(
        E(
            "section",
            E("h2", msg("downloads.data"), id="tks-dl-data"),
            E("ul", items, class_="tks-data"),
            aria_labelledby="tks-dl-data",
        )
    )
    return root
