"""Counts and orderings shared by the human-facing renderers (Markdown, console, HTML)."""

from __future__ import annotations

from collections import Counter

from healthcheck.model import Finding, GateResult, Report


def counts_by_check(report: Report) -> list[tuple[str, int]]:
    counter = Counter(f.check for f in report.findings)
    return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))


def where(finding: Finding) -> str:
    if finding.path is None:
        return "(project)"
    return f"{finding.path}:{finding.line}" if finding.line else finding.path


def gate_line(gate: GateResult) -> str:
    actual = "n/a" if gate.actual is None else f"{gate.actual:g}"
    verdict = "pass" if gate.passed else "FAIL"
    text = f"{verdict}  {gate.name}: {actual} {gate.op} {gate.threshold:g}"
    if gate.baseline is not None:
        text += f" (baseline {gate.baseline:g})"
    if gate.detail:
        text += f" - {gate.detail}"
    return text


def headline(report: Report) -> str:
    failed = [g for g in report.gates if not g.passed]
    verdict = "PASSED" if not failed else f"FAILED ({len(failed)} of {len(report.gates)} gates)"
    return f"healthcheck {verdict}: {len(report.findings)} findings in {report.metrics.get('files', '?')} files"
