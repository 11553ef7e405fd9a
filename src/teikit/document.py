"""The one hardened XML loader of teikit.

Every engine (validation, indexing, transformation, publishing) gets its
documents from :func:`load`, so the security and robustness rules live here
and nowhere else:

* no network and no file access beyond the document itself: external DTDs and
  entities are never loaded, a refusing :class:`lxml.etree.Resolver` is
  installed as a backstop, and documents that *declare* entities are rejected
  before lxml sees them (this also defuses "billion laughs" bombs);
* bounded input: size is checked before reading/parsing, element depth after;
* precise, one-line FATAL diagnostics with a stable ``code`` for every way a
  file can fail (missing, unreadable, empty, badly encoded, malformed, not TEI).

Anything wrong with the *input* surfaces as :class:`teikit.errors.LoadError`
carrying exactly one :class:`teikit.errors.Diagnostic`.
"""

from __future__ import annotations

import codecs
import functools
import os
import re
import stat
import sys
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple
from urllib.parse import quote

from lxml import etree

from teikit.errors import Diagnostic, LoadError, Severity

__all__ = [
    "MAX_BYTES",
    "MAX_DEPTH",
    "TEI_NS",
    "Document",
    "load",
    "load_many",
    "read_regular",
]

TEI_NS = "http://www.tei-c.org/ns/1.0"
EG_NS = "http://www.tei-c.org/ns/Examples"  # namespace of <egXML> examples
XML_NS = "http://www.w3.org/XML/1998/namespace"

MAX_BYTES: int = 64 * 1024 * 1024  # default size bound
MAX_DEPTH: int = 256  # default element nesting bound (root element = depth 1)

_XML_ID = f"{{{XML_NS}}}id"
_LAZY = frozenset({"ids", "duplicate_ids"})  # what a document loaded with ids=False lacks
_TEI_ROOTS = frozenset({f"{{{TEI_NS}}}TEI", f"{{{TEI_NS}}}teiCorpus"})
_STDIN = "<stdin>"
_BYTES = "<bytes>"
_MAX_MESSAGE = 300  # libxml2 may quote names/values; never echo megabytes into a diagnostic
_CHUNK = 1 << 20  # decode/validate in 1 MiB slices: bounded extra memory
_HEAD = 1 << 12  # the prolog (XML declaration, DOCTYPE) is nearly always in the first 4 KiB
# At or above this, the XPath depth probe is pointless: libxml2 itself refuses anything
# deeper than 257 levels (2048 with huge_tree, which we never enable).
_DEPTH_PROBE_LIMIT = 1024


# --------------------------------------------------------------------------- Document


