"""The OpenAPI 3.1 document, assembled from ``schemas.Schemas`` so that what is published is what validates."""

from __future__ import annotations

from typing import Any

from service.api.schemas import ID, JsonSchema, Schemas
from service.domain.logs import MAX_TAIL

PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


def _json(name: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}


def _problems(*codes: int) -> dict[str, Any]:
    words = {400: "Malformed request (not JSON, or nested too deep)", 401: "Missing or invalid token",
             404: "Not found (or another owner's)",
             409: "Not legal in the current state, or over one of the owner's quotas (limit names which)",
             413: "Body larger than the operator's limit (not read)",
             415: "Body is not of a media type this operation reads",
             422: "Request does not match the schema or the limits",
             429: "Too many in progress at once (the document's limit names how many)",
             503: "Not ready: the store or the container engine does not answer (which, and why)"}
    return {str(c): {"description": words[c], "content": PROBLEM} for c in codes}


def _op(summary: str, ok: int, body: str | None, response: str | None, problems: tuple[int, ...],
        params: list[dict[str, Any]] | None = None, secure: bool = True) -> dict[str, Any]:
    operation: dict[str, Any] = {"summary": summary, "responses": {}}
    operation["responses"][str(ok)] = {"description": summary}
    if response:
        operation["responses"][str(ok)]["content"] = _json(response)
    operation["responses"].update(_problems(*problems, *((413, 415) if body else ())))
    if body:
        operation["requestBody"] = {"required": True, "content": _json(body)}
    if params:
        operation["parameters"] = params
    operation["security"] = [{"bearer": []}] if secure else []
    return operation


