"""The JSON report: the public contract of REPORT.md, validated against ``schema/report.schema.json``."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

from healthcheck.model import Report


def render_json(report: Report) -> str:
    return json.dumps(report.to_json(), indent=2, sort_keys=False, default=str) + "\n"


@lru_cache(maxsize=1)
def report_schema() -> dict[str, Any]:
    """The JSON Schema every report conforms to."""
    text = resources.files("healthcheck").joinpath("schema/report.schema.json").read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def validation_errors(document: dict[str, Any]) -> list[str]:
    """Every way ``document`` breaks the schema (empty when it conforms)."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(report_schema())
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '<root>'}: {error.message}"
        for error in sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    ]