@dataclass
class Document:
    """A parsed XML document plus what the loader learned about it."""

    path: str  # display form given by the caller; "<stdin>" for stdin
    tree: etree._ElementTree
    root: etree._Element
    ids: dict[str, etree._Element] = field(default_factory=dict)  # xml:id -> first element
    duplicate_ids: list[tuple[str, int, int]] = field(default_factory=list)  # (id, line, first)
    xml_models: list[dict[str, str]] = field(default_factory=list)  # <?xml-model?> before root
    encoding: str = "UTF-8"
    # For a TEI document inside a teiCorpus: its xml:id (else TEI1, TEI2 …), and
    # ``root`` is that TEI element; "" for a whole file (teikit.edition.documents.parts).
    part: str = ""
    # Whether any attribute may hold ".xml" (a pointer into another file): False when
    # the loader saw that the bytes cannot (see _may_name_xml), so that the edition
    # model need not search the attributes of a register of 20,000 entries for one.
    may_name_xml: bool = True

    def __getattr__(self, name: str) -> Any:
        # Only for attributes not set: ``ids`` and ``duplicate_ids`` of a document
        # loaded with ``ids=False``, collected the first time they are asked for.
        if name in _LAZY and "root" in self.__dict__:
            self.ids, self.duplicate_ids = _collect_ids(self.root)
            return self.__dict__[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @property
    def is_tei(self) -> bool:
        """Root is ``TEI`` or ``teiCorpus`` in the TEI namespace."""
        return self.root.tag in _TEI_ROOTS

    def title(self) -> str:
        """The document's own title, as the edition model reads it
        (:func:`teikit.edition.documents.document_title`: ``title[@type='main']`` or
        ``[@level='a']`` first); the file stem when the header has none."""
        from teikit.edition.documents import document_title  # the model imports this module

        return document_title(self)

    def xpath_of(self, el: etree._Element) -> str:
        """A readable XPath for ``el``: ``/TEI/text/body/div[2]/p[3]/persName``.

        Steps use local names without prefixes; a position is added only when
        siblings share the local name, so the path stays short but unambiguous.
        """
        steps: list[str] = []
        node: etree._Element | None = el
        while node is not None:
            steps.append(_xpath_step(node))
            node = node.getparent()
        return "/" + "/".join(reversed(steps))


def _xpath_step(node: etree._Element) -> str:
    tag = node.tag
    if isinstance(tag, str):
        local = tag.rpartition("}")[2]  # the local name, without making a QName
        name, match = local, "{*}" + local  # "{*}x": any (or no) namespace, matched in C
    elif tag is etree.Comment:
        name, match = "comment()", etree.Comment
    elif tag is etree.ProcessingInstruction:
        name, match = "processing-instruction()", etree.ProcessingInstruction
    else:  # entity reference: not addressable in XPath, name it like text
        return "text()"
    before = sum(1 for _ in node.itersiblings(match, preceding=True))
    if before or next(node.itersiblings(match), None) is not None:
        return f"{name}[{before + 1}]"
    return name


# --------------------------------------------------------------------------- failures


class _Fail(Exception):
    """Internal: one located failure, turned into a LoadError by :func:`load`."""

    def __init__(self, code: str, message: str, line: int = 0, column: int = 0) -> None:
        super().__init__(message)
        self.code, self.message, self.line, self.column = code, message, line, column


def _load_error(display: str, fail: _Fail) -> LoadError:
    diag = Diagnostic(
        file=display,
        line=fail.line,
        column=fail.column,
        severity=Severity.FATAL,
        message=" ".join(fail.message.split()),
        code=fail.code,
        source="xml",
    )
    return LoadError(diag.format(), [diag])


def _line_col(text: str, pos: int) -> tuple[int, int]:
    """1-based line and column of character offset ``pos`` in ``text``."""
    line = text.count("\n", 0, pos) + 1
    return line, pos - text.rfind("\n", 0, pos)


# --------------------------------------------------------------------------- reading


def _read_path(fs_path: str, max_bytes: int) -> bytes:
    """Read a file, checking existence, kind, permission and size before reading.

    Only regular files: a pipe, a device or ``/dev/stdin`` named where a file is
    expected would block the batch (``-`` reads standard input). The file is
    opened without blocking and checked on the open descriptor, so it cannot be
    swapped for a pipe between the check and the read."""
    try:
        fd = os.open(fs_path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | _O_CLOEXEC)
    except (FileNotFoundError, NotADirectoryError):
        hint = " (pass XML content as bytes, not str)" if fs_path.lstrip().startswith("<") else ""
        raise _Fail("file-not-found", f"no such file{hint}") from None
    except PermissionError:
        raise _Fail("permission-denied", "permission denied (cannot read the file)") from None
    except IsADirectoryError:
        raise _Fail("is-directory", "is a directory, not a file") from None
    except ValueError:  # e.g. embedded NUL byte in the path
        raise _Fail("file-not-found", "no such file (invalid path)") from None
    except OSError as exc:
        raise _Fail("read-error", f"cannot open file: {exc.strerror or exc}") from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise _Fail("is-directory", "is a directory, not a file")
        if not stat.S_ISREG(st.st_mode):
            raise _Fail(
                "not-a-file",
                "not a regular file (a pipe, device or socket): not read; "
                "give - to read standard input",
            )
        if st.st_size > max_bytes:
            # Why: refuse before reading a single byte, so memory stays bounded.
            raise _too_large(st.st_size, max_bytes)
        os.set_blocking(fd, True)
        # Read what stat promised (+1 to notice growth), never more than the bound.
        data = _read_fd(fd, st.st_size + 1)
        if st.st_size < len(data) <= max_bytes:
            data += _read_fd(fd, max_bytes + 1 - len(data))
    except IsADirectoryError:
        raise _Fail("is-directory", "is a directory, not a file") from None
    except OSError as exc:
        raise _Fail("read-error", f"cannot read file: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        raise _too_large(None, max_bytes)
    return data


_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


def _read_fd(fd: int, size: int) -> bytes:
    """Up to ``size`` bytes from ``fd``, fewer only at the end of the file. Plain
    reads: a buffered file object around the descriptor costs more than reading
    a letter."""
    parts = []
    while size > 0:
        chunk = os.read(fd, size)
        if not chunk:
            break
        parts.append(chunk)
        size -= len(chunk)
    return parts[0] if len(parts) == 1 else b"".join(parts)


def _url_safe(fs_path: str) -> str:
    """A path for lxml's base URL, which must be UTF-8: a name that is not
    (surrogate-escaped by Python) goes percent-encoded."""
    try:
        fs_path.encode("utf-8")
    except UnicodeEncodeError:
        return quote(os.fsencode(fs_path))
    return fs_path


def read_regular(path: str | os.PathLike[str], max_bytes: int = MAX_BYTES) -> bytes:
    """The bytes of a regular file of at most ``max_bytes``, checked before
    reading; raises :class:`LoadError` (one diagnostic) for anything else:
    missing, unreadable, a folder, a pipe or device, too large."""
    display = os.fsdecode(path)
    try:
        return _read_path(display, max_bytes)
    except _Fail as fail:
        raise _load_error(display, fail) from None


def _read_stdin(max_bytes: int) -> bytes:
    try:
        data = sys.stdin.buffer.read(max_bytes + 1)
    except (AttributeError, OSError, ValueError) as exc:  # closed / captured / text-only stdin
        raise _Fail("read-error", f"cannot read standard input: {exc}") from None
    if len(data) > max_bytes:
        raise _too_large(None, max_bytes, "standard input")
    return data


def _too_large(size: int | None, max_bytes: int, what: str = "file") -> _Fail:
    actual = f"{what} is {size:,} bytes," if size is not None else f"{what} is"
    return _Fail(
        "file-too-large",
        f"{actual} larger than the limit of {max_bytes:,} bytes (max_bytes); not parsed",
    )


# --------------------------------------------------------------------------- encoding


class _Encoding(NamedTuple):
    codec: str  # Python codec for the bytes after the BOM
    name: str  # display name: as declared, else derived from the BOM, else UTF-8
    bom_len: int
    declared: bool = False  # named in the XML declaration (else BOM or the UTF-8 default)


_BOMS: tuple[tuple[bytes, str, str], ...] = (
    (codecs.BOM_UTF8, "utf-8", "UTF-8"),
    # UTF-32 before UTF-16: the UTF-32-LE BOM starts with the UTF-16-LE one.
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32LE"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32BE"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16LE"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16BE"),
)
_WS_CLASS = "[ \t\r\n]"
_XML_DECL_RE = re.compile(
    rf"<\?xml{_WS_CLASS}+version{_WS_CLASS}*={_WS_CLASS}*([\"'])[^\"']*\1"
    rf"(?:{_WS_CLASS}+encoding{_WS_CLASS}*={_WS_CLASS}*([\"'])([^\"']*)\2)?"
)
_ENC_NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9._-]*\Z")  # XML EncName production


