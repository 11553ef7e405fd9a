"""The Schematron-to-XSLT 3 compiler, on small schemas modelled on the
examples of ISO/IEC 19757-3 and on TEI's XPath 2 rules."""

from __future__ import annotations

import pytest
from lxml import etree

from teikit import xslt
from teikit.errors import SchemaError, Severity
from teikit.validate.schematron import (
    compile_schematron,
    embedded_schematron,
    locate,
    svrl_diagnostics,
)

SCH = "http://purl.oclc.org/dsdl/schematron"


def run(schema: str, document: str, phase: str | None = None):
    compiled = compile_schematron(etree.fromstring(schema.encode()), phase=phase, name="test.sch")
    executable = xslt.compile_stylesheet(compiled.xslt, name="test.sch")
    out, _ = xslt.run(executable, xslt.parse(document, "file:///tmp/doc.xml"))
    svrl = etree.fromstring(out.encode())
    return svrl, svrl_diagnostics(svrl, etree.fromstring(document.encode()), "doc.xml", "test.sch")


DOC = """<book xmlns="urn:b">
  <chapter id="c1"><title>One</title><para>x</para></chapter>
  <chapter><para>y</para></chapter>
</book>"""


def test_assert_report_value_of_and_name():
    schema = f"""<schema xmlns="{SCH}" queryBinding="xslt2"><ns prefix="b" uri="urn:b"/>
      <pattern id="chapters"><rule context="b:chapter">
        <assert test="b:title" id="title-missing">A <name/> needs a title (<value-of select="count(b:para)"/> paragraphs)</assert>
        <report test="@id" id="has-id" role="info">chapter <value-of select="@id"/> has an id</report>
      </rule></pattern></schema>"""
    _, found = run(schema, DOC)
    assert [(d.line, d.severity, d.code, d.message) for d in found] == [
        (2, Severity.INFO, "has-id", "chapter c1 has an id"),
        (3, Severity.ERROR, "title-missing", "A chapter needs a title (1 paragraphs)"),
    ]


def test_first_matching_rule_in_a_pattern_wins():
    schema = f"""<schema xmlns="{SCH}"><ns prefix="b" uri="urn:b"/>
      <pattern><rule context="b:chapter[@id]"><report test="true()" id="first">first</report></rule>
               <rule context="b:chapter"><report test="true()" id="second">second</report></rule></pattern></schema>"""
    _, found = run(schema, DOC)
    assert [(d.line, d.code) for d in found] == [(2, "first"), (3, "second")]


def test_let_xpath2_and_roles():
    schema = f"""<schema xmlns="{SCH}" queryBinding="xslt3"><ns prefix="b" uri="urn:b"/>
      <let name="limit" value="1"/>
      <pattern><rule context="b:book">
        <let name="n" value="count(b:chapter)"/>
        <assert test="$n le $limit" role="warning" id="too-many">
          <value-of select="$n"/> chapters: <value-of select="string-join(for $c in b:chapter return ($c/@id/string(), 'none')[1], ', ')"/></assert>
      </rule></pattern></schema>"""
    _, found = run(schema, DOC)
    assert [(d.severity, d.message) for d in found] == [(Severity.WARNING, "2 chapters: c1, none")]


def test_abstract_pattern_and_abstract_rule():
    schema = f"""<schema xmlns="{SCH}"><ns prefix="b" uri="urn:b"/>
      <pattern abstract="true" id="requires"><rule context="$parent">
        <assert test="$child" id="required"><name/> lacks <value-of select="'$child'"/></assert></rule></pattern>
      <pattern is-a="requires" id="chapter-title"><param name="parent" value="b:chapter"/><param name="child" value="b:title"/></pattern>
      <pattern><rule abstract="true" id="has-para"><assert test="b:para" id="no-para">no para</assert></rule>
        <rule context="b:chapter"><extends rule="has-para"/><report test="count(b:para) gt 1" id="many">many</report></rule></pattern>
      </schema>"""
    _, found = run(schema, DOC)
    assert [(d.line, d.code, d.message) for d in found] == [
        (3, "required", "chapter lacks b:title")
    ]


def test_phases_and_diagnostics():
    schema = f"""<schema xmlns="{SCH}" defaultPhase="quick"><ns prefix="b" uri="urn:b"/>
      <phase id="quick"><active pattern="p1"/></phase>
      <phase id="full"><active pattern="p1"/><active pattern="p2"/></phase>
      <pattern id="p1"><rule context="b:book"><assert test="count(b:chapter) = 1" diagnostics="d1" id="one">one chapter</assert></rule></pattern>
      <pattern id="p2"><rule context="b:para"><report test="true()" id="para">para</report></rule></pattern>
      <diagnostics><diagnostic id="d1">found <value-of select="count(b:chapter)"/></diagnostic></diagnostics></schema>"""
    svrl, quick = run(schema, DOC)
    assert svrl.get("phase") == "quick"
    assert [(d.code, d.message) for d in quick] == [("one", "one chapter (found 2)")]
    _, full = run(schema, DOC, phase="full")
    assert [d.code for d in full] == ["one", "para", "para"]
    with pytest.raises(SchemaError, match="no phase 'nope'"):
        compile_schematron(etree.fromstring(schema.encode()), phase="nope")


def test_attribute_context_reports_owner_line():
    schema = f"""<schema xmlns="{SCH}"><ns prefix="b" uri="urn:b"/>
      <pattern><rule context="@id"><assert test="matches(., '^c\\d+$')" id="id-form">bad</assert>
      <report test=". = 'c1'" id="c1">c1</report></rule></pattern></schema>"""
    _, found = run(schema, DOC)
    assert [(d.line, d.code) for d in found] == [(2, "c1")]


