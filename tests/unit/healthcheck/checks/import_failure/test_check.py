"""The import-failure check run through the engine in this process (the imports themselves in workers)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from healthcheck.checks.base import ScanOptions
from healthcheck.engine import scan
from healthcheck.errors import UsageError
from healthcheck.model import Report

FIXTURES = Path(__file__).resolve().parents[4] / "fixtures"
ONLY = frozenset({"import-failure", "syntax-error", "names", "import-cycle"})


def _scan(root: Path, **options: object) -> Report:
    return scan(root, options=ScanOptions(only=ONLY, **options), cache_dir="none").report  # type: ignore[arg-type]


def _write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def test_the_fixture_s_root_causes_in_process(tmp_path: Path) -> None:
    repo = tmp_path / "imports_broken"
    shutil.copytree(FIXTURES / "imports_broken", repo)
    report = _scan(repo)
    causes = sorted((f.data["module"], f.data["cause"]) for f in report.findings if f.kind == "import-failure")
    assert causes == [
        ("shop.broken", "syntax"), ("shop.geo", "missing-dependency"), ("shop.missing", "missing-module"),
        ("shop.orders.models", "circular"), ("shop.settings", "raised"), ("shop.slow", "timeout"),
    ]
    assert report.checks["import-failure"].detail == "2 of 12 modules import"
    assert [g.passed for g in report.gates if g.name == "min_importable_percent"] == [False]


def test_a_script_importing_its_neighbour_is_named_as_such(tmp_path: Path) -> None:
    _write(tmp_path, {"jobs/run.py": "from helper import x\n", "jobs/helper.py": "x = 1\n", "solo.py": "import nothing_like_it\n"})
    report = _scan(tmp_path)
    found = {f.data["module"]: f for f in report.findings if f.kind == "import-failure"}
    assert found["jobs.run"].message == (
        "jobs.run does not import: it imports helper, which exists only as jobs.helper "
        "(works only when run as a script from its folder) at jobs/run.py:1"
    )
    assert (found["jobs.run"].data["cause"], found["jobs.run"].data["exists_as"]) == ("missing-module", "jobs.helper")
    assert found["solo"].data["cause"] == "missing-dependency"
    assert found["solo"].data["declared"] is False
    assert found["solo"].message == (
        "solo does not import: nothing_like_it is missing (distribution nothing_like_it, not installed and not "
        "declared) at solo.py:1"
    )


def test_a_module_named_like_the_distribution_it_imports_is_missing_that_distribution(tmp_path: Path) -> None:
    # ``import twisted`` in ``platform/twisted.py``: the file is not a neighbour it meant to import.
    _write(tmp_path, {"web/__init__.py": "", "web/platform/__init__.py": "", "web/platform/nothing_like_it.py": (
        "from nothing_like_it.internet import defer\n"
    )})
    report = _scan(tmp_path)
    [found] = [f for f in report.findings if f.kind == "import-failure"]
    assert (found.data["cause"], found.data.get("exists_as")) == ("missing-dependency", None)
    assert found.message == (
        "web.platform.nothing_like_it does not import: nothing_like_it is missing (distribution nothing_like_it, "
        "not installed and not declared; nothing in the project imports it: a plug-in loaded by name, optional) "
        "at web/platform/nothing_like_it.py:1"
    )


def test_a_project_folder_shadowed_by_an_installed_package_is_named_as_such(tmp_path: Path) -> None:
    # A folder without __init__.py is a namespace package: a regular package of its name anywhere on sys.path wins.
    _write(tmp_path, {"email/extra_tool.py": "x = 1\n"})
    report = _scan(tmp_path)
    [found] = [f for f in report.findings if f.kind == "import-failure"]
    assert found.data["cause"] == "missing-module"
    assert found.message == (
        "email.extra_tool does not import: it imports email.extra_tool, which is email/extra_tool.py in the project, "
        "but another package email (installed, or in the standard library) shadows the project's folder email"
    )


def test_files_under_names_python_cannot_import_are_not_imported(tmp_path: Path) -> None:
    _write(tmp_path, {
        "app/__init__.py": "", "typing-examples/baseline.py": "import app\n", "app/data.py/inner.py": "import app\n",
    })
    report = _scan(tmp_path)
    assert [f for f in report.findings if f.kind == "import-failure"] == []
    assert report.checks["import-failure"].detail == "1 of 1 modules import"


def test_a_project_of_tests_only_has_nothing_to_import(tmp_path: Path) -> None:
    _write(tmp_path, {"tests/test_a.py": "raise RuntimeError('never imported')\n", "setup.py": "raise SystemExit(1)\n"})
    report = _scan(tmp_path)
    assert report.checks["import-failure"].detail == "no modules to import"
    assert (report.metrics["modules_total"], report.metrics["modules_importable_percent"]) == (0, 100.0)
    assert report.passed


def test_a_missing_interpreter_stops_the_scan_with_one_line(tmp_path: Path) -> None:
    _write(tmp_path, {"a.py": "x = 1\n"})
    with pytest.raises(UsageError) as caught:
        _scan(tmp_path, python=str(tmp_path / "nope"))
    assert str(caught.value) == f"--python {tmp_path / 'nope'}: no such file"


def test_an_interpreter_that_fails_to_start_stops_the_scan(tmp_path: Path) -> None:
    _write(tmp_path, {"a.py": "x = 1\n"})
    fake = tmp_path / "bin" / "python"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\necho 'SyntaxError: invalid syntax' >&2\nexit 1\n")
    fake.chmod(0o755)
    with pytest.raises(UsageError, match="is not a working Python interpreter .exit 1: SyntaxError: invalid syntax"):
        _scan(tmp_path, python=str(fake))


def test_excluded_modules_are_not_imported(tmp_path: Path) -> None:
    _write(tmp_path, {
        "pyproject.toml": '[tool.healthcheck.import-failure]\nexclude = ["app.scripts.*"]\n',
        "app/__init__.py": "", "app/scripts/__init__.py": "", "app/scripts/deploy.py": "raise SystemExit('deploying!')\n",
    })
    report = _scan(tmp_path)
    assert report.checks["import-failure"].detail == "2 of 2 modules import"


def test_turned_off_by_option_or_configuration(tmp_path: Path) -> None:
    _write(tmp_path, {"a.py": "x = 1\n"})
    assert _scan(tmp_path, import_check=False).checks["import-failure"].detail == "import check turned off (--no-import-check)"
    _write(tmp_path, {"pyproject.toml": "[tool.healthcheck]\nimport_check = false\n"})
    assert _scan(tmp_path).checks["import-failure"].status == "skipped"


def test_causes_outside_the_code_are_named_once_each(tmp_path: Path) -> None:
    _write(tmp_path, {
        "setup.py": "from setuptools import setup\nsetup(name='app', install_requires=['nothing-like-it>=1'])\n",
        "app/__init__.py": "",
        "app/legacy.py": "import urlparse\n",
        "app/winonly.py": "import sys\nassert sys.platform == 'win32'\n",
        "app/conf.py": (
            "class ImproperlyConfigured(Exception):\n    pass\n\n"
            "class Settings:\n    def __getattr__(self, name):\n"
            "        raise ImproperlyConfigured(f'Requested setting {name}, but settings are not configured.')\n\n"
            "settings = Settings()\n"
        ),
        "app/models.py": "from app.conf import settings\nDEBUG = settings.DEBUG\n",
        "app/admin.py": "from app.conf import settings\nAPPS = settings.INSTALLED_APPS\n",
        "app/gl.py": "raise ImportError('libGL.so.1: cannot open shared object file: No such file or directory')\n",
        "app/one.py": "import nothing_like_it\n",
        "app/two.py": "from nothing_like_it import thing\n",
    })
    report = _scan(tmp_path)
    found = sorted((f.data["cause"], f.data["module"], f.data["dependents"], f.message)
                   for f in report.findings if f.kind == "import-failure")
    assert found == [
        ("configuration", "app.admin", ["app.models"],
         "app.admin does not import: app needs its settings configured before this module is imported "
         "(app.conf.ImproperlyConfigured: Requested setting INSTALLED_APPS, but settings are not configured.) "
         "at app/conf.py:6; 1 more module fails because of it"),
        ("missing-dependency", "app.one", ["app.two"],
         "app.one does not import: nothing_like_it is missing (distribution nothing-like-it, declared but not "
         "installed) at app/one.py:1; 1 more module fails because of it"),
        ("platform", "app.winonly", [],
         "app.winonly does not import: it runs only on Windows (AssertionError) at app/winonly.py:2"),
        ("python2-only", "app.legacy", [],
         "app.legacy does not import: it is Python 2 code (urlparse does not exist in Python 3; "
         "ModuleNotFoundError: No module named 'urlparse') at app/legacy.py:1"),
        ("system-dependency", "app.gl", [],
         "app.gl does not import: the system library libGL.so.1 is missing (install it with the system's "
         "packages; ImportError: libGL.so.1: cannot open shared object file: No such file or directory) "
         "at app/gl.py:1"),
    ]
    assert [f.severity for f in report.findings if f.data.get("cause") == "platform"] == ["info"]
    assert report.checks["import-failure"].detail == "2 of 8 modules import (1 more run only on another platform)"


def test_an_optional_dependency_the_project_reports_itself_is_a_warning(tmp_path: Path) -> None:
    _write(tmp_path, {"db/__init__.py": "", "db/postgres.py": (
        "class ImproperlyConfigured(Exception):\n    pass\n\n"
        "try:\n    import nothing_like_it\nexcept ImportError as e:\n"
        "    raise ImproperlyConfigured(f'Error loading nothing_like_it module: {e}')\n"
    )})
    [found] = [f for f in _scan(tmp_path).findings if f.kind == "import-failure"]
    assert (found.severity, found.data["cause"], found.data["optional"]) == ("warning", "missing-dependency", True)
    assert found.message == (
        "db.postgres does not import: nothing_like_it is missing (distribution nothing_like_it, not installed and "
        "not declared; the project raises its own db.postgres.ImproperlyConfigured for it: an optional dependency) "
        "at db/postgres.py:7"
    )


def test_an_import_error_the_project_raises_itself_is_optional(tmp_path: Path) -> None:
    # docutils' CommonMark parser: none of the parsers it wraps is installed, and it says so with its own ImportError.
    _write(tmp_path, {"parsers/__init__.py": "", "parsers/commonmark.py": (
        "Parser = None\nif Parser is None:\n    raise ImportError('Parsing CommonMark requires one of the packages')\n"
    ), "parsers/broken.py": "from os import nothing_like_it\n"})
    found = {f.data["module"]: (f.severity, f.message) for f in _scan(tmp_path).findings if f.kind == "import-failure"}
    assert found["parsers.commonmark"] == ("warning", (
        "parsers.commonmark does not import: ImportError: Parsing CommonMark requires one of the packages at "
        "parsers/commonmark.py:3 (raised by the project itself: an optional dependency it names, not installed here)"
    ))
    assert found["parsers.broken"][0] == "error"  # an import statement's ImportError is no choice of the project's


def test_an_undeclared_dependency_of_a_plug_in_is_a_warning_of_a_used_module_an_error(tmp_path: Path) -> None:
    _write(tmp_path, {
        "db/__init__.py": "", "app.py": "from db import pg\n", "db/pg.py": "import nothing_like_it\n",
        "db/mysql.py": "import nothing_like_it_either\n", "db/mysql_ops.py": "from db import mysql\n",
    })
    found = {f.data["module"]: (f.severity, f.data.get("optional", False))
             for f in _scan(tmp_path).findings if f.kind == "import-failure"}
    assert found == {"db.pg": ("error", False), "db.mysql": ("warning", True)}  # app uses pg; mysql is a plug-in


def test_a_feature_loaded_on_demand_is_optional(tmp_path: Path) -> None:
    # pyparsing.diagram needs railroad-diagrams (an extra); pyparsing imports it only where a diagram is drawn.
    _write(tmp_path, {"lib/__init__.py": "from .core import draw\n",
                      "lib/core.py": "def draw():\n    from .diagram import render\n    return render()\n",
                      "lib/diagram.py": "import nothing_like_it\ndef render():\n    return nothing_like_it\n"})
    report = _scan(tmp_path)
    assert [(f.severity, f.message) for f in report.findings if f.kind == "import-failure"] == [(
        "warning", "lib.diagram does not import: nothing_like_it is missing (distribution nothing_like_it, not "
        "installed and not declared; the project imports it only inside functions: a feature loaded on demand, "
        "optional) at lib/diagram.py:1")]
    assert report.checks["import-failure"].detail == (
        "2 of 2 modules import (1 more needs an optional dependency not installed here)")
    assert [g.passed for g in report.gates if g.name == "min_importable_percent"] == [True]
    (tmp_path / "lib/__init__.py").write_text(
        "from .core import draw\ntry:\n    from . import diagram\nexcept ImportError:\n    diagram = None\n")
    [found] = [f for f in _scan(tmp_path).findings if f.kind == "import-failure"]  # guarded: lib does without it
    assert (found.severity, found.message.split("; ")[1]) == (
        "warning", "the modules that import it do without it (they import here): optional) at lib/diagram.py:1")
    (tmp_path / "lib/__init__.py").write_text("from .core import draw\nfrom . import diagram\n")
    report = _scan(tmp_path)  # the package itself needs it now
    assert [(f.severity, f.data["module"]) for f in report.findings if f.kind == "import-failure"] == [
        ("error", "lib.diagram")]


def test_a_module_that_fails_only_after_another_in_the_same_worker_is_imported_alone(tmp_path: Path) -> None:
    # One worker imports both: the first changes a module the second reads (setuptools' commands and _distutils).
    _write(tmp_path, {
        "pyproject.toml": "[tool.healthcheck.import-failure]\nworkers = 1\n",
        "app/__init__.py": "", "app/a_patch.py": "import json\njson.patched_by_app = True\n",
        "app/z_reader.py": "import json\nassert not hasattr(json, 'patched_by_app'), 'json was patched'\n",
        "app/z_broken.py": "raise RuntimeError('broken however imported')\n",
    })
    report = _scan(tmp_path)
    assert [f.data["module"] for f in report.findings if f.kind == "import-failure"] == ["app.z_broken"]
    assert report.checks["import-failure"].detail == (
        "3 of 4 modules import (1 failed only after other modules in the same process and import alone)")
