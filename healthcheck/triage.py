"""Failing tests -> root causes -> an ordered recovery plan.

The tests check already decided each failure's root cause (``data.root_cause``
of its ``test-failure`` finding, with the cause's title, kind, place and the
findings it links to). Triage turns that into what a team can act on: one step
per root cause, the cause that accounts for the most failing tests first, each
with the command that re-runs exactly its tests, so fixing a step can be
checked on its own.

Order: failing tests the cause accounts for (most first); then structural
causes before the rest (a syntax error or import cycle breaks whole files);
then the cause's id, so the plan is stable. Flaky tests come last: they pass.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from typing import Any, ClassVar, Iterable, Mapping, Sequence

from healthcheck.check_run import TESTS, CheckRun, SectionKey, TestRow
from healthcheck.model import Finding

STRUCTURAL = ("syntax-error", "import-cycle", "missing-dependency", "missing-module", "missing-name", "undefined-name")
FAILING = frozenset({"failed", "error", "collection-error", "timeout"})
TRIAGE: SectionKey[dict[str, Any]] = SectionKey("triage")


@dataclass
class Step:
    """One root cause and how to check it is fixed."""

    root_cause: str
    kind: str
    title: str
    path: str | None
    line: int | None
    linked: list[str]
    nodeids: list[str] = field(default_factory=list)
    selectors: list[str] = field(default_factory=list)
    failing: int = 0

    def to_json(self, rank: int, command: str) -> dict[str, Any]:
        return {
            "rank": rank,
            "root_cause": self.root_cause,
            "kind": self.kind,
            "title": self.title,
            "path": self.path,
            "line": self.line,
            "linked": self.linked,
            "failing_tests": self.failing,
            "tests": len(self.nodeids),
            "nodeids": self.nodeids,
            "command": command,
        }


def _selector(finding: Finding) -> str:
    """The node id as a pytest argument from the scanned root (its file part relative to the root)."""
    nodeid = str(finding.data.get("nodeid", ""))
    _, sep, rest = nodeid.partition("::")
    return f"{finding.path}{sep}{rest}" if finding.path else nodeid


def rerun_command(selectors: Sequence[str], tests_by_file: Mapping[str, set[str]], python: str = "python") -> str:
    """``python -m pytest`` with the cause's tests; a file whose every test is in the cause is named whole."""
    by_file: dict[str, list[str]] = {}
    for sel in selectors:
        by_file.setdefault(sel.partition("::")[0], []).append(sel)
    args: list[str] = []
    for path, chosen in sorted(by_file.items()):
        everything = tests_by_file.get(path, set())
        if any("::" not in s for s in chosen) or (everything and everything <= set(chosen)):
            args.append(path)
        else:
            args.extend(sorted(chosen))
    return " ".join([python, "-m", "pytest", *(shlex.quote(a) for a in args)])


def _tests_by_file(tests: Iterable[TestRow]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for t in tests:
        path = str(t.get("path") or str(t.get("nodeid", "")).partition("::")[0])
        _, sep, rest = str(t.get("nodeid", "")).partition("::")
        if sep:
            out.setdefault(path, set()).add(f"{path}::{rest}")
    return out


def recovery_plan(
    findings: Sequence[Finding],
    tests: Sequence[TestRow] | None,
    python: str = "python",
) -> dict[str, Any] | None:
    """The plan, or None when no test suite ran (there is nothing to triage)."""
    if tests is None:
        return None
    steps: dict[str, Step] = {}
    for f in findings:
        if f.kind != "test-failure" or "root_cause" not in f.data:
            continue
        d = f.data
        cause = str(d["root_cause"])
        step = steps.get(cause)
        if step is None:
            step = steps[cause] = Step(cause, str(d.get("cause_kind", "exception")), str(d.get("cause", cause)),
                                       d.get("cause_path"), d.get("cause_line"), list(d.get("linked", [])))
        step.nodeids.append(str(d.get("nodeid", "")))
        step.selectors.append(_selector(f))
        if d.get("outcome") in FAILING:
            step.failing += 1
    by_file = _tests_by_file(tests)
    ordered = sorted(
        steps.values(),
        key=lambda s: (-s.failing, s.kind not in STRUCTURAL, -len(s.nodeids), s.root_cause),
    )
    failing = sum(s.failing for s in ordered)
    return {
        "failing_tests": failing,
        "root_causes": sum(1 for s in ordered if s.failing),
        "steps": [s.to_json(rank, rerun_command(s.selectors, by_file, python)) for rank, s in enumerate(ordered, 1)],
    }


class Triage:
    """The post-check step: with a test run, the failing tests grouped into root causes, in the order to fix them."""

    name: ClassVar[str] = "triage"

    def run(self, run: CheckRun) -> None:
        plan = recovery_plan(run.findings, run.sections.get(TESTS))
        if plan is not None:
            run.sections.put(TRIAGE, plan)


def plan_lines(plan: Mapping[str, Any]) -> list[str]:
    """The plan as plain text lines: what ``healthcheck triage`` prints."""
    steps = plan.get("steps", [])
    if not steps:
        return ["No failing tests: nothing to triage."]
    lines = [f"{plan['failing_tests']} failing tests come from {plan['root_causes']} root causes. Fix in this order:"]
    for step in steps:
        count = f"{step['failing_tests']} failing" if step["failing_tests"] else f"{step['tests']} flaky"
        lines.append(f"{step['rank']}. [{count}] {step['title']}")
        if step.get("path"):
            where = f"{step['path']}:{step['line']}" if step.get("line") else step["path"]
            lines.append(f"   at {where}")
        if step.get("linked"):
            lines.append(f"   see finding {', '.join(step['linked'])}")
        lines.append(f"   re-run: {step['command']}")
        repair = step.get("repair")
        if repair:  # only with ``triage --repairs``: whether ``healthcheck fix`` has a proven repair for it
            lines.append(f"   repair (proven): {repair['summary']}: {repair['command']}" if repair["proven"]
                         else f"   no safe repair for {repair['finding']}: {repair['why']}")
    return lines
