"""A pytest plugin loaded into the scanned repository's own test run to record what happened.

It runs inside the scanned repository's interpreter, next to code that may be
broken in any way, so it imports nothing but the standard library and pytest's
public hooks, and it never changes an outcome. It writes one JSON object per
line to the file named by ``HEALTHCHECK_PYTEST_OUT`` and flushes after each, so
that when a hanging suite is stopped, every test that finished is still on disk.

Records (``event`` key):

- ``collect``: a file or directory that failed to collect (or was skipped at
  module level), with the exception that stopped it;
- ``running``: a test is about to start (the last one without a ``test``
  record is the one a timeout interrupted);
- ``test``: one test's outcome over its setup, call and teardown, its duration
  and, when it did not pass, the exception type, message and the innermost
  frame inside the project, plus facts triage groups by (the missing module of
  an ImportError, the name of a NameError, the file of a SyntaxError);
- ``finish``: the session ended normally, with pytest's exit status.

``HEALTHCHECK_PYTEST_ROOT`` is the project folder (frames outside it, or in an
installed package below it, are not project frames). ``HEALTHCHECK_PYTEST_SELECT``
names a file of node ids: only those tests run (how failures are re-run).

A SIGTERM becomes a KeyboardInterrupt, so pytest ends the session in order and
coverage.py, measuring the same process, still saves its data.

``HEALTHCHECK_PYTEST_TEST_TIMEOUT`` is the time limit of one test, in seconds:
its setup and call share it, its teardown gets as long again. A test past it
gets :class:`TestTimeout` raised where it runs (a ``SIGALRM`` timer in the main
thread), so it fails "timed out after N s" and the suite goes on with the next
test. The exception derives from ``BaseException``, so an ``except Exception``
in the test does not swallow it; a test stuck in native code that never returns
to Python is left to the suite's own timeout.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any, Iterator

import pytest

OUT_ENV = "HEALTHCHECK_PYTEST_OUT"
ROOT_ENV = "HEALTHCHECK_PYTEST_ROOT"
SELECT_ENV = "HEALTHCHECK_PYTEST_SELECT"
TIMEOUT_ENV = "HEALTHCHECK_PYTEST_TEST_TIMEOUT"
WRAPPERS = ("CollectError", "ConftestImportFailure")
NOT_PROJECT = frozenset({"site-packages", "dist-packages", ".venv", "venv", ".tox", ".nox", "_pytest", "pluggy"})
MESSAGE_LIMIT = 500


class _Recorder:
    """Collects per-phase reports into one record per test and writes them as JSON lines."""

    def __init__(self, out: Path, root: Path, select: set[str] | None) -> None:
        self.stream = out.open("a", encoding="utf-8")
        self.root = root
        self.select = select
        self.details: dict[tuple[str, str], dict[str, Any]] = {}
        self.tests: dict[str, dict[str, Any]] = {}

    def write(self, record: dict[str, Any]) -> None:
        self.stream.write(json.dumps(record, default=str) + "\n")
        self.stream.flush()

    # -- exceptions -----------------------------------------------------------------

    def project_rel(self, filename: str) -> str | None:
        try:
            path = Path(filename).resolve()
            rel = path.relative_to(self.root)
        except (OSError, ValueError):
            return None
        if NOT_PROJECT.intersection(rel.parts):
            return None
        return rel.as_posix()

    def _frames(self, tb: TracebackType | None) -> Iterator[tuple[FrameType, int]]:
        while tb is not None:
            yield tb.tb_frame, tb.tb_lineno
            tb = tb.tb_next

    def describe(self, exc: BaseException) -> dict[str, Any]:
        """Type, message, innermost project frame and grouping facts of an exception."""
        while type(exc).__name__ in WRAPPERS:
            inner = exc.__cause__ or getattr(exc, "cause", None)
            if not isinstance(inner, BaseException):
                break
            exc = inner
        kind = type(exc)
        local = kind.__module__ in ("builtins", __name__)  # ours: this module's name is made at random
        name = kind.__name__ if local else f"{kind.__module__}.{kind.__qualname__}"
        try:
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        except Exception:  # a broken __str__ must not break the record
            message = "<unprintable exception>"
        out: dict[str, Any] = {"exception": name, "message": message[:MESSAGE_LIMIT]}
        innermost: tuple[str, int, str] | None = None
        for f, line in self._frames(exc.__traceback__):
            rel = self.project_rel(f.f_code.co_filename)
            if rel is not None:
                innermost = (rel, line, f.f_code.co_name)
        if innermost is not None:
            rel, line, function = innermost
            out["frame"] = {"path": rel, "line": line, "function": function,
                            "text": _source_line(self.root / rel, line)}
        facts: dict[str, Any] = {}
        if isinstance(exc, ImportError):
            facts["module"] = exc.name
        elif isinstance(exc, (NameError, AttributeError)):
            facts["name"] = getattr(exc, "name", None)
        elif isinstance(exc, SyntaxError):
            facts["path"] = self.project_rel(exc.filename) if exc.filename else None
            facts["line"] = exc.lineno
        if facts:
            out["facts"] = facts
        return out

    # -- tests ----------------------------------------------------------------------

    def phase(self, report: pytest.TestReport) -> None:
        test = self.tests.setdefault(
            report.nodeid,
            {"event": "test", "nodeid": report.nodeid, "outcome": "passed", "duration_s": 0.0,
             "path": report.location[0], "line": (report.location[1] or 0) + 1},
        )
        if type(report).__name__ == "SubtestReport":
            # A subtest only matters when it fails; its passes must not hide an earlier failure.
            if report.failed:
                self._failed(test, report, "failed")
            return
        test["duration_s"] = round(test["duration_s"] + (report.duration or 0.0), 6)
        xfail = hasattr(report, "wasxfail")
        if report.when == "call" and test["outcome"] == "failed":
            pass
        elif report.when == "call":
            if report.passed:
                test["outcome"] = "xpassed" if xfail else "passed"
            elif report.skipped:
                test["outcome"] = "xfailed" if xfail else "skipped"
            else:
                test["outcome"] = "failed"
        elif report.failed and test["outcome"] in ("passed", "xpassed"):
            test["outcome"] = "error"
        elif report.skipped and report.when == "setup":
            test["outcome"] = "xfailed" if xfail else "skipped"
        if report.failed:
            self._failed(test, report, test["outcome"])

    def _failed(self, test: dict[str, Any], report: pytest.TestReport, outcome: str) -> None:
        test["outcome"] = outcome
        if "exception" not in test:
            test.update(self.details.pop((report.nodeid, report.when), {"exception": "", "message": ""}))
            test["when"] = report.when

    def finish(self, nodeid: str) -> None:
        test = self.tests.pop(nodeid, None)
        if test is not None:
            self.write(test)


def _source_line(path: Path, line: int) -> str:
    try:
        with path.open(encoding="utf-8", errors="replace") as fh:
            for number, text in enumerate(fh, 1):
                if number == line:
                    return text.strip()[:200]
    except OSError:
        pass
    return ""


class TestTimeout(BaseException):
    """Raised in a test that ran past its time limit."""

    __test__ = False  # not a test class, whatever its name says


class _Alarm:
    """The per-test time limit: a ``SIGALRM`` timer armed around each phase with what is left of the budget."""

    def __init__(self, limit: float) -> None:
        self.limit = limit
        self.deadline = 0.0

    def begin(self) -> None:
        self.deadline = time.monotonic() + self.limit

    def arm(self, phase: str) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        if phase == "teardown":  # cleaning up after a test that timed out still gets its time
            self.deadline = max(self.deadline, time.monotonic() + self.limit)
        signal.setitimer(signal.ITIMER_REAL, max(self.deadline - time.monotonic(), 0.001))

    def disarm(self) -> None:
        if threading.current_thread() is threading.main_thread():
            signal.setitimer(signal.ITIMER_REAL, 0)

    def fire(self, signum: int, frame: FrameType | None) -> None:
        raise TestTimeout(f"timed out after {self.limit:g} s")


_recorder: _Recorder | None = None
_alarm: _Alarm | None = None


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt("stopped by healthcheck: the suite ran past its timeout")


def pytest_configure(config: pytest.Config) -> None:
    global _recorder
    out = os.environ.get(OUT_ENV)
    if not out or _recorder is not None:
        return
    root = Path(os.environ.get(ROOT_ENV) or config.rootpath).resolve()
    select_file = os.environ.get(SELECT_ENV)
    select = None
    if select_file:
        select = {line for line in Path(select_file).read_text(encoding="utf-8").splitlines() if line}
    _recorder = _Recorder(Path(out), root, select)
    _recorder.write({"event": "start", "rootdir": str(config.rootpath), "pid": os.getpid(),
                     "python": sys.version.split()[0], "pytest": pytest.__version__})
    if hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, _on_sigterm)
    _start_alarm(os.environ.get(TIMEOUT_ENV))


def _start_alarm(limit: str | None) -> None:
    global _alarm
    if not limit or not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        return
    _alarm = _Alarm(float(limit))
    signal.signal(signal.SIGALRM, _alarm.fire)


def _phase(phase: str) -> Iterator[None]:
    if _alarm is not None:
        _alarm.arm(phase)
    try:
        yield
    finally:
        if _alarm is not None:
            _alarm.disarm()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    yield from _phase("setup")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    yield from _phase("call")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Iterator[None]:
    yield from _phase("teardown")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if _recorder is None or _recorder.select is None:
        return
    keep = [i for i in items if i.nodeid in _recorder.select]
    dropped = [i for i in items if i.nodeid not in _recorder.select]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Iterator[None]:
    # Old-style wrapper on purpose: the scanned repository may run an older pytest.
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if _recorder is not None and call.excinfo is not None and report.failed:
        _recorder.details[(item.nodeid, call.when)] = _recorder.describe(call.excinfo.value)


def pytest_exception_interact(node: pytest.Item | pytest.Collector, call: pytest.CallInfo[Any], report: Any) -> None:
    if _recorder is None or call.excinfo is None or isinstance(node, pytest.Item):
        return
    path = getattr(node, "path", None)
    rel = _recorder.project_rel(str(path)) if path is not None else None
    details = _recorder.describe(call.excinfo.value)
    _recorder.write({"event": "collect", "nodeid": node.nodeid, "outcome": "failed", "path": rel, **details})


def pytest_collectreport(report: pytest.CollectReport) -> None:
    if _recorder is not None and report.skipped and report.nodeid:
        _recorder.write({"event": "collect", "nodeid": report.nodeid, "outcome": "skipped"})


def pytest_runtest_logstart(nodeid: str, location: tuple[str, int | None, str]) -> None:
    if _alarm is not None:
        _alarm.begin()
    if _recorder is not None:
        _recorder.write({"event": "running", "nodeid": nodeid, "path": location[0], "line": (location[1] or 0) + 1})


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if _recorder is not None:
        _recorder.phase(report)


def pytest_runtest_logfinish(nodeid: str, location: tuple[str, int | None, str]) -> None:
    if _recorder is not None:
        _recorder.finish(nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    global _recorder
    if _recorder is None:
        return
    # A test still open here was interrupted; its ``running`` record already says so.
    _recorder.write({"event": "finish", "exitstatus": int(exitstatus)})
    _recorder.stream.close()
    _recorder = None

