"""``undefined-name`` and ``unresolved-import``: names and modules that are not there.

Name resolution is pyflakes' job (ruff's, where it is installed), done once per file during the shared parse;
this check judges what it found with what the code itself says (:mod:`healthcheck.checks.names.guards`):

- an unresolved import is an import of a module under one of the project's own top-level packages that no file
  provides (third-party imports are the import check's business: whether a distribution is installed is a fact
  about an environment, not about the code). A module the project makes at run time (assigned into
  ``sys.modules``, a vendored ``six``'s ``moves``, below a package that changes its ``__path__``) is not
  missing; an import inside ``try: ... except ImportError:`` is optional and reported as ``info``;
- a name used only under a Python-version branch or inside ``try: ... except NameError:`` is there on
  purpose: ``info``, never gated; so is any name of a module that binds names at run time (``exec(code)``,
  ``vars().update(...)``, ``globals()[name] = ...``), where no parser can see what is bound;
- vendored trees (``vendor/``, ``_vendor/``, ``vendored/``, ``extern/``, ``third_party/``) are copies of
  other projects: left out unless ``include_vendored = true``, and listed in the report (``names_not_checked``).

Only ``error`` findings count in the gated metrics ``undefined_names`` and ``unresolved_imports``.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, ClassVar, Iterable, Mapping

from healthcheck.check_run import SectionKey
from healthcheck.checks.base import BaseCheck, CheckContext, CheckResult, FindingKind, GateSpec
from healthcheck.checks.names.guards import EXTRACTOR, NameGuards
from healthcheck.config import OptionSpec
from healthcheck.graph.build import Unresolved
from healthcheck.interpreter import installed_version
from healthcheck.model import Finding
from healthcheck.parse import Extractor, FileFacts
from healthcheck.project import vendored_tree

NO_GUARDS = NameGuards()
# Vendored trees left out, each with its file count and why.
NAMES_NOT_CHECKED: SectionKey[list[dict[str, Any]]] = SectionKey("names_not_checked")


def _guards(facts: FileFacts) -> NameGuards:
    found = facts.extra.get(EXTRACTOR.name)
    return found if isinstance(found, NameGuards) else NO_GUARDS


def runtime_makers(facts: Iterable[FileFacts]) -> list[tuple[str, str]]:
    """(module name or prefix ending in ``.``, file) for every module a file makes at run time: a
    ``sys.modules`` assignment, six's moves, the submodules of a package that changes its ``__path__``."""
    makers: list[tuple[str, str]] = []
    for f in facts:
        guards = _guards(f)
        for prefix in guards.runtime_prefixes:
            makers += [(prefix, f.rel)] if prefix.endswith(".") else [(prefix, f.rel), (prefix + ".", f.rel)]
        if guards.extends_path:
            makers.append((f.module + ".", f.rel))
    return makers


def made_at_run_time(module: str, makers: list[tuple[str, str]]) -> str | None:
    """The file that makes ``module`` at run time, or None."""
    for prefix, rel in makers:
        if module == prefix or (prefix.endswith(".") and module.startswith(prefix)):
            return rel
    return None


