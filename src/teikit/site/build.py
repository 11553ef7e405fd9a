"""``build_site``: validate the edition, then make what changed of its site and
record it in the manifest, so that the next build is incremental."""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import json
import os
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from lxml import etree

import teikit
from teikit import render, xslt
from teikit import schemas as schema_lookup
from teikit.batch import OnStep, Step, default_jobs, output_folder, release_freed_memory
from teikit.batch import run as run_jobs
from teikit.document import TEI_NS, Document, load, read_regular
from teikit.edition import (
    Config,
    DocumentFacts,
    Edition,
    Glimpse,
    find_config,
    load_config,
    merged_register,
)
from teikit.edition.discovery import discover
from teikit.edition.documents import corpus_members, document_kind
from teikit.edition.documents import languages as languages_of
from teikit.edition.registers import RegisterExtract, register_extract
from teikit.errors import (
    BuildError,
    Diagnostic,
    LoadError,
    SchemaError,
    Severity,
    TeikitError,
    UsageError,
)
from teikit.exports import cmif_options
from teikit.exports.cmif import CmifOptions
from teikit.exports.common import ExportOptions
from teikit.index import EntityIndex, build_index
from teikit.site.chrome import Chrome
from teikit.site.i18n import Messages, site_language
from teikit.site.jobs import (
    Job,
    JobResult,
    Pages,
    SiteContext,
    Workshop,
    compile_job,
    edition_job,
    finish_page,
    job_size,
    job_timed_out,
    run_job,
)
from teikit.site.links import check_links
from teikit.site.markup import parse_page, serialize
from teikit.site.outputs import (
    MANIFEST_FORMAT,
    MANIFEST_NAME,
    SITE_DATA,
    BuildReport,
    Outputs,
    diag,
    fingerprint,
    key_of,
    read_manifest,
    restored_rows,
    safe_output_path,
    sha,
    stored_rows,
)
from teikit.site.pages import chronology, downloads, home
from teikit.site.profile import profile_path
from teikit.site.records import (
    CHRONOLOGY,
    DOWNLOADS,
    EXPORTS,
    FULL_PDF,
    HOME,
    MERGED_REGISTER,
    PRINCIPLES,
    REGISTER_PAGE,
    SEARCH,
    SEARCH_INDEX,
    SECTIONS,
    Doc,
    Entities,
    SiteEdition,
    assign_pages,
    summary_of,
)
from teikit.site.search import search_index, search_page
from teikit.transform import needed_at_hand
from teikit.validate import ValidateOptions, validate_files

# Typst lays out the whole-edition PDF in memory, about 7.5 MB a letter: 295
# Schnitzler letters peaked at 3.7 GB. Above this many documents each keeps its
# own PDF and the edition gets none as a whole, so a build stays lean.
FULL_PDF_MAX_DOCUMENTS = 100

PARALLEL_VALIDATION = 200
PARALLEL_RENDERING = 60

# A worker whose own memory (not shared with the parent) passed this is
# replaced after the jobs it has: Saxon's heap grows with what it rendered and is
# not given back (a worker stood at 350-450 MB of its own after some hundred pages).
# A fresh fork costs little (the parent's stylesheets and register are inherited):
# on Schnitzler's 295 letters 128 MB took the peak from 969-1,019 MB to 851 for
# some 5 % more CPU (96 MB: 871 MB, 17 % more CPU), bench/RESULTS.md.
WORKER_GROWTH = 128 * 2**20
# A page worker may be replaced after this many jobs (None: it is not). Saxon's heap
# in a fresh fork takes new pages for what it allocates until its first
# collections, which copy much of what it inherited (the compiled stylesheets)
# into pages of its own (Schnitzler: 3 -> 60 MB of its own in its first 8 jobs,
# 90-125 MB after 40-100). Replacing them after 8 jobs lowered the median, not the
# peak, and measured quietly it cost 21 % more CPU on Schnitzler and 33 % on 5,005
# files (bench/RESULTS.md, 2026-12-08), so it is off.
WORKER_JOBS: int | None = None
# teikit's own letter, rendered in the parent before the workers fork (see
# Builder._warm), this many times as a page and as a Typst source.
WARM_LETTER = SITE_DATA / "warm-letter.xml"
WARM_JOBS = 3
# A document of this many bytes or more is a heavy job (see heavy_job).
HEAVY_BYTES = 2**20

# --------------------------------------------------------------------------- build


def heavy_job(job: Job) -> bool:
    """A job whose worker grows by hundreds of MB: a register's pages (every entry
    of the register), a document of :data:`HEAVY_BYTES` or more (the 20 MB diary
    took 900 MB). The workers run one at a time, each in a fresh worker."""
    return ("register-pages", "true") in job.params or job_size(job) >= HEAVY_BYTES


def alone_job(job: Job) -> bool:
    """A heavy job that runs with no other job beside it: a large document's page
    (the 20 MB diary: 500 MB of the worker's own) and a register's pages
    (Schnitzler's: 350-390 MB PSS), not their PDFs."""
    return (job.kind == "page" and job.split) or ("register-pages", "true") in job.params


def _absolute(path: Path) -> str:
    """A file's key in the edition model: its absolute, normalised path."""
    return os.path.normpath(os.path.abspath(path))


def _corpus_left_out(path: Path, members: int) -> Diagnostic:
    return diag(
        str(path),
        f"a teiCorpus holding {members} TEI document{'s' if members != 1 else ''} is left"
        " out of the site's pages (a corpus is not split into pages yet): its documents"
        " are only in the data downloads, not in the search or under register entries;"
        " give each TEI document a file of its own to give it a page",
        "tei-corpus",
        Severity.WARNING,
    )


class _Seen(NamedTuple):
    """What the site keeps of a document it indexes (build_index's per_document)."""

    languages: tuple[str, ...]
    short_title: str
    summary: str


