"""Run the scanned repository's pytest in a subprocess, with our recording plugin, and read what it wrote.

The suite runs as ``python -m pytest`` (coverage, when measured, starts in
every process of the run by itself: :mod:`coverage_boot`), in the repository's
folder so its own pytest configuration applies, with the cache provider off
(a scan leaves no ``.pytest_cache`` behind) and ``--continue-on-collection-errors``
(a broken file must not hide every other test).

The plugin (``healthcheck/checks/test_suite/in_target/pytest_plugin.py``) is copied alone into a scratch
folder that goes on ``PYTHONPATH``: putting healthcheck's own install there
would let its packages shadow the repository's. It is copied under a name made
at random when healthcheck starts, so a file of the scanned tree named like it
(the tree comes first on ``sys.path``) cannot be loaded in its place. It writes
JSON lines as tests finish; :func:`read_records` turns them into
:class:`TestRecord` objects, including for a run that had to be stopped.

pytest runs under the supervisor (:mod:`healthcheck.supervision`): limits on
every process of the run, and nothing it started is left when it ends. A
suite that runs past its timeout gets SIGTERM (the plugin turns it into a
KeyboardInterrupt, so pytest and coverage.py end in order), then everything is
killed after a grace period. The test that was running is recorded with
outcome ``timeout``. A suite that kills the supervisor (its parent) is stopped
at once, and its records are no verdict.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

from healthcheck.checks.test_suite.in_target import PYTEST_PLUGIN
from healthcheck.supervision import Limits, ended_by_itself, start, stop, wait_ended

# A name the scanned tree cannot know in advance, so no file of it is imported in our plugin's place.
PLUGIN_MODULE = f"healthcheck_pytest_plugin_{secrets.token_hex(8)}"
GRACE_S = 10.0
CONFTEST_FAILURE = re.compile(r"ImportError while loading conftest '(?P<path>[^']+)'")
EXCEPTION_LINE = re.compile(r"^E\s+(?P<type>[\w.]+): (?P<message>.*)$", re.MULTILINE)
NO_MODULE = re.compile(r"No module named '([\w.]+)'")
LOG_TAIL_LINES = 30


@dataclass
class TestRecord:
    """One test (or one file that failed to collect) and how it ended."""

    __test__ = False  # not a pytest test class, whatever its name says

    nodeid: str
    outcome: str  # passed failed error skipped xfailed xpassed flaky timeout collection-error
    path: str  # relative to the scanned root, "/"-separated
    line: int | None = None
    duration_s: float = 0.0
    exception: str = ""
    message: str = ""
    frame: dict[str, Any] | None = None
    facts: dict[str, Any] = field(default_factory=dict)
    when: str = ""

    @property
    def failing(self) -> bool:
        return self.outcome in ("failed", "error", "timeout", "collection-error")

    def selector(self) -> str:
        """The node id with its file part relative to the scanned root: a pytest argument run from there."""
        file_part, sep, rest = self.nodeid.partition("::")
        return f"{self.path}{sep}{rest}" if self.path else self.nodeid


@dataclass
class SuiteRun:
    """What one pytest process did."""

    tests: list[TestRecord]
    collect_errors: list[TestRecord]
    collect_skipped: int
    returncode: int | None
    timed_out: bool
    finished: bool
    rootdir: str | None
    log_tail: str
    duration_s: float
    supervisor_killed: bool = False  # the suite killed healthcheck's supervisor: no verdict can be read


def plugin_dir(scratch: Path) -> Path:
    """A folder holding only our plugin, importable as :data:`PLUGIN_MODULE`."""
    target = scratch / "plugin"
    target.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(PYTEST_PLUGIN, target / f"{PLUGIN_MODULE}.py")
    return target


def pytest_command(python: str, pytest_args: Sequence[str]) -> list[str]:
    """The command line of one run. Coverage, when measured, starts in each process by itself (coverage_boot)."""
    return [python, "-m", "pytest", "-p", PLUGIN_MODULE, "-p", "no:cacheprovider", "--continue-on-collection-errors",
            *pytest_args]


def _rel_to_root(rootdir: Path | None, root: Path, nodeid_path: str) -> str:
    if rootdir is None:
        return nodeid_path
    try:
        return (rootdir / nodeid_path).resolve().relative_to(root).as_posix()
    except ValueError:
        return nodeid_path


def read_records(out_file: Path, root: Path) -> tuple[list[TestRecord], list[TestRecord], int, bool, str | None]:
    """Tests, collection errors, module-level skips, whether the session finished, pytest's rootdir.

    A test that started but never finished (the run was stopped) is a ``timeout``.
    A half-written last line (the process was killed mid-write) is ignored.
    """
    rootdir: Path | None = None
    tests: dict[str, TestRecord] = {}
    running: dict[str, TestRecord] = {}
    collect: list[TestRecord] = []
    skipped_files = 0
    finished = False
    lines = out_file.read_text(encoding="utf-8", errors="replace").splitlines() if out_file.exists() else []
    for raw in lines:
        try:
            rec = json.loads(raw)
        except json.JSONDecodeError:
            continue
        event = rec.get("event")
        if event == "start":
            rootdir = Path(rec["rootdir"])
        elif event == "finish":
            finished = True
        elif event == "collect":
            if rec.get("outcome") == "skipped":
                skipped_files += 1
                continue
            nodeid = rec.get("nodeid") or rec.get("path") or "<session>"
            path = rec.get("path") or _rel_to_root(rootdir, root, nodeid.split("::")[0])
            collect.append(_record(rec, nodeid, "collection-error", path))
        elif event in ("running", "test"):
            nodeid = rec["nodeid"]
            path = _rel_to_root(rootdir, root, str(rec.get("path") or nodeid.split("::")[0]))
            if event == "running":
                running[nodeid] = TestRecord(nodeid, "timeout", path, rec.get("line"))
            else:
                running.pop(nodeid, None)
                tests[nodeid] = _record(rec, nodeid, str(rec.get("outcome", "failed")), path)
    for nodeid, rec in running.items():
        if nodeid not in tests:
            rec.message = "still running when the suite was stopped at its timeout"
            tests[nodeid] = rec
    return list(tests.values()), collect, skipped_files, finished, str(rootdir) if rootdir else None


def _record(rec: dict[str, Any], nodeid: str, outcome: str, path: str) -> TestRecord:
    return TestRecord(
        nodeid=nodeid,
        outcome=outcome,
        path=path,
        line=rec.get("line"),
        duration_s=float(rec.get("duration_s") or 0.0),
        exception=str(rec.get("exception") or ""),
        message=str(rec.get("message") or ""),
        frame=rec.get("frame"),
        facts=dict(rec.get("facts") or {}),
        when=str(rec.get("when") or ""),
    )


def run_suite(
    command: Sequence[str],
    root: Path,
    scratch: Path,
    timeout: float,
    env_extra: dict[str, str],
    name: str = "run",
    test_timeout: float | None = None,
    limits: Limits | None = None,
) -> SuiteRun:
    """Run one pytest process under the supervisor and read its records. Never raises for what the suite does.

    ``test_timeout`` is the plugin's time limit per test; ``limits`` bound every process of the run.
    """
    out_file = scratch / f"{name}.jsonl"
    log_file = scratch / f"{name}.log"
    out_file.unlink(missing_ok=True)
    env = dict(os.environ)
    env.pop("PYTEST_ADDOPTS", None)
    inherited = env.get("PYTHONPATH", "")
    env.update(env_extra)
    env["HEALTHCHECK_PYTEST_OUT"] = str(out_file)
    env["HEALTHCHECK_PYTEST_ROOT"] = str(root)
    if test_timeout is not None:
        env["HEALTHCHECK_PYTEST_TEST_TIMEOUT"] = repr(float(test_timeout))
    # Our folders first (the plugin, and coverage's start-up when measured), then what the caller had.
    ours = [str(plugin_dir(scratch)), *filter(None, [env_extra.get("PYTHONPATH")])]
    env["PYTHONPATH"] = os.pathsep.join([*ours, *filter(None, [inherited])])
    began = time.perf_counter()
    timed_out = False
    with log_file.open("wb") as log:
        proc = start(list(command), limits, grace=GRACE_S, cwd=root, env=env, stdin=subprocess.DEVNULL,
                     stdout=log, stderr=subprocess.STDOUT)
        try:
            timed_out = not wait_ended(proc, timeout)
        except BaseException:
            stop(proc)
            raise
        # The supervisor ends with pytest, unless the suite killed it: then pytest still runs, and stops here.
        killed = not timed_out and not ended_by_itself(proc)
        code = stop(proc, graceful=timed_out)
    tests, collect, skipped_files, finished, rootdir = read_records(out_file, root)
    return SuiteRun(
        tests=tests,
        collect_errors=collect,
        collect_skipped=skipped_files,
        returncode=code,
        timed_out=timed_out,
        finished=finished and not killed,
        rootdir=rootdir,
        log_tail=_tail(log_file),
        duration_s=time.perf_counter() - began,
        supervisor_killed=killed,
    )


def _tail(path: Path) -> str:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    return "\n".join(lines[-LOG_TAIL_LINES:])


def write_selection(scratch: Path, nodeids: Iterable[str], name: str = "select") -> Path:
    """The file of node ids the plugin keeps when re-running failures."""
    path = scratch / f"{name}.txt"
    path.write_text("\n".join(nodeids) + "\n", encoding="utf-8")
    return path


def conftest_failure(log_tail: str, root: Path) -> TestRecord | None:
    """A conftest that pytest could not load before collecting anything, as one collection error.

    pytest stops (exit 4) without running any hook of ours, so its own output is
    all there is to read.
    """
    found = CONFTEST_FAILURE.search(log_tail)
    if found is None:
        return None
    path = Path(found.group("path"))
    try:
        rel = path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        rel = path.as_posix()
    exc = EXCEPTION_LINE.search(log_tail, found.end())
    exception, message = (exc.group("type"), exc.group("message").strip()) if exc else ("ImportError", "")
    missing = NO_MODULE.search(message)
    return TestRecord(rel, "collection-error", rel, None, exception=exception, message=message,
                      facts={"module": missing.group(1)} if missing else {})
