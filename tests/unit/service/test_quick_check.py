"""The request path's quick schema check never accepts what the JSON Schema validator refuses."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator

from service.api.schemas import Schemas, quick_check
from service.settings import Settings

ID = "0" * 32
DOCUMENTS: dict[str, list[Any]] = {
    "WorkspaceCreate": [
        {"name": "a"}, {"name": "web-1", "image": "workspace-base:latest"}, {"name": "x", "resources": {"cpus": 1}},
        {"name": "x", "resources": {"cpus": 0.5, "memory_mb": 64, "pids": 32}}, {"name": "x", "project_path": "/p"},
        {"name": "x", "resources": {"memory_mb": 64.0}}, {"name": "x", "resources": {"memory_mb": True}},
        {"name": "x", "resources": {"cpus": 99}}, {"name": "x", "resources": {"cpus": float("nan")}},
        {"name": "x", "resources": {"pids": 8}}, {"name": "x", "resources": {"other": 1}}, {"name": "x", "extra": 1},
        {"name": "Bad"}, {"name": "-a"}, {"name": "a" * 64}, {"name": ""}, {"name": 5}, {"name": None}, {},
        {"name": "x", "image": "other:latest"}, {"name": "x", "project_path": ""}, [], "name", None, 3, True,
        {"name": "x", "env": {"A": "1", "_b2": ""}}, {"name": "x", "secrets": {"TOKEN": "s3cret"}},
        {"name": "x", "env": {"1A": "x"}}, {"name": "x", "env": {"A": 1}}, {"name": "x", "env": {"A": "a\u0000b"}},
        {"name": "x", "env": {f"V{i}": "" for i in range(65)}}, {"name": "x", "env": []},
        {"name": "x", "secrets": {"K": "hunter2" * 2000}}, {"name": "x", "secrets": {"K": 42}},
        {"name": "x", "idle_timeout_s": 0, "ttl_s": 60}, {"name": "x", "ttl_s": 0}, {"name": "x", "idle_timeout_s": -1},
    ],
    "WorkspacePatch": [{}, {"name": "b"}, {"resources": {}}, {"resources": {"pids": 2000}}, {"nome": "b"}],
    "BatchCreate": [
        {"operation": "start", "workspace_ids": [ID]}, {"operation": "start", "workspace_ids": [ID, ID]},
        {"operation": "start", "workspace_ids": []}, {"operation": "start", "workspace_ids": ["x"]},
        {"operation": "create", "workspace_ids": [ID]}, {"operation": "stop"}, {"operation": "stop", "workspace_ids": ID},
        {"operation": "stop", "workspace_ids": [ID] * 101}, {"operation": "stop", "workspace_ids": [1, 1.0]},
    ],
}


def test_quick_check_accepts_only_valid_documents_and_defers_the_rest() -> None:
    schemas = Schemas(Settings())
    accepted = 0
    for name, documents in DOCUMENTS.items():
        quick = quick_check(schemas.components[name])
        assert quick is not None
        validator = Draft202012Validator(schemas.components[name])
        for document in documents:
            if quick(document):
                accepted += 1
                assert validator.is_valid(document), (name, document)
                assert schemas.errors(name, document) == []
            else:
                found = schemas.errors(name, document)
                expected = sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.path)))
                assert [f["path"] for f in found] == ["/" + "/".join(map(str, e.path)) for e in expected]
                for given, error in zip(found, expected):  # the validator's words, the value cut to a prefix
                    if error.path and error.path[0] == "secrets":  # never a secret's value, not even a prefix
                        assert given["message"].startswith("a secret fails its ") and "hunter2" not in given["message"]
                    elif len(repr(error.instance)) <= 80:
                        assert given["message"] == error.message
                    else:
                        assert len(given["message"]) < len(error.message) and "characters)" in given["message"]
    assert accepted >= 8  # the common valid bodies take the quick path


def test_quick_check_declines_schemas_with_keywords_it_does_not_know() -> None:
    assert quick_check({"type": "object", "patternProperties": {"^a": {"type": "string"}}}) is None
    assert quick_check({"type": "object", "additionalProperties": {"oneOf": []}}) is None
    assert quick_check({"type": "object", "additionalProperties": True}) is None
    assert quick_check({"type": "object", "properties": {"a": {"oneOf": []}}}) is None
    assert quick_check({"type": "array", "items": {"$ref": "#/x"}}) is None
    assert quick_check({"enum": [1, 2]}) is None
    assert quick_check({"type": ["string", "null"]}) is not None
    assert quick_check({"type": ["string", "null"]})(None)  # type: ignore[misc]
