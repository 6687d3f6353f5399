"""The workspace API over the Flask test client, with the real engine doing the work in the background."""

from __future__ import annotations

import io
from typing import Any

from service.runtime.protocol import LABEL_ID


def test_create_answers_pending_then_runs(api: Any, containers: Any) -> None:
    body = api.create("alpha")
    assert body["state"] == "pending" and body["desired_state"] == "running"
    task = api.wait_task(body["task_id"])
    assert task["status"] == "succeeded" and task["kind"] == "create" and task["started_at"]
    ws = api.wait_state(body["id"], {"running"})
    owned = [c for c in containers() if c.labels[LABEL_ID] == body["id"]]
    assert len(owned) == 1 and owned[0].id == ws["container_id"] and owned[0].status == "running"


def test_lifecycle_stop_start_restart_delete(api: Any, containers: Any) -> None:
    ws = api.create("beta")
    api.wait_state(ws["id"], {"running"})
    stopped = api.post(f"/api/workspaces/{ws['id']}/stop")
    assert stopped.status_code == 202 and stopped.get_json()["state"] == "stopping"
    api.wait_state(ws["id"], {"stopped"})
    assert [c.status for c in containers() if c.labels[LABEL_ID] == ws["id"]] == ["exited"]
    again = api.post(f"/api/workspaces/{ws['id']}/stop")
    assert again.status_code == 409
    assert again.content_type == "application/problem+json"
    assert "cannot stop a workspace that is stopped" in again.get_json()["detail"]
    assert api.post(f"/api/workspaces/{ws['id']}/start").status_code == 202
    api.wait_state(ws["id"], {"running"})
    restarted = api.post(f"/api/workspaces/{ws['id']}/restart")
    assert restarted.get_json()["state"] == "restarting"
    assert api.wait_task(restarted.get_json()["task_id"])["status"] == "succeeded"
    api.wait_state(ws["id"], {"running"})
    deleted = api.delete(f"/api/workspaces/{ws['id']}")
    assert deleted.status_code == 202
    api.wait_state(ws["id"], {"deleted"})
    assert [c for c in containers() if c.labels[LABEL_ID] == ws["id"]] == []
    assert api.delete(f"/api/workspaces/{ws['id']}").status_code == 409


def test_status_reports_live_container_facts(api: Any) -> None:
    ws = api.create("gamma", resources={"memory_mb": 128, "cpus": 0.5, "pids": 64})
    api.wait_state(ws["id"], {"running"})
    status = api.get(f"/api/workspaces/{ws['id']}/status").get_json()
    assert status["container_state"] == "running"
    assert status["uptime_seconds"] >= 0 and status["cpu_seconds"] >= 0
    assert status["memory_limit_bytes"] == 128 * 1024 * 1024
    assert status["workspace"]["resources"] == {"cpus": 0.5, "memory_mb": 128, "pids": 64}


def test_delete_while_pending_leaves_no_container(api: Any, containers: Any) -> None:
    ws = api.create("delta")
    assert api.delete(f"/api/workspaces/{ws['id']}").status_code == 202
    api.wait_state(ws["id"], {"deleted"})
    assert [c for c in containers() if c.labels[LABEL_ID] == ws["id"]] == []


def test_other_owner_sees_404_never_403(api: Any) -> None:
    ws = api.create("epsilon")
    bob = {"Authorization": f"Bearer {api.issue('bob')}"}
    for method, path in (
        ("get", f"/api/workspaces/{ws['id']}"),
        ("get", f"/api/workspaces/{ws['id']}/status"),
        ("post", f"/api/workspaces/{ws['id']}/stop"),
        ("delete", f"/api/workspaces/{ws['id']}"),
        ("get", f"/api/tasks/{ws['task_id']}"),
    ):
        response = getattr(api.client, method)(path, headers=bob)
        assert response.status_code == 404, (method, path)
    assert api.client.get("/api/workspaces", headers=bob).get_json()["total"] == 0
    batch = api.client.post("/api/workspaces/batch", headers=bob, json={"operation": "stop", "workspace_ids": [ws["id"]]})
    assert batch.status_code == 404 and batch.get_json()["missing"] == [ws["id"]]


def test_list_paginates_and_filters(make_api: Any) -> None:
    api = make_api(background=False)
    ids = [api.create(f"ws-{i}")["id"] for i in range(5)]
    page = api.get("/api/workspaces?limit=2&offset=0").get_json()
    assert [w["id"] for w in page["items"]] == ids[:2] and page["total"] == 5 and page["next_offset"] == 2
    last = api.get("/api/workspaces?limit=2&offset=4").get_json()
    assert [w["id"] for w in last["items"]] == ids[4:] and last["next_offset"] is None
    assert api.get("/api/workspaces?state=pending").get_json()["total"] == 5
    assert api.get("/api/workspaces?state=running").get_json()["total"] == 0
    assert api.get("/api/workspaces?state=sleepy").status_code == 422
    assert api.get("/api/workspaces?limit=0").status_code == 422
    assert api.get("/api/workspaces?limit=x").status_code == 422


