"""The shared runner: discovery, order under parallelism, keep-going, Ctrl-C,
atomic writes."""

from __future__ import annotations

import os
import signal
import stat
import sys
import time

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


def when_run(n: int) -> int:
    return time.monotonic_ns()


def test_the_costliest_items_are_handed_out_first_and_results_keep_input_order():
    seen = []
    items = list(range(40))
    ran = run(when_run, items, jobs=1, cost=lambda n: n % 7, on_result=lambda i, r: seen.append(i))
    assert seen == items  # reported in input order …
    by_start = sorted(items, key=lambda n: ran[n])
    assert [n % 7 for n in by_start] == sorted(
        (n % 7 for n in items), reverse=True
    )  # … run by cost


def pid_and_overlap(item: tuple[int, bool, str]) -> tuple[int, bool]:
    """The worker's pid, and whether another heavy item was running at the same time."""
    _, heavy, marker = item
    if not heavy:
        return os.getpid(), False
    try:
        fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return os.getpid(), True
    time.sleep(0.05)
    os.close(fd)
    os.unlink(marker)
    return os.getpid(), False


def test_heavy_items_run_one_at_a_time_each_in_a_worker_of_its_own(tmp_path):
    marker = str(tmp_path / "running")
    items = [(n, n % 5 == 0, marker) for n in range(30)]
    results = run(pid_and_overlap, items, jobs=2, heavy=lambda item: item[1])
    assert not any(overlap for _, overlap in results)
    pids = [pid for pid, _ in results]
    heavy = [pid for (_, is_heavy, _), (pid, _) in zip(items, results, strict=True) if is_heavy]
    # each heavy item is all its worker ran: a fresh one, replaced after it
    assert all(pids.count(pid) == 1 for pid in heavy)
    assert os.getpid() not in pids


def span_and_pid(item: tuple[int, bool]) -> tuple[int, int, int]:
    """When the item ran (a clock all processes share) and where."""
    start = time.monotonic_ns()
    time.sleep(0.02 if item[1] else 0.005)
    return start, time.monotonic_ns(), os.getpid()


def test_an_item_that_runs_alone_has_nothing_beside_it_and_a_fresh_worker():
    items = [(n, n in (3, 11, 12)) for n in range(24)]
    results = run(span_and_pid, items, jobs=2, alone=lambda item: item[1])
    pids = [pid for _, _, pid in results]
    for (_, alone), (start, end, pid) in zip(items, results, strict=True):
        if not alone:
            continue
        assert pids.count(pid) == 1  # a worker of its own, replaced after it
        others = [r for r in results if r[2] != pid]
        assert all(e <= start or s >= end for s, e, _ in others)  # nothing beside it


def pid_of_worker(item: tuple[str | None, int]) -> int:
    return os.getpid()


def test_a_family_s_items_go_to_one_worker_which_is_replaced_before_it_takes_others():
    """What a family needs (a schema compiled) is made in one worker: its items, the
    costliest and handed out first, do not go one to each worker as the others
    did; and that worker takes nothing else (what it made would stay beside what
    the next items need): a fresh fork does."""
    items = [("schema", n) for n in range(4)] + [(None, n) for n in range(60)]
    seen: list = []
    pids = run(pid_of_worker, items, jobs=2, cost=lambda item: item[0] == "schema",
               family=lambda item: item[0], on_result=lambda item, _: seen.append(item))  # fmt: skip
    assert seen == items
    kin = {pid for item, pid in zip(items, pids, strict=True) if item[0] == "schema"}
    rest = {pid for item, pid in zip(items, pids, strict=True) if item[0] is None}
    assert len(kin) == 1
    assert not kin & rest
    plain = run(pid_of_worker, items, jobs=2, cost=lambda item: item[0] == "schema")
    assert len({pid for item, pid in zip(items, plain, strict=True) if item[0] == "schema"}) == 2


