"""Schemathesis against /openapi.json: no 5xx, and every response matches the published schema.

Bounded (few examples per operation, no shrinking) so it stays a fast part of every run. The app runs
without background workers so generated workspaces never become containers; the runtime is the real one.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings

EXAMPLES = 6


@pytest.fixture
def conformance_api(make_api: Any) -> Any:
    return make_api(background=False)


@pytest.fixture
def api_schema(conformance_api: Any) -> Any:
    return schemathesis.openapi.from_wsgi("/openapi.json", conformance_api.app)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_openapi_document(case: Any, conformance_api: Any) -> None:
    # Schema-valid bodies may still break a rule no JSON Schema can state (project_path must name an existing
    # directory below the root), which is a precise 422; so "positive data accepted" is not one of the checks.
    case.call_and_validate(
        headers={**(case.headers or {}), **conformance_api.headers},
        excluded_checks=[schemathesis.checks.positive_data_acceptance],
    )


def test_openapi_document_is_valid_and_complete(conformance_api: Any) -> None:
    document = conformance_api.client.get("/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    assert {"/api/workspaces", "/api/workspaces/{workspace_id}/status", "/api/workspaces/batch",
            "/api/tasks/{task_id}", "/metrics", "/readyz"} <= set(document["paths"])
    create = document["components"]["schemas"]["WorkspaceCreate"]
    assert create["additionalProperties"] is False and create["properties"]["name"]["maxLength"] == 63
