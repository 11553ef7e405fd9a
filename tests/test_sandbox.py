"""The sandbox for untrusted code (teikit.sandbox, teikit.xslt): what the static
vetting refuses and lets through, and what the sandboxed Saxon processor stops
while code runs. Real schemas (tei_all, the Schnitzler edition's Schematron)
must pass untouched: a refusal there would be a false alarm for every user."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from teikit import sandbox, schemas, xslt
from teikit.errors import SandboxError
from teikit.validate.schematron import compile_schematron

from conftest import ROOT, SHARED

WHERE = sandbox.Where("hostile.sch")
FN = "http://www.w3.org/2005/xpath-functions"
SCH = f'xmlns="http://purl.oclc.org/dsdl/schematron" xmlns:xsl="{sandbox.XSL}"'


def vet(expression: str, namespaces: dict[str | None, str] | None = None) -> None:
    sandbox.check_expression(expression, [namespaces or {}], frozenset(), WHERE, 3)


@pytest.mark.parametrize(
    ("expression", "namespaces", "reason"),
    [
        ("environment-variable('HOME')", {}, "calls environment-variable()"),
        ("available-environment-variables()", {}, "calls available-environment-variables()"),
        # A prefix can be bound to the function namespace under any name.
        ("env:environment-variable('HOME')", {"env": FN}, "calls environment-variable()"),
        (f"Q{{{FN}}}environment-variable('HOME')", {}, "calls environment-variable()"),
        ("for-each(('HOME'), environment-variable#1)", {}, "calls environment-variable()"),
        ("'HOME' => environment-variable()", {}, "calls environment-variable()"),
        ("environment-variable (: a comment :) ('HOME')", {}, "calls environment-variable()"),
        ("function-lookup(xs:QName('fn:doc'), 1)", {}, "calls function-lookup()"),
        ("transform(map{'stylesheet-text': ''})", {}, "calls transform()"),
        ("load-xquery-module('urn:x')", {}, "calls load-xquery-module()"),
        ("system-property('user.home')", {}, "calls system-property()"),
        ("system-property(concat('xsl:', 'vendor'))", {}, "calls system-property()"),
        ("saxon:evaluate('1')", {"saxon": sandbox.SAXON}, "calls the Saxon extension"),
        ("j:getProperty('x')", {"j": "java:java.lang.System"}, "calls the Saxon extension"),
        ("x:f(.)", {"x": "urn:unknown"}, "calls x:f() in namespace urn:unknown"),
        # In an attribute value template, after text with an apostrophe.
        ("it's {environment-variable('HOME')}", {}, "calls environment-variable()"),
    ],
)
def test_refused_expressions(expression, namespaces, reason) -> None:
    with pytest.raises(SandboxError) as info:
        vet(expression, namespaces)
    assert info.value.reason.startswith(reason)
    assert info.value.message.startswith(f"hostile.sch:3: refused: it {reason}")
    assert info.value.message.endswith("to trust it, pass it with --schema")
    assert (info.value.file, info.value.line) == ("hostile.sch", 3)


@pytest.mark.parametrize(
    "expression",
    [
        "count(//tei:p) > 0 and xs:date(@when) < current-date()",
        "map:keys($m) ! math:pi()",
        "system-property('xsl:version') = '3.0'",
        "doc('other.xml')",  # allowed statically; the sandboxed processor refuses it
        "$fn('HOME')",  # a dynamic call of a variable: only vetted functions get there
        "element(tei:p) or schema-attribute(x)",
        "y:f(.)",  # an unbound prefix does not compile at all
    ],
)
def test_allowed_expressions(expression) -> None:
    vet(
        expression,
        {"tei": "http://www.tei-c.org/ns/1.0", "map": f"{FN}/map", "math": f"{FN}/math"},
    )


def schema(body: str) -> etree._Element:
    return etree.fromstring(f'<schema {SCH} queryBinding="xslt3">{body}</schema>')


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (
            '<xsl:template name="t"><xsl:result-document href="/tmp/x">x</xsl:result-document>'
            "</xsl:template>",
            "uses xsl:result-document",
        ),
        (
            '<xsl:function name="f:f" xmlns:f="urn:f"><xsl:evaluate xpath="."/></xsl:function>',
            "uses xsl:evaluate",
        ),
        ('<xsl:import-schema schema-location="x.xsd"/>', "uses xsl:import-schema"),
        ('<xsl:include href="lib.xsl"/>', "uses xsl:include"),
        (
            '<xsl:function name="f:f" xmlns:f="urn:f"><xsl:source-document href="x.xml"/>'
            "</xsl:function>",
            "uses xsl:source-document",
        ),
        (
            '<xsl:key name="k" match="*" use="saxon:x()" xmlns:saxon="http://saxon.sf.net/"/>',
            "calls the Saxon extension saxon:x()",
        ),
        (
            '<saxon:assign xmlns:saxon="http://saxon.sf.net/" name="x"/>',
            "uses the Saxon instruction saxon:assign",
        ),
        (
            '<pattern><rule context="*"><let name="v"><x xsl:expand-text="yes">'
            "{environment-variable('HOME')}</x></let></rule></pattern>",
            "calls environment-variable()",
        ),
        (
            '<pattern><rule context="*"><assert test="f:env()" xmlns:f="urn:f">x</assert>'
            "</rule></pattern>",
            "calls f:env() in namespace urn:f",
        ),
    ],
)
def test_refused_schematron(body, reason) -> None:
    with pytest.raises(SandboxError) as info:
        sandbox.vet_schematron(schema(body), WHERE)
    assert info.value.reason.startswith(reason)


def test_the_schemas_own_functions_and_keys_are_allowed() -> None:
    tree = schema(
        '<ns prefix="f" uri="urn:f"/>'
        '<xsl:function name="f:twice" xmlns:f="urn:f"><xsl:param name="x"/>'
        '<xsl:sequence select="$x * 2"/></xsl:function>'
        '<xsl:key name="ids" match="*[@xml:id]" use="@xml:id"/>'
        "<pattern><rule context=\"*\"><assert test=\"f:twice(1) = 2 and key('ids', 'a')\">x"
        '</assert><report test="true()">don\'t call transform() (in prose)</report>'
        "</rule></pattern>"
    )
    sandbox.vet_schematron(tree, WHERE)


def test_text_substitution_of_abstract_patterns_is_vetted_after_compiling() -> None:
    """No single attribute shows the call: only the compiled XSLT does."""
    tree = schema(
        '<pattern abstract="true" id="a"><rule context="*">'
        "<report test=\"$what('HOME')\">x</report></rule></pattern>"
        '<pattern is-a="a"><param name="what" value="environment-variable"/></pattern>'
    )
    sandbox.vet_schematron(tree, WHERE)  # each piece is harmless …
    compiled = compile_schematron(tree, name="hostile.sch")
    with pytest.raises(SandboxError) as info:
        sandbox.vet_stylesheet_text(compiled.xslt, WHERE)  # … together they are not
    assert info.value.reason.startswith("calls environment-variable()")
    assert info.value.line == 0


@pytest.mark.parametrize(
    "path",
    [
        ROOT / "schema" / "teikit.sch",
        schemas.tei_all().path,
        SHARED / "schemas" / "tei_all-4.12.0.rng",
        SHARED / "corpora" / "schnitzler-briefe" / "meta" / "schnitzler-briefe-schematron.sch",
        SHARED / "corpora" / "cmif-sig" / "odd" / "cmif.sch",
    ],
    ids=lambda p: Path(p).name,
)
def test_real_schemas_pass_the_vetting(path: Path) -> None:
    if not path.is_file():
        pytest.skip(f"{path} not found (set TEIKIT_SHARED)")
    root = etree.parse(str(path)).getroot()
    sandbox.vet_schematron(root, sandbox.Where(str(path)))


# --------------------------------------------------------------------------- Saxon


READS = """<xsl:stylesheet xmlns:xsl="http://www.w3.org/1999/XSL/Transform" version="3.0">
  <xsl:output method="text"/>
  <xsl:template match="/"><xsl:value-of select="unparsed-text('{uri}')"/></xsl:template>