def _path_id(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": ID}


def _query(name: str, schema: JsonSchema, description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def io_paths(ws_id: list[dict[str, Any]]) -> dict[str, Any]:
    """The calls that work inside a workspace: exec (plain or streamed), files and logs."""
    run = _op("Run a command in a running workspace", 200, "ExecRequest", "ExecResult",
              (400, 401, 404, 409, 422, 429, 503),
              [*ws_id, _query("stream", {"type": "boolean", "default": False},
                              "true: answer text/event-stream: stdout and stderr events (data: the text as a JSON"
                              " string) as output arrives, then an exit event whose data is the ExecResult")])
    run["responses"]["200"]["content"]["text/event-stream"] = {"schema": {"type": "string"}}
    path = [*ws_id, {"name": "path", "in": "query", "required": True, "schema": {"type": "string"},
                     "description": "relative to /workspace ('.' is the home itself); no '..', no absolute path,"
                                    " no symbolic link on the way"}]
    binary = {"schema": {"type": "string", "format": "binary"}}
    put = _op("Write a file, or extract a tar into a folder", 201, None, None, (401, 404, 409, 413, 415, 422, 503),
              path)
    put["requestBody"] = {"required": True, "content": {"application/octet-stream": binary,
                                                       "application/x-tar": binary}}
    put["responses"]["201"]["content"] = {"application/json": {"schema": {"oneOf": [
        {"$ref": "#/components/schemas/FileWritten"}, {"$ref": "#/components/schemas/FolderWritten"}]}}}
    get = _op("Read a file (its bytes) or a folder (a tar)", 200, None, None, (401, 404, 409, 422, 503), path)
    get["responses"]["200"]["content"] = {"application/octet-stream": binary, "application/x-tar": binary}
    logs = _op("The container's output", 200, None, None, (401, 404, 409, 422, 503), [
        *ws_id, _query("tail", {"type": "integer", "minimum": 0, "maximum": MAX_TAIL}, "only the last N lines"),
        _query("follow", {"type": "boolean", "default": False},
               "true: go on with what it prints next, until it stops or the operator's follow limit")])
    logs["responses"]["200"]["content"] = {"text/plain": {"schema": {"type": "string"}}}
    return {"/api/workspaces/{workspace_id}/exec": {"post": run},
            "/api/workspaces/{workspace_id}/files": {"put": put, "get": get},
            "/api/workspaces/{workspace_id}/logs": {"get": logs}}


def _ref(path: str, method: str) -> str:
    """A JSON pointer to an operation of this document (``/`` escaped as ``~1``)."""
    return "#/paths/" + path.replace("~", "~0").replace("/", "~1") + "/" + method


def _link(paths: dict[str, Any]) -> None:
    """OpenAPI links from each answer that names a workspace, a task or a batch to the calls that take it."""
    ws = "/api/workspaces/{workspace_id}"
    by_workspace = {
        "read": (ws, "get"), "status": (ws + "/status", "get"), "exec": (ws + "/exec", "post"),
        "read_file": (ws + "/files", "get"), "write_file": (ws + "/files", "put"), "logs": (ws + "/logs", "get"),
        "start": (ws + "/start", "post"), "stop": (ws + "/stop", "post"), "restart": (ws + "/restart", "post"),
        "delete": (ws, "delete"),
    }
    workspace_links = {name: {"operationRef": _ref(path, method), "parameters": {"workspace_id": "$response.body#/id"}}
                       for name, (path, method) in by_workspace.items()}
    task_link = {"task": {"operationRef": _ref("/api/tasks/{task_id}", "get"),
                          "parameters": {"task_id": "$response.body#/task_id"}}}
    accepted = [("/api/workspaces", "post", "201"), (ws, "delete", "202"), (ws, "patch", "202"),
                *((f"{ws}/{verb}", "post", "202") for verb in ("start", "stop", "restart"))]
    for path, method, status in accepted:
        paths[path][method]["responses"][status]["links"] = {**workspace_links, **task_link}
    for path, method, status in ((ws, "get", "200"), (ws, "patch", "200")):
        paths[path][method]["responses"][status]["links"] = workspace_links
    paths["/api/workspaces/batch"]["post"]["responses"]["202"]["links"] = {"progress": {
        "operationRef": _ref("/api/workspaces/batch/{batch_id}/status", "get"),
        "parameters": {"batch_id": "$response.body#/batch_id"}}}


def document(schemas: Schemas) -> dict[str, Any]:
    """The whole API description."""
    ws_id = [_path_id("workspace_id")]
    query: list[dict[str, Any]] = [
        {"name": name, "in": "query", "required": False, "schema": schema}
        for name, schema in schemas.list_query.items()
    ]
    read = (401, 404)
    paths: dict[str, Any] = {
        "/api/workspaces": {
            "post": _op("Create a workspace", 201, "WorkspaceCreate", "WorkspaceAccepted", (400, 401, 409, 422, 503)),
            "get": _op("List workspaces", 200, None, "WorkspaceList", (401, 422), query),
        },
        "/api/workspaces/{workspace_id}": {
            "get": _op("Read a workspace", 200, None, "Workspace", read, ws_id),
            "patch": _op("Rename or resize a workspace", 200, "WorkspacePatch", "Workspace", (400, 401, 404, 409, 422),
                         ws_id),
            "delete": _op("Delete a workspace", 202, None, "WorkspaceAccepted", (401, 404, 409, 422),
                          [*ws_id, _query("keep_volume", {"type": "boolean", "default": False},
                                          "true: leave the workspace's home volume in the engine")]),
        },
        "/api/workspaces/{workspace_id}/status": {
            "get": _op("Live status of a workspace", 200, None, "WorkspaceStatus", read, ws_id),
        },
        "/api/workspaces/batch": {
            "post": _op("Submit a batch", 202, "BatchCreate", "BatchAccepted", (400, 401, 404, 409, 422)),
        },
        "/api/workspaces/batch/{batch_id}/status": {
            "get": _op("Progress of a batch", 200, None, "BatchStatus", read, [_path_id("batch_id")]),
        },
        "/api/tasks/{task_id}": {
            "get": _op("Read a task", 200, None, "Task", read, [_path_id("task_id")]),
        },
        "/healthz": {"get": _op("The process is alive", 200, None, None, (), secure=False)},
        "/readyz": {"get": _op("The store and Docker answer", 200, None, None, (503,), secure=False)},
        "/metrics": {"get": _op("Prometheus metrics", 200, None, None, (), secure=False)},
        "/openapi.json": {"get": _op("This document", 200, None, None, (), secure=False)},
    }
    for verb in ("start", "stop", "restart"):
        paths[f"/api/workspaces/{{workspace_id}}/{verb}"] = {
            "post": _op(f"{verb.capitalize()} a workspace", 202, None, "WorkspaceAccepted", (401, 404, 409), ws_id)
        }
    paths["/api/workspaces/{workspace_id}"]["patch"]["responses"]["202"] = {
        "description": "Resources changed: the resize task applying them to the container",
        "content": _json("WorkspaceAccepted"),
    }
    paths.update(io_paths(ws_id))
    _link(paths)
    paths["/metrics"]["get"]["responses"]["200"]["content"] = {"text/plain": {"schema": {"type": "string"}}}
    for plain in ("/healthz", "/readyz", "/openapi.json"):
        paths[plain]["get"]["responses"]["200"]["content"] = {"application/json": {"schema": {"type": "object"}}}
    components: dict[str, JsonSchema] = dict(schemas.components)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "workspace-service",
            "version": "1.0.0",
            "description": "Owner-scoped, hardened Docker workspaces with durable lifecycle tasks.",
        },
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
    }
