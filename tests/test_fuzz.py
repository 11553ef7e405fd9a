"""Issue 12: fuzzing. Property-based tests (hypothesis) for the loader, pointer
resolution and diagnostic formatting, a differential test of teikit's RELAX NG
engine against libxml2's verdict, and a short coverage-guided run (atheris)
over the loader and the RELAX NG engine, bounded by iterations, from the
corpus checked in under tests/fuzz/corpus."""

from __future__ import annotations

import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from teikit.document import load
from teikit.edition import Edition
from teikit.edition.pointers import pointer_tokens
from teikit.errors import Diagnostic, LoadError, Severity, printable
from teikit.validate import relaxng

from conftest import TEI

FUZZ = Path(__file__).resolve().parent / "fuzz"
GRAMMAR = FUZZ / "grammar.rng"
TEI_NS = "http://www.tei-c.org/ns/1.0"

# Many examples are cheap; a few heavier ones keep the suite's time in bounds.
FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --------------------------------------------------------------------------- loader


def _fails_cleanly(data: bytes) -> None:
    try:
        doc = load(data, path="fuzz.xml", require_tei=False)
    except LoadError as exc:
        assert len(exc.diagnostics) == 1
        assert exc.diagnostics[0].severity is Severity.FATAL
        assert "\n" not in exc.diagnostics[0].format()
    else:
        assert doc.root is not None


@FAST
@given(st.binary(max_size=2000))
def test_the_loader_never_fails_but_with_one_diagnostic_on_any_bytes(data):
    _fails_cleanly(data)


NAMES = st.sampled_from(["TEI", "text", "body", "p", "persName", "note", "x:y", "a-b", "é"])


@st.composite
def xml_text(draw, depth: int = 0) -> str:
    """Almost-XML: elements, attributes, text, entities, comments, CDATA and
    doctype fragments, some of them broken on purpose."""
    parts = []
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["el", "text", "ref", "comment", "cdata", "pi"]))
        if kind == "el" and depth < 6:
            name = draw(NAMES)
            attrs = draw(st.lists(st.tuples(NAMES, st.text(max_size=8)), max_size=3))
            attr_text = "".join(f' {n}="{v.replace(chr(34), "")}"' for n, v in attrs)
            inner = draw(xml_text(depth + 1))
            close = draw(st.sampled_from([f"</{name}>", f"</{name}>", "", "</other>"]))
            parts.append(f"<{name}{attr_text}>{inner}{close}")
        elif kind == "text":
            parts.append(draw(st.text(max_size=20)))
        elif kind == "ref":
            parts.append(draw(st.sampled_from(["&amp;", "&lt;", "&#x10FFFF;", "&#0;", "&nbsp;",
                                                "&x;", "&#xD800;"])))  # fmt: skip
        elif kind == "comment":
            parts.append(f"<!--{draw(st.text(max_size=10))}-->")
        elif kind == "cdata":
            parts.append(f"<![CDATA[{draw(st.text(max_size=10))}]]>")
        else:
            parts.append(f"<?{draw(st.sampled_from(['xml-model', 'x', 'xml']))} href='a'?>")
    return "".join(parts)


@FAST
@given(
    st.sampled_from(["", '<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-16"?>',
                     '<!DOCTYPE TEI [<!ENTITY e "x">]>', '<!DOCTYPE TEI SYSTEM "/etc/passwd">']),
    xml_text(),
    st.sampled_from(["utf-8", "utf-16", "latin-1"]),
)  # fmt: skip
def test_the_loader_takes_any_almost_xml_cleanly(prolog, body, encoding):
    _fails_cleanly((prolog + f'<TEI xmlns="{TEI_NS}">{body}</TEI>').encode(encoding, "replace"))


# --------------------------------------------------------------------------- pointers


@pytest.fixture(scope="module")
def edition() -> Edition:
    return Edition.open(TEI)


@FAST
@given(st.text(max_size=40))
def test_pointer_tokens_split_on_whitespace_only(value):
    tokens = pointer_tokens(value)
    assert all(t and not any(c.isspace() for c in t) for t in tokens)
    assert " ".join(tokens) == " ".join(value.split())


PATHS = st.sampled_from(
    ["", "register.xml", "../x.xml", "/dev/stdin", "/etc/passwd", "file:///etc/passwd",
     "http://127.0.0.1:9/x"]
)  # fmt: skip
PREFIXES = st.sampled_from(["psn", "pl", "wd", "viaf", ""])
POINTERS = st.one_of(
    st.text(max_size=30),
    st.builds(lambda a, b: f"{a}#{b}", PATHS, st.text(max_size=12)),
    st.builds(lambda p, r: f"{p}:{r}", PREFIXES, st.text(max_size=12)),
)


