"""``healthcheck fix --apply`` on bad input: one line, exit 2, and not one byte of the user's written.

Outside git and in a dirty work tree the refusal comes before any proof runs. A plan gone stale (a file
edited after planning), a read-only file and a result that would not parse are refused by the writer before
it writes anything, whichever file comes first.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import venv
from pathlib import Path

import pytest

from e2e.healthcheck.scan_helpers import FIXTURES, run_cli
from healthcheck.checks.base import ScanOptions
from healthcheck.errors import UsageError
from healthcheck.fix.apply import apply_plan
from healthcheck.fix.model import FileEdit, FixPlan, ProvenRepair, Repair
from healthcheck.fix.planner import plan_fixes


def _one_line_error(stderr: str, fragment: str) -> None:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("healthcheck: error: ") and fragment in lines[0]


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(FIXTURES / "fix_missing_import", root)
    return root


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
                        "GIT_COMMITTER_EMAIL": "t@t"})


def test_apply_outside_git_needs_force(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    proc = run_cli("fix", str(root), "--apply")
    assert proc.returncode == 2
    _one_line_error(proc.stderr, "is not a git work tree: --apply needs --force")
    assert (root / "pkg" / "clock.py").read_text() == (FIXTURES / "fix_missing_import/pkg/clock.py").read_text()


def test_apply_in_a_dirty_work_tree_needs_force(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    _git(root, "init", "-q")
    _git(root, "add", ".")
    _git(root, "commit", "-q", "-m", "start")
    (root / "pkg" / "util.py").write_text('"""Small helpers."""\n\n\ndef helper() -> str:\n    return "edited"\n')
    proc = run_cli("fix", str(root), "--apply")
    assert proc.returncode == 2
    _one_line_error(proc.stderr, "uncommitted changes")


def test_a_path_that_is_no_folder(tmp_path: Path) -> None:
    proc = run_cli("fix", str(tmp_path / "nowhere"))
    assert proc.returncode == 2
    _one_line_error(proc.stderr, "not a directory")


def test_unknown_finding_for_only(tmp_path: Path) -> None:
    proc = run_cli("fix", str(_copy(tmp_path)), "--no-types", "--no-tests", "--only", "undefined-name:0000")
    assert proc.returncode == 2
    _one_line_error(proc.stderr, "no finding undefined-name:0000")


def _plan_of(root: Path, edits: tuple[FileEdit, ...]) -> FixPlan:
    repair = Repair("undefined-name:x", "missing-import", "test", edits)
    return FixPlan(root=str(root), repairs=[ProvenRepair(repair, ("undefined-name:x",), {}, {})])


@pytest.mark.slow
def test_a_file_changed_after_planning_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    plan = plan_fixes(root, ScanOptions(types=False))
    assert len(plan.repairs) == 3
    edited = '"""Timestamps, edited meanwhile."""\n'
    (root / "pkg" / "clock.py").write_text(edited)
    with pytest.raises(UsageError, match=r"^pkg/clock.py changed since the repairs were planned; nothing written"):
        apply_plan(root, plan, force=True)
    assert (root / "pkg" / "clock.py").read_text() == edited


def test_a_read_only_file_is_refused_and_no_other_file_is_written(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    util, clock = root / "pkg" / "util.py", root / "pkg" / "clock.py"
    old_util, old_clock = util.read_text(), clock.read_text()
    plan = _plan_of(root, (FileEdit("pkg/util.py", old_util, old_util + "X = 1\n"),
                           FileEdit("pkg/clock.py", old_clock, "import time\n" + old_clock)))
    clock.chmod(stat.S_IRUSR | stat.S_IRGRP)
    try:
        with pytest.raises(UsageError, match=r"^pkg/clock.py is read-only; nothing written$"):
            apply_plan(root, plan, force=True)
    finally:
        clock.chmod(stat.S_IRUSR | stat.S_IWUSR)
    assert (util.read_text(), clock.read_text()) == (old_util, old_clock)


def test_a_result_that_does_not_parse_is_never_written(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    util = root / "pkg" / "util.py"
    old = util.read_text()
    plan = _plan_of(root, (FileEdit("pkg/util.py", old, old + "def broken(:\n"),))
    with pytest.raises(UsageError, match=r"^the repair of pkg/util.py would not parse; nothing written$"):
        apply_plan(root, plan, force=True)
    assert util.read_text() == old


def test_apply_keeps_the_file_mode(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    util = root / "pkg" / "util.py"
    util.chmod(0o640)
    old = util.read_text()
    assert apply_plan(root, _plan_of(root, (FileEdit("pkg/util.py", old, old + "X = 1\n"),)), force=True) == \
        ["pkg/util.py"]
    assert util.read_text() == old + "X = 1\n" and stat.S_IMODE(util.stat().st_mode) == 0o640


@pytest.mark.slow
def test_proving_against_tests_that_cannot_run_is_refused(tmp_path: Path) -> None:
    bare = tmp_path / "bare"
    venv.EnvBuilder(with_pip=False).create(bare)  # an interpreter without pytest: the suite cannot run
    proc = run_cli("fix", str(_copy(tmp_path)), "--no-types", "--tests", "--python", str(bare / "bin" / "python"),
                   timeout=300)
    assert proc.returncode == 2
    _one_line_error(proc.stderr, "the test suite could not run, so no repair can be proven against it")


def test_apply_keeps_windows_line_endings(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    util = root / "pkg" / "util.py"
    util.write_bytes(b'"""Small helpers."""\r\n\r\n\r\ndef helper() -> str:\r\n    return "h"\r\n')
    old = util.read_text()  # universal newlines, as the planner reads it
    apply_plan(root, _plan_of(root, (FileEdit("pkg/util.py", old, old + "X = 1\n"),)), force=True)
    assert util.read_bytes() == b'"""Small helpers."""\r\n\r\n\r\ndef helper() -> str:\r\n    return "h"\r\nX = 1\r\n'