def test_items_each_of_a_family_of_its_own_do_not_each_cost_a_worker():
    """Leaving a family costs a fork at most as many times in a run as there are
    workers: files that each name a schema of their own are not each given a fresh
    worker."""
    items = [(f"schema-{n}", n) for n in range(40)]
    seen: list = []
    pids = run(pid_of_worker, items, jobs=2, family=lambda item: item[0],
               on_result=lambda item, _: seen.append(item))  # fmt: skip
    assert seen == items
    assert len(set(pids)) <= 4


KEPT: list[bytes] = []


def grow_by_8_mb(n: int) -> int:
    KEPT.append(os.urandom(8 * 2**20))  # a worker's engine keeping what it took
    return os.getpid()


def test_a_worker_that_grew_too_much_is_replaced_after_its_items(monkeypatch):
    monkeypatch.setattr(batch, "_WEIGH_EVERY", 0.0)  # after every item
    items = list(range(12))
    pids = run(grow_by_8_mb, items, jobs=2, grow=20 * 2**20)
    assert len(set(pids)) > 2  # replaced …
    assert all(pids.count(pid) <= 5 for pid in pids)  # … after at most its queue (depth 2)
    assert run(square, items, jobs=2, grow=2**40) == [n * n for n in items]


def pid_of(n: int) -> tuple[int, int]:
    time.sleep(0.01)
    return n, os.getpid()


def test_a_worker_is_replaced_after_recycle_items_and_the_order_is_kept():
    items = list(range(23))
    results = run(pid_of, items, jobs=2, recycle=3)
    assert [n for n, _ in results] == items
    pids = [pid for _, pid in results]
    assert max(pids.count(pid) for pid in pids) <= 3
    assert len(set(pids)) >= 8  # 23 items, at most 3 a worker
    # heavy and alone items still run in fresh workers of their own beside recycling
    heavy = run(pid_of, items, jobs=2, recycle=3, heavy=lambda n: n in (5, 17),
                alone=lambda n: n == 17)  # fmt: skip
    assert [n for n, _ in heavy] == items
    alone = heavy[17][1]
    assert [n for n, pid in heavy if pid == alone] == [17]


def die_on_seven(n: int) -> int:
    if n == 7 and os.getpid() != PARENT:
        os._exit(1)  # a worker crashing hard, as a segfault in a native library would
    return n


PARENT = os.getpid()


def as_failure(item, failure):
    return (item, failure.kind, failure.detail)


def test_a_dead_worker_costs_its_item_only_and_it_is_never_run_here():
    results = run(die_on_seven, list(range(20)), jobs=2, on_failure=as_failure)
    # Run here, item 7 would have given 7: it is reported instead.
    assert results[:7] == list(range(7)) and results[8:] == list(range(8, 20))
    assert results[7][:2] == (7, "crash") and "status 1" in results[7][2]


def segfault_on_two(n: int) -> int:
    if n == 2:
        os.kill(os.getpid(), signal.SIGSEGV)
    return n


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_segfault_is_a_finding_also_with_one_job(jobs):
    results = run(segfault_on_two, [0, 1, 2, 3], jobs=jobs, on_failure=as_failure)
    assert results[:2] == [0, 1] and results[3] == 3
    assert results[2][:2] == (2, "crash") and "SIGSEGV" in results[2][2]


def test_a_single_item_is_isolated_too():
    assert run(segfault_on_two, [2], on_failure=as_failure)[0][:2] == (2, "crash")


def test_without_on_failure_a_dead_worker_raises():
    with pytest.raises(batch.WorkerError, match="crashed on this file"):
        run(segfault_on_two, [1, 2, 3], jobs=1)


def raise_on_one(n: int) -> int:
    if n == 1:
        raise ValueError("bad item")
    return n


def test_an_exception_in_a_worker_is_a_finding_for_its_item():
    results = run(raise_on_one, [0, 1, 2], jobs=1, on_failure=as_failure)
    assert results == [0, (1, "error", "ValueError: bad item"), 2]


