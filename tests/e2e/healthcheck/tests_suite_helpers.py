"""Helpers for the end-to-end tests of the test-suite check: copy a fixture, scan it with --tests."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from e2e.healthcheck.scan_helpers import FIXTURES, run_cli

from healthcheck.report.json_report import validation_errors


def copy_fixture(name: str, tmp_path: Path) -> Path:
    repo = tmp_path / name
    shutil.copytree(FIXTURES / name, repo)
    return repo


def scan_tests(repo: Path, *extra: str, timeout: float = 300) -> tuple[int, dict[str, Any], str, str]:
    """Scan ``repo`` with its suite; the exit code, the valid JSON report, the Markdown report and stderr."""
    out = repo.parent / f"{repo.name}-reports"
    proc = run_cli("scan", str(repo), "--tests", "--no-types", "--no-import-check", "--format", "json",
                   "--format", "markdown", "--out-dir", str(out), "--cache-dir", str(repo.parent / "cache"),
                   *extra, timeout=timeout)
    report = json.loads((out / "healthcheck.json").read_text()) if (out / "healthcheck.json").exists() else {}
    if report:
        assert validation_errors(report) == []
    markdown = (out / "healthcheck.md").read_text() if (out / "healthcheck.md").exists() else ""
    return proc.returncode, report, markdown, proc.stderr


def failures(report: dict[str, Any]) -> list[tuple[str, str, str]]:
    return sorted((f["data"]["nodeid"], f["data"]["outcome"], f["data"]["exception"])
                  for f in report["findings"] if f["check"] == "test-failure")