@SLOW
@given(POINTERS, st.sampled_from(["ref", "key", "corresp", "who"]))
def test_any_pointer_resolves_to_a_target_or_a_named_problem(edition, pointer, attribute):
    letter = next(d for d in edition.documents if edition.kind(d) == "letter")
    target = edition.resolve(pointer, letter, attribute=attribute)
    assert target.kind in ("entity", "element", "document", "external", "missing")
    if target.kind == "missing":
        assert target.problem and target.reason


# --------------------------------------------------------------------------- diagnostics


@FAST
@given(
    st.text(max_size=30),
    st.integers(0, 10**6),
    st.integers(0, 10**4),
    st.sampled_from(list(Severity)),
    st.text(max_size=60),
    st.text(max_size=10),
)
def test_a_diagnostic_is_always_one_printable_line(file, line, column, severity, message, code):
    text = Diagnostic(file, line, column, severity, message, code, "fuzz").format()
    assert len(text.splitlines()) == 1 and not text.endswith("\n")
    assert text.startswith(f"{printable(file)}:{line}:{column}: {severity}: ")
    assert not any(unicodedata.category(c) in ("Cc", "Cs", "Zl", "Zp") for c in text)
    text.encode("utf-8")  # no lone surrogates: any stream can take it


@FAST
@given(st.binary(max_size=40))
def test_any_file_name_prints(raw):
    name = os.fsdecode(raw.replace(b"\x00", b""))
    shown = printable(name)
    shown.encode("utf-8")
    assert "\n" not in shown and "\r" not in shown


# --------------------------------------------------------------------------- RELAX NG


@st.composite
def grammar_documents(draw, depth: int = 0) -> etree._Element:
    """Documents in the grammar's vocabulary (and a little outside it)."""
    name = draw(st.sampled_from(["doc", "p", "head", "b", "x"] if depth else ["doc", "doc", "p"]))
    el = etree.Element(name)
    if draw(st.booleans()):
        el.set(draw(st.sampled_from(["n", "n", "lang", "x"])),
               draw(st.sampled_from(["1", "-7", "x", "", " 3 ", "1.5"])))  # fmt: skip
    if draw(st.booleans()):
        el.text = draw(st.sampled_from(["text", " ", ""]))
    if depth < 4:
        for _ in range(draw(st.integers(0, 3))):
            child = draw(grammar_documents(depth + 1))
            if draw(st.booleans()):
                child.tail = draw(st.sampled_from(["tail", " "]))
            el.append(child)
    return el


@pytest.fixture(scope="module")
def grammars():
    return relaxng.compile_grammar(GRAMMAR), etree.RelaxNG(etree.parse(str(GRAMMAR)))


@SLOW
@given(grammar_documents())
def test_teikits_relaxng_verdict_is_libxml2s(grammars, root):
    ours, libxml2 = grammars
    tree = etree.ElementTree(root)
    expected = libxml2.validate(tree)
    assert relaxng.is_valid(tree, ours) is expected, etree.tostring(root)
    explained = relaxng.explain(tree, ours, file="fuzz.xml")
    assert (explained == []) is expected, (etree.tostring(root), explained)


# --------------------------------------------------------------------------- atheris


@pytest.mark.parametrize("target", ["loader", "relaxng"])
def test_a_short_coverage_guided_run_finds_no_crash(tmp_path, target):
    """libFuzzer mutates the checked-in corpus for a fixed number of runs (not a
    time budget); new inputs go to a temporary folder, never into the corpus."""
    pytest.importorskip("atheris", reason="atheris: pip install '.[test]' (Linux, Python 3.11)")
    found = tmp_path / "new"
    found.mkdir()
    # Through a shell that forks it: a process started straight from this one starts
    # with this one's peak resident size (Linux keeps it across exec), which
    # libFuzzer counts against its 2 GB limit: the whole suite's, not the loader's.
    done = subprocess.run(
        ["sh", "-c", '"$@"; exit $?', "sh",
         sys.executable, str(FUZZ / "fuzz_targets.py"), target, "-runs=3000", "-seed=12",
         f"-artifact_prefix={tmp_path}/", str(found), str(FUZZ / "corpus" / target)],
        capture_output=True,
        text=True,
        timeout=900,  # a guard against a hang, not a budget: 3,000 runs take seconds
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Done 3000 runs" in done.stderr
    assert not list(tmp_path.glob("crash-*")) and not list(tmp_path.glob("timeout-*"))
