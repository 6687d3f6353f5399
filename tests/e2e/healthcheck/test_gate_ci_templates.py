"""The CI templates in ci/ are valid and their healthcheck commands work as written.

Each template's shell lines that call healthcheck are run, as written, in a
git clone of a fixture with the variables the CI system would set, so a
template cannot drift from the command line it drives.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from e2e.healthcheck.gate_helpers import commit_all, copy_fixture, run_git
from e2e.healthcheck.scan_helpers import REPO


def load(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load((REPO / "ci" / name).read_text())
    return doc


def bash(line: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    return subprocess.run(["bash", "-c", line], cwd=cwd, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PATH": path, "GITHUB_ACTIONS": "", **env})


def pull_request(tmp_path: Path) -> Path:
    """A clone whose ``origin/main`` is the base and whose branch adds a module."""
    origin = copy_fixture("clean", tmp_path, git=True)
    work = tmp_path / "work"
    run_git(tmp_path, "clone", "-q", str(origin), str(work))
    run_git(work, "checkout", "-q", "-b", "feature")
    (work / "src" / "cleanpkg" / "extra.py").write_text('"""More."""\n\n\ndef more() -> int:\n    return 1\n')
    commit_all(work, "feature")
    return work


def test_github_workflow_gates_and_diffs(tmp_path: Path) -> None:
    workflow = load("github-actions.yml")
    steps = workflow["jobs"]["gate"]["steps"]
    assert steps[0]["with"]["fetch-depth"] == 0
    runs = [s["run"] for s in steps if "healthcheck " in s.get("run", "")]
    assert len(runs) == 2
    work = pull_request(tmp_path)
    env = {"GITHUB_BASE_REF": "main", "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md")}
    for script in runs:
        proc = bash(script, work, env)
        assert proc.returncode == 0, script + proc.stdout + proc.stderr
    reports = work / "reports"
    assert {"healthcheck.sarif", "healthcheck.junit.xml", "healthcheck.html", "healthcheck.md", "healthcheck.json",
            "diff.md"} <= {p.name for p in reports.iterdir()}
    assert "This change adds no finding." in (reports / "diff.md").read_text()
    summary = next(s["run"] for s in steps if s.get("name") == "job summary")
    assert bash(summary, work, env).returncode == 0
    assert "## healthcheck PASSED" in (tmp_path / "summary.md").read_text()
    upload = next(s for s in steps if s.get("name") == "upload SARIF")
    assert upload["with"]["sarif_file"] == "reports/healthcheck.sarif"


def test_gitlab_job_gates_and_diffs(tmp_path: Path) -> None:
    job = load("gitlab-ci.yml")
    assert job["variables"]["GIT_DEPTH"] == "0"
    script = job["healthcheck"]["script"]
    lines = [line for line in script if "healthcheck " in line]
    assert len(lines) == 2
    work = pull_request(tmp_path)
    base = run_git(work, "rev-parse", "origin/main").strip()
    for line in lines:
        proc = bash(line, work, {"CI_MERGE_REQUEST_DIFF_BASE_SHA": base})
        assert proc.returncode == 0, line + proc.stdout + proc.stderr
    assert job["healthcheck"]["artifacts"]["reports"]["junit"] == "reports/healthcheck.junit.xml"
    assert (work / "reports" / "healthcheck.junit.xml").is_file() and (work / "reports" / "diff.md").is_file()
