"""A schema a document names reads nothing outside the allowed roots
(docs/security.md): not through RELAX NG ``include``/``externalRef`` (also
transitively), not through XSD ``xs:include``/``xs:import``, not through
Schematron ``include``/``extends/@href``, and the document cannot name such a
file as its schema either. Only regular files are read (a FIFO would block).

One fixture per hole in tests/fixtures/untrusted-reads/edition/, named for it.
The test copies the edition and writes, beside it in ``outside/``, the files the
fixtures try to read: each would change the verdict if it were read (the
grammars there make the documents valid, the Schematron reports), and each
holds ``TOPSECRET``, which must never reach the output. The same schemas given
with ``--schema`` are trusted and read them."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from teikit.cli import cli

from conftest import FIXTURES

TEI_NS = "http://www.tei-c.org/ns/1.0"
RNG = '<grammar xmlns="http://relaxng.org/ns/structure/1.0">{}</grammar>'
TEI_EMPTY = f'<element name="TEI" ns="{TEI_NS}"><empty/></element>'
SECRETS = {
    "secret.rng": RNG.format(
        f"<start>{TEI_EMPTY}</start>"
        '<define name="TOPSECRET"><element name="TOPSECRET"><empty/></element></define>'
    ),
    "secret-pattern.rng": TEI_EMPTY.replace(
        "<element ", '<element xmlns="http://relaxng.org/ns/structure/1.0" '
    ).replace("<empty/>", "<empty/><!-- TOPSECRET -->"),
    "secret.xml": f'<TOPSECRET xmlns="{TEI_NS}"/>',
    "secret.xsd": (
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" '
        f'targetNamespace="{TEI_NS}"><xs:element name="TEI"/>'
        '<xs:element name="TOPSECRET"/></xs:schema>'
    ),
    "secret.sch": (
        '<schema xmlns="http://purl.oclc.org/dsdl/schematron" queryBinding="xslt2">'
        f'<ns prefix="tei" uri="{TEI_NS}"/>'
        '<pattern><rule context="tei:TEI" id="secret-rule">'
        '<report test="true()">TOPSECRET</report></rule></pattern></schema>'
    ),
}


@pytest.fixture
def edition(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURES / "untrusted-reads", tmp_path, dirs_exist_ok=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    for name, text in SECRETS.items():
        (outside / name).write_text(text, encoding="utf-8")
    for fixture in (tmp_path / "edition").iterdir():
        text = fixture.read_text(encoding="utf-8")
        fixture.write_text(text.replace("@OUTSIDE@", str(outside)), encoding="utf-8")
    return tmp_path / "edition"


def validate(*args: str):
    return CliRunner().invoke(cli, ["validate", *args], catch_exceptions=False)


def refused(edition: Path, name: str) -> str:
    """The one refusal ``teikit validate`` prints for fixture ``name``."""
    result = validate(str(edition / f"{name}.xml"))
    assert result.exit_code == 1, result.output
    assert "TOPSECRET" not in result.output
    [line] = [line for line in result.stderr.splitlines() if "[sandbox:" in line]
    assert line.endswith("[sandbox:untrusted-code-refused]")
    return line


def refusal(where: str, what: str, href: str, schema: Path) -> str:
    return (
        f'{where}: refused: {what} "{href}" names no regular file inside the folders being '
        "validated, and a schema that a document names may read nothing else; to trust it, "
        f"pass it with --schema {schema}"
    )


def test_rng_include_outside_the_edition_is_refused(edition: Path) -> None:
    schema = edition / "rng-include-outside.rng"
    line = refused(edition, "rng-include-outside")
    assert line.startswith(f"{edition / 'rng-include-outside.xml'}:1:1: error: ")
    assert refusal(f"{schema}:3:3", "<include> href", "../outside/secret.rng", schema) in line


def test_rng_external_ref_outside_the_edition_is_refused(edition: Path) -> None:
    schema = edition / "rng-externalref-outside.rng"
    line = refused(edition, "rng-externalref-outside")
    href = f"{edition.parent / 'outside'}/secret-pattern.rng"
    assert refusal(f"{schema}:4:5", "<externalRef> href", href, schema) in line


def test_rng_include_of_an_include_outside_the_edition_is_refused(edition: Path) -> None:
    inner = edition / "rng-include-transitive-inner.rng"
    line = refused(edition, "rng-include-transitive")
    # Located in the file that holds the include; the schema to trust is the one named.
    schema = edition / "rng-include-transitive.rng"
    assert refusal(f"{inner}:2:3", "<include> href", "../outside/secret.rng", schema) in line


def test_rng_include_of_a_fifo_is_refused_without_reading_it(edition: Path) -> None:
    os.mkfifo(edition / "fifo.rng")  # reading it would block the run for good
    line = refused(edition, "rng-include-fifo")
    assert '<include> href "fifo.rng" names no regular file' in line


def test_xml_model_naming_a_file_outside_the_edition_is_refused(edition: Path) -> None:
    line = refused(edition, "xml-model-outside")
    assert line == (
        f"{edition / 'xml-model-outside.xml'}:1:1: error: refused: the schema "
        '"../outside/secret.xml" is no regular file inside the folders being validated, nor a '
        "schema file (.rng, .sch, .xsd) elsewhere; a document may name nothing else "
        "[sandbox:untrusted-code-refused]"
    )


def test_schema_in_a_folder_beside_the_documents_reads_its_own_folder(edition: Path) -> None:
    # ../meta/sibling.rng, as real editions keep their schemas, with its module beside it.
    result = validate(str(edition / "rng-sibling-folder.xml"))
    assert result.exit_code == 0, result.output


def test_xsd_include_outside_the_edition_is_refused(edition: Path) -> None:
    schema = edition / "xsd-include-outside.xsd"
    line = refused(edition, "xsd-include-outside")
    what = "xs:include schemaLocation"
    assert refusal(f"{schema}:3:3", what, "../outside/secret.xsd", schema) in line


def test_schematron_include_outside_the_edition_is_refused(edition: Path) -> None:
    schema = edition / "sch-include-outside.sch"
    line = refused(edition, "sch-include-outside")
    assert refusal(f"{schema}:3:3", "sch:include href", "../outside/secret.sch", schema) in line


def test_schematron_extends_outside_the_edition_is_refused(edition: Path) -> None:
    schema = edition / "sch-extends-outside.sch"
    line = refused(edition, "sch-extends-outside")
    href = "../outside/secret.sch#secret-rule"
    assert refusal(f"{schema}:5:7", "sch:extends href", href, schema) in line


@pytest.mark.parametrize(
    "name", ["rng-include-outside", "rng-externalref-outside", "xsd-include-outside"]
)
def test_the_same_schema_given_with_schema_is_trusted(edition: Path, name: str) -> None:
    schema = next(edition.glob(f"{name}.[rx]*[gd]"))
    result = validate("--schema", str(schema), str(edition / f"{name}.xml"))
    assert result.exit_code == 0, result.output  # it read the grammar outside: valid


def test_a_grammar_checked_when_trusted_is_refused_when_untrusted(edition: Path) -> None:
    # The first run (trusted) keeps the checked grammar in the cache, and this
    # process's compiled grammars: neither lets the untrusted use skip the check.
    schema = edition / "rng-include-outside.rng"
    assert (
        validate("--schema", str(schema), str(edition / "rng-include-outside.xml")).exit_code == 0
    )
    refused(edition, "rng-include-outside")
