"""Configuration the scanned tree holds: FIFOs in place of setup.cfg or mypy.ini never hang a check, limits are
range-checked, and a ``cache_dir`` it sets cannot send healthcheck's writes out of the tree."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hostile.corpus import CLEAN, make_repo, scan_report


def test_a_fifo_as_mypy_ini_fails_the_type_check_at_once(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    os.mkfifo(repo / "mypy.ini")
    proc, report = scan_report(repo, tmp_path / "r.json", "--only", "type-error", "--cache-dir", "none", timeout=120)
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert report["checks"]["type-error"] == {**report["checks"]["type-error"], "status": "error",
                                              "detail": "mypy not run: mypy.ini: not a regular file (a FIFO)"}


def test_a_fifo_as_setup_cfg_does_not_hang_the_import_check(tmp_path: Path) -> None:
    # app.py needs pkg.broken: its missing dependency is no optional one
    repo = make_repo(tmp_path / "repo", {**CLEAN, "pkg/broken.py": "import not_installed_zz\n", "app.py": "import pkg.broken\n"})
    os.mkfifo(repo / "setup.cfg")
    proc, report = scan_report(repo, tmp_path / "r.json", "--only", "import-failure", "--cache-dir", "none",
                               timeout=120)
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert [f["data"]["module"] for f in report["findings"] if f["check"] == "import-failure"] == ["pkg.broken"]


@pytest.mark.parametrize("setting", [
    "process_limit = 0", "cpu_limit = -1", "memory_limit_mib = 10", "[tool.healthcheck.test-suite]\ntest_timeout = 0",
])
def test_a_limit_out_of_range_is_one_line_and_exit_2(tmp_path: Path, setting: str) -> None:
    repo = make_repo(tmp_path / "repo", {**CLEAN, "pyproject.toml": f"[tool.healthcheck]\n{setting}\n"})
    proc, _report = scan_report(repo, tmp_path / "r.json", "--only", "syntax-error")
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1 and "out of range" in proc.stderr


def _with_cache_dir(tmp_path: Path, value: str) -> Path:
    return make_repo(tmp_path / "repo", {**CLEAN, "pyproject.toml": f"[tool.healthcheck]\ncache_dir = {value!r}\n"})


@pytest.mark.parametrize("value", ["/etc/healthcheck-cache", "../elsewhere", "pkg/../../elsewhere"])
def test_a_cache_dir_outside_the_tree_is_refused(tmp_path: Path, value: str) -> None:
    proc, _report = scan_report(_with_cache_dir(tmp_path, value), tmp_path / "r.json", "--only", "syntax-error")
    assert proc.returncode == 2
    (line,) = proc.stderr.strip().splitlines()
    assert f"cache_dir = {value!r}" in line and "must be a folder inside it" in line
    assert not (tmp_path / "elsewhere").exists()


def test_a_cache_dir_through_a_symbolic_link_is_refused(tmp_path: Path) -> None:
    repo = _with_cache_dir(tmp_path, ".hc/cache")
    (tmp_path / "outside").mkdir()
    (repo / ".hc").symlink_to(tmp_path / "outside")
    proc, _report = scan_report(repo, tmp_path / "r.json", "--only", "syntax-error")
    assert proc.returncode == 2 and "goes through the symbolic link" in proc.stderr
    assert list((tmp_path / "outside").iterdir()) == []


def test_a_cache_dir_inside_the_tree_is_used_and_the_command_line_may_point_anywhere(tmp_path: Path) -> None:
    repo = _with_cache_dir(tmp_path, ".healthcheck_cache")
    proc, _report = scan_report(repo, tmp_path / "r.json", "--only", "syntax-error")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert (repo / ".healthcheck_cache").is_dir()
    proc, _report = scan_report(repo, tmp_path / "r.json", "--only", "syntax-error", "--cache-dir",
                                str(tmp_path / "mine"))
    assert proc.returncode == 0 and (tmp_path / "mine").is_dir()
