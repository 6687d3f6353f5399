"""A Markdown summary sized for a pull-request comment: verdict, gates, counts, the worst findings."""

from __future__ import annotations

from healthcheck.model import Report
from healthcheck.report.summary import counts_by_check, gate_line, headline, where
from healthcheck.report.tests_section import tests_markdown

MAX_FINDINGS = 50


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(report: Report) -> str:
    lines = [f"## {headline(report)}", ""]
    if report.gates:
        lines += ["| gate | actual | threshold | result |", "| --- | --- | --- | --- |"]
        for g in report.gates:
            actual = "n/a" if g.actual is None else f"{g.actual:g}"
            lines.append(f"| `{g.name}` | {actual} | {g.op} {g.threshold:g} | {'pass' if g.passed else '**FAIL**'} |")
        lines.append("")
    not_ok = {n: c for n, c in report.checks.items() if c.status != "ok"}
    if not_ok:
        lines.append("**Checks that did not run fully:**")
        lines += [f"- `{n}` {c.status}: {_escape(c.detail)}" for n, c in not_ok.items()]
        lines.append("")
    lines += tests_markdown(report)
    counts = counts_by_check(report)
    if counts:
        lines += ["| check | findings |", "| --- | --- |"]
        lines += [f"| `{name}` | {n} |" for name, n in counts]
        lines.append("")
        lines.append("| severity | where | finding |")
        lines.append("| --- | --- | --- |")
        for f in report.findings[:MAX_FINDINGS]:
            lines.append(f"| {f.severity} | `{_escape(where(f))}` | {_escape(f.message)} |")
        if len(report.findings) > MAX_FINDINGS:
            lines.append(f"\n…and {len(report.findings) - MAX_FINDINGS} more in the JSON report.")
    else:
        lines.append("No findings.")
    lines.append("")
    lines.append("<details><summary>gates, plain</summary>\n")
    lines += [f"    {gate_line(g)}" for g in report.gates]
    lines.append("\n</details>")
    return "\n".join(lines) + "\n"
