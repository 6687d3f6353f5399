"""Which of the project's modules are imported, in which order, and how: shared by the two checks that import them.

The import check (``import-failure``) imports every module in dependency order; the import cycle check's proof
(``import-cycle``) imports the members of each runtime cycle first, within the import check's time limit, on as
many workers, and only when the import check runs. Both choose the same modules and run them the same way, so
that choice, the order and the job live here, below both check packages, which never import each other.
"""

from __future__ import annotations

import fnmatch
import os
import time
from typing import Collection, Iterable, Mapping

from healthcheck.checks.base import CheckContext
from healthcheck.checks.import_runner import ProbeJob
from healthcheck.project import SourceFile, entry_point_or_tree, vendored_tree

IMPORT_CHECK = "import-failure"  # the import check's name: its options are read here, by both checks
TEST_MODULE_NAMES = ("tests.py", "_tests.py")  # Django's app/tests.py, unittest's foo_tests.py
# Top-level folders of scripts: without an __init__.py they are programs that run when imported
# (docutils' tools/rst2html.py publishes a document), not modules of the project.
SCRIPT_FOLDERS = frozenset({"scripts", "tools", "bin", "bench", "benchmarks", "utils", "dev"})


def why_not_imported(source: SourceFile, exclude: Iterable[str], used: Collection[str] = ()) -> str | None:
    """Why the check must not import this module (None: import it).

    Importing runs the module's code, so what is not the project's library code is left out: test modules
    (pytest's business), entry points and documentation or example trees at any depth
    (:func:`~healthcheck.project.entry_point_or_tree`), vendored copies of other projects, scripts in a
    top-level ``scripts/``, ``tools/`` ... folder that is no package, names Python cannot import, and the
    repository's own ``exclude`` patterns. A ``tests.py`` or ``*_tests.py`` that a non-test module of the project imports
    (``used``) is library code with an unlucky name: it runs whenever its importer is imported anyway.
    """
    if source.is_test:
        return "test module"
    reason = entry_point_or_tree(source.rel)
    if reason:
        return reason
    vendored = vendored_tree(source.rel)
    if vendored:
        return f"vendored ({vendored})"
    folder = source.rel.split("/")[0]
    if "/" in source.rel and folder in SCRIPT_FOLDERS and not (source.path.parent / "__init__.py").exists():
        return f"script ({source.rel.rsplit('/', 1)[0]}/ is no package)"
    name = source.rel.rsplit("/", 1)[-1]
    if name.endswith(TEST_MODULE_NAMES) and source.module not in used:
        return f"test module ({name})"
    if not source.importable or not all(p.isidentifier() for p in source.module.split(".")):
        return "not an importable name"
    if any(fnmatch.fnmatchcase(source.module, pattern) for pattern in exclude):
        return "excluded (exclude option)"
    return None


def dependency_order(modules: list[str], succ: Mapping[str, Iterable[str]]) -> list[str]:
    """Modules with what they import first (a depth-first post-order; a cycle is entered once, anywhere)."""
    wanted = set(modules)
    done: set[str] = set()
    order: list[str] = []
    for start in sorted(modules):
        if start in done:
            continue
        done.add(start)
        stack: list[tuple[str, Iterable[str]]] = [(start, iter(sorted(succ.get(start, ()))))]
        while stack:
            node, children = stack[-1]
            child = next(iter(children), None)
            if child is None:
                stack.pop()
                if node in wanted:
                    order.append(node)
            elif child not in done:
                done.add(child)
                stack.append((child, iter(sorted(succ.get(child, ())))))
    return order


def check_time_limit(ctx: CheckContext) -> float:
    """Seconds the import check (and the cycle proof, which imports the same way) may take in all."""
    return float(ctx.option(IMPORT_CHECK, "timeout")) or min(ctx.options.timeout, ctx.config.timeout)


def probe_job(ctx: CheckContext, limit: float) -> ProbeJob:
    """How the repository's code is run: its interpreter, source roots, time limits and environment
    (shared with the cycle proof)."""
    env = dict(os.environ)
    if ctx.cache_dir is not None:
        env["PYTHONPYCACHEPREFIX"] = str(ctx.cache_dir / "pycache")  # keep the repository free of .pyc files
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return ProbeJob(
        python=ctx.python,
        root=ctx.root,
        sys_path=[str(r) for r in ctx.project.source_roots],
        project_files=[str(f.path) for f in ctx.project.files],
        module_timeout=float(ctx.option(IMPORT_CHECK, "module_timeout")),
        deadline=time.monotonic() + limit,
        env=env,
        limits=ctx.config.limits,
    )


def import_check_off(ctx: CheckContext) -> str | None:
    """Why the import check does not run in this scan (None: it runs, and the cycle proof with it)."""
    if not ctx.options.import_check:
        return "import check turned off (--no-import-check)"
    if not ctx.config.import_check:
        return "import check turned off (import_check = false)"
    return None
