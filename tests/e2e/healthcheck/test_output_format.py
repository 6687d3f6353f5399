"""``--output FILE`` alone writes the format its extension names; an extension that names none is exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from e2e.healthcheck.gate_helpers import FAST, copy_fixture, healthcheck


@pytest.mark.parametrize("command", ["scan", "gate"])
def test_the_extension_chooses_the_format(tmp_path: Path, command: str) -> None:
    repo = copy_fixture("clean", tmp_path)
    proc = healthcheck(command, ".", *FAST, "--output", "out/report.json", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    assert json.loads((repo / "out" / "report.json").read_text())["schema"] == "healthcheck.report/1"
    assert not (repo / "reports" / "healthcheck.md").exists()
    proc = healthcheck(command, ".", *FAST, "--output", "report.sarif", cwd=repo)
    assert json.loads((repo / "report.sarif").read_text())["version"] == "2.1.0"


def test_an_extension_that_names_no_format_is_a_usage_error(tmp_path: Path) -> None:
    proc = healthcheck("scan", ".", *FAST, "--output", "report.txt", cwd=copy_fixture("clean", tmp_path))
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
    assert "cannot tell the format of report.txt from its extension" in proc.stderr
