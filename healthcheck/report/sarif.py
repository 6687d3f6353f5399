"""SARIF 2.1.0: the format GitHub code scanning and most security dashboards read.

One run, one rule per finding kind (its text, level and help from the catalog), one result per finding. The finding's id goes
into ``partialFingerprints`` so code scanning tracks an alert across commits
the same way the baseline does; paths are relative to ``%SRCROOT%`` (the
scanned root). When the report was judged against a baseline, each result says
whether it is ``new`` or ``unchanged`` (SARIF's ``baselineState``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from healthcheck.catalog import by_name, help_text
from healthcheck.checks.base import FindingKind
from healthcheck.model import Finding, Report

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}


def _location(path: str, line: int | None, end_line: int | None = None, message: str = "") -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": path, "uriBaseId": "%SRCROOT%"}}
    if line:
        region: dict[str, Any] = {"startLine": line}
        if end_line and end_line >= line:
            region["endLine"] = end_line
        physical["region"] = region
    out: dict[str, Any] = {"physicalLocation": physical}
    if message:
        out["message"] = {"text": message}
    return out


def _result(f: Finding, rule_index: int, new_ids: set[str] | None) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": f.kind,
        "ruleIndex": rule_index,
        "level": LEVELS.get(f.severity, "warning"),
        "message": {"text": f.message},
        "locations": [_location(f.path, f.line, f.end_line)] if f.path else [],
        "partialFingerprints": {"healthcheckId/v1": f.id},
        "properties": {"id": f.id, "data": dict(f.data)},
    }
    related = [
        {**_location(r.path, r.line, message=r.message), "id": i}
        for i, r in enumerate(f.related)
        if r.path
    ]
    if related:
        result["relatedLocations"] = related
    if new_ids is not None and f.severity != "info":
        result["baselineState"] = "new" if f.id in new_ids else "unchanged"
    return result


def _rule(name: str, catalog: dict[str, FindingKind]) -> dict[str, Any]:
    """SARIF's rule for a finding kind: a kind no installed check declares keeps a generic text."""
    rule: dict[str, Any] = {"id": name, "name": "".join(part.capitalize() for part in name.split("-"))}
    kind = catalog.get(name)
    if kind is None:
        rule["shortDescription"] = {"text": f"healthcheck {name} finding."}
        return rule
    rule["shortDescription"] = {"text": kind.summary}
    rule["help"] = {"text": help_text(kind)}
    if kind.help.startswith(("https://", "http://")):
        rule["helpUri"] = kind.help
    rule["defaultConfiguration"] = {"level": LEVELS[kind.severity]}
    return rule


def sarif_document(report: Report) -> dict[str, Any]:
    checks = sorted({f.kind for f in report.findings})
    index = {name: i for i, name in enumerate(checks)}
    catalog = by_name()
    rules = [_rule(name, catalog) for name in checks]
    baseline = report.extra.get("baseline")
    new_ids = set(baseline.get("new", [])) if isinstance(baseline, dict) else None
    notifications = [
        {"level": "error", "message": {"text": f"check {name} could not run: {c.detail}"}}
        for name, c in report.checks.items()
        if c.status == "error"
    ]
    root_uri = Path(report.root).as_uri().rstrip("/") + "/"
    run: dict[str, Any] = {
        "tool": {"driver": {"name": "healthcheck", "version": report.version, "rules": rules}},
        "invocations": [{"executionSuccessful": not notifications, "toolExecutionNotifications": notifications}],
        "originalUriBaseIds": {"%SRCROOT%": {"uri": root_uri}},
        "results": [_result(f, index[f.kind], new_ids) for f in report.findings],
        "properties": {
            "passed": report.passed,
            "gates": [g.to_json() for g in report.gates],
            "metrics": dict(report.metrics),
        },
    }
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def render_sarif(report: Report) -> str:
    return json.dumps(sarif_document(report), indent=2, default=str) + "\n"
