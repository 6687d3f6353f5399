"""Causes outside the code (Python 2, platform, configuration, system library) and the distribution to install."""

from __future__ import annotations

from pathlib import Path

from healthcheck.checks.import_failure.causes import ProjectMap, root_failures
from healthcheck.checks.import_failure.diagnosis import Diagnosis, diagnose
from healthcheck.checks.import_failure.dists import declared_dependencies, distribution_for, import_root
from healthcheck.checks.import_runner import Outcome


def test_python_2_modules_and_builtins() -> None:
    assert diagnose({"missing": "urlparse"}) == Diagnosis("python2-only", "urlparse")
    assert diagnose({"missing": "httplib"}) == Diagnosis("python2-only", "httplib")
    assert diagnose({"exception": "NameError", "message": "name 'unicode' is not defined"}) == Diagnosis(
        "python2-only", "unicode"
    )
    assert diagnose({"exception": "NameError", "message": "name 'frobnicate' is not defined"}) is None
    assert diagnose({"missing": "yaml"}) is None


def test_platforms_are_named() -> None:
    assert diagnose({"missing": "winreg"}) == Diagnosis("platform", "Windows")
    assert diagnose({"missing": "AppKit"}) == Diagnosis("platform", "macOS")
    assert diagnose({"missing": "fcntl"}) is None  # present here: a missing fcntl is something else on Unix
    assert diagnose({"exception": "AssertionError", "message": ""}, 'assert sys.platform == "win32"') == Diagnosis(
        "platform", "Windows"
    )
    assert diagnose({"exception": "AttributeError", "message": "module 'ctypes' has no attribute 'windll'"}) == (
        Diagnosis("platform", "Windows")
    )
    assert diagnose({"exception": "ImportError", "message": "Only macOS is supported"}) == Diagnosis("platform", "macOS")
    assert diagnose({"exception": "AssertionError", "message": ""}, "assert total > 0") is None


def test_configuration_and_system_libraries() -> None:
    django = {"exception": "django.core.exceptions.ImproperlyConfigured",
              "message": "Requested setting INSTALLED_APPS, but settings are not configured."}
    assert diagnose(django) == Diagnosis("configuration", "Django")
    flask = {"exception": "RuntimeError", "message": "Working outside of application context."}
    assert diagnose(flask) == Diagnosis("configuration", "Flask")
    gl = {"exception": "ImportError", "message": "libGL.so.1: cannot open shared object file: No such file"}
    assert diagnose(gl) == Diagnosis("system-dependency", "libGL.so.1")
    magic = {"exception": "ImportError", "message": "failed to find libmagic.  Check your installation"}
    assert diagnose(magic) == Diagnosis("system-dependency", "libmagic")
    assert diagnose({"exception": "ValueError", "message": "bad value"}) is None


def _map(root: Path) -> ProjectMap:
    modules = {"app.a": "app/a.py", "app.b": "app/b.py", "app.c": "app/c.py", "app.conf": "app/conf.py"}
    return ProjectMap(
        module_of_path={str(root / rel): m for m, rel in modules.items()},
        rel_of_path={str(root / rel): rel for rel in modules.values()},
        rel_of_module=modules, top_level=frozenset({"app"}),
    )


def test_one_finding_per_cause_outside_the_project(tmp_path: Path) -> None:
    settings = {"exception": "django.core.exceptions.ImproperlyConfigured",
                "message": "Requested setting DEBUG, but settings are not configured.",
                "frames": [[str(tmp_path / "app/conf.py"), 8, "__getattr__"]]}
    outcomes = [
        Outcome("app.a", False, info=dict(settings)), Outcome("app.b", False, info=dict(settings)),
        Outcome("app.c", False, info={"exception": "ModuleNotFoundError", "message": "x", "missing": "yaml.reader"}),
        Outcome("app.conf", True),
    ]
    failures = root_failures(outcomes, _map(tmp_path))
    assert [(f.module, f.cause, f.subject, f.dependents) for f in failures] == [
        ("app.a", "configuration", "Django", ["app.b"]), ("app.c", "missing-dependency", "yaml", []),
    ]


def test_declared_dependencies_are_read_from_every_place(tmp_path: Path) -> None:
    (tmp_path / "setup.py").write_text(
        "from setuptools import setup\nREQS = ['python-dateutil>=2', 'zope.interface']\n"
        "setup(name='x', install_requires=REQS, extras_require={'yaml': ['PyYAML']})\n"
    )
    (tmp_path / "setup.cfg").write_text("[options]\ninstall_requires =\n    requests>=2\n    six\n")
    (tmp_path / "requirements-dev.txt").write_text("# tools\n-r base.txt\npytest==8\n")
    (tmp_path / "pyproject.toml").write_text('[tool.poetry.dependencies]\npython = "^3.9"\nPyJWT = "*"\n')
    assert declared_dependencies(tmp_path) == {
        "python-dateutil", "zope-interface", "pyyaml", "requests", "six", "pytest", "pyjwt",
    }


def test_the_distribution_of_an_import_name() -> None:
    declared = {"python-dateutil", "zope-interface", "pyyaml", "pyjwt", "geoip2"}
    assert import_root("zope.interface.declarations") == "zope.interface"
    assert distribution_for("zope.interface.declarations", declared) == ("zope-interface", True)
    assert distribution_for("zope.component", declared) == ("zope.component", False)
    assert distribution_for("jwt", declared) == ("PyJWT", True)
    assert distribution_for("yaml", declared) == ("PyYAML", True)
    assert distribution_for("dateutil.tz", declared) == ("python-dateutil", True)
    assert distribution_for("geoip2.database", declared) == ("geoip2", True)
    assert distribution_for("nothing_like_it", declared) == ("nothing_like_it", False)
