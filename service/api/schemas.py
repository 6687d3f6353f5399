"""JSON Schemas (2020-12) for every request and response: the validators and ``/openapi.json`` share them.

They are built from the settings because the operator's limits (resource ceilings, allowed images, batch
size, page size) are part of the contract a client must see.
"""

from __future__ import annotations

import re
from typing import Any

from jsonschema import Draft202012Validator

from service.model import Operation, State, TaskStatus
from service.settings import Settings

JsonSchema = dict[str, Any]
NAME_PATTERN = r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"
NAME_RE = re.compile(NAME_PATTERN.rstrip("$").lstrip("^"))
ID: JsonSchema = {"type": "string", "pattern": "^[0-9a-f]{32}$"}
TIME: JsonSchema = {"type": "string", "format": "date-time"}
NULL_TIME: JsonSchema = {"type": ["string", "null"], "format": "date-time"}
NULL_STRING: JsonSchema = {"type": ["string", "null"]}
NAME: JsonSchema = {
    "type": "string",
    "minLength": 1,
    "maxLength": 63,
    "pattern": NAME_PATTERN,
    "description": "DNS label: lower-case letters, digits and '-', at most 63 characters.",
}


def _object(properties: dict[str, JsonSchema], required: list[str] | None = None, **extra: Any) -> JsonSchema:
    schema: JsonSchema = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = required
    schema.update(extra)
    return schema


class Schemas:
    """Every named schema, plus a validator per request schema."""

    def __init__(self, settings: Settings) -> None:
        limits = settings.limits
        resources_in = _object(
            {
                "cpus": {"type": "number", "minimum": 0.01, "maximum": limits.max_cpus},
                "memory_mb": {"type": "integer", "minimum": 16, "maximum": limits.max_memory_mb},
                "pids": {"type": "integer", "minimum": 16, "maximum": limits.max_pids},
            }
        )
        resources_out = _object(
            {"cpus": {"type": "number"}, "memory_mb": {"type": "integer"}, "pids": {"type": "integer"}},
            ["cpus", "memory_mb", "pids"],
        )
        workspace_props: dict[str, JsonSchema] = {
            "id": ID,
            "name": {"type": "string"},
            "image": {"type": "string"},
            "project_path": NULL_STRING,
            "resources": resources_out,
            "state": {"type": "string", "enum": [s.value for s in State]},
            "desired_state": {"type": "string", "enum": [s.value for s in State]},
            "container_id": NULL_STRING,
            "last_error": NULL_STRING,
            "operations": {"type": "array", "items": {"type": "string"}},
            "created_at": TIME,
            "updated_at": TIME,
        }
        task = _object(
            {
                "id": ID,
                "kind": {"type": "string", "enum": [o.value for o in Operation]},
                "workspace_id": ID,
                "batch_id": {"type": ["string", "null"]},
                "status": {"type": "string", "enum": [s.value for s in TaskStatus]},
                "attempts": {"type": "integer"},
                "max_attempts": {"type": "integer"},
                "error": NULL_STRING,
                "created_at": TIME,
                "run_at": TIME,
                "started_at": NULL_TIME,
                "finished_at": NULL_TIME,
            },
            ["id", "kind", "workspace_id", "status", "attempts", "created_at"],
        )
        number_or_null: JsonSchema = {"type": ["number", "null"]}
        int_or_null: JsonSchema = {"type": ["integer", "null"]}
        self.components: dict[str, JsonSchema] = {
            "WorkspaceCreate": _object(
                {
                    "name": NAME,
                    "project_path": {"type": "string", "minLength": 1, "maxLength": 4096},
                    "image": {"type": "string", "enum": list(settings.allowed_images)},
                    "resources": resources_in,
                },
                ["name"],
            ),
            "WorkspacePatch": _object({"name": NAME, "resources": resources_in}, minProperties=1),
            "BatchCreate": _object(
                {
                    "operation": {"type": "string", "enum": ["start", "stop", "restart", "delete"]},
                    "workspace_ids": {
                        "type": "array",
                        "items": ID,
                        "minItems": 1,
                        "maxItems": settings.max_batch,
                        "uniqueItems": True,
                    },
                },
                ["operation", "workspace_ids"],
            ),
            "Workspace": _object(workspace_props, list(workspace_props)),
            "WorkspaceAccepted": _object(
                {**workspace_props, "task_id": ID, "task_url": {"type": "string"}},
                [*workspace_props, "task_id", "task_url"],
            ),
            "WorkspaceList": _object(
                {
                    "items": {"type": "array", "items": {"$ref": "#/components/schemas/Workspace"}},
                    "total": {"type": "integer"},
                    "limit": {"type": "integer"},
                    "offset": {"type": "integer"},
                    "next_offset": int_or_null,
                },
                ["items", "total", "limit", "offset", "next_offset"],
            ),
            "WorkspaceStatus": _object(
                {
                    "workspace": {"$ref": "#/components/schemas/Workspace"},
                    "container_id": NULL_STRING,
                    "container_state": {"type": "string"},
                    "uptime_seconds": number_or_null,
                    "cpu_seconds": number_or_null,
                    "memory_bytes": int_or_null,
                    "memory_limit_bytes": int_or_null,
                    "reason": NULL_STRING,
                    "last_error": NULL_STRING,
                },
                ["workspace", "container_id", "container_state", "reason", "last_error"],
            ),
            "Task": task,
            "BatchAccepted": _object(
                {
                    "batch_id": ID,
                    "operation": {"type": "string"},
                    "status_url": {"type": "string"},
                    "task_ids": {"type": "array", "items": ID},
                },
                ["batch_id", "operation", "status_url", "task_ids"],
            ),
            "BatchStatus": _object(
                {
                    "batch_id": ID,
                    "operation": {"type": "string"},
                    "done": {"type": "boolean"},
                    "counts": {"type": "object", "additionalProperties": {"type": "integer"}},
                    "items": {
                        "type": "array",
                        "items": _object(
                            {
                                "workspace_id": ID,
                                "task_id": ID,
                                "task_status": {"type": "string"},
                                "workspace_state": NULL_STRING,
                                "error": NULL_STRING,
                            },
                            ["workspace_id", "task_id", "task_status", "workspace_state", "error"],
                        ),
                    },
                },
                ["batch_id", "operation", "done", "counts", "items"],
            ),
            "Problem": {
                "type": "object",
                "properties": {
                    "type": {"type": "string"},
                    "title": {"type": "string"},
                    "status": {"type": "integer"},
                    "detail": {"type": "string"},
                    "instance": {"type": "string"},
                },
                "required": ["type", "title", "status", "detail"],
            },
        }
        self.list_query: dict[str, JsonSchema] = {
            "state": {"type": "string", "enum": [s.value for s in State]},
            "limit": {"type": "integer", "minimum": 1, "maximum": settings.max_page, "default": 50},
            "offset": {"type": "integer", "minimum": 0, "default": 0},
        }
        self._validators = {
            name: Draft202012Validator(self.components[name])
            for name in ("WorkspaceCreate", "WorkspacePatch", "BatchCreate")
        }

    def errors(self, name: str, document: object) -> list[dict[str, str]]:
        """Every violation of request schema ``name``, each with the JSON path it concerns."""
        found = sorted(self._validators[name].iter_errors(document), key=lambda e: list(map(str, e.path)))
        return [{"path": "/" + "/".join(str(p) for p in e.path), "message": e.message} for e in found]