def test_a_stack_overflow_in_native_code_is_named(tmp_path):
    def overflow(n: int) -> int:
        if n == 1:
            # what a native engine prints on its way out, to file descriptor 2
            os.write(2, b"Unhandled exception: java.lang.StackOverflowError: null\n")
            os._exit(99)
        return n

    results = run(overflow, [0, 1], jobs=1, on_failure=as_failure)
    assert "stack overflow" in results[1][2] and "status 99" in results[1][2]


def interrupt_at_three(n: int) -> int:
    if n == 3:
        raise KeyboardInterrupt
    return n


def test_ctrl_c_gives_the_results_so_far():
    with pytest.raises(Interrupted) as stop:
        run(interrupt_at_three, list(range(10)), jobs=1, isolate=False)
    assert stop.value.results == [0, 1, 2]


def test_ctrl_c_in_the_parent_stops_the_workers():
    import multiprocessing

    def on_result(item, result):
        if item == 3:
            raise KeyboardInterrupt

    with pytest.raises(Interrupted) as stop:
        run(square, list(range(50)), jobs=2, on_result=on_result)
    assert stop.value.results[:3] == [0, 1, 4]
    assert multiprocessing.active_children() == []


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


def prepare_pair(n: int) -> tuple[int, int | None]:
    return n + 1000, (n if n % 3 else None)  # every third item has no second stage


def test_pipeline_runs_the_second_stage_in_workers_and_keeps_order():
    seen = []
    items = list(range(50))
    batch.pipeline(
        items, prepare_pair, worker_square, lambda i, s, f: seen.append((i, s, f)), jobs=2
    )
    assert seen == [(n, n + 1000, None if n % 3 == 0 else (n * n, True)) for n in items]


def worker_square(n: int) -> tuple[int, bool]:
    return n * n, os.getpid() != PARENT  # True: it ran in a worker


def test_pipeline_reports_work_whose_worker_dies_and_goes_on():
    seen = []
    batch.pipeline(
        list(range(1, 20)),
        lambda n: (n, n),
        die_on_seven,
        lambda i, s, f: seen.append(f),
        jobs=2,
        on_failure=lambda work, failure: -work,
    )
    assert seen == [-n if n == 7 else n for n in range(1, 20)]


def test_pipeline_ctrl_c_stops_the_workers():
    def prepare(n: int) -> tuple[int, int]:
        if n == 5:
            raise KeyboardInterrupt
        return n, n

    seen = []
    with pytest.raises(Interrupted):
        batch.pipeline(list(range(10)), prepare, square, lambda i, s, f: seen.append(f), jobs=2)
    assert seen == [n * n for n in range(len(seen))]  # whatever finished came in order


def hang_on_five(n: int) -> int:
    if n == 5 and os.getpid() != PARENT:
        from conftest import _hanging

        _hanging["stuck"].hang()
    return n


def test_a_hung_worker_is_given_up_and_the_run_goes_on_with_one_job(stuck):
    seen = []
    results = run(
        hang_on_five,
        list(range(12)),
        jobs=1,
        on_failure=lambda item, failure: (item, failure.kind),
        on_result=lambda item, result: seen.append(item),
    )
    assert results == [0, 1, 2, 3, 4, (5, "timeout"), 6, 7, 8, 9, 10, 11]
    assert seen == list(range(12))


def test_a_hung_worker_is_given_up_in_parallel(stuck):
    seen = []
    stuck.also = lambda: len(seen) == 5  # the leap comes when only item 5 is left
    results = run(
        hang_on_five,
        list(range(6)),
        jobs=2,
        timeout=60,
        on_failure=lambda item, failure: (item, failure.kind, failure.seconds),
        on_result=lambda item, result: seen.append(item),
    )
    assert results == [0, 1, 2, 3, 4, (5, "timeout", 60)]


def test_a_large_file_gets_the_timeout_for_each_mb(stuck):
    # A 20 MB diary is slow, not hung: its limit is 20 times a letter's.
    results = run(
        hang_on_five,
        list(range(6)),
        jobs=1,
        timeout=60,
        size=lambda n: 3 * 2**20 if n == 5 else 100,
        on_failure=lambda item, failure: (item, failure.kind, failure.seconds),
    )
    assert results == [0, 1, 2, 3, 4, (5, "timeout", 180)]
    assert batch.time_limit(None, 20 * 2**20) == 20 * batch.DEFAULT_TIMEOUT
    assert batch.time_limit(30, 2**19) == 30  # a small file: the timeout as given