class NamesCheck(BaseCheck):
    name: ClassVar[str] = "names"
    order: ClassVar[int] = 20
    kinds: ClassVar[tuple[FindingKind, ...]] = (
        FindingKind("undefined-name", "A name is used but never defined or imported.", "what-it-checks", rank=3),
        FindingKind("unresolved-import", "An import of a project module that does not exist.", "what-it-checks", rank=2),
    )
    extractors: ClassVar[tuple[Extractor, ...]] = (EXTRACTOR,)
    gates: ClassVar[tuple[GateSpec, ...]] = (
        GateSpec("max_undefined_names", "undefined_names", "<=", 0, help="names used but never defined"),
        GateSpec(
            "max_unresolved_imports", "unresolved_imports", "<=", 0,
            help="imports of project modules that do not exist",
        ),
    )
    options: ClassVar[Mapping[str, OptionSpec]] = {
        "include_vendored": OptionSpec(bool, False, "check names in vendored trees (vendor/, _vendor/, extern/ ...)"),
    }

    def run(self, ctx: CheckContext) -> CheckResult:
        result = CheckResult()
        include_vendored = bool(ctx.option(self.name, "include_vendored"))
        vendored: Counter[str] = Counter()
        checked: list[FileFacts] = []
        for facts in ctx.parsed():
            tree = None if include_vendored else vendored_tree(facts.rel)
            if tree:
                vendored[tree] += 1
            else:
                checked.append(facts)
        result.findings += self._undefined(checked)
        result.findings += self._unresolved(ctx, {f.rel for f in checked})
        errors = Counter(f.kind for f in result.findings if f.severity == "error")
        result.metrics["unresolved_imports"] = errors["unresolved-import"]
        unknown = [f.rel for f in checked if f.undefined is None]
        if unknown:
            # Names could not be checked in these files: no count, so no gate reads zero.
            result.status = "error"
            reason = ctx.parse_stats.names_error or "the names engine gave no answer"
            result.detail = f"undefined names not checked in {len(unknown)} files: {reason}"
        else:
            result.metrics["undefined_names"] = errors["undefined-name"]
        result.metrics["names_engine"] = ctx.parse_stats.names_engine
        engine = ctx.parse_stats.names_engine
        result.engine = {"name": engine, "version": installed_version(engine),
                         "environment": "healthcheck's own, on the shared parse"}
        if vendored:
            result.sections.put(NAMES_NOT_CHECKED, [
                {"path": tree, "files": n, "reason": "vendored (include_vendored = true checks it)"}
                for tree, n in sorted(vendored.items())
            ])
            if not result.detail:
                result.detail = f"{sum(vendored.values())} files in vendored trees not checked: {', '.join(sorted(vendored))}"
        return result

    def _undefined(self, checked: list[FileFacts]) -> list[Finding]:
        findings: list[Finding] = []
        for facts in checked:
            guards = _guards(facts)
            for problem in facts.undefined or ():
                if problem.export:
                    message = f"'{problem.name}' is listed in __all__ but never defined"
                else:
                    message = f"'{problem.name}' is used but never defined or imported"
                condition = guards.written() if problem.export else guards.condition_at(problem.line, problem.name)
                if condition:
                    message += f" ({condition}: missing on purpose in some environments)"
                findings.append(
                    Finding.create(
                        "undefined-name", message,
                        key=f"{problem.name}:{'export' if problem.export else 'use'}",
                        path=facts.rel, line=problem.line, severity="info" if condition else "error",
                        data={"name": problem.name, "column": problem.column,
                              **({"conditional": condition} if condition else {})},
                    )
                )
        return findings

    def _unresolved(self, ctx: CheckContext, checked: set[str]) -> list[Finding]:
        findings: list[Finding] = []
        by_rel = {f.rel: f for f in ctx.parsed()}
        makers = runtime_makers(ctx.parsed()) if ctx.graph.unresolved else []
        for item in ctx.graph.unresolved:
            if item.path not in checked or (item.module.strip(".") and made_at_run_time(item.module, makers)):
                continue
            findings.append(self._unresolved_finding(item, by_rel.get(item.path)))
        return findings

    @staticmethod
    def _unresolved_finding(item: Unresolved, facts: FileFacts | None) -> Finding:
        shown = item.module if item.module.strip(".") else f"{item.module} (relative import)"
        message = (
            f"imports {shown}, which does not exist in the project"
            if item.module.strip(".")
            else f"relative import '{item.fact.text}' climbs above the top-level package"
        )
        optional = facts is not None and _guards(facts).optional(item.fact.line)
        if optional:
            message += " (optional: the import is guarded by except ImportError)"
        return Finding.create(
            "unresolved-import", message,
            key=f"{item.module}:{','.join(item.fact.names)}",
            path=item.path, line=item.fact.line, severity="info" if optional else "error",
            data={"module": item.module, "text": item.fact.text, "importer": item.importer,
                  **({"optional": True} if optional else {})},
        )

