"""Batches: accepted or refused as a whole, progress per workspace, and the 0 / too many / unknown cases."""

from __future__ import annotations

import time
from typing import Any

from service.app import background_of
from service.runtime.protocol import LABEL_ID


def _wait_batch(api: Any, url: str, timeout: float = 30.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        body = dict(api.get(url).get_json())
        if body["done"] or time.monotonic() > deadline:
            return body
        time.sleep(0.05)


def test_batch_stop_start_delete(make_api: Any, containers: Any) -> None:
    api = make_api()
    ids = [api.create(f"b-{i}")["id"] for i in range(4)]
    for i in ids:
        api.wait_state(i, {"running"})
    accepted = api.post("/api/workspaces/batch", json={"operation": "stop", "workspace_ids": ids})
    assert accepted.status_code == 202
    body = accepted.get_json()
    assert body["status_url"] == f"/api/workspaces/batch/{body['batch_id']}/status" and len(body["task_ids"]) == 4
    done = _wait_batch(api, body["status_url"])
    assert done["done"] and done["counts"]["succeeded"] == 4
    assert {item["workspace_state"] for item in done["items"]} == {"stopped"}
    assert {c.status for c in containers() if c.labels[LABEL_ID] in ids} == {"exited"}
    started = api.post("/api/workspaces/batch", json={"operation": "start", "workspace_ids": ids}).get_json()
    assert _wait_batch(api, started["status_url"])["counts"]["succeeded"] == 4
    deleted = api.post("/api/workspaces/batch", json={"operation": "delete", "workspace_ids": ids}).get_json()
    final = _wait_batch(api, deleted["status_url"])
    assert {item["workspace_state"] for item in final["items"]} == {"deleted"}
    assert [c for c in containers() if c.labels[LABEL_ID] in ids] == []


def test_batch_is_all_or_nothing(make_api: Any) -> None:
    api = make_api(background=False, max_batch=3)
    ids = [api.create(f"n-{i}")["id"] for i in range(2)]
    empty = api.post("/api/workspaces/batch", json={"operation": "start", "workspace_ids": []})
    assert empty.status_code == 422 and "should be non-empty" in str(empty.get_json()["errors"])
    too_many = api.post("/api/workspaces/batch", json={"operation": "delete", "workspace_ids": ["a" * 32, "b" * 32, "c" * 32, "d" * 32]})
    assert too_many.status_code == 422 and "is too long" in str(too_many.get_json()["errors"])
    unknown = api.post("/api/workspaces/batch", json={"operation": "delete", "workspace_ids": [ids[0], "f" * 32]})
    assert unknown.status_code == 404 and unknown.get_json()["missing"] == ["f" * 32]
    illegal = api.post("/api/workspaces/batch", json={"operation": "stop", "workspace_ids": ids})
    assert illegal.status_code == 409 and set(illegal.get_json()["refused"]) == set(ids)
    bad_op = api.post("/api/workspaces/batch", json={"operation": "explode", "workspace_ids": ids})
    assert bad_op.status_code == 422
    for i in ids:  # nothing was queued by any refused batch
        ws = api.get(f"/api/workspaces/{i}").get_json()
        assert ws["state"] == "pending"
    replica = background_of(api.app).reconciler.settings.replica
    assert f'workspace_tasks{{replica="{replica}",status="queued"}} 2' in api.client.get("/metrics").get_data(as_text=True)
