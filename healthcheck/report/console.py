"""The terminal summary: read at a glance, worst first, every finding with its place."""

from __future__ import annotations

from healthcheck.model import Report
from healthcheck.report.summary import counts_by_check, gate_line, headline, where


def render_console(report: Report, limit: int = 20, color: bool = False) -> str:
    def paint(text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if color else text

    lines = [paint(headline(report), "1;32" if report.passed else "1;31")]
    for name, outcome in report.checks.items():
        if outcome.status != "ok":
            lines.append(paint(f"  check {name}: {outcome.status} - {outcome.detail}", "33"))
    counts = counts_by_check(report)
    if counts:
        lines.append("  " + ", ".join(f"{name}: {n}" for name, n in counts))
    for f in report.findings[:limit]:
        sev = paint(f"{f.severity:7}", "31" if f.severity == "error" else "33")
        lines.append(f"  {sev} {where(f)}  {f.message}")
    if len(report.findings) > limit:
        lines.append(f"  … {len(report.findings) - limit} more (see the JSON or Markdown report)")
    for g in report.gates:
        lines.append("  " + paint(gate_line(g), "32" if g.passed else "31"))
    return "\n".join(lines) + "\n"
