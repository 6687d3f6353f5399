"""type-error follows the project's own use of mypy: its configured scope, stubs beside sources, and with no
configuration only its own code, annotation requests and missing imports as info."""

from __future__ import annotations

from pathlib import Path

from healthcheck.checks.base import ScanOptions
from healthcheck.checks.type_error.mypy_config import read_mypy_config
from healthcheck.checks.type_error.mypy_scope import Scope, choose
from healthcheck.config import Config
from healthcheck.engine import scan
from healthcheck.project import discover


def _repo(root: Path, files: dict[str, str]) -> Path:
    (root / ".git").mkdir(parents=True, exist_ok=True)
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def _scope(root: Path) -> tuple[str, tuple[str, ...]]:
    scope = choose(read_mypy_config(root), discover(root, Config()).files, root)
    return scope.mode, scope.files


LAYOUT = {
    "app/__init__.py": "", "app/core.py": "", "app/core.pyi": "", "tool.py": "", "setup.py": "",
    "tests/test_app.py": "", "bench/speed.py": "", "docs/conf.py": "", "examples/demo.py": "",
}


def test_without_configuration_only_the_project_s_own_code(tmp_path: Path) -> None:
    assert _scope(_repo(tmp_path, LAYOUT)) == ("unconfigured", ("app/__init__.py", "app/core.pyi", "tool.py"))


def test_a_configuration_without_targets_checks_the_same(tmp_path: Path) -> None:
    root = _repo(tmp_path, {**LAYOUT, "mypy.ini": "[mypy]\nstrict = True\n"})
    assert _scope(root) == ("packages", ("app/__init__.py", "app/core.pyi", "tool.py"))


def test_configured_packages_modules_and_excludes(tmp_path: Path) -> None:
    root = _repo(tmp_path, {**LAYOUT, "app/gen/x.py": "", "pyproject.toml": (
        '[tool.mypy]\npackages = ["app"]\nmodules = ["bench.speed"]\nexclude = ["app/gen/"]\n')})
    assert _scope(root) == ("configured", ("app/__init__.py", "app/core.pyi", "bench/speed.py"))


def test_an_unconfigured_project_is_gated_only_on_what_mypy_claims_without_inference(tmp_path: Path) -> None:
    # On code never written for mypy its inferred mismatches were 1 true in 81 labelled; undefined names and
    # annotations that are no type, 2 in 3 (bench/labels/type-error.jsonl).
    root = _repo(tmp_path, {
        "app/__init__.py": "",
        "app/fast.py": "def twice(x):\n    return x * 2\n",
        "app/fast.pyi": "def twice(x: int) -> int: ...\n",
        "app/use.py": "import not_installed_anywhere\nfrom app.fast import twice\n\nlabel: str = twice(2)\nitems = []\n",
        "app/retry.py": "def wait() -> None:\n    time.sleep(1)\n\ndef pair() -> '(int, int)':\n    return 1, 2\n",
        "tests/test_use.py": "n: int = 'tests are not checked'\n",
    })
    report = scan(root, options=ScanOptions(only=frozenset({"type-error"})), cache_dir="none").report
    found = sorted((f.severity, f.path, f.line, f.data["code"]) for f in report.findings)
    assert found == [
        ("error", "app/retry.py", 2, "name-defined"),  # `import time` is missing
        ("error", "app/retry.py", 4, "valid-type"),  # a tuple expression is no type
        ("info", "app/use.py", 1, "import-not-found"),
        ("info", "app/use.py", 5, "var-annotated"),
        ("warning", "app/use.py", 4, "assignment"),  # the stub says twice returns int: inferred, not gated
    ]
    assert report.metrics["type_errors"] == 2
    assert report.extra["type_check_scope"]["mode"] == "unconfigured"
    (root / "pyproject.toml").write_text("[tool.mypy]\n")  # configured at all: every mismatch counts
    report = scan(root, options=ScanOptions(only=frozenset({"type-error"})), cache_dir="none").report
    assert ("error", "app/use.py", 4, "assignment") in {(f.severity, f.path, f.line, f.data["code"])
                                                       for f in report.findings}


def test_the_project_s_own_mypy_command_gives_the_scope(tmp_path: Path) -> None:
    root = _repo(tmp_path, {**LAYOUT, "app/api.pyi": "", "tests/typing_example.py": "",
                            "pyproject.toml": "[tool.mypy]\ndisallow_untyped_defs = true\n",
                            "tox.ini": "[testenv:mypy]\ncommands =\n    mypy tests/typing_example.py app/api.pyi\n"})
    assert _scope(root) == ("command", ("app/api.pyi", "tests/typing_example.py"))


def test_an_unused_ignore_is_a_warning_in_every_mode(tmp_path: Path) -> None:
    assert [Scope(mode, "", ()).severity("unused-ignore") for mode in ("configured", "unconfigured")] == [
        "warning", "warning"]
    assert Scope("configured", "", ()).severity("no-untyped-def") == "error"


def test_a_module_the_environment_lacks_is_a_note_in_every_mode() -> None:
    # setuptools' mypy.ini, in a venv without its dependencies: 40 of them, the import check's to report.
    assert [Scope(mode, "", ()).severity("import-not-found") for mode in ("configured", "unconfigured")] == [
        "info", "info"]
    assert Scope("configured", "", ()).severity("import-untyped") == "error"  # installed, without its types
