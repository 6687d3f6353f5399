"""``undefined-name`` and ``unresolved-import``: names and modules that are not there.

Name resolution is pyflakes' job, done once per file during the shared parse on
the tree we already had; this check only reports it. An unresolved import is an
import of a module under one of the project's own top-level packages that no
file provides (third-party imports are the import check's business: whether a
distribution is installed is a fact about an environment, not about the code).
"""

from __future__ import annotations

from typing import ClassVar

from healthcheck.checks.base import BaseCheck, CheckContext, CheckResult, GateSpec
from healthcheck.model import Finding


class NamesCheck(BaseCheck):
    name: ClassVar[str] = "names"
    produces: ClassVar[tuple[str, ...]] = ("undefined-name", "unresolved-import")
    gates: ClassVar[tuple[GateSpec, ...]] = (
        GateSpec("max_undefined_names", "undefined_names", "<=", 0, help="names used but never defined"),
        GateSpec(
            "max_unresolved_imports", "unresolved_imports", "<=", 0,
            help="imports of project modules that do not exist",
        ),
    )

    def run(self, ctx: CheckContext) -> CheckResult:
        result = CheckResult()
        undefined = 0
        unknown = [f.rel for f in ctx.parsed() if f.undefined is None]
        for facts in ctx.parsed():
            for problem in facts.undefined or ():
                undefined += 1
                if problem.export:
                    message = f"'{problem.name}' is listed in __all__ but never defined"
                else:
                    message = f"'{problem.name}' is used but never defined or imported"
                result.findings.append(
                    Finding.create(
                        "undefined-name",
                        message,
                        key=f"{problem.name}:{'export' if problem.export else 'use'}",
                        path=facts.rel,
                        line=problem.line,
                        data={"name": problem.name, "column": problem.column},
                    )
                )
        unresolved = 0
        for item in ctx.graph.unresolved:
            unresolved += 1
            shown = item.module if item.module.strip(".") else f"{item.module} (relative import)"
            message = (
                f"imports {shown}, which does not exist in the project"
                if item.module.strip(".")
                else f"relative import '{item.fact.text}' climbs above the top-level package"
            )
            result.findings.append(
                Finding.create(
                    "unresolved-import",
                    message,
                    key=f"{item.module}:{','.join(item.fact.names)}",
                    path=item.path,
                    line=item.fact.line,
                    data={"module": item.module, "text": item.fact.text, "importer": item.importer},
                )
            )
        result.metrics["unresolved_imports"] = unresolved
        if unknown:
            # Names could not be checked in these files: no count, so no gate reads zero.
            result.status = "error"
            reason = ctx.parse_stats.names_error or "the names engine gave no answer"
            result.detail = f"undefined names not checked in {len(unknown)} files: {reason}"
        else:
            result.metrics["undefined_names"] = undefined
        result.metrics["names_engine"] = ctx.parse_stats.names_engine
        return result