def test_rename_and_name_conflicts(make_api: Any) -> None:
    api = make_api(background=False)
    a = api.create("one")
    api.create("two")
    assert api.post("/api/workspaces", json={"name": "one"}).status_code == 409
    assert api.patch(f"/api/workspaces/{a['id']}", json={"name": "two"}).status_code == 409
    renamed = api.patch(f"/api/workspaces/{a['id']}", json={"name": "three"})
    assert renamed.status_code == 200 and renamed.get_json()["name"] == "three"
    assert api.patch(f"/api/workspaces/{a['id']}", json={"name": "Bad Name"}).status_code == 422


def test_image_pull_failure_marks_failed_with_reason(make_api: Any, containers: Any) -> None:
    image = "127.0.0.1:1/absent:latest"
    api = make_api(allowed_images=("workspace-base:latest", image))
    ws = api.create("pull-fails", image=image)
    failed = api.wait_state(ws["id"], {"failed"})
    assert "pulling 127.0.0.1:1/absent:latest failed" in failed["last_error"]
    assert api.get(f"/api/tasks/{ws['task_id']}").get_json()["status"] == "failed"
    assert [c for c in containers() if c.labels[LABEL_ID] == ws["id"]] == []
    assert api.post(f"/api/workspaces/{ws['id']}/start").status_code == 202  # failed -> start is legal


def test_task_timeout_is_retried_then_recorded(make_api: Any, containers: Any) -> None:
    api = make_api(task_timeout=0.0, task_max_attempts=2)  # every attempt is past its deadline at once
    ws = api.create("times-out")
    failed = api.wait_state(ws["id"], {"failed"})
    assert "task exceeded its timeout" in failed["last_error"] and "(after 2 attempts)" in failed["last_error"]
    assert api.get(f"/api/tasks/{ws['task_id']}").get_json()["attempts"] == 2
    assert [c for c in containers() if c.labels[LABEL_ID] == ws["id"]] == []


def test_failed_create_removes_what_it_created(make_api: Any, containers: Any, docker_client: Any) -> None:
    image = "workspace-broken:test"  # /tmp is a file: create succeeds, mounting the tmpfs at start fails for good
    dockerfile = b"FROM workspace-base:latest\nUSER 0\nWORKDIR /\nRUN rm -rf /tmp && touch /tmp\nUSER 1000:1000\n"
    docker_client.images.build(fileobj=io.BytesIO(dockerfile), tag=image, rm=True)
    api = make_api(allowed_images=("workspace-base:latest", image))
    ws = api.create("broken", image=image)
    failed = api.wait_state(ws["id"], {"failed"})
    assert "error mounting" in failed["last_error"] and failed["container_id"] is None
    assert api.get(f"/api/tasks/{ws['task_id']}").get_json()["attempts"] == 1  # permanent: not retried
    assert [c for c in containers() if c.labels[LABEL_ID] == ws["id"]] == []


def test_patch_resizes_the_running_container_in_place(api: Any, docker_client: Any) -> None:
    ws = api.create("resized", resources={"memory_mb": 64, "cpus": 0.5, "pids": 64})
    running = api.wait_state(ws["id"], {"running"})
    unchanged = api.patch(f"/api/workspaces/{ws['id']}", json={"resources": {"cpus": 0.5}})
    assert unchanged.status_code == 200 and "task_id" not in unchanged.get_json()
    resized = api.patch(f"/api/workspaces/{ws['id']}", json={"resources": {"memory_mb": 96, "cpus": 1.5, "pids": 100}})
    assert resized.status_code == 202, resized.get_json()
    body = resized.get_json()
    assert body["resources"] == {"cpus": 1.5, "memory_mb": 96, "pids": 100} and body["state"] == "running"
    task = api.wait_task(body["task_id"])
    assert task["status"] == "succeeded" and task["kind"] == "resize"
    host = docker_client.api.inspect_container(running["container_id"])["HostConfig"]
    assert host["Memory"] == host["MemorySwap"] == 96 * 1024 * 1024
    assert (host["NanoCpus"], host["PidsLimit"]) == (1_500_000_000, 100)
    status = api.get(f"/api/workspaces/{ws['id']}/status").get_json()
    assert status["container_state"] == "running" and status["memory_limit_bytes"] == 96 * 1024 * 1024
    over = api.patch(f"/api/workspaces/{ws['id']}", json={"resources": {"memory_mb": 999999}})
    assert over.status_code == 422 and over.content_type == "application/problem+json"
    assert api.patch(f"/api/workspaces/{ws['id']}", json={}).status_code == 422
    assert api.patch(f"/api/workspaces/{ws['id']}", json={"resources": {"swap": 1}}).status_code == 422
