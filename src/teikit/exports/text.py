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

__all__ = ["place_staged", "reading_order", "render", "write", "write_rendered"]

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
    markdown: bool
    notes: bool
    footnotes: list[tuple[str, str]] = field(default_factory=list)
    counter: int = 0
    editorial: int = 0  # the editors' notes, lettered apart from the source's numbers

    def escape(self, text: str | None) -> str:
        if not text:
            return ""
        return _MD_INLINE.sub(r"\\\1", text) if self.markdown else text


def _inline(el: etree._Element, state: _State) -> str:
    parts = [state.escape(el.text)]
    for child in el:
        parts.append(_child(child, state))
        parts.append(state.escape(child.tail))
    return "".join(parts)


def _child(el: etree._Element, state: _State) -> str:
    name = localname(el)
    if not is_tei(el) or name in _SILENT:
        return ""
    if name == "choice":
        chosen = choose_reading(el)
        return _child(chosen, state) if chosen is not None else ""
    if name == "supplied":
        return f"⟨{_inline(el, state)}⟩"
    if name == "lb":
        return "" if el.get("break") == "no" else _BREAK
    if name == "gap":
        return "[…]"
    if name == "note":
        return _footnote(el, state)
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
    state.footnotes.append((mark, ""))
    state.footnotes[slot] = (mark, _clean(_inline(note, state), state))  # nested notes follow
    return f"[^{mark}]"


def _letters(n: int) -> str:
    """a, b, … z, aa, ab …: the labels of the editors' notes, as the pages and PDFs give them."""
    out = ""
    while n:
        n, rest = divmod(n - 1, 26)
        out = chr(ord("a") + rest) + out
    return out


def _clean(text: str, state: _State) -> str:
    """Normalise whitespace; <lb/> becomes a line break (Markdown: a backslash break)."""
    lines = [" ".join(part.split()) for part in text.split(_BREAK)]
    return ("\\\n" if state.markdown else "\n").join(line for line in lines if line)


def _block(text: str, state: _State, prefix: str = "") -> str:
    if state.markdown and not prefix:
        lines = (_MD_LINE_START.sub(r"\1\\\2", line) for line in text.split("\n"))
        text = "\n".join(_MD_NUMBERED.sub(r"\1\\\2", line) for line in lines)
    return prefix + text


def _depth(el: etree._Element) -> int:
    return sum(1 for a in el.iterancestors() if localname(a) in _DIVS)


def _blocks(container: etree._Element, state: _State) -> Iterator[str]:
    loose = state.escape(container.text)
    for child in container:
        if loose.strip():
            yield _block(_clean(loose, state), state)
        loose = ""
        yield from _element_blocks(child, state)
        loose = state.escape(child.tail)
    if loose.strip():
        yield _block(_clean(loose, state), state)


def _element_blocks(el: etree._Element, state: _State) -> Iterator[str]:
    name = localname(el)
    if not is_tei(el) or name in _SILENT or name in ("lb",):
        return
    if name == "note":
        _footnote(el, state)  # a note between blocks: listed, without an anchor
        return
    if name == "milestone":
        if el.get("rend"):
            yield "* * *" if state.markdown else el.get("rend", "")
        return
    if name in _CONTAINERS:
        yield from _blocks(el, state)
        return
    text = _clean(_inline(el, state), state)
    if not text:
        return
    if name == "head":
        level = min(_depth(el) + 1, 6)
        yield ("#" * level + " " + text) if state.markdown else text
    elif name == "item":
        yield _block(text, state, "- ")
    else:
        yield _block(text, state)


def render(
    doc: Document, *, markdown: bool = False, notes: bool = True, title: str | None = None
) -> str:
    """The reading text of one document (title first, footnotes last); the title is
    the document's own (see :func:`teikit.edition.documents.document_title`)."""
    state = _State(markdown=markdown, notes=notes)
    title = title if title is not None else document_title(doc)
    out = [f"# {state.escape(title)}" if markdown else f"{title}\n{'=' * min(len(title), 72)}"]
    for text in doc.root.iterfind(f"{T}text"):
        out.extend(_blocks(text, state))
    if state.footnotes:
        out.append("---" if markdown else "Notes\n-----")
        out.extend(f"[^{mark}]: {body}" for mark, body in state.footnotes)
    return "\n\n".join(out) + "\n"


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
