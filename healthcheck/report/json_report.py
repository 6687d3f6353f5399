"""The JSON report: the public contract of docs/report.md, validated against the catalog's report schema."""

from __future__ import annotations

import json
import os
from typing import Any

from healthcheck.catalog import report_schema
from healthcheck.model import Report


def render_json(report: Report) -> str:
    """The report as JSON text.

    With ``HEALTHCHECK_VALIDATE_REPORTS=1`` in the environment (the test suite
    sets it) every report is checked against the schema before it is written,
    so a change that breaks the public contract fails loudly wherever it shows.
    """
    document = report.to_json()
    if os.environ.get("HEALTHCHECK_VALIDATE_REPORTS") == "1":
        errors = validation_errors(document)
        if errors:
            raise ValueError("report does not match its schema: " + "; ".join(errors[:5]))
    return json.dumps(document, indent=2, sort_keys=False, default=str) + "\n"


def validation_errors(document: dict[str, Any]) -> list[str]:
    """Every way ``document`` breaks the schema (empty when it conforms)."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(report_schema())
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '<root>'}: {error.message}"
        for error in sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    ]
