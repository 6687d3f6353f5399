"""The engine unreachable (a socket where nothing listens) and coming back (a proxy to the real engine)."""

from __future__ import annotations

import time
from typing import Any

from service.app import background_of
from service.runtime.docker_runtime import DockerRuntime


def test_reads_answer_and_operations_wait_for_the_daemon(make_api: Any, proxy: Any, instance: str) -> None:
    live = make_api()
    ws = live.wait_state(live.create("survivor")["id"], {"running"})
    background_of(live.app).close()  # from here only the app that sees a dead daemon works on tasks

    dead = DockerRuntime(f"unix://{proxy.path}", instance=instance, timeout=5)
    down = make_api(runtime=dead)
    down.headers = live.headers
    down.token = live.token

    assert down.get(f"/api/workspaces/{ws['id']}").status_code == 200
    assert down.get("/api/workspaces").get_json()["total"] == 1
    status = down.get(f"/api/workspaces/{ws['id']}/status")
    assert status.status_code == 200
    body = status.get_json()
    assert body["container_state"] == "unknown" and "unreachable" in body["reason"]
    ready = down.client.get("/readyz")
    assert ready.status_code == 503 and ready.headers["Retry-After"] == "5"
    assert ready.content_type == "application/problem+json"
    assert ready.get_json()["checks"]["docker"].startswith("failing")
    assert down.client.get("/healthz").status_code == 200

    stop = down.post(f"/api/workspaces/{ws['id']}/stop")
    assert stop.status_code == 202
    task_id = stop.get_json()["task_id"]
    deadline = time.monotonic() + 10
    while (task := down.get(f"/api/tasks/{task_id}").get_json())["error"] is None:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert task["status"] in ("queued", "running") and "unreachable" in task["error"]
    assert task["attempts"] <= 1  # waiting for the daemon does not use up attempts

    proxy.up()  # the daemon returns
    done = down.wait_task(task_id, timeout=20)
    assert done["status"] == "succeeded"
    assert down.wait_state(ws["id"], {"stopped"})["state"] == "stopped"
    assert down.client.get("/readyz").status_code == 200