def _family(codec: str) -> str:
    """``"utf-16"``/``"utf-32"`` for those codecs (not ASCII-compatible), else ``""``."""
    for family in ("utf-16", "utf-32"):
        if codec.startswith(family):
            return family
    return ""


def _sniff_encoding(data: bytes) -> _Encoding:
    """Work out the encoding from BOM and XML declaration; reject contradictions."""
    codec, name, bom_len = "utf-8", "UTF-8", 0
    for bom, bom_codec, bom_name in _BOMS:
        if data.startswith(bom):
            codec, name, bom_len = bom_codec, bom_name, len(bom)
            break
    else:
        # XML 1.0 §4.3.3: UTF-16/32 entities MUST start with a BOM. Sniff "<\0" / "\0<".
        if data[:4] in (b"\x00\x00\x00<", b"<\x00\x00\x00"):
            raise _Fail(
                "bad-encoding",
                "looks like UTF-32 without a byte order mark; save it as UTF-8",
                1,
                1,
            )
        if len(data) >= 2 and (
            (data[0] == 0 and 0 < data[1] < 0x80) or (data[1] == 0 and 0 < data[0] < 0x80)
        ):
            order = "big" if data[0] == 0 else "little"
            raise _Fail(
                "bad-encoding",
                f"looks like UTF-16 ({order}-endian) without a byte order mark; "
                "save it as UTF-8 (or as UTF-16 with a BOM)",
                1,
                1,
            )
        if data[0] == 0:
            raise _Fail(
                "bad-encoding",
                "starts with a NUL byte: not an XML text file (corrupt, binary, or "
                "UTF-16/32 without a byte order mark)",
                1,
                1,
            )
    head_bytes = data[bom_len : bom_len + 1024]
    head = head_bytes.decode(codec if bom_len else "latin-1", "replace")
    decl = _XML_DECL_RE.match(head)
    if not decl or decl.group(3) is None:
        return _Encoding(codec, name, bom_len)  # nothing declared: BOM or UTF-8 default

    declared = decl.group(3)
    line, col = _line_col(head, decl.start(3))
    if not _ENC_NAME_RE.match(declared):
        raise _Fail(
            "bad-encoding", f"invalid encoding name {declared!r} in the XML declaration", line, col
        )
    try:
        declared_codec = codecs.lookup(declared).name
        "<".encode(declared_codec)  # rejects non-text codecs such as "rot13" or "base64"
        if declared_codec == "utf-7":  # classic filter-evasion encoding ("+ADw-" is "<")
            raise LookupError(declared)
    except LookupError:
        raise _Fail(
            "bad-encoding",
            f"unknown or unsupported encoding {declared!r} declared in the XML declaration",
            line,
            col,
        ) from None
    if bom_len:
        same = _family(declared_codec) == _family(codec) and (
            _family(codec) or declared_codec == "utf-8"
        )
        if not same:
            raise _Fail(
                "bad-encoding",
                f"the byte order mark says {name} but the XML declaration says {declared!r}",
                line,
                col,
            )
        return _Encoding(codec, declared, bom_len, True)
    if _family(declared_codec) or "<?xml".encode(declared_codec) != b"<?xml":
        # The declaration was readable as ASCII, so the bytes cannot be in this encoding.
        raise _Fail(
            "bad-encoding",
            f"encoding {declared!r} is declared but the bytes are not in it "
            "(no byte order mark, the declaration itself is 8-bit); fix the declaration",
            line,
            col,
        )
    return _Encoding(declared_codec, declared, 0, True)


