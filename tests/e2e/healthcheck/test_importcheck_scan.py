"""``healthcheck scan`` with the import-failure check: the fixture's modules imported for real."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from e2e.healthcheck.scan_helpers import FIXTURES, run_cli

from healthcheck.cache_store import default_cache_dir
from healthcheck.report.json_report import validation_errors

IMPORTS = ("--only", "import-failure", "--only", "syntax-error", "--only", "names", "--only", "import-cycle")


def _scan(repo: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    out = repo.parent / "report.json"
    proc = run_cli("scan", str(repo), "--format", "json", "--output", str(out), *extra)
    assert out.exists(), proc.stderr
    report = json.loads(out.read_text())
    assert validation_errors(report) == []
    return proc.returncode, report


def _copy(name: str, tmp_path: Path) -> Path:
    repo = tmp_path / name
    shutil.copytree(FIXTURES / name, repo)
    return repo


def _failures(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["data"]["module"]: f for f in report["findings"] if f["check"] == "import-failure"}


def _one(report: dict[str, Any], check: str, path: str) -> str:
    (finding,) = [f for f in report["findings"] if f["check"] == check and f["path"] == path]
    return str(finding["id"])


def test_every_kind_of_import_failure_is_traced_to_its_root(tmp_path: Path) -> None:
    repo = _copy("imports_broken", tmp_path)
    code, report = _scan(repo, *IMPORTS)
    assert code == 1
    assert report["checks"]["import-failure"]["status"] == "ok"
    assert report["checks"]["import-failure"]["detail"] == "2 of 12 modules import"
    failures = _failures(report)
    assert {m: (f["data"]["cause"], f["data"]["exception"], f["path"], f["line"], f["data"]["dependents"])
            for m, f in failures.items()} == {
        "shop.orders.models": ("circular", "ImportError", "shop/orders/models.py", 1, ["shop.orders"]),
        "shop.geo": ("missing-dependency", "ModuleNotFoundError", "shop/geo.py", 1, []),
        "shop.settings": ("raised", "KeyError", "shop/settings.py", 3, ["shop.reports"]),
        "shop.slow": ("timeout", "Timeout", "shop/slow.py", 4, ["shop.uses_slow"]),
        "shop.missing": ("missing-module", "ModuleNotFoundError", "shop/missing.py", 1, []),
        "shop.broken": ("syntax", "SyntaxError", "shop/broken.py", 1, ["shop.uses_broken"]),
    }
    assert {m: f["message"] for m, f in failures.items()} == {
        "shop.orders.models": "shop.orders.models does not import: circular import, shop.orders is only partly "
        "initialised at shop/orders/models.py:1; 1 more module fails because of it",
        "shop.geo": "shop.geo does not import: geoip2 is missing (distribution geoip2, declared but not installed) "
        "at shop/geo.py:1",
        "shop.settings": "shop.settings does not import: KeyError: 'SHOP_FIXTURE_DATABASE_URL' at shop/settings.py:3; "
        "1 more module fails because of it",
        "shop.slow": "shop.slow did not finish importing within 2 s (timed out at shop/slow.py:4; the scan went on); "
        "1 more module fails because of it",
        "shop.missing": "shop.missing does not import: it imports shop.discounts, which does not exist in the "
        "project at shop/missing.py:1",
        "shop.broken": "shop.broken does not import: shop/broken.py has a syntax error (line 1); "
        "1 more module fails because of it",
    }
    circular = failures["shop.orders.models"]["data"]
    assert "(shop/orders/__init__.py)" in circular["detail"]  # paths in details are relative to the root
    assert circular["traceback"] == ["shop/orders/__init__.py:1 in <module>", "shop/orders/models.py:1 in <module>"]
    (cycle,) = [f for f in report["findings"] if f["check"] == "import-cycle"]
    assert circular["linked"] == [cycle["id"]]
    assert failures["shop.broken"]["data"]["linked"] == [_one(report, "syntax-error", "shop/broken.py")]
    assert failures["shop.missing"]["data"]["linked"] == [_one(report, "unresolved-import", "shop/missing.py")]
    assert (failures["shop.geo"]["data"]["distribution"], failures["shop.geo"]["data"]["declared"]) == ("geoip2", True)


def test_metrics_and_gate(tmp_path: Path) -> None:
    _, report = _scan(_copy("imports_broken", tmp_path), *IMPORTS)
    metrics = report["metrics"]
    assert (metrics["modules_importable"], metrics["modules_total"], metrics["modules_importable_percent"]) == (2, 12, 16.67)
    assert metrics["import_failures_by_cause"] == {
        "circular": 1, "missing-dependency": 1, "missing-module": 1, "raised": 1, "syntax": 1, "timeout": 1,
    }
    gate = next(g for g in report["gates"] if g["name"] == "min_importable_percent")
    assert (gate["op"], gate["threshold"], gate["actual"], gate["passed"]) == (">=", 100, 16.67, False)


def test_tests_and_entry_points_are_never_imported_and_no_bytecode_lands_in_the_repo(tmp_path: Path) -> None:
    repo = _copy("imports_broken", tmp_path)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    out = tmp_path / "report.json"
    subprocess.run(
        [sys.executable, "-m", "healthcheck.cli", "scan", str(repo), "--format", "json", "-o", str(out), *IMPORTS],
        env=env, capture_output=True, timeout=120,
    )
    report = json.loads(out.read_text())
    modules = set(_failures(report))
    assert "tests.test_shop" not in modules and "shop.__main__" not in modules
    assert not list(repo.rglob("__pycache__"))
    assert list((default_cache_dir(repo) / "pycache").rglob("*.pyc"))


def test_a_clean_project_imports_entirely(tmp_path: Path) -> None:
    code, report = _scan(_copy("clean", tmp_path), *IMPORTS)
    assert code == 0
    assert report["checks"]["import-failure"]["detail"] == "4 of 4 modules import"
    assert report["metrics"]["modules_importable_percent"] == 100.0
    assert _failures(report) == {}


def test_the_import_check_can_be_turned_off(tmp_path: Path) -> None:
    repo = _copy("imports_broken", tmp_path)
    _, report = _scan(repo, *IMPORTS, "--no-import-check")
    assert report["checks"]["import-failure"]["status"] == "skipped"
    assert "modules_importable" not in report["metrics"]
    text = (repo / "pyproject.toml").read_text().replace("[tool.healthcheck.import-failure]", "[tool.healthcheck]\nimport_check = false\n\n[tool.healthcheck.import-failure]")
    (repo / "pyproject.toml").write_text(text)
    _, report = _scan(repo, *IMPORTS)
    assert report["checks"]["import-failure"] == {
        "status": "skipped", "duration_s": report["checks"]["import-failure"]["duration_s"],
        "detail": "import check turned off (import_check = false)",
    }


def test_the_whole_check_deadline_stops_it_as_an_error(tmp_path: Path) -> None:
    repo = _copy("imports_broken", tmp_path)
    text = (repo / "pyproject.toml").read_text().replace("module_timeout = 2", "module_timeout = 30\ntimeout = 1\nworkers = 1")
    (repo / "pyproject.toml").write_text(text)
    code, report = _scan(repo, *IMPORTS)
    check = report["checks"]["import-failure"]
    assert check["status"] == "error"
    assert "; stopped after 1 s with " in check["detail"] and check["detail"].endswith(" modules not tried")
    gate = next(g for g in report["gates"] if g["name"] == "min_importable_percent")
    assert gate["passed"] is False and code == 1


def test_an_interpreter_that_does_not_exist_stops_the_scan(tmp_path: Path) -> None:
    repo = _copy("clean", tmp_path)
    proc = run_cli("scan", str(repo), *IMPORTS, "--python", str(tmp_path / "no-python"))
    assert (proc.returncode, proc.stderr) == (2, f"healthcheck: error: --python {tmp_path / 'no-python'}: no such file\n")


def test_the_scanned_repositorys_interpreter_is_the_one_that_imports(tmp_path: Path) -> None:
    repo = _copy("clean", tmp_path)
    wrapper = tmp_path / "repo-python"
    marker = tmp_path / "used"
    wrapper.write_text(f"#!/bin/sh\ntouch {marker}\nexec {sys.executable} \"$@\"\n")
    wrapper.chmod(0o755)
    code, report = _scan(repo, *IMPORTS, "--python", str(wrapper))
    assert code == 0 and marker.exists()
    assert report["metrics"]["modules_importable"] == 4


def test_a_relative_interpreter_path_names_a_file_from_where_the_command_runs(tmp_path: Path) -> None:
    # The import workers start in the scanned tree; "env/bin/python" must still be the one beside the caller.
    repo = _copy("clean", tmp_path)
    (tmp_path / "env" / "bin").mkdir(parents=True)
    wrapper, marker = tmp_path / "env" / "bin" / "python", tmp_path / "used"
    wrapper.write_text(f"#!/bin/sh\ntouch {marker}\nexec {sys.executable} \"$@\"\n")
    wrapper.chmod(0o755)
    out = tmp_path / "report.json"
    proc = run_cli("scan", str(repo), *IMPORTS, "--python", "env/bin/python", "--format", "json", "--output",
                   str(out), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert marker.exists() and json.loads(out.read_text())["metrics"]["modules_importable"] == 4
