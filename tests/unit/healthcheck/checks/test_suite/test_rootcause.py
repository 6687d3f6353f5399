"""Failures grouped into root causes, linked to the static findings that explain them."""

from __future__ import annotations

from typing import Any

from healthcheck.checks.test_suite.rootcause import Grouper
from healthcheck.checks.test_suite.run import TestRecord
from healthcheck.model import Finding

SYNTAX = Finding.create("syntax-error", "pkg/bad.py does not parse", key="syntax", path="pkg/bad.py", line=3)
CYCLE = Finding.create("import-cycle", "cycle", key="pkg.a,pkg.b", path="pkg/a.py", line=1,
                       data={"modules": ["pkg.a", "pkg.b"], "kind": "runtime"})
BIG_CYCLE = Finding.create("import-cycle", "cycle", key="pkg.a,pkg.b,pkg.c", path="pkg/c.py", line=1,
                           data={"modules": ["pkg.a", "pkg.b", "pkg.c"], "kind": "runtime"})
UNDEFINED = Finding.create("undefined-name", "'time' is used", key="time:use", path="pkg/clock.py", line=2,
                           data={"name": "time"})
UNDEFINED_ELSEWHERE = Finding.create("undefined-name", "'time' is used", key="time:use", path="pkg/other.py",
                                     line=7, data={"name": "time"})
UNRESOLVED = Finding.create("unresolved-import", "imports pkg.gone", key="pkg.gone:", path="pkg/user.py", line=1,
                            data={"module": "pkg.gone"})
IMPORT_FAILURE = Finding.create("import-failure", "pkg.net does not import", key="pkg.net", path="pkg/net.py",
                                line=1, data={"module": "pkg.net"})
FINDINGS = [SYNTAX, CYCLE, BIG_CYCLE, UNDEFINED, UNDEFINED_ELSEWHERE, UNRESOLVED, IMPORT_FAILURE]


def _rec(nodeid: str, exception: str, message: str, frame: dict[str, Any] | None = None,
         outcome: str = "failed", **facts: Any) -> TestRecord:
    return TestRecord(nodeid, outcome, nodeid.split("::")[0], 1, exception=exception, message=message,
                      frame=frame, facts=facts)


def _group(*records: TestRecord) -> list[tuple[str, str, list[str], list[str]]]:
    causes = Grouper(FINDINGS, {"pkg", "tests"}).group(records)
    return [(c.kind, c.title, c.links, [t.nodeid for t in c.tests]) for c in causes]


NET_FRAME = {"path": "pkg/net.py", "line": 1, "function": "<module>", "text": "import requests"}


def test_missing_third_party_package_groups_by_top_level_name() -> None:
    assert _group(
        _rec("tests/test_a.py", "ModuleNotFoundError", "No module named 'requests'", NET_FRAME,
             "collection-error", module="requests"),
        _rec("tests/test_b.py", "ModuleNotFoundError", "No module named 'requests.adapters'", NET_FRAME,
             "collection-error", module="requests.adapters"),
    ) == [("missing-dependency", "third-party package 'requests' is not installed (No module named 'requests')",
           [IMPORT_FAILURE.id], ["tests/test_a.py", "tests/test_b.py"])]


def test_missing_project_module_links_its_unresolved_imports() -> None:
    assert _group(_rec("tests/test_a.py", "ImportError", "No module named 'pkg.gone'", module="pkg.gone")) == [
        ("missing-module", "module 'pkg.gone' does not exist in the project", [UNRESOLVED.id], ["tests/test_a.py"])]


def test_partially_initialised_module_links_the_smallest_runtime_cycle() -> None:
    message = "cannot import name 'x' from partially initialized module 'pkg.a' (most likely due to a circular import)"
    assert _group(_rec("tests/test_a.py", "ImportError", message, module="pkg.a"),
                  _rec("tests/test_b.py", "AttributeError", "partially initialized module 'pkg.a' has no attribute 'y'",
                       name="y")) == [
        ("import-cycle", "import cycle among pkg.a, pkg.b (pkg.a is imported while partially initialised)",
         [CYCLE.id], ["tests/test_a.py", "tests/test_b.py"])]


