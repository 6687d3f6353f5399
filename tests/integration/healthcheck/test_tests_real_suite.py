"""A real third-party test suite (six's, from its sdist) in its own virtual environment.

healthcheck's counts must equal pytest's own summary line for the same suite,
run with the same interpreter. Needs the package index (pip download and install).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tarfile
from pathlib import Path

SDIST = "six==1.16.0"
SUMMARY = re.compile(r"(\d+) (passed|failed|skipped|xfailed|xpassed|errors?|warnings?)")


def _pip(python: Path, *args: str, cwd: Path) -> None:
    subprocess.run([str(python), "-m", "pip", "--disable-pip-version-check", "-q", *args], cwd=cwd, check=True,
                   timeout=600)


def _summary_counts(output: str) -> dict[str, int]:
    last = [line for line in output.splitlines() if line.startswith("=") and " in " in line][-1]
    counts = {word: int(n) for n, word in SUMMARY.findall(last)}
    if "error" in counts:
        counts["errors"] = counts.pop("error")
    counts.pop("warnings", None)
    counts.pop("warning", None)
    return counts


def test_counts_equal_pytests_own_summary(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    _pip(python, "download", "--no-deps", "--no-binary", ":all:", "-d", str(tmp_path / "dl"), SDIST, cwd=tmp_path)
    sdist = next((tmp_path / "dl").glob("six-*.tar.gz"))
    _pip(python, "install", str(sdist), "pytest", "coverage", cwd=tmp_path)
    with tarfile.open(sdist) as tar:
        tar.extractall(tmp_path / "src", filter="data")
    root = next((tmp_path / "src").iterdir())

    own = subprocess.run([str(python), "-m", "pytest", "-p", "no:cacheprovider"], cwd=root, capture_output=True,
                         text=True, timeout=600)
    expected = _summary_counts(own.stdout)
    assert expected.get("passed", 0) > 100

    out = tmp_path / "report.json"
    proc = subprocess.run(
        [sys.executable, "-m", "healthcheck.cli", "scan", str(root), "--tests", "--python", str(python),
         "--no-types", "--no-import-check", "--format", "json", "--output", str(out), "--cache-dir", "none"],
        capture_output=True, text=True, timeout=900,
    )
    report = json.loads(out.read_text())
    assert report["checks"]["test-suite"]["status"] == "ok", proc.stderr
    tests = report["metrics"]["tests"]
    ours = {"passed": tests["passed"] + tests["flaky"], "failed": tests["failed"], "skipped": tests["skipped"],
            "xfailed": tests["xfailed"], "xpassed": tests["xpassed"],
            "errors": tests["errors"] + tests["collection_errors"]}
    assert {k: v for k, v in ours.items() if v} == expected
    assert report["metrics"]["coverage"]["percent"] > 50
    assert [row["package"] for row in report["coverage"]["packages"]] == ["six"]
