"""Bad input: a clear one-line error and exit 2, or a finding while the rest is still analysed."""

from __future__ import annotations

import json
import os
from pathlib import Path

from e2e.healthcheck.scan_helpers import STATIC, run_cli, scan_json


def _one_line_error(stderr: str, fragment: str) -> None:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("healthcheck: error: ")
    assert fragment in lines[0]
    assert "Traceback" not in stderr


def test_path_that_does_not_exist(tmp_path: Path) -> None:
    proc = run_cli("scan", str(tmp_path / "nowhere"))
    assert proc.returncode == 2
    _one_line_error(proc.stderr, "path does not exist")


def test_file_instead_of_directory(tmp_path: Path) -> None:
    target = tmp_path / "one.py"
    target.write_text("x = 1\n")
    proc = run_cli("scan", str(target))
    assert proc.returncode == 2
    _one_line_error(proc.stderr, "not a directory")


def test_empty_directory_and_repository_without_python(tmp_path: Path) -> None:
    proc = run_cli("scan", str(tmp_path))
    assert proc.returncode == 2
    _one_line_error(proc.stderr, "no Python files found")
    (tmp_path / "README.md").write_text("# docs only\n")
    (tmp_path / "main.go").write_text("package main\n")
    proc = run_cli("scan", str(tmp_path))
    assert proc.returncode == 2
    _one_line_error(proc.stderr, "no Python files found")


def test_invalid_pyproject_and_wrong_threshold_type(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    (tmp_path / "pyproject.toml").write_text("[tool.healthcheck\n")
    proc = run_cli("scan", str(tmp_path), "--cache-dir", "none")
    assert proc.returncode == 2
    _one_line_error(proc.stderr, "not valid TOML")
    (tmp_path / "pyproject.toml").write_text('[tool.healthcheck]\nmax_import_cycles = "none"\n')
    proc = run_cli("scan", str(tmp_path), "--cache-dir", "none")
    assert proc.returncode == 2
    _one_line_error(proc.stderr, "max_import_cycles must be int or float, got str")


def test_bad_gate_on_the_command_line(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    for arg, fragment in (
        ("max_import_cycles", "expects NAME=VALUE"),
        ("max_import_cycles=lots", "is not a number"),
        ("max_everything=1", "max_everything is not a known setting"),
        ("max_import_cycles=-1", "out of range"),
    ):
        proc = run_cli("scan", str(tmp_path), "--gate", arg, "--cache-dir", "none")
        assert proc.returncode == 2, arg
        _one_line_error(proc.stderr, fragment)


def test_hostile_files_become_findings_and_the_rest_is_analysed(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "pkg").mkdir(parents=True)
    (repo / "pkg" / "__init__.py").write_text("")
    (repo / "pkg" / "nul.py").write_bytes(b"x = 1\n\x00\n")
    (repo / "pkg" / "latin.py").write_bytes(b"name = '\xe9t\xe9'\n")
    (repo / "pkg" / "cookie.py").write_bytes(b"# coding: no-such-codec\nx = 1\n")
    (repo / "pkg" / "deep.py").write_text("x = " + "+".join(["1"] * 100_000) + "\n")
    generated = "".join(f"VALUE_{i} = {{'key': {i}, 'name': 'item {i}'}}\n" for i in range(120_000))
    (repo / "pkg" / "generated.py").write_text(generated)
    assert (repo / "pkg" / "generated.py").stat().st_size > 5_000_000
    os.symlink(repo / "pkg", repo / "pkg" / "loop")
    (repo / "pkg" / "uses.py").write_text("def f():\n    return time.time()\n")

    code, report, stderr = scan_json(repo, tmp_path, *STATIC)
    assert code == 1, stderr
    broken = sorted((f["path"], f["data"]["kind"]) for f in report["findings"] if f["check"] == "syntax-error")
    assert broken == [
        ("pkg/cookie.py", "encoding"),
        ("pkg/deep.py", "recursion"),
        ("pkg/latin.py", "encoding"),
        ("pkg/nul.py", "nul"),
    ]
    undefined = [(f["path"], f["data"]["name"]) for f in report["findings"] if f["check"] == "undefined-name"]
    assert undefined == [("pkg/uses.py", "time")]
    assert report["metrics"]["files"] == 7
    assert report["metrics"]["unparseable_files"] == 4


def test_py_names_that_are_no_regular_file_are_skipped_not_read(tmp_path: Path) -> None:
    # Reading a FIFO blocks until someone writes, reading /dev/zero never ends: the scan used to hang on both.
    repo = tmp_path / "repo"
    (repo / "data").mkdir(parents=True)
    (repo / "app.py").write_text("def f():\n    return time.time()\n")
    os.mkfifo(repo / "pipe.py")
    os.symlink("/dev/zero", repo / "zero.py")
    os.symlink(repo / "data", repo / "folder.py")
    out = tmp_path / "report.json"
    proc = run_cli("scan", str(repo), "--format", "json", "--output", str(out), "--cache-dir", "none", *STATIC, timeout=60)
    assert proc.returncode == 1, proc.stderr
    report = json.loads(out.read_text())
    assert [(f["path"], f["check"]) for f in report["findings"]] == [("app.py", "undefined-name")]
    assert report["metrics"]["files"] == 1
    assert report["project"]["skipped"] == [
        {"path": "folder.py", "reason": "not a regular file"},
        {"path": "pipe.py", "reason": "not a regular file"},
        {"path": "zero.py", "reason": "not a regular file"},
    ]


def test_unwritable_output_location_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    out_dir = tmp_path / "out"
    out_dir.write_text("a file where a folder is expected")
    proc = run_cli("scan", str(tmp_path), "--out-dir", str(out_dir), "--cache-dir", "none")
    # An unwritable output location is the user's to fix: a usage error, not a crash.
    assert proc.returncode == 2
    _one_line_error(proc.stderr, "cannot write")


def test_unknown_options_and_bad_choices_are_one_line_too(tmp_path: Path) -> None:
    for args, fragment in (
        (("scan", str(tmp_path), "--format", "pdf"), "Invalid value for '--format'"),
        (("scan", "--no-such-flag"), "--no-such-flag"),  # click words it differently across releases
        (("frobnicate",), "No such command 'frobnicate'"),
    ):
        proc = run_cli(*args)
        assert proc.returncode == 2, args
        _one_line_error(proc.stderr, fragment)


def test_an_unknown_check_in_only_is_a_usage_error_not_an_empty_pass(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    proc = run_cli("scan", str(tmp_path), "--only", "names", "--only", "undefined-nmae", "--cache-dir", "none")
    assert proc.returncode == 2
    _one_line_error(
        proc.stderr,
        "unknown check undefined-nmae in --only (checks: syntax-error, names, import-cycle, contract-violation, "
        "duplicates, type-error, import-failure, test-suite)",
    )