def _first_decode_error(data: bytes, codec: str, start: int) -> UnicodeDecodeError | None:
    """Strictly decode ``data[start:]`` in 1 MiB slices, keeping nothing.

    Returns the first error with ``.start`` rewritten to an absolute byte offset.
    """
    view = memoryview(data)
    if len(data) - start <= _CHUNK:  # one slice: decoded at once, no decoder to make
        try:
            codecs.decode(view[start:], codec)
        except UnicodeDecodeError as exc:
            exc.start += start
            return exc
        return None
    decoder = codecs.getincrementaldecoder(codec)("strict")
    pos = start
    while True:
        end = min(pos + _CHUNK, len(data))
        pending = len(decoder.getstate()[0])  # bytes held back from the previous slice
        try:
            decoder.decode(view[pos:end], final=end >= len(data))
        except UnicodeDecodeError as exc:
            exc.start = max(start, pos - pending + exc.start)
            return exc
        if end >= len(data):
            return None
        pos = end


def _is_single_byte(codec: str) -> bool:
    # Every byte one character: Latin-1, Windows-125x, ISO-8859-x, KOI8 … (not CJK codecs).
    return len(bytes(range(256)).decode(codec, "replace")) == 256


def _check_bytes(data: bytes, enc: _Encoding) -> None:
    """Validate the whole document against its encoding before libxml2 sees it.

    Why here and not via libxml2: Python gives the exact byte offset, behaves
    the same on every libxml2 version, and catches mojibake libxml2 accepts.
    """
    if enc.codec == "utf-8" and data.isascii():
        return  # the common case, checked in C without copying
    error = _first_decode_error(data, enc.codec, enc.bom_len)
    if error is not None:
        offset = error.start
        bad = data[offset : offset + 4].hex(" ").upper()
        line, col = _byte_line_col(data, enc, offset)
        assumed = "" if enc.declared or enc.bom_len else " (no encoding declared, so UTF-8 assumed)"
        raise _Fail(
            "bad-encoding",
            f"not valid {enc.name}{assumed}: cannot decode byte(s) 0x{bad.split()[0]} at byte "
            f"offset {offset} (line {line}, column {col}); declare the real encoding in the "
            "XML declaration or convert the file",
            line,
            col,
        )
    if (
        enc.codec != "utf-8"
        and not _family(enc.codec)
        and not data.isascii()
        and _is_single_byte(enc.codec)
        and _first_decode_error(data, "utf-8", 0) is None
    ):
        # Why: Latin-1 & co. decode *any* bytes, so a UTF-8 file mislabelled as 8-bit
        # would load as silent mojibake ("Ã©"). Genuine 8-bit text is practically
        # never also valid UTF-8 with non-ASCII characters.
        first = re.search(rb"[\x80-\xff]", data)
        where = _byte_line_col(data, enc, first.start() if first else 0)
        head = data[:1024].decode("latin-1")
        decl = _XML_DECL_RE.match(head)
        line, col = _line_col(head, decl.start(3)) if decl else (1, 1)
        raise _Fail(
            "bad-encoding",
            f"encoding {enc.name!r} is declared but the content is UTF-8 (first non-ASCII "
            f"character at line {where[0]}, column {where[1]} would be misread); "
            'declare encoding="UTF-8"',
            line,
            col,
        )


def _byte_line_col(data: bytes, enc: _Encoding, offset: int) -> tuple[int, int]:
    """1-based line/column (in characters) of byte ``offset``; used on error paths only."""
    if not _family(enc.codec):  # ASCII-compatible: count newlines without decoding
        line = data.count(b"\n", enc.bom_len, offset) + 1
        line_start = max(enc.bom_len, data.rfind(b"\n", 0, offset) + 1)
        return line, len(data[line_start:offset].decode(enc.codec, "replace")) + 1
    prefix = data[enc.bom_len : offset].decode(enc.codec, "replace")
    return _line_col(prefix, len(prefix))


# --------------------------------------------------------------------------- prolog scan


class _NeedMore(Exception):
    """Internal: the decoded head ended inside the prolog; decode more."""


class _Prolog(NamedTuple):
    text: str  # decoded head the offsets refer to
    root_at: int | None  # offset of the root start tag, if found
    # (offset, name, external) of each <!ENTITY> in the DOCTYPE internal subset
    entities: tuple[tuple[int, str, bool], ...]


_DECL_STOP_RE = re.compile(r"[\"'>]")
_ENTITY_RE = re.compile(r"<!ENTITY\s+(%\s+)?([^\s\"'>]+)\s*(SYSTEM|PUBLIC)?")


