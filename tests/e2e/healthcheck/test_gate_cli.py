"""``healthcheck gate`` and ``healthcheck baseline`` on the neglected workspace manager, end to end."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from e2e.healthcheck.gate_helpers import FAST, copy_fixture, healthcheck


def test_gate_without_baseline_fails_with_terse_output_and_writes_reports(tmp_path: Path) -> None:
    repo = copy_fixture("wsm", tmp_path)
    proc = healthcheck("gate", ".", *FAST, cwd=repo)
    assert proc.returncode == 1, proc.stderr
    lines = proc.stdout.splitlines()
    assert re.fullmatch(r"healthcheck gate FAILED \(5 of \d+ gates\): 7 new finding\(s\)", lines[0])
    assert lines[1:6] == [
        "  FAIL  max_syntax_errors: 1 <= 0", "  FAIL  max_undefined_names: 1 <= 0",
        "  FAIL  max_unresolved_imports: 1 <= 0", "  FAIL  max_import_cycles: 1 <= 0",
        "  FAIL  max_contract_violations: 1 <= 0"]
    assert "::error" not in proc.stdout  # annotations only inside GitHub Actions
    assert lines[-1] == "reports: reports/healthcheck.json, reports/healthcheck.md"
    assert len(list((repo / "reports" / "history").glob("*.json"))) == 1


def test_annotations_in_github_actions(tmp_path: Path) -> None:
    repo = copy_fixture("wsm", tmp_path)
    proc = healthcheck("gate", ".", *FAST, cwd=repo, env={"GITHUB_ACTIONS": "true"})
    assert "::error file=wsm/session/retry.py,line=5,title=undefined-name::'time' is used but never defined or imported" \
        in proc.stdout.splitlines()
    assert "::error title=healthcheck gate::FAIL  max_import_cycles: 1 <= 0" in proc.stdout.splitlines()


def test_baseline_then_ratchet_new_fixed_update_and_expiry(tmp_path: Path) -> None:
    repo = copy_fixture("wsm", tmp_path)
    made = healthcheck("baseline", ".", *FAST, "--reason", "inherited", cwd=repo)
    assert made.returncode == 0, made.stderr
    assert re.fullmatch(r"baseline written: 7 finding\(s\), \d+ metric\(s\) -> \.healthcheck-baseline\.json",
                        made.stdout.strip())
    doc = json.loads((repo / ".healthcheck-baseline.json").read_text())
    assert doc["repository"] == "wsm" and all(e["reason"] == "inherited" for e in doc["findings"])

    clean = healthcheck("gate", ".", *FAST, cwd=repo)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert clean.stdout.splitlines()[0] == "healthcheck gate PASSED: 0 new finding(s), 7 accepted in the baseline"

    # a new problem fails; fixing an old one is reported
    retry = repo / "wsm" / "session" / "retry.py"
    retry.write_text("import time\n" + retry.read_text())
    (repo / "wsm" / "extra.py").write_text("def f():\n    return undefined_thing\n")
    moved = healthcheck("gate", ".", *FAST, cwd=repo)
    assert moved.returncode == 1
    out = moved.stdout.splitlines()
    assert re.fullmatch(r"healthcheck gate FAILED \(1 of \d+ gates\): 1 new finding\(s\), 6 accepted in the baseline",
                        out[0])
    assert "  new error   wsm/extra.py:2  'undefined_thing' is used but never defined or imported" in out
    assert "  fixed: 1 baseline entry (run `healthcheck gate --update` to drop them)" in out

    (repo / "wsm" / "extra.py").unlink()
    updated = healthcheck("gate", ".", *FAST, "--update", cwd=repo)
    assert updated.returncode == 0, updated.stdout
    assert "  baseline tightened: 1 entry removed, 1 metric(s) improved" in updated.stdout.splitlines()
    doc = json.loads((repo / ".healthcheck-baseline.json").read_text())
    assert len(doc["findings"]) == 6 and doc["metrics"]["undefined_names"] == 0

    # an expired entry stops excusing its finding
    for entry in doc["findings"]:
        if entry["check"] == "syntax-error":
            entry["expires"] = "2000-01-01"
    (repo / ".healthcheck-baseline.json").write_text(json.dumps(doc))
    expired = healthcheck("gate", ".", *FAST, cwd=repo)
    assert expired.returncode == 1
    assert any(line.startswith("  expired 2000-01-01: syntax-error wsm/session/geoip_service.py")
               for line in expired.stdout.splitlines())


def test_every_format_can_be_written(tmp_path: Path) -> None:
    repo = copy_fixture("wsm", tmp_path)
    proc = healthcheck("gate", ".", *FAST, "--format", "sarif", "--format", "junit", "--format", "html",
                       "--out-dir", "out", cwd=repo)
    assert proc.returncode == 1
    assert sorted(p.name for p in (repo / "out").iterdir()) == [
        "healthcheck.html", "healthcheck.junit.xml", "healthcheck.sarif", "history"]
    assert json.loads((repo / "out" / "healthcheck.sarif").read_text())["version"] == "2.1.0"
    assert "1 run(s), oldest on the left." in (repo / "out" / "healthcheck.html").read_text()


@pytest.mark.parametrize(("content", "message"), [
    ("{oops", "is corrupt (not JSON"),
    ('{"schema": "healthcheck.baseline/9", "repository": "wsm"}', "has schema 'healthcheck.baseline/9'"),
    ('{"schema": "healthcheck.baseline/1", "repository": "someone-else"}', "belongs to repository 'someone-else'"),
])
def test_bad_baselines_are_one_line_and_exit_2(tmp_path: Path, content: str, message: str) -> None:
    repo = copy_fixture("wsm", tmp_path)
    (repo / ".healthcheck-baseline.json").write_text(content)
    proc = healthcheck("gate", ".", *FAST, cwd=repo)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and message in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize(("args", "message"), [
    (("--gate", "max_import_cycles=-1"), "max_import_cycles = -1 is out of range"),
    (("--update",), "--update needs a baseline"),
    (("--new-only",), "--new-only needs a baseline"),
    (("--baseline", "b.json", "--no-baseline"), "give --baseline or --no-baseline, not both"),
    (("--format", "sarif", "--format", "html", "--output", "x"), "--output names one file"),
])
def test_bad_options_are_one_line_and_exit_2(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    repo = copy_fixture("clean", tmp_path)
    proc = healthcheck("gate", ".", *FAST, *args, cwd=repo)
    assert proc.returncode == 2 and message in proc.stderr and proc.stderr.count("\n") == 1


def test_baseline_rejects_a_bad_expiry_date(tmp_path: Path) -> None:
    proc = healthcheck("baseline", ".", *FAST, "--expires", "next week", cwd=copy_fixture("clean", tmp_path))
    assert proc.returncode == 2 and "--expires 'next week' is not a date" in proc.stderr


def test_the_clean_fixture_passes(tmp_path: Path) -> None:
    proc = healthcheck("gate", ".", *FAST, "--format", "json", "--output", "r.json", cwd=copy_fixture("clean", tmp_path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines()[0].startswith("healthcheck gate PASSED")
