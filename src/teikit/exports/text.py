"""Clean reading text, as plain text or Markdown, one file per document or combined.

The reading follows the edition's decisions: ``corr`` over ``sic`` (``reg`` over
``orig``, ``expan`` over ``abbr``), the editors' ``supplied`` text in angle
brackets ⟨ ⟩ (the source's own brackets are text and stay as printed),
deletions left out, notes (optionally) as footnotes at the end of each document,
numbered as printed, the editors' notes lettered. Registers are not reading text and are skipped;
other documents come first in path order, then the letters in date order.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from lxml import etree

from teikit.document import TEI_NS, Document
from teikit.edition.documents import document_title
from teikit.exports.common import ExportError, ExportOptions, output_directory, write_text
from teikit.index import EntityIndex
from teikit.reading import choose_reading, is_tei, localname

__all__ = ["place_staged", "reading_order", "render", "render_both", "write", "write_rendered"]

T = f"{{{TEI_NS}}}"
_BREAK = "\ue000"  # stands for <lb/> until whitespace is normalised
_CONTAINERS = frozenset(
    {
        "front", "body", "back", "div", "div1", "div2", "div3", "div4", "div5", "div6", "div7",
        "group", "opener", "closer", "list", "lg", "listBibl", "floatingText", "postscript",
        "epigraph", "argument", "titlePage", "docImprint", "sp",
    }
)  # fmt: skip
_SILENT = frozenset(
    {"del", "fw", "pb", "cb", "anchor", "index", "interp", "interpGrp", "figDesc", "surplus"}
)
_DIVS = frozenset({"div", "div1", "div2", "div3", "div4", "div5", "div6", "div7"})
_WRITERS = 8  # files written at a time
_MD_INLINE = re.compile(r"([\\`*_<>])")
_MD_LINE_START = re.compile(r"^(\s*)(#|>|[-+*] )")  # headings, quotes, bullets
_MD_NUMBERED = re.compile(r"^(\s*\d{1,9})([.)])(?=\s|$)")  # "1948. " starts a list


@dataclass
class _State:
    """One document's rendering, as plain text and as Markdown at once: every piece
    is a pair (plain, markdown). The two differ only in escaping and a few marks,
    so one walk of the tree makes both; ``markdown`` False leaves the Markdown half
    unescaped (a plain text alone does not pay for the escaping)."""

    markdown: bool
    notes: bool
    # (mark, plain body, Markdown body)
    footnotes: list[tuple[str, str, str]] = field(default_factory=list)
    counter: int = 0
    editorial: int = 0  # the editors' notes, lettered apart from the source's numbers

    def escape(self, text: str | None) -> tuple[str, str]:
        if not text:
            return "", ""
        if not self.markdown or _MD_INLINE.search(text) is None:
            return text, text  # most pieces have nothing to escape: no substitution
        return text, _MD_INLINE.sub(r"\\\1", text)


_EMPTY = ("", "")


def _inline(el: etree._Element, state: _State) -> tuple[str, str]:
    plain, md = state.escape(el.text)
    plains, mds = [plain], [md]
    for child in el:
        plain, md = _child(child, state)
        plains.append(plain)
        mds.append(md)
        plain, md = state.escape(child.tail)
        plains.append(plain)
        mds.append(md)
    return "".join(plains), "".join(mds)


def _child(el: etree._Element, state: _State) -> tuple[str, str]:
    name = localname(el)
    if not is_tei(el) or name in _SILENT:
        return _EMPTY
    if name == "choice":
        chosen = choose_reading(el)
        return _child(chosen, state) if chosen is not None else _EMPTY
    if name == "supplied":
        plain, md = _inline(el, state)
        return f"⟨{plain}⟩", f"⟨{md}⟩"
    if name == "lb":
        return _EMPTY if el.get("break") == "no" else (_BREAK, _BREAK)
    if name == "gap":
        return "[…]", "[…]"
    if name == "note":
        mark = _footnote(el, state)
        return mark, mark
    return _inline(el, state)


def _footnote(note: etree._Element, state: _State) -> str:
    if not state.notes:
        return ""
    if note.get("type") == "editorial" and not (note.get("n") or "").strip():
        state.editorial += 1
        mark = _letters(state.editorial)
    else:
        state.counter += 1
        mark = (note.get("n") or str(state.counter)).strip().replace(" ", "-")
    slot = len(state.footnotes)
    state.footnotes.append((mark, "", ""))
    plain, md = _clean(_inline(note, state))  # nested notes follow
    state.footnotes[slot] = (mark, plain, md)
    return f"[^{mark}]"


def _letters(n: int) -> str:
    """a, b, … z, aa, ab …: the labels of the editors' notes, as the pages and PDFs give them."""
    out = ""
    while n:
        n, rest = divmod(n - 1, 26)
        out = chr(ord("a") + rest) + out
    return out


