"""The tests section of the human-facing reports: counts, the recovery plan, coverage per package.

It reads only the report's additive sections (``metrics.tests``,
``metrics.coverage``, ``triage``, ``coverage``), so a report without a test
run renders without it.
"""

from __future__ import annotations

from typing import Any, Mapping

from healthcheck.model import Report

MAX_STEPS = 20
MAX_PACKAGES = 40


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def section_markdown(report: Report) -> list[str]:
    """Markdown lines of the tests section, or none when no suite ran."""
    counts = report.metrics.get("tests")
    if not isinstance(counts, Mapping):
        return []
    lines = ["### Tests", ""]
    shown = ", ".join(f"{counts.get(k, 0)} {k.replace('_', ' ')}" for k in
                      ("passed", "failed", "errors", "collection_errors", "flaky", "skipped", "timeouts"))
    lines += [f"{shown}; pass rate **{counts.get('pass_rate')}%**", ""]
    plan = report.extra.get("triage")
    if isinstance(plan, Mapping) and plan.get("steps"):
        lines += [f"**Recovery plan**: {plan['failing_tests']} failing tests from {plan['root_causes']} root causes.",
                  "", "| # | failing | root cause | re-run |", "| --- | --- | --- | --- |"]
        for step in plan["steps"][:MAX_STEPS]:
            lines.append(f"| {step['rank']} | {step['failing_tests']} | {_cell(step['title'])} | "
                         f"`{_cell(step['command'])}` |")
        if len(plan["steps"]) > MAX_STEPS:
            lines.append(f"\n…and {len(plan['steps']) - MAX_STEPS} more steps in the JSON report.")
        lines.append("")
    coverage = report.extra.get("coverage")
    total = report.metrics.get("coverage")
    if isinstance(coverage, Mapping) and isinstance(total, Mapping):
        diff = f"; changed lines {total['diff_percent']}%" if "diff_percent" in total else ""
        lines += [f"### Coverage: {total.get('percent')}%{diff}", "",
                  "| package | files | statements | missed | branches | missed branches | percent |",
                  "| --- | --- | --- | --- | --- | --- | --- |"]
        for row in coverage.get("packages", [])[:MAX_PACKAGES]:
            lines.append(f"| `{row['package']}` | {row['files']} | {row['statements']} | {row['missing']} | "
                         f"{row['branches']} | {row['missing_branches']} | {row['percent']}% |")
        lines.append("")
    return lines
