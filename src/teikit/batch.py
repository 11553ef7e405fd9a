"""The one runner every command uses: file discovery, a process pool, progress,
keep-going, stable output order, and a clean stop on Ctrl-C.

Workers are forked *after* the caller has warmed its caches (compiled schemas,
stylesheets), so each worker starts with them already in memory instead of
compiling its own copy.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import errno
import gc
import glob
import itertools
import multiprocessing
import os
import pickle
import re
import select
import shutil
import signal
import tempfile
import time
from collections import deque
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.connection import wait as connection_wait
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

from teikit.errors import Diagnostic, printable

try:
    import fcntl
except ImportError:  # no advisory locks here: output folders are not locked
    fcntl = None  # type: ignore[assignment]

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


@dataclass(frozen=True)
class Step:
    """Progress of a batch as the library reports it (``on_step``): ``done`` of
    ``total`` items of ``phase`` are finished, ``item`` is the one that just
    finished and ``diagnostics`` what it found. Steps come in input order, as
    soon as each item and those before it are done, so that a caller can show
    findings while the run goes on; the library itself prints nothing."""

    phase: str  # what is being done, as a user would say it: "validating", "rendering"
    done: int
    total: int
    item: str = ""
    diagnostics: tuple[Diagnostic, ...] = ()
    unit: str = "files"  # what the items are: files, pages, PDFs


OnStep = Callable[[Step], None]


class Interrupted(Exception):
    """Ctrl-C during a batch; ``results`` holds what finished, in input order."""

    def __init__(self, results: list[Any]):
        super().__init__("interrupted")
        self.results = results


# Seconds a worker may spend on one item before it counts as hung.
DEFAULT_TIMEOUT = 600.0
# The timeout is for an item of up to this many bytes; a larger one gets as much
# again for each: a 20 MB diary is slow, not hung, and must not be lost on a
# loaded machine (it took more than 600 s at a load of 15 on 2 cores).
TIMEOUT_BYTES = 2**20


def file_size(path: str | os.PathLike[str]) -> int:
    """The bytes of the file at ``path`` (0 when there is none: standard input)."""
    try:
        return os.stat(path).st_size
    except (OSError, ValueError):
        return 0


def time_limit(timeout: float | None, size: int = 0) -> float:
    """Seconds a worker may spend on an item of ``size`` bytes: ``timeout``
    (default :data:`DEFAULT_TIMEOUT`) for each :data:`TIMEOUT_BYTES`, at least once."""
    base = DEFAULT_TIMEOUT if timeout is None else timeout
    return base * max(1.0, size / TIMEOUT_BYTES)


# The parent looks at its workers at least this often (seconds), whatever it waits for.
_POLL = 0.5
# Items sent ahead to each worker, so that it never waits for the parent: at
# most this many, and no more than a fair share of what is left, so that the
# last items go to whichever worker is free first.
_DEPTH = 32
# How far down the queue a worker that has met no family (run's ``family``) looks
# for an item that fits it before it takes the next one whatever its family.
_LOOK_AHEAD = 64
# While workers are busy the parent reads their results this often, in batches,
# rather than waking for each one: on a machine whose cores the workers keep
# busy, every wake-up of the parent preempts a worker in its write (measured:
# 0.3 ms a file on 2 cores, a quarter of the time a letter takes).
_TICK = 0.01


def _clock() -> float:
    """The watchdog's clock (a module function, so that tests can move time on
    when they choose instead of waiting for it)."""
    return time.monotonic()


@dataclass(frozen=True)
class WorkerFailure:
    """Why a worker gave no result for an item: it hung (``timeout``), died
    (``crash``: a native crash, a stack overflow, killed) or raised (``error``)."""

    kind: str  # timeout | crash | error
    detail: str = ""
    seconds: float = 0.0

    def message(self, who: str = "teikit") -> str:
        """One line for a diagnostic; ``who`` names the engine (``"the validator"``)."""
        if self.kind == "timeout":
            return (
                f"gave up after {self.seconds:g} s: the worker did not finish this file "
                "(--timeout sets the limit, for each MB of a larger file)"
            )
        if self.kind == "crash":
            return f"{who} crashed on this file: {self.detail}; the other files go on"
        return f"{who} failed on this file: {self.detail}"


class WorkerError(RuntimeError):
    """A worker failed on an item and the caller gave no ``on_failure``."""

    def __init__(self, failure: WorkerFailure):
        super().__init__(failure.message())
        self.failure = failure


def _describe_exit(code: int | None) -> str:
    if code is None:
        return "it stopped answering"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        hint = {"SIGSEGV": "a segmentation fault", "SIGKILL": "killed, perhaps out of memory",
                "SIGABRT": "aborted"}.get(name)  # fmt: skip
        return f"{hint} ({name})" if hint else name
    return f"the worker exited with status {code}"


def _crash_reason(code: int | None, log: BinaryIO) -> str:
    """Why a worker died: its exit status, and what a native engine said about it
    on the way out (a stack overflow, say), in a few words."""
    reason = _describe_exit(code)
    try:
        log.seek(0)
        said = log.read(64 * 1024).decode("utf-8", "replace")
    except (OSError, ValueError):
        return reason
    for pattern, words in _LAST_WORDS:
        if pattern in said:
            return f"{words} ({reason})"
    return reason


# What engines print when they die, and what to call it.
_LAST_WORDS = (
    ("StackOverflowError", "a stack overflow, as endless recursion causes"),
    ("OutOfMemoryError", "out of memory"),
    ("RecursionError", "a stack overflow, as endless recursion causes"),
)


def _send(conn: Connection, obj: Any) -> None:
    """Send ``obj`` pickled plainly: ``Connection.send`` makes a ForkingPickler
    for each message, which copies the whole copyreg dispatch table (a tenth of
    what a worker spends on a small letter); items and results are plain data."""
    conn.send_bytes(pickle.dumps(obj, pickle.HIGHEST_PROTOCOL))


def _recv(conn: Connection) -> Any:
    return pickle.loads(conn.recv_bytes())


def _serve(func: Callable[[Any], Any], conn: Connection, log: int) -> None:
    """A worker's life: answer ``(task, item)`` requests until told to stop.

    Ctrl-C is the parent's to handle: it stops the workers itself. What native
    engines print (a JVM stack dump of 900 lines) goes to ``log``, which the
    parent reads only when the worker dies."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.dup2(log, 2)
    while True:
        try:
            request = _recv(conn)
        except (EOFError, OSError):
            return
        if request is None:
            return
        task, item = request
        try:
            reply = (task, True, func(item))
        except BaseException as exc:  # reported as a finding for this item
            reply = (task, False, f"{type(exc).__name__}: {' '.join(str(exc).split())}"[:500])
        try:
            _send(conn, reply)
        except (EOFError, OSError):
            return
        except Exception as exc:  # the result does not pickle
            _send(conn, (task, False, f"its result could not be sent back: {exc}"[:500]))


