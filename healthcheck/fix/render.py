"""A fix plan as a person reads it (per repair: the finding it closes, what it changed, the diff) or as JSON."""

from __future__ import annotations

from typing import Any, Mapping

from healthcheck.fix.model import FixPlan
from healthcheck.fix.proof import headline

LABELS = {"failing_import_cycles": "failing import cycles", "importable_modules": "importable modules",
          "undefined_names": "undefined names", "unresolved_imports": "unresolved imports",
          "duplicate_implementations": "duplicate implementations", "type_errors": "type errors",
          "pass_rate": "pass rate"}


def changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """``"undefined names 1 -> 0"`` for every headline figure that moved."""
    old, new = headline(before), headline(after)
    return [f"{LABELS[k]} {old[k]} -> {new.get(k)}" for k in old if old[k] != new.get(k)]


def plan_json(plan: FixPlan, written: list[str] | None) -> dict[str, Any]:
    return {
        "root": plan.root,
        "repairs": [{"finding": p.repair.finding_id, "kind": p.repair.kind, "summary": p.repair.summary,
                     "closes": list(p.closes), "files": [e.path for e in p.repair.edits], "diff": p.repair.diff(),
                     "before": headline(p.metrics_before), "after": headline(p.metrics_after),
                     "tests": None if p.tests is None else {"selected": list(p.tests.files), "total": p.tests.total,
                                                            "whole_suite": p.tests.whole, "summary": p.tests.summary,
                                                            "ran": list(p.tests.ran)}}
                    for p in plan.repairs],
        "no_repair": [{"finding": n.finding_id, "kind": n.kind, "why": n.why} for n in plan.refused],
        "before": headline(plan.metrics_before),
        "after": headline(plan.metrics_after),
        "applied": written is not None,
        "written": written or [],
    }


def plan_text(plan: FixPlan, written: list[str] | None) -> str:
    lines: list[str] = []
    total = len(plan.repairs)
    for number, proven in enumerate(plan.repairs, 1):
        repair = proven.repair
        lines.append(f"repair {number} of {total} ({repair.kind}): closes {repair.finding_id}")
        lines.append(f"  {repair.summary}")
        moved = changes(proven.metrics_before, proven.metrics_after)
        lines.append("  proven: " + (", ".join(moved) if moved else "the finding is gone, nothing new"))
        others = proven.closes[1:]
        if others:
            lines.append("  also closes: " + ", ".join(others))
        if proven.tests is not None:
            lines.append("  tests run before and after it: " + proven.tests.summary)
        lines.append(repair.diff().rstrip("\n"))
        lines.append("")
    for refused in plan.refused:
        lines.append(f"no safe repair for {refused.finding_id}: {refused.why}")
    if plan.refused:
        lines.append("")
    if not plan.repairs and not plan.refused:
        lines.append("nothing to repair: no finding of a kind fix repairs")
    moved = changes(plan.metrics_before, plan.metrics_after)
    if moved:
        lines.append("all repairs together: " + ", ".join(moved))
    if written is None:
        lines.append("nothing written" + (": run with --apply to write these repairs" if plan.repairs else ""))
    else:
        lines.append(f"applied {total} repair{'s' * (total != 1)} to {len(written)} file{'s' * (len(written) != 1)}: "
                     + ", ".join(written))
    return "\n".join(lines)
