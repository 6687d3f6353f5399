"""Which step of a triage plan a proven repair closes, and the command that applies it.

A triage step is a root cause with the findings it links to (the crashing cycle, the undefined name). When a
proven repair of the fix plan closes one of them, the step says so, with ``healthcheck fix --only ID
--apply``; when fix tried one of them and none proved out, the step says why; otherwise no repair kind
applies to it and the step says nothing.
"""

from __future__ import annotations

import shlex
from typing import Any, Mapping

from healthcheck.fix.model import FixPlan


def add_repairs(triage: Mapping[str, Any], plan: FixPlan, path: str) -> None:
    """Put ``repair`` into each step of ``triage`` (the plan of :func:`healthcheck.triage.recovery_plan`)."""
    for step in triage.get("steps", []):
        ids = [step.get("root_cause"), *step.get("linked", [])]
        proven = next((p for p in plan.repairs if any(i in p.closes for i in ids)), None)
        refused = next((n for n in plan.refused if n.finding_id in ids), None)
        if proven is not None:
            target = proven.repair.finding_id
            step["repair"] = {"proven": True, "finding": target, "summary": proven.repair.summary,
                              "command": f"healthcheck fix {shlex.quote(path)} --only {target} --apply"}
        elif refused is not None:
            step["repair"] = {"proven": False, "finding": refused.finding_id, "why": refused.why}
