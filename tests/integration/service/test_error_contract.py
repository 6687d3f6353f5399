"""Every error response /openapi.json documents is provoked, and each is the problem document it promises.

The recipes are keyed by (method, path, status); the test first checks that the keys are exactly the
documented error responses, so a status added to the document without a way to provoke it fails here.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from service.settings import EngineSpec
from service.store import workspaces as workspace_rows

UNKNOWN = "0" * 32
Recipe = Callable[[Any, dict[str, str]], Any]


def _ids(api: Any) -> dict[str, str]:
    """A pending workspace (no background: it stays pending), one being deleted, a batch, and one recorded as
    running (its container does not exist: only refusals made before the engine is asked reach it)."""
    pending = api.create("pending")
    doomed = api.create("doomed")
    api.client.delete(f"/api/workspaces/{doomed['id']}", headers=api.headers)
    batch = api.post("/api/workspaces/batch", json={"operation": "delete", "workspace_ids": [api.create("b")["id"]]})
    return {"pending": pending["id"], "doomed": doomed["id"], "task": pending["task_id"],
            "batch": batch.get_json()["batch_id"], "running": _recorded_running(api, "running")}


def _recorded_running(api: Any, name: str) -> str:
    ws = api.create(name)
    with api.app.extensions["workspace_service"].store.write() as conn:
        workspace_rows.change(conn, ws["id"], time.time(), state="running", container_id="f" * 64)
    return str(ws["id"])


def _slots_taken(recipe: Recipe) -> Recipe:
    """``recipe`` while every exec slot of the running workspace is held."""
    def run(api: Any, ids: dict[str, str]) -> Any:
        slots = api.app.extensions["workspace_service"].execs.slots
        held = [slots.acquire(ids["running"]) for _ in range(slots.limit)]
        try:
            return recipe(api, ids)
        finally:
            for slot in held:
                slots.release(ids["running"], slot)
    return run


def _send(method: str, path: str, **kw: Any) -> Recipe:
    def recipe(api: Any, ids: dict[str, str]) -> Any:
        extra = dict(kw)
        headers = extra.pop("headers", api.headers)
        if "json" in extra:
            extra["json"] = _fill(extra["json"], ids)
        return api.client.open(path.format(**ids), method=method, headers=headers, **extra)
    return recipe


def _fill(value: Any, ids: dict[str, str]) -> Any:
    """``{pending}`` and the like in a JSON body replaced by the ids ``_ids`` made."""
    if isinstance(value, str):
        return value.format(**ids) if value.startswith("{") else value
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value


def _as_json(text: str) -> dict[str, Any]:
    return {"data": text, "content_type": "application/json"}


BIG = {"data": b'{"name": "' + b"x" * 70_000 + b'"}', "content_type": "application/json"}
PLAIN = {"data": '{"name": "x"}', "content_type": "text/plain"}
NO_TOKEN: dict[str, Any] = {"headers": {}}

RECIPES: dict[tuple[str, str, int], Recipe] = {}


def _body_operation(method: str, path: str, real: str, bad: dict[str, Any], taken: dict[str, Any] | None) -> None:
    RECIPES[(method, path, 400)] = _send(method, real, **_as_json("{not json"))
    RECIPES[(method, path, 401)] = _send(method, real, json={}, **NO_TOKEN)
    RECIPES[(method, path, 413)] = _send(method, real, **BIG)
    RECIPES[(method, path, 415)] = _send(method, real, **PLAIN)
    RECIPES[(method, path, 422)] = _send(method, real, json=bad)
    if taken is not None:
        RECIPES[(method, path, 409)] = _send(method, real, json=taken)


_body_operation("post", "/api/workspaces", "/api/workspaces", {"name": "Bad_Name"}, {"name": "pending"})
_body_operation("patch", "/api/workspaces/{workspace_id}", "/api/workspaces/{pending}", {"name": "Bad_Name"}, None)
RECIPES[("patch", "/api/workspaces/{workspace_id}", 404)] = _send("patch", f"/api/workspaces/{UNKNOWN}", json={"name": "a"})
RECIPES[("patch", "/api/workspaces/{workspace_id}", 409)] = _send("patch", "/api/workspaces/{doomed}", json={"name": "a"})
_body_operation("post", "/api/workspaces/batch", "/api/workspaces/batch", {"operation": "create", "workspace_ids": [UNKNOWN]},
                {"operation": "stop", "workspace_ids": ["{pending}"]})
RECIPES[("post", "/api/workspaces/batch", 404)] = _send(
    "post", "/api/workspaces/batch", json={"operation": "stop", "workspace_ids": [UNKNOWN]})
RECIPES[("get", "/api/workspaces", 401)] = _send("get", "/api/workspaces", **NO_TOKEN)
RECIPES[("get", "/api/workspaces", 422)] = _send("get", "/api/workspaces?offset=" + str(2**63))
for _path, _real in (("/api/workspaces/{workspace_id}", "/api/workspaces/{pending}"),
                     ("/api/workspaces/{workspace_id}/status", "/api/workspaces/{pending}/status"),
                     ("/api/workspaces/batch/{batch_id}/status", "/api/workspaces/batch/{batch}/status"),
                     ("/api/tasks/{task_id}", "/api/tasks/{task}")):
    RECIPES[("get", _path, 401)] = _send("get", _real, **NO_TOKEN)
    RECIPES[("get", _path, 404)] = _send("get", _path.split("{")[0] + UNKNOWN + ("/status" if "status" in _path else ""))
RECIPES[("delete", "/api/workspaces/{workspace_id}", 401)] = _send("delete", "/api/workspaces/{pending}", **NO_TOKEN)
RECIPES[("delete", "/api/workspaces/{workspace_id}", 404)] = _send("delete", f"/api/workspaces/{UNKNOWN}")
RECIPES[("delete", "/api/workspaces/{workspace_id}", 409)] = _send("delete", "/api/workspaces/{doomed}")
RECIPES[("delete", "/api/workspaces/{workspace_id}", 422)] = _send("delete", "/api/workspaces/{pending}?keep_volume=yes")
_EXEC = "/api/workspaces/{workspace_id}/exec"
_body_operation("post", _EXEC, "/api/workspaces/{pending}/exec", {"cmd": []}, {"cmd": ["true"]})
RECIPES[("post", _EXEC, 404)] = _send("post", f"/api/workspaces/{UNKNOWN}/exec", json={"cmd": ["true"]})
RECIPES[("post", _EXEC, 429)] = _slots_taken(_send("post", "/api/workspaces/{running}/exec", json={"cmd": ["true"]}))
_FILES = "/api/workspaces/{workspace_id}/files"
_OCTETS = {"content_type": "application/octet-stream"}
RECIPES[("put", _FILES, 401)] = _send("put", "/api/workspaces/{pending}/files?path=f", data=b"x", **_OCTETS, **NO_TOKEN)
RECIPES[("put", _FILES, 404)] = _send("put", f"/api/workspaces/{UNKNOWN}/files?path=f", data=b"x", **_OCTETS)
RECIPES[("put", _FILES, 409)] = _send("put", "/api/workspaces/{pending}/files?path=f", data=b"x", **_OCTETS)
RECIPES[("put", _FILES, 413)] = _send("put", "/api/workspaces/{pending}/files?path=f", data=b"x" * 200_001, **_OCTETS)
RECIPES[("put", _FILES, 415)] = _send("put", "/api/workspaces/{pending}/files?path=f", **PLAIN)
RECIPES[("put", _FILES, 422)] = _send("put", "/api/workspaces/{pending}/files?path=../f", data=b"x", **_OCTETS)
RECIPES[("get", _FILES, 401)] = _send("get", "/api/workspaces/{pending}/files?path=f", **NO_TOKEN)
RECIPES[("get", _FILES, 404)] = _send("get", f"/api/workspaces/{UNKNOWN}/files?path=f")
RECIPES[("get", _FILES, 409)] = _send("get", "/api/workspaces/{pending}/files?path=f")
RECIPES[("get", _FILES, 422)] = _send("get", "/api/workspaces/{pending}/files?path=/etc/passwd")
_LOGS = "/api/workspaces/{workspace_id}/logs"
RECIPES[("get", _LOGS, 401)] = _send("get", "/api/workspaces/{pending}/logs", **NO_TOKEN)
RECIPES[("get", _LOGS, 404)] = _send("get", f"/api/workspaces/{UNKNOWN}/logs")
RECIPES[("get", _LOGS, 409)] = _send("get", "/api/workspaces/{pending}/logs")
RECIPES[("get", _LOGS, 422)] = _send("get", "/api/workspaces/{pending}/logs?tail=-1")
for _verb in ("start", "stop", "restart"):
    _path = f"/api/workspaces/{{workspace_id}}/{_verb}"
    RECIPES[("post", _path, 401)] = _send("post", f"/api/workspaces/{{pending}}/{_verb}", **NO_TOKEN)
    RECIPES[("post", _path, 404)] = _send("post", f"/api/workspaces/{UNKNOWN}/{_verb}")
    RECIPES[("post", _path, 409)] = _send("post", f"/api/workspaces/{{pending}}/{_verb}")


def test_every_documented_error_response_is_a_problem_document(make_api: Any, tmp_path: Path) -> None:
    api = make_api(background=False, upload_max_bytes=200_000)
    document = api.client.get("/openapi.json").get_json()
    documented = {
        (method, path, int(code))
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        for code in operation["responses"]
        if int(code) >= 400
    }
    # provoked below, on an app whose engine is down (a create: whose engines are all down)
    documented -= {("get", "/readyz", 503), ("post", _EXEC, 503), ("put", _FILES, 503), ("get", _FILES, 503),
                   ("get", _LOGS, 503), ("post", "/api/workspaces", 503)}
    assert set(RECIPES) == documented, (sorted(documented - set(RECIPES)), sorted(set(RECIPES) - documented))
    problem = Draft202012Validator(document["components"]["schemas"]["Problem"])
    ids = _ids(api)
    for (method, path, status), recipe in sorted(RECIPES.items()):
        response = recipe(api, ids)
        where = f"{method.upper()} {path} -> {response.status_code}, wanted {status}"
        assert response.status_code == status, (where, response.get_json())
        assert response.content_type == "application/problem+json", where
        body = response.get_json()
        assert problem.is_valid(body) and body["status"] == status, (where, body)
    down = make_api(background=False, docker_url=f"unix://{tmp_path}/no-engine.sock")
    ready = down.client.get("/readyz")
    assert ready.status_code == 503 and ready.content_type == "application/problem+json"
    assert ready.headers["Retry-After"] == "5"
    body = ready.get_json()
    assert problem.is_valid(body) and body["checks"]["docker"].startswith("failing") and "docker" in body["detail"]
    stranded = _recorded_running(down, "engine-down")
    for unreachable in (down.post(f"/api/workspaces/{stranded}/exec", json={"cmd": ["true"]}),
                        down.client.put(f"/api/workspaces/{stranded}/files?path=f", data=b"x", headers=down.headers,
                                        content_type="application/octet-stream"),
                        down.get(f"/api/workspaces/{stranded}/files?path=f"),
                        down.get(f"/api/workspaces/{stranded}/logs")):
        assert unreachable.status_code == 503 and unreachable.content_type == "application/problem+json"
        assert problem.is_valid(unreachable.get_json()) and "unreachable" in unreachable.get_json()["detail"]
    nowhere = make_api(background=False, engines=tuple(EngineSpec(name, f"unix://{tmp_path}/{name}.sock")
                                                        for name in ("a", "b")))
    assert nowhere.client.get("/readyz").status_code == 503  # which is how this process hears both are down
    refused = nowhere.post("/api/workspaces", json={"name": "nowhere"})
    assert refused.status_code == 503 and refused.content_type == "application/problem+json"
    assert problem.is_valid(refused.get_json()) and "every engine that fits is down" in refused.get_json()["detail"]
