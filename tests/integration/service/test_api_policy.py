"""Lifecycle policy over HTTP with the real engine: environment and write-only secrets in the container, quotas
answered as 409 problems that name the limit, idle workspaces stopped and expired ones deleted by the
reconciler's periodic pass, and activity that keeps a workspace up."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import pytest

from service.runtime.protocol import LABEL_ID
from service.store import policies as policy_rows

SECRET = "hunter2-very-secret"


def _listed_state(api: Any, workspace_id: str) -> dict[str, Any]:
    """The workspace as the list shows it (a list is no activity on any one workspace)."""
    items = api.get("/api/workspaces?limit=100").get_json()["items"]
    return next(item for item in items if item["id"] == workspace_id)


def _wait_listed(api: Any, workspace_id: str, state: str, timeout: float = 30.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        found = _listed_state(api, workspace_id)
        if found["state"] == state:
            return found
        assert time.monotonic() < deadline, found
        time.sleep(0.2)


def test_env_and_secrets_reach_the_container_and_secrets_are_never_answered(
        api: Any, containers: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    made = api.post("/api/workspaces", json={"name": "env", "env": {"MODE": "dev"}, "secrets": {"TOKEN": SECRET}})
    assert made.status_code == 201
    ws = made.get_json()
    api.wait_state(ws["id"], {"running"})
    container = next(c for c in containers() if c.labels[LABEL_ID] == ws["id"])
    assert {"MODE=dev", f"TOKEN={SECRET}"} <= set(container.attrs["Config"]["Env"])
    status = api.get(f"/api/workspaces/{ws['id']}/status").get_json()
    assert status["policy"]["env"] == {"MODE": "dev"} and status["policy"]["secret_names"] == ["TOKEN"]
    answers = [made.get_data(as_text=True), json.dumps(status)]
    for path in (f"/api/workspaces/{ws['id']}", "/api/workspaces", f"/api/tasks/{ws['task_id']}", "/openapi.json"):
        answers.append(api.get(path).get_data(as_text=True))
    for bad in ({"K": SECRET * 1000}, {"K": 7}, SECRET, {"1BAD": SECRET}):
        refused = api.post("/api/workspaces", json={"name": "bad", "secrets": bad})
        assert refused.status_code == 422 and refused.content_type == "application/problem+json"
        answers.append(refused.get_data(as_text=True))
    assert not [answer for answer in answers if SECRET in answer or SECRET[:8] in answer]
    api.delete(f"/api/workspaces/{ws['id']}")
    api.wait_state(ws["id"], {"deleted"})
    with api.app.extensions["workspace_service"].store.read() as conn:  # kept no longer than the workspace
        assert policy_rows.get(conn, ws["id"]) is None and policy_rows.environment(conn, ws["id"]) == {}
    assert SECRET not in caplog.text


def test_quotas_are_409_problems_that_name_the_limit(make_api: Any) -> None:
    api = make_api(owner_max_workspaces=1, owner_max_memory_mb=128, background=False)
    assert api.post("/api/workspaces", json={"name": "one", "resources": {"memory_mb": 64}}).status_code == 201
    second = api.post("/api/workspaces", json={"name": "two"})
    assert second.status_code == 409 and second.content_type == "application/problem+json"
    body = second.get_json()
    assert (body["limit"], body["quota"], body["in_use"], body["asked"]) == ("workspaces", 1, 1, 1)
    assert body["detail"] == "over the owner's quota of 1 workspaces: 1 in use, 1 asked"
    first = api.get("/api/workspaces").get_json()["items"][0]
    bigger = api.patch(f"/api/workspaces/{first['id']}", json={"resources": {"memory_mb": 256}})
    assert bigger.status_code == 409 and bigger.get_json()["limit"] == "memory_mb"
    assert api.get("/api/workspaces").get_json()["total"] == 1


def test_an_idle_workspace_is_stopped_and_an_expired_one_deleted(make_api: Any, containers: Any) -> None:
    api = make_api(idle_timeout=3.0, reconcile_interval=1.0, activity_interval=0.2)
    idle = api.create("idle")
    expiring = api.create("expiring", ttl_s=4, idle_timeout_s=0)
    _wait_listed(api, idle["id"], "running")
    stopped = _wait_listed(api, idle["id"], "stopped")
    assert stopped["last_error"] == "idle: stopped after 3 s without activity" and stopped["desired_state"] == "stopped"
    assert [c.status for c in containers() if c.labels[LABEL_ID] == idle["id"]] == ["exited"]
    deleted = _wait_listed(api, expiring["id"], "deleted")
    assert deleted["last_error"] == "ttl: deleted at its expiry"
    assert [c for c in containers() if c.labels[LABEL_ID] == expiring["id"]] == []


def test_activity_keeps_a_workspace_running(make_api: Any) -> None:
    api = make_api(idle_timeout=3.0, reconcile_interval=1.0, activity_interval=0.2)
    ws = api.create("busy")
    _wait_listed(api, ws["id"], "running")
    until = time.monotonic() + 7
    while time.monotonic() < until:  # reading its status is activity
        with api.get(f"/api/workspaces/{ws['id']}/status") as read:  # closed, as a server closes each answer
            assert read.get_json()["workspace"]["state"] == "running"
        time.sleep(0.5)
    _wait_listed(api, ws["id"], "stopped", timeout=15)


def test_a_long_exec_is_activity_until_it_ends(make_api: Any) -> None:
    api = make_api(idle_timeout=3.0, reconcile_interval=1.0, activity_interval=0.5)
    ws = api.create("long")
    _wait_listed(api, ws["id"], "running")
    with api.post(f"/api/workspaces/{ws['id']}/exec", json={"cmd": ["sleep", "7"], "timeout_s": 30}) as ran:
        assert ran.status_code == 200 and ran.get_json()["exit_code"] == 0  # 7 s with no other call: still up
    assert _listed_state(api, ws["id"])["state"] == "running"
    _wait_listed(api, ws["id"], "stopped", timeout=15)
