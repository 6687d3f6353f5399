"""The first screen leads: failing gates first with the findings behind each, root causes before their
consequences, and counts that say how much of the project is affected."""

from __future__ import annotations

from healthcheck.model import CheckOutcome, Finding, GateResult, Report
from healthcheck.report.console import render_console
from healthcheck.report.markdown import render_markdown

SYNTAX = Finding.create("syntax-error", "invalid syntax", key="s", path="pkg/broken.py", line=3)
IMPORTS = [
    Finding.create("import-failure", f"pkg.m{i} does not import: pkg/broken.py has a syntax error (line 3)",
                   key=f"m{i}", path="pkg/broken.py", line=3, data={"linked": [SYNTAX.id]})
    for i in range(7)
]
ANNOTATIONS = [
    Finding.create("type-error", f"Need type annotation for 'x{i}'", key=f"t{i}", path="pkg/a.py", line=i + 1,
                   severity="info")
    for i in range(30)
]
MISMATCH = Finding.create("type-error", "Argument 1 has incompatible type", key="arg", path="pkg/a.py", line=40)


def _report() -> Report:
    findings = (*ANNOTATIONS, MISMATCH, *IMPORTS, SYNTAX)
    return Report(
        root="/r", started_at="2026-12-01T00:00:00+00:00", duration_s=1.0,
        checks={"syntax-error": CheckOutcome("syntax-error", "ok", 0.1)},
        metrics={"files": 120},
        gates=(
            GateResult("max_type_errors", "type_errors", "<=", 0, 1.0, False),
            GateResult("min_importable_percent", "modules_importable_percent", ">=", 100, 90.0, False),
            GateResult("max_syntax_errors", "unparseable_files", "<=", 0, 1.0, False),
            GateResult("max_undefined_names", "undefined_names", "<=", 0, 0.0, True),
        ),
        findings=findings, version="0",
    )


def test_the_console_leads_with_the_failing_gates_and_root_causes() -> None:
    lines = render_console(_report()).splitlines()
    assert lines[0] == "healthcheck FAILED (3 of 4 gates): 39 findings (2 files of 120 scanned)"
    assert lines[1:5] == [
        "  FAIL  max_syntax_errors: 1 <= 0",
        "    error   pkg/broken.py:3  invalid syntax",
        "  FAIL  min_importable_percent: 90 >= 100",
        "    error   pkg/broken.py:3  pkg.m0 does not import: pkg/broken.py has a syntax error (line 3)",
    ]
    assert lines[9:13] == [
        "    … 2 more behind this gate",
        "  FAIL  max_type_errors: 1 <= 0",
        "    error   pkg/a.py:40  Argument 1 has incompatible type",  # the one it counts: the 30 notes are not behind it
        "  type-error: 31, import-failure: 7, syntax-error: 1",
    ]
    assert lines[-1] == "  pass  max_undefined_names: 0 <= 0"


def test_the_markdown_report_has_the_same_order() -> None:
    text = render_markdown(_report())
    assert "39 findings (2 files of 120 scanned)" in text
    failing = text.index("### Failing gates")
    order = [text.index(s, failing) for s in ("`max_syntax_errors` fails", "`min_importable_percent` fails",
                                               "`max_type_errors` fails", "### Findings")]
    assert order == sorted(order)
    findings = text[text.index("### Findings"):]
    groups = [findings.index(f"<summary>{name}") for name in ("syntax-error", "import-failure", "type-error")]
    assert groups == sorted(groups)
    type_errors = findings[groups[2]:]
    assert type_errors.index("Argument 1 has incompatible type") < type_errors.index("Need type annotation")
