"""An example of a check from outside healthcheck: ``todo-comment``, every ``# TODO`` left in the code.

It is the whole of a third-party check: a class like the built-in ones, published by its distribution as an
entry point of the group ``healthcheck.checks``::

    [project.entry-points."healthcheck.checks"]
    todo-comment = "healthcheck_todo:TodoCheck"

Its finding kind, gate and option need no line anywhere in healthcheck: the report schema, SARIF's rules,
the configuration's validation and the gates come from what the class declares. The tests install it into a
scan's environment (tests/e2e/healthcheck/test_third_party_check.py).
"""

from __future__ import annotations

import re
from typing import ClassVar, Mapping

from healthcheck.checks.base import BaseCheck, CheckContext, CheckResult, FindingKind, GateSpec
from healthcheck.config import OptionSpec
from healthcheck.model import Finding


class TodoCheck(BaseCheck):
    name: ClassVar[str] = "todo-comment"
    kinds: ClassVar[tuple[FindingKind, ...]] = (
        FindingKind("todo-comment", "A TODO or FIXME comment is left in the code.",
                    "https://example.org/healthcheck-todo#todo-comment", "warning"),
    )
    gates: ClassVar[tuple[GateSpec, ...]] = (
        GateSpec("max_todo_comments", "todo_comments", "<=", 0, help="TODO and FIXME comments"),
    )
    options: ClassVar[Mapping[str, OptionSpec]] = {
        "words": OptionSpec(list, ["TODO", "FIXME"], "the words that mark a comment as a to-do"),
    }

    def run(self, ctx: CheckContext) -> CheckResult:
        words = "|".join(re.escape(str(w)) for w in ctx.option(self.name, "words"))
        marker = re.compile(rf"#\s*({words})\b:?\s*(?P<text>.*)")
        findings: list[Finding] = []
        for source in ctx.project.files:
            for number, line in enumerate(source.path.read_text(encoding="utf-8").splitlines(), start=1):
                match = marker.search(line)
                if match:
                    findings.append(Finding.create(
                        self.name, f"to-do left in the code: {match['text'].strip() or '(no text)'}",
                        key=match["text"].strip(), path=source.rel, line=number, severity="warning",
                        data={"text": match["text"].strip()},
                    ))
        return CheckResult(findings=findings, metrics={"todo_comments": len(findings)})
