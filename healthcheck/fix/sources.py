"""What a repair may read of the tree it repairs: file texts, which file is which module, which names are ours.

Planners see the scratch copy through this view only, so a plan never reads the user's tree after planning
began, and every planner classifies imports (standard library, third party, first party) the same way.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from healthcheck.project import Project


@dataclass
class Sources:
    """The files of one tree: ``modules`` maps a module name to its path relative to ``root``."""

    root: Path
    modules: dict[str, str]
    first_party: frozenset[str]
    tests: frozenset[str] = frozenset()
    python: str = sys.executable  # the repository's interpreter: what is installed is asked of it
    _texts: dict[str, str] = field(default_factory=dict)
    _installed: dict[str, bool] = field(default_factory=dict)

    @classmethod
    def of(cls, project: Project, python: str | None = None) -> Sources:
        modules = {f.module: f.rel for f in project.files if f.importable}
        tests = frozenset(f.module for f in project.files if f.is_test)
        return cls(project.root, modules, frozenset(project.top_level_packages), tests, python or sys.executable)

    def installed(self, name: str) -> bool:
        """Whether the repository's interpreter finds a top-level module ``name`` (found, never imported)."""
        if name not in self._installed:
            probe = "import importlib.util, sys; sys.exit(0 if importlib.util.find_spec(sys.argv[1]) else 1)"
            try:
                with tempfile.TemporaryDirectory() as elsewhere:  # not the tree: its own folders would be found
                    done = subprocess.run([self.python, "-c", probe, name], cwd=elsewhere, capture_output=True,
                                          timeout=60)
                self._installed[name] = done.returncode == 0
            except (OSError, subprocess.TimeoutExpired):
                self._installed[name] = False
        return self._installed[name]

    def read(self, rel: str) -> str:
        if rel not in self._texts:
            self._texts[rel] = (self.root / rel).read_text(encoding="utf-8")
        return self._texts[rel]

    def section(self, module: str, level: int = 0) -> int:
        """isort's section of an import: 0 future, 1 standard library, 2 third party, 3 first party, 4 local."""
        if level:
            return 4
        top = module.split(".")[0]
        if top == "__future__":
            return 0
        if top in sys.stdlib_module_names:
            return 1
        return 3 if top in self.first_party or module in self.modules else 2

    @cached_property
    def definitions(self) -> dict[str, tuple[str, ...]]:
        """Each name bound at the top level of a non-test module (def, class, assignment) -> those modules."""
        found: dict[str, set[str]] = {}
        for module, rel in self.modules.items():
            if module in self.tests:
                continue
            try:
                tree = ast.parse(self.read(rel))
            except (SyntaxError, ValueError, OSError, UnicodeDecodeError):
                continue
            for name in _top_level_names(tree):
                found.setdefault(name, set()).add(module)
        return {name: tuple(sorted(mods)) for name, mods in found.items()}


def _top_level_names(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            names.add(node.target.id)
    return names
