"""`healthcheck scan` on the dup_* fixtures, through the real command: exit codes, report, bad options."""

from __future__ import annotations

import shutil
from pathlib import Path

from e2e.healthcheck.scan_helpers import FIXTURES, run_cli, scan_json, summary

ONLY = ("--only", "duplicates")


def test_duplicate_implementations_fail_the_gate(tmp_path: Path) -> None:
    code, report, stderr = scan_json(FIXTURES / "dup_implementations", tmp_path, *ONLY)
    assert code == 1, stderr
    assert summary(report, "duplicate-implementation") == [
        (
            "pkg/retry/adaptive_retrier.py", 5,
            "class BackoffType is implemented in 2 modules (similarity 1.00): "
            "keep pkg.retry.backoff_calculator (imported by 1); no static import of pkg.retry.adaptive_retrier",
        ),
        (
            "pkg/session/geoip_service.py", 6,
            "class GeoIPService is implemented in 2 modules (similarity 1.00): "
            "keep pkg.session.geoip (imported by 1); no static import of pkg.session.geoip_service",
        ),
    ]
    failed = [g["name"] for g in report["gates"] if not g["passed"]]
    assert failed == ["max_duplicate_implementations", "max_duplicated_lines_percent"]
    assert report["checks"]["duplicates"]["status"] == "ok"


def test_thresholds_from_the_command_line_pass_it(tmp_path: Path) -> None:
    code, report, stderr = scan_json(
        FIXTURES / "dup_code", tmp_path, *ONLY, "--gate", "max_duplicated_lines_percent=60",
        "--gate", "max_duplicate_implementations=1",
    )
    assert code == 0, stderr
    assert summary(report, "duplicate-code") == [
        ("app/near_a.py", 5, "11 lines of nearly the same code (similarity 0.95) in 2 places: "
         "app/near_a.py:5-14, app/near_b.py:5-15"),
        ("app/report.py", 5, "10 lines of the same code in 2 places: app/report.py:5-14, app/report.py:18-27"),
    ]


def test_a_bad_option_is_one_line_and_exit_2(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURES / "dup_code", repo)
    (repo / "pyproject.toml").write_text("[tool.healthcheck.duplicates]\nsimilarity = 2\n")
    proc = run_cli("scan", str(repo), *ONLY, "--cache-dir", "none", "-q")
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "healthcheck: error: [tool.healthcheck.duplicates] similarity must be a number above 0 and at most 1"
    ]


def test_a_second_process_reuses_the_kept_result(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    cache = tmp_path / "cache"
    kept = cache / "duplicates-result.pickle"
    stamps = []
    for seed in ("1", "2"):  # another hash seed: the key must not depend on set order
        subprocess.run(
            [sys.executable, "-m", "healthcheck.cli", "scan", str(FIXTURES / "dup_code"), *ONLY,
             "--cache-dir", str(cache), "-q", "--out-dir", str(tmp_path / "reports")],
            env={**os.environ, "PYTHONHASHSEED": seed}, capture_output=True, text=True, timeout=120,
        )
        stamps.append(kept.stat().st_mtime_ns)
    assert stamps[0] == stamps[1]