def _clean(text: tuple[str, str]) -> tuple[str, str]:
    """Normalise whitespace; <lb/> becomes a line break (Markdown: a backslash break)."""
    plain, md = text
    plains = [" ".join(part.split()) for part in plain.split(_BREAK)]
    mds = [" ".join(part.split()) for part in md.split(_BREAK)] if md != plain else plains
    return "\n".join(ln for ln in plains if ln), "\\\n".join(ln for ln in mds if ln)


def _block(text: tuple[str, str], state: _State, prefix: str = "") -> tuple[str, str]:
    plain, md = text
    if state.markdown and not prefix:
        lines = (_MD_LINE_START.sub(r"\1\\\2", line) for line in md.split("\n"))
        md = "\n".join(_MD_NUMBERED.sub(r"\1\\\2", line) for line in lines)
    return prefix + plain, prefix + md


def _depth(el: etree._Element) -> int:
    return sum(1 for a in el.iterancestors() if localname(a) in _DIVS)


def _blocks(container: etree._Element, state: _State) -> Iterator[tuple[str, str]]:
    loose = state.escape(container.text)
    for child in container:
        if loose[0].strip():
            yield _block(_clean(loose), state)
        loose = _EMPTY
        yield from _element_blocks(child, state)
        loose = state.escape(child.tail)
    if loose[0].strip():
        yield _block(_clean(loose), state)


def _element_blocks(el: etree._Element, state: _State) -> Iterator[tuple[str, str]]:
    name = localname(el)
    if not is_tei(el) or name in _SILENT or name in ("lb",):
        return
    if name == "note":
        _footnote(el, state)  # a note between blocks: listed, without an anchor
        return
    if name == "milestone":
        if el.get("rend"):
            yield el.get("rend", ""), "* * *"
        return
    if name in _CONTAINERS:
        yield from _blocks(el, state)
        return
    text = _clean(_inline(el, state))
    if not text[0]:
        return
    if name == "head":
        level = min(_depth(el) + 1, 6)
        yield text[0], "#" * level + " " + text[1]
    elif name == "item":
        yield _block(text, state, "- ")
    else:
        yield _block(text, state)


def render(
    doc: Document, *, markdown: bool = False, notes: bool = True, title: str | None = None
) -> str:
    """The reading text of one document (title first, footnotes last); the title is
    the document's own (see :func:`teikit.edition.documents.document_title`)."""
    return _render(doc, markdown, notes, title)[markdown]


def render_both(doc: Document, *, notes: bool = True, title: str | None = None) -> tuple[str, str]:
    """:func:`render` as plain text and as Markdown, from one walk of the document."""
    return _render(doc, True, notes, title)


def _render(doc: Document, markdown: bool, notes: bool, title: str | None) -> tuple[str, str]:
    state = _State(markdown=markdown, notes=notes)
    title = title if title is not None else document_title(doc)
    plains = [f"{title}\n{'=' * min(len(title), 72)}"]
    mds = [f"# {state.escape(title)[1]}"]
    for text in doc.root.iterfind(f"{T}text"):
        for plain, md in _blocks(text, state):
            plains.append(plain)
            mds.append(md)
    if state.footnotes:
        plains.append("Notes\n-----")
        mds.append("---")
        plains.extend(f"[^{mark}]: {body}" for mark, body, _ in state.footnotes)
        mds.extend(f"[^{mark}]: {body}" for mark, _, body in state.footnotes)
    return "\n\n".join(plains) + "\n", "\n\n".join(mds) + "\n"


