"""Discover a repository: its source roots, packages, modules, test files.

No configuration is needed. A source root is the repository root itself (flat
layout) or ``src/`` when it holds Python (src layout); ``source_roots`` in the
configuration adds or replaces them. Below a source root every directory holding
Python is a package, with or without ``__init__.py`` (namespace packages count),
so a module's dotted name is its path relative to its source root.

The walk never enters directory symlinks (a symlink loop cannot trap it), never
reads a ``.py`` that is no regular file (a FIFO would block the read, a link to
``/dev/zero`` never end it), skips what no one wants scanned (virtual environments, caches, build output, VCS
folders) and what ``exclude`` names, and records files it cannot read rather than
failing on them.
"""

from __future__ import annotations

import fnmatch
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from healthcheck.config import Config
from healthcheck.errors import UsageError

SKIP_DIRS = frozenset(
    {
        ".git", ".hg", ".svn", ".tox", ".nox", ".venv", "venv", "env", ".env", "node_modules",
        "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".healthcheck_cache",
        "build", "dist", "site-packages", ".eggs", "htmlcov",
    }
)
TEST_DIR_NAMES = frozenset({"tests", "test", "testing"})
# Files that run a program when executed or imported: a packaging script, a task runner, a test configuration.
ENTRY_POINT_FILES = frozenset({"setup.py", "manage.py", "noxfile.py", "fabfile.py", "conftest.py", "__main__.py"})
# Folders of documentation and examples: code about the project (a Sphinx conf.py, a tutorial with its own
# setup.py), not code of it.
NON_PROJECT_TREES = frozenset({"docs", "doc", "examples"})
# Copies of other projects kept inside this one: their names are their authors' business.
VENDORED_TREES = frozenset({"vendor", "_vendor", "vendored", "extern", "third_party"})
NOT_NAME = re.compile(r"\W")
# Modules without Python source: a stub, Cython source or a compiled extension
# (``speedups.cpython-311-x86_64-linux-gnu.so``).
COMPILED_SUFFIXES = (".pyi", ".pyx", ".so", ".pyd")


@dataclass(frozen=True)
class SourceFile:
    """One Python file of the repository."""

    path: Path
    rel: str
    module: str
    is_test: bool
    is_package: bool
    importable: bool = True  # False when a folder or file name is no Python identifier (``my-scripts/x.py``)

    @property
    def package(self) -> str:
        """The package this module belongs to (itself for an ``__init__``)."""
        if self.is_package:
            return self.module
        return self.module.rpartition(".")[0]


@dataclass
class Project:
    """What :func:`discover` found."""

    root: Path
    source_roots: tuple[Path, ...]
    files: tuple[SourceFile, ...]
    skipped: tuple[tuple[str, str], ...] = ()
    modules: dict[str, SourceFile] = field(default_factory=dict)
    compiled_modules: frozenset[str] = frozenset()  # modules with a stub or extension but no ``.py``

    def __post_init__(self) -> None:
        if not self.modules:
            for f in self.files:
                self.modules.setdefault(f.module, f)

    @property
    def top_level_packages(self) -> tuple[str, ...]:
        return tuple(sorted({f.module.split(".")[0] for f in self.files if not f.is_test}))

    def by_rel(self) -> dict[str, SourceFile]:
        return {f.rel: f for f in self.files}


def _matches(rel: str, patterns: tuple[str, ...]) -> bool:
    for pattern in patterns:
        pat = pattern.strip("/")
        if fnmatch.fnmatch(rel, pat) or rel == pat or rel.startswith(pat + "/"):
            return True
    return False


def entry_point_or_tree(rel: str) -> str | None:
    """Why the file at ``rel`` is never imported by healthcheck, at any depth: the entry point it is
    (``setup.py`` of a tutorial below ``examples/`` runs ``setup()`` when imported) or the documentation or
    example tree it sits in; None for project code."""
    parts = rel.split("/")
    if parts[-1] in ENTRY_POINT_FILES:
        return f"entry point ({parts[-1]})"
    tree = next((part for part in parts[:-1] if part in NON_PROJECT_TREES), None)
    return f"in the {tree}/ tree" if tree else None


def requirement_files(root: Path) -> list[Path]:
    """The requirements files at the root (``requirements*.txt``, ``requirements/*.txt``), sorted: where a
    project lists what it installs, read by the import check (declared dependencies) and the type check (a
    pinned mypy)."""
    return sorted([*root.glob("requirements*.txt"), *root.glob("requirements/*.txt")])


def vendored_tree(rel: str) -> str | None:
    """The vendored folder (``pkg/_vendor/``) the file at ``rel`` lies in, or None."""
    parts = rel.split("/")[:-1]
    for index, part in enumerate(parts):
        if part in VENDORED_TREES:
            return "/".join(parts[: index + 1]) + "/"
    return None


