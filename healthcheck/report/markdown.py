"""A Markdown summary sized for a pull-request comment: verdict, gates, what changed, the worst findings.

A reviewer reads the top and stops: the verdict and the failing gates come
first, each with the findings behind it, then what this change added (from a baseline or ``diff --base``), and
the full lists sit in collapsed sections. The text is capped below GitHub's
comment limit (65,536 characters) so posting it never fails.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from healthcheck.catalog import diff_sections
from healthcheck.model import Finding, Report
from healthcheck.report.first_screen import failing_gates, lead_order
from healthcheck.report.repairs_section import repairs_markdown
from healthcheck.report.summary import counts_by_check, gate_value, headline, verdict_word, where
from healthcheck.checks.test_suite.report_section import section_markdown

MAX_FINDINGS = 50
PER_GATE = 10  # findings listed under each failing gate
MAX_CHARS = 60000


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _gates(report: Report) -> list[str]:
    if not report.gates:
        return []
    rows = ["| gate | actual | threshold | baseline | result |", "| --- | --- | --- | --- | --- |"]
    for g in sorted(report.gates, key=lambda g: g.passed):
        base = gate_value(g.baseline, missing="")
        verdict = "pass" if g.passed else f"**FAIL**{' - ' + _escape(g.detail) if g.detail else ''}"
        rows.append(f"| `{g.name}` | {gate_value(g.actual)} | {g.op} {gate_value(g.threshold)} | {base} | {verdict} |")
    return rows + [""]


def _row(item: Mapping[str, Any]) -> str:
    place = f"{item.get('path')}:{item.get('line')}" if item.get("line") else str(item.get("path") or "(project)")
    changed = item.get("changed_lines") or []
    traced = f" (changed line{'s' if len(changed) > 1 else ''} {', '.join(f'`{c}`' for c in changed)})" if changed else ""
    return f"- `{_escape(place)}` {_escape(str(item.get('message', '')))}{traced}"


def _section(title: str, items: Sequence[Mapping[str, Any]], limit: int = 20) -> list[str]:
    if not items:
        return []
    lines = [f"**{title}** ({len(items)})", ""] + [_row(i) for i in items[:limit]]
    if len(items) > limit:
        lines.append(f"- …and {len(items) - limit} more")
    return lines + [""]


def _diff(diff: Mapping[str, Any]) -> list[str]:
    lines = [f"### Changes since `{_escape(str(diff.get('base')))}`", ""]
    lines.append(f"{diff.get('changed_files', 0)} file(s), {diff.get('changed_lines', 0)} line(s) changed.")
    if diff.get("diff_coverage") is not None:
        lines.append(f"Coverage of the changed lines: **{diff['diff_coverage']:g} %**.")
    lines.append("")
    edges = diff.get("new_import_edges") or []
    if edges:
        lines += [f"**New import edges** ({len(edges)})", ""]
        for e in edges[:20]:
            sites = ", ".join(
                f"`{s.get('path')}:{s.get('line')}`{' (changed)' if s.get('changed') else ''}" for s in e.get("sites", [])
            )
            lines.append(f"- `{e.get('importer')}` → `{e.get('imported')}` ({e.get('kind')}) at {sites}")
        lines.append("")
    listed: set[str] = set()
    for section, kinds in diff_sections():  # the catalog's diff sections, each with its kinds
        lines += _section(f"New {section.title}", diff.get(f"new_{section.key}") or [])
        if section.removed:
            lines += _section(f"Removed {section.title}", diff.get(f"removed_{section.key}") or [])
        listed.update(kinds)
    others = [f for f in diff.get("new_findings") or [] if f.get("check") not in listed]
    lines += _section("Other new findings", others)
    if not diff.get("new_findings"):
        lines += ["This change adds no finding.", ""]
    return lines


def _baseline(base: Mapping[str, Any], findings: Sequence[Finding]) -> list[str]:
    new_ids = set(base.get("new", []))
    new = [f for f in findings if f.id in new_ids]
    lines = ["### Against the baseline", "",
             f"{len(new)} new finding(s), {base.get('known', 0)} accepted, {len(base.get('fixed', []))} fixed, "
             f"{len(base.get('stale', []))} stale, {len(base.get('expired', []))} expired.", ""]
    lines += _section("New findings", [f.to_json() for f in new])
    lines += _section("Fixed (drop them with `healthcheck gate --update`)", base.get("fixed", []))
    lines += _section("Expired entries", base.get("expired", []))
    return lines


def _failing_gates(report: Report) -> list[str]:
    """Each failing gate with the findings behind it, root-cause gates first (the console's order)."""
    lines: list[str] = []
    for gate, behind in failing_gates(report):
        lines += [f"**`{gate.name}` fails** ({gate_value(gate.actual)} {gate.op} {gate_value(gate.threshold)})", ""]
        lines += [f"- {f.severity} `{_escape(where(f))}` {_escape(f.message)}" for f in behind[:PER_GATE]]
        if len(behind) > PER_GATE:
            lines.append(f"- …and {len(behind) - PER_GATE} more")
        lines.append("")
    return ["### Failing gates", ""] + lines if lines else []


def _findings(report: Report) -> list[str]:
    counts = counts_by_check(report)
    if not counts:
        return ["No findings.", ""]
    lines = ["| check | findings |", "| --- | --- |"] + [f"| `{name}` | {n} |" for name, n in counts] + [""]
    shown = 0
    ordered = lead_order(report.findings)
    number = dict(counts)
    for name in dict.fromkeys(f.kind for f in ordered):  # the check of the worst root cause first
        n = number[name]
        group = [f for f in ordered if f.kind == name][: max(0, MAX_FINDINGS - shown)]
        shown += len(group)
        if not group:
            continue
        lines += [f"<details><summary>{name} ({n})</summary>", "", "| severity | where | finding |", "| --- | --- | --- |"]
        lines += [f"| {f.severity} | `{_escape(where(f))}` | {_escape(f.message)} |" for f in group]
        lines += ["", "</details>", ""]
    if len(report.findings) > shown:
        lines.append(f"…and {len(report.findings) - shown} more in the JSON report.")
    return lines


def render_markdown(report: Report) -> str:
    lines = [f"## healthcheck {verdict_word(report, counted=False)}", "", headline(report), ""]
    lines += _gates(report)
    lines += _failing_gates(report)
    not_ok = {n: c for n, c in report.checks.items() if c.status != "ok"}
    if not_ok:
        lines.append("**Checks that did not run fully:**")
        lines += [f"- `{n}` {c.status}: {_escape(c.detail)}" for n, c in not_ok.items()]
        lines.append("")
    diff = report.extra.get("diff")
    if isinstance(diff, Mapping):
        lines += _diff(diff)
    base = report.extra.get("baseline")
    if isinstance(base, Mapping):
        lines += _baseline(base, report.findings)
    lines += section_markdown(report)
    lines += repairs_markdown(report)
    lines += ["### Findings", ""] + _findings(report)
    text = "\n".join(lines) + "\n"
    if len(text) > MAX_CHARS:
        text = text[:MAX_CHARS].rsplit("\n", 1)[0] + "\n\n…cut to fit a pull-request comment; see the JSON report.\n"
    return text