@dataclass
class _Worker:
    process: Any
    conn: Connection
    log: BinaryIO  # the worker's standard error
    queue: deque[int] = field(default_factory=deque)  # tasks sent, in the order it does them
    since: float = 0.0  # when it started the task at the head of its queue
    retiring: bool = False  # told to stop after its queue: it is replaced then
    heavy: bool = False  # a heavy item is in its queue
    alone: bool = False  # an item that runs alone is in its queue (see _Workers.alone)
    weighed: float = 0.0  # when its own memory was last looked at
    given: int = 0  # items sent to it so far (none: it is as the parent forked it)
    families: set[Hashable] = field(default_factory=set)  # of the items sent (run's family)
    ready: Any = None  # a select.poll of conn: whether a result (or the end) is there to read

    def __post_init__(self) -> None:
        # One poll object for the worker's life: Connection.poll() makes a selector
        # for each call, which cost the parent 9 us a file (0.05 s on 5,000 letters).
        if hasattr(select, "poll"):
            self.ready = select.poll()
            self.ready.register(self.conn.fileno(), select.POLLIN)

    def readable(self) -> bool:
        return bool(self.ready.poll(0)) if self.ready is not None else self.conn.poll()


def own_bytes(pid: int) -> int:
    """The memory process ``pid`` does not share with any other (a forked worker:
    what it allocated and what of its parent's it wrote to), from
    ``/proc/PID/smaps_rollup``; 0 where that cannot be read."""
    total = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as fh:
            for line in fh:
                if line.startswith((b"Private_Clean:", b"Private_Dirty:")):
                    total += int(line.split()[1]) * 1024
    except (OSError, IndexError, ValueError):
        return 0
    return total