def _scan_prolog(text: str, complete: bool) -> _Prolog:
    """Find the root start tag and any entity declarations before it.

    Only the prolog is scanned (XML declaration, comments, PIs, DOCTYPE), with
    just enough syntax to skip quoted strings and comments. Anything it does
    not understand is left for libxml2 to report as malformed.
    """
    n = len(text)
    entities: list[tuple[int, str, bool]] = []

    def out_of_text() -> _Stop | _NeedMore:
        return _Stop() if complete else _NeedMore()

    def find(sub: str, start: int) -> int:
        j = text.find(sub, start)
        if j < 0:
            raise out_of_text()
        return j

    def skip_ws(i: int) -> int:
        while i < n and text[i] in " \t\r\n":
            i += 1
        if not complete and n - i < 16:  # a token may straddle the end of the head
            raise _NeedMore
        if i >= n:
            raise _Stop
        return i

    def skip_decl(i: int) -> int:  # to the ">" closing a markup declaration, quotes aware
        while True:
            m = _DECL_STOP_RE.search(text, i)
            if m is None:
                raise out_of_text()
            if m.group() == ">":
                return m.end()
            i = find(m.group(), m.end()) + 1

    i = 0
    try:
        while True:
            i = skip_ws(i)
            if text.startswith("<?", i):
                i = find("?>", i + 2) + 2
            elif text.startswith("<!--", i):
                i = find("-->", i + 4) + 3
            elif text.startswith("<!DOCTYPE", i):
                i += 9
                while True:  # name and external ID, up to "[" or ">"
                    i = skip_ws(i)
                    c = text[i]
                    if c in "\"'":
                        i = find(c, i + 1) + 1
                    elif c in "[>":
                        i += 1
                        break
                    else:
                        i += 1
                if c == "[":
                    while True:  # internal subset
                        i = skip_ws(i)
                        if text[i] == "]":
                            i = find(">", i) + 1
                            break
                        if text.startswith("<!--", i):
                            i = find("-->", i + 4) + 3
                        elif text.startswith("<?", i):
                            i = find("?>", i + 2) + 2
                        elif text.startswith("<!", i):
                            m = _ENTITY_RE.match(text, i)
                            if m:
                                name = ("%" if m.group(1) else "") + m.group(2)
                                entities.append((i, name, m.group(3) is not None))
                            i = skip_decl(i + 2)
                        elif text[i] == "%":  # parameter-entity reference
                            i = find(";", i) + 1
                        else:
                            raise _Stop
            elif text.startswith("<", i):
                return _Prolog(text, i, tuple(entities))
            else:
                raise _Stop
    except _Stop:
        return _Prolog(text, None, tuple(entities))


class _Stop(Exception):
    """Internal: end of input or unexpected syntax; stop scanning."""


def _read_prolog(data: bytes, enc: _Encoding) -> _Prolog:
    size = _HEAD
    while True:
        end = min(len(data), enc.bom_len + size)
        complete = end >= len(data)
        decoder = codecs.getincrementaldecoder(enc.codec)("replace")
        text = decoder.decode(memoryview(data)[enc.bom_len : end], final=complete)
        try:
            return _scan_prolog(text, complete)
        except _NeedMore:
            size *= 8  # a giant comment before the root: rare, grow geometrically


def _check_entities(prolog: _Prolog) -> None:
    if not prolog.entities:
        return
    external = [e for e in prolog.entities if e[2]]
    pos, name, _ = (external or list(prolog.entities))[0]
    line, col = _line_col(prolog.text, pos)
    if external:
        raise _Fail(
            "external-entity",
            f"external entity {name!r} is not allowed: teikit never reads files or URLs "
            "named by a document",
            line,
            col,
        )
    raise _Fail(
        "entity-declaration",
        f"entity declarations are not supported, for security (entity {name!r} declared in "
        "the DOCTYPE); use the characters themselves or character references (&#x...;)",
        line,
        col,
    )


# --------------------------------------------------------------------------- parsing


class _RefuseAll(etree.Resolver):
    """Answer every external resource request with empty content, and remember it.

    Not just a backstop: lxml implements ``collect_ids=False`` by setting libxml2's
    ``loadsubset`` flag, which makes libxml2 fetch the external DTD subset even with
    ``load_dtd=False``. Without this resolver a ``<!DOCTYPE x SYSTEM "file:...">``
    would be read from disk (``no_network`` only stops network fetches).
    """

    def __init__(self) -> None:
        super().__init__()
        self.refused: list[str] = []

    def resolve(self, system_url: str | None, public_id: str | None, context: object) -> object:
        self.refused.append(str(system_url or public_id))
        return self.resolve_string("", context)


def _new_parser() -> tuple[etree.XMLParser, _RefuseAll]:
    parser = etree.XMLParser(
        no_network=True,
        resolve_entities=False,
        load_dtd=False,
        dtd_validation=False,
        attribute_defaults=False,
        huge_tree=False,  # keep libxml2's own depth/size safety limits
        collect_ids=False,  # repeated xml:id (e.g. inside <egXML>) is reported, not fatal
        recover=False,
        remove_blank_text=False,
    )
    resolver = _RefuseAll()
    parser.resolvers.add(resolver)
    return parser, resolver


_PARSERS = threading.local()


