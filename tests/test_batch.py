"""The shared runner: discovery, order under parallelism, keep-going, Ctrl-C,
atomic writes."""

from __future__ import annotations

import os
import stat
import sys

import pytest
from click.testing import CliRunner

from teikit import batch
from teikit.batch import Interrupted, discover, run, write_atomic


def test_discover_folders_globs_hidden_and_missing(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "2.xml").write_text("<x/>")
    (tmp_path / "1.xml").write_text("<x/>")
    (tmp_path / "notes.txt").write_text("no")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "hidden.xml").write_text("<x/>")
    missing = str(tmp_path / "missing.xml")
    found = discover([str(tmp_path), str(tmp_path / "*.xml"), missing, "-"])
    assert found == [str(tmp_path / "1.xml"), str(tmp_path / "b" / "2.xml"), missing, "-"]


def square(n: int) -> int:
    return n * n


def test_results_keep_input_order_in_parallel():
    seen = []
    items = list(range(200))
    results = run(square, items, jobs=2, on_result=lambda item, result: seen.append(item))
    assert results == [n * n for n in items]
    assert seen == items


def die_on_seven(n: int) -> int:
    if n == 7 and os.getpid() != PARENT:
        os._exit(1)  # a worker crashing hard, as a segfault in a native library would
    return n


PARENT = os.getpid()


def test_a_dead_worker_does_not_hang_or_lose_items():
    assert run(die_on_seven, list(range(20)), jobs=2) == list(range(20))


def interrupt_at_three(n: int) -> int:
    if n == 3:
        raise KeyboardInterrupt
    return n


def test_ctrl_c_gives_the_results_so_far():
    with pytest.raises(Interrupted) as stop:
        run(interrupt_at_three, list(range(10)), jobs=1)
    assert stop.value.results == [0, 1, 2]


def test_validate_reports_an_interrupted_run(monkeypatch, tmp_path):
    from teikit.cli import cli
    from teikit.validate import FileResult

    def interrupted(func, items, **kwargs):
        raise Interrupted([FileResult(items[0])])

    # teikit.validate is also the name of a function on the package: patch the module.
    monkeypatch.setattr(sys.modules["teikit.validate"], "run", interrupted)
    files = []
    for n in range(3):
        path = tmp_path / f"{n}.xml"
        path.write_text('<TEI xmlns="http://www.tei-c.org/ns/1.0"/>')
        files.append(str(path))
    result = CliRunner().invoke(cli, ["validate", *files, "--schema", "tei_all"])
    assert result.exit_code == 130
    assert result.stderr.splitlines()[-1].startswith("interrupted: 1 files, 1 valid")
    assert "Traceback" not in result.output


def test_write_atomic_replaces_whole_files_with_a_normal_mode(tmp_path):
    target = tmp_path / "out" / "page.html"
    write_atomic(target, "first")
    write_atomic(target, "second")
    assert target.read_text() == "second"
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~mask
    assert [p.name for p in target.parent.iterdir()] == ["page.html"]


def test_write_atomic_leaves_the_old_file_when_writing_fails(tmp_path, monkeypatch):
    target = tmp_path / "page.html"
    write_atomic(target, "old")

    def boom(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(batch.os, "replace", boom)
    with pytest.raises(OSError):
        write_atomic(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["page.html"]


def test_progress_is_silent_in_a_pipe(capsys):
    import io

    stream = io.StringIO()
    progress = batch.Progress(10, stream=stream)
    for _ in range(10):
        progress.step("x")
    progress.close()
    assert stream.getvalue() == ""
