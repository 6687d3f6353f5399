"""Modules the import check imports cannot kill healthcheck, hide a failure by killing their supervisor, or
leave processes behind."""

from __future__ import annotations

from pathlib import Path

from hostile.corpus import make_repo, scan_report
from hostile.processes import DAEMON, left_after, new_marker

KILLER = "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n"


def _failures(report: dict[str, object]) -> dict[str, str]:
    return {f["data"]["module"]: f["data"]["exception"] for f in report["findings"]  # type: ignore[attr-defined]
            if f["check"] == "import-failure"}


def test_a_module_that_kills_its_parent_fails_by_name_and_the_scan_goes_on(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {
        "pkg/__init__.py": "",
        "pkg/killer.py": KILLER,
        "pkg/after.py": "x = 1\n",
    })
    name, value = new_marker()
    proc, report = scan_report(repo, tmp_path / "r.json", "--only", "import-failure", "--cache-dir", "none",
                               env={name: value}, timeout=180)
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert _failures(report) == {"pkg.killer": "SupervisorKilled"}
    assert report["metrics"]["modules_importable"] == 2 and report["metrics"]["modules_total"] == 3
    assert left_after(name, value) == []


def test_a_daemon_started_at_import_does_not_outlive_the_scan(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"pkg/__init__.py": "", "pkg/daemon.py": DAEMON})
    name, value = new_marker()
    proc, report = scan_report(repo, tmp_path / "r.json", "--only", "import-failure", "--cache-dir", "none",
                               env={name: value}, timeout=180)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert _failures(report) == {}
    assert left_after(name, value) == []
