"""Discovery: layouts, namespace packages, test folders, excludes, symlink loops."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from healthcheck.config import Config
from healthcheck.errors import UsageError
from healthcheck.project import discover


def _touch(root: Path, *rels: str) -> None:
    for rel in rels:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x = 1\n")


def test_flat_layout_with_several_packages_and_tests(tmp_path: Path) -> None:
    _touch(tmp_path, "alpha/__init__.py", "alpha/core.py", "beta/__init__.py", "tests/test_alpha.py", "setup.py")
    project = discover(tmp_path, Config())
    modules = {f.module: f.is_test for f in project.files}
    assert modules == {
        "alpha": False, "alpha.core": False, "beta": False, "tests.test_alpha": True, "setup": False,
    }
    assert project.top_level_packages == ("alpha", "beta", "setup")
    assert project.source_roots == (tmp_path.resolve(),)


def test_src_layout_and_namespace_packages(tmp_path: Path) -> None:
    _touch(tmp_path, "src/company/app/__init__.py", "src/company/app/views.py", "tests/unit/test_views.py")
    project = discover(tmp_path, Config())
    modules = sorted(f.module for f in project.files)
    assert modules == ["company.app", "company.app.views", "tests.unit.test_views"]
    assert project.source_roots[0] == (tmp_path / "src").resolve()
    by_module = {f.module: f for f in project.files}
    assert by_module["company.app"].is_package and by_module["company.app"].package == "company.app"
    assert by_module["company.app.views"].package == "company.app"


def test_configured_source_roots_and_excludes(tmp_path: Path) -> None:
    _touch(tmp_path, "lib/pkg/__init__.py", "lib/pkg/gen/huge.py", "lib/pkg/mod.py")
    config = Config(source_roots=("lib",), exclude=("lib/pkg/gen",))
    project = discover(tmp_path, config)
    assert sorted(f.module for f in project.files) == ["pkg", "pkg.mod"]
    with pytest.raises(UsageError, match="source root 'nowhere'"):
        discover(tmp_path, Config(source_roots=("nowhere",)))


def test_virtualenvs_and_caches_are_not_scanned(tmp_path: Path) -> None:
    _touch(tmp_path, "app.py", ".venv/lib/site.py", "node_modules/x.py", "build/lib/app.py", "pkg.egg-info/x.py")
    assert [f.rel for f in discover(tmp_path, Config()).files] == ["app.py"]


def test_symlink_loops_and_broken_links_do_not_trap_the_walk(tmp_path: Path) -> None:
    _touch(tmp_path, "pkg/__init__.py")
    os.symlink(tmp_path / "pkg", tmp_path / "pkg" / "loop")
    os.symlink(tmp_path / "missing.py", tmp_path / "pkg" / "dangling.py")
    project = discover(tmp_path, Config())
    assert [f.rel for f in project.files] == ["pkg/__init__.py"]
    assert project.skipped == (("pkg/dangling.py", "broken symlink"),)


def test_paths_that_are_not_folders_are_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="does not exist"):
        discover(tmp_path / "nope", Config())
    (tmp_path / "f.py").write_text("")
    with pytest.raises(UsageError, match="not a directory"):
        discover(tmp_path / "f.py", Config())


def test_files_under_names_python_cannot_import_are_named_but_not_importable(tmp_path: Path) -> None:
    _touch(tmp_path, "pkg/__init__.py", "pkg/thing.py/inner.py", "typing-examples/baseline.py", "my-script.py")
    project = discover(tmp_path, Config())
    assert sorted((f.rel, f.module, f.importable) for f in project.files) == [
        ("my-script.py", "my_script", False),
        ("pkg/__init__.py", "pkg", True),
        ("pkg/thing.py/inner.py", "pkg.thing_py.inner", False),
        ("typing-examples/baseline.py", "typing_examples.baseline", False),
    ]


def test_modules_without_python_source_are_known_as_compiled(tmp_path: Path) -> None:
    _touch(
        tmp_path, "pkg/__init__.py", "pkg/speedups.pyi", "pkg/_fast.pyx", "pkg/_ext.cpython-311-x86_64-linux-gnu.so",
        "pkg/typed.py", "pkg/typed.pyi", "odd-name/stub.pyi",
    )
    project = discover(tmp_path, Config())
    assert sorted(f.rel for f in project.files) == ["pkg/__init__.py", "pkg/typed.py"]
    assert project.compiled_modules == frozenset({"pkg.speedups", "pkg._fast", "pkg._ext"})
