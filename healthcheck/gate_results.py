"""Thresholds applied to metrics: the pass/fail verdict of a run.

Each check declares the gates it feeds (:class:`~healthcheck.checks.base.GateSpec`);
the repository's configuration and the command line set their thresholds.
A gate whose check was skipped is left out of the verdict (nothing was asked);
a gate whose check *failed to run* fails, because "we could not look" must
never read as "nothing is wrong". The same holds for a check that ran but did
not produce the metric a gate reads: the gate fails with that reason, unless
the check itself says the gate does not apply to this run (``not_gated``: no
``--diff-base`` for diff coverage, coverage turned off by configuration). A
gate never disappears because its metric could not be measured.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Mapping, Sequence

from healthcheck.model import CheckOutcome, GateResult


def lookup(metrics: Mapping[str, Any], dotted: str) -> float | None:
    """The number at a dotted path of the metrics, or None when it is not there."""
    value: Any = metrics
    for part in dotted.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def compare(actual: float, op: str, threshold: float) -> bool:
    if op == "<=":
        return actual <= threshold
    if op == ">=":
        return actual >= threshold
    raise ValueError(f"unknown gate operator {op!r}")


def evaluate(
    gates: Sequence[tuple[str, Any]],
    outcomes: Mapping[str, CheckOutcome],
    metrics: Mapping[str, Any],
    thresholds: Mapping[str, float],
) -> tuple[GateResult, ...]:
    """One :class:`GateResult` per gate of every check that ran or tried to.

    ``gates`` pairs each check name with one of its GateSpecs.
    """
    results: list[GateResult] = []
    for check_name, spec in gates:
        outcome = outcomes.get(check_name)
        if outcome is None or outcome.status == "skipped":
            continue
        configured = thresholds.get(spec.name, spec.default)
        if configured is None:
            continue  # informational metric; nobody asked for a gate on it
        threshold = float(configured)
        actual = lookup(metrics, spec.metric)
        if outcome.status == "error":
            results.append(
                GateResult(
                    spec.name, spec.metric, spec.op, threshold, actual, False,
                    detail=f"{check_name} could not run fully: {outcome.detail}",
                )
            )
            continue
        if actual is None:
            if spec.name in outcome.not_gated:
                continue  # the check says this gate does not apply to this run
            results.append(
                GateResult(
                    spec.name, spec.metric, spec.op, threshold, None, False,
                    detail=f"{check_name} ran but did not measure {spec.metric}: {outcome.detail or 'no reason given'}",
                )
            )
            continue
        results.append(
            GateResult(spec.name, spec.metric, spec.op, threshold, actual, compare(actual, spec.op, threshold))
        )
    return tuple(results)


# Metric noise below this never counts as "worse than the baseline" (coverage percentages are floats).
TOLERANCE = 1e-6


def worse(actual: float, op: str, reference: float) -> bool:
    """Whether ``actual`` is worse than ``reference`` for a gate of operator ``op``."""
    if op == "<=":
        return actual > reference + TOLERANCE
    return actual < reference - TOLERANCE


def apply_baseline(results: Sequence[GateResult], baseline_metrics: Mapping[str, float]) -> tuple[GateResult, ...]:
    """The gates judged against a baseline: a gated metric may not be worse than its recorded value.

    The recorded value replaces the threshold in both directions: debt above the
    threshold is accepted as it was, and a metric that is better than its
    threshold must stay as good (the ratchet). A gate whose check could not run
    keeps failing; a metric the baseline does not record keeps its threshold.
    """
    judged: list[GateResult] = []
    for g in results:
        reference = baseline_metrics.get(g.metric)
        if reference is None or g.actual is None or g.detail:
            judged.append(g)
            continue
        passed = not worse(g.actual, g.op, reference)
        detail = "" if passed else f"worse than the baseline ({reference:g})"
        judged.append(replace(g, passed=passed, baseline=reference, detail=detail))
    return tuple(judged)


def new_findings_gate(count: int, threshold: float = 0, what: str = "baseline") -> GateResult:
    """The gate of a baseline or diff run: findings that are new since ``what``."""
    return GateResult(
        "max_new_findings", f"{what}.new_findings", "<=", threshold, float(count), count <= threshold,
        detail="" if count <= threshold else f"{count} finding(s) not in the {what}",
    )