def test_pipeline_gives_up_hung_work_and_goes_on(stuck):
    seen = []
    batch.pipeline(
        list(range(1, 9)),
        lambda n: (n, n),
        hang_on_five,
        lambda i, s, f: seen.append(f),
        jobs=1,
        on_failure=lambda work, failure: -work,
    )
    assert seen == [1, 2, 3, 4, -5, 6, 7, 8]


def test_validate_reports_a_file_that_hangs_a_worker(monkeypatch, tmp_path, stuck):
    from teikit.cli import cli

    from conftest import make_workers_hang

    module = sys.modules["teikit.validate"]
    make_workers_hang(monkeypatch, module, "_check_path", lambda path: path.endswith("1.xml"))
    files = []
    for n in range(3):
        path = tmp_path / f"{n}.xml"
        path.write_text('<TEI xmlns="http://www.tei-c.org/ns/1.0"/>')
        files.append(str(path))
    result = CliRunner().invoke(
        cli, ["validate", *files, "--schema", "tei_all", "-j", "1", "--timeout", "30"]
    )
    assert result.exit_code == 1, result.output
    assert f"{files[1]}:0:0: error: gave up after 30 s" in result.stderr
    assert "gave up" not in result.stderr.replace(f"{files[1]}:0:0: error: gave up", "")
    assert result.stderr.splitlines()[-1].startswith("3 files, ")


def test_the_watchdog_covers_a_single_file(monkeypatch, tmp_path, stuck):
    from teikit.cli import cli

    from conftest import make_workers_hang

    make_workers_hang(monkeypatch, sys.modules["teikit.validate"], "_check_path", lambda p: True)
    path = tmp_path / "only.xml"
    path.write_text('<TEI xmlns="http://www.tei-c.org/ns/1.0"/>')
    result = CliRunner().invoke(cli, ["validate", str(path), "--schema", "tei_all"])
    assert result.exit_code == 1, result.output
    assert f"{path}:0:0: error: gave up after 600 s" in result.stderr


def test_a_streamed_write_that_fails_midway_leaves_the_old_file(tmp_path):
    target = tmp_path / "index.json"
    target.write_text("old")

    def produce(handle):
        handle.write(b"half of the new")
        raise RuntimeError("disk full, say")

    with pytest.raises(RuntimeError):
        batch.write_atomic_with(target, produce)
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.json"]  # no temporary left
    batch.write_atomic_with(target, lambda handle: handle.write(b"new"))
    assert target.read_text() == "new"


def segfault_in_the_validator(path: str):
    if path.endswith("2.xml"):
        os.kill(os.getpid(), signal.SIGSEGV)  # as libxml2 on a hostile grammar would
    return _real_check(path)


_real_check = None


def test_a_segfault_while_validating_is_that_files_finding(monkeypatch, tmp_path):
    global _real_check
    from teikit.cli import cli

    module = sys.modules["teikit.validate"]
    _real_check = module._check_path
    monkeypatch.setattr(module, "_check_path", segfault_in_the_validator)
    files = []
    for n in range(4):
        path = tmp_path / f"{n}.xml"
        path.write_text('<TEI xmlns="http://www.tei-c.org/ns/1.0"/>')
        files.append(str(path))
    result = CliRunner().invoke(cli, ["validate", *files, "--schema", "tei_all", "-j", "1"])
    assert result.exit_code == 1, result.output
    crashed = [line for line in result.stderr.splitlines() if "crashed" in line]
    assert crashed == [
        f"{files[2]}:0:0: error: the validator crashed on this file: a segmentation fault "
        "(SIGSEGV); the other files go on [teikit:validator-crashed]"
    ]
    assert result.stderr.splitlines()[-1].startswith("4 files, ")
