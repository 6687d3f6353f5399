"""The HTML report is self-contained and draws every import cycle, the package graph and the metric trends."""

from __future__ import annotations

import re
from html import escape
import xml.etree.ElementTree as ET

from healthcheck.report.html import render_html
from healthcheck.report.svg import cycle_svg, package_graph_svg, sparkline_svg
from unit.healthcheck.gate_report_helpers import CYCLE, report

GRAPH = {"depth": 2, "nodes": [{"name": "pkg.a", "modules": 3}, {"name": "pkg.b", "modules": 1},
                               {"name": "pkg.c", "modules": 2}],
         "edges": [{"from": "pkg.a", "to": "pkg.b", "imports": 2, "runtime": True},
                   {"from": "pkg.b", "to": "pkg.a", "imports": 1, "runtime": False},
                   {"from": "pkg.c", "to": "pkg.a", "imports": 1, "runtime": True}]}
HISTORY = [{"metrics": {"undefined_names": 3.0, "files": 4.0}}, {"metrics": {"undefined_names": 1.0}}, "junk"]


def svgs(html: str) -> list[ET.Element]:
    return [ET.fromstring(m) for m in re.findall(r"<svg .*?</svg>", html, flags=re.S)]


def test_the_report_needs_nothing_from_the_network() -> None:
    html = render_html(report(extra={"package_graph": GRAPH, "history": HISTORY}))
    assert "<script" not in html and "<link" not in html and "@import" not in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert not re.search(r"url\((?!#)", html)  # only in-document references (arrow markers)
    assert set(re.findall(r"https?://[^\s\"'<>]+", html)) == {"http://www.w3.org/2000/svg"}  # a namespace name


def test_every_cycle_is_drawn_with_labelled_arrows_and_runtime_edges_marked() -> None:
    html = render_html(report(extra={"package_graph": GRAPH, "history": HISTORY}))
    pictures = svgs(html)
    cycles = [s for s in pictures if (s.get("aria-label") or "").startswith("import cycle")]
    assert len(cycles) == 2  # the runtime cycle and the typing one
    ns = "{http://www.w3.org/2000/svg}"
    edges = cycles[0].findall(f"{ns}g[@class]")
    classes = sorted(e.get("class", "") for e in edges if e.get("class", "").startswith("edge"))
    assert classes == ["edge deferred", "edge runtime"]
    labels = sorted(t.text or "" for t in cycles[0].iter(f"{ns}text") if t.get("class") == "label")
    assert labels == ["line 1", "line 3"]
    assert "how to break it" in html and "move it" in html


def test_package_graph_gates_trends_and_findings_are_shown() -> None:
    html = render_html(report(extra={"package_graph": GRAPH, "history": HISTORY}))
    graph = [s for s in svgs(html) if s.get("aria-label") == "package dependency graph"]
    assert len(graph) == 1
    assert html.count('stroke="#c62828" stroke-width') >= 2  # the mutual pkg.a <-> pkg.b dependency in red
    assert "<code>max_import_cycles</code>" in html and "FAIL" in html
    assert "2 run(s), oldest on the left." in html and '<div class="name">undefined_names</div>' in html
    assert escape(CYCLE.message) in html and "&lt;broken&gt; &amp; &quot;quoted&quot;" in html


def test_without_history_graph_or_cycles_the_report_says_so() -> None:
    html = render_html(report(findings=(), passed=True))
    assert "No earlier runs kept" in html and "No package graph" in html and "No import cycles." in html
    assert '<header class="pass">' in html and "No findings." in html


def test_pictures_are_well_formed_svg() -> None:
    for svg in (cycle_svg(["a.b", "a.c", "a.d"], [{"importer": "a.b", "imported": "a.c", "line": 2, "kind": "typing"},
                                                  {"importer": "a.c", "imported": "zz", "kind": "runtime"}]),
                package_graph_svg(GRAPH["nodes"], GRAPH["edges"]), sparkline_svg([1.0, 1.0])):
        assert ET.fromstring(svg).tag == "{http://www.w3.org/2000/svg}svg"
    assert package_graph_svg([], []) == "" and sparkline_svg([]) == ""
