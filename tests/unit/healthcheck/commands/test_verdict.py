"""Baseline-aware gates, the terse CI verdict and GitHub annotations."""

from __future__ import annotations

from pathlib import Path

import pytest

from healthcheck import baseline as bl
from healthcheck.commands.verdict import github_annotations, judge, terse
from healthcheck.errors import UsageError
from healthcheck.gate_results import apply_baseline, evaluate, new_findings_gate, worse
from healthcheck.model import CheckOutcome, GateResult
from healthcheck.checks.base import GateSpec
from healthcheck.report.summary import gate_value, verdict_word
from unit.healthcheck.gate_report_helpers import CYCLE, NAME, PROJECT, report


def test_without_a_baseline_evaluate_is_unchanged() -> None:
    specs = [("c", GateSpec("max_x", "x", "<=", 0)), ("c", GateSpec("info_y", "y", "<=", None)),
             ("d", GateSpec("min_z", "z", ">=", 50))]
    outcomes = {"c": CheckOutcome("c", "ok", 0), "d": CheckOutcome("d", "skipped", 0)}
    results = evaluate(specs, outcomes, {"x": 2, "y": 5, "z": 10}, {})
    assert [(g.name, g.actual, g.passed, g.baseline) for g in results] == [("max_x", 2.0, False, None)]


def test_the_baseline_replaces_thresholds_both_ways() -> None:
    gates = (
        GateResult("max_x", "x", "<=", 0, 3, False),  # debt accepted: 3 recorded
        GateResult("max_w", "w", "<=", 0, 4, False),  # got worse than recorded 3
        GateResult("min_cov", "cov", ">=", 70, 85, True),  # ratchet: recorded 90, now 85
        GateResult("min_rate", "rate", ">=", 90, 95, True),  # not recorded: threshold stands
        GateResult("max_e", "e", "<=", 0, None, False, detail="check could not run"),
    )
    judged = apply_baseline(gates, {"x": 3, "w": 3, "cov": 90, "e": 0})
    assert [(g.name, g.passed, g.baseline) for g in judged] == [
        ("max_x", True, 3), ("max_w", False, 3), ("min_cov", False, 90), ("min_rate", True, None), ("max_e", False, None)]
    assert judged[1].detail == "worse than the baseline (3)"
    assert not worse(90.0000001, ">=", 90.0)


def test_the_new_findings_gate() -> None:
    assert new_findings_gate(0).passed
    failed = new_findings_gate(2, what="base main")
    assert not failed.passed and failed.metric == "base main.new_findings" and "not in the base main" in failed.detail


def test_annotations_use_the_workflow_command_format_and_escape() -> None:
    lines = github_annotations([CYCLE, PROJECT], ["FAIL  max_x: 1 <= 0"])
    assert lines[0] == "::error file=pkg/a.py,line=3,title=import-cycle::runtime import cycle: pkg.a -> pkg.b -> pkg.a"
    assert lines[1].startswith("::warning title=contract-violation::contract <broken>")
    assert lines[2] == "::error title=healthcheck gate::FAIL  max_x: 1 <= 0"
    multi = github_annotations([type(NAME)(**{**NAME.__dict__, "message": "a%b\nc", "path": "x,y:z.py",
                                              "end_line": 9})])
    assert multi == ["::error file=x%2Cy%3Az.py,line=7,endLine=9,title=undefined-name::a%25b%0Ac"]


def _repo(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\n')
    (tmp_path / "pkg").mkdir()
    for name in ("a.py", "c.py"):
        (tmp_path / "pkg" / name).write_text("")
    return tmp_path


def test_judge_against_a_baseline_and_tighten_it(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    path = root / bl.DEFAULT_NAME
    bl.save(path, bl.build(root, [CYCLE, NAME], {"import_cycle_verdicts.failing": 2.0, "undefined_names": 1.0}))
    verdict = judge(report(findings=(CYCLE, PROJECT)), root, path, update=True, new_only=False)
    gates = {g.name: g for g in verdict.report.gates}
    assert gates["max_import_cycles"].passed and gates["max_import_cycles"].baseline == 2
    assert not gates["max_new_findings"].passed and [f.id for f in verdict.new] == [PROJECT.id]
    assert verdict.report.extra["baseline"]["fixed"][0]["id"] == NAME.id
    assert verdict.tightened == "baseline tightened: 1 entry removed, 1 metric(s) improved"
    tightened = bl.load(path, root)
    assert set(tightened.entries) == {CYCLE.id} and tightened.metrics["import_cycle_verdicts.failing"] == 1.0
    lines = terse(verdict)
    assert lines[0] == "healthcheck gate FAILED (1 of 3 gates): 1 new finding(s), 1 accepted in the baseline"
    assert "  fixed: 1 baseline entry" in lines and lines[-1] == f"  {verdict.tightened}"
    assert any(line.startswith("  check import-health could not run: RuntimeError: boom") for line in lines)


def test_new_only_keeps_just_the_new_findings_gate(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    path = root / "b.json"
    bl.save(path, bl.build(root, [CYCLE, NAME, PROJECT], {}))
    verdict = judge(report(findings=(CYCLE, NAME, PROJECT)), root, path, update=False, new_only=True)
    assert [g.name for g in verdict.report.gates] == ["max_new_findings"] and verdict.report.passed


@pytest.mark.parametrize(("update", "new_only", "message"), [
    (True, False, "--update needs a baseline"), (False, True, "--new-only needs a baseline")])
def test_update_and_new_only_need_a_baseline(tmp_path: Path, update: bool, new_only: bool, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        judge(report(), tmp_path, None, update=update, new_only=new_only)


def test_without_a_baseline_every_non_info_finding_is_listed() -> None:
    verdict = judge(report(), Path("/tmp"), None, update=False, new_only=False)
    assert [f.id for f in verdict.new] == [CYCLE.id, NAME.id, PROJECT.id]
    assert terse(verdict, limit=1)[-1] == "  … 2 more new finding(s) in the reports"


def test_the_verdict_word_and_gate_values_every_writer_prints() -> None:
    assert verdict_word(report(passed=True)) == verdict_word(report(passed=True), counted=False) == "PASSED"
    assert verdict_word(report()) == "FAILED (1 of 2 gates)"
    assert verdict_word(report(), counted=False) == "FAILED"
    assert [gate_value(v) for v in (None, 0, 85.0, 99.5)] == ["n/a", "0", "85", "99.5"]
    assert gate_value(None, missing="") == ""
