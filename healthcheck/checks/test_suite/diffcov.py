"""Diff coverage: how much of the code changed since a git ref the tests run.

A legacy repository cannot reach 70 % overall coverage in one step, but it can
demand that what it adds now is tested. The changed lines come from
``git diff -U0 REF`` (the working tree against REF, so uncommitted work counts)
plus every line of files git does not track yet. A changed line counts when
coverage.py calls it a statement (a changed comment or blank line has nothing
to run); it is covered when it ran. A changed file that does not parse counts
all its changed code lines as missed.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from healthcheck.checks.test_suite.coverage_data import FileCoverage, percent
from healthcheck.errors import UsageError

HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")


@dataclass(frozen=True)
class DiffCoverage:
    """The coverage of changed lines."""

    base: str
    changed_files: int
    statements: int
    covered: int
    missing: dict[str, list[int]]

    @property
    def percent(self) -> float:
        return percent(self.covered, self.statements)


def _git(root: Path, *args: str) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=120,
                              stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise UsageError(f"--diff-base needs git: {exc}") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["git failed"])[-1]
        raise UsageError(f"--diff-base: {last}")
    return done.stdout


def verify_base(root: Path, base: str) -> None:
    """A bad ref is a usage error, found before a suite runs for minutes."""
    _git(root, "rev-parse", "--verify", "--quiet", f"{base}^{{commit}}")


def parse_diff(text: str) -> dict[str, set[int]]:
    """``git diff -U0`` output -> {path: added or changed line numbers on the new side}."""
    changed: dict[str, set[int]] = {}
    current: str | None = None
    for line in text.splitlines():
        if line.startswith("+++ "):
            target = line[4:].strip()
            current = None if target == "/dev/null" else target[2:] if target.startswith("b/") else target
            if current is not None:
                changed.setdefault(current, set())
        elif current is not None:
            match = HUNK.match(line)
            if match:
                start = int(match.group(1))
                count = int(match.group(2)) if match.group(2) is not None else 1
                changed[current].update(range(start, start + count))
    return changed


def changed_lines(root: Path, base: str) -> dict[str, set[int]]:
    """Lines changed since ``base``, by path relative to ``root``, untracked files included whole."""
    diff = _git(root, "diff", "--relative", "-U0", "--no-color", "--no-ext-diff", base, "--")
    changed = parse_diff(diff)
    for rel in _git(root, "ls-files", "--others", "--exclude-standard").splitlines():
        if rel.endswith(".py"):
            try:
                count = len((root / rel).read_text(encoding="utf-8", errors="replace").splitlines())
            except OSError:
                continue
            changed[rel] = set(range(1, count + 1))
    return changed


def diff_coverage(base: str, changed: dict[str, set[int]], files: Sequence[FileCoverage]) -> DiffCoverage:
    """Coverage of the changed lines that are statements of the project's source files."""
    statements = covered = 0
    missing: dict[str, list[int]] = {}
    touched = 0
    for f in files:
        lines = changed.get(f.path)
        if not lines:
            continue
        touched += 1
        ran = lines & f.executed_lines
        missed = lines & f.missing_lines
        statements += len(ran) + len(missed)
        covered += len(ran)
        if missed:
            missing[f.path] = sorted(missed)
    return DiffCoverage(base, touched, statements, covered, missing)
