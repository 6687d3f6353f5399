"""Names and messages the repository controls cannot forge CI output or break a writer; dead outputs end cleanly.

One test per hostile case, each on the real command in a subprocess.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hostile.corpus import REPO, hc, make_repo

STATIC = ("--only", "syntax-error", "--only", "import-cycle", "--cache-dir", "none")
QUICK = ("--no-import-check", "--no-types", "--cache-dir", "none")
FORGED = "a\n::error title=x::forged\n::stop-commands::tok\n##[error]old form\nb.py"
OSC = "t\x1b]0;owned\x07\x1b[2Jx.py"


def _hostile_names(root: Path) -> Path:
    """A repository whose broken files are named to forge annotations, drive the terminal and defeat UTF-8."""
    repo = make_repo(root, {"pkg/__init__.py": "", "pkg/ok.py": "x = 1\n"})
    for name in (FORGED, OSC, "--help.py", "-rf.py"):
        (repo / "pkg" / name).write_text("def (:\n")
    (repo / os.fsdecode(b"pkg/bad\xff\xfe.py")).write_text("def (:\n\x1b\x00x = '\udcff'\n", errors="surrogateescape")
    return repo


def _no_forged_line(text: str) -> None:
    for line in text.splitlines():
        assert not line.lstrip().startswith(("::error title=x", "::stop-commands", "##[")), line
        assert "\x1b" not in line and "\x07" not in line, repr(line)


def test_a_file_name_cannot_forge_a_github_annotation_or_drive_the_terminal(tmp_path: Path) -> None:
    repo = _hostile_names(tmp_path / "repo")
    proc = hc("gate", str(repo), *QUICK, "--out-dir", str(tmp_path / "out"), env={"GITHUB_ACTIONS": "true"})
    assert proc.returncode == 1, proc.stderr[-2000:]
    _no_forged_line(proc.stdout)
    annotations = [line for line in proc.stdout.splitlines() if line.startswith("::error file=")]
    assert len(annotations) >= 5  # one per broken file, each on its own line
    forged = next(line for line in annotations if "forged" in line)
    assert "%0A%3A%3Aerror title=x%3A%3Aforged%0A" in forged
    scan = hc("scan", str(repo), *STATIC, "--out-dir", str(tmp_path / "scan"))
    assert scan.returncode == 1, scan.stderr[-2000:]
    _no_forged_line(scan.stdout)


@pytest.mark.parametrize("fmt", ["json", "junit", "sarif", "html", "markdown"])
def test_every_writer_takes_control_characters_and_lone_surrogates(tmp_path: Path, fmt: str) -> None:
    repo = _hostile_names(tmp_path / "repo")
    out = tmp_path / f"report.{fmt}"
    proc = hc("scan", str(repo), *STATIC, "--format", fmt, "-o", str(out))
    assert proc.returncode == 1, proc.stderr[-2000:]
    text = out.read_bytes().decode("utf-8")  # strict: the file is UTF-8 throughout
    if fmt in ("json", "sarif"):
        json.loads(text)
    if fmt == "junit":
        ET.fromstring(text)
    if fmt in ("junit", "html"):
        assert not any(ch in text for ch in "\x00\x07\x1b")


def test_every_finding_satisfies_the_schema(tmp_path: Path) -> None:
    from healthcheck.report.json_report import validation_errors

    repo = _hostile_names(tmp_path / "repo")
    (repo / "pkg" / "cookie.py").write_bytes(b"# -*- coding: bogus -*-\nx = 1\n")
    (repo / "pkg" / "cookie2.py").write_bytes(b"\n# coding: rot13\nx = 1\n")
    out = tmp_path / "r.json"
    hc("scan", str(repo), *STATIC, "--format", "json", "-o", str(out))
    report = json.loads(out.read_text())
    assert validation_errors(report) == []
    assert all(f["line"] is None or f["line"] >= 1 for f in report["findings"])


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "healthcheck.cli", *args]


def test_a_closed_stdout_ends_the_command_quietly(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    read, write = os.pipe()
    os.close(read)  # nobody will ever read what healthcheck prints
    try:
        proc = subprocess.run(
            _cli("scan", str(repo), *STATIC, "--out-dir", str(tmp_path / "out")),
            stdout=write, stderr=subprocess.PIPE, text=True, cwd=REPO, timeout=120,
        )
    finally:
        os.close(write)
    assert proc.returncode == 2 and proc.stderr == ""


def test_stdout_on_a_full_disk_is_one_line(tmp_path: Path) -> None:
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full on this system")
    repo = make_repo(tmp_path / "repo")
    with open("/dev/full", "w") as full:
        proc = subprocess.run(
            _cli("scan", str(repo), *STATIC, "--out-dir", str(tmp_path / "out")),
            stdout=full, stderr=subprocess.PIPE, text=True, cwd=REPO, timeout=120,
        )
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == ["healthcheck: error: cannot write the output: No space left on device"]


def test_a_report_written_to_a_full_disk_is_one_line(tmp_path: Path) -> None:
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full on this system")
    repo = make_repo(tmp_path / "repo")
    proc = hc("scan", str(repo), *STATIC, "--format", "json", "-o", "/dev/full")
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == ["healthcheck: error: cannot write /dev/full: No space left on device"]


def test_file_names_that_look_like_options_are_type_checked_like_any_other(tmp_path: Path) -> None:
    files = {name: "def f(x: int) -> str:\n    return x\n" for name in ("--help.py", "-rf.py", "plain.py")}
    repo = make_repo(tmp_path / "repo", {"pyproject.toml": "[tool.mypy]\n", **files})
    out = tmp_path / "r.json"
    proc = hc("scan", str(repo), "--only", "type-error", "--cache-dir", "none", "--format", "json", "-o", str(out),
              timeout=300)
    report = json.loads(out.read_text())
    assert report["checks"]["type-error"]["status"] == "ok", (proc.stderr[-2000:], report["checks"])
    paths = sorted(f["path"] for f in report["findings"] if f["check"] == "type-error")
    assert paths == ["--help.py", "-rf.py", "plain.py"], paths
