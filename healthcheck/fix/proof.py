"""Whether a repair proved out: the scan of the repaired scratch copy against the scan before it.

Proven means: the target finding is gone or no longer an error, no check that ran before fails to run, and
no finding is new or worse. Three consequences are expected and do not count as new: a runtime cycle that
became ``deferred`` or ``typing`` among the repaired component's modules (its import moved off the
import-time path), and an import failure of modules that already failed before (the repair uncovered the
next reason they fail, it did not cause it), and an ``info`` finding.

These scans run no tests. With ``--tests`` the tests a repair can affect (:mod:`healthcheck.fix.test_selection`)
run before and after it, and :func:`test_verdict` compares their outcomes test by test: a test that passed
before and does not after (failed, errored, no longer collected) refutes the repair.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from healthcheck.checks.test_suite import PASSING
from healthcheck.model import SEVERITY_ORDER, Finding, Report
from healthcheck.safe_text import one_line


@dataclass(frozen=True)
class Verdict:
    proven: bool
    why: str  # when not proven: what the scan showed
    closes: tuple[str, ...]  # error findings gone, the target first
    new: tuple[Finding, ...]


def failing_modules(report: Report) -> set[str]:
    out: set[str] = set()
    for f in report.findings:
        if f.kind == "import-failure" and f.severity == "error":
            out.add(str(f.data.get("module", "")))
            out.update(str(m) for m in f.data.get("dependents", []))
    return out


def component_modules(target: Finding, report: Report) -> set[str]:
    if target.kind != "import-cycle":
        return set()
    component = target.data.get("component")
    return {str(m) for f in report.findings if f.kind == "import-cycle" and f.data.get("component") == component
            for m in f.data.get("modules", [])}


def _expected(f: Finding, component: set[str], failing: set[str]) -> bool:
    if f.severity == "info":
        return True
    if f.kind == "import-cycle" and f.data.get("kind") in ("deferred", "typing"):
        return {str(m) for m in f.data.get("modules", [])} <= component
    if f.kind == "import-failure":
        return {str(f.data.get("module", "")), *map(str, f.data.get("dependents", []))} <= failing
    return False


def judge(target: Finding, before: Report, after: Report) -> Verdict:
    old = {f.id: f for f in before.findings}
    now = {f.id: f for f in after.findings}
    still = now.get(target.id)
    closes = tuple(i for i in [target.id, *sorted(old)] if old[i].severity == "error"
                   and (i not in now or now[i].severity != "error"))
    closes = tuple(dict.fromkeys(closes))
    broken = [name for name, o in after.checks.items()
              if o.status == "error" and name in before.checks and before.checks[name].status != "error"]
    component, failing = component_modules(target, before), failing_modules(before)
    new = tuple(f for f in after.findings
                if (f.id not in old or SEVERITY_ORDER[f.severity] < SEVERITY_ORDER[old[f.id].severity])
                and not _expected(f, component, failing))
    if still is not None and still.severity == "error":
        return Verdict(False, f"the scan after it still reports {target.id}", closes, new)
    suite = after.checks.get("test-suite")
    if suite is not None and suite.status == "error":
        return Verdict(False, f"after it the test suite could not run: {one_line(suite.detail)[:160]}", closes, new)
    if broken:
        return Verdict(False, f"after it the {', '.join(broken)} check could not run", closes, new)
    if new:
        message = one_line(new[0].message)
        message = message if len(message) <= 160 else message[:157] + "..."
        return Verdict(False, f"it would add {new[0].id}: {message}", closes, new)
    return Verdict(True, "", closes, new)


def outcomes(report: Report) -> dict[str, str]:
    """Each test of a test run's report (its ``tests`` section) -> its outcome."""
    return {str(row["nodeid"]): str(row["outcome"]) for row in report.extra.get("tests", [])}


def test_verdict(before: Report, after: Report) -> str:
    """Why the test run ``after`` a repair refutes it against the run ``before`` it, or "" when it does not."""
    suite = after.checks.get("test-suite")
    if suite is not None and suite.status == "error":
        return f"after it the test suite could not run: {one_line(suite.detail)[:160]}"
    old, new = outcomes(before), outcomes(after)
    broken = [nodeid for nodeid, outcome in old.items() if outcome in PASSING and new.get(nodeid) not in PASSING]
    if not broken:
        return ""
    failure = next((f for f in after.findings if f.kind == "test-failure" and f.data.get("nodeid") == broken[0]),
                   None)
    if failure is None:
        return f"{broken[0]} passed before it and did not run after it"
    message = one_line(failure.message)
    message = message if len(message) <= 160 else message[:157] + "..."
    more = f" (and {len(broken) - 1} more test{'s' * (len(broken) > 2)} that passed before)" if len(broken) > 1 else ""
    return f"it would add {failure.id}: {message}{more}"


def headline(metrics: Mapping[str, Any]) -> dict[str, Any]:
    """The figures a fix summary compares: failing cycles, importable modules, names, duplicates, pass rate."""
    out: dict[str, Any] = {}
    verdicts = metrics.get("import_cycle_verdicts")
    if isinstance(verdicts, Mapping):
        out["failing_import_cycles"] = verdicts.get("failing")
    if "modules_importable" in metrics:
        out["importable_modules"] = f"{metrics['modules_importable']}/{metrics.get('modules_total')}"
    for key in ("undefined_names", "unresolved_imports", "duplicate_implementations", "type_errors"):
        if key in metrics:
            out[key] = metrics[key]
    tests = metrics.get("tests")
    if isinstance(tests, Mapping) and "pass_rate" in tests:
        out["pass_rate"] = tests["pass_rate"]
    return out
