"""Gates judge metrics honestly: dotted lookups, thresholds and defaults, and a check that could not run."""

from __future__ import annotations

from healthcheck.checks.base import GateSpec
from healthcheck.gate_results import evaluate, lookup
from healthcheck.model import CheckOutcome

CYCLES = GateSpec("max_import_cycles", "import_cycles.runtime", "<=", 0)
COVERAGE = GateSpec("min_coverage", "coverage.percent", ">=", 70, high=100)
INFO = GateSpec("max_typing_import_cycles", "import_cycles.typing", "<=", None)


def test_lookup_follows_dotted_paths_and_ignores_non_numbers() -> None:
    metrics = {"import_cycles": {"runtime": 2}, "flag": True, "name": "x"}
    assert lookup(metrics, "import_cycles.runtime") == 2.0
    assert lookup(metrics, "import_cycles.typing") is None
    assert lookup(metrics, "flag") is None
    assert lookup(metrics, "name.deeper") is None


def test_thresholds_defaults_and_informational_gates() -> None:
    outcomes = {"import-cycle": CheckOutcome("import-cycle", "ok", 0.1), "tests": CheckOutcome("tests", "ok", 1)}
    metrics = {"import_cycles": {"runtime": 1, "typing": 4}, "coverage": {"percent": 71.5}}
    gates = [("import-cycle", CYCLES), ("import-cycle", INFO), ("tests", COVERAGE)]
    results = evaluate(gates, outcomes, metrics, {})
    assert [(g.name, g.actual, g.passed) for g in results] == [
        ("max_import_cycles", 1.0, False),
        ("min_coverage", 71.5, True),
    ]
    configured = evaluate(gates, outcomes, metrics, {"max_import_cycles": 1, "max_typing_import_cycles": 3})
    assert [(g.name, g.threshold, g.passed) for g in configured] == [
        ("max_import_cycles", 1.0, True),
        ("max_typing_import_cycles", 3.0, False),
        ("min_coverage", 70.0, True),
    ]


def test_a_check_that_could_not_run_fails_its_gates_and_a_skipped_one_has_none() -> None:
    outcomes = {
        "import-cycle": CheckOutcome("import-cycle", "error", 0.1, "RuntimeError: boom"),
        "tests": CheckOutcome("tests", "skipped", 0.0, "not asked"),
    }
    results = evaluate([("import-cycle", CYCLES), ("tests", COVERAGE)], outcomes, {}, {})
    assert len(results) == 1
    assert results[0].passed is False and results[0].actual is None
    assert results[0].detail == "import-cycle could not run fully: RuntimeError: boom"
