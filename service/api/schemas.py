"""JSON Schemas (2020-12) for every request and response: the validators and ``/openapi.json`` share them.

They are built from the settings because the operator's limits (resource ceilings, allowed images, batch
size, page size) are part of the contract a client must see.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from jsonschema import Draft202012Validator, ValidationError

from service.api import io_schemas
from service.api.problems import SHOWN, clip
from service.model import Operation, State, TaskStatus
from service.settings import Settings

JsonSchema = dict[str, Any]
MAX_OFFSET = 2**31 - 1  # far beyond any owner's count, well inside the store's 64-bit integers
Check = Callable[[Any], bool]
NAME_PATTERN = r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"
NAME_RE = re.compile(NAME_PATTERN.rstrip("$").lstrip("^"))
ID: JsonSchema = {"type": "string", "pattern": "^[0-9a-f]{32}$"}
TIME: JsonSchema = {"type": "string", "format": "date-time"}
NULL_TIME: JsonSchema = {"type": ["string", "null"], "format": "date-time"}
NULL_STRING: JsonSchema = {"type": ["string", "null"]}
MAX_SECONDS = 10 * 365 * 86400
ENVIRONMENT: JsonSchema = {
    "type": "object",
    "maxProperties": 64,
    "propertyNames": {"type": "string", "maxLength": 128, "pattern": "^[A-Za-z_][A-Za-z0-9_]*$"},
    "additionalProperties": {"type": "string", "maxLength": 8192, "pattern": "^[^\u0000]*$"},
    "description": "Environment variables of the workspace's container: names as in POSIX shells, values without NUL.",
}
ENGINE_LABELS: JsonSchema = {
    "type": "object",
    "maxProperties": 32,
    "propertyNames": {"type": "string", "minLength": 1, "maxLength": 128},
    "additionalProperties": {"type": "string", "maxLength": 256},
    "description": "Labels the workspace's engine must carry (each equal); placed on the one with the most room.",
}
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


_ANNOTATIONS = {"description", "format", "default"}  # format is not asserted by the validators either
_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,), "integer": (int,), "number": (int, float), "object": (dict,), "array": (list,), "null": (type(None),)
}
_KEYWORDS = {"type", "properties", "additionalProperties", "required", "minProperties", "items", "minItems", "maxItems",
             "uniqueItems", "minLength", "maxLength", "pattern", "enum", "minimum", "maximum", "maxProperties",
             "propertyNames"}


def quick_check(schema: JsonSchema) -> Check | None:
    """A fast predicate compiled from ``schema`` that is true only for documents the JSON Schema validator
    accepts (it may say false for some valid ones, e.g. ``1.0`` for an integer: the validator then decides).
    None when the schema uses a keyword not handled here. Used on the request path, where a valid body
    costs one call of plain Python instead of a walk of the validator's keyword functions."""
    extra = schema.get("additionalProperties", False)
    if set(schema) - _KEYWORDS - _ANNOTATIONS or extra is True:
        return None
    others = quick_check(extra) if isinstance(extra, dict) else None  # the schema of keys not in properties
    names = quick_check(schema["propertyNames"]) if "propertyNames" in schema else None
    if (isinstance(extra, dict) and others is None) or ("propertyNames" in schema and names is None):
        return None
    props: dict[str, Check] = {}
    for name, sub in schema.get("properties", {}).items():
        compiled = quick_check(sub)
        if compiled is None:
            return None
        props[name] = compiled
    items = quick_check(schema["items"]) if "items" in schema else None
    if "items" in schema and items is None:
        return None
    enum = schema.get("enum")
    if enum is not None and not all(type(e) is str for e in enum):
        return None
    named = schema.get("type")
    types = None if named is None else tuple(t for n in ([named] if isinstance(named, str) else named) for t in _TYPES.get(n, ()))
    closed, required = extra is False and "additionalProperties" in schema, tuple(schema.get("required", ()))
    min_props, min_items, max_items = schema.get("minProperties"), schema.get("minItems"), schema.get("maxItems")
    max_props = schema.get("maxProperties")
    unique, low, high = schema.get("uniqueItems", False), schema.get("minimum"), schema.get("maximum")
    min_len, max_len = schema.get("minLength"), schema.get("maxLength")
    pattern = re.compile(schema["pattern"]).search if "pattern" in schema else None
    choices = None if enum is None else frozenset(enum)

    def check(doc: Any) -> bool:
        kind = type(doc)  # exact types: a bool is no integer here, whatever Python's subclassing says
        if types is not None and kind not in types:
            return False
        if choices is not None and (kind is not str or doc not in choices):
            return False
        if kind is str:
            return ((min_len is None or len(doc) >= min_len) and (max_len is None or len(doc) <= max_len)
                    and (pattern is None or pattern(doc) is not None))
        if kind is int or kind is float:
            return (low is None or doc >= low) and (high is None or doc <= high)
        if kind is dict:
            if (closed and not props.keys() >= doc.keys()) or any(r not in doc for r in required):
                return False
            if (min_props is not None and len(doc) < min_props) or (max_props is not None and len(doc) > max_props):
                return False
            if names is not None and not all(names(k) for k in doc):
                return False
            if others is not None and not all(others(v) for k, v in doc.items() if k not in props):
                return False
            return all(props[k](v) for k, v in doc.items() if k in props)
        if kind is list:
            if (min_items is not None and len(doc) < min_items) or (max_items is not None and len(doc) > max_items):
                return False
            if unique and not (all(type(x) is str for x in doc) and len(set(doc)) == len(doc)):
                return False
            return items is None or all(items(x) for x in doc)
        return True

    return check


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
            "engine": {"type": "string", "description": "The Docker engine the workspace was placed on."},
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
                    "env": ENVIRONMENT,
                    "secrets": {**ENVIRONMENT, "description": "Like env, but write-only: never in any answer."},
                    "idle_timeout_s": {"type": "number", "minimum": 0, "maximum": MAX_SECONDS,
                                       "description": "Stop after this long without activity; 0: never. "
                                                      "Default: the operator's."},
                    "ttl_s": {"type": "number", "minimum": 1, "maximum": settings.workspace_ttl or MAX_SECONDS,
                              "description": "Delete this long after creation. Default: the operator's TTL, "
                                             "which is also the most it may ask."},
                    "engine_labels": ENGINE_LABELS,
                },
                ["name"],
            ),
            "WorkspacePatch": _object({"name": NAME, "resources": resources_in}, minProperties=1),
            "BatchCreate": _object(
                {
                    "operation": {"type": "string", "enum": ["start", "stop", "restart", "delete", "move"]},
                    "engine": {"type": "string", "maxLength": 63,
                               "description": "move only: the engine to move to (default: placement's choice "
                                              "among the others)"},
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
                    "engine": {"type": "string", "description": "The Docker engine the workspace is on."},
                    "container_id": NULL_STRING,
                    "container_state": {"type": "string"},
                    "uptime_seconds": number_or_null,
                    "cpu_seconds": number_or_null,
                    "memory_bytes": int_or_null,
                    "memory_limit_bytes": int_or_null,
                    "oci_runtime": NULL_STRING,
                    "reason": NULL_STRING,
                    "last_error": NULL_STRING,
                    "policy": {"$ref": "#/components/schemas/Policy"},
                },
                ["workspace", "engine", "container_id", "container_state", "reason", "last_error", "policy"],
            ),
            "Policy": _object(
                {
                    "env": {"type": "object", "additionalProperties": {"type": "string"}},
                    "secret_names": {"type": "array", "items": {"type": "string"}},
                    "idle_timeout_s": number_or_null,
                    "last_active_at": NULL_TIME,
                    "expires_at": NULL_TIME,
                },
                ["env", "secret_names", "idle_timeout_s", "last_active_at", "expires_at"],
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
        self.components.update(io_schemas.components(settings))
        self.list_query: dict[str, JsonSchema] = {
            "state": {"type": "string", "enum": [s.value for s in State]},
            "limit": {"type": "integer", "minimum": 1, "maximum": settings.max_page, "default": 50},
            "offset": {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0},
        }
        requests = ("WorkspaceCreate", "WorkspacePatch", "BatchCreate", "ExecRequest")
        self._validators = {name: Draft202012Validator(self.components[name]) for name in requests}
        self._quick = {name: quick_check(self.components[name]) for name in requests}

    def errors(self, name: str, document: object) -> list[dict[str, str]]:
        """Every violation of request schema ``name``, each with the JSON path it concerns."""
        quick = self._quick[name]
        if quick is not None and quick(document):
            return []
        found = sorted(self._validators[name].iter_errors(document), key=lambda e: list(map(str, e.path)))
        return [{"path": clip("/" + "/".join(str(p) for p in e.path)), "message": _short_message(e)} for e in found]


def _short_message(error: ValidationError) -> str:
    """The validator's message with the offending value cut to a prefix (its messages embed the value's repr);
    under ``/secrets`` only the rule that failed, never the value."""
    if error.path and error.path[0] == "secrets":
        return f"a secret fails its {error.validator} rule (secret values are never repeated)"
    return _clipped_message(error)


def _clipped_message(error: ValidationError) -> str:
    shown = repr(error.instance)
    if len(shown) > SHOWN:
        return clip(error.message.replace(shown, clip(shown)), 4 * SHOWN)
    return clip(error.message, 4 * SHOWN)
