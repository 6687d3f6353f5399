"""Configuration, baselines and untracked files the repository controls: refused in one line, never a hang.

One test per hostile case. Each runs the real command in a subprocess with a
time limit well under what a hang would take, and checks the exit code and
that stderr is exactly one line.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from hostile.corpus import hc, make_repo

STATIC = ("--only", "syntax-error", "--only", "import-cycle", "--cache-dir", "none")
QUICK = ("--no-import-check", "--no-types", "--cache-dir", "none")  # for the commands without --only


def _one_line_exit_2(proc: subprocess.CompletedProcess[str], *expected: str) -> None:
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-2000:])
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("healthcheck: error: "), proc.stderr[-2000:]
    for part in expected:
        assert part in lines[0]


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "huge"])
def test_a_pyproject_that_is_no_plain_file_is_refused(tmp_path: Path, kind: str) -> None:
    repo = make_repo(tmp_path / "repo")
    pyproject = repo / "pyproject.toml"
    if kind == "fifo":
        os.mkfifo(pyproject)
    elif kind == "dev-zero":
        pyproject.symlink_to("/dev/zero")
    else:
        with pyproject.open("wb") as fh:
            fh.truncate(64 * 1024 * 1024)  # sparse
    proc = hc("scan", str(repo), *STATIC, "--format", "json", "-o", str(tmp_path / "r.json"), timeout=60)
    _one_line_exit_2(proc, "pyproject.toml")


@pytest.mark.parametrize(
    "setting",
    ["timeout = -1", "timeout = nan", "[tool.healthcheck.import-failure]\nworkers = -2",
     "[tool.healthcheck.test-suite]\nreruns = 100000000", "[tool.healthcheck.duplicates]\nsimilarity = inf"],
)
def test_a_number_out_of_range_is_refused_before_anything_runs(tmp_path: Path, setting: str) -> None:
    repo = make_repo(tmp_path / "repo", {"pkg/__init__.py": "", "pyproject.toml": f"[tool.healthcheck]\n{setting}\n"})
    proc = hc("scan", str(repo), "--format", "json", "-o", str(tmp_path / "r.json"), timeout=60)
    _one_line_exit_2(proc, "pyproject.toml")
    assert not (tmp_path / "r.json").exists()


def _baseline(metrics: str = '{"unparseable_files": 0}', findings: str = "[]") -> str:
    return (
        '{"created_at": "2026-12-01", "repository": "repo", "schema": "healthcheck.baseline/1",\n'
        f' "findings": {findings}, "metrics": {metrics}}}\n'
    )


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("fifo", "not a regular file (a FIFO)"),
        ("dev-zero", "not a regular file (a character device)"),
        (_baseline('{"unparseable_files": NaN}'), "NaN is not a number JSON allows"),
        (_baseline('{"unparseable_files": Infinity}'), "Infinity is not a number JSON allows"),
        (_baseline('{"unparseable_files": 1' + "0" * 400 + "}"), "must be a finite number"),
        (_baseline('{"unparseable_files": "0"}'), "must be a number, got str"),
        (_baseline(findings='[{"id": "x", "check": "syntax-error", "message": 3}]'), "message must be a string"),
        (_baseline(findings='[{"id": "x", "check": "syntax-error", "expires": 20261201}]'), "expires must be a string"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        (b"\xff\xfe{}", "not UTF-8"),
    ],
    ids=["fifo", "dev-zero", "nan", "infinity", "huge-int", "string-metric", "int-message", "int-expires", "deep",
         "not-utf8"],
)
def test_a_hostile_baseline_is_refused_in_one_line(tmp_path: Path, content: str | bytes, expected: str) -> None:
    repo = make_repo(tmp_path / "repo")
    baseline = tmp_path / "baseline.json"
    if content == "fifo":
        os.mkfifo(baseline)
    elif content == "dev-zero":
        baseline.symlink_to("/dev/zero")
    elif isinstance(content, bytes):
        baseline.write_bytes(content)
    else:
        baseline.write_text(content)
    proc = hc("gate", str(repo), *QUICK, "--baseline", str(baseline), "--out-dir", str(tmp_path / "out"), timeout=60)
    _one_line_exit_2(proc, "baseline", expected)


def test_a_baseline_written_to_a_full_disk_is_one_line(tmp_path: Path) -> None:
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full on this system")
    repo = make_repo(tmp_path / "repo")
    proc = hc("baseline", str(repo), *QUICK, "-o", "/dev/full", timeout=60)
    _one_line_exit_2(proc, "/dev/full")


def _git(repo: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=env, timeout=60)


def test_diff_with_an_untracked_fifo_and_a_link_to_dev_zero_finishes(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "base")
    (repo / "new.py").write_text("x = 1\ny = 2\n")
    os.mkfifo(repo / "pipe.py")
    (repo / "zero.py").symlink_to("/dev/zero")
    out = tmp_path / "diff.json"
    proc = hc("diff", str(repo), "--base", "HEAD", *QUICK, "--format", "json", "-o", str(out), timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads(out.read_text())
    assert report["diff"]["changed_files"] == 1