def _parser() -> etree.XMLParser:
    """This thread's parser (lxml parsers must not be shared across threads),
    made once: a new one for each document costs 40 % more than the parse of
    a letter. lxml empties its error log at the start of each parse."""
    parser = getattr(_PARSERS, "parser", None)
    if parser is None:
        parser, resolver = _new_parser()
        _PARSERS.parser, _PARSERS.resolver = parser, resolver
    _PARSERS.resolver.refused.clear()
    return parser


_LOCATION_SUFFIX_RE = re.compile(r",? line \d+, column \d+.*\Z")


def _clean_message(raw: str) -> str:
    message = _LOCATION_SUFFIX_RE.sub("", " ".join(str(raw).split()))
    return message if len(message) <= _MAX_MESSAGE else message[:_MAX_MESSAGE] + "…"


def _syntax_fail(log: etree._ListErrorLog, exc: etree.XMLSyntaxError, max_depth: int) -> _Fail:
    """Turn libxml2's *first* error (the cause; later ones are fallout) into a _Fail."""
    entries = [e for e in log if e.level >= etree.ErrorLevels.ERROR]
    if entries:
        first = entries[0]
        raw, line, col, kind = first.message, first.line, first.column, first.type_name
    else:
        line, col = exc.position if exc.position else (0, 0)
        raw, kind = str(exc.msg or exc), ""
    message = _clean_message(raw)
    # Classify by libxml2's error type, or by a message *prefix*: the rest of a message
    # quotes element names, and TEI has elements such as <depth> and <encodingDesc>.
    if message.startswith("Excessive depth"):
        found = re.search(r"\d+", message)
        limit = min(max_depth, int(found.group())) if found else max_depth
        return _Fail("too-deep", f"elements are nested more than {limit} levels deep", line, col)
    if "ENCODING" in kind or message.startswith(("Input is not proper UTF-8", "Document labelled")):
        return _Fail("bad-encoding", message, line, col)
    if kind.endswith("_UNDECLARED_ENTITY"):
        return _Fail("undefined-entity", _undefined_entity_message(message), line, col)
    if kind == "ERR_DOCUMENT_EMPTY":
        return _Fail("not-well-formed", "not well-formed: no root element", line, col)
    return _Fail("not-well-formed", f"not well-formed: {message}", line, col)


def _parse(data: bytes, base_url: str | None, max_depth: int) -> etree._Element:
    parser = _parser()
    try:
        root = etree.fromstring(data, parser, base_url=base_url)
    except etree.XMLSyntaxError as exc:
        # parser.error_log, not exc.error_log: the latter is lxml's thread-global log
        # and still holds errors from earlier, unrelated parses.
        raise _syntax_fail(parser.error_log, exc, max_depth) from None
    tree = root.getroottree()
    if tree.docinfo.doctype:  # only documents with a DOCTYPE can hold these
        _check_doctype_leftovers(tree, root, parser.error_log)
    if max_depth < min(_DEPTH_PROBE_LIMIT, _parser_depth_limit()):
        # XPath runs in C: "/*/*/…" with max_depth+1 steps finds the first too-deep element.
        probe = root.xpath("(/" + "/".join(["*"] * (max_depth + 1)) + ")[1]")
        if probe:
            raise _Fail(
                "too-deep",
                f"elements are nested more than {max_depth} levels deep",
                probe[0].sourceline or 0,
                0,
            )
    return root


@functools.cache
def _parser_depth_limit() -> int:
    """The nesting libxml2 itself accepts without huge_tree (256 in libxml2 2.14;
    257 in others): a document deeper than that never parses, so ``max_depth``
    at or above it needs no probe (the probe costs a tenth of a letter's load)."""
    for depth in (256, 257):
        try:
            etree.fromstring(b"<a>" * (depth + 1) + b"</a>" * (depth + 1), _new_parser()[0])
        except etree.XMLSyntaxError:
            return depth
    return _DEPTH_PROBE_LIMIT


def _check_doctype_leftovers(
    tree: etree._ElementTree, root: etree._Element, log: etree._ListErrorLog
) -> None:
    """Defence in depth after parsing a document that has a DOCTYPE."""
    for dtd in (tree.docinfo.internalDTD, tree.docinfo.externalDTD):
        entity = next(dtd.iterentities(), None) if dtd is not None else None
        if entity is not None:  # the prolog scan / refusing resolver should prevent this
            raise _Fail(
                "entity-declaration",
                f"entity declarations are not supported, for security (entity {entity.name!r})",
                1,
                1,
            )
    # With an external DTD subset (never loaded), libxml2 only *warns* about an
    # undeclared entity and keeps it as a reference node whose text would silently
    # vanish downstream, so refuse it.
    undeclared = [e for e in log if e.type_name.endswith("_UNDECLARED_ENTITY")]
    if undeclared:
        first = undeclared[0]
        raise _Fail(
            "undefined-entity", _undefined_entity_message(first.message), first.line, first.column
        )
    ref = next(root.iter(etree.Entity), None)
    if ref is not None:
        raise _Fail(
            "undefined-entity", _undefined_entity_message(str(ref.text)), ref.sourceline or 0, 0
        )


