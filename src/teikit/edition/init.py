"""``teikit init``: a commented ``teikit.toml`` written from what the files show.

Every value it writes is one teikit found (or would detect anyway), so the file
works as it is; the comments say where each came from and what else can go there.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

from teikit.edition import Edition
from teikit.edition.config import CONFIG_NAME
from teikit.reading import text_value

__all__ = ["detect_key_mode", "init_text", "write_init"]


def _toml(value: object) -> str:
    """A TOML string or list of strings (JSON's escapes are TOML's)."""
    return json.dumps(value, ensure_ascii=False)


def detect_key_mode(edition: Edition) -> tuple[str, int, int]:
    """Whether the edition's ``@key`` values are ids (``id``) or names (``name``), with
    how many resolve each way."""
    as_id = as_name = 0
    registers = edition.registers
    for doc in edition.documents:
        for value in doc.root.xpath("//@key"):
            text = str(value).strip()
            if not text:
                continue
            ident = text.partition("#")[2] or text
            if registers.with_xml_id(ident):
                as_id += 1
            elif registers.with_name(text):
                as_name += 1
    return ("name" if as_name > as_id else "id"), as_id, as_name


def _header_text(edition: Edition, path: str) -> str:
    source = edition.edition_file or (edition.order[0] if edition.order else None)
    if source is None:
        return ""
    found = source.root.xpath(path, namespaces={"t": "http://www.tei-c.org/ns/1.0"})
    return text_value(found[0]) if found else ""


def init_text(edition: Edition) -> str:
    """The text of a ``teikit.toml`` for ``edition``, with comments."""
    kinds = Counter(edition.kind(d) for d in edition.documents)
    found_kinds = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
    lines = [
        "# teikit.toml: the configuration of the edition in this folder.",
        "# Written by `teikit init` from what it found in the files; every key is optional",
        "# (remove one and teikit detects it again). Options on the command line win over",
        "# this file. Every key is described in teikit's docs/configuration.md.",
        f"# Found: {found_kinds}; {len(edition.registers)} register entities.",
        "",
    ]
    source = edition.title_source[1]
    if source == "edition-file" and edition.edition_file is not None:
        where = f"the edition file {edition.relpath(edition.edition_file)}"
    elif source == "series":
        where = "the series title the documents share"
    else:
        where = "the folder's name: give the edition's real title"
    lines += [f"# The edition's title (from {where}).", f"title = {_toml(edition.title)}"]
    if edition.languages:
        lines += [
            "# Languages of the documents, most used first (from their langUsage).",
            f"languages = {_toml(list(edition.languages[:5]))}",
        ]
    lines += [
        "# Where the edition is published: citations, CMIF and linked data use it.",
        '# base_url = "https://example.org/edition/"',
        "# Files in this folder that are not part of the edition (globs).",
        '# exclude = ["drafts/**"]',
        "",
        "[registers]",
    ]
    files = sorted(
        {edition.relpath(e.doc) for e in edition.registers if edition.kind(e.doc) == "register"}
    )
    inline = len(edition.registers.documents) - len(files)
    if files:
        lines += [
            f"# The register files ({len(files)} found). Registers inside the documents",
            "# (standOff, <back>, particDesc) are read wherever they are.",
            f"files = {_toml(files)}",
        ]
    else:
        lines += [
            "# No register files found; registers inside the documents (standOff, <back>,",
            f"# particDesc: {inline} documents hold some) are read wherever they are.",
            '# files = ["register/persons.xml", "register/places.xml"]',
        ]
    lines += [
        '# particDesc lists belong to their document ("document", a play\'s cast) or to',
        '# the whole edition ("edition").',
        '# particdesc = "document"',
        "",
        "[pointers]",
    ]
    mode, as_id, as_name = detect_key_mode(edition)
    lines += [
        '# What @key holds: "id" (an xml:id or a pointer such as #p1 or persons.xml#p1) or',
        '# "name" (matched against the entries\' @n and names).',
        f"# Found: {as_id} @key values name an id, {as_name} a name.",
        f"key = {_toml(mode)}",
        "# Match authority URIs (GND, VIAF, Wikidata, GeoNames, PMB …) in pointers against",
        "# the registers' idno, @sameAs and @ref.",
        "authority = true",
        "",
        "[cmif]",
        "# What a CMIF file for correspSearch needs and the TEI does not say.",
    ]
    editor = _header_text(edition, "//t:titleStmt/t:editor")
    publisher = _header_text(edition, "//t:publicationStmt/t:publisher")
    lines.append(f"editor = {_toml(editor)}" if editor else '# editor = "Name of the editor"')
    lines += [
        '# email = "editor@example.org"',
        '# licence = "CC-BY-4.0"  # or "CC0-1.0"',
        f"publisher = {_toml(publisher)}" if publisher else '# publisher = "Publisher"',
        '# publisher_url = "https://example.org/"',
        '# url = "https://example.org/edition/cmif.xml"',
        "",
        "[rules]",
        "# The integrity rules (pointers resolve, registers given, dates plausible) run",
        "# with `teikit validate` and `teikit build` when enabled (or with --rules).",
        "enabled = false",
        "# Declare that an xml:id names one thing in the whole edition (TEI asks for this",
        "# within a file only; <lb/> and <pb/> ids are never counted).",
        "# ids_unique_across_files = true",
        "",
        "[rules.severity]",
        '# Each rule: "off", "info", "warning" or "error" (see docs/configuration.md).',
        '# register-entry-unused = "warning"',
        '# correspdesc-no-date = "warning"',
        "",
        "[site]",
        "# A stylesheet that imports teikit's site profile and overrides its hooks.",
        '# profile = "site-profile.xsl"',
        "# pdf = true",
        "",
        "[documents]",
        "# Kinds by file (globs), where teikit's guess is wrong: letter, register,",
        "# introduction, drama, edition, other.",
        '# "about.xml" = "introduction"',
        "",
    ]
    return "\n".join(lines)


def write_init(folder: str | os.PathLike[str], *, force: bool = False) -> tuple[Path, str]:
    """Write ``teikit.toml`` into ``folder`` from what the files there show; returns
    the path and the text. Raises :class:`FileExistsError` when one exists (unless
    ``force``)."""
    target = Path(folder) / CONFIG_NAME
    if target.exists() and not force:
        raise FileExistsError(str(target))
    from teikit.batch import write_atomic
    from teikit.edition.config import Config

    edition = Edition.open(folder, config=Config(root=Path(folder).resolve()))
    text = init_text(edition)
    write_atomic(target, text.encode("utf-8"))
    return target, text