@dataclass
class _Read:
    """What the first reading of the edition's files leaves (see Builder._read)."""

    held: dict[str, Document] = field(default_factory=dict)  # by name: kept in memory
    glimpses: list[Glimpse] = field(default_factory=list)  # of the documents let go
    # by name: the register lists of documents let go that hold some
    extracts: dict[str, RegisterExtract] = field(default_factory=dict)
    loaded: set[str] = field(default_factory=set)  # the names of all that loaded
    errors: dict[str, LoadError] = field(default_factory=dict)  # by name
    hashes: dict[str, str] = field(default_factory=dict)  # by name: of its bytes
    sizes: dict[str, int] = field(default_factory=dict)  # by name: its bytes
    data: dict[str, bytes] = field(default_factory=dict)  # documents given without a file
    schemas: dict[str, str] = field(default_factory=dict)  # the schemas declared: hashes
    corpora: dict[str, int] = field(default_factory=dict)  # teiCorpus files: their TEI count


_PREFIX_DEF = f"{{{TEI_NS}}}prefixDef"


def profile_hash(config: Config) -> str:
    """The edition's site profile, as the pages depend on it ("" without one)."""
    if not config.site_profile:
        return ""
    try:
        return sha(config.resolve(config.site_profile).read_bytes())
    except OSError:
        return "missing"


def _site_config(folder: Path) -> Config:
    found = find_config(folder)
    return load_config(found) if found is not None else Config()


def build_site(
    tei_dir: str | os.PathLike[str] | Edition | Document | bytes,
    out_dir: str | os.PathLike[str],
    *,
    keep_going: bool = False,
    force: bool = False,
    jobs: int | None = None,
    pdf: bool | None = None,
    base_url: str | None = None,
    validate: bool = True,
    cmif: CmifOptions | None = None,
    timeout: float | None = None,
    config: Config | None = None,
    on_step: OnStep | None = None,
) -> BuildReport:
    """Build the website of the edition in ``tei_dir`` (its ``*.xml`` files, searched
    recursively; or an :class:`~teikit.edition.Edition`) into ``out_dir``.

    The edition's configuration (``config``, else its ``teikit.toml``) gives the
    title, the base URL, the CMIF metadata, the rule policy and whether PDFs are
    made; the arguments given here win over it.

    The documents are validated first against the schemas their ``<?xml-model?>``
    declare; findings stop the build with :class:`BuildError` (carrying them)
    unless ``keep_going``, which also carries on past documents that cannot be
    loaded or rendered. Only outputs whose inputs changed since the last build are
    made again (``force`` remakes all); nothing is validated when no input changed.
    ``jobs`` processes render pages and PDFs (default: one per CPU);
    ``pdf=False`` leaves out the PDFs; ``base_url`` (http or https) is where the
    site will be published, used in the citation and the data exports; ``cmif``
    gives what CMIF needs and the edition does not hold (the editor's e-mail).
    A page or PDF a worker spends more than ``timeout`` seconds on (default:
    batch.DEFAULT_TIMEOUT) is given up and reported. ``on_step`` hears of each file
    validated and each output made (:class:`~teikit.batch.Step`, with its findings),
    in order, as they finish; the report still holds every finding.
    """
    started = time.perf_counter()
    if (
        isinstance(tei_dir, Document | bytes | list | tuple)
        or Path(os.fspath(tei_dir) if isinstance(tei_dir, str | os.PathLike) else ".").is_file()
    ):
        tei_dir = Edition.open(tei_dir)  # a document, its bytes, or several: one edition
    edition = tei_dir if isinstance(tei_dir, Edition) else None
    source = edition.root if edition is not None else Path(tei_dir)
    target = Path(out_dir)
    if not source.is_dir():
        raise UsageError(f"{source}: not a folder of TEI files")
    if target.resolve() == source.resolve():
        raise UsageError(f"{target}: the site cannot be written into the TEI folder itself")
    if config is None:
        config = edition.config if edition is not None else _site_config(source)
    if base_url is None:
        base_url = config.base_url
    if pdf is None:
        pdf = config.pdf is not False
    if cmif is None and any(dataclasses.astuple(config.cmif)):
        cmif = cmif_options(config)
    if base_url is not None:
        base_url = base_url.strip()
        if (
            urlsplit(base_url).scheme.lower() not in ("http", "https")
            or not urlsplit(base_url).netloc
        ):
            raise UsageError(f"base URL must be an http or https URL, not {base_url!r}")
        base_url = base_url if base_url.endswith("/") else base_url + "/"
    if target.exists() and not target.is_dir():
        raise UsageError(f"{target}: exists and is not a folder")
    # The folder is this build's alone (a second build into it is refused), cleaned
    # of what a killed build left in it.
    with output_folder(target) as out:
        report = BuildReport(out_dir=out)
        builder = Builder(
            source, report, keep_going, force, jobs, pdf, base_url, validate, cmif, timeout,
            config, edition, on_step,
        )  # fmt: skip
        try:
            builder.build()
        finally:
            report.seconds = time.perf_counter() - started
    return report