# Seconds between two looks at a worker's own memory: reading it walks the
# worker's page tables (10-20 ms for 700 MB).
_WEIGH_EVERY = 2.0


class _Workers:
    """Forked worker processes that each do one item at a time, so that the item
    a worker was doing when it hung or died is known: that item alone is given
    up (and never run in this process), the worker is replaced and the others
    go on. Items travel pickled; ``func`` is inherited through the fork.

    Memory: a ``heavy`` item (a register page of 20,000 entries, a 20 MB diary)
    runs while no other heavy item does, and its worker is replaced after it; a
    worker whose own memory (what it does not share with the parent, see
    :func:`own_bytes`) passed ``grow`` bytes is replaced after the items already
    sent to it. A worker's engines
    keep what they took (Saxon's heap is not given back): a fresh fork of the
    parent starts again from what the parent holds.

    An ``alone`` item (heavy too) runs with nothing beside it: the other workers
    finish what they have and make way for fresh forks, which wait idle until
    it is done, so that only its own memory comes on top of the parent's."""

    def __init__(
        self,
        func: Callable[[Any], Any],
        jobs: int,
        limit: float | None,
        size: Callable[[Any], int] | None = None,
        heavy: Callable[[Any], bool] | None = None,
        grow: int | None = None,
        alone: Callable[[Any], bool] | None = None,
        recycle: int | None = None,
        family: Callable[[Any], Hashable | None] | None = None,
    ) -> None:
        self.func = func
        self.recycle = recycle
        self.family = family
        # Items are still being submitted (run): with families, a worker may wait for
        # one of its own rather than take another's (see _take_for).
        self.submitting = False
        self.leavings = jobs  # workers still to be retired for leaving a family (_take_for)
        self.limit = limit
        self.size = size  # an item's bytes: its limit grows with them (time_limit)
        self.heavy = heavy
        self.grow = grow
        self.alone = alone
        self.jobs = jobs
        self.limits: dict[int, float] = {}  # tasks whose limit is not self.limit
        self.context = multiprocessing.get_context("fork")
        self.pending: deque[tuple[int, Any]] = deque()
        self.heavy_pending: deque[tuple[int, Any]] = deque()  # one at a time, first
        self.items: dict[int, Any] = {}  # every task not answered yet
        reap()  # a pool before this one: its workers are gone by now
        self.workers = [self._fork() for _ in range(jobs)]

    def _fork(self) -> _Worker:
        mine, theirs = self.context.Pipe()
        log = tempfile.TemporaryFile()  # noqa: SIM115 - closed with the worker, in _stop
        process = self.context.Process(
            target=_serve, args=(self.func, theirs, log.fileno()), daemon=True
        )
        # What the parent holds is frozen out of the worker's garbage collector: a
        # collection writes to every object it visits, and each page it writes to
        # becomes the worker's own copy (the site's entity index, in every worker).
        gc.freeze()
        try:
            process.start()
        finally:
            gc.unfreeze()
        theirs.close()  # so that the worker's death reads as end of file here
        return _Worker(process, mine, log)

    def submit(self, task: int, item: Any) -> None:
        self.items[task] = item
        if self.size is not None and self.limit is not None:
            limit = time_limit(self.limit, self.size(item))
            if limit != self.limit:
                self.limits[task] = limit
        if self._is_alone(item) or (self.heavy is not None and self.heavy(item)):
            self.heavy_pending.append((task, item))
        else:
            self.pending.append((task, item))
        self._feed()

    def _is_alone(self, item: Any) -> bool:
        return self.alone is not None and self.alone(item)

    @property
    def busy(self) -> bool:
        return bool(self.items)

    def _give(self, worker: _Worker, task: int, item: Any) -> bool:
        """Send one item to ``worker``; False when it died (poll() will find out)."""
        try:
            _send(worker.conn, (task, item))
        except (OSError, EOFError):
            return False
        if not worker.queue:
            worker.since = _clock()
        worker.queue.append(task)
        worker.given += 1
        return True

    def _retire(self, worker: _Worker) -> None:
        """No more items for ``worker``: it stops after those it has (and is replaced)."""
        worker.retiring = True
        with contextlib.suppress(OSError, EOFError):
            _send(worker.conn, None)

    def _replace_retired(self) -> None:
        """Workers that stopped after their last item make way for fresh forks (as
        many as there is work for)."""
        for worker in [w for w in self.workers if w.retiring and not w.queue]:
            if self.recycle is not None and worker.process.is_alive():
                continue  # still leaving: its place is taken already (below)
            worker.process.join(5)
            self._stop(worker)
            self.workers.remove(worker)
        # A recycled worker is replaced as it starts its last item, not once it is
        # gone, so that no core waits for a fork between the two.
        counted = (
            [w for w in self.workers if not w.retiring or len(w.queue) > 1]
            if self.recycle is not None
            else self.workers
        )
        for _ in range(self.jobs - len(counted)):
            if not (self.pending or self.heavy_pending):
                break
            self.workers.append(self._fork())

    def feed(self) -> None:
        """Hand out what the workers have room for."""
        self._feed()

    def _feed(self) -> None:
        self._replace_retired()
        if any(w.alone and w.queue for w in self.workers):
            return  # nothing beside an item that runs alone
        open_ = [w for w in self.workers if not w.retiring]
        if self.heavy_pending and self._is_alone(self.heavy_pending[0][1]):
            # The others finish what they have and go (what they grew with them);
            # fresh forks take their place and wait.
            for worker in open_:
                if worker.given:
                    self._retire(worker)
            if any(w.queue for w in self.workers):
                return
            fresh = [w for w in self.workers if not w.retiring and not w.given]
            if fresh:
                task, item = self.heavy_pending.popleft()
                if self._give(fresh[0], task, item):
                    fresh[0].heavy = fresh[0].alone = True
                    self._retire(fresh[0])
                else:
                    self.heavy_pending.appendleft((task, item))
            return
        if self.heavy_pending and open_ and not any(w.heavy for w in self.workers):
            # The heavy item first (it is the longest), to a fresh worker, which
            # takes nothing after it and is replaced. With none, the least busy
            # worker is replaced first (a worker that grew would add its growth
            # to the heavy item's).
            fresh = [w for w in open_ if not w.given]
            if fresh:
                worker = fresh[0]
                task, item = self.heavy_pending.popleft()
                if self._give(worker, task, item):
                    worker.heavy = True
                    self._retire(worker)
                    open_.remove(worker)
                else:
                    self.heavy_pending.appendleft((task, item))
            elif not any(w.retiring for w in self.workers):
                worker = min(open_, key=lambda w: len(w.queue))
                self._retire(worker)
                open_.remove(worker)
        if not open_:
            return
        depth = max(2, min(_DEPTH, len(self.pending) // (2 * len(open_))))
        recycled = False
        for worker in open_:
            while self.pending and len(worker.queue) < depth:
                if self.recycle is not None and worker.given >= self.recycle:
                    self._retire(worker)
                    recycled = True
                    break
                picked = self._take_for(worker)
                if picked is None:
                    break
                task, item = picked
                if not self._give(worker, task, item):
                    self.pending.appendleft((task, item))
                    break
        if recycled:
            self._feed()  # its replacement, forked now, takes the next items

    def _take_for(self, worker: _Worker) -> tuple[int, Any] | None:
        """The next waiting item for ``worker``, taken off the queue; None when there
        is none for it now.

        With families (run's ``family``), what a worker made for a family (a schema
        compiled) serves that family's items: it takes them first, and the others
        need not make it too. A worker that met a family and finds none of its items
        left does not go on to others: it is retired, and what it made goes with it
        (a fresh fork takes its place), at most as many times in a run as there are
        workers (files that each name a schema of their own would each cost a fork).
        Otherwise a worker takes, of the next :data:`_LOOK_AHEAD` waiting, an item of
        no family or of one no other worker met, else the first. While the items are
        still being submitted (``submitting``) a worker waits rather than take one
        that does not fit or leave: the next may be its own."""
        index = 0
        if self.family is not None:
            mine = None
            if worker.families:
                # Once all are submitted, its own items further down too (a small
                # file of the family comes last): it leaves only when none is left.
                queue = self._ahead() if self.submitting else self.pending
                kin = self.family
                mine = next(
                    (at for at, (_, item) in enumerate(queue) if kin(item) in worker.families),
                    None,
                )
                if mine is None and self.submitting:
                    return None
                if mine is None and self.leavings:
                    self.leavings -= 1
                    self._retire(worker)
                    return None
            if mine is None:
                others = {kin for w in self.workers if w is not worker for kin in w.families}
                fits = next(
                    (
                        at
                        for at, (_, item) in enumerate(self._ahead())
                        if (kin := self.family(item)) is None or kin not in others
                    ),
                    None,
                )
                if fits is None and self.submitting:
                    return None
                mine = fits
            index = mine or 0
        task, item = self.pending[index]
        del self.pending[index]
        if self.family is not None and (kin := self.family(item)) is not None:
            worker.families.add(kin)
        return task, item

    def _ahead(self) -> Iterator[tuple[int, Any]]:
        return itertools.islice(self.pending, _LOOK_AHEAD)

    def poll(self, timeout: float | None) -> list[tuple[int, bool, Any]]:
        """Wait up to ``timeout`` seconds (None: until something happens) and
        return what came back: ``(task, True, result)`` or ``(task, False,
        WorkerFailure)``."""
        done: list[tuple[int, bool, Any]] = []
        busy = [w for w in self.workers if w.queue]
        if not busy and (self.pending or self.heavy_pending):
            self._feed()  # every worker retired: their replacements take the rest
            busy = [w for w in self.workers if w.queue]
        if busy:
            wait_for = _POLL if timeout is None else min(timeout, _POLL)
            time.sleep(min(_TICK, wait_for))
            ready = connection_wait([w.conn for w in busy], timeout=0)
            if not ready:
                ready = connection_wait([w.conn for w in busy], timeout=wait_for)
            for worker in busy:
                if worker.conn in ready:
                    self._receive(worker, done)
        elif timeout:
            time.sleep(min(timeout, _POLL))
        if self.limit is not None:
            now = _clock()
            for worker in list(self.workers):
                limit = self.limits.get(worker.queue[0], self.limit) if worker.queue else 0
                if worker.queue and now - worker.since >= limit:
                    self._lose(worker, WorkerFailure("timeout", seconds=limit), done)
        self._feed()
        self._dismiss_idle()
        return done

    def _receive(self, worker: _Worker, done: list[tuple[int, bool, Any]]) -> None:
        while worker.queue:
            try:
                if not worker.readable():
                    return
                task, ok, value = _recv(worker.conn)
            except (EOFError, OSError):
                worker.process.join(1)
                reason = _crash_reason(worker.process.exitcode, worker.log)
                self._lose(worker, WorkerFailure("crash", reason), done)
                return
            worker.queue.popleft()
            worker.since = _clock()
            self.items.pop(task, None)
            self.limits.pop(task, None)
            done.append((task, ok, value if ok else WorkerFailure("error", value)))
            if self.grow is not None and not worker.retiring:
                now = _clock()
                if now - worker.weighed >= _WEIGH_EVERY:
                    worker.weighed = now
                    if own_bytes(worker.process.pid) > self.grow:
                        self._retire(worker)

    def _dismiss_idle(self) -> None:
        """Workers with nothing left to do go, and what they hold with them, once
        every light item is handed out: a fresh fork (which holds next to nothing
        of its own) takes their place if heavy items still wait."""
        if self.grow is None or self.pending:
            return
        for worker in self.workers:
            if not worker.queue and not worker.retiring and worker.given:
                self._retire(worker)

    def _lose(self, worker: _Worker, failure: WorkerFailure, done: list) -> None:
        """Blame the item the worker was doing, give the rest to others, replace it."""
        task = worker.queue.popleft()
        self.items.pop(task, None)
        self.limits.pop(task, None)
        done.append((task, False, failure))
        for other in reversed(worker.queue):
            item = self.items[other]
            if self._is_alone(item) or (self.heavy is not None and self.heavy(item)):
                self.heavy_pending.appendleft((other, item))
            else:
                self.pending.appendleft((other, self.items[other]))
        self._stop(worker)
        self.workers[self.workers.index(worker)] = self._fork()

    @staticmethod
    def _stop(worker: _Worker) -> None:
        if worker.process.is_alive():
            worker.process.kill()
        worker.process.join()
        worker.conn.close()
        worker.log.close()

    def close(self, *, kill: bool = False) -> None:
        """Stop the workers: killed, or told to stop after their last item, all at
        once (a worker takes 25-50 ms to leave: the kernel frees what it mapped),
        then waited for, unless :func:`lingering`."""
        for worker in self.workers:
            if kill:
                self._stop(worker)
                continue
            with contextlib.suppress(OSError, EOFError):
                _send(worker.conn, None)
            worker.conn.close()
            worker.log.close()
            _leaving.append(worker.process)
        self.workers = []
        if not _linger:
            reap()


# Workers told to stop and not yet reaped (see lingering), and whether pools
# leave them so.
_leaving: list[Any] = []
_linger = False


def reap() -> None:
    """Wait for the workers told to stop (at most 5 s each, then they are killed)."""
    while _leaving:
        process = _leaving.pop()
        process.join(5)
        if process.is_alive():
            process.kill()
            process.join()


@contextlib.contextmanager
def lingering() -> Iterator[None]:
    """Within the block, a pool that closes does not wait for its workers to
    leave: they are reaped (:func:`reap`) when the next pool starts, or at exit
    (before multiprocessing's own exit handler, which would send them SIGTERM).
    For a caller that has its report to write meanwhile, and holds nothing its
    workers inherited that someone may wait for (a folder's lock: they hold it
    until they are gone)."""
    global _linger
    before, _linger = _linger, True
    try:
        yield
    finally:
        _linger = before


atexit.register(reap)


def release_freed_memory() -> None:
    """Give the heap the process freed back to the system before workers fork:
    glibc's malloc keeps it for reuse, and every worker forked then maps it (the
    site's parent kept 190 MB of the 5,000 documents it had indexed and let go)."""
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to do
        ctypes.CDLL(None).malloc_trim(0)


def isolation() -> bool:
    """Whether work can run in forked workers here (it cannot where there is no fork)."""
    return "fork" in multiprocessing.get_all_start_methods()


def run(
    func: Callable[[T], R],
    items: Sequence[T],
    *,
    jobs: int | None = None,
    on_result: Callable[[T, R], None] | None = None,
    timeout: float | None = None,
    on_failure: Callable[[T, WorkerFailure], R] | None = None,
    isolate: bool = True,
    cost: Callable[[T], float] | None = None,
    on_progress: Callable[[int], None] | None = None,
    size: Callable[[T], int] | None = None,
    heavy: Callable[[T], bool] | None = None,
    grow: int | None = None,
    alone: Callable[[T], bool] | None = None,
    weight: Callable[[T], int] | None = None,
    recycle: int | None = None,
    family: Callable[[T], Hashable | None] | None = None,
) -> list[R]:
    """Apply ``func`` to every item in forked worker processes (``jobs`` of them,
    default one per core; one is enough to isolate), keeping the input order.

    ``cost(item)`` (a file's size, say) hands the costliest items out first, so
    that no worker is left with a large one while the others have finished;
    the results still come in input order.

    ``on_result(item, result)`` is called here, in input order, as soon as each
    result and those before it are in: callers print as files finish.
    ``on_progress(count)`` is told how many items are finished whenever that
    changes, in any order: a large first file holds back ``on_result`` for the
    others, not the progress; ``weight(item)``: what one item counts there (an
    item that is several files), default 1.

    A crash on one item costs that item only. An item a worker has not finished
    within ``timeout`` seconds (default :data:`DEFAULT_TIMEOUT`), or whose worker
    dies (a native crash, a stack overflow) or raises, gets the result
    ``on_failure(item, WorkerFailure)``; the worker is replaced and the run goes
    on. The item is never run again, here or elsewhere. Without ``on_failure``
    such an item raises :class:`WorkerError`.

    To bound memory: items for which ``heavy(item)`` is true are run one at a
    time, each before the others that wait, and the worker that ran one is
    replaced by a fresh fork; so is a worker whose own memory passed ``grow``
    bytes (:func:`own_bytes`), after the items it has been sent, and one that
    was sent ``recycle`` items (its replacement is forked as it retires). Items for
    which ``alone(item)`` is true are heavy and run with no other item at the
    same time: while one runs, the other workers are fresh forks, idle.
    ``family(item)`` (None: not known): items of one family go to the workers that
    have met it, as far as the order allows, so that what a family needs (a schema
    compiled) is made in one worker, not in each; a worker done with its families'
    items is replaced before it takes others, so that what it made for them does
    not stay beside what it makes next.

    With ``isolate=False`` and one job (or where processes cannot be forked),
    the items are done in this process, without a watchdog. On Ctrl-C the
    workers are stopped and :class:`Interrupted` carries the results finished
    so far, in input order.
    """
    jobs = default_jobs() if jobs is None else max(1, jobs)
    jobs = min(jobs, len(items)) or 1
    results: list[R] = []

    def take(item: T, result: R) -> None:
        results.append(result)
        if on_result is not None:
            on_result(item, result)

    if not items:
        return results
    done = 0  # the weight of the items finished, for on_progress

    def count(item: T) -> int:
        nonlocal done
        done += 1 if weight is None else weight(item)
        return done

    if not isolation() or (jobs == 1 and not isolate):
        try:
            for item in items:
                result = func(item)
                if on_progress is not None:
                    on_progress(count(item))
                take(item, result)
        except KeyboardInterrupt:
            raise Interrupted(results) from None
        return results

    limit = DEFAULT_TIMEOUT if timeout is None else timeout
    finished: dict[int, Any] = {}
    workers = _Workers(func, jobs, limit, size, heavy, grow, alone, recycle, family)
    order = range(len(items))
    if cost is not None:
        order = sorted(order, key=lambda task: -cost(items[task]))
    try:
        # With families a worker waits for an item it fits while they are submitted
        # (the first items handed out would otherwise go one to each worker).
        workers.submitting = family is not None
        for task in order:
            workers.submit(task, items[task])
        workers.submitting = False
        workers.feed()
        while len(results) < len(items):
            came = workers.poll(None)
            for task, ok, value in came:
                finished[task] = value if ok else _failed(items[task], value, on_failure)
                count(items[task])
            if came and on_progress is not None:
                on_progress(done)
            while len(results) in finished:
                task = len(results)
                take(items[task], finished.pop(task))
    except KeyboardInterrupt:
        workers.close(kill=True)
        raise Interrupted(results) from None
    except BaseException:
        workers.close(kill=True)
        raise
    workers.close()
    return results


def _failed(
    item: Any, failure: WorkerFailure, on_failure: Callable[[Any, WorkerFailure], R] | None
) -> R:
    if on_failure is None:
        raise WorkerError(failure)
    return on_failure(item, failure)


W = TypeVar("W")
S = TypeVar("S")


def pipeline(
    items: Sequence[T],
    prepare: Callable[[T], tuple[R, W | None]],
    finish: Callable[[W], S],
    on_result: Callable[[T, R, S | None], None],
    *,
    jobs: int,
    window: int | None = None,
    timeout: float | None = None,
    on_failure: Callable[[W, WorkerFailure], S] | None = None,
    size: Callable[[W], int] | None = None,
) -> None:
    """Two stages per item: ``prepare`` here, then ``finish`` in forked workers.

    ``prepare(item)`` returns ``(state, work)``; when ``work`` is not None,
    ``finish(work)`` runs in a worker while this process prepares the next
    items. ``on_result(item, state, finished)`` is called here in input order
    (``finished`` is None when there was no work). At most ``window`` items wait
    for their second stage, which bounds memory.

    For work that a forked process can do only if it has not done the first
    stage (Typst after Saxon, see :mod:`teikit.render`): the workers are forked
    at the start, before ``prepare`` first runs, and never prepare. Work whose
    worker hangs longer than ``timeout`` (default :data:`DEFAULT_TIMEOUT`), dies
    or raises becomes ``on_failure(work, WorkerFailure)`` and is never done
    again; the worker is replaced (``size(work)``: its bytes, which give it more
    time, :func:`time_limit`). Ctrl-C stops the workers and raises
    :class:`Interrupted`.
    """
    limit = DEFAULT_TIMEOUT if timeout is None else timeout
    jobs = max(1, min(jobs, len(items)))
    window = window or jobs * 4
    waiting: deque[tuple[T, R, int | None]] = deque()  # (item, state, task)
    works: dict[int, Any] = {}
    finished: dict[int, Any] = {}

    def collect(block: bool) -> None:
        for task, ok, value in workers.poll(None if block else 0):
            finished[task] = value if ok else _failed(works[task], value, on_failure)

    def settle() -> None:
        item, state, task = waiting.popleft()
        if task is None:
            on_result(item, state, None)
            return
        works.pop(task)
        on_result(item, state, finished.pop(task))

    def head_ready() -> bool:
        task = waiting[0][2]
        return task is None or task in finished

    workers = _Workers(finish, jobs, limit, size)
    try:
        for number, item in enumerate(items):
            state, work = prepare(item)
            if work is not None:
                works[number] = work
                workers.submit(number, work)
            waiting.append((item, state, number if work is not None else None))
            collect(block=False)
            while waiting and (len(waiting) > window or head_ready()):
                while not head_ready():
                    collect(block=True)
                settle()
        while waiting:
            while not head_ready():
                collect(block=True)
            settle()
    except KeyboardInterrupt:
        workers.close(kill=True)
        raise Interrupted([]) from None
    except BaseException:
        workers.close(kill=True)
        raise
    workers.close()


# What a run killed with -9 leaves in an output folder: scratch folders
# (tempfile.mkdtemp(prefix=".teikit-")) and write_atomic's temporary files.
_SCRATCH_RE = re.compile(r"\.teikit-[a-z0-9_]{8}")
_TEMPORARY_RE = re.compile(r"\..+\.[a-z0-9_]{8}\.tmp")
# Errors that mean no output can be written at all: a tool failure, not a finding.
WRITE_FAILURES = frozenset(
    getattr(errno, name)
    for name in ("ENOSPC", "EDQUOT", "EROFS", "EACCES", "EPERM", "EFBIG")
    if hasattr(errno, name)
)


@contextlib.contextmanager
def output_folder(path: str | os.PathLike[str]) -> Iterator[Path]:
    """The output folder of a run, created if need be, held for this run alone and
    cleaned of what an earlier run that was killed left behind.

    Two runs writing into one folder (two builds of one site) would mix their
    outputs: the second is refused with :class:`OutputError` while the first
    holds the folder (an advisory lock on the folder itself, released when the
    process ends however it ends). A folder that cannot be created or written
    is an :class:`OutputError` too, with one clear message.
    """
    from teikit.errors import OutputError, UsageError

    folder = Path(path)
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"output folder {printable(str(folder))} is a file")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError as exc:
        raise OutputError(
            f"cannot create the output folder {printable(str(folder))}: {exc.strerror or exc}"
        ) from None
    try:
        try:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OutputError(
                f"another teikit run is writing to {printable(str(folder))}: "
                "wait for it to finish, or write elsewhere"
            ) from None
        except OSError:  # a file system without locks: go on unlocked
            pass
        if not os.access(folder, os.W_OK):
            raise OutputError(f"cannot write to {printable(str(folder))}: permission denied")
        _clean_leftovers(folder)
        yield folder.resolve()
    finally:
        os.close(fd)  # releases the lock


def _clean_leftovers(folder: Path) -> None:
    """Remove scratch folders and temporary files a killed run left in ``folder``
    (and its subfolders, not following links); names are teikit's own patterns."""
    for parent, dirs, files in os.walk(folder):
        for name in list(dirs):
            if _SCRATCH_RE.fullmatch(name):
                shutil.rmtree(os.path.join(parent, name), ignore_errors=True)
                dirs.remove(name)
        for name in files:
            if _TEMPORARY_RE.fullmatch(name):
                with contextlib.suppress(OSError):
                    os.unlink(os.path.join(parent, name))


def write_failure(exc: OSError) -> bool:
    """Whether an error writing an output means nothing can be written (full disk,
    read-only folder): the run is a tool failure (exit 3), not a finding."""
    return exc.errno in WRITE_FAILURES


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