def test_unsupported_query_binding():
    with pytest.raises(SchemaError, match="queryBinding 'exslt'"):
        compile_schematron(
            etree.fromstring(f'<schema xmlns="{SCH}" queryBinding="exslt"/>'.encode())
        )


def test_svrl_locations_map_to_lxml_elements():
    root = etree.fromstring(DOC.encode())
    element, attribute = locate(root, "/Q{urn:b}book[1]/Q{urn:b}chapter[2]/Q{urn:b}para[1]")
    assert element.sourceline == 3 and attribute is None
    element, attribute = locate(root, "/Q{urn:b}book[1]/Q{urn:b}chapter[1]/@id")
    assert element.sourceline == 2 and attribute == "id"


def test_embedded_schematron_is_collected_from_relax_ng():
    rng = etree.fromstring(
        f"""<grammar xmlns="http://relaxng.org/ns/structure/1.0" xmlns:tei="http://www.tei-c.org/ns/1.0">
      <start><element name="x"><text/><pattern xmlns="{SCH}" id="p"><rule context="tei:x"><assert test="true()">ok</assert></rule></pattern></element></start>
    </grammar>""".encode()
    )
    schema = embedded_schematron(rng)
    assert schema is not None
    assert [p.get("id") for p in schema.iter(f"{{{SCH}}}pattern")] == ["p"]
    assert {(n.get("prefix"), n.get("uri")) for n in schema.iter(f"{{{SCH}}}ns")} == {
        ("tei", "http://www.tei-c.org/ns/1.0")
    }


def test_findings_on_an_attribute_point_at_the_attribute(tmp_path):
    from lxml import etree

    from teikit.document import load
    from teikit.validate.relaxng import source_positions
    from teikit.validate.schematron import svrl_diagnostics

    path = tmp_path / "a.xml"
    path.write_text(
        '<TEI xmlns="http://www.tei-c.org/ns/1.0">\n  <p>x <date\n     when="19x">y</date></p>\n</TEI>\n'
    )
    doc = load(path, require_tei=False)
    svrl = etree.fromstring(
        '<svrl:schematron-output xmlns:svrl="http://purl.oclc.org/dsdl/svrl">'
        '<svrl:failed-assert test="x" location="/Q{http://www.tei-c.org/ns/1.0}TEI[1]/Q{http://www.tei-c.org/ns/1.0}p[1]/Q{http://www.tei-c.org/ns/1.0}date[1]/@when">'
        "<svrl:text>bad date</svrl:text></svrl:failed-assert>"
        '<svrl:failed-assert test="x" location="/Q{http://www.tei-c.org/ns/1.0}TEI[1]/Q{http://www.tei-c.org/ns/1.0}p[1]/Q{http://www.tei-c.org/ns/1.0}date[1]">'
        "<svrl:text>bad element</svrl:text></svrl:failed-assert>"
        "</svrl:schematron-output>"
    )
    found = svrl_diagnostics(svrl, doc.root, str(path), "s.sch", positions=source_positions(doc))
    assert [(d.line, d.column, d.message) for d in found] == [
        (3, 6, "bad date"),
        (2, 8, "bad element"),
    ]


def test_visiting_only_candidate_nodes_gives_the_svrl_of_a_full_walk(monkeypatch):
    """Patterns with simple rule contexts select the nodes those can match instead
    of walking the whole document per pattern; the SVRL must not change."""
    from pathlib import Path

    from teikit.document import load
    from teikit.validate import rng
    from teikit.validate import schematron as module
    from teikit.validate.schematron import embedded_schematron

    from conftest import FIXTURES, TEI

    schema = embedded_schematron(
        rng.parse_schema(Path(module.__file__).parent.parent / "data/tei/tei_all-4.3.0.rng")
    )
    direct = compile_schematron(schema, name="direct").xslt
    assert "//(tei:p)" in direct  # the candidates of the tei:p pattern
    monkeypatch.setattr(module, "_candidates", lambda contexts: None)
    walk = compile_schematron(schema, name="walk").xslt
    assert "//(" not in walk
    files = [FIXTURES / "validate" / "embedded-when-with-notbefore-1_warning.xml",
             TEI / "letter-1954-06-22.xml", TEI / "register.xml"]  # fmt: skip
    for path in files:
        doc = load(path)
        node = xslt.parse(xslt.document_text(doc.root), path.as_uri())
        results = [
            xslt.run(xslt.compile_stylesheet(text, name=name), node, file=str(path))[0]
            for name, text in (("direct", direct), ("walk", walk))
        ]
        assert results[0] == results[1]
        finding = "failed-assert" in results[0] or "successful-report" in results[0]
        assert finding or path.parent == TEI  # the fixture has one


@pytest.mark.parametrize(
    ("context", "simple"),
    [
        ("tei:p", True),
        ("tei:*[@when]", True),
        ("tei:rt/@from", True),
        ("tei:schemaSpec|teix:schemaSpec", True),
        ("tei:attDef[ tei:valList[@type eq 'closed'] and x[']'] ]", True),
        ("/tei:TEI//tei:p[1]", True),
        ("tei:p[", False),
        ("text()", False),
        ("~xs:integer", False),
        ("tei:p | (tei:q)", False),
    ],
)
def test_which_rule_contexts_count_as_simple(context, simple):
    from teikit.validate.schematron import _candidates

    assert (_candidates([context]) is not None) is simple
