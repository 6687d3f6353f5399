"""Counts, orderings and the gate wording shared by the renderers (Markdown, console, HTML, JUnit) and the CI lines."""

from __future__ import annotations

from collections import Counter

from healthcheck.model import Finding, GateResult, Report
from healthcheck.report.first_screen import affected


def counts_by_check(report: Report) -> list[tuple[str, int]]:
    counter = Counter(f.kind for f in report.findings)
    return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))


def where(finding: Finding) -> str:
    if finding.path is None:
        return "(project)"
    return f"{finding.path}:{finding.line}" if finding.line else finding.path


def gate_value(value: float | None, missing: str = "n/a") -> str:
    """A gate's actual, threshold or baseline value as every report prints it (``missing`` when there is none)."""
    return missing if value is None else f"{value:g}"


def verdict_word(report: Report, counted: bool = True) -> str:
    """``PASSED`` or ``FAILED``; with ``counted``, ``FAILED (2 of 5 gates)``."""
    failed = sum(1 for g in report.gates if not g.passed)
    if not failed:
        return "PASSED"
    return f"FAILED ({failed} of {len(report.gates)} gates)" if counted else "FAILED"


def gate_line(gate: GateResult) -> str:
    verdict = "pass" if gate.passed else "FAIL"
    text = f"{verdict}  {gate.name}: {gate_value(gate.actual)} {gate.op} {gate_value(gate.threshold)}"
    if gate.baseline is not None:
        text += f" (baseline {gate_value(gate.baseline)})"
    if gate.detail:
        text += f" - {gate.detail}"
    return text


def headline(report: Report) -> str:
    return f"healthcheck {verdict_word(report)}: {affected(report)}"
