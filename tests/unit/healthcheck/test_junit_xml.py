"""JUnit XML: a suite per check, a failing case per finding, passing cases for clean checks, the repo's tests."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from healthcheck.model import Finding
from healthcheck.report.junit import render_junit
from unit.healthcheck.gate_report_helpers import CYCLE, NAME, report


def suites(xml: str) -> dict[str, ET.Element]:
    root = ET.fromstring(xml)
    return {s.get("name", ""): s for s in root.findall("testsuite")}


def test_one_suite_per_check_with_a_case_per_finding() -> None:
    xml = render_junit(report())
    root = ET.fromstring(xml)
    by_name = suites(xml)
    assert list(by_name) == ["healthcheck.import-cycle", "healthcheck.names", "healthcheck.contract-violation",
                             "healthcheck.type-error", "healthcheck.import-health", "healthcheck.gates"]
    cycles = by_name["healthcheck.import-cycle"]
    assert (cycles.get("tests"), cycles.get("failures")) == ("2", "1")  # the info finding passes, with its text
    failure = cycles.find("testcase/failure")
    assert failure is not None and failure.get("type") == "import-cycle"
    assert CYCLE.id in (failure.text or "") and "pkg/b.py:1 pkg.b imports pkg.a" in (failure.text or "")
    names = by_name["healthcheck.names"].findall("testcase")  # undefined-name comes from the names check
    assert [c.get("name") for c in names] == [f"pkg/c.py:7: {NAME.message}"]
    assert by_name["healthcheck.type-error"].find("testcase/skipped") is not None
    assert by_name["healthcheck.import-health"].get("errors") == "1"
    gates = by_name["healthcheck.gates"]
    assert (gates.get("tests"), gates.get("failures")) == ("2", "1")
    assert root.get("tests") == str(sum(int(s.get("tests", 0)) for s in by_name.values()))


def test_a_check_without_findings_has_a_passing_case() -> None:
    by_name = suites(render_junit(report(findings=(), passed=True)))
    cases = by_name["healthcheck.import-cycle"].findall("testcase")
    assert [c.get("name") for c in cases] == ["no findings"] and cases[0].find("failure") is None


def test_the_repositorys_own_tests_are_a_suite() -> None:
    rows = [
        {"nodeid": "tests/test_a.py::test_ok", "outcome": "passed", "duration_s": 0.25, "message": ""},
        {"nodeid": "tests/test_a.py::test_bad", "outcome": "failed", "duration_s": 0.5, "message": "assert 1 == 2"},
        {"nodeid": "tests/test_b.py", "outcome": "collection-error", "duration_s": 0, "message": "ImportError: x\x01"},
        {"nodeid": "tests/test_a.py::test_skip", "outcome": "skipped", "duration_s": 0, "message": "no db"},
        "garbage",
    ]
    tests = suites(render_junit(report(extra={"tests": rows})))["tests"]
    assert (tests.get("tests"), tests.get("failures"), tests.get("errors"), tests.get("skipped")) == ("4", "1", "1", "1")
    assert tests.get("time") == "0.750"
    cases = tests.findall("testcase")
    assert [(c.get("classname"), c.get("name")) for c in cases][:2] == [
        ("tests.test_a", "test_ok"), ("tests.test_a", "test_bad")]
    error = cases[2].find("error")
    assert error is not None and error.get("message") == "ImportError: x?"


def test_findings_of_an_unlisted_check_still_appear() -> None:
    stray = Finding.create("duplicate-code", "copied block", key="k", path="a.py", line=1)
    by_name = suites(render_junit(report(findings=(stray,))))
    assert by_name["healthcheck.duplicate-code"].get("failures") == "1"
