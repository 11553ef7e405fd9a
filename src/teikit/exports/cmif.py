"""CMIF (Correspondence Metadata Interchange Format) v1 for correspSearch, and a
local version of correspSearch's CMIF Check.

The export holds one ``correspDesc`` per letter: sender and addressee
(``persName``/``orgName`` with an authority URI in ``@ref`` where the register
has one), place and date of sending and receipt, ``@source`` pointing to the
edition's ``bibl`` (whose xml:id is a UUID derived from the edition title, so it
never changes between runs) and ``@ref`` to the letter's page when a base URL is
known. What the edition does not hold (the editor's e-mail, the URL of the CMIF
file …) comes from :class:`CmifOptions`.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath

from lxml import etree

from teikit.dates import DATE_ATTRIBUTES, parse_date
from teikit.document import TEI_NS, Document, load
from teikit.edition.registers import XML_ID
from teikit.errors import Diagnostic, Severity, UsageError
from teikit.exports.common import ExportOptions, page_url, write_xml
from teikit.index import EntityIndex, Entry, Letter, Party, build_index
from teikit.reading import localname, text_value
from teikit.rules.authority import authority_of, uri_problem
from teikit.rules.context import finding

__all__ = ["LICENCES", "CmifOptions", "build_cmif", "cmif_check", "letter_findings", "write"]

T = f"{{{TEI_NS}}}"
SOURCE = "cmif"

# correspSearch accepts these two licences only.
LICENCES = {
    "CC-BY-4.0": (
        "https://creativecommons.org/licenses/by/4.0/",
        "This file is licensed under the terms of the Creative Commons License CC-BY 4.0",
    ),
    "CC0-1.0": (
        "https://creativecommons.org/publicdomain/zero/1.0/",
        "This file is dedicated to the public domain under Creative Commons CC0 1.0",
    ),
}
_LICENCE_ALIASES = {"cc-by": "CC-BY-4.0", "cc-by-4.0": "CC-BY-4.0", "cc0": "CC0-1.0"}
# Authority files correspSearch resolves persons and organisations with.
_PERSON_AUTHORITY_HOSTS = (
    "d-nb.info/gnd/",
    "viaf.org/viaf/",
    "id.loc.gov/",
    "data.bnf.fr/",
    "id.ndl.go.jp/",
    "www.wikidata.org/",
)
_UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
_EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


@dataclass
class CmifOptions:
    """What a CMIF file needs and an edition may not hold.

    Every field left None is taken from the edition (its edition file, as the
    edition model finds it, else the first letter; the title is the edition's);
    a value found nowhere raises :class:`UsageError` naming the option to give.
    ``licence`` is ``CC-BY-4.0`` or ``CC0-1.0``.
    ``cmif_url`` (the URL the CMIF file will be published at) defaults to
    ``base_url`` + the output file name.
    """

    editor_email: str | None = None
    editor: str | None = None
    title: str | None = None
    publisher: str | None = None
    publisher_url: str | None = None
    licence: str | None = None
    date: str | None = None
    cmif_url: str | None = None
    edition_title: str | None = None
    edition_url: str | None = None
    bibl_type: str = "online"


def bibl_id(edition_title: str) -> str:
    """A UUID (version 5, from the edition title) usable as xml:id.

    xml:id must start with a letter: the title is re-hashed with a counter until
    the UUID does, so the value is stable and still a genuine UUID.
    """
    n = 0
    while True:
        name = edition_title if n == 0 else f"{edition_title}#{n}"
        value = str(uuid.uuid5(uuid.NAMESPACE_URL, f"teikit:cmif:{name}"))
        if value[0].isalpha():
            return value
        n += 1


def _licence_key(value: str) -> str | None:
    text = value.strip()
    if text in LICENCES:
        return text
    if text.lower() in _LICENCE_ALIASES:
        return _LICENCE_ALIASES[text.lower()]
    for key, (url, _) in LICENCES.items():
        if text.rstrip("/").removeprefix("http://").removeprefix("https://") == url.rstrip(
            "/"
        ).removeprefix("https://"):
            return key
    return None


# --------------------------------------------------------------------------- edition metadata


def _header_text(doc: Document | None, path: str) -> str:
    if doc is None:
        return ""
    el = doc.root.find(path.replace("t:", T))
    return text_value(el) if el is not None else ""


def _edition_document(docs: Sequence[Document], index: EntityIndex) -> Document | None:
    """The edition file, as the edition model found it (the index names its kind)."""
    wanted = {d.file for d in index.documents if d.kind == "edition"}
    for doc in docs:
        if doc.path in ("<stdin>", "<bytes>") or not index.root:
            continue
        if PurePath(os.path.relpath(os.path.abspath(doc.path), index.root)).as_posix() in wanted:
            return doc
    return None


@dataclass(frozen=True)
class _Meta:
    title: str
    editor: str
    email: str
    publisher: str
    publisher_url: str
    licence: str
    date: str
    cmif_url: str
    edition_title: str
    edition_url: str
    bibl_type: str


def _metadata(
    docs: Sequence[Document],
    index: EntityIndex,
    options: CmifOptions,
    base_url: str | None,
    file_name: str,
) -> _Meta:
    edition = _edition_document(docs, index)
    letter_files = {lt.file for lt in index.letters}
    letter_docs = [
        d
        for d in docs
        if index.root
        and d.path not in ("<stdin>", "<bytes>")
        and PurePath(os.path.relpath(os.path.abspath(d.path), index.root)).as_posix()
        in letter_files
    ] or [d for d in docs if any(True for _ in d.root.iter(f"{T}correspDesc"))]
    source = edition or (letter_docs[0] if letter_docs else None)
    edition_title = options.edition_title or index.title
    stmt = "t:teiHeader/t:fileDesc/t:publicationStmt"
    licence_el = (
        source.root.find(f"{T}teiHeader/{T}fileDesc/{T}publicationStmt/{T}availability/{T}licence")
        if source is not None
        else None
    )
    licence = options.licence or (licence_el.get("target") or "" if licence_el is not None else "")
    date_el = (
        source.root.find(f"{T}teiHeader/{T}fileDesc/{T}publicationStmt/{T}date")
        if source is not None
        else None
    )
    values = {
        "title": options.title
        or (f"Correspondence metadata (CMIF) of {edition_title}" if edition_title else ""),
        "editor": options.editor
        or _header_text(source, "t:teiHeader/t:fileDesc/t:titleStmt/t:editor"),
        "email": options.editor_email or "",
        "publisher": options.publisher or _header_text(source, f"{stmt}/t:publisher"),
        "publisher_url": options.publisher_url or "",
        "licence": _licence_key(licence) or "",
        "date": options.date or (date_el.get("when") or "" if date_el is not None else ""),
        "cmif_url": options.cmif_url or (f"{base_url}{file_name}" if base_url else ""),
        "edition_title": edition_title,
        "edition_url": options.edition_url or base_url or "",
        "bibl_type": options.bibl_type,
    }
    wanted = {
        "editor_email": ("email", "the editor's e-mail address (--editor-email)"),
        "editor": ("editor", "the editor's name (--editor)"),
        "publisher": ("publisher", "the publisher (--publisher)"),
        "edition_title": ("edition_title", "the edition's title (--edition-title)"),
        "date": ("date", "the publication date of the CMIF file, e.g. 2026-11-29 (--date)"),
        "cmif_url": (
            "cmif_url",
            "the URL the CMIF file will be published at (--cmif-url or --base-url)",
        ),
    }
    missing = [f"CmifOptions.{opt}: {why}" for opt, (key, why) in wanted.items() if not values[key]]
    if not values["licence"]:
        shown = f" (the edition's licence {licence!r} is neither)" if licence else ""
        missing.append(
            "CmifOptions.licence: CC-BY-4.0 or CC0-1.0, the licences correspSearch accepts"
            f"{shown} (--licence)"
        )
    if values["bibl_type"] not in ("online", "print", "hybrid"):
        missing.append("CmifOptions.bibl_type: online, print or hybrid")
    if values["date"] and parse_date(values["date"]) is None:
        missing.append(f"CmifOptions.date: {values['date']!r} is not a W3C date such as 2026-11-29")
    if values["email"] and not _EMAIL_RE.fullmatch(values["email"]):
        missing.append(f"CmifOptions.editor_email: {values['email']!r} is not an e-mail address")
    if missing:
        raise UsageError(
            "cannot write CMIF, the edition does not say everything CMIF needs; give "
            + "; ".join(missing)
        )
    return _Meta(**values)


# --------------------------------------------------------------------------- building


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    el = etree.SubElement(parent, f"{T}{tag}", {k: v for k, v in attrs.items() if v})
    if text:
        el.text = text
    return el


def _authority(entry: Entry | None, place: bool) -> str:
    """The one authority URI correspSearch can use for this entry, or ""."""
    if entry is None:
        return ""
    for uri in entry.authorities:
        if uri_problem(uri):
            continue
        if place and authority_of(uri) == "geonames":
            return uri
        if not place and any(h in uri for h in _PERSON_AUTHORITY_HOSTS):
            return uri
    return ""


def _party(parent: etree._Element, party: Party, index: EntityIndex) -> None:
    entry = index.get(party.key) if party.key else None
    tag = {"person": "persName", "org": "orgName", "place": "placeName"}.get(party.type, "persName")
    _sub(
        parent,
        tag,
        party.name,
        ref=_authority(entry, party.type == "place"),
        # CMIF can only say that an attribution is inferred or uncertain, and knows
        # one value for each: an edition's conjecture stays one, any doubt is "low".
        evidence="conjecture" if party.evidence == "conjecture" else "",
        cert="low" if party.cert and party.cert != "high" else "",
    )


def _valid_dates(date: dict[str, str]) -> dict[str, str]:
    """The date attributes CMIF can take: W3C dates (the others are reported at the
    letter's line by :func:`letter_findings` and left out)."""
    return {a: v for a, v in date.items() if parse_date(v) is not None}


def _letter_path(index: EntityIndex, letter: Letter) -> str:
    path = os.path.join(index.root, letter.file) if index.root else letter.file
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative


def letter_findings(index: EntityIndex) -> list[Diagnostic]:
    """What CMIF cannot take from the letters, said at the letter's own line before
    anything is written: a date attribute that is not a W3C date (left out of the
    export, so the CMIF file stays valid)."""
    found = []
    for letter in index.letters:
        for kind, date, line in (
            ("sent", letter.sent, letter.sent_line),
            ("received", letter.received, letter.received_line),
        ):
            for attribute, value in date.items():
                if parse_date(value) is not None:
                    continue
                found.append(
                    Diagnostic(
                        _letter_path(index, letter),
                        line or letter.line,
                        0,
                        Severity.WARNING,
                        f"correspAction type={kind!r}: date/@{attribute} {value!r} is not a "
                        "W3C date (YYYY, YYYY-MM or YYYY-MM-DD); left out of the CMIF export",
                        "cmif-date-invalid",
                        SOURCE,
                    )
                )
    return found


def _mentions(parent: etree._Element, letter: Letter) -> None:
    """The letter's ``cmif:mentions*`` as the edition gives them, in a ``note``."""
    if not letter.mentions:
        return
    note = _sub(parent, "note")
    for kind, target, text in letter.mentions:
        _sub(note, "ref", text, type=kind, target=target)


def _action(
    parent: etree._Element,
    kind: str,
    names: list[Party],
    places: list[Party],
    date: dict[str, str],
    index: EntityIndex,
) -> None:
    date = _valid_dates(date)
    if not (names or places or date):
        return
    action = _sub(parent, "correspAction", type=kind)
    for party in names:
        _party(action, party, index)
    for place in places:
        _party(action, place, index)
    if date:
        _sub(action, "date", **{a: date[a] for a in DATE_ATTRIBUTES if a in date})


def build_cmif(
    docs: Sequence[Document],
    index: EntityIndex | None = None,
    options: CmifOptions | None = None,
    *,
    base_url: str | None = None,
    page_suffix: str = ".html",
    file_name: str = "cmif.xml",
) -> etree._ElementTree:
    """The CMIF document for the letters of ``docs`` (raises UsageError if options lack)."""
    index = index if index is not None else build_index(docs)
    options = options or CmifOptions()
    meta = _metadata(docs, index, options, base_url, file_name)
    root = etree.Element(f"{T}TEI", nsmap={None: TEI_NS})
    header = _sub(root, "teiHeader")
    file_desc = _sub(header, "fileDesc")
    title_stmt = _sub(file_desc, "titleStmt")
    _sub(title_stmt, "title", meta.title)
    editor = _sub(title_stmt, "editor", meta.editor)
    _sub(editor, "email", meta.email)
    pub = _sub(file_desc, "publicationStmt")
    publisher = _sub(pub, "publisher")
    if meta.publisher_url:
        _sub(publisher, "ref", meta.publisher, target=meta.publisher_url)
    else:
        publisher.text = meta.publisher
    _sub(pub, "idno", meta.cmif_url, type="url")
    _sub(pub, "date", when=meta.date)
    url, statement = LICENCES[meta.licence]
    _sub(_sub(pub, "availability"), "licence", statement, target=url)
    bibl = _sub(
        _sub(file_desc, "sourceDesc"),
        "bibl",
        meta.edition_title,
        type=meta.bibl_type,
        **{XML_ID: bibl_id(meta.edition_title)},
    )
    if meta.edition_url:
        bibl.text = f"{meta.edition_title}. "
        _sub(bibl, "ref", meta.edition_url, target=meta.edition_url)
    profile = _sub(header, "profileDesc")
    options_base = ExportOptions(base_url=base_url, page_suffix=page_suffix)
    for letter in index.letters:
        desc = _sub(
            profile,
            "correspDesc",
            ref=page_url(letter.file, options_base) or "",
            source=f"#{bibl.get(XML_ID)}",
        )
        _action(desc, "sent", letter.senders, letter.places_sent, letter.sent, index)
        _action(desc, "received", letter.addressees, letter.places_received, letter.received, index)
        _mentions(desc, letter)
    _sub(_sub(_sub(root, "text"), "body"), "p")
    return root.getroottree()


def write(
    docs: Sequence[Document],
    index: EntityIndex,
    output: str | os.PathLike[str],
    options: ExportOptions,
) -> list[Path]:
    """Write the CMIF file to ``output`` (atomically)."""
    tree = build_cmif(
        docs,
        index,
        options.cmif,
        base_url=options.base_url,
        page_suffix=options.page_suffix,
        file_name=Path(output).name,
    )
    return write_xml(output, tree)


# --------------------------------------------------------------------------- CMIF Check


class _Checker:
    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.found: list[Diagnostic] = []

    def error(self, el: etree._Element | None, code: str, message: str) -> None:
        self.found.append(finding(self.doc, el, code, message, Severity.ERROR, source=SOURCE))

    def warning(self, el: etree._Element | None, code: str, message: str) -> None:
        self.found.append(finding(self.doc, el, code, message, Severity.WARNING, source=SOURCE))

    def find(self, el: etree._Element | None, path: str) -> etree._Element | None:
        return el.find(path.replace("t:", T)) if el is not None else None

    def header(self) -> tuple[etree._Element | None, list[str]]:
        root = self.doc.root
        file_desc = self.find(root, "t:teiHeader/t:fileDesc")
        if localname(root) != "TEI":
            self.error(root, "cmif-root", "the root must be TEI: a CMIF file is one TEI document")
        if file_desc is None:
            self.error(root, "cmif-header", "teiHeader/fileDesc is missing: add the CMIF header")
            return None, []
        title = self.find(file_desc, "t:titleStmt/t:title")
        if title is None or not text_value(title):
            self.error(file_desc, "cmif-title", "titleStmt/title is missing or empty: add a title")
        editors = file_desc.findall(f"{T}titleStmt/{T}editor")
        if not editors:
            self.error(
                file_desc, "cmif-editor", "titleStmt has no editor: add <editor>Name</editor>"
            )
        for editor in editors:
            email = editor.find(f"{T}email")
            if email is None:
                self.error(editor, "cmif-editor-email", "editor has no email: add <email> to it")
            elif not _EMAIL_RE.fullmatch(text_value(email)):
                self.error(email, "cmif-editor-email", "editor's email is not an e-mail address")
        pub = self.find(file_desc, "t:publicationStmt")
        if pub is None:
            self.error(file_desc, "cmif-publication", "publicationStmt is missing: add it")
        else:
            self._publication(pub)
        bibls = file_desc.findall(f"{T}sourceDesc/{T}bibl")
        if not bibls:
            self.error(
                file_desc, "cmif-bibl", "sourceDesc has no bibl: describe the edition in a bibl"
            )
        ids = []
        for bibl in bibls:
            ident = bibl.get(XML_ID, "")
            ids.append(ident)
            if not ident:
                self.error(
                    bibl,
                    "cmif-bibl-id",
                    "bibl has no xml:id: give it a UUID (starting with a letter)",
                )
            elif not _UUID_RE.search(ident):
                # The SIG's own rules (cmif.sch, W0001): recommended, not required.
                self.warning(
                    bibl,
                    "cmif-bibl-id",
                    f"bibl xml:id {ident!r} is not a UUID: a UUID is recommended",
                )
            if bibl.get("type") not in ("online", "print", "hybrid"):
                self.error(
                    bibl, "cmif-bibl-type", 'bibl/@type must be "online", "print" or "hybrid"'
                )
            if not text_value(bibl):
                self.error(bibl, "cmif-bibl-empty", "bibl is empty: cite the edition in it")
        return file_desc, ids

    def _publication(self, pub: etree._Element) -> None:
        if pub.find(f"{T}publisher") is None:
            self.error(pub, "cmif-publisher", "publicationStmt has no publisher: add one")
        idno = next((i for i in pub.iterfind(f"{T}idno") if i.get("type") == "url"), None)
        if idno is None:
            self.error(pub, "cmif-idno", 'add <idno type="url"> with the URL of this CMIF file')
        elif not text_value(idno).startswith(("http://", "https://")):
            self.error(idno, "cmif-idno", 'idno type="url" must hold the http(s) URL of this file')
        date = pub.find(f"{T}date")
        if date is None or not date.get("when"):
            self.error(pub, "cmif-date", 'add <date when="YYYY-MM-DD"/> (the date of this file)')
        elif parse_date(date.get("when", "")) is None:
            self.error(date, "cmif-date", f"date/@when {date.get('when')!r} is not a W3C date")
        licence = pub.find(f"{T}availability/{T}licence")
        if licence is None:
            self.error(
                pub, "cmif-licence", "add availability/licence with @target (CC-BY 4.0 or CC0)"
            )
        elif _licence_key(licence.get("target", "")) is None:
            self.error(
                licence,
                "cmif-licence",
                f"licence/@target {licence.get('target', '')!r} is not accepted by correspSearch: "
                f"use {' or '.join(url for url, _ in LICENCES.values())}",
            )

    def letters(self, bibl_ids: list[str]) -> None:
        descs = list(self.doc.root.iterfind(f"{T}teiHeader/{T}profileDesc/{T}correspDesc"))
        if not descs:
            self.error(self.doc.root, "cmif-no-correspdesc", "profileDesc holds no correspDesc")
        used: set[str] = set()
        unlinked: dict[tuple[str, str], list[etree._Element]] = {}
        for desc in descs:
            source = desc.get("source", "")
            if not source:
                self.error(desc, "cmif-source", "correspDesc has no @source: point it to the bibl")
            for token in source.split():
                if not token.startswith("#") or token[1:] not in bibl_ids:
                    self.error(
                        desc, "cmif-source", f"@source {token!r} points to no sourceDesc/bibl"
                    )
                used.add(token[1:])
            ref = desc.get("ref")
            if ref is not None and not ref.startswith(("http://", "https://")):
                self.warning(desc, "cmif-ref", f"correspDesc/@ref {ref!r} is not an http(s) URL")
            for kind in ("sent", "received"):
                if not any(a.get("type") == kind for a in desc.iterfind(f"{T}correspAction")):
                    self.error(
                        desc, f"cmif-{kind}", f'correspDesc has no correspAction type="{kind}"'
                    )
            for action in desc.iterfind(f"{T}correspAction"):
                self._action(action, unlinked)
        for ident in bibl_ids:
            if ident and ident not in used:
                bibl = self.doc.ids.get(ident)
                self.warning(
                    bibl,
                    "cmif-bibl-unused",
                    f"bibl {ident!r} is not the @source of any correspDesc",
                )
        for (tag, name), elements in unlinked.items():
            times = f" ({len(elements)} times)" if len(elements) > 1 else ""
            what = "a GeoNames URI" if tag == "placeName" else "an authority URI (GND, VIAF …)"
            self.warning(
                elements[0],
                "cmif-no-authority",
                f"{tag} {name!r}{times} has no @ref with {what}: correspSearch can only link "
                "it to other editions with one; add it to the register",
            )

    def _action(
        self, action: etree._Element, unlinked: dict[tuple[str, str], list[etree._Element]]
    ) -> None:
        kind = action.get("type", "")
        if kind not in ("sent", "received"):
            self.error(
                action,
                "cmif-action-type",
                f'correspAction type {kind!r}: CMIF knows "sent" and "received"',
            )
        names = [c for c in action if localname(c) in ("persName", "orgName")]
        if not names:
            self.error(
                action,
                "cmif-action-name",
                f"correspAction type={kind!r} names no persName or orgName",
            )
        for el in action:
            tag = localname(el)
            if tag not in ("persName", "orgName", "placeName"):
                continue
            if len(el):
                self.error(el, "cmif-content", f"{tag} must hold plain text only, no elements")
            ref = el.get("ref", "")
            for token in ref.split():
                problem = uri_problem(token)
                if problem:
                    self.error(el, "cmif-authority", problem)
            if not ref or (tag == "placeName" and authority_of(ref.split()[0]) != "geonames"):
                name = text_value(el)
                unlinked.setdefault((tag, name), []).append(el)
        dates = action.findall(f"{T}date")
        for date in dates:
            present = [a for a in DATE_ATTRIBUTES if date.get(a)]
            if not present:
                self.error(
                    date,
                    "cmif-date-attribute",
                    "date needs @when, @from, @to, @notBefore or @notAfter",
                )
            for a in present:
                if parse_date(date.get(a, "")) is None:
                    self.error(
                        date, "cmif-date-invalid", f"date/@{a} {date.get(a)!r} is not a W3C date"
                    )
            if date.get("when") and len(present) > 1:
                self.warning(
                    date,
                    "cmif-date-combination",
                    "@when cannot be used with the other date attributes",
                )
        if kind == "sent" and not dates:
            self.warning(
                action,
                "cmif-undated",
                "the letter is undated: add a date with @notBefore/@notAfter if it can be narrowed",
            )


def cmif_check(source: str | os.PathLike[str] | bytes | Document) -> list[Diagnostic]:
    """Check a CMIF file as correspSearch's CMIF Check does, without the network.

    Structure (header, editor with e-mail, publisher, idno type="url", date,
    licence CC-BY 4.0 or CC0, sourceDesc/bibl with a UUID xml:id and a type) and
    the rules on letters (sent and received actions, @source resolving to a
    bibl, names in each action, date attributes present and valid, authority
    URIs well formed). Findings have ``source="cmif"``; warnings do not fail.
    A file that cannot be loaded raises :class:`teikit.errors.LoadError`.
    """
    doc = source if isinstance(source, Document) else load(source)
    checker = _Checker(doc)
    _, bibl_ids = checker.header()
    checker.letters(bibl_ids)
    return sorted(set(checker.found), key=lambda d: (d.line, d.column, d.code, d.message))
