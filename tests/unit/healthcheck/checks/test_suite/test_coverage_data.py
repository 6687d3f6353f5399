"""Coverage accounting, diff coverage and the tests check's metrics and findings, on hand-made inputs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from healthcheck.checks.test_suite.coverage_data import (
    FileCoverage,
    analyse,
    code_lines,
    measure_targets,
    package_table,
    percent,
    source_files,
    totals,
)
from healthcheck.checks.test_suite.diffcov import PURPOSE, diff_coverage, verify_base
from healthcheck.checks.test_suite.run import TestRecord
from healthcheck.checks.test_suite import coverage_findings, suite_entry, suite_metrics
from healthcheck.config import Config
from healthcheck.errors import UsageError
from healthcheck.git import changed_lines, parse_diff
from healthcheck.project import discover

DIFF = """diff --git a/pkg/m.py b/pkg/m.py
--- a/pkg/m.py
+++ b/pkg/m.py
@@ -3 +3,2 @@ def f():
-    return 1
+    x = 2
+    return x
@@ -10,0 +12 @@ def g():
+    pass
@@ -20,2 +22,0 @@
-gone
-gone
diff --git a/old.py b/old.py
--- a/old.py
+++ /dev/null
@@ -1 +0,0 @@
-x = 1
"""


def test_parse_diff_keeps_new_side_lines() -> None:
    assert parse_diff(DIFF) == {"pkg/m.py": {3, 4, 12}}


def _fc(path: str, executed: set[int], missing: set[int], branches: int = 0, missing_branches: int = 0,
        status: str = "measured", package: str = "pkg") -> FileCoverage:
    return FileCoverage(path, package, len(executed) + len(missing), len(missing), branches, missing_branches,
                        status, frozenset(executed), frozenset(missing))  # type: ignore[arg-type]


def test_diff_coverage_counts_changed_statements_only() -> None:
    files = [_fc("pkg/m.py", {1, 3}, {4, 5}), _fc("pkg/n.py", {1}, set())]
    diff = diff_coverage("main", {"pkg/m.py": {2, 3, 4}, "other.txt": {1}}, files)
    assert (diff.changed_files, diff.statements, diff.covered, diff.missing, diff.percent) == (
        1, 2, 1, {"pkg/m.py": [4]}, 50.0)
    assert diff_coverage("main", {}, files).percent == 100.0


def test_percent_totals_and_package_table() -> None:
    a = _fc("pkg/a.py", {1, 2, 3}, {4}, branches=4, missing_branches=2)
    b = _fc("pkg/sub/b.py", set(), {1, 2}, status="unimported", package="pkg.sub")
    assert (a.units, a.covered_units, a.percent) == (8, 5, 62.5)
    assert percent(0, 0) == 100.0 and totals([a, b]) == 50.0
    assert package_table([a, b]) == [
        {"package": "pkg", "files": 1, "statements": 4, "missing": 1, "branches": 4, "missing_branches": 2,
         "unimported_files": 0, "unparsed_files": 0, "percent": 62.5},
        {"package": "pkg.sub", "files": 1, "statements": 2, "missing": 2, "branches": 0, "missing_branches": 0,
         "unimported_files": 1, "unparsed_files": 0, "percent": 0.0},
    ]
    findings = coverage_findings([a, b, _fc("pkg/empty.py", set(), set())], package_table([a, b]), 60.0)
    assert [(f.path, f.message, f.data["scope"]) for f in findings] == [
        ("pkg/sub/b.py", "pkg/sub/b.py is 0% covered, under 60% (no test imports it)", "file"),
        (None, "package pkg.sub is 0% covered, under 60%", "package"),
    ]


def _project(root: Path) -> None:
    for rel, text in {
        "pkg/__init__.py": "",
        "pkg/core.py": "def f(x):\n    if x:\n        return 1\n    return 2\n",
        "pkg/idle.py": "def g():\n    return 3\n",
        "pkg/bad.py": "def h(:\n    # a comment\n\n    return 4\n",
        "single.py": "VALUE = 1\n",
        "setup.py": "print('setup')\n",
        "docs/conf.py": "project = 'x'\n",
        "tests/test_core.py": "from pkg.core import f\n",
    }.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_source_files_and_targets(tmp_path: Path) -> None:
    _project(tmp_path)
    project = discover(tmp_path, Config())
    files = source_files(project)
    assert sorted(f.rel for f in files) == ["pkg/__init__.py", "pkg/bad.py", "pkg/core.py", "pkg/idle.py", "single.py"]
    assert measure_targets(files) == sorted([str(tmp_path / "pkg"), "single"])
    assert [f.rel for f in source_files(project, ["single"])] == ["single.py"]
    assert code_lines(tmp_path / "pkg" / "bad.py") == frozenset({1, 4})
    assert code_lines(tmp_path / "nope.py") == frozenset()


def test_analyse_counts_unimported_and_unparsed_files(tmp_path: Path) -> None:
    _project(tmp_path)
    (tmp_path / "run_core.py").write_text("from pkg.core import f\nf(1)\n")
    data = tmp_path / "data" / ".coverage"
    data.parent.mkdir()
    subprocess.run([sys.executable, "-m", "coverage", "run", "--branch", "--parallel-mode",
                    f"--source={tmp_path / 'pkg'}", "run_core.py"], cwd=tmp_path, check=True,
                   env={"COVERAGE_FILE": str(data), "PATH": "/usr/bin:/bin"})
    files = [f for f in source_files(discover(tmp_path, Config()), ["pkg"])]
    result = {f.path: (f.status, f.statements, f.missing, f.branches, f.missing_branches)
              for f in analyse(data, tmp_path, files, {"pkg/bad.py"})}
    assert result == {
        "pkg/__init__.py": ("measured", 0, 0, 0, 0),
        "pkg/core.py": ("measured", 4, 1, 2, 1),
        "pkg/idle.py": ("unimported", 2, 2, 0, 0),
        "pkg/bad.py": ("unparsed", 2, 2, 0, 0),
    }


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=root, check=True,
                   capture_output=True)


def test_changed_lines_from_git(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text("a = 1\nb = 2\n")
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", "m.py")
    _git(tmp_path, "commit", "-q", "-m", "one")
    (tmp_path / "m.py").write_text("a = 1\nb = 3\nc = 4\n")
    (tmp_path / "new.py").write_text("x = 1\ny = 2\n")
    verify_base(tmp_path, "HEAD")
    assert changed_lines(tmp_path, "HEAD", PURPOSE) == {"m.py": {2, 3}, "new.py": {1, 2}}
    with pytest.raises(UsageError, match="--diff-base"):
        verify_base(tmp_path, "no-such-ref")


def test_metrics_pass_rate_and_entries() -> None:
    outcomes = ["passed"] * 5 + ["xpassed", "flaky", "failed", "error", "collection-error", "timeout", "skipped",
                                  "xfailed"]
    records = [TestRecord(f"t.py::t{i}", o, "t.py", i) for i, o in enumerate(outcomes)]
    assert suite_metrics(records, 2) == {
        "passed": 5, "failed": 1, "errors": 1, "collection_errors": 1, "skipped": 3, "flaky": 1, "xfailed": 1,
        "xpassed": 1, "timeouts": 1, "total": 12, "pass_rate": 63.64,
    }
    assert suite_metrics([], 0)["pass_rate"] is None
    rec = TestRecord("t.py::x", "failed", "t.py", 3, 0.1234567, "KeyError", "'k'")
    assert suite_entry(rec) == {"nodeid": "t.py::x", "outcome": "failed", "duration_s": 0.123457,
                                "message": "KeyError: 'k'", "path": "t.py", "line": 3}