class Builder:
    def __init__(
        self,
        source: Path,
        report: BuildReport,
        keep_going: bool,
        force: bool,
        jobs: int | None,
        pdf: bool,
        base_url: str | None,
        validate: bool,
        cmif: CmifOptions | None,
        timeout: float | None = None,
        config: Config | None = None,
        edition: Edition | None = None,
        on_step: OnStep | None = None,
    ) -> None:
        self.source = source
        self.on_step = on_step
        self.config = config or Config()
        self.given = edition
        self.timeout = timeout  # seconds a worker may spend on one job
        self.out = report.out_dir
        self.report = report
        self.keep_going = keep_going
        self.force = force
        self.jobs = jobs
        self.pdf = pdf
        self.base_url = base_url
        self.validate = validate
        self.cmif = cmif
        self.manifest = read_manifest(self.out)
        self.fingerprint = fingerprint(
            {
                "pdf": pdf,
                "base_url": base_url,
                "cmif": repr(cmif),
                "format": MANIFEST_FORMAT,
                "config": repr(self.config),
                "profile": profile_hash(self.config),
            }
        )
        self.outputs = Outputs(self.out, self.manifest, force, report)
        self.findings: dict[str, Any] | None = None  # validation findings, for the manifest

    # -- steps

    def build(self) -> None:
        self.records: Path | None = None  # where pages leave their search records
        try:
            validated = self._make()
        finally:
            if self.records is not None:
                shutil.rmtree(self.records, ignore_errors=True)
        # The edition's objects (model, entity index, pages' facts and search
        # records) went with _make; what they took goes back to the system before
        # the link checker reads every page (the parent's last and largest phase).
        gc.collect()
        release_freed_memory()
        self._check_links()
        self._write_manifest(validated)

    def _make(self) -> str | None:
        """Everything but the link check: validation, pages, PDFs, the edition's own
        pages; the key recorded as validated (see _validate)."""
        profile = self.config.site_profile
        extra = self.config.resolve(profile) if profile else None
        if extra is not None and not extra.is_file():
            raise UsageError(f"{extra}: the site profile teikit.toml names is missing")
        self.shop = Workshop(profile_path(extra))
        if self.given is not None:
            files = [Path(d.path) for d in self.given.files]
            files += [Path(d.file) for exc in self.given.failed for d in exc.diagnostics[:1]]
        else:
            left_out: list[tuple[str, str]] = []
            found = discover([str(self.source)], root=self.config.root,
                             exclude=self.config.exclude, skipped=left_out)  # fmt: skip
            files = [Path(p) for p in found]
            self.report.diagnostics += [
                diag(path, f"skipped: {why}", "skipped", Severity.WARNING) for path, why in left_out
            ]
        if not files:
            raise UsageError(f"{self.source}: no *.xml files to build a site from")
        rel = {path: self._rel(path) for path in files}
        read = self._read(files, rel)
        # XML that is not TEI (a project's own lists) is not part of the edition.
        for name, exc in list(read.errors.items()):
            first = exc.diagnostics[0] if exc.diagnostics else None
            if first is not None and first.code == "not-tei":
                del read.errors[name]
                files = [p for p in files if rel[p] != name]
                read.hashes.pop(name, None)
                self.report.diagnostics.append(
                    dataclasses.replace(
                        first,
                        severity=Severity.INFO,
                        message=f"not a TEI document, left out of the site ({first.message})",
                    )
                )
        release_freed_memory()  # what the files let go took: validation workers fork now
        validated = self._validate(files, read, rel)
        if not read.loaded:
            raise BuildError("no document could be loaded", self.report.diagnostics, self.report)
        at_hand: dict[str, Document] = {**read.held, **read.extracts}
        model = self.given or Edition(
            [at_hand[rel[p]] for p in files if rel[p] in at_hand],
            config=self.config,
            root=self.config.root or self.source,
            glimpses=read.glimpses,
        )
        del at_hand
        docs, facts, index, languages = self._gather(model, files, rel, read)
        hashes = read.hashes
        assign_pages(docs, self.report.diagnostics)
        edition = SiteEdition(model, docs, facts=facts, index=index, languages=languages)
        chrome = Chrome(edition, Messages(site_language(edition.languages, self.config)))
        # What every page's links and chrome depend on: which files there are, their
        # pages, the navigation and the language.
        layout = key_of(
            sorted((d.file, d.page, d.kind) for d in docs),
            edition.intro.file if edition.intro else "",
            [s[0] for s in edition.sections],
            chrome.nav,
        )
        everything = key_of(self.fingerprint, layout, sorted(hashes.items()))
        whole = self._edition_fresh(everything)
        entities = Entities(edition)
        if self.given is None:
            self._let_registers_go(edition, read)
        self.records = self.shop.records = Path(tempfile.mkdtemp(prefix=".teikit-", dir=self.out))
        pages = self._documents(edition, chrome, entities, hashes, layout, not whole)
        self._copies(edition, hashes)
        self._assets()
        if whole:
            for rel, entry in self.outputs.old.items():
                if entry.get("group") == "edition":
                    self.outputs.keep(rel)
        else:
            self._edition_outputs(edition, chrome, entities, pages, everything)
        self.outputs.remove_stale()
        self.shop = Workshop(self.shop.profile)  # nothing of this edition left in it
        if edition.register_doc is not None:
            render.forget(edition.register_doc)  # its Saxon tree, cached for the workers
        return validated

    def _check_links(self) -> None:
        """Every internal link of every page leads to a file and an element of the
        site; each one that does not is an error at its line."""
        written = list(self.outputs.new)
        pages = [rel for rel in written if rel.endswith(".html")]
        dead = check_links(self.out, pages, written)
        self.report.dead_links = len(dead)
        self.report.diagnostics.extend(dead)

    def _edition_fresh(self, key: str) -> bool:
        """The pages made from the whole edition (home, registers, search, data) are
        remade when any input changed: all or none, since each depends on all."""
        group = [rel for rel, e in self.outputs.old.items() if e.get("group") == "edition"]
        return HOME in group and all(self.outputs.fresh(rel, key) for rel in group)

    def _rel(self, path: Path) -> str:
        """A file's name in the site's records: relative to the edition folder."""
        try:
            return path.resolve().relative_to(self.source.resolve()).as_posix()
        except ValueError:
            return path.name

    def _read(self, files: list[Path], rel: dict[Path, str]) -> _Read:
        """Read every file once, with the loader's checks (a regular file, its size
        before reading: an unreadable or oversized file is a finding for that file,
        not the build's end), for its hash, the schemas it declares and what the
        edition model needs of it. Only the documents the model needs at hand are
        kept (registers, the edition file, documents given as such); of the others
        it keeps a :class:`~teikit.edition.Glimpse`, and each is read again where it
        is indexed and where it is rendered, so that memory does not grow with the
        edition (5,000 letters held whole took 650 MB, and every worker mapped them)."""
        out = _Read()
        given = {d.path: d for d in self.given.files} if self.given else {}
        for number, path in enumerate(files, 1):
            name = rel[path]
            doc = given.get(str(path))
            try:
                if doc is not None and not path.is_file():  # given as bytes: its own text
                    blob = etree.tostring(doc.tree, encoding="UTF-8", xml_declaration=True)
                    out.data[name] = blob
                else:
                    blob = read_regular(path)
                out.hashes[name], out.sizes[name] = sha(blob), len(blob)
                if doc is None:
                    doc = load(blob, path=str(path))
            except LoadError as exc:
                out.errors[name] = exc  # reported with the validation's findings
                out.hashes.setdefault(name, sha(exc.message.encode()))
            else:
                out.loaded.add(name)
                if self.validate:
                    self._declared_schemas(doc, out.schemas)
                members = corpus_members(doc)
                if members:  # the model splits it into its documents: it must hold it
                    out.corpora[name] = len(members)
                root = self.config.root or self.source
                if str(path) in given or name in out.data or members:
                    out.held[name] = doc
                elif needed_at_hand(doc, self.config, root):
                    # A document that is at hand only for the register lists it holds
                    # (a letter that repeats the registers in its <back>) leaves a copy
                    # of its lists instead. A register file stays: it may be the
                    # stylesheets' register document.
                    kind = document_kind(doc, overrides=self.config.kinds, root=root)
                    extract = None
                    if (
                        kind not in ("edition", "register")
                        and next(doc.root.iter(_PREFIX_DEF), None) is None
                    ):
                        extract = register_extract(doc, kind)
                    if extract is None:
                        out.held[name] = doc
                    else:
                        out.extracts[name] = extract
                        out.glimpses.append(Glimpse.of(doc))
                else:
                    out.glimpses.append(Glimpse.of(doc))
            del doc
            if self.on_step is not None:
                self.on_step(Step("reading", number, len(files)))
        return out

    @staticmethod
    def _declared_schemas(doc: Document, schemas: dict[str, str]) -> None:
        """The schemas ``doc`` declares, by path, with the hash of each."""
        with contextlib.suppress(SchemaError, LoadError):
            for found in schema_lookup.schemas_for(doc):
                if str(found.path) not in schemas:  # a corpus shares its schemas
                    schemas[str(found.path)] = sha(read_regular(found.path))

    def _gather(
        self, model: Edition, files: list[Path], rel: dict[Path, str], read: _Read
    ) -> tuple[list[Doc], list[DocumentFacts], EntityIndex, tuple[str, ...]]:
        """One pass over the edition, a document at a time (those the model does not
        hold read again and let go): the entity index, and what the site keeps of
        each document (kind, titles, summary, languages, its facts for the reading
        order)."""
        # By the model's key (a document's absolute path, #part inside a teiCorpus):
        # a pointer may have made the model read a let-go file by that path.
        taken: dict[str, tuple[DocumentFacts, str, str]] = {}
        counted: Counter[str] = Counter()

        def look(doc: Document, fact: DocumentFacts) -> _Seen:
            summary = summary_of(doc) if fact.kind == "letter" else ""
            return _Seen(tuple(languages_of([doc])), model.short_title_of(doc), summary)

        def keep(fact: DocumentFacts, seen: _Seen) -> None:
            counted.update(dict.fromkeys(seen.languages, 1))
            taken[fact.key] = (fact, seen.short_title, seen.summary)

        if self.given is None:
            let_go = read.loaded - set(read.held)
            model.unloaded = [str(p) for p in files if rel[p] in let_go]
        index = build_index(model, per_document=look, on_document=keep)
        docs = []
        for path in files:
            name = rel[path]
            if name in read.corpora:
                # Pages are made per file and a corpus is not split into pages yet;
                # the rest of the site is built without it.
                self.report.diagnostics.append(_corpus_left_out(path, read.corpora[name]))
                continue
            held = read.held.get(name)
            found = taken.get(model.key_of(held) if held is not None else _absolute(path))
            if found is None:  # not loaded, or changed since it was read
                continue
            fact, short_title, summary = found
            docs.append(
                Doc(
                    name, path, held, fact.key, read.sizes[name], "",
                    fact.kind, fact.title, short_title, summary=summary,
                    data=read.data.get(name),
                )
            )  # fmt: skip
        languages = self.config.languages or tuple(lang for lang, _ in counted.most_common())
        return docs, [fact for fact, _, _ in taken.values()], index, languages

    def _validate(self, files: list[Path], read: _Read, rel: dict[Path, str]) -> str | None:
        """Validate unless no input (nor a schema they declare) changed since the last
        valid build; returns the key to record as validated, None when not valid.

        Validation reports unloadable files itself; without it they are reported here.
        """
        load_errors, hashes, schemas = read.errors, read.hashes, read.schemas
        if not self.validate:
            for exc in load_errors.values():
                self._fail_or_note(exc.diagnostics, "cannot load")
            return None
        key = key_of(teikit.__version__, sorted(hashes.items()), sorted(schemas.items()))
        if not self.force and not load_errors and self.manifest.get("validated") == key:
            return key
        findings = self.manifest.get("findings")
        if (
            not self.force
            and not load_errors
            and isinstance(findings, dict)
            and findings.get("key") == key
        ):
            # Nothing changed since a build with findings: report them again, as
            # they were, instead of validating the whole edition again.
            diagnostics = restored_rows(findings.get("diagnostics", []))
            invalid = len({d.file for d in diagnostics if d.severity >= Severity.ERROR})
        else:
            # The schemas in workers; the corpus rules here, on the documents loaded
            # already (not loaded again).
            result = validate_files(
                [str(p) for p in files],
                options=ValidateOptions(config=self.config),
                jobs=self._jobs(len(files), PARALLEL_VALIDATION),
                # the workers read the others themselves
                documents={str(p): read.held[rel[p]] for p in files if rel[p] in read.held},
                **self._steps("validating", len(files), lambda r: r.diagnostics),
            )
            diagnostics = list(result.diagnostics)
            invalid = sum(1 for f in result.files if not f.valid)
            if not result.valid and not result.interrupted:
                self.findings = {"key": key, "diagnostics": stored_rows(diagnostics)}
        self.report.validated = True
        self.report.diagnostics.extend(diagnostics)
        if not any(d.severity >= Severity.ERROR for d in diagnostics):
            return key
        if not self.keep_going:
            errors = sum(1 for d in diagnostics if d.severity >= Severity.ERROR)
            raise BuildError(
                f"validation failed: {errors} errors in {invalid} of {len(files)} files; "
                "nothing was built (fix them, or build with --keep-going)",
                diagnostics,
                self.report,
            )
        if self.findings is None and isinstance(findings, dict):
            self.findings = findings  # still true: kept for the next build
        return None

    def _steps(
        self,
        phase: str,
        total: int,
        found: Callable[[Any], Sequence[Diagnostic]],
        unit: str = "files",
        name: Callable[[Any], str] = str,
    ) -> dict[str, Any]:
        """``on_result`` and ``on_progress`` for a batch, telling ``on_step`` of each
        item's findings (in input order) and of how many are done (in any order)."""
        if self.on_step is None:
            return {}
        tell, done = self.on_step, 0

        def progress(count: int) -> None:
            nonlocal done
            done = max(done, count)
            tell(Step(phase, done, total, unit=unit))

        def step(item: Any, result: Any) -> None:
            tell(Step(phase, done, total, name(item), tuple(found(result)), unit))

        return {"on_result": step, "on_progress": progress}

    def _fail_or_note(self, diagnostics: Sequence[Diagnostic], what: str) -> None:
        """Record a failure; without keep_going it stops the build."""
        self.report.diagnostics.extend(d for d in diagnostics if d not in self.report.diagnostics)
        if not self.keep_going:
            first = diagnostics[0].format() if diagnostics else ""
            raise BuildError(f"{what}: {first}", diagnostics, self.report)

    def _jobs(self, count: int, parallel_from: int) -> int:
        """Processes for ``count`` tasks. By default one per CPU, but only from
        ``parallel_from`` tasks on: forking a process that holds compiled schemas
        and stylesheets costs more than a small edition takes to render."""
        if self.jobs is None:
            wanted = default_jobs() if count >= parallel_from else 1
        else:
            wanted = max(1, self.jobs)
        return max(1, min(wanted, count))

    def _render_params(
        self,
        edition: SiteEdition,
        chrome: Chrome,
        page: str,
        section: str | None = None,
        source: str = "",
    ) -> dict[str, str]:
        """The site profile's parameters for ``page``, made from the document at
        ``source``: where the site's pages are, and its chrome (see site.xsl)."""
        params = {
            **chrome.render_params(page, source),
            "site-root": "",
            "home-page": HOME,
            "register-page": edition.register.page if edition.register else REGISTER_PAGE,
            "edition-title": edition.title,
        }
        for name, _, page, _ in SECTIONS:
            params[f"{name}-page"] = page
        if section is not None:
            params["register-section"] = section
        if self.config.resource_base:
            params["resource-base"] = self.config.resource_base
        return params

    # -- document pages and PDFs

    def _documents(
        self,
        edition: SiteEdition,
        chrome: Chrome,
        entities: Entities,
        hashes: dict[str, str],
        layout: str,
        sections: bool,
    ) -> Pages:
        """Render what changed: pages and PDFs, in parallel (and, when the edition's
        own pages are to be remade, the register sections and the facts of the
        pages kept from the last build). Workers finish each page (chrome, policy,
        serialisation) and take its facts, so no page tree comes back here."""
        register = edition.register_path
        # Pages depend on the registers: every file that holds register entries.
        reg_hash = key_of(
            sorted(
                hashes.get(edition.model.relpath(doc), "")
                for doc in edition.model.registers.documents
            )
        )
        todo: list[tuple[str, str, Job, Doc | None]] = []  # (output, key, job, page of)
        for d in edition.order:
            key = key_of(self.fingerprint, layout, hashes[d.file], reg_hash, "page")
            search = d.kind != "register"
            if self.outputs.fresh(d.page, key):
                self.outputs.keep(d.page)
                if sections:  # the edition's pages are remade: they need its facts
                    written = str(self.outputs.path(d.page))
                    job = Job("kept", str(d.path), "", page=d.page, written=written, search=search)
                    todo.append((d.page, "", job, d))
            else:
                given = self._render_params(edition, chrome, d.page, source=d.file)
                params = tuple(given.items())
                # a large document's page is finished by a worker of its own
                split = d.size >= HEAVY_BYTES
                job = Job("page", str(d.path), register, params, page=d.page, search=search,
                          split=split)  # fmt: skip
                todo.append((d.page, key, job, d))
            if self.pdf:
                rel = f"downloads/pdf/{d.page[:-5]}.pdf"
                key = key_of(self.fingerprint, hashes[d.file], reg_hash, "pdf")
                if self.outputs.fresh(rel, key):
                    self.outputs.keep(rel)
                else:
                    # a large document's Typst source goes straight into a file (Job.split)
                    job = Job("pdf", str(d.path), register, output=rel, split=d.size >= HEAVY_BYTES)
                    todo.append((rel, key, job, None))
        size = sum(d.size for d in edition.order)
        if self.pdf and (
            len(edition.order) > FULL_PDF_MAX_DOCUMENTS or size > render.EDITION_PDF_MAX_BYTES
        ):
            # Typst lays out one document in memory (render.EDITION_PDF_MAX_BYTES), so a
            # whole-edition PDF of a large edition would exhaust the machine.
            limit = render.EDITION_PDF_MAX_BYTES / 2**20
            self.report.diagnostics.append(
                diag(
                    str(self.source),
                    f"no full-edition PDF: {len(edition.order)} documents, {size / 2**20:.1f} MB "
                    f"of TEI, is more than Typst can lay out in memory ({FULL_PDF_MAX_DOCUMENTS} "
                    f"documents, {limit:.1f} MB); each document still gets its own PDF",
                    "full-pdf-skipped",
                    Severity.WARNING,
                )
            )
        elif self.pdf:
            key = key_of(self.fingerprint, sorted(hashes.items()), "full-pdf")
            if self.outputs.fresh(FULL_PDF, key):
                self.outputs.keep(FULL_PDF)
            else:
                paths = tuple(str(d.path) for d in edition.order)
                todo.append(
                    (
                        FULL_PDF,
                        key,
                        Job("edition-pdf", "", register, paths=paths, output=FULL_PDF),
                        None,
                    )
                )
        if sections and edition.principles is not None:
            params = tuple(
                {
                    **self._render_params(
                        edition, chrome, PRINCIPLES, source=edition.principles.file
                    ),
                    "principles": "true",
                }.items()
            )
            todo.append(
                (PRINCIPLES, "", Job("html", str(edition.principles.path), register, params), None)
            )
        if sections and edition.register_doc is not None:
            register_file = edition.register.file if edition.register is not None else ""
            for section, _, page, _ in edition.sections:
                given = self._render_params(edition, chrome, page, section, source=register_file)
                params = tuple({**given, "register-pages": "true"}.items())
                todo.append((page, "", Job("html", register, register, params), None))
            if edition.register is None:  # merged: its own index page, as a file's would be
                given = self._render_params(edition, chrome, REGISTER_PAGE, "")
                params = tuple({**given, "register-pages": "true"}.items())
                job = Job("html", register, register, params)
                todo.append((REGISTER_PAGE, "", job, None))
        jobs = self._jobs(len(todo), PARALLEL_RENDERING)
        # Typst already ran in this process: forked workers could not run it (teikit.render)
        typst_jobs = jobs if render.typst_forkable() else 1
        if any(job.kind != "kept" for _, _, job, _ in todo):
            # Compiled and parsed here, before workers fork, so that they all share it.
            if edition.register_doc is not None and edition.register is None:
                # First, so that the merged register's lxml tree is gone (and its
                # memory given back) before the stylesheets are compiled beside it.
                self._register_as_saxon(edition)
                release_freed_memory()
            render.load_stylesheet(self.shop.profile)
            if self.pdf:
                render.load_stylesheet(render.STYLESHEETS["typst"])
            if edition.register_doc is not None:
                render.xdm_node(edition.register_doc)
                render.warm_register_records(self.shop.profile, edition.register_doc)
                if self.pdf:
                    render.warm_register_records(render.STYLESHEETS["typst"], edition.register_doc)
        # What the workers inherit when they fork.
        shop = self.shop
        shop.loaded = {str(d.path): d.doc for d in edition.docs if d.doc is not None}
        if edition.register_doc is not None and edition.register is None:
            shop.loaded[MERGED_REGISTER] = edition.register_doc
        shop.site = SiteContext(edition, chrome, entities, str(self.source), self.outputs)
        if jobs > 1:
            self._warm(shop, [job for _, _, job, _ in todo])
        # What compiling and warming up left in Saxon's heap goes before the workers
        # inherit it (Schnitzler: 122 -> 100 MB).
        xslt.collect_garbage()
        release_freed_memory()  # the documents indexed and let go: workers fork now
        try:
            results = self._render(shop, [job for _, _, job, _ in todo], jobs, typst_jobs)
        finally:
            shop.typst, shop.site = [], None

        pages = Pages()
        for (rel, key, job, d), result in zip(todo, results, strict=True):
            if result.facts is not None:
                pages.facts[rel] = result.facts
            if job.kind == "kept":
                if d is edition.intro and result.facts is not None:
                    with contextlib.suppress(OSError):
                        pages.intro = self.outputs.read(rel)
                continue
            self.report.diagnostics.extend(result.diagnostics)
            if result.stored is not None:  # a page or a PDF, written by the worker
                for stored in result.stored:
                    self.outputs.record(stored, key)
                if d is edition.intro:
                    with contextlib.suppress(OSError):
                        pages.intro = self.outputs.read(rel)
            elif result.data is None:
                self._fail_or_note(
                    [x for x in result.diagnostics if x.severity >= Severity.ERROR],
                    f"cannot make {rel}",
                )
            elif not key:  # a register section: finished with the edition's pages
                pages.sections[rel] = result.data
            else:  # the PDF of a worker that could not write it itself
                self.outputs.put(rel, key, result.data)
        return pages

    @staticmethod
    def _warm(shop: Workshop, todo: list[Job]) -> None:
        """Render teikit's own letter (:data:`WARM_LETTER`) here, before the workers
        fork, as a page and as a Typst source, and throw them away: Saxon prepares
        much of a stylesheet at its first use, and a fresh worker did that itself,
        taking 86 MB of its own at its first letter and the CPU again in each of the
        dozens of workers the growth limit replaces (WORKER_GROWTH). Never one of
        the edition's documents: they are untrusted, and one that hangs or crashes
        Saxon here would stop the build, where in a worker it costs its own page.
        The register is the edition's, which this process holds already."""
        assert shop.site is not None
        light = [job for job in todo if not heavy_job(job) and not job.split]
        page = next((job for job in light if job.kind == "page"), None)
        pdf = next((job for job in light if job.kind == "pdf"), None)
        letter = load(WARM_LETTER)
        own = Edition([letter], config=Config(), follow=False)  # its registers: its back
        words = {"ui-lang": shop.site.chrome.msg.lang, "part-breaks": "true"}  # as run_job's
        for _ in range(WARM_JOBS):
            for job in (page, pdf):
                if job is None:
                    continue
                register = shop.document(job.register) if job.register else None
                with contextlib.suppress(TeikitError, OSError):
                    if job is page:
                        # the site's parameters (made here, not read from a document)
                        params = {**dict(job.params), "site-pages": shop.site.chrome.pages_json}
                        render.render_html(letter, register=register, params=params,
                                           stylesheet=shop.profile, edition=own)  # fmt: skip
                    else:
                        render.render(letter, "typst", register=register, params=words, edition=own)
        render.forget(letter)

    @staticmethod
    def _let_registers_go(edition: SiteEdition, read: _Read) -> None:
        """With the registers merged for the stylesheets (and the index made), the
        register files are not wanted whole here any more: the model keeps stand-ins
        for them (:meth:`~teikit.edition.Edition.release`), their pages' workers read
        them again, and so do the workers that make the merged register again. The
        page workers fork without them (Schnitzler's five: some 75 MB)."""
        if edition.register is not None or edition.register_doc is None:
            return  # a register file is the stylesheets' register: it stays
        model = edition.model
        files = [d for d in edition.docs if d.doc is not None and d.kind == "register"]
        files = [d for d in files if d.data is None and d.path.is_file()]
        model.release(d.doc for d in files if d.doc is not None)
        kept = {id(doc) for doc in model.files}
        for d in files:
            if id(d.doc) not in kept:
                read.held.pop(d.file, None)
                d.doc = None

    @staticmethod
    def _register_as_saxon(edition: SiteEdition) -> None:
        """The merged register (made here from the model's entries) kept as its Saxon
        tree, which every page's worker shares: its lxml tree (86 MB for Schnitzler's
        registers) does not stay in the process the workers fork from. What the model
        says of it (its entities, titles) is taken now, once, for the workers that
        render the register pages; one that must locate a message in it makes it
        again from the model (0.2 s, 85 MB), with the same elements and source lines."""
        model = edition.model
        merged = edition.register_doc
        assert merged is not None
        held = render.stand_in(merged, partial(merged_register, model), model)
        if model.__dict__.get("register_document") is merged:  # the model's cached copy
            model.__dict__["register_document"] = held
        model.let_go(merged)
        edition.register_doc = held
        del merged
        gc.collect()

    def _render(
        self, shop: Workshop, todo: list[Job], jobs: int, typst_jobs: int
    ) -> list[JobResult]:
        """Run the jobs, in workers, in two rounds. First the stylesheets: pages, and
        the Typst sources of the PDFs, side by side (heavy jobs one at a time, see
        heavy_job); the sources wait in a scratch folder of the site. Then Typst
        compiles them in workers of its own (a forked process may run Saxon or
        Typst, not both: see teikit.render). This process runs neither, so it stays
        as lean as it was when the workers forked. Once Typst has run in this
        process no forked worker may run it: then the PDFs are compiled here."""
        output = self._output_name
        shop.scratch = Path(tempfile.mkdtemp(prefix=".teikit-", dir=self.out))
        try:
            results = run_jobs(
                partial(run_job, shop),
                todo,
                jobs=jobs,
                timeout=self.timeout,
                on_failure=job_timed_out,
                size=job_size,
                heavy=heavy_job,
                alone=alone_job,
                grow=WORKER_GROWTH,
                recycle=WORKER_JOBS,
                # A PDF's findings are told when it is typeset, a split page's when
                # it is finished.
                **self._steps(
                    "rendering", len(todo),
                    lambda r: () if r.typeset or r.html_path else r.diagnostics,
                    "outputs", output,
                ),
            )  # fmt: skip
            # The large pages, finished each by a worker of its own (Job.split).
            split = [i for i, result in enumerate(results) if result.html_path]
            finished = run_jobs(
                partial(finish_page, shop),
                [(todo[i], results[i]) for i in split],
                jobs=jobs,
                timeout=self.timeout,
                on_failure=lambda item, failure: job_timed_out(item[0], failure),
                size=lambda item: job_size(item[0]),
                heavy=lambda item: True,
                **self._steps(
                    "finishing", len(split), lambda r: r.diagnostics, "pages",
                    lambda item: output(item[0]),
                ),
            )  # fmt: skip
            for i, result in zip(split, finished, strict=True):
                results[i] = result
            # Saxon's work is done: what this process holds of it (the compiled
            # stylesheets, the register's tree) goes before Typst's workers fork,
            # and Typst's compiler (20 MB, with its fonts) is made only now, for them.
            render.unload()
            pdfs = [i for i, result in enumerate(results) if result.typeset]
            if pdfs and typst_jobs > 1:
                render.warm_typst()
            shop.typst = [(todo[i], results[i]) for i in pdfs]
            compiled = run_jobs(
                partial(compile_job, shop),
                list(range(len(pdfs))),
                jobs=typst_jobs,
                timeout=self.timeout,
                on_failure=lambda index, failure: job_timed_out(shop.typst[index][0], failure),
                size=lambda index: job_size(shop.typst[index][0]),
                heavy=lambda index: job_size(shop.typst[index][0]) >= HEAVY_BYTES,
                # Typst lays out a large register's PDF with 150-170 MB of its own
                # (Schnitzler's listplace, listbibl): nothing beside it.
                alone=lambda index: job_size(shop.typst[index][0]) >= HEAVY_BYTES,
                grow=WORKER_GROWTH,
                # Typst already ran here: a forked worker would hang in it (see render)
                isolate=render.typst_forkable(),
                **self._steps(
                    "typesetting", len(pdfs), lambda r: r.diagnostics, "PDFs",
                    lambda index: output(shop.typst[index][0]),
                ),
            )  # fmt: skip
        finally:
            shutil.rmtree(shop.scratch, ignore_errors=True)
            shop.scratch = None
        for i, result in zip(pdfs, compiled, strict=True):
            results[i] = result
        return results

    @staticmethod
    def _output_name(job: Job) -> str:
        return job.page or job.path or FULL_PDF

    def _copies(self, edition: SiteEdition, hashes: dict[str, str]) -> None:
        """The TEI sources, byte for byte, for the downloads page."""
        for d in edition.order:
            rel = f"downloads/tei/{d.page[:-5]}.xml"
            key = key_of(hashes[d.file], "copy")
            if self.outputs.fresh(rel, key):
                self.outputs.keep(rel)
            else:
                try:
                    data = d.data if d.data is not None else read_regular(d.path)
                except LoadError as exc:  # gone since it was read
                    self._fail_or_note(exc.diagnostics, f"cannot copy {d.file}")
                    continue
                self.outputs.put(rel, key, data)

    def _assets(self) -> None:
        """teikit's page assets and the site's own (search.js, site.css, the icon)."""
        key = key_of(self.fingerprint, "assets")
        sources = [p for p in sorted(render.ASSETS_DIR.iterdir()) if p.suffix in (".css", ".js")]
        sources += [p for p in sorted(SITE_DATA.iterdir()) if p.suffix in (".css", ".js", ".svg")]
        for path in sources:
            rel = f"assets/{path.name}"
            if self.outputs.fresh(rel, key):
                self.outputs.keep(rel)
            else:
                self.outputs.put(rel, key, path.read_bytes())

    # -- pages made from the whole edition

    def _edition_outputs(
        self,
        edition: SiteEdition,
        chrome: Chrome,
        entities: Entities,
        pages: Pages,
        key: str,
    ) -> None:
        def put(rel: str, data: bytes) -> None:
            self.outputs.put(rel, key, data, group="edition")

        # The data exports and the register sections (each with every occurrence):
        # the longest work on the edition's own pages, made here, one after the
        # other, once the page workers are gone. A forked worker copied the parent's
        # pages whose objects it read (each reference count it wrote): the CSV
        # export 440-520 MB of its own, a register section 370, on top of the
        # parent's 790 MB; made here they add only what they allocate.
        exports = [("export", fmt) for fmt, _, _ in EXPORTS]
        sections = [("section", page) for _, _, page, _ in edition.sections]
        sections += [("section", REGISTER_PAGE)]  # the merged registers' index page
        sections = [item for item in sections if item[1] in pages.sections]
        shop = self.shop
        shop.site = SiteContext(
            edition, chrome, entities, str(self.source), self.outputs, self._export_options(), pages
        )
        items = exports + sections
        source = str(self.source)

        def make(item: tuple[str, str]) -> JobResult:
            try:
                return edition_job(shop, item)
            except Exception as exc:  # a finding, as a worker's failure was: the build goes on
                detail = f"{type(exc).__name__}: {' '.join(str(exc).split())}"[:500]
                return JobResult(None, [diag(source, f"cannot make {item[1]}: {detail}",
                                             "render-failed")])  # fmt: skip

        # What the parent holds is out of the collector's sight meanwhile: each full
        # collection would walk the entity index and the pages' facts to free nothing.
        gc.freeze()
        try:
            done = run_jobs(
                make,
                items,
                jobs=1,
                isolate=False,
                **self._steps(
                    "writing", len(items), lambda r: r.diagnostics, "outputs", lambda i: i[1]
                ),
            )
            made = dict(zip(items, done, strict=True))
        finally:
            gc.unfreeze()
            shop.site, shop.loaded = None, {}
        exported: dict[str, list[str]] = {}
        for kind, name in sections + exports:  # the sections' findings first, as ever
            result = made[(kind, name)]
            self.report.diagnostics.extend(result.diagnostics)
            for stored in result.stored or []:
                self.outputs.record(stored, key, group="edition")
            if kind == "export" and result.stored is not None:
                exported[name] = [stored.rel for stored in result.stored]
        if edition.letters():
            put(CHRONOLOGY, serialize(chronology(edition, chrome, entities)))
        if PRINCIPLES in pages.sections:
            root = parse_page(pages.sections[PRINCIPLES])
            chrome.decorate(root, PRINCIPLES, self.report.diagnostics)
            put(PRINCIPLES, serialize(root))
        intro = None
        with contextlib.suppress(etree.ParserError, UnicodeDecodeError):
            intro = parse_page(pages.intro) if pages.intro is not None else None
        put(HOME, serialize(home(edition, chrome, entities, intro, self.base_url)))
        pieces = search_index(edition, entities, pages.facts, chrome.msg)
        self.outputs.record(self.outputs.store_pieces(SEARCH_INDEX, pieces), key, group="edition")
        put(SEARCH, serialize(search_page(edition, chrome)))
        put(DOWNLOADS, serialize(downloads(edition, chrome, self.outputs, exported, self.pdf)))

    def _export_options(self) -> ExportOptions:
        cmif = self.cmif or CmifOptions()
        if self.base_url and cmif.cmif_url is None:
            cmif = dataclasses.replace(
                cmif, cmif_url=f"{self.base_url}downloads/data/{EXPORTS[0][1]}"
            )
        return ExportOptions(base_url=self.base_url, cmif=cmif)

    def _write_manifest(self, validated: str | None) -> None:
        manifest = {
            "format": MANIFEST_FORMAT,
            "teikit": teikit.__version__,
            "fingerprint": self.fingerprint,
            "validated": validated,
            "findings": self.findings,  # of the last validation with errors (keep_going)
            "outputs": dict(sorted(self.outputs.new.items())),
        }
        data = json.dumps(manifest, indent=1, ensure_ascii=False).encode("utf-8") + b"\n"
        render.write_atomic(safe_output_path(self.out, MANIFEST_NAME), data)
