"""A check from another distribution, found through the entry-point group ``healthcheck.checks``.

The example check (tests/plugins/healthcheck_todo.py) is put beside a ``.dist-info`` with its entry point in a
folder on the scan's ``PYTHONPATH``: importlib.metadata reads it as an installed distribution, as it would
any wheel pip installed. Its findings must reach the JSON report (validated against the schema, as every
report in the suite is), SARIF and the gates, with no line of healthcheck naming it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema

REPO = Path(__file__).resolve().parents[3]
EXAMPLE = REPO / "tests" / "plugins" / "healthcheck_todo.py"
SARIF_SCHEMA = json.loads((REPO / "tests" / "data" / "sarif-2.1.0.schema.json").read_text())


def install(site: Path, dist: str, entry_points: str, modules: dict[str, str]) -> None:
    """A distribution in ``site`` the way pip leaves one: its modules and a dist-info with its entry points."""
    info = site / f"{dist}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[healthcheck.checks]\n{entry_points}\n")
    for name, text in modules.items():
        (site / name).write_text(text)


def run(site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-m", "healthcheck.cli", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)


def project(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "work.py").write_text("def work() -> int:\n    # TODO: handle zero\n    return 1\n")
    return root


def test_a_check_from_an_entry_point_reports_gates_and_validates(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    install(site, "healthcheck_todo", "todo-comment = healthcheck_todo:TodoCheck",
            {"healthcheck_todo.py": EXAMPLE.read_text()})
    root = project(tmp_path)
    out = tmp_path / "out"
    proc = run(site, "scan", str(root), "--only", "todo-comment", "--only", "syntax-error", "--cache-dir", "none",
               "--format", "json", "--format", "sarif", "--out-dir", str(out))
    assert proc.returncode == 1, proc.stderr  # the plug-in's own gate fails; 3 would be a report off its schema
    report = json.loads((out / "healthcheck.json").read_text())
    assert [(f["check"], f["path"], f["line"], f["severity"], f["message"]) for f in report["findings"]] == [
        ("todo-comment", "pkg/work.py", 2, "warning", "to-do left in the code: handle zero")]
    assert report["checks"]["todo-comment"]["status"] == "ok"
    assert [(g["name"], g["actual"], g["passed"]) for g in report["gates"] if g["name"] == "max_todo_comments"] == [
        ("max_todo_comments", 1, False)]
    sarif = json.loads((out / "healthcheck.sarif").read_text())
    assert list(jsonschema.Draft4Validator(SARIF_SCHEMA).iter_errors(sarif)) == []
    rule = sarif["runs"][0]["tool"]["driver"]["rules"][0]
    assert rule["id"] == "todo-comment" and rule["helpUri"] == "https://example.org/healthcheck-todo#todo-comment"
    assert rule["defaultConfiguration"] == {"level": "warning"}
    assert [(r["ruleId"], r["level"]) for r in sarif["runs"][0]["results"]] == [("todo-comment", "warning")]

    (root / "pyproject.toml").write_text(
        '[tool.healthcheck]\nmax_todo_comments = 1\n\n[tool.healthcheck.todo-comment]\nwords = ["FIXME"]\n')
    proc = run(site, "scan", str(root), "--only", "todo-comment", "--cache-dir", "none", "--format", "json",
               "--output", str(tmp_path / "again.json"))
    assert proc.returncode == 0, proc.stderr  # its option and its gate are configured like a built-in's
    again = json.loads((tmp_path / "again.json").read_text())
    assert again["findings"] == []
    assert [(g["name"], g["threshold"], g["actual"]) for g in again["gates"]] == [("max_todo_comments", 1, 0)]


def test_a_plugin_that_cannot_load_is_an_error_that_fails_no_one_else(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    install(site, "broken_check", "broken-check = broken_check:Nothing",
            {"broken_check.py": "raise ImportError('needs libfoo')\n"})
    root = project(tmp_path)
    out = tmp_path / "report.json"
    proc = run(site, "scan", str(root), "--only", "broken-check", "--only", "syntax-error", "--cache-dir", "none",
               "--format", "json", "--output", str(out))
    report = json.loads(out.read_text())
    assert proc.returncode == 0, proc.stderr  # it declares no gate; the syntax gate passes
    assert report["checks"]["broken-check"]["status"] == "error"
    assert report["checks"]["broken-check"]["detail"] == (
        "cannot load entry point broken-check = broken_check:Nothing of broken_check 1.0: ImportError: needs libfoo")
    assert report["checks"]["syntax-error"]["status"] == "ok"


def test_a_plugin_claiming_a_built_in_kind_is_refused(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    install(site, "clash", "my-types = clash:MyTypes", {"clash.py": (
        "from healthcheck.checks.base import BaseCheck, CheckResult, FindingKind\n"
        "class MyTypes(BaseCheck):\n"
        "    name = 'my-types'\n"
        "    kinds = (FindingKind('type-error', 'mine', 'https://example.org'),)\n"
        "    def run(self, ctx):\n"
        "        return CheckResult()\n")})
    proc = run(site, "scan", str(project(tmp_path)), "--cache-dir", "none")
    assert proc.returncode == 2
    assert proc.stderr.strip() == ("healthcheck: error: finding kind 'type-error' is declared by both 'type-error' "
                                   "and 'my-types'")


def test_a_check_that_finds_a_kind_it_does_not_declare_is_an_error(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    install(site, "loose", "loose = loose:Loose", {"loose.py": (
        "from healthcheck.checks.base import BaseCheck, CheckResult, FindingKind\n"
        "from healthcheck.model import Finding\n"
        "class Loose(BaseCheck):\n"
        "    name = 'loose'\n"
        "    kinds = (FindingKind('loose-end', 'declared', 'https://example.org'),)\n"
        "    def run(self, ctx):\n"
        "        return CheckResult(findings=[Finding.create('undeclared-thing', 'said', key='k')])\n")})
    out = tmp_path / "report.json"
    proc = run(site, "scan", str(project(tmp_path)), "--only", "loose", "--cache-dir", "none", "--format", "json",
               "--output", str(out))
    report = json.loads(out.read_text())
    assert proc.returncode == 0, proc.stderr
    assert report["findings"] == []
    assert report["checks"]["loose"] == {"status": "error", "duration_s": report["checks"]["loose"]["duration_s"],
                                         "detail": "found undeclared-thing, a kind the check does not declare"}


def test_doctor_says_where_each_loaded_check_came_from(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    install(site, "healthcheck_todo", "todo-comment = healthcheck_todo:TodoCheck\nbroken = healthcheck_nowhere:Check",
            {"healthcheck_todo.py": EXAMPLE.read_text()})
    root = project(tmp_path)
    proc = run(site, "doctor", str(root), "--json")
    assert proc.returncode == 1, proc.stderr  # the plug-in that cannot be loaded would fail the scan
    checks = {c["check"]: (c["status"], c["from"]) for c in json.loads(proc.stdout)["checks"]}
    assert checks["todo-comment"] == ("ok", "entry point todo-comment = healthcheck_todo:TodoCheck of healthcheck_todo 1.0")
    assert checks["broken"] == ("error", "entry point broken = healthcheck_nowhere:Check of healthcheck_todo 1.0")
    assert {origin for name, (_, origin) in checks.items() if name not in ("todo-comment", "broken")} == {"built-in"}
    lines = {line.split()[0]: line.split(None, 2)[1:] for line in run(site, "doctor", str(root)).stdout.splitlines()[2:]}
    assert lines["todo-comment"] == [
        "ok", "a plug-in, entry point todo-comment = healthcheck_todo:TodoCheck of healthcheck_todo 1.0 (its needs are "
        "its own: doctor does not ask)"]
    assert lines["broken"][0] == "error" and "ModuleNotFoundError" in lines["broken"][1]
