"""SARIF output validates against the official SARIF 2.1.0 schema (kept in tests/data) and says what it should."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema

from healthcheck.report.sarif import render_sarif
from unit.healthcheck.gate_report_helpers import CYCLE, INFO, NAME, PROJECT, report

SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "data" / "sarif-2.1.0.schema.json").read_text())


def validate(doc: dict[str, Any]) -> list[str]:
    validator = jsonschema.Draft4Validator(SCHEMA, format_checker=jsonschema.FormatChecker())
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(doc)]


def test_the_schema_is_the_official_one() -> None:
    assert SCHEMA["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    jsonschema.Draft4Validator.check_schema(SCHEMA)


def test_every_finding_becomes_a_valid_result() -> None:
    doc = json.loads(render_sarif(report()))
    assert validate(doc) == []
    run = doc["runs"][0]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["contract-violation", "import-cycle", "undefined-name"]
    by_rule = {r["ruleId"]: r for r in run["results"] if r["level"] != "note"}
    cycle = by_rule["import-cycle"]
    assert cycle["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "pkg/a.py", "uriBaseId": "%SRCROOT%"}, "region": {"startLine": 3}}
    assert cycle["relatedLocations"][0]["message"]["text"] == "pkg.b imports pkg.a"
    assert cycle["partialFingerprints"] == {"healthcheckId/v1": CYCLE.id}
    assert by_rule["contract-violation"]["locations"] == [] and by_rule["contract-violation"]["level"] == "warning"
    assert [r["level"] for r in run["results"] if r["ruleId"] == "import-cycle"] == ["error", "note"]
    assert run["invocations"][0]["executionSuccessful"] is False  # import-health errored
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == "file:///tmp/repo/"
    assert "baselineState" not in cycle


def test_baseline_state_follows_the_baseline_comparison() -> None:
    doc = json.loads(render_sarif(report(extra={"baseline": {"new": [NAME.id]}})))
    assert validate(doc) == []
    states = {r["properties"]["id"]: r.get("baselineState") for r in doc["runs"][0]["results"]}
    assert states == {CYCLE.id: "unchanged", NAME.id: "new", PROJECT.id: "unchanged", INFO.id: None}


def test_an_empty_report_is_valid_sarif() -> None:
    doc = json.loads(render_sarif(report(findings=(), passed=True)))
    assert validate(doc) == [] and doc["runs"][0]["results"] == []
