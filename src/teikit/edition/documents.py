"""What each document of an edition is (its kind) and is called (its titles),
which language it is in, and when a letter was sent.

One policy for every engine: the index, the exports, the site, the transforms and
the stylesheets (which receive these results as parameters) all ask here.
"""

from __future__ import annotations

import contextlib
import fnmatch
from collections import Counter
from collections.abc import Iterable, Mapping
from copy import deepcopy
from dataclasses import replace
from pathlib import Path, PurePosixPath

from lxml import etree

from teikit.dates import parse_date
from teikit.document import TEI_NS, Document
from teikit.reading import in_egxml, localname, text_value

__all__ = [
    "INTRODUCTION_TYPES",
    "KINDS",
    "corpus_members",
    "document_kind",
    "document_title",
    "languages",
    "letter_date",
    "parts",
    "series_title",
    "short_title",
]

T = f"{{{TEI_NS}}}"
KINDS = ("letter", "register", "introduction", "drama", "edition", "other")
# div/@type values that make a document the edition's introduction (front matter).
INTRODUCTION_TYPES = frozenset(
    {"introduction", "preface", "foreword", "prologue", "intro", "einleitung", "vorwort"}
)
_INTRODUCTION_STEMS = ("intro", "einleitung", "preface", "vorwort", "foreword")
_CONTENTS_TYPES = frozenset({"contents", "toc"})
_REGISTER_LISTS = frozenset(
    {"listPerson", "listPlace", "listOrg", "listBibl", "listEvent", "taxonomy"}
)
# Titles that name something other than the document itself, or only abbreviate it.
_SERIES_LEVELS = frozenset({"s", "j"})
_NOT_A_TITLE = frozenset({"short", "iso-date", "alt", "abbreviated"})


def corpus_members(doc: Document) -> list[etree._Element]:
    """The ``TEI`` documents a ``teiCorpus`` file holds (in nested corpora too);
    none for a file that is one document."""
    if localname(doc.root) != "teiCorpus":
        return []
    return [el for el in doc.root.iter(f"{T}TEI") if localname(el.getparent()) == "teiCorpus"]


def parts(doc: Document) -> list[Document]:
    """The documents a file holds: itself, or for a ``teiCorpus`` holding ``TEI``
    documents, the corpus without them (its header: the edition's title, registers
    in ``particDesc`` or ``standOff``) followed by each ``TEI`` document in it (in
    nested corpora too), each a :class:`Document` of its own over the same tree,
    with :attr:`~teikit.document.Document.part` its ``xml:id`` (else ``TEI1`` …)."""
    members = corpus_members(doc)
    if not members:
        return [doc]
    # The corpus's own part is a copy without the TEI documents (lxml keeps the
    # source lines), so that nothing in them is counted twice.
    corpus = deepcopy(doc.root)
    for el in [el for el in corpus.iter(f"{T}TEI") if localname(el.getparent()) == "teiCorpus"]:
        el.getparent().remove(el)
    found = [
        replace(
            doc,
            tree=corpus.getroottree(),
            root=corpus,
            ids={i: el for el in corpus.iter() if (i := el.get(_XML_ID)) is not None},
            duplicate_ids=[],
        )
    ]
    taken: set[str] = set()
    for n, member in enumerate(members, 1):
        part = (member.get(_XML_ID) or "").strip()
        if not part or part in taken:
            part = f"TEI{n}"
        taken.add(part)
        ids = {
            i: el
            for i, el in doc.ids.items()
            if el is member or any(a is member for a in el.iterancestors(f"{T}TEI"))
        }
        found.append(replace(doc, root=member, ids=ids, duplicate_ids=[], xml_models=[], part=part))
    return found


def _text(el: etree._Element | None) -> str:
    return text_value(el) if el is not None else ""


def _header_titles(root: etree._Element) -> list[etree._Element]:
    return root.findall(f"{T}teiHeader/{T}fileDesc/{T}titleStmt/{T}title")


def _title_rank(title: etree._Element) -> int:
    """0: the document's own title (``@type='main'``, ``@level='a'``); 1: an untyped
    one (or a monograph's); 2: a subtitle and other types; 3: a series or journal
    title; 4: short forms and dates."""
    kind = title.get("type", "")
    level = title.get("level", "")
    if kind == "main" or level == "a":
        return 0
    if kind in _NOT_A_TITLE:
        return 4
    if level in _SERIES_LEVELS or kind == "series":
        return 3
    if not kind:
        return 1
    return 2


def document_title(doc: Document) -> str:
    """The document's own title: ``title[@type='main']`` or ``[@level='a']`` first,
    then an untyped title, then subtitles, then series titles; the file stem when
    the header has none."""
    ranked = sorted(
        ((_title_rank(t), i, _text(t)) for i, t in enumerate(_header_titles(doc.root))),
    )
    for _, _, text in ranked:
        if text:
            return text
    return PurePosixPath(doc.path).stem or doc.path


def short_title(doc: Document) -> str:
    """``title[@type='short']``, else the document's title."""
    for title in _header_titles(doc.root):
        if title.get("type") == "short" and _text(title):
            return _text(title)
    return document_title(doc)


def series_title(doc: Document) -> str:
    """The title of the series the document belongs to: ``seriesStmt/title``, a
    series- or journal-level title, or a subtitle the header gives (``""``: none)."""
    for el in doc.root.iterfind(f"{T}teiHeader/{T}fileDesc/{T}seriesStmt/{T}title"):
        if _text(el):
            return _text(el)
    titles = _header_titles(doc.root)
    for title in titles:
        if (title.get("level") in _SERIES_LEVELS or title.get("type") == "series") and _text(title):
            return _text(title)
    for title in titles:
        if title.get("type") == "sub" and _text(title):
            return _text(title)
    return ""


