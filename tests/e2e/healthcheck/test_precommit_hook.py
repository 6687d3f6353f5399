"""The pre-commit hook, installed by pre-commit itself and run for real on a fixture repository.

``pre-commit try-repo`` builds the hook's environment the way a user's
``pre-commit install`` does (a virtualenv with this project pip-installed into
it), so this is the hook as users get it. It is tried against a clone of this
repository's committed state, which is what a ``rev:`` pin gives users.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from e2e.healthcheck.gate_helpers import copy_fixture, run_git
from e2e.healthcheck.scan_helpers import REPO

HOOKS = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())


def test_the_hooks_file_declares_the_gate() -> None:
    by_id = {h["id"]: h for h in HOOKS}
    assert set(by_id) == {"healthcheck-gate", "healthcheck-gate-full"}
    assert by_id["healthcheck-gate"]["entry"].startswith("healthcheck gate .")
    assert by_id["healthcheck-gate"]["language"] == "python" and by_id["healthcheck-gate-full"]["language"] == "system"
    assert all(h["pass_filenames"] is False and h["always_run"] is True for h in HOOKS)


def pre_commit(repo: Path, home: Path, hook_repo: Path, hook: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "GITHUB_ACTIONS": ""}
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), hook, "--all-files", "--color", "never"],
        cwd=repo, capture_output=True, text=True, timeout=1200, env=env,
    )


@pytest.mark.slow
def test_the_hook_installs_and_gates_a_fixture_repository(tmp_path: Path) -> None:
    hook_repo = tmp_path / "hook-repo"
    run_git(tmp_path, "clone", "-q", str(REPO), str(hook_repo))
    clean = copy_fixture("clean", tmp_path, git=True)
    passed = pre_commit(clean, tmp_path / "home", hook_repo, "healthcheck-gate")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "healthcheck gate" in passed.stdout and "Passed" in passed.stdout

    broken = tmp_path / "broken"
    run_git(tmp_path, "clone", "-q", str(clean), str(broken))
    util = broken / "src" / "cleanpkg" / "util.py"
    util.write_text(util.read_text() + "\n\ndef later() -> float:\n    return undefined_clock()\n")
    run_git(broken, "add", "-A")
    failed = pre_commit(broken, tmp_path / "home", hook_repo, "healthcheck-gate")
    assert failed.returncode == 1
    assert "Failed" in failed.stdout
    assert "src/cleanpkg/util.py:10  'undefined_clock' is used but never defined or imported" in failed.stdout
