"""Helpers for the gate and diff end-to-end tests: throwaway copies of fixtures, as git repositories."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from e2e.healthcheck.scan_helpers import FIXTURES

FAST = ("--no-types", "--no-import-check", "--cache-dir", "none")


def copy_fixture(name: str, dest: Path, git: bool = False) -> Path:
    target = dest / name
    shutil.copytree(FIXTURES / name, target)
    if git:
        run_git(target, "init", "-q", "-b", "main")
        commit_all(target, "base")
    return target


def run_git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}
    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, env=env, check=True)
    return proc.stdout


def commit_all(repo: Path, message: str) -> None:
    run_git(repo, "add", "-A")
    run_git(repo, "commit", "-q", "-m", message)


def healthcheck(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "healthcheck.cli", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300, env={**os.environ, "GITHUB_ACTIONS": "", **(env or {})})
