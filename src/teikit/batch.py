"""The one runner every command uses: file discovery, a process pool, progress,
keep-going, stable output order, and a clean stop on Ctrl-C.

Workers are forked *after* the caller has warmed its caches (compiled schemas,
stylesheets), so each worker starts with them already in memory instead of
compiling its own copy.
"""

from __future__ import annotations

import glob
import multiprocessing
import os
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, TextIO, TypeVar

STDIN = "-"
T = TypeVar("T")
R = TypeVar("R")


def discover(paths: Iterable[str], suffix: str = ".xml") -> list[str]:
    """Expand folders (recursively, ``*.xml``) and globs, keeping the given order.

    A path that does not exist is passed through unchanged, so that the loader
    reports it as a located diagnostic instead of it silently disappearing.
    Hidden files and folders inside a searched folder are skipped.
    """
    found: list[str] = []
    for raw in paths:
        if raw == STDIN:
            found.append(raw)
            continue
        path = Path(raw)
        if path.is_dir():
            found.extend(
                str(p)
                for p in sorted(path.rglob(f"*{suffix}"))
                if p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        elif not path.exists() and glob.has_magic(raw):
            matches = [m for m in sorted(glob.glob(raw, recursive=True)) if os.path.isfile(m)]
            found.extend(matches or [raw])
        else:
            found.append(raw)
    seen: set[str] = set()
    return [p for p in found if not (p in seen or seen.add(p))]


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@dataclass
class Progress:
    """A one-line progress bar on a terminal; silent when output is a pipe."""

    total: int
    stream: TextIO = sys.stderr
    enabled: bool | None = None
    done: int = 0
    _last: float = 0.0

    def __post_init__(self) -> None:
        if self.enabled is None:
            self.enabled = self.stream.isatty() and self.total > 1

    def step(self, label: str = "") -> None:
        self.done += 1
        now = time.monotonic()
        if not self.enabled or (now - self._last < 0.1 and self.done < self.total):
            return
        self._last = now
        width = 30
        filled = width * self.done // max(self.total, 1)
        bar = "#" * filled + "-" * (width - filled)
        self.stream.write(f"\r[{bar}] {self.done}/{self.total} {label[-40:]:<40}")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\r" + " " * 90 + "\r")
            self.stream.flush()


class Interrupted(Exception):
    """Ctrl-C during a batch; ``results`` holds what finished, in input order."""

    def __init__(self, results: list[Any]):
        super().__init__("interrupted")
        self.results = results


# Seconds a worker may spend on one item before it counts as hung (parallel runs).
DEFAULT_TIMEOUT = 600.0


def run(
    func: Callable[[T], R],
    items: Sequence[T],
    *,
    jobs: int | None = None,
    on_result: Callable[[T, R], None] | None = None,
    chunksize: int | None = None,
    timeout: float | None = None,
    on_timeout: Callable[[T, float], R] | None = None,
) -> list[R]:
    """Apply ``func`` to every item, in parallel when ``jobs`` > 1.

    ``func`` must not raise for bad input (it returns its findings); results
    come back in input order whatever the parallelism. On Ctrl-C the pool is
    stopped and :class:`Interrupted` carries the results finished so far.

    Watchdog (parallel runs, when ``on_timeout`` is given): an item whose worker
    has not answered within ``timeout`` seconds (default
    :data:`DEFAULT_TIMEOUT`) is given up; its result is
    ``on_timeout(item, seconds)``, the workers are replaced and the run goes on.
    When a worker dies (a crash in native code), the items not yet done are
    done here, in this process.
    """
    jobs = default_jobs() if jobs is None else max(1, jobs)
    jobs = min(jobs, len(items)) or 1
    results: list[R] = []

    def take(item: T, result: R) -> None:
        results.append(result)
        if on_result is not None:
            on_result(item, result)

    if jobs == 1 or "fork" not in multiprocessing.get_all_start_methods():
        try:
            for item in items:
                take(item, func(item))
        except KeyboardInterrupt:
            raise Interrupted(results) from None
        return results

    # fork: workers inherit the parent's warmed caches (compiled schemas).
    limit = DEFAULT_TIMEOUT if timeout is None else timeout
    size = chunksize or max(1, min(16, len(items) // (jobs * 8) or 1))
    try:
        _run_forked(func, items, jobs, size, limit if on_timeout else None, on_timeout, take)
    except KeyboardInterrupt:
        raise Interrupted(results) from None
    return results


def _apply(func: Callable[[T], R], chunk: Sequence[T]) -> list[R]:
    return [func(item) for item in chunk]


class _Pool:
    """Forked workers that can be stopped (terminated mid-task) or replaced during
    a run. As a context manager: shut down cleanly after a normal end, terminated
    after an exception (Ctrl-C included)."""

    def __init__(self, jobs: int) -> None:
        self.jobs = jobs
        self.executor: ProcessPoolExecutor | None = None
        self.replace()

    def replace(self) -> None:
        self.stop()
        context = multiprocessing.get_context("fork")
        self.executor = ProcessPoolExecutor(max_workers=self.jobs, mp_context=context)

    def stop(self) -> None:
        """Terminate the workers now, then drop the executor."""
        executor, self.executor = self.executor, None
        if executor is None:
            return
        # Take the workers before shutdown() forgets them (it sets _processes to None).
        for process in list((getattr(executor, "_processes", None) or {}).values()):
            process.terminate()
        executor.shutdown(wait=False, cancel_futures=True)

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any] | None:
        """A future, or None when there are no workers (any more)."""
        if self.executor is None:
            return None
        try:
            return self.executor.submit(fn, *args)
        except BrokenProcessPool:  # a worker died since the last look
            self.stop()
            return None

    def __enter__(self) -> _Pool:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if kind is not None:
            self.stop()
        elif self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)


def _run_forked(
    func: Callable[[T], R],
    items: Sequence[T],
    jobs: int,
    size: int,
    limit: float | None,
    on_timeout: Callable[[T, float], R] | None,
    take: Callable[[T, R], None],
) -> None:
    """The parallel part of :func:`run`: chunks are taken in input order; the pool
    is kept fed with up to ``4 * jobs`` unfinished chunks, so a long item at the
    head does not leave the other workers idle; the head is waited for at most
    ``limit`` seconds an item."""
    position = 0  # items handed to the pool so far
    waiting: deque[tuple[Sequence[T], Future[list[R]]]] = deque()
    head_since = time.monotonic()  # when the current head chunk became the head
    with _Pool(jobs) as pool:
        while position < len(items) or waiting:
            running = sum(1 for _, f in waiting if not f.done())
            while pool.executor is not None and position < len(items) and running < jobs * 4:
                chunk = items[position : position + size]
                future = pool.submit(_apply, func, chunk)
                if future is None:
                    break
                waiting.append((chunk, future))
                position += len(chunk)
                running += 1
            if pool.executor is None:  # a worker died: the rest is done here
                for chunk, _ in waiting:
                    for item in chunk:
                        take(item, func(item))
                waiting.clear()
                for item in items[position:]:
                    take(item, func(item))
                position = len(items)
                continue
            chunk, future = waiting[0]
            if not future.done():
                budget = None if limit is None else limit * len(chunk)
                left = None if budget is None else budget - (time.monotonic() - head_since)
                if left is None or left > 0:
                    # the head, or any other chunk: then the pool is fed again
                    unfinished = [f for _, f in waiting if not f.done()]
                    wait(unfinished, timeout=left, return_when=FIRST_COMPLETED)
                    continue
                # Hung (or far too slow). Which item of the chunk is to blame is
                # unknown: the workers are replaced and the chunk's items retried
                # one by one; an item alone that times out is given up.
                pool.replace()
                if len(chunk) == 1:
                    assert on_timeout is not None and limit is not None
                    waiting.popleft()
                    take(chunk[0], on_timeout(chunk[0], limit))
                retry = [item for queued, _ in waiting for item in queued]
                waiting.clear()
                items = list(retry) + list(items[position:])
                position, size = 0, 1
                head_since = time.monotonic()
                continue
            try:
                chunk_results = future.result()
            except BrokenProcessPool:
                pool.stop()
                continue
            waiting.popleft()
            head_since = time.monotonic()
            for item, result in zip(chunk, chunk_results, strict=True):
                take(item, result)


W = TypeVar("W")
S = TypeVar("S")


def _noop() -> None:
    return None


def pipeline(
    items: Sequence[T],
    prepare: Callable[[T], tuple[R, W | None]],
    finish: Callable[[W], S],
    on_result: Callable[[T, R, S | None], None],
    *,
    jobs: int,
    window: int | None = None,
    timeout: float | None = None,
    on_timeout: Callable[[W, float], S] | None = None,
) -> None:
    """Two stages per item: ``prepare`` here, then ``finish`` in forked workers.

    ``prepare(item)`` returns ``(state, work)``; when ``work`` is not None,
    ``finish(work)`` runs in a worker while this process prepares the next
    items. ``on_result(item, state, finished)`` is called here in input order
    (``finished`` is None when there was no work). At most ``window`` items wait
    for their second stage, which bounds memory.

    For work that a forked process can do only if it has not done the first
    stage (Typst after Saxon, see :mod:`teikit.render`): the workers are forked
    at the start, before ``prepare`` first runs, and never prepare. If a worker
    dies, the remaining work is finished here. With ``on_timeout``, work a
    worker has not finished within ``timeout`` seconds (default
    :data:`DEFAULT_TIMEOUT`) once it is the oldest is given up as
    ``on_timeout(work, seconds)`` and the rest is finished here. Ctrl-C
    terminates the workers and raises :class:`Interrupted`.
    """
    limit = DEFAULT_TIMEOUT if timeout is None else timeout
    jobs = max(1, min(jobs, len(items)))
    window = window or jobs * 4
    waiting: deque[tuple[T, R, W | None, Future[S] | None]] = deque()

    def settle(pool: _Pool, entry: tuple[T, R, W | None, Future[S] | None]) -> None:
        item, state, work, future = entry
        finished: S | None = None
        if future is not None:
            try:
                finished = future.result(timeout=limit if on_timeout else None)
            except BrokenProcessPool:
                pool.stop()
                finished = finish(work)  # type: ignore[arg-type]
            except FutureTimeout:
                assert on_timeout is not None
                pool.stop()
                finished = on_timeout(work, limit)  # type: ignore[arg-type]
        elif work is not None:  # the workers are gone: finish here
            finished = finish(work)
        on_result(item, state, finished)

    try:
        with _Pool(jobs) as pool:
            started = pool.submit(_noop)  # with fork, this starts every worker now
            if started is not None:
                started.result()
            for item in items:
                state, work = prepare(item)
                future = pool.submit(finish, work) if work is not None else None
                waiting.append((item, state, work, future))
                while waiting and (
                    len(waiting) > window or waiting[0][3] is None or waiting[0][3].done()
                ):
                    settle(pool, waiting.popleft())
            while waiting:
                settle(pool, waiting.popleft())
    except KeyboardInterrupt:
        raise Interrupted([]) from None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(
    path: str | os.PathLike[str],
    data: bytes | str,
    encoding: str = "utf-8",
    *,
    keep_mode: bool = False,
) -> Path:
    """Write a file so that readers see the old content or the new, never half.

    The temporary file lives in the target folder, so ``os.replace`` is a rename
    on the same file system. The file gets the mode a plain ``open()`` would give
    it (0666 minus the umask); with ``keep_mode``, a file that already exists keeps
    its own mode instead.
    """
    payload = data.encode(encoding) if isinstance(data, str) else data
    return write_atomic_with(path, lambda handle: handle.write(payload), keep_mode=keep_mode)


def write_atomic_with(
    path: str | os.PathLike[str],
    produce: Callable[[BinaryIO], object],
    *,
    keep_mode: bool = False,
) -> Path:
    """:func:`write_atomic` for output made piece by piece: ``produce`` writes to
    the open temporary file, so a large output never has to be held whole in
    memory. If it raises, the target is left as it was."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = target.stat().st_mode & 0o7777 if keep_mode else None
    except OSError:  # a new file
        mode = None
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            produce(handle)
            handle.flush()
            os.fsync(handle.fileno())
        # mkstemp creates 0600: give the file the mode a plain open() would, or its own.
        os.chmod(tmp, 0o666 & ~_umask() if mode is None else mode)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
