"""A test suite cannot hang the run past a test's time limit, hide its verdict by killing its supervisor or by
shadowing healthcheck's plugin, or leave processes behind."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hostile.corpus import make_repo, scan_report
from hostile.processes import DAEMON, left_after, new_marker

QUIET = "[tool.healthcheck.test-suite]\nreruns = 0\ncoverage = false\n"
FAILING = {"tests/test_f.py": "def test_fails():\n    assert 1 == 2\n\n\ndef test_passes():\n    pass\n"}
# Written in place of healthcheck's records: a green run, then the process ends before pytest can say otherwise.
FAKE_RECORDS = """
import json, os
out = os.environ.get("HEALTHCHECK_PYTEST_OUT")
if out:
    with open(out, "a") as handle:
        for record in ({"event": "start", "rootdir": os.getcwd()},
                       {"event": "test", "nodeid": "tests/test_f.py::test_fails", "outcome": "passed",
                        "path": "tests/test_f.py"},
                       {"event": "finish", "exitstatus": 0}):
            handle.write(json.dumps(record) + "\\n")
    os._exit(0)
"""


def _outcomes(report: dict[str, Any]) -> dict[str, str]:
    return {t["nodeid"]: t["outcome"] for t in report.get("tests", [])}


def _scan(repo: Path, tmp_path: Path, marker: tuple[str, str] | None = None) -> tuple[Any, dict[str, Any]]:
    env = dict([marker]) if marker else None
    return scan_report(repo, tmp_path / "r.json", "--only", "test-suite", "--tests", "--cache-dir", "none",
                       env=env, timeout=300)


def test_a_test_past_its_time_limit_fails_timed_out_and_the_suite_goes_on(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {
        "pyproject.toml": QUIET + "test_timeout = 1\n",
        "tests/test_a.py": "import time\n\n\ndef test_hangs():\n    time.sleep(120)\n\n\n"
                           "def test_after():\n    pass\n",
    })
    proc, report = _scan(repo, tmp_path)
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert report["checks"]["test-suite"]["status"] == "ok"
    assert _outcomes(report) == {"tests/test_a.py::test_hangs": "failed", "tests/test_a.py::test_after": "passed"}
    (finding,) = [f for f in report["findings"] if f["check"] == "test-failure"]
    assert finding["message"] == "tests/test_a.py::test_hangs failed: TestTimeout: timed out after 1 s"


def test_a_test_that_kills_its_parent_is_an_error_never_a_pass(tmp_path: Path) -> None:
    marker = new_marker()
    repo = make_repo(tmp_path / "repo", {
        "pyproject.toml": QUIET,
        "tests/test_k.py": "import os, signal, time\n\n\ndef test_kills():\n    os.kill(os.getppid(), signal.SIGKILL)\n"
                           "    time.sleep(1)\n\n\ndef test_after():\n    pass\n",
    })
    proc, report = _scan(repo, tmp_path, marker)
    assert proc.returncode == 1, proc.stderr[-2000:]
    check = report["checks"]["test-suite"]
    assert check["status"] == "error"
    assert check["detail"].startswith("the test run killed its parent process, healthcheck's supervisor")
    assert left_after(*marker) == []


def test_a_daemon_started_by_a_conftest_does_not_outlive_the_scan(tmp_path: Path) -> None:
    marker = new_marker()
    repo = make_repo(tmp_path / "repo", {
        "pyproject.toml": QUIET, "tests/conftest.py": DAEMON, "tests/test_p.py": "def test_p():\n    pass\n",
    })
    proc, report = _scan(repo, tmp_path, marker)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert _outcomes(report) == {"tests/test_p.py::test_p": "passed"}
    assert left_after(*marker) == []


def test_a_module_named_like_our_plugin_does_not_replace_it(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"pyproject.toml": QUIET, "healthcheck_pytest_plugin.py": FAKE_RECORDS,
                                         **FAILING})
    proc, report = _scan(repo, tmp_path)
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert _outcomes(report) == {"tests/test_f.py::test_fails": "failed", "tests/test_f.py::test_passes": "passed"}


def test_a_sitecustomize_or_a_healthcheck_package_of_the_tree_is_never_loaded(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {
        "pyproject.toml": QUIET, "sitecustomize.py": FAKE_RECORDS, "healthcheck/__init__.py": FAKE_RECORDS,
        "healthcheck/checks/test_suite/in_target/pytest_plugin.py": FAKE_RECORDS, **FAILING,
    })
    proc, report = _scan(repo, tmp_path)
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert _outcomes(report) == {"tests/test_f.py::test_fails": "failed", "tests/test_f.py::test_passes": "passed"}