def test_partially_initialised_module_without_a_cycle_finding() -> None:
    message = "cannot import name 'x' from partially initialized module 'other.m'"
    assert _group(_rec("tests/test_a.py", "ImportError", message)) == [
        ("import-cycle", "circular import: other.m is imported while partially initialised", [],
         ["tests/test_a.py"])]


def test_syntax_error_links_its_finding() -> None:
    assert _group(_rec("tests/test_a.py", "SyntaxError", "invalid syntax", path="pkg/bad.py", line=3)) == [
        ("syntax-error", "pkg/bad.py does not parse (SyntaxError: invalid syntax)", [SYNTAX.id], ["tests/test_a.py"])]


def test_name_error_prefers_the_finding_in_the_failing_file() -> None:
    frame = {"path": "pkg/clock.py", "line": 2, "function": "stamp", "text": "return time.time()"}
    far = {"path": "pkg/elsewhere.py", "line": 2, "function": "g", "text": "return nope"}
    assert _group(
        _rec("tests/test_a.py::t1", "NameError", "name 'time' is not defined", frame, name="time"),
        _rec("tests/test_a.py::t2", "NameError", "name 'time' is not defined", frame, name="time"),
        _rec("tests/test_a.py::t3", "NameError", "name 'nope' is not defined", far, name="nope"),
    ) == [
        ("undefined-name", "'time' is used but never defined (pkg/clock.py:2)", [UNDEFINED.id],
         ["tests/test_a.py::t1", "tests/test_a.py::t2"]),
        ("undefined-name", "NameError: name 'nope' is not defined", [], ["tests/test_a.py::t3"]),
    ]


def test_cannot_import_a_name() -> None:
    assert _group(_rec("tests/test_a.py", "ImportError", "cannot import name 'Thing' from 'pkg.models' (/x.py)")) == [
        ("missing-name", "'Thing' cannot be imported from pkg.models", [], ["tests/test_a.py"])]


def test_same_exception_at_the_same_frame_is_one_cause_whatever_the_line() -> None:
    frame = {"path": "pkg/calc.py", "line": 6, "function": "divide", "text": "return a / b"}
    moved = dict(frame, line=9)
    assert _group(
        _rec("tests/test_c.py::t1", "ZeroDivisionError", "division by zero", frame),
        _rec("tests/test_c.py::t2", "ZeroDivisionError", "division by zero", moved),
        _rec("tests/test_c.py::t3", "ValueError", "bad", frame),
    ) == [
        ("exception", "ZeroDivisionError at pkg/calc.py:6 in divide: division by zero", [],
         ["tests/test_c.py::t1", "tests/test_c.py::t2"]),
        ("exception", "ValueError at pkg/calc.py:6 in divide: bad", [], ["tests/test_c.py::t3"]),
    ]


def test_without_a_project_frame_messages_are_compared_blurred() -> None:
    assert _group(
        _rec("tests/test_d.py::t1", "TimeoutError", "timed out after 30 s on 'db1'"),
        _rec("tests/test_d.py::t2", "TimeoutError", "timed out after 45 s on 'db2'"),
        _rec("tests/test_d.py::t3", "", ""),
    ) == [
        ("exception", "TimeoutError: timed out after 30 s on 'db1'", [], ["tests/test_d.py::t1", "tests/test_d.py::t2"]),
        ("exception", "failure", [], ["tests/test_d.py::t3"]),
    ]


def test_flaky_and_timeout_tests_are_causes_of_their_own() -> None:
    assert _group(
        _rec("tests/test_e.py::t1", "AssertionError", "first run", outcome="flaky"),
        _rec("tests/test_e.py::t2", "", "", outcome="timeout"),
    ) == [
        ("flaky", "tests/test_e.py::t1 passed when re-run", [], ["tests/test_e.py::t1"]),
        ("timeout", "tests/test_e.py::t2 was still running at the suite's timeout", [], ["tests/test_e.py::t2"]),
    ]


def test_cause_ids_are_stable_and_distinct() -> None:
    grouper = Grouper(FINDINGS, {"pkg"})
    a = grouper.group([_rec("t.py::a", "KeyError", "'x'")])[0].id
    b = grouper.group([_rec("t.py::b", "KeyError", "'y'")])[0].id
    c = grouper.group([_rec("t.py::c", "ValueError", "'x'")])[0].id
    assert a == b != c and a.startswith("rc:")
