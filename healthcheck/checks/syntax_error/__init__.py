"""``syntax-error``: every file that Python cannot parse, and why.

The parse layer already tried; this check only turns its verdicts into
findings. A file that fails here drops out of every other static check, which
is exactly why each one must be reported: it is a hole in everything else.
"""

from __future__ import annotations

from typing import ClassVar

from healthcheck.checks.base import BaseCheck, CheckContext, CheckResult, FindingKind, GateSpec
from healthcheck.model import Finding

LABELS = {
    "syntax": "syntax error",
    "encoding": "cannot decode",
    "nul": "NUL byte in source",
    "recursion": "too deeply nested",
    "unreadable": "unreadable file",
}


class SyntaxErrorCheck(BaseCheck):
    name: ClassVar[str] = "syntax-error"
    order: ClassVar[int] = 10
    kinds: ClassVar[tuple[FindingKind, ...]] = (
        FindingKind("syntax-error", "A file does not parse.", "what-it-checks", rank=0),
    )
    gates: ClassVar[tuple[GateSpec, ...]] = (
        GateSpec("max_syntax_errors", "unparseable_files", "<=", 0, help="files that do not parse"),
    )

    def run(self, ctx: CheckContext) -> CheckResult:
        result = CheckResult()
        for facts in ctx.facts:
            problem = facts.syntax
            if problem is None:
                continue
            where = f" (line {problem.line})" if problem.line else ""
            result.findings.append(
                Finding.create(
                    "syntax-error",
                    f"{facts.rel} does not parse: {problem.message}{where}",
                    key=f"{problem.kind}:{problem.message}",
                    path=facts.rel,
                    line=problem.line,
                    data={"error": problem.message, "kind": problem.kind, "column": problem.column},
                )
            )
        result.metrics["unparseable_files"] = len(result.findings)
        return result
