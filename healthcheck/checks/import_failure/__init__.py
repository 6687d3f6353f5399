"""``import-failure``: which of the project's modules import, tried for real, and why the others do not.

Static checks say an import *should* work; only importing proves it. That means
running the repository's code, so it happens in a few worker processes of the
repository's own interpreter (``--python``), never in healthcheck's process,
with a timeout per module and one for the whole check (see
:mod:`healthcheck.checks.import_runner`). Test modules are left to pytest, and
entry points that would run a program when imported (``__main__``,
``setup.py``, ``manage.py``, ``conftest.py`` ... at any depth) and the
documentation and example trees are never imported; the report lists them
under ``not_imported``.

Modules are imported dependencies first, so the first failure seen is usually
the root one; every failure is then traced to its root cause
(:mod:`healthcheck.checks.import_failure.causes`) and reported once, linked to the
static finding that explains it when there is one (the ``import-cycle`` of a
circular import, the ``syntax-error`` of a broken file, the
``unresolved-import`` of a module that does not exist).
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import Any, ClassVar, Iterable, Mapping

from healthcheck.check_run import SectionKey, Sections
from healthcheck.checks.base import BaseCheck, CheckContext, CheckResult, FindingKind, GateSpec
from healthcheck.checks.import_failure.causes import SHARED_CAUSES, Failure, ProjectMap, root_failures
from healthcheck.checks.import_failure.dists import declared_dependencies, distribution_for
from healthcheck.checks.import_job import (
    IMPORT_CHECK, check_time_limit, dependency_order, import_check_off, probe_job, why_not_imported,
)
from healthcheck.checks.import_runner import SUPERVISOR_KILLED, Outcome, ProbeError, ProbeJob, run_alone, run_probe
from healthcheck.config import OptionSpec
from healthcheck.graph.build import KIND_RANK
from healthcheck.model import Finding, Related, Severity
from healthcheck.project import SourceFile

# Modules not imported (path, module, reason): another interpreter's, a script, a file that does not parse.
NOT_IMPORTED: SectionKey[list[dict[str, str]]] = SectionKey("not_imported")


class ImportFailureCheck(BaseCheck):
    name: ClassVar[str] = IMPORT_CHECK
    order: ClassVar[int] = 70
    kinds: ClassVar[tuple[FindingKind, ...]] = (
        FindingKind("import-failure", "A module fails to import.", "types-and-imports", rank=4),
    )
    executes_code: ClassVar[bool] = True
    gates: ClassVar[tuple[GateSpec, ...]] = (
        GateSpec(
            "min_importable_percent", "modules_importable_percent", ">=", 100, 0, 100,
            help="share of the project's modules that import",
        ),
    )
    options: ClassVar[Mapping[str, OptionSpec]] = {
        "module_timeout": OptionSpec((int, float), 20, "seconds one module may take to import", low=0.001),
        "timeout": OptionSpec((int, float), 0, "seconds for the whole check (0: the scan's timeout)"),
        "workers": OptionSpec(int, 2, "worker processes importing in parallel", low=1, high=64),
        "exclude": OptionSpec(list, [], "module name patterns never to import"),
    }

    def __init__(self) -> None:
        self.imported: set[str] = set()  # modules that imported in this run

    def enabled(self, ctx: CheckContext) -> str | None:
        return import_check_off(ctx)

    def run(self, ctx: CheckContext) -> CheckResult:
        exclude = [str(p) for p in ctx.option(self.name, "exclude")]
        chosen: dict[str, SourceFile] = {}
        left_out: list[dict[str, str]] = []
        used = _imported_by_library(ctx)
        for source in ctx.project.files:
            reason = why_not_imported(source, exclude, used)
            if reason is None:
                chosen.setdefault(source.module, source)
            elif not source.is_test:  # test files are the test folders' and pytest's, listed nowhere
                left_out.append({"path": source.rel, "module": source.module, "reason": reason})
        # A copy: the graph's map is cached and shared with other checks, the parents below are this check's own.
        succ = {importer: set(imported) for importer, imported in ctx.graph.successor_map({"runtime"}).items()}
        for module in chosen:  # importing a.b imports a first
            parent = module.rpartition(".")[0]
            if parent:
                succ.setdefault(module, set()).add(parent)
        modules = dependency_order(list(chosen), succ)
        sections = Sections()
        sections.put(NOT_IMPORTED, left_out)
        if not modules:
            return CheckResult(metrics=_metrics(0, 0, []), detail="no modules to import", sections=sections)

        limit = check_time_limit(ctx)
        job = probe_job(ctx, limit)
        ctx.progress(f"importing {len(modules)} modules")
        try:
            done = run_probe(job, modules, int(ctx.option(self.name, "workers")))
        except ProbeError as exc:
            return CheckResult.error(str(exc))
        outcomes, untried = done.outcomes, done.untried
        project = ProjectMap(
            module_of_path={str(f.path): f.module for f in ctx.project.files},
            rel_of_path={str(f.path): f.rel for f in ctx.project.files},
            rel_of_module={m: s.rel for m, s in ctx.project.modules.items()},
            top_level=frozenset(ctx.project.top_level_packages) | frozenset(ctx.graph.top_level),
            source_line=SourceLines(),
        )
        roots = root_failures(outcomes, project)
        alone = _import_alone(job, roots, int(ctx.option(self.name, "workers")))
        if alone:
            outcomes = [Outcome(o.module, True) if o.module in alone else o for o in outcomes]
            roots = root_failures(outcomes, project)
        for failure in roots:  # messages name files relative to the root, like everything else in the report
            failure.message = failure.message.replace(str(ctx.root) + os.sep, "")
            if failure.cause == "missing-dependency" and _sibling(failure, ctx.project.modules):
                failure.cause = "missing-module"  # a script's import of its neighbour: ours, not a distribution
        declared = declared_dependencies(ctx.root)
        self.imported = {o.module for o in outcomes if o.ok}
        findings = [self._finding(f, ctx, declared) for f in roots]
        ok = sum(1 for o in outcomes if o.ok)
        # Modules of another platform cannot import here and are no defect: they count on neither side; nor do
        # modules that need an optional dependency this environment lacks (the gate is about defects, and the
        # finding, a warning, still says what to install to check them).
        elsewhere = {m for f in roots if f.cause == "platform" for m in (f.module, *f.dependents)}
        optional = {m for f, found in zip(roots, findings) if found.data.get("optional")
                    for m in (f.module, *f.dependents)} - elsewhere
        total = len(modules) - len(elsewhere) - len(optional)
        result = CheckResult(findings=findings, metrics=_metrics(ok, total, roots), sections=sections)
        result.detail = f"{ok} of {total} modules import"
        aside = [f"{len(elsewhere)} more run only on another platform"] if elsewhere else []
        aside += [f"{len(optional)} more need{'s' if len(optional) == 1 else ''} an optional dependency not installed "
                  "here"] if optional else []
        aside += [f"{len(alone)} failed only after other modules in the same process and import alone"] if alone else []
        if aside:
            result.detail += f" ({'; '.join(aside)})"
        if done.problem:
            result.status = "error"
            result.detail += f"; the interpreter could not import anything ({done.problem})"
        elif untried:
            result.status = "error"
            result.detail += f"; stopped after {limit:g} s with {len(untried)} modules not tried"
        return result

    def _finding(self, failure: Failure, ctx: CheckContext, declared: set[str]) -> Finding:
        data: dict[str, Any] = {
            "module": failure.module,
            "exception": failure.exception,
            "cause": failure.cause,
            "detail": failure.message,
            "dependents": failure.dependents,
            "traceback": [f"{path}:{line} in {func}" for path, line, func in failure.frames],
        }
        linked = _linked(failure, ctx.findings)
        if linked:
            data["linked"] = linked
        what = self._what(failure, ctx, data, declared)
        if failure.dependents:
            n = len(failure.dependents)
            what += f"; {n} more module{'s' if n != 1 else ''} fail{'' if n != 1 else 's'} because of it"
        related = [Related(path, line, f"raised through {func}") for path, line, func in failure.frames[:-1]]
        related += [
            Related(ctx.project.modules[d].rel, None, f"{d} does not import because of this")
            for d in failure.dependents[:20] if d in ctx.project.modules
        ]
        key = f"{failure.cause}:{failure.module}:{failure.exception}:{failure.missing or failure.partial or ''}"
        if failure.cause in SHARED_CAUSES and failure.subject:  # one finding for many modules: named by its cause
            key = f"{failure.cause}:{failure.subject}"
        return Finding.create(
            "import-failure", what, key=key, severity=_severity(failure, data),
            path=failure.path, line=failure.line, related=tuple(related), data=data,
        )

    def _what(self, failure: Failure, ctx: CheckContext, data: dict[str, Any], declared: set[str]) -> str:
        head = f"{failure.module} does not import"
        where = f" at {failure.path}:{failure.line}" if failure.path and failure.line else ""
        if failure.subject is not None:
            data["subject"] = failure.subject
        outside = _outside_cause(failure, where)
        if outside:
            return f"{head}: {outside}"
        if failure.cause == "timeout":
            timeout = float(ctx.option(self.name, "module_timeout"))
            return f"{failure.module} did not finish importing within {timeout:g} s (timed out{where}; the scan went on)"
        if failure.cause == "syntax":
            return f"{head}: {failure.path} has a syntax error (line {failure.line})"
        if failure.cause == "circular":
            return f"{head}: circular import, {failure.partial} is only partly initialised{where}"
        sibling = _sibling(failure, ctx.project.modules)
        if failure.cause == "missing-module" and sibling:
            data["exists_as"] = sibling
            return (
                f"{head}: it imports {failure.missing}, which exists only as {sibling} "
                f"(works only when run as a script from its folder){where}"
            )
        shadowed = ctx.project.modules.get(failure.missing or "")
        if failure.cause == "missing-module" and failure.missing and shadowed is not None:
            # A folder without __init__.py loses its name to a regular package of that name anywhere on sys.path.
            top = failure.missing.split(".")[0]
            return (
                f"{head}: it imports {failure.missing}, which is {shadowed.rel} in the project, but another package "
                f"{top} (installed, or in the standard library) shadows the project's folder {top}{where}"
            )
        if failure.cause == "missing-module" and failure.missing:
            return f"{head}: it imports {failure.missing}, which does not exist in the project{where}"
        if failure.cause == "missing-dependency" and failure.missing:
            distribution, is_declared = distribution_for(failure.missing, declared)
            data["distribution"] = distribution
            data["declared"] = is_declared
            status = "declared but not installed" if is_declared else "not installed and not declared"
            if _wrapped(failure):
                data["optional"] = True
                status += f"; the project raises its own {failure.exception} for it: an optional dependency"
            elif not is_declared and (why := _plug_in(failure, ctx, self.imported)):
                data["optional"] = True
                status += f"; {why}"
            return f"{head}: {failure.missing} is missing (distribution {distribution}, {status}){where}"
        if failure.cause == "raised" and _own_import_error(failure):
            data["optional"] = True
            return (f"{head}: {failure.exception}: {failure.message}{where} (raised by the project itself: an "
                    "optional dependency it names, not installed here)")
        return f"{head}: {failure.exception}: {failure.message}{where}"


# Causes an earlier import in the same worker can bring about; the others do not depend on what ran before.
ORDER_CAUSES = frozenset({"raised", "circular", "missing-module"})
CONFIRMED_AT_MOST = 50  # root failures imported again alone; a project with more has other problems first


def _import_alone(job: ProbeJob, roots: list[Failure], workers: int) -> set[str]:
    """The failed modules that import in a fresh interpreter of their own.

    A worker imports its share one module after another, so a module runs after others that are no imports of
    its own: setuptools' commands fail there once ``setuptools._distutils`` was imported under its own name, and
    import alone, as every user imports them. What ``import m`` does is the claim, so each root failure of a
    cause that order can bring about is imported again alone, and, when it imports, the modules that failed
    because of it too."""
    suspects = [f for f in roots if f.cause in ORDER_CAUSES and f.exit_code is None
                and f.exception.rsplit(".", 1)[-1] not in ("BlockedImport", SUPERVISOR_KILLED)][:CONFIRMED_AT_MOST]
    if not suspects:
        return set()
    fine = {o.module for o in run_alone(job, [f.module for f in suspects], workers).outcomes if o.ok}
    dependents = [d for f in suspects if f.module in fine for d in f.dependents][:CONFIRMED_AT_MOST]
    if dependents:
        fine |= {o.module for o in run_alone(job, dependents, workers).outcomes if o.ok}
    return fine


def _own_import_error(failure: Failure) -> bool:
    """Whether the module's own code raised ImportError on purpose (``raise ImportError('Parsing "CommonMark"
    requires one of the packages ...')``, docutils): the project tells its users what to install, as a project
    that raises its own error type for a missing module does."""
    exception = failure.exception.rsplit(".", 1)[-1]
    return exception in ("ImportError", "ModuleNotFoundError") and failure.raising_line.startswith("raise ")


def _wrapped(failure: Failure) -> bool:
    """Whether the project caught the missing module and raised its own error ("Error loading psycopg2
    module"): the dependency is optional by design, and the project already tells its users what to install."""
    return failure.exception.rsplit(".", 1)[-1] not in ("ModuleNotFoundError", "ImportError", "BlockedImport")


def _plug_in(failure: Failure, ctx: CheckContext, imported: set[str]) -> str | None:
    """Why the failing modules are optional by design, or None: a plug-in the project loads by name (a database
    backend, a parser) or a feature it loads on demand (``pyparsing.diagram``, imported inside the function that
    draws a diagram). They sit below a package that imports, and no module of the project outside them needs
    them while it is itself being imported: none imports them then, or the ones that do import here all the same
    (docutils' ODT writer guards its import of its Pygments formatter with ``except ImportError``). The
    plug-in's own modules importing each other do not count, nor do tests. An undeclared dependency of such a
    module is one the project chose not to require."""
    parent = failure.module.rpartition(".")[0]
    if not parent or parent not in imported:
        return None
    failing = {failure.module, *(d for d in failure.dependents if d.startswith(parent + "."))}
    modules = ctx.project.modules
    importers = {
        importer: ctx.graph.edge_kind(importer, imported_) for importer, imported_ in ctx.graph.edges
        if imported_ in failing and importer not in failing and importer in modules and not modules[importer].is_test
    }
    if not importers:
        return "nothing in the project imports it: a plug-in loaded by name, optional"
    needed = [importer for importer, kind in importers.items() if kind == "runtime" and importer not in imported]
    if needed:
        return None
    if "runtime" not in importers.values():
        return "the project imports it only inside functions: a feature loaded on demand, optional"
    # A module that imports it while being imported, and imported here all the same, guards that import.
    return "the modules that import it do without it (they import here): optional"


def _severity(failure: Failure, data: Mapping[str, Any]) -> Severity:
    """``info`` for a module of another platform, ``warning`` for an optional dependency (one the project
    reports itself, or an undeclared one of a plug-in), ``error`` for the rest."""
    if failure.cause == "platform":
        return "info"
    return "warning" if data.get("optional") else "error"


class SourceLines:
    """The text of a line of a project file, read once per file (platform tests are recognised by it)."""

    def __init__(self) -> None:
        self.files: dict[str, list[str]] = {}

    def __call__(self, path: str, line: int) -> str:
        if path not in self.files:
            try:
                self.files[path] = Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError:
                self.files[path] = []
        lines = self.files[path]
        return lines[line - 1].strip() if 0 < line <= len(lines) else ""


def _outside_cause(failure: Failure, where: str) -> str | None:
    """What a cause outside the code means for the reader, or None for the other causes."""
    subject, said = failure.subject, f"{failure.exception}: {failure.message}".rstrip(": ")
    if failure.cause == "python2-only":
        return f"it is Python 2 code ({subject} does not exist in Python 3; {said}){where}"
    if failure.cause == "platform":
        return f"it runs only on {subject} ({said}){where}"
    if failure.cause == "configuration":
        return f"{subject} needs its settings configured before this module is imported ({said}){where}"
    if failure.cause == "system-dependency":
        return f"the system library {subject} is missing (install it with the system's packages; {said}){where}"
    return None


def _imported_by_library(ctx: CheckContext) -> set[str]:
    """Modules some non-test module of the project imports."""
    modules = ctx.project.modules
    return {
        imported for importer, imported in ctx.graph.edges
        if importer in modules and not modules[importer].is_test
    }


def _sibling(failure: Failure, modules: Mapping[str, SourceFile]) -> str | None:
    """The project module a bare ``import name`` meant, when it sits next to the importer."""
    if not failure.missing or not failure.path:
        return None
    raiser = next((m for m, s in modules.items() if s.rel == failure.path), failure.module)
    package = raiser.rpartition(".")[0]
    candidate = f"{package}.{failure.missing}" if package else ""
    if candidate not in modules or (candidate == raiser and not modules[raiser].is_package):
        return None  # ``import twisted`` in ``platform/twisted.py`` means the distribution, not the file itself
    return candidate


def _linked(failure: Failure, findings: Iterable[Finding]) -> list[str]:
    """Ids of the static findings that explain this failure."""
    if failure.cause == "circular" and failure.partial:
        pair = {failure.partial, failure.module}
        cycles = [f for f in findings if f.kind == "import-cycle" and failure.partial in f.data.get("modules", ())]
        both = [f for f in cycles if pair <= set(f.data.get("modules", ()))]
        best = sorted(  # the cycles proven to crash first: they are this failure, seen from each entry
            both or cycles,
            key=lambda f: (f.data.get("verdict") != "crashes", KIND_RANK.get(str(f.data.get("kind")), 3),
                           len(f.data["modules"])),
        )
        return [f.id for f in best[:3]]
    if failure.cause == "syntax":
        return [f.id for f in findings if f.kind == "syntax-error" and f.path == failure.path]
    if failure.cause == "missing-module" and failure.missing:
        return [f.id for f in findings if f.kind == "unresolved-import" and f.data.get("module") == failure.missing]
    return []


def _metrics(ok: int, total: int, roots: list[Failure]) -> dict[str, Any]:
    return {
        "modules_importable": ok,
        "modules_total": total,
        "modules_importable_percent": round(100.0 * ok / total, 2) if total else 100.0,
        "import_failures": len(roots),
        "import_failures_by_cause": dict(sorted(Counter(f.cause for f in roots).items())),
    }
