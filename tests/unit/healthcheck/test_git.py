"""The one rule for changed lines, on real repositories: the cases where diff and diff coverage used to differ."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from healthcheck.errors import UsageError
from healthcheck.git import changed_lines, output, parse_diff


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=root, check=True,
                   capture_output=True)


def _repo(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "base")


def test_deletions_are_left_out_and_untracked_files_count_whole_whatever_their_name(tmp_path: Path) -> None:
    _repo(tmp_path, {
        "edited.py": "a = 1\nb = 2\n",
        "shrunk.py": "a = 1\nb = 2\nc = 3\n",
        "gone.py": "x = 1\n",
        ".gitignore": "ignored.txt\n",
    })
    (tmp_path / "edited.py").write_text("a = 1\nb = 3\nc = 4\n")
    (tmp_path / "shrunk.py").write_text("a = 1\nc = 3\n")  # a line deleted, none added
    (tmp_path / "gone.py").unlink()
    (tmp_path / "new.py").write_text("x = 1\ny = 2\n")
    (tmp_path / "notes.txt").write_text("one\ntwo\nthree\n")  # not Python: counted all the same
    (tmp_path / "ignored.txt").write_text("never\n")
    (tmp_path / "zero.py").symlink_to("/dev/zero")  # untracked and listed by git, but no regular file: never read

    changed = changed_lines(tmp_path, "HEAD", purpose="--diff-base")

    assert changed == {"edited.py": {2, 3}, "new.py": {1, 2}, "notes.txt": {1, 2, 3}}


def test_a_folder_inside_the_repository_sees_its_own_files_under_its_own_paths(tmp_path: Path) -> None:
    _repo(tmp_path, {"app/m.py": "a = 1\n", "other/n.py": "b = 1\n"})
    (tmp_path / "app" / "m.py").write_text("a = 2\n")
    (tmp_path / "other" / "n.py").write_text("b = 2\n")
    (tmp_path / "app" / "new.py").write_text("c = 1\n")
    (tmp_path / "other" / "new.py").write_text("d = 1\n")

    assert changed_lines(tmp_path / "app", "HEAD", purpose="--diff-base") == {"m.py": {1}, "new.py": {1}}


def test_a_diff_git_refuses_is_a_usage_error_naming_who_asked_not_an_empty_change(tmp_path: Path) -> None:
    _repo(tmp_path, {"m.py": "a = 1\n"})
    (tmp_path / "m.py").write_text("a = 2\n")
    with pytest.raises(UsageError, match=r"^`healthcheck diff`: .*no-such-ref"):
        changed_lines(tmp_path, "no-such-ref", purpose="`healthcheck diff`")


def test_outside_a_repository_git_output_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"^--diff-base: .*not a git repository"):
        output(tmp_path, "status", purpose="--diff-base")


def test_parse_diff_keeps_a_pure_deletion_as_an_empty_set_and_drops_deleted_files() -> None:
    text = (
        "diff --git a/keep.py b/keep.py\n--- a/keep.py\n+++ b/keep.py\n@@ -2 +1,0 @@\n-b = 2\n"
        "diff --git a/gone.py b/gone.py\n--- a/gone.py\n+++ /dev/null\n@@ -1 +0,0 @@\n-x = 1\n"
        "diff --git a/m.py b/m.py\n--- a/m.py\n+++ b/m.py\n@@ -3,0 +4,2 @@\n+c\n+d\n"
    )
    assert parse_diff(text) == {"keep.py": set(), "m.py": {4, 5}}
