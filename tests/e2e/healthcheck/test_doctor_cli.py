"""``healthcheck doctor``: which engine each check would use from which environment, and what is missing."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from e2e.healthcheck.scan_helpers import FIXTURES, run_cli
from envs import PYTEST, make_venv


def _lines(stdout: str) -> dict[str, tuple[str, str]]:
    """check -> (status, detail) from doctor's text output."""
    out: dict[str, tuple[str, str]] = {}
    for line in stdout.splitlines()[2:]:
        check, status, detail = line.split(None, 2)
        out[check] = (status, detail)
    return out


def test_a_bare_venv_says_which_mypy_judges_and_that_tests_would_fail(tmp_path: Path) -> None:
    python = make_venv(tmp_path / "venv")
    proc = run_cli("doctor", str(FIXTURES / "tests_mixed"), "--python", python, "--tests")
    assert proc.returncode == 1, proc.stderr
    first, second = proc.stdout.splitlines()[:2]
    assert first == f"healthcheck doctor: {FIXTURES / 'tests_mixed'}"
    assert second == f"interpreter  {python} (Python {sys.version.split()[0]}, environment {tmp_path / 'venv'})"
    lines = _lines(proc.stdout)
    assert lines["type-error"][0] == "ok"
    assert lines["type-error"][1].endswith(f"with --python-executable {python}")
    assert lines["test-suite"] == ("error", f"pytest is not installed in {python} (Python {sys.version.split()[0]}, "
                                            f"environment {tmp_path / 'venv'}): the test-suite check and its gates "
                                            f"would fail")
    assert lines["contract-violation"][0] == "skipped"


def test_a_venv_with_pytest_only_is_measured_with_healthcheck_s_coverage(tmp_path: Path) -> None:
    python = make_venv(tmp_path / "venv", PYTEST)
    proc = run_cli("doctor", str(FIXTURES / "tests_mixed"), "--python", python, "--tests", "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["python"]["healthcheck_environment"] is False and set(doc["python"]["engines"]) == {"pytest"}
    tests = next(c for c in doc["checks"] if c["check"] == "test-suite")
    assert tests["status"] == "ok"
    assert "coverage: healthcheck's coverage.py " in tests["detail"]


def test_this_repository_can_run_every_check() -> None:
    proc = run_cli("doctor", ".", "--tests")
    assert proc.returncode == 0, proc.stdout
    lines = _lines(proc.stdout)
    assert {status for status, _ in lines.values()} == {"ok"}
    assert lines["contract-violation"][1].startswith("import-linter ")


def test_bad_input_is_one_line_and_exit_2(tmp_path: Path) -> None:
    proc = run_cli("doctor", str(tmp_path), "--python", str(tmp_path / "nope"))
    assert (proc.returncode, proc.stdout, proc.stderr) == (2, "", f"healthcheck: error: --python {tmp_path / 'nope'}: "
                                                                  f"no such file\n")
    proc = run_cli("doctor", str(tmp_path / "missing"))
    assert (proc.returncode, proc.stderr) == (2, f"healthcheck: error: path does not exist: {tmp_path / 'missing'}\n")
