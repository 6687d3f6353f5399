"""What a report says of each root cause's repair: whether a proven one exists, and the command that applies it.

Two places ask. A triage step is a root cause of failing tests with the findings it links to (the crashing
cycle, the undefined name): when a proven repair of the fix plan closes one of them, the step says so, with
``healthcheck fix PATH --only ID --apply``; when fix tried one of them and none proved out, the step says why;
otherwise no repair kind applies to it and the step says nothing. The scan report's ``repairs`` section
(``scan --repairs``) says the same of every finding the plan repaired, closed along the way or refused.
"""

from __future__ import annotations

import shlex
from typing import Any, Mapping

from healthcheck.fix.model import FixPlan, ProvenRepair


def apply_command(path: str, finding_id: str) -> str:
    """The command line that writes the proven repair of ``finding_id`` into the tree at ``path``."""
    return f"healthcheck fix {shlex.quote(path)} --only {finding_id} --apply"


def add_repairs(triage: Mapping[str, Any], plan: FixPlan, path: str) -> None:
    """Put ``repair`` into each step of ``triage`` (the plan of :func:`healthcheck.triage.recovery_plan`)."""
    for step in triage.get("steps", []):
        ids = [step.get("root_cause"), *step.get("linked", [])]
        proven = next((p for p in plan.repairs if any(i in p.closes for i in ids)), None)
        refused = next((n for n in plan.refused if n.finding_id in ids), None)
        if proven is not None:
            target = proven.repair.finding_id
            step["repair"] = {"proven": True, "finding": target, "summary": proven.repair.summary,
                              "command": apply_command(path, target)}
        elif refused is not None:
            step["repair"] = {"proven": False, "finding": refused.finding_id, "why": refused.why}


def finding_repairs(plan: FixPlan, path: str) -> dict[str, dict[str, Any]]:
    """Finding id -> its ``repair`` entry of the report's ``repairs`` section (docs/report.md)."""
    out: dict[str, dict[str, Any]] = {}
    for proven in plan.repairs:
        for closed in proven.closes:
            out.setdefault(closed, _proven_entry(proven, path))
    for refused in plan.refused:  # a later repair may have closed it all the same
        out.setdefault(refused.finding_id, {"available": refused.planned, "proven": False, "command": None,
                                            "repaired_by": None, "summary": None, "why_not": refused.why})
    return dict(sorted(out.items()))


def _proven_entry(proven: ProvenRepair, path: str) -> dict[str, Any]:
    target = proven.repair.finding_id
    return {"available": True, "proven": True, "command": apply_command(path, target), "repaired_by": target,
            "summary": proven.repair.summary, "why_not": None}
