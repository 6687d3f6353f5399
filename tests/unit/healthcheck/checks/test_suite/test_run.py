"""Reading the plugin's JSON lines, building commands, probing an interpreter."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from healthcheck.checks.test_suite import run as testrun
from healthcheck.checks.test_suite.run import (
    PLUGIN_MODULE,
    conftest_failure,
    TestRecord,
    plugin_dir,
    pytest_command,
    read_records,
    run_suite,
    write_selection,
)


def _write(path: Path, *records: object, tail: str = "") -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records) + tail)
    return path


def test_records_of_a_run_that_finished(tmp_path: Path) -> None:
    out = _write(
        tmp_path / "run.jsonl",
        {"event": "start", "rootdir": str(tmp_path)},
        {"event": "collect", "nodeid": "tests/test_bad.py", "outcome": "failed", "path": "tests/test_bad.py",
         "exception": "SyntaxError", "message": "invalid syntax", "facts": {"path": "pkg/bad.py", "line": 3}},
        {"event": "collect", "nodeid": "tests/test_skip.py", "outcome": "skipped"},
        {"event": "running", "nodeid": "tests/test_a.py::test_one", "path": "tests/test_a.py", "line": 4},
        {"event": "test", "nodeid": "tests/test_a.py::test_one", "outcome": "failed", "path": "tests/test_a.py",
         "line": 4, "duration_s": 0.5, "exception": "ValueError", "message": "bad",
         "frame": {"path": "pkg/m.py", "line": 9, "function": "f", "text": "raise ValueError('bad')"},
         "when": "call"},
        {"event": "finish", "exitstatus": 1},
    )
    tests, collect, skipped, finished, rootdir = read_records(out, tmp_path)
    assert finished and skipped == 1 and rootdir == str(tmp_path)
    assert [(t.nodeid, t.outcome, t.path, t.line, t.exception, t.when) for t in tests] == [
        ("tests/test_a.py::test_one", "failed", "tests/test_a.py", 4, "ValueError", "call")
    ]
    assert tests[0].frame == {"path": "pkg/m.py", "line": 9, "function": "f", "text": "raise ValueError('bad')"}
    assert [(c.nodeid, c.outcome, c.facts) for c in collect] == [
        ("tests/test_bad.py", "collection-error", {"path": "pkg/bad.py", "line": 3})
    ]
    assert tests[0].failing and collect[0].failing


def test_a_stopped_run_keeps_what_finished_and_marks_the_running_test(tmp_path: Path) -> None:
    out = _write(
        tmp_path / "run.jsonl",
        {"event": "start", "rootdir": str(tmp_path / "sub")},
        {"event": "running", "nodeid": "t/test_x.py::test_ok", "path": "t/test_x.py", "line": 1},
        {"event": "test", "nodeid": "t/test_x.py::test_ok", "outcome": "passed", "path": "t/test_x.py", "line": 1},
        {"event": "running", "nodeid": "t/test_x.py::test_hang", "path": "t/test_x.py", "line": 5},
        tail='{"event": "test", "nodeid": "t/te',  # killed in the middle of a line
    )
    tests, collect, skipped, finished, _ = read_records(out, tmp_path)
    assert not finished and not collect and skipped == 0
    assert [(t.nodeid, t.outcome, t.path) for t in tests] == [
        ("t/test_x.py::test_ok", "passed", "sub/t/test_x.py"),
        ("t/test_x.py::test_hang", "timeout", "sub/t/test_x.py"),
    ]
    assert "timeout" in tests[1].message
    assert tests[1].selector() == "sub/t/test_x.py::test_hang"


def test_no_file_means_no_records(tmp_path: Path) -> None:
    assert read_records(tmp_path / "missing.jsonl", tmp_path) == ([], [], 0, False, None)


def test_selector_without_a_path_is_the_node_id() -> None:
    assert TestRecord("a.py::t", "failed", "").selector() == "a.py::t"
    assert not TestRecord("a.py::t", "passed", "a.py").failing


def test_the_command_runs_pytest_with_the_plugin() -> None:
    tail = ["-p", PLUGIN_MODULE, "-p", "no:cacheprovider", "--continue-on-collection-errors", "-x"]
    assert pytest_command("py", ["-x"]) == ["py", "-m", "pytest", *tail]


def test_plugin_is_copied_alone_and_selection_written(tmp_path: Path) -> None:
    folder = plugin_dir(tmp_path)
    assert [p.name for p in folder.iterdir()] == [f"{PLUGIN_MODULE}.py"]
    assert "pytest_runtest_logreport" in (folder / f"{PLUGIN_MODULE}.py").read_text()
    select = write_selection(tmp_path, ["a.py::t1", "a.py::t2"])
    assert select.read_text().splitlines() == ["a.py::t1", "a.py::t2"]


def test_a_run_past_its_timeout_is_stopped(tmp_path: Path) -> None:
    command = [sys.executable, "-c", "import time; print('started', flush=True); time.sleep(60)"]
    run = run_suite(command, tmp_path, tmp_path, 3.0, {})
    assert run.timed_out and not run.finished and run.tests == [] and run.returncode != 0
    assert run.log_tail == "started"


def test_a_run_that_ignores_sigterm_is_killed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(testrun, "GRACE_S", 0.5)
    script = ("import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('stubborn', flush=True);"
              " time.sleep(60)")
    run = run_suite([sys.executable, "-c", script], tmp_path, tmp_path, 3.0, {"EXTRA": "1"}, name="stubborn")
    assert run.timed_out and run.returncode == -9 and run.log_tail == "stubborn"


def test_a_run_reads_its_records(tmp_path: Path) -> None:
    script = ("import json, os; open(os.environ['HEALTHCHECK_PYTEST_OUT'], 'w').write(json.dumps("
              "{'event': 'test', 'nodeid': 'a.py::t', 'outcome': 'passed', 'path': 'a.py'}) + '\\n')")
    run = run_suite([sys.executable, "-c", script], tmp_path, tmp_path, 60.0, {})
    assert [(t.nodeid, t.outcome) for t in run.tests] == [("a.py::t", "passed")] and run.returncode == 0


def test_a_conftest_that_does_not_load_is_one_collection_error(tmp_path: Path) -> None:
    log = (f"ImportError while loading conftest '{tmp_path}/tests/conftest.py'.\n"
           "tests/conftest.py:1: in <module>\n    import missing_pkg_zz\n"
           "E   ModuleNotFoundError: No module named 'missing_pkg_zz'\n")
    record = conftest_failure(log, tmp_path)
    assert record is not None
    assert (record.nodeid, record.outcome, record.exception, record.message, record.facts) == (
        "tests/conftest.py", "collection-error", "ModuleNotFoundError", "No module named 'missing_pkg_zz'",
        {"module": "missing_pkg_zz"})
    odd = conftest_failure("ImportError while loading conftest '/elsewhere/conftest.py'.\n", tmp_path)
    assert odd is not None and (odd.path, odd.exception, odd.facts) == ("/elsewhere/conftest.py", "ImportError", {})
    assert conftest_failure("all fine", tmp_path) is None
