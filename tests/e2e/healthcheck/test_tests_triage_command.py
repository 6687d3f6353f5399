"""``healthcheck triage`` on a suite broken three ways, a hanging suite, and the paths around them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from e2e.healthcheck.scan_helpers import run_cli
from e2e.healthcheck.tests_suite_helpers import copy_fixture, failures, scan_tests


def test_three_root_causes_in_order(tmp_path: Path) -> None:
    repo = copy_fixture("tests_rootcauses", tmp_path)
    proc = run_cli("triage", str(repo), "--cache-dir", "none", "--json", timeout=300)
    assert proc.returncode == 1, proc.stderr
    first, _, body = proc.stdout.partition("\n")
    assert first == "tests: 4 failed, 5 collection errors; pass rate 0.0%"
    plan = json.loads(body)
    assert (plan["failing_tests"], plan["root_causes"]) == (9, 3)
    assert [(s["failing_tests"], s["kind"], s["title"], s["command"]) for s in plan["steps"]] == [
        (4, "undefined-name", "'time' is used but never defined (app/clock.py:2)",
         "python -m pytest tests/test_clock.py"),
        (3, "missing-dependency", "third-party package 'fancy_http_client_not_installed' is not installed "
                                  "(No module named 'fancy_http_client_not_installed')",
         "python -m pytest tests/test_net_one.py tests/test_net_three.py tests/test_net_two.py"),
        (2, "import-cycle", "import cycle among app.a, app.b (app.a is imported while partially initialised)",
         "python -m pytest tests/test_cycle_one.py tests/test_cycle_two.py"),
    ]
    kinds = [sorted(link.split(":")[0] for link in s["linked"]) for s in plan["steps"]]
    assert kinds == [["undefined-name"], ["import-failure"], ["import-cycle"]]


def test_text_plan(tmp_path: Path) -> None:
    repo = copy_fixture("tests_rootcauses", tmp_path)
    proc = run_cli("triage", str(repo), "--cache-dir", "none", "--no-import-check", timeout=300)
    lines = proc.stdout.splitlines()
    assert lines[1] == "9 failing tests come from 3 root causes. Fix in this order:"
    assert lines[2] == "1. [4 failing] 'time' is used but never defined (app/clock.py:2)"
    assert "   re-run: python -m pytest tests/test_clock.py" in lines


def test_hanging_suite_is_stopped_with_what_ran(tmp_path: Path) -> None:
    repo = copy_fixture("tests_hang", tmp_path)
    code, report, _, _ = scan_tests(repo)
    assert code == 1
    counts = report["metrics"]["tests"]
    assert (counts["passed"], counts["timeouts"], counts["total"], counts["pass_rate"]) == (1, 1, 2, 50.0)
    assert "stopped at its 25 s timeout" in report["checks"]["test-suite"]["detail"]
    assert failures(report) == [("tests/test_slow.py::test_hangs", "timeout", "")]
    assert report["metrics"]["coverage"]["percent"] == 100.0  # coverage.py saved its data on the way out


def test_diff_coverage_of_a_change(tmp_path: Path) -> None:
    repo = tmp_path / "diffrepo"
    (repo / "lib").mkdir(parents=True)
    (repo / "tests").mkdir()
    (repo / "lib" / "__init__.py").write_text("def one():\n    return 1\n")
    (repo / "tests" / "test_lib.py").write_text("from lib import one\n\n\ndef test_one():\n    assert one() == 1\n")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], cwd=repo, check=True)
    subprocess.run([*git, "add", "."], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "base"], cwd=repo, check=True)
    (repo / "lib" / "__init__.py").write_text(
        "def one():\n    return 1\n\n\ndef two():\n    return 2\n\n\ndef three():\n    return 3\n")
    (repo / "tests" / "test_lib.py").write_text(
        "from lib import one, two\n\n\ndef test_one():\n    assert one() == 1\n\n\ndef test_two():\n"
        "    assert two() == 2\n")
    code, report, _, _ = scan_tests(repo, "--diff-base", "HEAD")
    assert report["metrics"]["coverage"]["diff_percent"] == 75.0
    assert report["coverage"]["diff"] == {"base": "HEAD", "changed_files": 1, "statements": 4, "covered": 3,
                                          "missing": {"lib/__init__.py": [10]}}
    gates = {g["name"]: (g["threshold"], g["passed"]) for g in report["gates"]}
    assert gates["min_diff_coverage"] == (80.0, False)
    assert code == 1
    bad = run_cli("scan", str(repo), "--tests", "--diff-base", "no-such-ref", "--cache-dir", "none",
                  "--out-dir", str(tmp_path / "out"))
    assert bad.returncode == 2 and bad.stderr.startswith("healthcheck: error: --diff-base")


def test_never_unasked_and_an_interpreter_without_pytest(tmp_path: Path) -> None:
    repo = copy_fixture("tests_hang", tmp_path)
    out = tmp_path / "r.json"
    proc = run_cli("scan", str(repo), "--format", "json", "--output", str(out), "--cache-dir", "none",
                   "--no-types", "--no-import-check")
    report = json.loads(out.read_text())
    assert report["checks"]["test-suite"]["status"] == "skipped" and "tests" not in report["metrics"]
    assert "triage" not in report and proc.returncode == 0
    venv = tmp_path / "bare"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    code, report, _, _ = scan_tests(repo, "--python", str(venv / "bin" / "python"))
    check = report["checks"]["test-suite"]
    assert check["status"] == "error"
    assert check["detail"] == (f"pytest is not installed in {venv / 'bin' / 'python'} (Python "
                               f"{sys.version.split()[0]}, environment {venv}): the test suite cannot run")
    assert code == 1 and "tests" not in report["metrics"]
