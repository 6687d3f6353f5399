"""After a run with tests, the gate prints the plain closing line CI systems read."""

from __future__ import annotations

from healthcheck.commands.verdict import summary_of_tests


def test_counts_failures_of_every_kind_as_failed() -> None:
    tests = {
        "passed": 40, "flaky": 2, "failed": 3, "errors": 1, "collection_errors": 1,
        "timeouts": 1, "skipped": 4, "pass_rate": 87.5,
    }
    assert summary_of_tests(tests) == "tests: 42 passed, 6 failed, 4 skipped"


def test_a_clean_run_without_skips() -> None:
    assert summary_of_tests({"passed": 409, "failed": 0, "skipped": 0}) == "tests: 409 passed, 0 failed"
