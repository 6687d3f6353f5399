"""Which test files a repair's proof runs: those that import, directly or not, a module the repair touches.

A repair changes what its files do; a test can see that only through an import chain that ends in one of
them, so the import graph of the scan (written and implied edges, every kind: a deferred import runs when the
test calls the function) reversed from the touched modules gives the tests to run again. A ``conftest.py`` on
such a chain selects every test file in its folder and below, as pytest loads it for each of them.

The graph cannot see every way a test reaches code, and then the selection would silently miss tests. The
whole suite runs instead, and the proof says why, when a test module names a touched module or file in a
string (a path it reads, an ``import_module("pkg.x")``), imports by a computed name, imports a touched module
through a helper module whose importers the graph does not follow (imports between test modules are not
project edges), or when pytest collects doctests from the source modules themselves.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping

from healthcheck.graph.build import ImportGraph
from healthcheck.graph.cycles import reachable, reversed_map
from healthcheck.project import Project

DYNAMIC_IMPORTS = frozenset({"import_module", "__import__", "spec_from_file_location", "run_path", "run_module"})
PYTEST_CONFIGS = ("pytest.ini", "pyproject.toml", "setup.cfg", "tox.ini")


@dataclass(frozen=True)
class Selection:
    """The test files to run (``whole``: the suite, because of ``why``), out of ``total`` test files."""

    files: tuple[str, ...]
    total: int
    whole: bool
    why: str  # whole: why no selection could be made; else: which modules the selected files import

    def describe(self) -> str:
        """One line for the fix output."""
        if self.whole:
            return f"the whole suite ({self.total} test files): {self.why}"
        count = f"{len(self.files)} of {self.total} test file{'s' * (self.total != 1)}"
        return f"{count}, those that import {self.why}" + (": " + ", ".join(self.files) if self.files else "")


def is_test_file(rel: str) -> bool:
    """Whether pytest collects tests from the file under its default ``python_files`` patterns."""
    name = rel.rpartition("/")[2]
    return name.endswith(".py") and (name.startswith("test_") or name.endswith("_test.py"))


def select_tests(touched: Iterable[str], project: Project, graph: ImportGraph, pytest_args: Iterable[str] = ()) \
        -> Selection:
    """The selection for a repair that edits the files ``touched`` (paths relative to the project root)."""
    module_of = {f.rel: f.module for f in project.files}
    tests = {f.rel: f.module for f in project.files if f.is_test}
    files = sorted(rel for rel in tests if is_test_file(rel))
    touched_rels = sorted(set(touched))
    targets = {module_of[rel] for rel in touched_rels if rel in module_of}

    def whole(why: str) -> Selection:
        return Selection(tuple(files), len(files), True, why)

    if len(targets) != len(touched_rels):
        return whole("a touched file is no module of the scan")
    doctests = _doctest_modules(project.root, pytest_args)
    if doctests:
        return whole(f"{doctests} collects doctests from the source modules")
    for rel in sorted(tests):
        why = _string_reference(project.root / rel, touched_rels, targets)
        if why:
            return whole(f"{rel} {why}, which the import graph cannot follow")
    reached = importers(graph, targets)
    chosen: set[str] = set()
    for module_rel, module in sorted(tests.items()):
        if module not in reached:
            continue
        if is_test_file(module_rel):
            chosen.add(module_rel)
        elif module_rel.rpartition("/")[2] == "conftest.py":
            folder = module_rel.rpartition("/")[0]
            chosen.update(f for f in files if not folder or f.startswith(folder + "/"))
        else:
            return whole(f"{module_rel} imports a touched module, and which tests import {module_rel} the "
                         "import graph does not say")
    return Selection(tuple(sorted(chosen)), len(files), False, ", ".join(sorted(targets)))


def importers(graph: ImportGraph, targets: set[str]) -> set[str]:
    """``targets`` and every module that imports one of them, directly or through others."""
    return reachable(targets, reversed_map(graph.successor_map(implied=True)))


def _doctest_modules(root: Path, pytest_args: Iterable[str]) -> str:
    if any(str(a).startswith("--doctest-modules") for a in pytest_args):
        return "the test-suite check's pytest args"
    for name in PYTEST_CONFIGS:
        path = root / name
        try:
            if path.is_file() and "--doctest-modules" in path.read_text(encoding="utf-8", errors="replace"):
                return name
        except OSError:
            continue
    return ""


def _string_reference(path: Path, touched: list[str], targets: set[str]) -> str:
    """How the test module at ``path`` reaches a touched module other than by an import statement, or ""."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return "does not parse"
    names = _names(touched, targets)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            hit = next((n for n in names if n in node.value), None)
            if hit is not None:
                return f"names {names[hit]} in a string"
        elif isinstance(node, ast.Call):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if called in DYNAMIC_IMPORTS and node.args and not isinstance(node.args[0], ast.Constant):
                return f"calls {called} with a computed name (line {node.lineno})"
    return ""


def _names(touched: list[str], targets: set[str]) -> Mapping[str, str]:
    """The strings that name a touched file or module: its dotted name, its path and its file name."""
    out: dict[str, str] = {module: module for module in targets if "." in module}
    for rel in touched:
        out[rel] = rel
        name = rel.rpartition("/")[2]
        if name != "__init__.py":
            out[name] = rel
    return out
