"""JSON Schemas of the calls that work inside a workspace: exec, files and logs.

Kept apart from ``schemas`` (the lifecycle's) because their limits come from other settings (the exec's
timeout, output and input bounds); ``schemas.Schemas`` publishes and validates them like its own.
"""

from __future__ import annotations

from typing import Any

from service.settings import Settings

ENV_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"


def components(settings: Settings) -> dict[str, dict[str, Any]]:
    """The named request and response schemas of exec, files and logs."""
    return {
        "ExecRequest": {
            "type": "object",
            "properties": {
                "cmd": {"type": "array", "minItems": 1, "maxItems": 4096, "items": {"type": "string"},
                        "description": "argv: the program, then its arguments (no shell unless you run one)"},
                "cwd": {"type": "string", "minLength": 1, "maxLength": 4096,
                        "description": "working folder, relative to /workspace (or spelled /workspace/...)"},
                "env": {"type": "object", "maxProperties": 256,
                        "propertyNames": {"pattern": ENV_NAME, "maxLength": 255},
                        "additionalProperties": {"type": "string"}},
                "timeout_s": {"type": "number", "exclusiveMinimum": 0, "maximum": settings.exec_timeout_max,
                              "default": settings.exec_timeout,
                              "description": "killed with its process group when still running then"},
                "stdin": {"type": "string", "maxLength": settings.exec_stdin_bytes,
                          "description": f"at most {settings.exec_stdin_bytes} bytes of UTF-8, no NUL"},
            },
            "required": ["cmd"],
            "additionalProperties": False,
        },
        "FileWritten": {
            "type": "object",
            "properties": {"path": {"type": "string"}, "size": {"type": "integer"}},
            "required": ["path", "size"],
            "additionalProperties": False,
        },
        "FolderWritten": {
            "type": "object",
            "properties": {"path": {"type": "string"}, "size": {"type": "integer", "description": "bytes of files"},
                           "entries": {"type": "integer"}},
            "required": ["path", "size", "entries"],
            "additionalProperties": False,
        },
        "ExecResult": {
            "type": "object",
            "properties": {
                "exit_code": {"type": ["integer", "null"],
                              "description": "null when killed at its timeout (or its end is unknown)"},
                "stdout": {"type": "string"},
                "stderr": {"type": "string"},
                "stdout_truncated": {"type": "boolean"},
                "stderr_truncated": {"type": "boolean"},
                "timed_out": {"type": "boolean"},
                "duration_s": {"type": "number"},
            },
            "required": ["exit_code", "stdout", "stderr", "stdout_truncated", "stderr_truncated", "timed_out",
                         "duration_s"],
            "additionalProperties": False,
        },
    }