</xsl:stylesheet>"""


def test_the_sandboxed_processor_opens_no_uri_and_the_trusted_one_does(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("the secret", encoding="utf-8")
    text = READS.format(uri=secret.as_uri())
    trusted = xslt.compile_stylesheet(text)
    node = xslt.parse("<a/>", (tmp_path / "a.xml").as_uri())
    assert xslt.run(trusted, node)[0] == "the secret"
    untrusted = xslt.compile_stylesheet(text, sandboxed=True)
    node = xslt.parse("<a/>", (tmp_path / "a.xml").as_uri(), sandboxed=True)
    with pytest.raises(SandboxError) as info:
        xslt.run(untrusted, node, file="a.xml", sandboxed=True)
    assert "has been prohibited" in info.value.message
    assert "the secret" not in info.value.message
    # The two processors keep separate configurations: the trusted one still reads.
    assert xslt.run(trusted, xslt.parse("<a/>", "file:///a.xml"))[0] == "the secret"


def test_sandboxed_compilation_reads_no_included_stylesheet(tmp_path: Path) -> None:
    (tmp_path / "lib.xsl").write_text(
        '<xsl:stylesheet xmlns:xsl="http://www.w3.org/1999/XSL/Transform" version="3.0"/>',
        encoding="utf-8",
    )
    text = (
        '<xsl:stylesheet xmlns:xsl="http://www.w3.org/1999/XSL/Transform" version="3.0">'
        f'<xsl:include href="{(tmp_path / "lib.xsl").as_uri()}"/></xsl:stylesheet>'
    )
    xslt.compile_stylesheet(text)
    with pytest.raises(Exception, match="prohibited"):
        xslt.compile_stylesheet(text, sandboxed=True)


def test_python_reads_for_untrusted_code_only_regular_files_inside_the_roots(
    tmp_path: Path,
) -> None:
    inside = tmp_path / "edition"
    inside.mkdir()
    (inside / "register.xml").write_text("<r/>", encoding="utf-8")
    (tmp_path / "outside.xml").write_text("<o/>", encoding="utf-8")
    (inside / "link.xml").symlink_to(tmp_path / "outside.xml")
    import os

    os.mkfifo(inside / "fifo.xml")
    roots = [inside]
    assert sandbox.within(inside / "register.xml", roots)
    assert not sandbox.within(inside / ".." / "outside.xml", roots)
    assert not sandbox.within(inside / "link.xml", roots)  # a symlink out of the roots
    assert not sandbox.within(inside / "fifo.xml", roots)  # would block
    assert not sandbox.within(inside / "missing.xml", roots)
    assert sandbox.load_within(inside / "register.xml", roots).root.tag == "r"
    assert sandbox.load_within(inside / "fifo.xml", roots) is None
