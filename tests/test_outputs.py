"""Issue 12, finding 5: outputs are written only inside the output folder, never
over each other, by one run at a time; a folder nothing can be written to is a
tool failure with one clear line; a site loads nothing from outside itself."""

from __future__ import annotations

import errno
import fcntl
import os
import shutil

import pytest
from click.testing import CliRunner

from teikit import render
from teikit.cli import cli

from conftest import FIXTURES, TEI

SHALLOW = FIXTURES / "issues" / "012" / "deep-nesting" / "shallow.xml"


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_transform_never_writes_through_a_symlinked_assets_folder(tmp_path):
    elsewhere, out = tmp_path / "elsewhere", tmp_path / "out"
    elsewhere.mkdir()
    out.mkdir()
    (out / "assets").symlink_to(elsewhere)
    result = invoke("transform", str(SHALLOW), "-o", str(out), "--to", "html")
    assert list(elsewhere.iterdir()) == []
    assert result.exit_code == 1
    assert "refusing to write through" in result.stderr and "symbolic link" in result.stderr


@pytest.fixture
def same_stem(tmp_path) -> list[str]:
    text = SHALLOW.read_text("utf-8")
    paths = []
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "x.xml").write_text(text, "utf-8")
        paths.append(str(tmp_path / folder / "x.xml"))
    return paths


def test_same_stem_inputs_do_not_overwrite_each_other_in_transform(tmp_path, same_stem):
    out = tmp_path / "out"
    result = invoke("transform", *same_stem, "-o", str(out), "--to", "txt")
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["x-2.txt", "x.txt"]
    assert "2 outputs" in result.stderr.splitlines()[-1]


def test_same_stem_inputs_do_not_overwrite_each_other_in_export(tmp_path, same_stem):
    out = tmp_path / "text"
    result = invoke("export", *same_stem, "-o", str(out), "--to", "txt")
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["x-2.txt", "x.txt"]
    assert result.stderr.splitlines()[-1] == f"wrote 2 file(s) to {out}"


def test_what_a_killed_run_left_is_cleaned_on_start(tmp_path):
    out = tmp_path / "out"
    (out / ".teikit-abcd1234").mkdir(parents=True)
    (out / ".teikit-abcd1234" / "half.html").write_text("half")
    (out / "sub").mkdir()
    (out / "sub" / ".page.html.k2j4h5g6.tmp").write_text("half")
    (out / ".keep-me").write_text("the user's")
    result = invoke("transform", str(SHALLOW), "-o", str(out), "--to", "txt")
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == [".keep-me", "shallow.txt", "sub"]
    assert list((out / "sub").iterdir()) == []


def test_a_second_run_into_a_folder_in_use_is_refused(tmp_path):
    out = tmp_path / "site"
    out.mkdir()
    held = os.open(out, os.O_RDONLY)
    fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)  # as a first build running does
    try:
        built = invoke("build", str(TEI), "-o", str(out), "--no-pdf", "--no-validate")
        transformed = invoke("transform", str(SHALLOW), "-o", str(out))
    finally:
        os.close(held)
    for result in (built, transformed):
        assert result.exit_code == 3
        assert result.stderr.splitlines()[-1] == (
            f"teikit: error: another teikit run is writing to {out}: "
            "wait for it to finish, or write elsewhere"
        )
    assert list(out.iterdir()) == []


