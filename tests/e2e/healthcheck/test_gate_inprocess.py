"""gate, baseline and diff through click's runner, in-process (so coverage sees the command modules)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from e2e.healthcheck.gate_helpers import FAST, copy_fixture
from healthcheck.cli import cli


def invoke(repo: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    old = Path.cwd()
    os.chdir(repo)
    try:
        result = CliRunner().invoke(cli, list(args), env={"GITHUB_ACTIONS": "", **(env or {})}, catch_exceptions=False)
    finally:
        os.chdir(old)
    return result.exit_code, result.stdout, result.stderr


def test_baseline_gate_update_and_every_format(tmp_path: Path) -> None:
    repo = copy_fixture("wsm", tmp_path)
    code, out, _ = invoke(repo, "baseline", ".", *FAST, "--expires", "2999-01-01")
    assert code == 0 and out.startswith("baseline written: 7 finding(s)")
    retry = repo / "wsm" / "session" / "retry.py"
    retry.write_text("import time\n" + retry.read_text())
    code, out, _ = invoke(repo, "gate", ".", *FAST, "--update", "--format", "html", "--format", "markdown",
                          "--format", "sarif", "--format", "junit", env={"GITHUB_ACTIONS": "true"})
    assert code == 0, out
    assert "  baseline tightened: 1 entry removed, 1 metric(s) improved" in out.splitlines()
    markdown = (repo / "reports" / "healthcheck.md").read_text()
    assert "### Against the baseline" in markdown and "0 new finding(s), 6 accepted, 1 fixed" in markdown
    html = (repo / "reports" / "healthcheck.html").read_text()
    assert html.count('aria-label="import cycle') == 4 and 'aria-label="package dependency graph"' in html
    doc = json.loads((repo / ".healthcheck-baseline.json").read_text())
    assert all(e["expires"] == "2999-01-01" for e in doc["findings"])
    code, out, _ = invoke(repo, "gate", ".", *FAST, "--new-only", "--format", "html", "--out-dir", "reports")
    assert code == 0 and out.splitlines()[0] == "healthcheck gate PASSED: 0 new finding(s), 6 accepted in the baseline"
    assert "2 run(s), oldest on the left." in (repo / "reports" / "healthcheck.html").read_text()


def test_diff_in_process(tmp_path: Path) -> None:
    repo = copy_fixture("clean", tmp_path, git=True)
    util = repo / "src" / "cleanpkg" / "util.py"
    util.write_text(util.read_text().replace("import time\n", "import time\n\nfrom cleanpkg.core import stamp\n"))
    code, out, _ = invoke(repo, "diff", ".", "--base", "main", *FAST, env={"GITHUB_ACTIONS": "true"})
    assert code == 1
    assert "::error file=src/cleanpkg/core.py,line=6,title=import-cycle::runtime import cycle" in out
    markdown = (repo / "reports" / "healthcheck.md").read_text()
    assert "- `cleanpkg.util` → `cleanpkg.core` (runtime) at `src/cleanpkg/util.py:4` (changed)" in markdown
    assert "(changed line `src/cleanpkg/util.py:4`)" in markdown


@pytest.mark.parametrize("command", [("gate", ".", "--no-baseline"), ("diff", "missing-dir", "--base", "main")])
def test_bad_input_in_process(tmp_path: Path, command: tuple[str, ...]) -> None:
    code, _, err = invoke(tmp_path, *command, "--gate", "max_import_cycles=-3", *FAST)
    assert code == 2 and err.count("\n") == 1
