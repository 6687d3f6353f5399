"""JUnit XML: what every CI system's test tab reads.

One ``testsuite`` per check, one failing ``testcase`` per finding, and one
passing case for a check that found nothing (so the tab shows what was
looked at, not only what broke). The gates form a suite of their own, and
when the report carries the scanned repository's own test results
(``extra["tests"]``) they are a suite too, so one file holds the whole story.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any, Iterable, Mapping

from healthcheck.catalog import kind_owners
from healthcheck.model import Finding, Report
from healthcheck.report.summary import gate_value, where

# Characters XML 1.0 cannot carry, even escaped (test output sometimes contains them).
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: Any) -> str:
    return _INVALID_XML.sub("?", str(text))


def _case(suite: ET.Element, classname: str, name: str, time: float = 0.0) -> ET.Element:
    return ET.SubElement(suite, "testcase", classname=_clean(classname), name=_clean(name), time=f"{time:.3f}")


def _suite(parent: ET.Element, name: str, time: float = 0.0) -> ET.Element:
    return ET.SubElement(parent, "testsuite", name=name, time=f"{time:.3f}")


def _finish(suite: ET.Element) -> tuple[int, int, int, int]:
    cases = suite.findall("testcase")
    counts = (
        len(cases),
        sum(1 for c in cases if c.find("failure") is not None),
        sum(1 for c in cases if c.find("error") is not None),
        sum(1 for c in cases if c.find("skipped") is not None),
    )
    for key, value in zip(("tests", "failures", "errors", "skipped"), counts):
        suite.set(key, str(value))
    return counts


def _finding_case(suite: ET.Element, f: Finding) -> None:
    case = _case(suite, f"healthcheck.{f.kind}", f"{where(f)}: {f.message}")
    if f.severity == "info":
        ET.SubElement(case, "system-out").text = _clean(f"{f.id}: {f.message}")
        return
    failure = ET.SubElement(case, "failure", message=_clean(f.message), type=f.kind)
    lines = [f"{f.severity} {where(f)}", f.message, f"id: {f.id}"]
    lines += [f"  {r.path}:{r.line} {r.message}" for r in f.related]
    failure.text = _clean("\n".join(lines))


def _checks(root: ET.Element, report: Report) -> None:
    owners = kind_owners()
    by_check: dict[str, list[Finding]] = {}
    for f in report.findings:
        by_check.setdefault(f.kind, []).append(f)
    for name, outcome in report.checks.items():
        suite = _suite(root, f"healthcheck.{name}", outcome.duration_s)
        produced = [c for c in list(by_check) if c == name or owners.get(c) == name]
        findings = [f for c in produced for f in by_check.pop(c)]
        if outcome.status == "skipped":
            ET.SubElement(_case(suite, f"healthcheck.{name}", name), "skipped", message=_clean(outcome.detail))
        elif outcome.status == "error":
            ET.SubElement(_case(suite, f"healthcheck.{name}", name), "error", message=_clean(outcome.detail))
        for f in findings:
            _finding_case(suite, f)
        if outcome.status == "ok" and not findings:
            _case(suite, f"healthcheck.{name}", "no findings")
    for check, findings in sorted(by_check.items()):  # findings of checks the report does not list
        suite = _suite(root, f"healthcheck.{check}")
        for f in findings:
            _finding_case(suite, f)


def _gates(root: ET.Element, report: Report) -> None:
    suite = _suite(root, "healthcheck.gates")
    for g in report.gates:
        case = _case(suite, "healthcheck.gates", g.name)
        if not g.passed:
            text = f"{g.metric} = {gate_value(g.actual)}, needs {g.op} {gate_value(g.threshold)}"
            text += f" ({g.detail})" if g.detail else ""
            ET.SubElement(case, "failure", message=_clean(text), type="gate").text = _clean(text)


def _tests(root: ET.Element, rows: Iterable[Any]) -> None:
    suite = _suite(root, "tests")
    total = 0.0
    for row in rows:
        if not isinstance(row, Mapping):
            continue
        nodeid = str(row.get("nodeid", "?"))
        file_part, _, name = nodeid.partition("::")
        classname = file_part.removesuffix(".py").replace("/", ".")
        duration = float(row.get("duration_s") or 0.0)
        total += duration
        case = _case(suite, classname, name or nodeid, duration)
        outcome = str(row.get("outcome", ""))
        message = _clean(row.get("message") or outcome)
        if outcome in ("failed", "flaky", "timeout", "xpassed"):
            ET.SubElement(case, "failure", message=message, type=outcome).text = message
        elif outcome in ("error", "collection-error"):
            ET.SubElement(case, "error", message=message, type=outcome).text = message
        elif outcome in ("skipped", "xfailed"):
            ET.SubElement(case, "skipped", message=message)
    suite.set("time", f"{total:.3f}")


def render_junit(report: Report) -> str:
    root = ET.Element("testsuites", name="healthcheck", time=f"{report.duration_s:.3f}")
    _checks(root, report)
    _gates(root, report)
    tests = report.extra.get("tests")
    if isinstance(tests, list):
        _tests(root, tests)
    totals = [0, 0, 0, 0]
    for suite in root.findall("testsuite"):
        totals = [a + b for a, b in zip(totals, _finish(suite))]
    for key, value in zip(("tests", "failures", "errors", "skipped"), totals):
        root.set(key, str(value))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