def full_disk(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def test_a_full_disk_in_transform_is_a_tool_failure_with_one_clear_line(tmp_path, monkeypatch):
    monkeypatch.setattr(render, "write_temp", full_disk)  # in the workers too (fork)
    result = invoke("transform", str(SHALLOW), "-o", str(tmp_path / "out"), "--to", "txt")
    assert result.exit_code == 3
    assert result.stderr.splitlines()[-1] == (
        f"teikit: error: cannot write to {tmp_path / 'out'}: No space left on device"
    )


def test_a_full_disk_in_build_is_a_tool_failure_with_one_clear_line(tmp_path, monkeypatch):
    monkeypatch.setattr(render, "write_atomic", full_disk)
    result = invoke("build", str(TEI), "-o", str(tmp_path / "site"), "--no-pdf", "--no-validate")
    assert result.exit_code == 3
    last = result.stderr.splitlines()[-1]
    assert last.startswith(f"teikit: error: cannot write {tmp_path / 'site'}/")
    assert last.endswith(": No space left on device")


def test_a_read_only_folder_is_a_tool_failure(tmp_path, monkeypatch):
    def read_only(path, mode, **kwargs):
        return mode != os.W_OK

    monkeypatch.setattr(os, "access", read_only)  # root may write anywhere: pretend
    result = invoke("build", str(TEI), "-o", str(tmp_path / "site"), "--no-pdf")
    assert result.exit_code == 3
    assert result.stderr.splitlines() == [
        f"teikit: error: cannot write to {tmp_path / 'site'}: permission denied"
    ]


def test_site_images_come_into_the_site_and_nothing_outside_is_loaded(tmp_path):
    tei = tmp_path / "tei"
    shutil.copytree(TEI, tei)
    (tei / "img").mkdir()
    (tei / "img" / "facsimile.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (tmp_path / "secret.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    letter = tei / "letter-1954-06-22.xml"
    text = letter.read_text("utf-8")
    at = text.index("<p", text.index("<body"))
    figures = "".join(
        f'<figure><graphic url="{url}"/></figure>'
        for url in ("img/facsimile.png", "../secret.png", "/etc/hostname", "../../../../../x.png")
    )
    letter.write_text(text[:at] + figures + text[at:], "utf-8")
    result = invoke("build", str(tei), "-o", str(tmp_path / "site"), "--no-pdf", "--no-validate")
    assert result.exit_code == 0, result.stderr
    page = (tmp_path / "site" / "letter-1954-06-22.html").read_text("utf-8")
    assert page.count('src="media/img/facsimile.png"') == 1
    assert "secret.png" not in page and "/etc/hostname" not in page and "x.png" not in page
    assert (tmp_path / "site" / "media" / "img" / "facsimile.png").is_file()
    # Refused with a warning each, by the stylesheet or by the site's own check.
    refused = [line for line in result.stderr.splitlines() if "resource-outside]" in line]
    for url in ("../secret.png", "/etc/hostname", "../../../../../x.png"):
        assert sum(url in line for line in refused) == 1, (url, refused)


def test_policy_refuses_relative_resources_that_climb_out_of_the_site():
    from teikit.site.policy import leaves_site as _leaves_site

    assert _leaves_site("index.html", "../x.png")
    assert _leaves_site("index.html", "/etc/passwd")
    assert _leaves_site("sub/page.html", "../../x.png")
    assert not _leaves_site("sub/page.html", "../assets/site.css")
    assert not _leaves_site("index.html", "media/a/../b.png")


# A page with what the site's policy removes, replaces and keeps, ids given twice
# (the text keeps them, not the metadata panel) and tails to merge.
POLICY_PAGE = b"""<!DOCTYPE html><html><head><meta http-equiv="refresh" content="0"><link rel="stylesheet" href="https://cdn.example/x.css">t1<script src="assets/teikit.js"></script></head>
<body onload="x()"><p id="a">one<iframe src="https://x.example/"><img src="https://x.example/in.png" alt="inside"></iframe>two<script>alert(1)</script>three<img src="https://evil.example/t.png" alt="t" style="c" onclick="y">four</p>
<aside><span id="a">aside a</span><span id="b">aside b</span></aside><p><span id="b" class="k">text b</span><a href="javascript:alert(1)" id="c">x</a><embed src="e.swf">five<object data="o"></object>six</p><video poster="../../x.png" src="v.mp4"></video><span id="c">c2</span></body></html>"""


def test_the_policy_and_the_ids_of_a_page_as_the_site_writes_them():
    """The page, and the warnings in the order met, as enforce_policy and dedupe_ids
    made them when they held every element (they now walk the tree and change it
    after): byte for byte."""
    from teikit.site.markup import parse_page, serialize
    from teikit.site.policy import dedupe_ids, enforce_policy

    root = parse_page(POLICY_PAGE)
    found = []
    dedupe_ids(root)
    enforce_policy(root, "sub/page.html", found)
    assert serialize(root).decode() == (
        "<!DOCTYPE html>\n"
        '<html><head></head><body>t1<script src="assets/teikit.js"></script>\n'
        '<p id="a">onetwothree<a href="https://evil.example/t.png" class="tks-external-image">'
        "t</a>four</p>\n"
        "<aside><span>aside a</span><span>aside b</span></aside>"
        '<p><span id="b" class="k">text b</span><a id="c">x</a></p>'
        '<video src="v.mp4"></video><span>c2</span></body></html>\n'
    )
    assert [(d.code, d.message) for d in found] == [
        ("external-resource", "removed <link> to another site"),
        ("unsafe-markup", "removed <iframe> element"),
        ("unsafe-markup", "removed <script> element"),
        ("external-resource", "image on another site made a link: https://evil.example/t.png"),
        ("unsafe-url", "removed unsafe URL in @href"),
        ("unsafe-markup", "removed <embed> element"),
        ("unsafe-markup", "removed <object> element"),
        ("resource-outside", "removed @poster that leads outside the site: ../../x.png"),
    ]


@pytest.mark.parametrize("tail", [None, "\n", "\n\n\n", " x\n"])
def test_a_page_written_as_it_goes_is_the_serialised_page(tmp_path, tail):
    """write_page writes what serialize returns (ending in one line end), and
    parse_page reads a page from its file as from its bytes."""
    import io

    from teikit.site.markup import parse_page, serialize, write_page

    root = parse_page(POLICY_PAGE)
    root.tail = tail
    out = io.BytesIO()
    write_page(root, out)
    assert out.getvalue() == serialize(root)
    assert out.getvalue().endswith(b">\n") or tail == " x\n"
    (tmp_path / "page.html").write_bytes(POLICY_PAGE)
    assert serialize(parse_page(tmp_path / "page.html")) == serialize(parse_page(POLICY_PAGE))
    (tmp_path / "empty.html").write_bytes(b"")
    with pytest.raises(Exception, match="Document is empty"):
        parse_page(tmp_path / "empty.html")


def test_line_ends_are_held_back_until_more_comes():
    import io

    from teikit.site.markup import _OneNewline

    out = io.BytesIO()
    ending = _OneNewline(out)
    for piece in (b"a\n", b"\n", b"", b"b\n\n", b"\n"):
        ending.write(piece)
    ending.close()
    assert out.getvalue() == b"a\n\nb\n"


def test_an_output_written_as_it_goes_leaves_an_unchanged_file_as_it_was(tmp_path):
    """Outputs.store_written (and store_pieces): the file is replaced only when
    what was written differs from it; the hash is the content's either way."""
    import hashlib

    from teikit.site.outputs import BuildReport, Outputs

    outputs = Outputs(tmp_path, {}, False, BuildReport(tmp_path))
    first = outputs.store_written("a/page.html", lambda out: out.write(b"one"))
    assert (first.wrote, first.sha256) == (True, hashlib.sha256(b"one").hexdigest())
    page = tmp_path / "a" / "page.html"
    os.utime(page, (1, 1))
    again = outputs.store_pieces("a/page.html", [b"o", b"ne"])
    assert (again.wrote, again.sha256) == (False, first.sha256)
    assert page.stat().st_mtime == 1 and page.read_bytes() == b"one"
    changed = outputs.store_pieces("a/page.html", [b"two"])
    assert changed.wrote and page.read_bytes() == b"two"
    assert [p.name for p in page.parent.iterdir()] == ["page.html"]  # no temporary left
    forced = Outputs(tmp_path, {}, True, BuildReport(tmp_path))
    assert forced.store_written("a/page.html", lambda out: out.write(b"two")).wrote
