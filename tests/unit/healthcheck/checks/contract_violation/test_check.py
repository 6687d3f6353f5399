"""Contracts are read from wherever import-linter reads them, and a contract that cannot be judged says so."""

from __future__ import annotations

from pathlib import Path

import pytest

from healthcheck.checks.base import ScanOptions
from healthcheck.engine import scan

ONLY = ScanOptions(only=frozenset({"contract-violation"}))


def _repo(tmp_path: Path) -> Path:
    for rel, text in {
        "app/__init__.py": "",
        "app/low.py": "from app import high\n",
        "app/high.py": "from __future__ import annotations\nfrom typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from app import low\n",
        "app/broken.py": "def f(:\n",
    }.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


LAYERS = "layers =\n    app.high\n    app.low\n"


def _violations(root: Path) -> list[tuple[str, str, str | None]]:
    report = scan(root, ONLY, cache_dir="none").report
    assert report.checks["contract-violation"].status == "ok", report.checks["contract-violation"].detail
    return [(f.data["importer"], f.data["imported"], f.path) for f in report.findings]


def test_setup_cfg_contracts_are_judged_despite_a_syntax_error(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    (root / "setup.cfg").write_text(
        "[metadata]\nname = app\n\n[importlinter]\nroot_package = app\n\n"
        "[importlinter:contract:one]\nname = high over low\ntype = layers\n" + LAYERS
    )
    assert _violations(root) == [("app.low", "app.high", "app/low.py")]


def test_pyproject_contracts_and_typing_imports_excluded_on_request(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    (root / "pyproject.toml").write_text(
        '[tool.importlinter]\nroot_package = "app"\nexclude_type_checking_imports = true\n\n'
        '[[tool.importlinter.contracts]]\nname = "low over high"\ntype = "layers"\n'
        'layers = ["app.low", "app.high"]\n'
    )
    # high imports low only under TYPE_CHECKING: excluded, so nothing is broken.
    assert _violations(root) == []
    (root / "pyproject.toml").write_text(
        (root / "pyproject.toml").read_text().replace("exclude_type_checking_imports = true", "")
    )
    assert _violations(root) == [("app.high", "app.low", "app/high.py")]


def test_no_contracts_means_skipped_with_the_reason(tmp_path: Path) -> None:
    report = scan(_repo(tmp_path), ONLY, cache_dir="none").report
    outcome = report.checks["contract-violation"]
    assert outcome.status == "skipped"
    assert "no import-linter contracts" in outcome.detail
    assert [g.name for g in report.gates] == []


def test_an_invalid_contract_is_an_error_that_fails_the_gate(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    (root / ".importlinter").write_text(
        "[importlinter]\nroot_package = app\n\n"
        "[importlinter:contract:bad]\nname = forbids nothing\ntype = forbidden\n"
    )
    report = scan(root, ONLY, cache_dir="none").report
    outcome = report.checks["contract-violation"]
    assert outcome.status == "error"
    assert outcome.detail.startswith("invalid contracts: forbids nothing")
    assert [(g.name, g.passed) for g in report.gates] == [("max_contract_violations", False)]


def test_an_unreadable_configuration_is_reported(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    (root / ".importlinter").write_text("[importlinter\nroot_package = app\n")
    report = scan(root, ONLY, cache_dir="none").report
    outcome = report.checks["contract-violation"]
    assert outcome.status == "error"
    assert "cannot read import-linter configuration" in outcome.detail


CONTRACT = "[importlinter]\nroot_package = app\n\n[importlinter:contract:one]\nname = high over low\ntype = layers\n"


def _gate(report: object) -> object:
    return next(g for g in report.gates if g.name == "max_contract_violations")  # type: ignore[attr-defined]


def test_every_built_in_contract_type_is_found_through_the_public_contract_class() -> None:
    from healthcheck.checks.contract_violation import builtin_contract_types

    found = builtin_contract_types()
    assert {"layers", "forbidden", "independence"} <= set(found)
    assert found["layers"].__name__ == "LayersContract"


def test_import_linter_s_api_drifting_is_an_error_never_a_pass(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A release that removes the documented reader: the check must say so, and its gate must fail.
    import importlinter.api

    root = _repo(tmp_path)
    (root / ".importlinter").write_text(CONTRACT + LAYERS)
    monkeypatch.delattr(importlinter.api, "read_configuration")
    report = scan(root, ONLY, cache_dir="none").report
    outcome = report.checks["contract-violation"]
    assert (outcome.status, outcome.detail) == ("error", ".importlinter: cannot read import-linter configuration: "
                                                "module 'importlinter.api' has no attribute 'read_configuration'")
    gate = _gate(report)
    assert gate.passed is False  # type: ignore[attr-defined]
    assert gate.detail.startswith("contract-violation could not run fully: .importlinter: cannot read")  # type: ignore[attr-defined]


def test_contract_classes_losing_their_type_name_is_an_error_naming_the_type(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from healthcheck.checks import contract_violation as contracts

    root = _repo(tmp_path)
    (root / ".importlinter").write_text(CONTRACT + LAYERS)
    monkeypatch.setattr(contracts, "builtin_contract_types", lambda: {})
    report = scan(root, ONLY, cache_dir="none").report
    outcome = report.checks["contract-violation"]
    assert (outcome.status, outcome.detail) == (
        "error", "invalid contracts: high over low: unknown contract type 'layers' (known: )")
    assert _gate(report).passed is False  # type: ignore[attr-defined]


def test_a_contract_type_of_the_repository_s_own_code_is_never_imported(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    (root / "app" / "mycontract.py").write_text("raise SystemExit('the repository ran inside healthcheck')\n")
    (root / ".importlinter").write_text(
        "[importlinter]\nroot_package = app\ncontract_types =\n    mine: app.mycontract.Mine\n\n"
        "[importlinter:contract:one]\nname = high over low\ntype = layers\n" + LAYERS)
    import sys

    sys.path.insert(0, str(root))
    try:
        report = scan(root, ONLY, cache_dir="none").report
    finally:
        sys.path.remove(str(root))
    outcome = report.checks["contract-violation"]
    assert outcome.status == "error"
    assert "contract type 'mine': app.mycontract.Mine is the repository's own code" in outcome.detail


def test_the_broken_chains_are_the_ones_lint_imports_reports(tmp_path: Path) -> None:
    # On a tree lint-imports can read (no syntax error), its own verdict in the same test is the reference.
    import subprocess
    import sys

    root = _repo(tmp_path)
    (root / "app" / "broken.py").write_text("x = 1\n")
    (root / ".importlinter").write_text(CONTRACT + LAYERS)
    plain = subprocess.run([sys.executable, "-c", "from importlinter.cli import lint_imports_command; "
                            "lint_imports_command()", "--no-cache"], cwd=root, capture_output=True, text=True,
                           env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"})
    assert plain.returncode == 1, plain.stdout + plain.stderr
    assert "app.low -> app.high (l.1)" in plain.stdout and "1 broken" in plain.stdout
    assert _violations(root) == [("app.low", "app.high", "app/low.py")]
