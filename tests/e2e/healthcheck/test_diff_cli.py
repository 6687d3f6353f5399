"""``healthcheck diff --base REF`` on a git copy of the clean fixture: what a change adds, traced to its lines."""

from __future__ import annotations

import json
from pathlib import Path

from e2e.healthcheck.gate_helpers import FAST, commit_all, copy_fixture, healthcheck, run_git

CYCLE_LINE = "from cleanpkg.core import stamp\n"


def add_cycle(repo: Path) -> None:
    util = repo / "src" / "cleanpkg" / "util.py"
    util.write_text(util.read_text().replace("import time\n", "import time\n\n" + CYCLE_LINE))


def test_a_new_cycle_is_found_and_traced_to_the_changed_line(tmp_path: Path) -> None:
    repo = copy_fixture("clean", tmp_path, git=True)
    add_cycle(repo)
    proc = healthcheck("diff", ".", "--base", "main", *FAST, cwd=repo)
    assert proc.returncode == 1, proc.stderr
    out = proc.stdout.splitlines()
    assert out[0].startswith("diff against main (") and out[0].endswith(
        "1 file(s), 2 line(s) changed; 2 new finding(s), 0 fixed, 1 new import edge(s)")
    assert ("  new error   src/cleanpkg/core.py:6  runtime import cycle: cleanpkg.core -> cleanpkg.util -> cleanpkg.core"
            " (unsafe: importing cleanpkg.util first, cleanpkg.core asks the half-initialised cleanpkg.util for now"
            " at src/cleanpkg/core.py:6 before it is bound)  (changed: src/cleanpkg/util.py:4)") in out
    diff = json.loads((repo / "reports" / "healthcheck.json").read_text())["diff"]
    assert [(e["importer"], e["imported"], e["kind"]) for e in diff["new_import_edges"]] == [
        ("cleanpkg.util", "cleanpkg.core", "runtime")]
    assert diff["new_import_edges"][0]["sites"] == [
        {"path": "src/cleanpkg/util.py", "line": 4, "text": CYCLE_LINE.strip(), "changed": True}]
    assert [c["changed_lines"] for c in diff["new_cycles"]] == [["src/cleanpkg/util.py:4"]]
    assert diff["removed_cycles"] == [] and diff["new_type_errors"] == []
    markdown = (repo / "reports" / "healthcheck.md").read_text()
    assert "### Changes since `main`" in markdown and "**New import cycles** (1)" in markdown
    assert run_git(repo, "worktree", "list").count("\n") == 1  # the base worktree is gone


def test_new_only_passes_a_change_that_fixes_and_adds_nothing(tmp_path: Path) -> None:
    repo = copy_fixture("clean", tmp_path, git=True)
    add_cycle(repo)
    commit_all(repo, "a cycle")
    util = repo / "src" / "cleanpkg" / "util.py"
    util.write_text(util.read_text().replace(CYCLE_LINE, ""))  # the change removes it again
    proc = healthcheck("diff", ".", "--base", "HEAD", "--new-only", *FAST, cwd=repo)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 new finding(s), 2 fixed, 0 new import edge(s)" in proc.stdout.splitlines()[0]
    diff = json.loads((repo / "reports" / "healthcheck.json").read_text())["diff"]
    assert len(diff["removed_cycles"]) == 1
    gates = json.loads((repo / "reports" / "healthcheck.json").read_text())["gates"]
    assert [(g["name"], g["passed"]) for g in gates] == [("max_new_findings", True)]


def test_new_untracked_files_count_as_changed(tmp_path: Path) -> None:
    repo = copy_fixture("clean", tmp_path, git=True)
    (repo / "src" / "cleanpkg" / "extra.py").write_text("def f():\n    return missing_name\n")
    proc = healthcheck("diff", ".", "--base", "main", *FAST, cwd=repo)
    assert proc.returncode == 1
    assert ("  new error   src/cleanpkg/extra.py:2  'missing_name' is used but never defined or imported"
            "  (changed: src/cleanpkg/extra.py:2)") in proc.stdout.splitlines()


def test_a_ref_that_does_not_exist(tmp_path: Path) -> None:
    proc = healthcheck("diff", ".", "--base", "no-such-branch", *FAST, cwd=copy_fixture("clean", tmp_path, git=True))
    assert proc.returncode == 2
    assert proc.stderr == "healthcheck: error: base 'no-such-branch' does not exist in this repository\n"


def test_a_shallow_clone_without_the_base_commit(tmp_path: Path) -> None:
    origin = copy_fixture("clean", tmp_path, git=True)
    first = run_git(origin, "rev-parse", "HEAD").strip()
    (origin / "src" / "cleanpkg" / "more.py").write_text("X = 1\n")
    commit_all(origin, "second")
    clone = tmp_path / "clone"
    run_git(tmp_path, "clone", "-q", "--depth", "1", f"file://{origin}", str(clone))
    proc = healthcheck("diff", ".", "--base", first, *FAST, cwd=clone)
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"healthcheck: error: base '{first}' is not in this shallow clone")
    assert proc.stderr.count("\n") == 1


def test_outside_a_git_repository(tmp_path: Path) -> None:
    proc = healthcheck("diff", ".", "--base", "main", *FAST, cwd=copy_fixture("clean", tmp_path))
    assert proc.returncode == 2 and "is not inside a git repository" in proc.stderr
