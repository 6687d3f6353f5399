"""Diff coverage: how much of the code changed since a git ref the tests run.

A legacy repository cannot reach 70 % overall coverage in one step, but it can
demand that what it adds now is tested. The changed lines are
:func:`healthcheck.git.changed_lines`' (the working tree against REF, so
uncommitted work counts, and every line of files git does not track yet; the
same rule ``healthcheck diff`` traces findings by). A changed line counts when
coverage.py calls it a statement (a changed comment or blank line has nothing
to run); it is covered when it ran. A changed file that does not parse counts
all its changed code lines as missed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from healthcheck.checks.test_suite.coverage_data import FileCoverage, percent
from healthcheck.git import output

PURPOSE = "--diff-base"  # who needs git, in its errors


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


def verify_base(root: Path, base: str) -> None:
    """A bad ref is a usage error, found before a suite runs for minutes."""
    output(root, "rev-parse", "--verify", "--quiet", f"{base}^{{commit}}", purpose=PURPOSE)


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
