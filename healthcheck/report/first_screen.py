"""What a reader sees first, and in what order: the failing gates with the findings behind each, root causes
before their consequences.

Sorting by severity and then by check name put twenty look-alike lines of one check on the first screen and
hid the one syntax error that explains half of the rest. A reader wants, in order: which gates fail and which
findings make each fail; then the findings that cause others (a file that does not parse breaks the imports
and the tests that reach it; a runtime cycle breaks the modules in it) before those they cause; and counts
that say how much of the project is affected ("N findings (M files of K scanned)"), not how many files exist.

The console and the Markdown report both lay their findings out from here, so they agree.
"""

from __future__ import annotations

from typing import Iterable, Sequence

from healthcheck.catalog import cause_rank
from healthcheck.checks import all_checks
from healthcheck.model import SEVERITY_ORDER, Finding, GateResult, Report

UNRANKED = 1000  # a kind no installed check declares: after every declared one


def lead_order(findings: Iterable[Finding]) -> list[Finding]:
    """Findings with the errors first, and among them root causes before their consequences (the kinds' ranks:
    a syntax error explains import failures and test errors, a runtime cycle and a missing module explain
    import failures, an import failure explains test errors)."""
    rank = cause_rank()
    return sorted(findings, key=lambda f: (
        SEVERITY_ORDER.get(f.severity, 9), rank.get(f.kind, UNRANKED), f.path or "", f.line or 0,
        f.message, f.id,
    ))


def _gate_kinds() -> dict[str, tuple[str, ...]]:
    """The finding kinds behind each gate: its check's kinds, split among the check's gates by name
    (``max_undefined_names`` -> ``undefined-name``), the unclaimed kinds going to the gates that claim none."""
    out: dict[str, tuple[str, ...]] = {}
    for check in all_checks():
        produced = tuple(kind.name for kind in check.kinds)
        claimed: dict[str, tuple[str, ...]] = {}
        for gate in check.gates:
            metric = gate.metric.replace(".", "_")
            claimed[gate.name] = tuple(k for k in produced if metric.startswith(k.replace("-", "_")))
        free = tuple(k for k in produced if not any(k in kinds for kinds in claimed.values()))
        for gate in check.gates:
            out[gate.name] = claimed[gate.name] or free or produced
    return out


def failing_gates(report: Report) -> list[tuple[GateResult, list[Finding]]]:
    """Each failing gate with the findings behind it, root-cause gates first. A gate that counts errors
    (``max_type_errors``) has only its kinds' errors behind it, so that "N more behind this gate" adds up to
    the count it failed on; a kind's warnings and notes are the other findings. A gate on a measure its kinds
    only explain (``max_duplicated_lines_percent``, all warnings) has all of them behind it."""
    kinds = _gate_kinds()
    rows: list[tuple[GateResult, list[Finding]]] = []
    for gate in report.gates:
        if gate.passed:
            continue
        behind = [f for f in report.findings if f.kind in kinds.get(gate.name, ())]
        errors = [f for f in behind if f.severity == "error"]
        behind = errors or behind
        rows.append((gate, lead_order(behind)))
    rank = cause_rank()
    return sorted(rows, key=lambda row: min((rank.get(f.kind, UNRANKED) for f in row[1]), default=UNRANKED))


def others(report: Report, shown: Sequence[Finding]) -> list[Finding]:
    """The findings no failing gate shows, in lead order."""
    seen = {f.id for f in shown}
    return lead_order(f for f in report.findings if f.id not in seen)


def affected(report: Report) -> str:
    """``N findings (M files of K scanned)``: how much of the project the findings touch."""
    files = len({f.path for f in report.findings if f.path})
    scanned = report.metrics.get("files", "?")
    noun = "finding" if len(report.findings) == 1 else "findings"
    return f"{len(report.findings)} {noun} ({files} file{'' if files == 1 else 's'} of {scanned} scanned)"
