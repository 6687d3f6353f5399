"""The OpenAPI document's links: each points at an operation of the document, fills only parameters that
operation has, and reads them from a property its answer's schema really has."""

from __future__ import annotations

from typing import Any

from service.api.openapi import document
from service.api.schemas import Schemas
from service.settings import Settings


def _pointer(doc: dict[str, Any], ref: str) -> Any:
    node: Any = doc
    for part in ref.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def test_every_link_resolves_to_an_operation_and_its_parameters() -> None:
    doc = document(Schemas(Settings()))
    seen = set()
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            for status, answer in operation["responses"].items():
                for name, link in answer.get("links", {}).items():
                    target = _pointer(doc, link["operationRef"])
                    names = {p["name"] for p in target.get("parameters", [])}
                    schema = _pointer(doc, answer["content"]["application/json"]["schema"]["$ref"])
                    for parameter, expression in link["parameters"].items():
                        assert parameter in names, (path, method, name)
                        assert expression.startswith("$response.body#/")
                        assert expression.removeprefix("$response.body#/") in schema["properties"], (path, name)
                    seen.add((path, method, status, name))
    assert ("/api/workspaces", "post", "201", "exec") in seen
    assert ("/api/workspaces", "post", "201", "task") in seen
    assert ("/api/workspaces/{workspace_id}/stop", "post", "202", "task") in seen
    assert ("/api/workspaces/batch", "post", "202", "progress") in seen
