"""The edition model: the one place that knows what an edition is.

:class:`Edition` answers, for every engine (validation rules, index, exports,
transforms, the site), which files belong to the edition (discovery), what each
document is (:func:`~teikit.edition.documents.document_kind`) and is called
(titles), the reading order, where the registers are and what they hold
(:class:`~teikit.edition.registers.Registers`), how a pointer resolves to one
canonical entity (:class:`~teikit.edition.pointers.Resolver`), and the edition's
configuration (``teikit.toml``). None of them decides these facts for itself.

    edition = teikit.Edition.open("letters/")
    edition.title, edition.documents, edition.registers
    edition.resolve("#pmb50")
    edition.index(); edition.validate(); edition.export("out.geojson")

Documents that point into files outside the edition folder are never made to
read them: such pointers resolve to ``not-given`` and are reported once per file.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from copy import deepcopy
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from lxml import etree

from teikit.batch import OnStep, Step
from teikit.dates import date_sort_key
from teikit.document import TEI_NS, Document, load
from teikit.edition import documents as _documents
from teikit.edition.config import (
    CONFIG_NAME,
    CmifConfig,
    Config,
    RulesConfig,
    find_config,
    load_config,
)
from teikit.edition.discovery import discover, excluded
from teikit.edition.mentions import (
    TAGS,
    correspondent_role,
    inside_entry,
    mention_type,
    pointer_attributes,
    skipped_mention,
)
from teikit.edition.pointers import ID_ATTRIBUTES, Resolver, Target
from teikit.edition.registers import (
    ENTITY_TYPES,
    Entity,
    RegisterExtract,
    Registers,
    register_candidates,
)
from teikit.errors import Diagnostic, LoadError, Severity, UsageError

if TYPE_CHECKING:
    from teikit.index import EntityIndex
    from teikit.validate import Report

__all__ = [
    "CONFIG_NAME",
    "ENTITY_TYPES",
    "CmifConfig",
    "Config",
    "DocumentFacts",
    "Edition",
    "Entity",
    "Glimpse",
    "Mention",
    "RulesConfig",
    "Target",
    "as_edition",
    "discover",
    "edition_title",
    "find_config",
    "load_config",
    "reading_order",
]

T = f"{{{TEI_NS}}}"
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"
_PSEUDO = ("<stdin>", "<bytes>")
# Folder names that say nothing about the edition they hold.
_GENERIC_FOLDERS = frozenset({"tei", "data", "xml", "editions", "edition", "src", "texts"})
# Attributes whose files are read to resolve pointers (entity pointers, prefixDef).
_FOLLOWED = frozenset({*ID_ATTRIBUTES, "replacementPattern"})
_NAMES_A_FILE = etree.XPath("//@*[contains(., '.xml')]")
Source = str | os.PathLike[str] | bytes | Document


def _abspath(path: str) -> str:
    return os.path.normpath(os.path.abspath(path))


def _abspaths(paths: Iterable[str]) -> set[str]:
    """``{_abspath(p) for p in paths}``, each folder made absolute once (the letters
    of an edition share a few folders): a file's name joined to its normalised
    folder is its normalised path."""
    folders: dict[str, str] = {}
    found: set[str] = set()
    for path in paths:
        folder, name = os.path.split(path)
        if name in ("", ".", ".."):  # not a file's name: no such shortcut
            found.add(_abspath(path))
            continue
        made = folders.get(folder)
        if made is None:
            made = folders[folder] = _abspath(folder or os.curdir)
        found.add(os.path.join(made, name))
    return found


class Mention:
    """One element that mentions an entity, and what its pointers resolve to."""

    __slots__ = ("element", "expected", "targets")

    def __init__(
        self, element: etree._Element, expected: str, targets: list[tuple[str, Target]]
    ) -> None:
        self.element = element
        self.expected = expected  # the type it wants; "" when its pointer decides
        self.targets = targets  # (attribute, target) for every pointer token

    @property
    def entities(self) -> list[Entity]:
        """The distinct entities it names (a @ref and a @key naming one count once)."""
        found: list[Entity] = []
        for _, target in self.targets:
            if target.entity is not None and target.entity not in found:
                found.append(target.entity)
        return found


@dataclass(frozen=True)
class Glimpse:
    """What the edition model takes from a document it does not hold in memory: a
    batch that reads each file where it works on it (a worker) tells the model of
    the others this way, so that the model answers as if it held them all."""

    path: str
    series: str  # its series title (the edition's title may be the one most share)
    named: tuple[str, ...] = ()  # the files its pointers name, to read for their registers

    @classmethod
    def of(cls, doc: Document) -> Glimpse:
        folder = os.path.dirname(_abspath(doc.path))
        return cls(doc.path, _documents.series_title(doc), tuple(_named_files(doc, folder)))


def _named_files(doc: Document, folder: str) -> Iterator[str]:
    """The XML files ``doc``'s entity pointers (``@ref``, ``@key`` …, prefixDef
    patterns) name, as normalised paths (relative ones from ``folder``); links
    such as ``@target`` do not count."""
    if not doc.may_name_xml:
        return  # its bytes hold no ".xml": the search below took 25 ms on a register
    for attr in _NAMES_A_FILE(doc.root):  # in C: most documents name none
        if attr.attrname not in _FOLLOWED:
            continue
        for token in str(attr).split():
            file_part = token.partition("#")[0]
            if ":" in file_part or not file_part.lower().endswith(".xml"):
                continue
            yield os.path.normpath(os.path.join(folder, unquote(file_part)))


class Edition:
    """The documents of an edition, its registers, its configuration, and the one
    place pointers are resolved. Make one with :meth:`open`."""

    def __init__(
        self,
        documents: Sequence[Document],
        *,
        config: Config | None = None,
        root: str | os.PathLike[str] | None = None,
        failed: Sequence[LoadError] = (),
        follow: bool = True,
        given: Sequence[str] = (),
        glimpses: Sequence[Glimpse] = (),
    ) -> None:
        self.config = config or Config()
        # Documents of the edition not held here (read where they are used): what
        # the model needs of them. They count as given.
        self.glimpses: list[Glimpse] = list(glimpses)
        given = [*given, *(g.path for g in self.glimpses)]
        # The files as loaded (validated as files), and the documents they hold: a
        # teiCorpus is its own header and each TEI in it (see documents.parts).
        # Register extracts stand in for documents not held here, among the
        # documents in their place, so that entities come in the same order.
        sources = [p for d in documents for p in _documents.parts(d)]
        self.files: list[Document] = [d for d in documents if not isinstance(d, RegisterExtract)]
        self.documents: list[Document] = [d for d in sources if not isinstance(d, RegisterExtract)]
        self.failed: list[LoadError] = list(failed)  # files given that could not be loaded
        self.skipped: list[Diagnostic] = []  # XML files found that are not TEI
        self.follow = follow
        given_root = root if root is not None else self.config.root
        self.root: Path = (
            Path(given_root).resolve()
            if given_root is not None
            else _common_root(self.documents, self.glimpses)
        )
        self.extra: list[Document] = []  # loaded to resolve pointers; never checked or indexed
        self._all: list[Document] = []
        self._not_loaded: dict[str, str] = {}  # path -> why it could not be loaded
        self._by_path: dict[str, Document] = {}
        # id(doc) -> (its path, its key): the path tells a document read and let go
        # from another one that got its id later (workers read documents in turn).
        self._keys: dict[int, tuple[tuple[str, str], str]] = {}
        self._last_doc: Document | None = None
        self._last_key = ""
        self._last_folder = ("", "")  # (path, its folder)
        self._folders: dict[str, str] = {}  # a path's folder as written -> as normalised
        self._kinds: dict[str, str] = {}
        self._by_doc_id: dict[str, Document] | None = None
        self._facts: dict[str, DocumentFacts] = {}
        self.unloaded: list[str] = []  # files of the edition left to read (open(lazy=True))
        for doc in self.files:
            self._by_path.setdefault(self.key_of(doc), doc)
        # Files of the edition given but not loaded yet (holding no register: the
        # validation workers read them): loaded when a pointer names one.
        self._later = _abspaths(p for p in given if p != "-") - set(self._by_path)
        self.registers = Registers(particdesc=self.config.particdesc)
        if follow:
            self._follow_pointers()
        for doc in [*sources, *self.extra]:
            if isinstance(doc, RegisterExtract):  # its kind is the whole document's
                self._kinds.setdefault(self.key_of(doc), doc.kind)
            # A document's kind is decided only if the registers need it (deciding
            # it walks a register file of thousands of entries).
            self.registers.add(doc, self.key_of(doc), preferred=self._is_register(doc))
        self.registers.finish()
        self.resolver = Resolver(
            self.registers,
            document_at=self._document_at,
            key_of=self.key_of,
            directory_of=self.directory_of,
            failed=self._not_loaded.get,
            prefix_documents=lambda: self.all_documents,
            documents_by_id=self._document_by_id,
            is_given=lambda path: path in self._later,
            key_mode=self.config.key,
            authority=self.config.authority,
        )

    # -- opening

    @classmethod
    def open(
        cls,
        source: Source | Iterable[Source] | None = None,
        *,
        config: Config | str | os.PathLike[str] | None = None,
        follow: bool = True,
        on_step: OnStep | None = None,
        lazy: bool = False,
        **overrides: Any,
    ) -> Edition:
        """Open an edition: a folder (searched recursively for ``*.xml``), a file, a
        glob, the bytes of a document, a loaded :class:`Document`, or several of
        these; default ``tei/``.

        The configuration is ``config`` (a :class:`Config` or a path), else the
        ``teikit.toml`` (or ``pyproject.toml`` ``[tool.teikit]``) of the folder or
        the nearest folder above; ``overrides`` replace its fields (``title=…``,
        ``key="name"``). Files that cannot be loaded are in :attr:`failed`; XML
        files that are not TEI are left out. With ``follow``, the register files
        the configuration lists (``[registers] files``) and the files inside the
        edition folder that pointers name are read too, to resolve against (they
        are indexed and checked only when given). ``on_step`` hears of each file
        read (:class:`~teikit.batch.Step`, with the diagnostics of a file that
        could not be loaded), as it is read.

        ``lazy``: read now only the files that may hold registers (the model needs
        every register before it resolves a pointer); the others are listed in
        :attr:`unloaded` and read one at a time by :meth:`stream`, which keeps
        none of them, so a large edition is never in memory at once.
        :attr:`documents`, :attr:`title` and :attr:`order` then cover only the files
        read now: :meth:`stream`'s :meth:`facts` give :func:`edition_title` and
        :func:`reading_order` the whole edition.
        """
        items = _as_list(source)
        loaded = [i for i in items if isinstance(i, Document)]
        raw = [i for i in items if isinstance(i, bytes | bytearray)]
        paths = [os.fspath(i) for i in items if isinstance(i, str | os.PathLike)]
        if not items:
            paths = ["tei/"]
        located = paths + [d.path for d in loaded if d.path not in _PSEUDO]
        cfg = _resolve_config(config, located)
        if overrides:
            cfg = cfg.with_overrides(**overrides)
        root = cfg.root if cfg.root is not None else _root_of(located)
        files = discover(paths, root=root, exclude=cfg.exclude)
        docs: list[Document] = [*loaded]
        failed: list[LoadError] = []
        for data in raw:
            docs.append(load(bytes(data)))
        skipped: list[Diagnostic] = []
        unloaded: list[str] = []
        candidates = register_candidates(files) if lazy else set()
        for number, path in enumerate(files, 1):
            if lazy and path not in candidates:
                unloaded.append(path)
                continue
            failures = len(failed)
            doc = _load_member(path, failed, skipped)
            if doc is not None:
                docs.append(doc)
            if on_step is not None and (doc is not None or len(failed) > failures):
                diagnostics = failed[-1].diagnostics if doc is None else ()
                on_step(Step("reading", number, len(files), path, tuple(diagnostics)))
        if not docs and not failed and not unloaded:
            raise UsageError(f"no XML files found in {' '.join(paths) or 'the input'}")
        edition = cls(docs, config=cfg, root=root, failed=failed, follow=follow, given=unloaded)
        edition.skipped = skipped
        edition.unloaded = unloaded
        return edition

    def stream(self) -> Iterator[Document]:
        """Every document of the edition, in the order of their paths: those read
        already as they are, the :attr:`unloaded` ones read now, one at a time, and
        not kept (unless a pointer made the model read one). A file that cannot be
        read joins :attr:`failed` (or :attr:`skipped`, when it is not TEI)."""
        for item in self.pending():
            doc = self.read(item)
            if doc is None:
                continue
            yield doc
            if not isinstance(item, Document):
                self.let_go(doc)
            doc = None  # nor may this frame keep it while the next is yielded

    def pending(self) -> list[Document | str]:
        """What :meth:`stream` goes through, in its order: the documents held and the
        paths of the :attr:`unloaded` ones (workers :meth:`read` them in turn)."""
        pending: list[tuple[str, int, Document | str]] = [
            (self.relpath(d), 0, d) for d in self.documents
        ]
        pending += [(self._relpath_of(p), 1, p) for p in self.unloaded]
        return [item for _, _, item in sorted(pending, key=lambda x: (x[0], x[1]))]

    def read(self, item: Document | str) -> Document | None:
        """An item of :meth:`pending` as a document (None when it cannot be read: then
        in :attr:`failed` or :attr:`skipped`); :meth:`let_go` it when done."""
        if isinstance(item, Document):
            return item
        return self._by_path.get(_abspath(item)) or _load_member(item, self.failed, self.skipped)

    def let_go(self, doc: Document) -> None:
        """Forget a document :meth:`read` gave from a path, unless a pointer made the
        edition keep it: key_of's caches would keep it or, by its id, lie about the
        next one."""
        if self._last_doc is not doc and id(doc) not in self._keys:
            return  # never keyed here, so nothing of it is kept (a letter the rules checked)
        if self._by_path.get(self.key_of(doc)) is doc:
            return
        self._keys.pop(id(doc), None)
        if self._last_doc is doc:
            self._last_doc, self._last_key = None, ""

    def release(self, docs: Iterable[Document]) -> None:
        """Let the trees of ``docs`` go (register files held for their entries, once
        the index and the merged register are made): the model keeps a stand-in for
        each, with its path, part, root and ids (an id names the stand-in's root), so
        that pointers resolve and documents are named as before; its entities keep
        their data and read their entries again where they are wanted
        (:meth:`~teikit.edition.registers.Registers.elements`). Documents with a
        prefixDef are kept (their patterns are read from the tree), and so is the
        register document the stylesheets are given."""
        stand_ins: dict[int, Document] = {}
        for doc in docs:
            if doc.part or next(doc.root.iter(f"{T}prefixDef"), None) is not None:
                continue
            if doc is self.__dict__.get("register_document"):
                continue  # the stylesheets' register: the tree itself is wanted
            root = etree.Element(doc.root.tag, dict(doc.root.attrib), nsmap=doc.root.nsmap)
            stand_ins[id(doc)] = replace(
                doc, tree=root.getroottree(), root=root, ids=dict.fromkeys(doc.ids, root)
            )
        if not stand_ins:
            return
        for doc in [*self.files, *self.extra]:
            if id(doc) in stand_ins:  # the stand-in is keyed as the document was
                self.key_of(stand_ins[id(doc)])
        self.registers.let_go(stand_ins)
        self.files = [stand_ins.get(id(d), d) for d in self.files]
        self.documents = [stand_ins.get(id(d), d) for d in self.documents]
        self.extra = [stand_ins.get(id(d), d) for d in self.extra]
        self._all = []
        self._by_path = {k: stand_ins.get(id(d), d) for k, d in self._by_path.items()}
        self._by_doc_id = None
        self._last_doc, self._last_key = None, ""
        if "order" in self.__dict__:
            self.__dict__["order"] = [stand_ins.get(id(d), d) for d in self.order]

        for doc_id in stand_ins:
            self._keys.pop(doc_id, None)
        self.resolver.forget_answers()

    def _relpath_of(self, path: str) -> str:
        try:
            return Path(_abspath(path)).relative_to(self.root).as_posix()
        except ValueError:
            return Path(os.path.relpath(_abspath(path), self.root)).as_posix()

    # -- documents

    def key_of(self, doc: Document) -> str:
        """The absolute, normalised path of ``doc`` (its pseudo path when it has none)."""
        if doc is self._last_doc:  # pointers come document by document
            return self._last_key
        cached = self._keys.get(id(doc))
        if cached is not None and cached[0] == (doc.path, doc.part):
            key = cached[1]
        else:
            key = doc.path if doc.path in _PSEUDO else _abspath(doc.path)
            if doc.part:
                key += f"#{doc.part}"
            self._keys[id(doc)] = ((doc.path, doc.part), key)
        self._last_doc, self._last_key = doc, key
        return key

    def directory_of(self, doc: Document) -> str:
        if doc.path in _PSEUDO:
            return str(self.root)
        if doc.path != self._last_folder[0]:  # pointers come document by document
            # Made once per folder as written (a letter's folder is every letter's):
            # the folder of a file's normalised path is its folder's, normalised.
            written, name = os.path.split(doc.path)
            if name in ("", ".", ".."):  # not a file's name: no such shortcut
                folder = os.path.dirname(_abspath(doc.path))
            else:
                if not os.path.isabs(written):
                    written = os.path.join(os.getcwd(), written)
                folder = self._folders.get(written)
                if folder is None:
                    folder = self._folders[written] = os.path.dirname(_abspath(doc.path))
            self._last_folder = (doc.path, folder)
        return self._last_folder[1]

    def relpath(self, doc: Document) -> str:
        """The document's path relative to the edition folder, ``/``-separated; a TEI
        document inside a teiCorpus file is named as if the file were a folder of
        such documents (``corpus/L1.xml``), so that its page and exports have a name
        of their own."""
        if doc.path in _PSEUDO:
            return doc.path
        key = _abspath(doc.path)
        try:
            rel = PurePosixPath(Path(key).relative_to(self.root).as_posix()).as_posix()
        except ValueError:
            rel = Path(os.path.relpath(key, self.root)).as_posix()
        if doc.part:
            return f"{PurePosixPath(rel).with_suffix('')}/{doc.part}.xml"
        return rel

    @property
    def all_documents(self) -> list[Document]:
        """The documents given, then those read to resolve pointers (the list is made
        again only when one is added: pointers ask for it)."""
        count = len(self.documents) + len(self.extra)
        if len(self._all) != count:
            self._all = self.documents + self.extra
        return self._all

    def document(self, path: str | os.PathLike[str]) -> Document | None:
        """The edition's document at ``path`` (given or read to resolve pointers)."""
        return self._by_path.get(_abspath(os.fspath(path)))

    def _inside(self, path: str) -> bool:
        try:
            Path(path).relative_to(self.root)
        except ValueError:
            return False
        return True

    def _document_at(self, path: str) -> Document | None:
        found = self._by_path.get(path)
        if found is None and path in self._later:
            self._later.discard(path)
            try:
                found = self._by_path[path] = load(path)
            except LoadError as exc:
                self._not_loaded[path] = exc.diagnostics[0].message if exc.diagnostics else ""
        return found

    def _follow_pointers(self) -> None:
        """Read the XML files inside the edition folder that pointers name but that were
        not given (typically the register when one letter is indexed), and those the
        files read name in turn, so that the registers are complete before ids are
        assigned. Only pointers to entities count (``@ref``, ``@key`` … and prefixDef
        patterns), not links such as a letter's ``@target`` to the next letter."""
        pending = [d for d in self.documents if d.path not in _PSEUDO]
        named = {path: None for g in self.glimpses for path in g.named}
        configured: dict[str, None] = {}
        for pattern in self.config.register_files:
            for found in discover([str(self.config.resolve(pattern))]):
                configured.setdefault(_abspath(found), None)
        first = True
        while pending or first:
            wanted: dict[str, None] = {}
            if first:  # the configuration's registers may lie outside the folder
                first = False
                for path in configured:
                    if path not in self._by_path and os.path.isfile(path):
                        wanted[path] = None
                for path in named:  # what the documents not held here name
                    if path not in self._by_path and path not in self._not_loaded:
                        wanted.setdefault(path, None)
            for doc in pending:
                for path in _named_files(doc, self.directory_of(doc)):
                    if path not in self._by_path and path not in self._not_loaded:
                        wanted.setdefault(path, None)
            pending = []
            for path in wanted:
                if path in self._later:
                    continue  # given: a pointer into it finds it then
                if path not in configured and (not self._inside(path) or not os.path.isfile(path)):
                    continue
                if excluded(path, self.root, self.config.exclude):
                    continue
                try:
                    doc = load(path)
                except LoadError as exc:
                    why = exc.diagnostics[0].message if exc.diagnostics else str(exc)
                    self._not_loaded[path] = why
                    continue
                self._by_path[path] = doc
                self.extra.append(doc)
                pending.append(doc)

    def _document_by_id(self, ident: str) -> Document | None:
        if self._by_doc_id is None:
            found: dict[str, Document] = {}
            for doc in self.documents:
                root_id = doc.root.get(XML_ID)
                if root_id:
                    found.setdefault(root_id.strip(), doc)
                found.setdefault(PurePosixPath(doc.path).stem, doc)
            self._by_doc_id = found
        return self._by_doc_id.get(ident)

    # -- what each document is

    def kind(self, doc: Document) -> str:
        """letter | register | introduction | drama | edition | other."""
        key = self.key_of(doc)
        found = self._kinds.get(key)
        if found is None:
            found = self._kinds[key] = _documents.document_kind(
                doc, overrides=self.config.kinds, root=self.root
            )
        return found

    def _is_register(self, doc: Document) -> Callable[[], bool]:
        """Whether ``doc`` is a register file, as a function asked when wanted."""
        return lambda: self.kind(doc) == "register"

    def correspondent_role(self, action: str, name: etree._Element) -> str:
        """``sender``, ``addressee`` or ``""``: what a name in a ``correspAction`` of
        type ``action`` is, by its ``@type``/``@role`` (with the values the
        configuration's ``[correspondence]`` adds), else by the action's type."""
        senders, addressees = self._roles
        return correspondent_role(action, name, senders, addressees)

    @cached_property
    def _roles(self) -> tuple[frozenset[str], frozenset[str]]:
        roles = self.config.correspondence
        return (
            frozenset(v.strip().lower() for v in roles.sender),
            frozenset(v.strip().lower() for v in roles.addressee),
        )

    def title_of(self, doc: Document) -> str:
        """The document's own title (see :func:`~teikit.edition.documents.document_title`)."""
        return _documents.document_title(doc)

    def short_title_of(self, doc: Document) -> str:
        return _documents.short_title(doc)

    def date_of(self, doc: Document) -> str:
        """A letter's date (sent, else received), ``""`` when it has none."""
        return _documents.letter_date(doc)

    def of_kind(self, *kinds: str) -> list[Document]:
        return [d for d in self.documents if self.kind(d) in kinds]

    @cached_property
    def edition_file(self) -> Document | None:
        """The document that describes the edition as a whole (a ``teiCorpus`` or a
        table of contents), if there is one."""
        found = self.of_kind("edition")
        return min(found, key=self.relpath) if found else None

    @cached_property
    def title(self) -> str:
        """The edition's title: the configuration's, else the edition file's, else the
        series title most documents share, else (for more than one document) the
        edition folder's name; ``""`` when a lone document names none."""
        return self.title_source[0]

    @cached_property
    def title_source(self) -> tuple[str, str]:
        """The title and where it came from: ``config``, ``edition-file``, ``series``,
        ``folder`` or ``""`` (see :func:`edition_title`). Documents held elsewhere
        (:attr:`glimpses`) count by their series title."""
        facts = [self.facts(d) for d in self.documents]
        facts += [
            DocumentFacts(_abspath(g.path), self._relpath_of(g.path), "", "", g.series, "")
            for g in self.glimpses
        ]
        return edition_title(self, facts)

    @cached_property
    def languages(self) -> tuple[str, ...]:
        """The configuration's languages, else those the documents declare, most used first."""
        return self.config.languages or _documents.languages(self.documents)

    @cached_property
    def order(self) -> list[Document]:
        """Reading order: the edition file (title and contents), introductions (in the
        order the edition file lists them), letters by date, plays and other texts
        (listed, then by file), the registers (see :func:`reading_order`)."""
        by_key = {self.key_of(d): d for d in self.documents}
        return [by_key[f.key] for f in reading_order([self.facts(d) for d in self.documents])]

    def facts(self, doc: Document) -> DocumentFacts:
        """What the edition-wide decisions (its title, the reading order) need to know
        of ``doc``: a few strings, kept when the document itself is not."""
        key = self.key_of(doc)
        found = self._facts.get(key)
        if found is not None:
            return found
        kind = self.kind(doc)
        contents: tuple[str, ...] = ()
        if kind == "edition":
            listed: dict[str, None] = {}
            for el in doc.root.iter(f"{T}ref", f"{T}ptr"):
                for token in (el.get("target") or "").split():
                    target = self.resolve(token, doc, attribute="target")
                    if target.kind != "document":
                        continue
                    if target.doc is not None:
                        listed.setdefault(self.key_of(target.doc), None)
                    elif target.file:  # a file of the edition not read yet
                        listed.setdefault(_abspath(target.file), None)
            contents = tuple(listed)
        found = self._facts[key] = DocumentFacts(
            key=key,
            relpath=self.relpath(doc),
            kind=kind,
            title=self.title_of(doc),
            series=_documents.series_title(doc),
            date=self.date_of(doc) if kind == "letter" else "",
            contents=contents,
        )
        return found

    # -- pointers

    def _anchor(self) -> Document:
        """A document at the edition folder, for pointers resolved without one."""
        root = etree.Element(f"{T}TEI")
        return Document(str(self.root / "_"), root.getroottree(), root)

    def resolve(
        self,
        pointer: str,
        doc: Document | None = None,
        *,
        attribute: str = "ref",
        expected: str | None = None,
    ) -> Target:
        """What ``pointer`` (one token) written in ``doc`` on ``@attribute`` refers to.
        Without ``doc`` it is read as written in the edition folder."""
        where = doc if doc is not None else self._anchor()
        return self.resolver.resolve(pointer, where, attribute=attribute, expected=expected)

    def mentions(self, doc: Document) -> Iterator[Mention]:
        """Every mention in ``doc`` (see :mod:`teikit.edition.mentions`), in document
        order, with its pointers resolved; the register's own names and the
        alternatives a reading text does not show are left out."""
        for el in doc.root.iter(*TAGS):
            expected = mention_type(el)
            if expected is None or skipped_mention(el):
                continue
            targets: list[tuple[str, Target]] = []
            for attribute in pointer_attributes(el):
                value = el.get(attribute)
                if not value:
                    continue
                for token in self.resolver.tokens(attribute, value):
                    targets.append(
                        (
                            attribute,
                            self.resolver.resolve(
                                token, doc, attribute=attribute, expected=expected or None
                            ),
                        )
                    )
            if not targets and inside_entry(el):
                continue
            yield Mention(el, expected, targets)

    def entity_ids(self, doc: Document) -> dict[etree._Element, str]:
        """The canonical entity id of each mention in ``doc`` that names one (its
        first entity)."""
        out: dict[etree._Element, str] = {}
        for mention in self.mentions(doc):
            entities = mention.entities
            if entities:
                out[mention.element] = entities[0].id
        return out

    @cached_property
    def register_document(self) -> Document | None:
        """The edition's registers as one TEI document, entries by canonical id, for the
        stylesheets: the register file itself when every entity lives in that one
        file under its own id, else a document made from every entity's home entry
        (persons, places, organisations, works, events, terms in that order)."""
        entities = self.registers.entities
        if not entities:
            return None
        homes = {id(e.doc) for e in entities}
        if len(homes) == 1 and all(e.id == e.xml_id for e in entities):
            return entities[0].doc
        return merged_register(self)

    def diagnostics(self) -> list[Diagnostic]:
        """What the edition itself has to say: files that could not be loaded."""
        return [d for exc in self.failed for d in exc.diagnostics]

    # -- the verbs

    def validate(self, **options: Any) -> Report:
        """Validate the edition's documents (see :func:`teikit.validate.validate_edition`)."""
        from teikit.validate import validate_edition

        return validate_edition(self, **options)

    def index(self) -> EntityIndex:
        """The entity index of the edition (see :func:`teikit.index.build_index`)."""
        from teikit.index import build_index

        return build_index(self)

    def export(
        self,
        output: str | os.PathLike[str],
        fmt: str | None = None,
        **options: Any,
    ) -> list[Path]:
        """Export the edition (see :func:`teikit.exports.export`); ``options`` are
        :class:`~teikit.exports.ExportOptions` fields."""
        from teikit.exports import export, export_options

        return export(self, output, fmt, options=export_options(self, **options))

    def build_site(self, out_dir: str | os.PathLike[str], **options: Any) -> Any:
        """Build the edition's website (see :func:`teikit.site.build_site`)."""
        from teikit.site import build_site

        return build_site(self, out_dir, **options)

    def __repr__(self) -> str:
        return (
            f"<Edition {self.title!r}: {len(self.documents)} documents, "
            f"{len(self.registers)} entities>"
        )


@dataclass(frozen=True)
class DocumentFacts:
    """What the edition-wide decisions need of one document (:meth:`Edition.facts`)."""

    key: str  # absolute path (see Edition.key_of)
    relpath: str
    kind: str
    title: str
    series: str  # its series title, "" when none
    date: str  # a letter's date, "" otherwise
    contents: tuple[str, ...] = ()  # an edition file: the keys of the documents it lists


def edition_title(edition: Edition, facts: Sequence[DocumentFacts]) -> tuple[str, str]:
    """The edition's title and where it came from, from the facts of its documents:
    the configuration's (``config``), else the edition file's (``edition-file``),
    else the series title most documents share (``series``), else (for more than
    one document) the edition folder's name (``folder``); ``("", "")`` when a lone
    document names none."""
    if edition.config.title:
        return edition.config.title, "config"
    files = [f for f in facts if f.kind == "edition"]
    if files:
        return min(files, key=lambda f: f.relpath).title, "edition-file"
    counts = Counter(f.series for f in facts if f.series)
    if counts:
        title, count = counts.most_common(1)[0]
        if count * 2 >= len(facts) or len(counts) == 1:
            return title, "series"
    if len(facts) < 2:
        return "", ""
    folder = edition.root
    while folder.name.lower() in _GENERIC_FOLDERS and folder.parent != folder:
        folder = folder.parent
    return folder.name or "Edition", "folder"


def reading_order(facts: Sequence[DocumentFacts]) -> list[DocumentFacts]:
    """Reading order: the edition file (title and contents), introductions (in the
    order the edition file lists them), letters by date, plays and other texts
    (listed, then by file), the registers."""
    files = sorted((f for f in facts if f.kind == "edition"), key=lambda f: f.relpath)
    rank: dict[str, int] = {}
    if files:
        for key in files[0].contents:
            rank.setdefault(key, len(rank))

    def of(*kinds: str) -> list[DocumentFacts]:
        return [f for f in facts if f.kind in kinds]

    def listed(f: DocumentFacts) -> tuple[int, str]:
        return (rank.get(f.key, len(rank)), f.relpath)

    def by_date(f: DocumentFacts) -> tuple[Any, ...]:
        return (date_sort_key(f.date) if f.date else (3,), f.relpath)

    return [
        *files,
        *sorted(of("introduction"), key=listed),
        *sorted(of("letter"), key=by_date),
        *sorted(of("drama", "other"), key=listed),
        *sorted(of("register"), key=lambda f: f.relpath),
    ]


def merged_register(edition: Edition) -> Document:
    """A TEI document holding a copy of every entity's home entry, with its canonical
    id as xml:id, one list per entity type (entries nested in an entry are left to
    their own copy)."""
    from teikit.edition.registers import ENTRY_TYPES, TYPE_INFO

    root = etree.Element(f"{T}TEI", nsmap={None: TEI_NS})
    header = etree.SubElement(root, f"{T}teiHeader")
    file_desc = etree.SubElement(header, f"{T}fileDesc")
    title_stmt = etree.SubElement(file_desc, f"{T}titleStmt")
    etree.SubElement(title_stmt, f"{T}title").text = f"Registers: {edition.title}"
    etree.SubElement(
        etree.SubElement(file_desc, f"{T}publicationStmt"), f"{T}p"
    ).text = "Made by teikit from the registers of the edition."
    sources = etree.SubElement(etree.SubElement(file_desc, f"{T}sourceDesc"), f"{T}list")
    for doc in edition.registers.documents:
        item = etree.SubElement(sources, f"{T}item")
        etree.SubElement(item, f"{T}ref", target=edition.relpath(doc)).text = edition.relpath(doc)
    body = etree.SubElement(etree.SubElement(root, f"{T}text"), f"{T}body")
    entries = {f"{T}{name}" for name in ENTRY_TYPES}
    for kind in edition.registers.types:
        info = TYPE_INFO[kind]
        div = etree.SubElement(body, f"{T}div", type=info.plural)
        etree.SubElement(div, f"{T}head").text = info.heading
        container = etree.SubElement(div, f"{T}{info.list}")
        for entity, element in edition.registers.elements(edition.registers.of_type(kind)):
            copy = deepcopy(element)
            copy.tail = None
            for nested in [d for d in copy.iterdescendants() if d.tag in entries and d.get(XML_ID)]:
                parent = nested.getparent()
                if parent is not None:
                    parent.remove(nested)
            copy.set(XML_ID, entity.id)
            container.append(copy)
    return Document(str(edition.root / "_registers.xml"), root.getroottree(), root)


def _load_member(path: str, failed: list[LoadError], skipped: list[Diagnostic]) -> Document | None:
    """A file of the edition, loaded; None when it cannot be (added to ``failed``) or
    is other XML in the folder (a project's own lists, schemas …: added to
    ``skipped``, said without calling it an error)."""
    try:
        return load(path)
    except LoadError as exc:
        first = exc.diagnostics[0] if exc.diagnostics else None
        if first is not None and first.code == "not-tei":
            skipped.append(
                replace(
                    first,
                    severity=Severity.INFO,
                    message=f"not a TEI document, left out of the edition ({first.message})",
                )
            )
        else:
            failed.append(exc)
        return None


def _as_list(source: Source | Iterable[Source] | None) -> list[Source]:
    if source is None:
        return []
    if isinstance(source, str | os.PathLike | bytes | bytearray | Document):
        return [source]
    return list(source)


def _root_of(paths: Sequence[str]) -> Path | None:
    """The edition folder when no configuration names one: the folder given, else the
    folder the files given share."""
    folders = []
    for raw in paths:
        if raw == "-":
            continue
        path = Path(raw)
        if any(ch in raw for ch in "*?[") and not path.exists():
            path = Path(re.split(r"[*?\[]", raw, maxsplit=1)[0] or ".")
            folders.append((path if path.is_dir() else path.parent).resolve())
        else:
            folders.append((path if path.is_dir() else path.parent).resolve())
    if not folders:
        return None
    try:
        return Path(os.path.commonpath([str(f) for f in folders]))
    except ValueError:  # different drives
        return folders[0]


def _common_root(docs: Sequence[Document], glimpses: Sequence[Glimpse] = ()) -> Path:
    paths = [d.path for d in docs if d.path not in _PSEUDO] + [g.path for g in glimpses]
    return _root_of(paths) or Path.cwd()


def _resolve_config(config: Config | str | os.PathLike[str] | None, paths: Sequence[str]) -> Config:
    if isinstance(config, Config):
        return config
    if config is not None:
        return load_config(config)
    for raw in paths:
        if raw == "-":
            continue
        path = Path(raw)
        start = path if path.exists() else Path(re.split(r"[*?\[]", raw, maxsplit=1)[0] or ".")
        found = find_config(start if start.exists() else Path.cwd())
        if found is not None:
            return load_config(found)
    return Config()


def as_edition(
    source: Edition | Source | Iterable[Source] | None, *, follow: bool = True
) -> Edition:
    """``source`` as an Edition: an Edition as it is, anything else opened (a list of
    loaded Documents keeps its documents as they are)."""
    if isinstance(source, Edition):
        return source
    return Edition.open(source, follow=follow)


def summary_of(edition: Edition) -> str:
    kinds = Counter(edition.kind(d) for d in edition.documents)
    parts = [f"{n} {k}" for k, n in sorted(kinds.items())]
    return f"{edition.title}: {', '.join(parts)}; {len(edition.registers)} entities"