def reading_order(docs: Sequence[Document], index: EntityIndex) -> list[Document]:
    """The texts among ``docs`` in the edition's reading order (the index has it from
    the edition model): the registers are not read."""
    kinds = {d.file: d.kind for d in index.documents}
    rank = {file: n for n, file in enumerate(index.order)}
    files = {d.path: f for d, f in zip(docs, _relative(docs, index), strict=True)}
    texts = [d for d in docs if kinds.get(files[d.path]) != "register"]
    return sorted(texts, key=lambda d: rank.get(files[d.path], len(rank)))


def _relative(docs: Sequence[Document], index: EntityIndex) -> list[str]:
    out = []
    for doc in docs:
        try:
            out.append(PurePath(os.path.relpath(os.path.abspath(doc.path), index.root)).as_posix())
        except ValueError:  # another drive on Windows
            out.append(doc.path)
    return out


def write(
    docs: Sequence[Document],
    index: EntityIndex,
    output: str | os.PathLike[str],
    options: ExportOptions,
    *,
    markdown: bool = False,
) -> list[Path]:
    """One ``<stem>.txt``/``.md`` per document into the directory ``output``, or one
    combined file when ``options.single_file`` (default: ``output`` has a suffix)."""
    texts = [
        (d.path, render(d, markdown=markdown, notes=options.notes))
        for d in reading_order(docs, index)
    ]
    return write_rendered(texts, output, options, markdown=markdown)


def write_rendered(
    texts: Sequence[tuple[str, str]],
    output: str | os.PathLike[str],
    options: ExportOptions,
    *,
    markdown: bool = False,
) -> list[Path]:
    """Write texts already rendered, ``(path of the document, text)`` in reading
    order, as :func:`write` does (the documents need not be in memory any more)."""
    if _single(output, options):
        return [write_text(output, _combined((text for _, text in texts), markdown))]
    files = _files(output, [path for path, _ in texts], markdown)
    # Each file is synced to disk before it takes its name (write_atomic): several
    # at a time, so that a few thousand letters do not wait for the disk one by one.
    with ThreadPoolExecutor(_WRITERS) as pool:
        return list(pool.map(write_text, files, (text for _, text in texts)))


def place_staged(
    staged: Sequence[tuple[str, str]],
    output: str | os.PathLike[str],
    options: ExportOptions,
    *,
    markdown: bool = False,
) -> list[Path]:
    """:func:`write_rendered` for texts written already, each to a file of its own
    (``(path of the document, file of its text)`` in reading order, the files in
    one folder with the output): each is moved into place under its name."""
    if _single(output, options):
        texts = (Path(file).read_text(encoding="utf-8") for _, file in staged)
        return [write_text(output, _combined(texts, markdown))]
    placed = []
    for target, (_, file) in zip(
        _files(output, [path for path, _ in staged], markdown), staged, strict=True
    ):
        try:
            if target.exists():  # an existing file keeps its mode, as write_atomic keeps it
                os.chmod(file, target.stat().st_mode & 0o7777)
            os.replace(file, target)
        except OSError as exc:
            raise ExportError(f"{target}: cannot write: {exc.strerror or exc}") from exc
        placed.append(target)
    return placed


def _single(output: str | os.PathLike[str], options: ExportOptions) -> bool:
    """One combined file (``options.single_file``; default: ``output`` has a suffix)."""
    if options.single_file is not None:
        return options.single_file
    return bool(PurePath(os.fspath(output)).suffix)


def _combined(texts: Iterable[str], markdown: bool) -> str:
    rule = "\n---\n\n" if markdown else "\n" + "=" * 72 + "\n\n"
    return rule.join(texts)


def _files(output: str | os.PathLike[str], paths: Sequence[str], markdown: bool) -> list[Path]:
    """The file of each document's text in the folder ``output``, by the document's
    stem: two documents with one stem (a/x.xml, b/x.xml) get x.txt and x-2.txt,
    never one written over the other while the summary counts both."""
    folder = output_directory(output)
    suffix = ".md" if markdown else ".txt"
    taken: set[str] = set()
    files = []
    for path in paths:
        stem = PurePath(path).stem
        name, n = stem, 1
        while (name + suffix).lower() in taken:
            n += 1
            name = f"{stem}-{n}"
        taken.add((name + suffix).lower())
        files.append(folder / (name + suffix))
    return files
