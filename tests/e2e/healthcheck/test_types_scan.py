"""``healthcheck scan`` with the type-error check on fixture repositories (real mypy in a subprocess)."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

from e2e.healthcheck.scan_helpers import FIXTURES, run_cli
from envs import make_venv

from healthcheck.cache_store import default_cache_dir
from healthcheck.report.json_report import validation_errors

TYPES = ("--only", "type-error", "--only", "syntax-error")


def _scan(repo: Path, *extra: str) -> tuple[int, dict[str, Any], str]:
    out = repo.parent / f"{repo.name}-report.json"
    proc = run_cli("scan", str(repo), "--format", "json", "--output", str(out), *extra)
    report = json.loads(out.read_text()) if out.exists() else {}
    if report:
        assert validation_errors(report) == []
    return proc.returncode, report, proc.stderr


def _types(report: dict[str, Any]) -> list[tuple[Any, ...]]:
    return sorted(
        (f["path"], f["line"], f["data"]["code"], f["data"]["category"])
        for f in report["findings"] if f["check"] == "type-error"
    )


def _copy(name: str, tmp_path: Path) -> Path:
    repo = tmp_path / name
    shutil.copytree(FIXTURES / name, repo)
    return repo


EXPECTED_MISMATCH = [
    ("workspaces/breaker.py", 10, "override", "interface"),
    ("workspaces/mounts.py", 16, "arg-type", "value"),
    ("workspaces/mounts.py", 16, "arg-type", "value"),
    ("workspaces/mounts.py", 20, "attr-defined", "attribute"),
    ("workspaces/runtime.py", 28, "arg-type", "interface"),
    ("workspaces/uses_broken.py", 5, "assignment", "value"),
]


def test_every_mismatch_is_found_although_one_file_does_not_parse(tmp_path: Path) -> None:
    repo = _copy("types_mismatch", tmp_path)
    code, report, _ = _scan(repo, *TYPES)
    assert code == 1
    assert report["checks"]["type-error"]["status"] == "ok"
    assert _types(report) == EXPECTED_MISMATCH
    messages = {f["data"]["code"] + ":" + f["message"] for f in report["findings"] if f["check"] == "type-error"}
    assert 'arg-type:Argument "read_only" to "Mount" has incompatible type "str"; expected "bool" [arg-type]' in messages
    assert 'arg-type:Argument "created" to "Mount" has incompatible type "str"; expected "datetime" [arg-type]' in messages
    assert report["metrics"]["type_errors"] == 6
    assert report["metrics"]["type_errors_by_category"] == {"attribute": 1, "interface": 2, "value": 3}
    assert report["metrics"]["type_errors_by_package"] == {"workspaces": 6}
    gate = next(g for g in report["gates"] if g["name"] == "max_type_errors")
    assert (gate["threshold"], gate["actual"], gate["passed"]) == (0, 6, False)


def test_protocol_notes_belong_to_their_error(tmp_path: Path) -> None:
    repo = _copy("types_mismatch", tmp_path)
    _, report, _ = _scan(repo, *TYPES)
    protocol = next(f for f in report["findings"] if f["check"] == "type-error" and f["path"] == "workspaces/runtime.py")
    assert protocol["data"]["notes"] == [
        'Following member(s) of "DockerContainer" have conflicts:',
        "    Expected:",
        "        def get_id(self) -> str",
        "    Got:",
        "        def get_id(self) -> int",
    ]
    override = next(f for f in report["findings"] if f["check"] == "type-error" and f["path"] == "workspaces/breaker.py")
    assert override["message"] == 'Signature of "allow" incompatible with supertype "Breaker" [override]'
    assert override["data"]["notes"] == [
        "Superclass:",
        "    def allow(self, key: str) -> bool",
        "Subclass:",
        "    def allow(self, key: str, count: int) -> bool",
    ]


def test_a_warm_cache_gives_the_same_findings_with_the_same_ids(tmp_path: Path) -> None:
    repo = _copy("types_mismatch", tmp_path)
    _, cold, _ = _scan(repo, *TYPES)
    assert (default_cache_dir(repo) / "mypy").is_dir()
    _, warm, _ = _scan(repo, *TYPES)
    ids = lambda r: sorted(f["id"] for f in r["findings"])  # noqa: E731
    assert ids(warm) == ids(cold)
    assert len(set(ids(cold))) == len(ids(cold))  # two identical messages in one file still get two ids


def test_without_configuration_mypy_defaults_apply_and_missing_packages_are_reported(tmp_path: Path) -> None:
    repo = tmp_path / "plain"
    (repo / ".git").mkdir(parents=True)
    (repo / "app.py").write_text(
        "import not_installed_anywhere\n\n\ndef untyped(x):\n    return x.nothing_checked_here\n\n\nn: int = 'one'\n"
    )
    code, report, _ = _scan(repo, *TYPES)
    assert _types(report) == [("app.py", 1, "import-not-found", "import"), ("app.py", 8, "assignment", "value")]
    # Both reported; neither gated: a missing package is the environment's, an inferred mismatch of a project
    # that never configured mypy a warning (see healthcheck/checks/type_error/mypy_scope.py).
    assert code == 0
    assert sorted(f["severity"] for f in report["findings"] if f["check"] == "type-error") == ["info", "warning"]


def test_the_repository_configuration_is_honoured(tmp_path: Path) -> None:
    repo = tmp_path / "configured"
    (repo / ".git").mkdir(parents=True)
    (repo / "app").mkdir()
    (repo / "scripts").mkdir()
    (repo / "pyproject.toml").write_text('[tool.mypy]\nstrict = true\nfiles = ["app"]\n')
    (repo / "app" / "__init__.py").write_text("def add(a, b):\n    return a + b\n")
    (repo / "scripts" / "tool.py").write_text("x: int = 'not checked: outside files'\n")
    _, report, _ = _scan(repo, *TYPES)
    assert _types(report) == [("app/__init__.py", 1, "no-untyped-def", "other")]
    assert report["checks"]["type-error"]["detail"].startswith("1 type errors in 1 files")


def test_no_types_skips_the_check_and_its_metrics(tmp_path: Path) -> None:
    repo = _copy("types_mismatch", tmp_path)
    _, report, _ = _scan(repo, *TYPES, "--no-types")
    assert report["checks"]["type-error"]["status"] == "skipped"
    assert "type_errors" not in report["metrics"]
    assert not any(g["name"] == "max_type_errors" for g in report["gates"])


def test_a_bare_project_venv_is_checked_by_healthcheck_s_mypy_not_passed_unseen(tmp_path: Path) -> None:
    # The usual case: the project's venv has no mypy. Its bin/python resolves to the same base binary as
    # healthcheck's; only sys.prefix tells them apart. The errors must be the ones mypy finds, not none.
    repo = _copy("types_mismatch", tmp_path)
    python = make_venv(tmp_path / "venv")
    code, report, _ = _scan(repo, *TYPES, "--python", python)
    assert _types(report) == EXPECTED_MISMATCH
    assert code == 1 and report["metrics"]["type_errors"] == len(EXPECTED_MISMATCH)
    engine = report["checks"]["type-error"]["engine"]
    assert (engine["name"], engine["python"]) == ("mypy", sys.executable)
    assert engine["environment"].endswith(f"with --python-executable {python}")


def test_mypy_that_cannot_run_is_an_error_never_zero_errors(tmp_path: Path) -> None:
    repo = _copy("types_mismatch", tmp_path)
    (repo / "mypy.ini").write_text("[mypy]\nplugins = no_such_mypy_plugin\n")
    code, report, _ = _scan(repo, *TYPES)
    assert code == 1
    check = report["checks"]["type-error"]
    assert check["status"] == "error"
    assert check["detail"].startswith("mypy failed (exit 2): ")
    assert "no_such_mypy_plugin" in check["detail"]
    assert "type_errors" not in report["metrics"]
    gate = next(g for g in report["gates"] if g["name"] == "max_type_errors")
    assert gate["passed"] is False


def test_a_python_that_does_not_exist_is_a_usage_error(tmp_path: Path) -> None:
    repo = _copy("types_mismatch", tmp_path)
    code, report, stderr = _scan(repo, *TYPES, "--python", str(tmp_path / "no-such-python"))
    assert (code, report) == (2, {})
    assert stderr == f"healthcheck: error: --python {tmp_path / 'no-such-python'}: no such file\n"


def test_mypy_that_runs_too_long_is_stopped_and_reported(tmp_path: Path) -> None:
    repo = _copy("types_mismatch", tmp_path)
    (repo / "pyproject.toml").write_text("[tool.healthcheck.type-error]\ntimeout = 0.001\n")
    _, report, _ = _scan(repo, *TYPES)
    check = report["checks"]["type-error"]
    assert (check["status"], check["detail"]) == ("error", "mypy did not finish within 0.001 s")
    assert check["engine"]["name"] == "mypy"


def test_a_file_that_parses_but_does_not_compile_is_left_out_and_its_error_kept(tmp_path: Path) -> None:
    # ``yield`` outside a function parses (ast.parse) but stops mypy (a blocking error without an error code).
    repo = tmp_path / "blocked"
    (repo / ".git").mkdir(parents=True)
    (repo / "mypy.ini").write_text("[mypy]\n")  # configured: its mismatches are gated
    (repo / "app.py").write_text("n: int = 'one'\n")
    (repo / "data.py").write_text("x = 1\nyield x\n")
    (repo / "aio.py").write_text("async def f(xs):\n    yield from xs\n")
    code, report, _ = _scan(repo, *TYPES)
    assert code == 1
    check = report["checks"]["type-error"]
    assert check["status"] == "ok"
    assert check["detail"].startswith("3 type errors in 1 files (mypy ")
    assert check["detail"].endswith("); mypy could not read aio.py, data.py")
    assert sorted((f["path"], f["line"], f["message"]) for f in report["findings"] if f["check"] == "type-error") == [
        ("aio.py", 2, '"yield from" in async function [misc]'),
        ("app.py", 1, 'Incompatible types in assignment (expression has type "str", variable has type "int") [assignment]'),
        ("data.py", 2, '"yield" outside function [misc]'),
    ]


def test_mypy_runs_again_as_long_as_it_names_files_that_stop_it(tmp_path: Path) -> None:
    # mypy stops at the first file with a blocking error, so five such files take six runs.
    repo = tmp_path / "blocked"
    (repo / ".git").mkdir(parents=True)
    (repo / "mypy.ini").write_text("[mypy]\n")  # configured: its mismatches are gated
    (repo / "app.py").write_text("n: int = 'one'\n")
    for i in range(5):
        (repo / f"data{i}.py").write_text("x = 1\nyield x\n")
    code, report, _ = _scan(repo, *TYPES)
    assert code == 1
    check = report["checks"]["type-error"]
    assert check["status"] == "ok"
    assert check["detail"].endswith("; mypy could not read data0.py, data1.py, data2.py, data3.py, data4.py")
    assert _types(report) == [("app.py", 1, "assignment", "value")] + [(f"data{i}.py", 2, "misc", "other") for i in range(5)]


def test_when_every_file_stops_mypy_their_errors_are_the_findings(tmp_path: Path) -> None:
    repo = tmp_path / "all-blocked"
    (repo / ".git").mkdir(parents=True)
    (repo / "data.py").write_text("x = 1\nyield x\n")
    _, report, _ = _scan(repo, *TYPES)
    check = report["checks"]["type-error"]
    assert (check["status"], check["detail"].split(";")[1]) == ("ok", " mypy could not read data.py")
    assert _types(report) == [("data.py", 2, "misc", "other")]


def test_a_verdict_by_another_mypy_than_the_project_pins_says_so(tmp_path: Path) -> None:
    repo = _copy("types_mismatch", tmp_path)
    (repo / "requirements-dev.txt").write_text("pytest\nmypy==0.910\n")
    _, report, _ = _scan(repo, *TYPES)
    detail = report["checks"]["type-error"]["detail"]
    version = report["checks"]["type-error"]["engine"]["version"]
    assert detail.endswith(f"; judged by healthcheck's mypy {version}, while the project pins mypy 0.910 "
                           "(requirements-dev.txt): install that into the interpreter given to --python for its own "
                           "verdict")
    assert len(_types(report)) == len(EXPECTED_MISMATCH)  # the errors are still this mypy's, and still gated
