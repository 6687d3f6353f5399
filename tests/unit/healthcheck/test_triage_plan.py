"""The recovery plan: one step per root cause, biggest first, each with the command that re-runs its tests."""

from __future__ import annotations

from typing import Any

from healthcheck.model import Finding, Report
from healthcheck.checks.test_suite.report_section import section_markdown
from healthcheck.triage import plan_lines, recovery_plan, rerun_command


def _failure(nodeid: str, cause: str, kind: str, outcome: str = "failed", **extra: Any) -> Finding:
    path = nodeid.split("::")[0]
    return Finding.create("test-failure", f"{nodeid} {outcome}", key=nodeid, path=path, data={
        "nodeid": nodeid, "outcome": outcome, "exception": "E", "root_cause": cause, "cause": f"cause {cause}",
        "cause_kind": kind, "cause_path": "pkg/m.py", "cause_line": 3, "linked": extra.get("linked", [])})


TESTS = [{"nodeid": f"tests/test_a.py::t{i}", "path": "tests/test_a.py"} for i in range(3)] + [
    {"nodeid": "tests/test_b.py::t0", "path": "tests/test_b.py"},
    {"nodeid": "tests/test_b.py::t1", "path": "tests/test_b.py"},
    {"nodeid": "tests/test_c.py::t0", "path": "tests/test_c.py"},
]

FINDINGS = [
    _failure("tests/test_b.py::t0", "rc:small", "exception"),
    _failure("tests/test_a.py::t0", "rc:big", "exception"),
    _failure("tests/test_a.py::t1", "rc:big", "exception"),
    _failure("tests/test_a.py::t2", "rc:big", "exception"),
    _failure("tests/test_broken.py", "rc:syntax", "syntax-error", "collection-error", linked=["syntax-error:1"]),
    _failure("tests/test_c.py::t0", "rc:flaky", "flaky", "flaky"),
    Finding.create("undefined-name", "x", key="x"),
]


def test_no_suite_no_plan() -> None:
    assert recovery_plan(FINDINGS, None) is None


def test_steps_biggest_first_structural_before_others_flaky_last() -> None:
    plan = recovery_plan(FINDINGS, TESTS)
    assert plan is not None
    assert (plan["failing_tests"], plan["root_causes"]) == (5, 3)
    assert [(s["rank"], s["root_cause"], s["failing_tests"], s["tests"], s["command"]) for s in plan["steps"]] == [
        (1, "rc:big", 3, 3, "python -m pytest tests/test_a.py"),
        (2, "rc:syntax", 1, 1, "python -m pytest tests/test_broken.py"),
        (3, "rc:small", 1, 1, "python -m pytest tests/test_b.py::t0"),
        (4, "rc:flaky", 0, 1, "python -m pytest tests/test_c.py"),
    ]
    assert plan["steps"][1]["linked"] == ["syntax-error:1"]


def test_commands_quote_node_ids_and_name_whole_files() -> None:
    by_file = {"t.py": {"t.py::a", "t.py::b[1 2]"}}
    assert rerun_command(["t.py::b[1 2]"], by_file, "py") == "py -m pytest 't.py::b[1 2]'"
    assert rerun_command(["t.py::a", "t.py::b[1 2]"], by_file) == "python -m pytest t.py"


def test_plan_as_text() -> None:
    plan = recovery_plan(FINDINGS, TESTS)
    assert plan is not None
    assert plan_lines(plan) == [
        "5 failing tests come from 3 root causes. Fix in this order:",
        "1. [3 failing] cause rc:big", "   at pkg/m.py:3", "   re-run: python -m pytest tests/test_a.py",
        "2. [1 failing] cause rc:syntax", "   at pkg/m.py:3", "   see finding syntax-error:1",
        "   re-run: python -m pytest tests/test_broken.py",
        "3. [1 failing] cause rc:small", "   at pkg/m.py:3", "   re-run: python -m pytest tests/test_b.py::t0",
        "4. [1 flaky] cause rc:flaky", "   at pkg/m.py:3", "   re-run: python -m pytest tests/test_c.py",
    ]
    assert plan_lines({"steps": []}) == ["No failing tests: nothing to triage."]


def _report(metrics: dict[str, Any], extra: dict[str, Any]) -> Report:
    return Report(root="/r", started_at="now", duration_s=0.0, checks={}, metrics=metrics, gates=(), findings=(),
                  version="0", extra=extra)


def test_markdown_section() -> None:
    assert section_markdown(_report({}, {})) == []
    plan = recovery_plan(FINDINGS, TESTS)
    counts = {"passed": 1, "failed": 4, "errors": 0, "collection_errors": 1, "flaky": 1, "skipped": 0,
              "timeouts": 0, "pass_rate": 28.57}
    coverage = {"packages": [{"package": "pkg", "files": 2, "statements": 10, "missing": 4, "branches": 2,
                              "missing_branches": 1, "percent": 58.33}]}
    lines = section_markdown(_report({"tests": counts, "coverage": {"percent": 58.33, "diff_percent": 50.0}},
                                   {"triage": plan, "coverage": coverage}))
    text = "\n".join(lines)
    assert "1 passed, 4 failed, 0 errors, 1 collection errors, 1 flaky, 0 skipped, 0 timeouts; pass rate **28.57%**" in text
    assert "| 1 | 3 | cause rc:big | `python -m pytest tests/test_a.py` |" in lines
    assert "### Coverage: 58.33%; changed lines 50.0%" in lines
    assert "| `pkg` | 2 | 10 | 4 | 2 | 1 | 58.33% |" in lines
