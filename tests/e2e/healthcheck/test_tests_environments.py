"""The test-suite check in the project venvs real users have: it measures what the plain tools measure, or fails.

Each test builds a real venv (``tests/envs.py``) holding only some of the engines, runs ``healthcheck scan
--tests --python venv/bin/python`` and compares with the plain tool run in the same test, or checks that the check
is an error whose gates fail. A green that means "we could not look" is the defect these tests exist for.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from e2e.healthcheck.tests_suite_helpers import copy_fixture, scan_tests
from envs import PYTEST, make_venv

XDIST = ("pytest-xdist", "execnet")


def _gate(report: dict[str, Any], name: str) -> dict[str, Any]:
    return next(g for g in report["gates"] if g["name"] == name)


def _plain_coverage(repo: Path, tmp_path: Path) -> float:
    """coverage.py's own total for the suite, every process measured as its documentation says.

    A venv with coverage.py, a ``.pth`` file calling ``coverage.process_startup()`` and ``COVERAGE_PROCESS_START``
    naming a configuration with ``parallel = True``: the documented way to measure subprocesses (xdist's workers
    and the test's own child) with any coverage.py 7 release. Then ``coverage combine`` and ``coverage json``.
    """
    python = make_venv(tmp_path / "reference-venv", PYTEST + XDIST + ("coverage",))
    site = Path(python).parent.parent / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}" / "site-packages"
    (site / "coverage_startup.pth").write_text("import coverage; coverage.process_startup()\n")
    data = tmp_path / "reference-data"
    rc = tmp_path / "reference.ini"
    rc.write_text(f"[run]\nbranch = True\nparallel = True\nsource = {repo / 'calc'}\ndata_file = {data / '.coverage'}\n")
    data.mkdir()
    env = {**os.environ, "COVERAGE_PROCESS_START": str(rc), "COVERAGE_RCFILE": str(rc)}
    env.pop("PYTHONPATH", None)
    subprocess.run([python, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=repo, env=env, check=True,
                   capture_output=True)
    subprocess.run([python, "-m", "coverage", "combine"], cwd=data, env=env, check=True, capture_output=True)
    out = tmp_path / "reference.json"
    subprocess.run([python, "-m", "coverage", "json", "-o", str(out)], cwd=data, env=env, check=True,
                   capture_output=True)
    return round(float(json.loads(out.read_text())["totals"]["percent_covered"]), 2)


def test_a_venv_without_coverage_py_under_xdist_is_measured_as_coverage_py_measures_it(tmp_path: Path) -> None:
    repo = copy_fixture("tests_xdist", tmp_path)
    python = make_venv(tmp_path / "venv", PYTEST + XDIST)  # pytest and xdist, no coverage.py: the usual venv
    code, report, _, stderr = scan_tests(repo, "--python", python)
    assert report["metrics"]["tests"]["passed"] == 3, stderr
    expected = _plain_coverage(repo, tmp_path)
    assert report["metrics"]["coverage"]["percent"] == expected
    assert 0 < expected < 100  # the workers and the child were measured, and never_called was not run
    engine = report["checks"]["test-suite"]["engine"]
    assert engine["python"] == python
    assert engine["coverage"].startswith("healthcheck's coverage.py ")
    assert _gate(report, "min_coverage")["actual"] == expected


def test_a_venv_without_pytest_is_an_error_and_every_test_gate_fails(tmp_path: Path) -> None:
    repo = copy_fixture("tests_xdist", tmp_path)
    python = make_venv(tmp_path / "venv")
    code, report, _, _ = scan_tests(repo, "--python", python)
    check = report["checks"]["test-suite"]
    assert code == 1 and check["status"] == "error"
    assert check["detail"].startswith(f"pytest is not installed in {python} (Python ")
    for name in ("min_pass_rate", "min_coverage"):
        gate = _gate(report, name)
        assert gate["passed"] is False and gate["actual"] is None
        assert gate["detail"].startswith("test-suite could not run fully: pytest is not installed")
    assert "tests" not in report["metrics"] and "coverage" not in report["metrics"]


def test_a_conftest_that_exits_early_fails_the_run(tmp_path: Path) -> None:
    repo = copy_fixture("tests_xdist", tmp_path)
    (repo / "pyproject.toml").write_text('[tool.pytest.ini_options]\ntestpaths = ["tests"]\n')
    (repo / "tests" / "conftest.py").write_text("import os\nos._exit(0)\n")
    code, report, _, _ = scan_tests(repo)
    check = report["checks"]["test-suite"]
    assert (code, check["status"]) == (1, "error")
    assert check["detail"].startswith("pytest could not run (exit 0): ")
    assert report["passed"] is False and _gate(report, "min_pass_rate")["passed"] is False


def test_a_test_that_exits_the_process_midway_fails_the_run(tmp_path: Path) -> None:
    repo = copy_fixture("tests_xdist", tmp_path)
    (repo / "pyproject.toml").write_text('[tool.pytest.ini_options]\ntestpaths = ["tests"]\n')
    (repo / "tests" / "test_zz_exit.py").write_text("import os\n\n\ndef test_exit() -> None:\n    os._exit(0)\n")
    code, report, _, _ = scan_tests(repo)
    check = report["checks"]["test-suite"]
    assert (code, check["status"]) == (1, "error")
    assert check["detail"] == ("pytest ended (exit 0) before its session finished, after 3 tests, while "
                               "tests/test_zz_exit.py::test_exit ran: the rest of the suite was never judged")


def test_coverage_turned_off_leaves_its_gate_out_and_says_why(tmp_path: Path) -> None:
    repo = copy_fixture("tests_xdist", tmp_path)
    with (repo / "pyproject.toml").open("a") as config:
        config.write("\n[tool.healthcheck.test-suite]\ncoverage = false\n")
    code, report, _, _ = scan_tests(repo)
    assert report["metrics"]["tests"]["passed"] == 3 and "coverage" not in report["metrics"]
    assert not any(g["name"] == "min_coverage" for g in report["gates"])
    assert report["checks"]["test-suite"]["not_gated"]["min_coverage"].startswith("coverage turned off")
