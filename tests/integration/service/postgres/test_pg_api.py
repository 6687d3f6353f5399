"""The HTTP API with its worker pool on PostgreSQL and a real Docker engine: a workspace's whole life."""

from __future__ import annotations

from typing import Any

from service.app import background_of
from service.runtime.protocol import LABEL_ID


def test_api_lifecycle_on_postgresql(make_api: Any, postgres_url: str, containers: Any) -> None:
    api = make_api(database_url=postgres_url)
    assert api.app.extensions["workspace_service"].store.engine.dialect.name == "postgresql"
    created = [api.create(f"pg-{i}") for i in range(3)]
    assert api.post("/api/workspaces", json={"name": "pg-0"}).status_code == 409
    for ws in created:
        assert api.wait_state(ws["id"], {"running"})["container_id"]
    listed = api.get("/api/workspaces?state=running&limit=2").get_json()
    assert listed["total"] == 3 and len(listed["items"]) == 2 and listed["next_offset"] == 2
    ids = [ws["id"] for ws in created]
    batch = api.post("/api/workspaces/batch", json={"operation": "stop", "workspace_ids": ids}).get_json()
    for ws_id in ids:
        api.wait_state(ws_id, {"stopped"})
    status = api.get(batch["status_url"]).get_json()
    assert status["done"] and status["counts"]["succeeded"] == 3
    assert api.get("/readyz").status_code == 200
    replica = background_of(api.app).reconciler.settings.replica
    assert f'workspace_workspaces{{replica="{replica}",state="stopped"}} 3' in api.get("/metrics").get_data(as_text=True)
    for ws_id in ids:
        assert api.delete(f"/api/workspaces/{ws_id}").status_code == 202
    for ws_id in ids:
        api.wait_state(ws_id, {"deleted"})
    assert [c for c in containers() if c.labels[LABEL_ID] in ids] == []
