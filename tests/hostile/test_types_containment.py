"""mypy's run cannot be replaced by a ``mypy/`` folder of the tree, and a mypy plugin (the repository's code)
cannot kill healthcheck, hide the verdict or leave processes behind."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hostile.corpus import make_repo, scan_report
from hostile.processes import DAEMON, left_after, new_marker

BAD = {"pkg/__init__.py": "", "pkg/bad.py": 'x: int = "text"\n'}
PLUGIN = "from mypy.plugin import Plugin\n\n\ndef plugin(version: str) -> type[Plugin]:\n    return Plugin\n"


def _scan(repo: Path, tmp_path: Path, marker: tuple[str, str] | None = None) -> tuple[Any, dict[str, Any]]:
    return scan_report(repo, tmp_path / "r.json", "--only", "type-error", "--cache-dir", "none",
                       env=dict([marker]) if marker else None, timeout=300)


def test_a_mypy_folder_of_the_tree_is_not_run_in_mypys_place(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {**BAD, "mypy/__init__.py": "", "mypy/__main__.py": "raise SystemExit(0)\n",
                                         "mypy.ini": "[mypy]\n"})  # configured: the mismatch is gated
    proc, report = _scan(repo, tmp_path)
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert ("pkg/bad.py", 1) in {(f["path"], f["line"]) for f in report["findings"] if f["check"] == "type-error"}


def test_a_mypy_plugin_that_kills_its_parent_fails_the_check_and_the_scan_goes_on(tmp_path: Path) -> None:
    marker = new_marker()
    repo = make_repo(tmp_path / "repo", {
        **BAD, "pyproject.toml": '[tool.mypy]\nplugins = ["killer_plugin"]\n',
        "killer_plugin.py": "import os, signal, time\nos.kill(os.getppid(), signal.SIGKILL)\ntime.sleep(1)\n" + PLUGIN,
    })
    proc, report = _scan(repo, tmp_path, marker)
    assert proc.returncode == 1, proc.stderr[-2000:]
    check = report["checks"]["type-error"]
    assert check["status"] == "error" and check["detail"].startswith("mypy failed (exit -9)")
    assert left_after(*marker) == []


def test_a_daemon_started_by_a_mypy_plugin_does_not_outlive_the_scan(tmp_path: Path) -> None:
    marker = new_marker()
    repo = make_repo(tmp_path / "repo", {
        **BAD, "pyproject.toml": '[tool.mypy]\nplugins = ["daemon_plugin"]\n', "daemon_plugin.py": DAEMON + PLUGIN,
    })
    proc, report = _scan(repo, tmp_path, marker)
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert report["checks"]["type-error"]["status"] == "ok"
    assert left_after(*marker) == []