def _register_entries_in(container: etree._Element | None) -> int:
    if container is None:
        return 0
    count = 0
    for lst in container.iter(*(f"{T}{n}" for n in _REGISTER_LISTS)):
        count += int(_ENTRIES_OF_LIST(lst))  # in C: a register list has thousands
    return count


_ENTRIES_OF_LIST = etree.XPath("count(*[string(@xml:id)])")
_XML_ID = "{http://www.w3.org/XML/1998/namespace}id"


def _paragraphs_outside_lists(body: etree._Element | None, enough: int) -> int:
    """Paragraphs (p, ab, l, sp) with text that are not inside a register list,
    counted up to ``enough``."""
    if body is None:
        return 0
    count = 0
    for p in body.iter(f"{T}p", f"{T}ab", f"{T}l", f"{T}sp"):
        if (
            not any(localname(a) in _REGISTER_LISTS for a in p.iterancestors())
            and "".join(p.itertext()).strip()
        ):
            count += 1
            if count >= enough:
                break
    return count


def _own_correspdesc(root: etree._Element) -> bool:
    return any(
        not in_egxml(d) for d in root.iterfind(f"{T}teiHeader/{T}profileDesc/{T}correspDesc")
    )


def _top_divs(root: etree._Element) -> list[etree._Element]:
    divs: list[etree._Element] = []
    for part in ("front", "body"):
        container = root.find(f"{T}text/{T}{part}")
        if container is not None:
            divs += container.findall(f"{T}div")
    return divs


def _matches(path: str, root: Path | None, patterns: Mapping[str, str]) -> str | None:
    if not patterns:
        return None
    candidates = [PurePosixPath(path).name]
    if root is not None:
        with contextlib.suppress(ValueError):
            candidates.insert(0, Path(path).resolve().relative_to(root).as_posix())
    for pattern, kind in patterns.items():
        if any(fnmatch.fnmatchcase(c, pattern) for c in candidates):
            return kind
    return None


def document_kind(
    doc: Document, *, overrides: Mapping[str, str] | None = None, root: Path | None = None
) -> str:
    """letter | register | introduction | drama | edition | other.

    ``overrides`` (the configuration's ``[documents]``: glob -> kind, relative to
    ``root``) win. Otherwise: a letter has its own ``correspDesc`` or a body
    ``div[@type='letter']``; a drama speeches (``sp``) or a ``castList``; a
    register holds register lists (persons, places, organisations, works, events,
    taxonomies) in its body with little prose besides, or only in ``standOff``; the edition
    file is a ``teiCorpus`` or a table of contents (``div[@type='contents']``); an
    introduction a preface or introduction division, or a file named so.
    """
    chosen = _matches(doc.path, root, overrides or {})
    if chosen:
        return chosen
    tei = doc.root
    if _own_correspdesc(tei) or any(d.get("type") == "letter" for d in _top_divs(tei)):
        return "letter"
    text = tei.find(f"{T}text")
    if text is not None and (
        next(text.iter(f"{T}sp"), None) is not None
        or next(text.iter(f"{T}castList"), None) is not None
    ):
        return "drama"
    body = text.find(f"{T}body") if text is not None else None
    in_body = _register_entries_in(body)
    # Register lists in the body with little prose around them, or only in standOff
    # (a text that keeps its entities in standOff has prose of its own).
    if in_body and _paragraphs_outside_lists(body, in_body + 1) <= in_body:
        return "register"
    if (
        not in_body
        and _register_entries_in(tei.find(f"{T}standOff"))
        and not _paragraphs_outside_lists(body, 1)
    ):
        return "register"
    if localname(tei) == "teiCorpus" or any(
        d.get("type") in _CONTENTS_TYPES for d in _top_divs(tei)
    ):
        return "edition"
    if any(d.get("type") in INTRODUCTION_TYPES for d in _top_divs(tei)):
        return "introduction"
    stem = PurePosixPath(doc.path).stem.lower()
    if stem.startswith(_INTRODUCTION_STEMS):
        return "introduction"
    return "other"


def languages(docs: Iterable[Document]) -> tuple[str, ...]:
    """The languages of the documents, most used first: ``langUsage/language/@ident``,
    else the root's ``xml:lang``."""
    counts: Counter[str] = Counter()
    for doc in docs:
        found = [
            ident.strip()
            for ident in doc.root.xpath(
                "t:teiHeader/t:profileDesc/t:langUsage/t:language/@ident",
                namespaces={"t": TEI_NS},
            )
            if str(ident).strip()
        ]
        if not found:
            lang = doc.root.get("{http://www.w3.org/XML/1998/namespace}lang", "").strip()
            found = [lang] if lang else []
        counts.update(dict.fromkeys((str(f) for f in found), 1))
    return tuple(lang for lang, _ in counts.most_common())


_DATE_ATTRS = ("when", "from", "notBefore", "to", "notAfter")


def letter_date(doc: Document) -> str:
    """The date a letter was sent (else received): the ``correspAction``'s date
    attributes, else its text when that is a W3C date (``1916-04-16``); ``""``."""
    for desc in doc.root.iterfind(f"{T}teiHeader/{T}profileDesc/{T}correspDesc"):
        for wanted in ("sent", "received"):
            for action in desc.iterfind(f"{T}correspAction"):
                if action.get("type") != wanted:
                    continue
                for date in action.iterfind(f"{T}date"):
                    for attr in _DATE_ATTRS:
                        value = (date.get(attr) or "").strip()
                        if value:
                            return value
                    text = _text(date)
                    parsed = parse_date(text) if text else None
                    if parsed is not None and parsed.comparable:
                        return text
    return ""
