"""``scan --repairs``: the reports say, per root cause, whether healthcheck fix has a proven repair and its command.

Without ``--repairs`` the section is absent (proving costs a scan of a scratch copy per repair).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest

from e2e.healthcheck.scan_helpers import FIXTURES, REPO, run_cli

SCHEMA = json.loads((REPO / "healthcheck" / "schema" / "report.schema.json").read_text())
CYCLE = "import-cycle:40f3e79de27f0dd7"
FAILURE = "import-failure:18cfecefec01c852"
MOVE = "move `from pkg.customers import describe` (pkg/orders.py:2) into the functions whose bodies use it (summary)"


def _scan(root: Path, out: Path, *extra: str) -> dict[str, object]:
    proc = run_cli("scan", str(root), "--no-types", "--cache-dir", "none", "--format", "json", "--format", "markdown",
                   "--format", "html", "--out-dir", str(out), *extra, timeout=600)
    assert proc.returncode == 1, proc.stderr
    report = json.loads((out / "healthcheck.json").read_text())
    jsonschema.validate(report, SCHEMA)
    return report  # type: ignore[no-any-return]


@pytest.mark.slow
def test_scan_repairs_names_the_proven_repair_of_the_cycle_and_of_the_failure_it_causes(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    shutil.copytree(FIXTURES / "fix_cycle_defer", root)
    plain = _scan(root, tmp_path / "plain")
    assert "repairs" not in plain
    report = _scan(root, tmp_path / "out", "--repairs")
    command = f"healthcheck fix {root} --only {CYCLE} --apply"
    entry = {"available": True, "proven": True, "command": command, "repaired_by": CYCLE, "summary": MOVE,
             "why_not": None}
    assert report["repairs"] == {CYCLE: entry, FAILURE: entry}
    markdown = (tmp_path / "out" / "healthcheck.md").read_text()
    assert (f"- {CYCLE}: proven repair, apply with `{command}`: {MOVE}\n"
            f"- {FAILURE}: proven repair (closed by the repair of {CYCLE}), apply with `{command}`: {MOVE}\n"
            ) in markdown
    html = (tmp_path / "out" / "healthcheck.html").read_text()
    assert f"<h2>Repairs</h2><ul><li>{CYCLE}: proven repair, apply with `{command}`: " in html


@pytest.mark.slow
def test_scan_repairs_says_why_a_name_has_no_safe_repair(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    shutil.copytree(FIXTURES / "fix_missing_import", root)
    report = _scan(root, tmp_path / "out", "--repairs")
    repairs = report["repairs"]
    assert isinstance(repairs, dict)
    assert repairs["undefined-name:a8eb11cf7ddb7b2e"] == {
        "available": False, "proven": False, "command": None, "repaired_by": None, "summary": None,
        "why_not": "no module the interpreter finds and no project module provides 'settings'"}
    assert repairs["undefined-name:e1e1526ca35a0465"] == {
        "available": True, "proven": True, "repaired_by": "undefined-name:e1e1526ca35a0465",
        "command": f"healthcheck fix {root} --only undefined-name:e1e1526ca35a0465 --apply",
        "summary": "add `import time` to pkg/clock.py", "why_not": None}
    assert len(repairs) == 4
