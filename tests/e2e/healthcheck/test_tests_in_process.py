"""The test-suite check and ``healthcheck triage`` driven in-process through click (the suites still run in
subprocesses): the same fixture suites, seen from inside."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner
from e2e.healthcheck.tests_suite_helpers import copy_fixture

from healthcheck.cli import cli


def test_triage_in_process(tmp_path: Path) -> None:
    repo = copy_fixture("tests_rootcauses", tmp_path)
    result = CliRunner().invoke(cli, ["triage", str(repo), "--cache-dir", str(tmp_path / "cache"),
                                      "--no-import-check"])
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert lines[0] == "tests: 4 failed, 5 collection errors; pass rate 0.0%"
    assert lines[2] == "1. [4 failing] 'time' is used but never defined (app/clock.py:2)"
    assert (tmp_path / "cache" / "tests" / "rerun1.jsonl").exists()  # the 4 failures were re-run once


def test_scan_in_process_with_options(tmp_path: Path) -> None:
    repo = copy_fixture("tests_mixed", tmp_path)
    with (repo / "pyproject.toml").open("a") as fh:
        fh.write('\n[tool.healthcheck]\ntests = true\nmin_coverage = 50\n\n[tool.healthcheck.test-suite]\n'
                 'reruns = 0\nargs = ["-k", "not flaky"]\nsource = ["calc"]\nfile_threshold = 90\n')
    out = tmp_path / "r.json"
    result = CliRunner().invoke(cli, ["scan", str(repo), "--no-types", "--no-import-check", "--cache-dir", "none",
                                      "--format", "json", "--output", str(out)])
    assert result.exit_code == 1, result.output
    report = json.loads(out.read_text())
    tests = report["metrics"]["tests"]
    assert (tests["passed"], tests["failed"], tests["flaky"], tests["total"]) == (2, 3, 0, 8)
    assert {g["name"]: g["passed"] for g in report["gates"]}["min_coverage"] is True
    covered = sorted((f["path"] or "", f["data"]["percent"]) for f in report["findings"] if f["check"] == "coverage")
    assert covered == [("", 54.55), ("calc/broken.py", 0.0), ("calc/ops.py", 85.71), ("calc/unused.py", 0.0)]


def test_triage_when_the_suite_cannot_run(tmp_path: Path) -> None:
    repo = copy_fixture("tests_hang", tmp_path)
    venv = tmp_path / "bare"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    result = CliRunner().invoke(cli, ["triage", str(repo), "--cache-dir", "none", "--no-import-check",
                                      "--python", str(venv / "bin" / "python")])
    assert result.exit_code == 1
    assert "the test suite could not run: pytest is not installed in" in result.output


def test_a_suite_with_nothing_failing(tmp_path: Path) -> None:
    repo = tmp_path / "green"
    (repo / "tests").mkdir(parents=True)
    (repo / "tests" / "test_ok.py").write_text("def test_ok():\n    assert True\n")
    (repo / "tests" / "test_mod_skip.py").write_text("import pytest\npytest.skip('later', allow_module_level=True)\n")
    (repo / "pyproject.toml").write_text('[tool.healthcheck.test-suite]\ncoverage = false\n')
    result = CliRunner().invoke(cli, ["triage", str(repo), "--cache-dir", "none", "--no-import-check"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["tests: 1 passed, 1 skipped; pass rate 100.0%",
                                          "No failing tests: nothing to triage."]


def test_a_root_conftest_that_does_not_load(tmp_path: Path) -> None:
    repo = tmp_path / "noconf"
    (repo / "tests").mkdir(parents=True)
    (repo / "conftest.py").write_text("import missing_plugin_package_zz\n")
    (repo / "tests" / "test_ok.py").write_text("def test_ok():\n    assert True\n")
    result = CliRunner().invoke(cli, ["triage", str(repo), "--cache-dir", "none", "--no-import-check"])
    assert result.exit_code == 1, result.output
    assert result.output.splitlines()[:3] == [
        "tests: 1 collection errors; pass rate 0.0%",
        "1 failing tests come from 1 root causes. Fix in this order:",
        "1. [1 failing] third-party package 'missing_plugin_package_zz' is not installed "
        "(No module named 'missing_plugin_package_zz')",
    ]