def _is_test_path(rel: str, test_dirs: tuple[str, ...]) -> bool:
    parts = rel.split("/")
    name = parts[-1]
    if name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py":
        return True
    if any(p in TEST_DIR_NAMES for p in parts[:-1]):
        return True
    return _matches(rel, test_dirs)


def _source_roots(root: Path, config: Config) -> tuple[Path, ...]:
    if config.source_roots:
        roots = []
        for entry in config.source_roots:
            candidate = (root / entry).resolve()
            if not candidate.is_dir():
                raise UsageError(f"source root {entry!r} in [tool.healthcheck] is not a directory")
            roots.append(candidate)
        return tuple(roots)
    src = root / "src"
    if src.is_dir() and not (src / "__init__.py").exists():
        return (src.resolve(), root)
    return (root,)


def _module_name(rel_to_source_root: str) -> tuple[str, bool]:
    """The dotted name of a file, and whether Python can import it under that name.

    A folder or file whose name is no identifier (a dash, a dot in a folder name)
    makes the file unimportable; its name is then spelt with ``_`` for those
    characters, so that it is still a module to parse and to name in reports, and
    ``thing.py/inner.py`` never poses as ``thing.py.inner`` below a ``thing`` package.
    """
    parts = rel_to_source_root[:-3].split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    importable = bool(parts) and all(part.isidentifier() for part in parts)
    if not importable:
        parts = [NOT_NAME.sub("_", part) for part in parts]
    return ".".join(parts), importable


def _walk(root: Path, config: Config, skipped: list[tuple[str, str]]) -> Iterator[tuple[str, os.DirEntry[str]]]:
    """Every ``.py`` entry below ``root`` with its ``/``-separated relative path, in sorted order.

    Directory symlinks are never entered, so a symlink loop cannot trap the walk;
    ``os.scandir`` answers "is it a symlink, a directory?" from the directory
    listing itself, without a system call per entry.
    """
    stack: list[tuple[str, str]] = [(str(root), "")]
    while stack:
        directory, rel_dir = stack.pop()
        try:
            with os.scandir(directory) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            skipped.append((rel_dir or ".", exc.strerror or str(exc)))
            continue
        subdirs: list[tuple[str, str]] = []
        for entry in entries:
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                is_dir = False
            if is_dir:
                if entry.name in SKIP_DIRS or entry.name.endswith(".egg-info") or _matches(rel, config.exclude):
                    continue
                subdirs.append((entry.path, rel))
            elif entry.name.endswith((".py", *COMPILED_SUFFIXES)) and not _matches(rel, config.exclude):
                yield rel, entry
        stack.extend(reversed(subdirs))


def _is_regular_file(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_file()
    except OSError:
        return False


def discover(root: Path, config: Config) -> Project:
    """Walk ``root`` and describe every Python file in it."""
    if not root.exists():
        raise UsageError(f"path does not exist: {root}")
    if not root.is_dir():
        raise UsageError(f"not a directory: {root} (scan a repository folder)")
    root = root.resolve()
    source_roots = _source_roots(root, config)
    # Files under a more specific source root belong to it, not to the repository root.
    nested_roots = [r for r in source_roots if r != root]
    files: list[SourceFile] = []
    skipped: list[tuple[str, str]] = []
    owners = [(str(r) + os.sep, r) for r in nested_roots]
    compiled: set[str] = set()
    for rel, entry in _walk(root, config, skipped):
        name = entry.name
        if config.include and not _matches(rel, config.include):
            continue
        owner = next((r for prefix, r in owners if entry.path.startswith(prefix)), root)
        in_root = os.path.relpath(entry.path, owner).replace(os.sep, "/")
        if not name.endswith(".py"):
            # the module a stub or an extension provides: its folder, and its name up to the first dot
            module, importable = _module_name(in_root[: -len(name)] + name.split(".")[0] + ".py")
            if importable:
                compiled.add(module)
            continue
        if entry.is_symlink() and not os.path.exists(entry.path):
            skipped.append((rel, "broken symlink"))
            continue
        if not _is_regular_file(entry):
            # A FIFO would block the reader forever, a device (a link to /dev/zero) never end.
            skipped.append((rel, "not a regular file"))
            continue
        module, importable = _module_name(in_root)
        if not module:
            module = name[:-3]
        files.append(
            SourceFile(
                path=Path(entry.path),
                rel=rel,
                module=module,
                is_test=_is_test_path(rel, config.test_dirs),
                is_package=name == "__init__.py",
                importable=importable,
            )
        )
    python = {f.module for f in files}
    return Project(
        root=root, source_roots=source_roots, files=tuple(files), skipped=tuple(skipped),
        compiled_modules=frozenset(compiled - python),
    )
