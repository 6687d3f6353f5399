"""Helpers for the end-to-end tests: run the real command in a subprocess and read its report."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[3]
FIXTURES = REPO / "tests" / "fixtures"


def run_cli(*args: str, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "healthcheck.cli", *args],
        cwd=cwd or REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def scan_json(target: Path, tmp_path: Path, *extra: str) -> tuple[int, dict[str, Any], str]:
    """Scan ``target``; return the exit code, the JSON report and stderr."""
    out = tmp_path / "report.json"
    proc = run_cli("scan", str(target), "--format", "json", "--output", str(out), "--cache-dir", "none", *extra)
    report = json.loads(out.read_text()) if out.exists() else {}
    return proc.returncode, report, proc.stderr


STATIC = ("--only", "syntax-error", "--only", "names", "--only", "import-cycle", "--only", "contract-violation")


def summary(report: dict[str, Any], check: str) -> list[tuple[Any, ...]]:
    return sorted(
        (f["path"], f["line"], f["message"]) for f in report["findings"] if f["check"] == check
    )
