"""The link checker of ``teikit build``: every dead internal link is a finding at
its line, counted in the summary, and the build exits 1."""

from __future__ import annotations

from click.testing import CliRunner

from teikit.cli import cli
from teikit.errors import Severity
from teikit.site import build_site
from teikit.site.links import check_links

from conftest import FIXTURES

PAGE = """<!DOCTYPE html>
<html><head><link rel="stylesheet" href="assets/a.css"></head>
<body id="top">
<a href="b.html#here">fine</a>
<a href="b.html#gone">no such id</a>
<a href="missing.html">no such page</a>
<a href="#top">this page</a>
<a href="https://example.org/x.html">another site</a>
<a href="mailto:a@example.org">mail</a>
<a href="../outside.html">outside</a>
</body></html>
"""


def test_check_links_reports_each_dead_link_at_its_line(tmp_path):
    (tmp_path / "a.html").write_text(PAGE, "utf-8")
    (tmp_path / "b.html").write_text('<html><body><p id="here">x</p></body></html>', "utf-8")
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets/a.css").write_text("", "utf-8")
    dead = check_links(tmp_path, ["a.html", "b.html"], ["a.html", "b.html", "assets/a.css"])
    assert [(d.line, d.code, d.severity) for d in dead] == [
        (5, "dead-link", Severity.ERROR),
        (6, "dead-link", Severity.ERROR),
        (10, "dead-link", Severity.ERROR),
    ]
    assert dead[0].file == str(tmp_path / "a.html")
    assert "b.html has no element with id 'gone'" in dead[0].message
    assert "the site has no file missing.html" in dead[1].message
    assert "outside the site" in dead[2].message


def test_build_reports_dead_links_and_counts_them(tmp_path):
    report = build_site(FIXTURES / "site" / "dead-link", tmp_path / "site", pdf=False,
                        validate=False)  # fmt: skip
    dead = [d for d in report.diagnostics if d.code == "dead-link"]
    assert report.dead_links == len(dead) == 2
    assert all(d.file.endswith("letter.html") and d.line > 0 for d in dead)
    assert "'other.html': the site has no file other.html" in dead[0].message
    assert "letter.html has no element with id 'nowhere'" in dead[1].message
    assert "2 dead links" in report.summary()
    assert not report.ok
    # a letter that is not in the edition is not linked at all: no page, no link
    letter = (tmp_path / "site" / "letter.html").read_text("utf-8")
    assert "other.xml" not in letter and 'href="other.html"' in letter


def test_cli_build_exits_1_on_dead_links(tmp_path):
    result = CliRunner().invoke(
        cli,
        ["build", str(FIXTURES / "site" / "dead-link"), "-o", str(tmp_path / "site"),
         "--no-pdf", "--no-validate"],
        catch_exceptions=False,
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    lines = result.stderr.splitlines()
    assert any(":error: dead link 'other.html'" in line.replace(" ", "") or
               "error: dead link 'other.html'" in line for line in lines)  # fmt: skip
    assert ", 2 dead links," in lines[-1]


def test_terms_and_events_get_register_pages_and_no_other_type_does(tmp_path):
    site = tmp_path / "site"
    report = build_site(FIXTURES / "site" / "terms-and-events", site, pdf=False, validate=False)
    assert report.ok and report.dead_links == 0, [d.format() for d in report.diagnostics]
    for absent in ("persons.html", "places.html", "organisations.html", "works.html"):
        assert not (site / absent).exists(), absent
    terms = (site / "terms.html").read_text("utf-8")
    assert "<h1>Terms</h1>" in terms
    assert 'id="quarrel"' in terms and 'id="lawsuit"' in terms  # nested categories too
    assert 'href="letter.html#tk-m' in terms  # each term links its mention
    assert 'href="letter.html#tk-m' in (site / "events.html").read_text("utf-8")
    letter = (site / "letter.html").read_text("utf-8")
    assert 'href="terms.html#quarrel"' in letter
    nav = (site / "index.html").read_text("utf-8")
    assert 'href="terms.html"' in nav and 'href="events.html"' in nav
    assert 'href="persons.html"' not in nav


def test_dead_links_on_one_line_come_in_the_order_they_were_found(tmp_path):
    # A page serialised on one line: the links decided as it is read (no such file,
    # no such id on this page or on a page read before) come first, in the page's
    # order; those that waited for a page read later follow, in the page's order.
    (tmp_path / "a.html").write_text('<html><body><p id="x">a</p></body></html>', "utf-8")
    (tmp_path / "b.html").write_text(
        '<html><body><a href="c.html#late1">1</a><a href="a.html#gone">2</a>'
        '<a href="missing.html">3</a><a href="#nothere">4</a><a href="c.html#late2">5</a>'
        '<a href="a.html#x">fine</a><a href="c.html#here">fine</a></body></html>',
        "utf-8",
    )
    (tmp_path / "c.html").write_text('<html><body><p id="here">c</p></body></html>', "utf-8")
    pages = ["a.html", "b.html", "c.html"]
    dead = check_links(tmp_path, pages, pages)
    assert [d.message.split("'")[1] for d in dead] == [
        "a.html#gone",
        "missing.html",
        "#nothere",
        "c.html#late1",
        "c.html#late2",
    ]
    assert {d.line for d in dead} == {1}