def _undefined_entity_message(raw: str) -> str:
    found = re.search(r"'([^']+)'|&([^;]+);", raw)
    name = next((g for g in found.groups() if g), "?") if found else "?"
    return (
        f"undefined entity &{name}; (DTDs are never loaded, so only &lt; &gt; &amp; &quot; "
        "&apos; and character references work); use the character itself or &#x...;"
    )


# --------------------------------------------------------------------------- document facts


_PSEUDO_ATTR_RE = re.compile(r"([A-Za-z_][\w.:-]*)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_REF_RE = re.compile(r"&(?:#x([0-9A-Fa-f]+)|#([0-9]+)|(lt|gt|amp|quot|apos));")
_PREDEFINED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}


def _unescape(value: str) -> str:
    def one(m: re.Match[str]) -> str:
        try:
            if m.group(1):
                return chr(int(m.group(1), 16))
            if m.group(2):
                return chr(int(m.group(2)))
        except (ValueError, OverflowError):
            return m.group(0)
        return _PREDEFINED[m.group(3)]

    return _REF_RE.sub(one, value)


def _xml_models(root: etree._Element) -> list[dict[str, str]]:
    models = []
    for node in reversed(list(root.itersiblings(preceding=True))):
        if isinstance(node, etree._ProcessingInstruction) and node.target == "xml-model":
            models.append(
                {
                    m.group(1): _unescape(m.group(2) if m.group(2) is not None else m.group(3))
                    for m in _PSEUDO_ATTR_RE.finditer(node.text or "")
                }
            )
    return models


# Compiled once: compiling it costs a sixth of running it on a letter.
_WITH_IDS = etree.XPath("//@xml:id/parent::*[not(ancestor::eg:egXML)]", namespaces={"eg": EG_NS})
_ID_ATTRIBUTES = etree.XPath("//@xml:id")
_EG_XML = f"{{{EG_NS}}}egXML"


def _with_ids(root: etree._Element) -> list[etree._Element]:
    """Elements with an xml:id outside <egXML> examples, in document order."""
    try:
        # The attributes, then their elements: libxml2 tests only the elements that
        # have one (twice as fast as //*[@xml:id] on a letter). Their parents are
        # taken in Python: libxml2's parent step merges its node sets in quadratic
        # time (a register of 10,000 entries: 0.16 s instead of 0.01 s).
        found = [value.getparent() for value in _ID_ATTRIBUTES(root)]
        if found and next(root.iter(_EG_XML), None) is not None:
            return _WITH_IDS(root)  # examples: their ids are left out
        return found
    except etree.XPathEvalError:
        # libxml2's XPath refuses a node set of ten million nodes: walk instead.
        example = f"{{{EG_NS}}}egXML"
        return [
            el
            for el in root.iter(etree.Element)
            if el.get(_XML_ID) is not None and next(el.iterancestors(example), None) is None
        ]


def _collect_ids(
    root: etree._Element,
) -> tuple[dict[str, etree._Element], list[tuple[str, int, int]]]:
    ids: dict[str, etree._Element] = {}
    duplicates: list[tuple[str, int, int]] = []
    # Elements *inside* an <egXML> example are quoted markup, not part of the document:
    # their xml:id neither defines a target nor clashes (as with jing and tei_all).
    for el in _with_ids(root):
        value = el.get(_XML_ID).strip()
        first = ids.setdefault(value, el)
        if first is not el:
            duplicates.append((value, el.sourceline or 0, first.sourceline or 0))
    return ids, duplicates


def _check_tei(root: etree._Element, prolog: _Prolog) -> None:
    """Raise not-tei, located at the root start tag."""
    line, col = (
        _line_col(prolog.text, prolog.root_at)
        if prolog.root_at is not None
        else (root.sourceline or 0, 0)
    )
    qname = etree.QName(root)
    hint = ""
    if qname.namespace is None and qname.localname in ("TEI", "teiCorpus"):
        hint = f'; add xmlns="{TEI_NS}" to the root element'
    shown = root.tag if qname.namespace else f"{root.tag} (in no namespace)"
    raise _Fail(
        "not-tei",
        f"root element is {shown}, expected TEI or teiCorpus in the TEI namespace {TEI_NS}{hint}",
        line,
        col,
    )


# --------------------------------------------------------------------------- public API


def load(
    source: str | os.PathLike[str] | bytes,
    *,
    path: str | None = None,
    max_bytes: int = MAX_BYTES,
    max_depth: int = MAX_DEPTH,
    require_tei: bool = True,
    ids: bool = True,
) -> Document:
    """Load and parse one XML (by default TEI) document safely.

    ``source`` is a filesystem path, ``"-"`` for standard input, or the raw
    bytes of a document (then ``path`` names it in diagnostics; ``path="-"``
    displays as ``<stdin>``). ``max_bytes`` is checked before parsing;
    ``max_depth`` counts the root as depth 1 (libxml2 independently refuses
    nesting beyond ~256 levels, so larger values do not raise that ceiling).

    Raises :class:`LoadError` with exactly one FATAL diagnostic (``source="xml"``)
    for any problem with the input; never anything else for bad input.
    ``ids=False``: the document's ``ids`` and ``duplicate_ids`` are collected when
    first asked for, not now (a register of 20,000 entries whose ids nobody asks).
    """
    if max_bytes < 0 or max_depth < 1:
        raise ValueError("max_bytes must be >= 0 and max_depth >= 1")
    if isinstance(source, bytes | bytearray | memoryview):
        display = _STDIN if path == "-" else (path or _BYTES)
        base_url = None if display in (_STDIN, _BYTES) else display
    elif isinstance(source, str | os.PathLike):
        fs_path = os.fsdecode(source)
        display = _STDIN if fs_path == "-" and path is None else (path or fs_path)
        base_url = None if fs_path == "-" else _url_safe(fs_path)
    else:
        raise TypeError(f"source must be a path or bytes, not {type(source).__name__}")
    try:
        if isinstance(source, bytes | bytearray | memoryview):
            if len(source) > max_bytes:
                raise _too_large(len(source), max_bytes, "input")
            data = bytes(source)
        elif fs_path == "-":
            data = _read_stdin(max_bytes)
        else:
            data = _read_path(fs_path, max_bytes)
        return _build(data, display, base_url, max_depth, require_tei, ids)
    except _Fail as fail:
        raise _load_error(display, fail) from None
    except RecursionError:
        raise _load_error(display, _Fail("too-deep", "elements are nested too deeply")) from None
    except MemoryError:
        raise _load_error(display, _Fail("out-of-memory", "out of memory while loading")) from None
    except etree.XPathEvalError:  # libxml2's XPath stops at ten million nodes in a set
        fail = _Fail("too-many-nodes", "too many elements: more than ten million in one document")
        raise _load_error(display, fail) from None
    except (OSError, UnicodeError, ValueError, LookupError, etree.LxmlError) as exc:
        # Last resort so callers only ever see LoadError for bad input.
        fail = _Fail("load-failed", f"cannot load: {type(exc).__name__}: {exc}")
        raise _load_error(display, fail) from exc


_BLANK_RE = re.compile(rb"[ \t\r\n]*")
_BLANK_WIDE_RE = re.compile(rb"[ \t\r\n\x00]*")  # UTF-16/32: whitespace plus zero bytes


def _build(
    data: bytes,
    display: str,
    base_url: str | None,
    max_depth: int,
    require_tei: bool,
    with_ids: bool = True,
) -> Document:
    if not data:
        raise _Fail("file-empty", "file is empty")
    enc = _sniff_encoding(data)
    blank = _BLANK_WIDE_RE if _family(enc.codec) else _BLANK_RE
    # re.match stops at the first non-blank byte: no copy of a large input.
    only_blank = blank.match(data, enc.bom_len)
    if only_blank is not None and only_blank.end() == len(data):
        only = "a byte order mark" if len(data) == enc.bom_len else "whitespace"
        raise _Fail("file-empty", f"file is empty (it contains only {only})")
    _check_bytes(data, enc)
    prolog = _read_prolog(data, enc)
    _check_entities(prolog)  # before lxml ever sees a DOCTYPE with entities
    root = _parse(data, base_url, max_depth)
    if require_tei and root.tag not in _TEI_ROOTS:
        _check_tei(root, prolog)
    ids, duplicates = _collect_ids(root) if with_ids else ({}, [])
    doc = Document(
        path=display,
        tree=root.getroottree(),
        root=root,
        ids=ids,
        duplicate_ids=duplicates,
        xml_models=_xml_models(root),
        encoding=enc.name,
        may_name_xml=_may_name_xml(data, enc),
    )
    if not with_ids:
        del doc.ids, doc.duplicate_ids  # collected when asked for (Document.__getattr__)
    return doc


def _may_name_xml(data: bytes, enc: _Encoding) -> bool:
    """Whether the text of ``data`` may hold ".xml". It cannot when the bytes, in an
    encoding that writes ASCII as ASCII, hold no ".xml" and no character reference
    (the loader refuses entity declarations, so nothing else can make one)."""
    codec = enc.codec
    ascii_as_is = codec in ("utf-8", "ascii") or codec.startswith(("iso8859-", "cp125"))
    return not ascii_as_is or b".xml" in data or b"&#" in data


def load_many(
    paths: Iterable[str | os.PathLike[str] | bytes],
    *,
    max_bytes: int = MAX_BYTES,
    max_depth: int = MAX_DEPTH,
    require_tei: bool = True,
) -> Iterator[Document | LoadError]:
    """Load each path in turn, yielding a Document or the LoadError; never stops early."""
    for source in paths:
        try:
            yield load(source, max_bytes=max_bytes, max_depth=max_depth, require_tei=require_tei)
        except LoadError as exc:
            yield exc
