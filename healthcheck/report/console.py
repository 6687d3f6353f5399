"""The terminal summary: read at a glance, the failing gates first with the findings behind each, then the
other findings with root causes before their consequences (:mod:`healthcheck.report.first_screen`)."""

from __future__ import annotations

from healthcheck.model import Finding, Report
from healthcheck.report.first_screen import failing_gates, others
from healthcheck.report.summary import counts_by_check, gate_line, headline, where
from healthcheck.safe_text import console_line

PER_GATE = 5  # findings shown under each failing gate


def render_console(report: Report, limit: int = 20, color: bool = False) -> str:
    def paint(text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if color else text

    def finding(f: Finding, indent: str = "  ") -> str:
        sev = paint(f"{f.severity:7}", "31" if f.severity == "error" else "33")
        return f"{indent}{sev} {console_line(where(f))}  {console_line(f.message)}"

    lines = [paint(headline(report), "1;32" if report.passed else "1;31")]
    for name, outcome in report.checks.items():
        if outcome.status != "ok":
            lines.append(paint(f"  check {name}: {outcome.status} - {console_line(outcome.detail)}", "33"))
    shown: list[Finding] = []
    for gate, behind in failing_gates(report):
        lines.append("  " + paint(gate_line(gate), "31"))
        lines += [finding(f, "    ") for f in behind[:PER_GATE]]
        if len(behind) > PER_GATE:
            lines.append(f"    … {len(behind) - PER_GATE} more behind this gate")
        shown += behind[:PER_GATE]
    rest = others(report, shown)
    counts = counts_by_check(report)
    if counts:
        lines.append("  " + ", ".join(f"{name}: {n}" for name, n in counts))
    room = max(0, limit - len(shown))
    lines += [finding(f) for f in rest[:room]]
    if len(rest) > room:
        lines.append(f"  … {len(rest) - room} more (see the JSON or Markdown report)")
    lines += ["  " + paint(gate_line(g), "32") for g in report.gates if g.passed]
    return "\n".join(lines) + "\n"
