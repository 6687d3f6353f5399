"""A self-contained HTML report: one file a person opens, with pictures, that needs no network.

Everything is inline (CSS and SVG; no scripts, fonts or images from anywhere),
so the file can be attached to a CI run, mailed, or opened from an air-gapped
machine. It shows the verdict and the gates, the trend of every metric over
the runs kept in the reports folder, a picture of every import cycle, the
package dependency graph and every finding grouped by check.
"""

from __future__ import annotations

from html import escape
from typing import Any, Mapping, Sequence

from healthcheck.model import Finding, Report
from healthcheck.report.repairs_section import repairs_html
from healthcheck.report.summary import counts_by_check, gate_value, headline, where
from healthcheck.report.svg import cycle_svg, package_graph_svg, sparkline_svg

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#222;background:#fafafa}
header{padding:18px 28px;color:#fff}
header.pass{background:#2e7d32} header.fail{background:#c62828}
header h1{margin:0;font-size:22px} header p{margin:4px 0 0;opacity:.9}
main{padding:8px 28px 40px;max-width:1200px}
h2{margin-top:32px;border-bottom:2px solid #ddd;padding-bottom:4px}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{border:1px solid #e0e0e0;padding:5px 8px;text-align:left;vertical-align:top;font-size:14px}
th{background:#f0f0f0}
.chip{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;color:#fff}
.chip.pass{background:#2e7d32}.chip.fail{background:#c62828}.chip.skip{background:#9e9e9e}
.chip.error{background:#c62828}.chip.warning{background:#ef8f00}.chip.info{background:#607d8b}
.cards{display:flex;flex-wrap:wrap;gap:12px}
.card{background:#fff;border:1px solid #e0e0e0;border-radius:8px;padding:8px 12px}
.card .name{font-size:12px;color:#555}.card .value{font-size:20px;font-weight:600}
figure{background:#fff;border:1px solid #e0e0e0;border-radius:8px;padding:10px;margin:12px 0;overflow-x:auto}
figcaption{font-size:14px;margin-bottom:6px}
code{background:#f3f3f3;padding:0 3px;border-radius:3px}
details{margin:8px 0}summary{cursor:pointer;font-weight:600}
.muted{color:#777}
"""


def _chip(text: str, kind: str) -> str:
    return f'<span class="chip {kind}">{escape(text)}</span>'


def _gates(report: Report) -> str:
    if not report.gates:
        return "<p class=muted>No gates applied.</p>"
    rows = []
    for g in report.gates:
        actual = gate_value(g.actual)
        base = gate_value(g.baseline, missing="")
        rows.append(
            f"<tr><td>{_chip('pass', 'pass') if g.passed else _chip('FAIL', 'fail')}</td>"
            f"<td><code>{escape(g.name)}</code></td><td>{escape(actual)}</td>"
            f"<td>{escape(g.op)} {gate_value(g.threshold)}</td><td>{escape(base)}</td><td>{escape(g.detail)}</td></tr>"
        )
    return ("<table><tr><th></th><th>gate</th><th>actual</th><th>threshold</th><th>baseline</th><th>note</th></tr>"
            + "".join(rows) + "</table>")


def _trends(report: Report) -> str:
    history = [h for h in report.extra.get("history", []) if isinstance(h, Mapping)]
    if not history:
        return "<p class=muted>No earlier runs kept in the reports folder yet.</p>"
    names = sorted({k for h in history for k in h.get("metrics", {})})
    cards = []
    for name in names:
        values = [float(h["metrics"][name]) for h in history if name in h.get("metrics", {})]
        cards.append(
            f'<div class="card"><div class="name">{escape(name)}</div>'
            f'<div class="value">{values[-1]:g}</div>{sparkline_svg(values)}</div>'
        )
    return f"<p class=muted>{len(history)} run(s), oldest on the left.</p><div class=cards>{''.join(cards)}</div>"


def _cycles(report: Report) -> str:
    figures = []
    for f in report.findings:
        if f.kind != "import-cycle":
            continue
        edges = f.data.get("edges", [])
        modules = f.data.get("modules", [])
        if not isinstance(edges, list) or not isinstance(modules, list):
            continue
        breakers = f.data.get("breakers", [])
        tips = "".join(
            f"<li><code>{escape(str(b.get('importer')))}</code> → <code>{escape(str(b.get('imported')))}</code>: "
            f"{escape(str(b.get('how', '')))}</li>"
            for b in breakers if isinstance(b, Mapping)
        )
        figures.append(
            f"<figure><figcaption>{_chip(f.severity, f.severity)} {escape(f.message)} "
            f"<span class=muted>({escape(where(f))})</span></figcaption>{cycle_svg(modules, edges)}"
            + (f"<details><summary>how to break it</summary><ul>{tips}</ul></details>" if tips else "")
            + "</figure>"
        )
    return "".join(figures) or "<p>No import cycles.</p>"


def _package_graph(report: Report) -> str:
    graph = report.extra.get("package_graph")
    if not isinstance(graph, Mapping) or not graph.get("nodes"):
        return "<p class=muted>No package graph in this report.</p>"
    picture = package_graph_svg(graph.get("nodes", []), graph.get("edges", []))
    return (f"<figure><figcaption>Packages {graph.get('depth', 2)} names deep (module count); red arrows: "
            f"packages that import each other; dashed: no runtime import.</figcaption>{picture}</figure>")


def _findings_table(findings: Sequence[Finding]) -> str:
    rows = "".join(
        f"<tr><td>{_chip(f.severity, f.severity)}</td><td><code>{escape(where(f))}</code></td>"
        f"<td>{escape(f.message)}</td></tr>"
        for f in findings
    )
    return f"<table><tr><th>severity</th><th>where</th><th>finding</th></tr>{rows}</table>"


def _findings(report: Report) -> str:
    if not report.findings:
        return "<p>No findings.</p>"
    new = set(report.extra.get("baseline", {}).get("new", [])) if isinstance(report.extra.get("baseline"), Mapping) \
        else None
    blocks = []
    for check, n in counts_by_check(report):
        group = [f for f in report.findings if f.kind == check]
        note = f", {sum(1 for f in group if f.id in new)} new" if new is not None else ""
        blocks.append(f"<details open><summary>{escape(check)} ({n}{note})</summary>{_findings_table(group)}</details>")
    return "".join(blocks)


def _checks(report: Report) -> str:
    rows = "".join(
        f"<tr><td><code>{escape(name)}</code></td><td>{_chip(c.status, 'pass' if c.status == 'ok' else 'skip' if c.status == 'skipped' else 'fail')}</td>"
        f"<td>{c.duration_s:.2f}s</td><td>{escape(c.detail)}</td></tr>"
        for name, c in report.checks.items()
    )
    return f"<table><tr><th>check</th><th>status</th><th>time</th><th>detail</th></tr>{rows}</table>"


def _tests(report: Report) -> str:
    rows: list[Any] = [r for r in report.extra.get("tests", []) or [] if isinstance(r, Mapping)]
    if not rows:
        return ""
    bad = [r for r in rows if r.get("outcome") not in ("passed", "skipped", "xfailed")]
    table = "".join(
        f"<tr><td>{_chip(str(r.get('outcome')), 'fail')}</td><td><code>{escape(str(r.get('nodeid')))}</code></td>"
        f"<td>{escape(str(r.get('message') or ''))}</td></tr>"
        for r in bad
    )
    summary = f"<p>{len(rows)} test(s), {len(bad)} not passing.</p>"
    return "<h2>Tests</h2>" + summary + (f"<table>{table}</table>" if bad else "")


def render_html(report: Report) -> str:
    verdict = "pass" if report.passed else "fail"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(headline(report))}</title>
<style>{CSS}</style></head>
<body>
<header class="{verdict}"><h1>{escape(headline(report))}</h1>
<p>{escape(report.root)} · {escape(report.started_at)} · {report.duration_s:.1f}s · healthcheck {escape(report.version)}</p>
</header>
<main>
<h2>Gates</h2>{_gates(report)}
<h2>Trends</h2>{_trends(report)}
<h2>Import cycles</h2>{_cycles(report)}
<h2>Package dependencies</h2>{_package_graph(report)}
{repairs_html(report)}
<h2>Findings</h2>{_findings(report)}
{_tests(report)}
<h2>Checks</h2>{_checks(report)}
</main></body></html>
"""
