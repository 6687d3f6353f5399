"""``scan --tests`` on a suite with every kind of outcome: exact counts, findings, coverage and sections."""

from __future__ import annotations

from typing import Any

import pytest
from e2e.healthcheck.tests_suite_helpers import copy_fixture, failures, scan_tests


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, dict[str, Any], str, str]:
    return scan_tests(copy_fixture("tests_mixed", tmp_path_factory.mktemp("mixed")))


def test_counts_and_pass_rate(mixed: tuple[int, dict[str, Any], str, str]) -> None:
    code, report, _, _ = mixed
    assert code == 1
    assert report["metrics"]["tests"] == {
        "passed": 2, "failed": 3, "errors": 1, "collection_errors": 1, "skipped": 1, "flaky": 1, "xfailed": 1,
        "xpassed": 0, "timeouts": 0, "total": 9, "pass_rate": 37.5,
    }
    assert report["checks"]["test-suite"]["status"] == "ok"
    assert report["checks"]["test-suite"]["detail"].startswith(
        "2 passed, 3 failed, 1 errors, 1 collection errors, 1 flaky, 1 skipped; pass rate 37.5%")
    gates = {g["name"]: (g["actual"], g["passed"]) for g in report["gates"]}
    assert gates["min_pass_rate"] == (37.5, False)
    assert gates["min_coverage"] == (54.55, False)
    assert "min_diff_coverage" not in gates


def test_failures_with_their_causes(mixed: tuple[int, dict[str, Any], str, str]) -> None:
    _, report, _, _ = mixed
    assert failures(report) == [
        ("tests/test_broken.py", "collection-error", "SyntaxError"),
        ("tests/test_flaky.py::test_flaky", "flaky", "AssertionError"),
        ("tests/test_ops.py::test_add_wrong", "failed", "AssertionError"),
        ("tests/test_ops.py::test_divide_by_zero", "failed", "ZeroDivisionError"),
        ("tests/test_ops.py::test_divide_by_zero_again", "failed", "ZeroDivisionError"),
        ("tests/test_ops.py::test_needs_database", "error", "ConnectionError"),
    ]
    by_node = {f["data"]["nodeid"]: f for f in report["findings"] if f["check"] == "test-failure"}
    syntax = next(f for f in report["findings"] if f["check"] == "syntax-error")
    broken = by_node["tests/test_broken.py"]["data"]
    assert (broken["cause_kind"], broken["linked"]) == ("syntax-error", [syntax["id"]])
    divide = [by_node[f"tests/test_ops.py::test_divide_by_zero{s}"]["data"] for s in ("", "_again")]
    assert divide[0]["root_cause"] == divide[1]["root_cause"]
    assert divide[0]["cause"] == "ZeroDivisionError at calc/ops.py:6 in divide: division by zero"
    assert by_node["tests/test_flaky.py::test_flaky"]["severity"] == "warning"
    assert by_node["tests/test_ops.py::test_needs_database"]["related"] == [
        {"path": "tests/test_ops.py", "line": 28, "message": "innermost project frame"}]


def test_plan_orders_the_shared_cause_first(mixed: tuple[int, dict[str, Any], str, str]) -> None:
    _, report, markdown, _ = mixed
    plan = report["triage"]
    assert (plan["failing_tests"], plan["root_causes"]) == (5, 4)
    steps = [(s["failing_tests"], s["kind"], s["command"]) for s in plan["steps"]]
    assert steps[:2] == [
        (2, "exception", "python -m pytest tests/test_ops.py::test_divide_by_zero "
                         "tests/test_ops.py::test_divide_by_zero_again"),
        (1, "syntax-error", "python -m pytest tests/test_broken.py"),
    ]
    assert sorted(steps[2:4]) == [  # equal counts: ordered by cause id, whichever that is
        (1, "exception", "python -m pytest tests/test_ops.py::test_add_wrong"),
        (1, "exception", "python -m pytest tests/test_ops.py::test_needs_database"),
    ]
    assert steps[4] == (0, "flaky", "python -m pytest tests/test_flaky.py")
    assert "**Recovery plan**: 5 failing tests from 4 root causes." in markdown
    assert "### Coverage: 54.55%" in markdown


def test_coverage_counts_every_source_file(mixed: tuple[int, dict[str, Any], str, str]) -> None:
    _, report, _, _ = mixed
    assert report["metrics"]["coverage"] == {"percent": 54.55, "files": 4, "statements": 16, "branches": 6,
                                             "unimported_files": 1, "unparsed_files": 1}
    files = {f["path"]: (f["status"], f["percent"]) for f in report["coverage"]["files"]}
    assert files == {"calc/__init__.py": ("measured", 100.0), "calc/broken.py": ("unparsed", 0.0),
                     "calc/ops.py": ("measured", 85.71), "calc/unused.py": ("unimported", 0.0)}
    assert [(p["package"], p["percent"]) for p in report["coverage"]["packages"]] == [("calc", 54.55)]
    assert sorted((f["path"], f["data"]["percent"]) for f in report["findings"] if f["check"] == "coverage"
                  and f["path"]) == [("calc/broken.py", 0.0), ("calc/unused.py", 0.0)]


def test_per_test_results_for_junit(mixed: tuple[int, dict[str, Any], str, str]) -> None:
    _, report, _, _ = mixed
    rows = {t["nodeid"]: t for t in report["tests"]}
    assert len(rows) == 10
    assert {k for t in report["tests"] for k in t} == {"nodeid", "outcome", "duration_s", "message", "path", "line"}
    assert rows["tests/test_ops.py::test_add_wrong"]["message"] == "AssertionError: assert 4 == 5"
    assert rows["tests/test_ops.py::test_skipped"]["outcome"] == "skipped"
    assert rows["tests/test_ops.py::test_known_bug"]["outcome"] == "xfailed"
