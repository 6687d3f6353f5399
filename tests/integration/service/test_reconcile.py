"""Reconciliation against the real engine: containers changed behind the service's back are put right."""

from __future__ import annotations

import time
import uuid
from typing import Any

from service.app import background_of
from service.runtime.protocol import LABEL_ID, LABEL_INSTANCE


def _until(check: Any, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.1)


def test_exited_container_is_restarted(api: Any, docker_client: Any) -> None:
    ws = api.wait_state(api.create("restart-me")["id"], {"running"})
    docker_client.api.kill(ws["container_id"])
    _until(lambda: docker_client.api.inspect_container(ws["container_id"])["State"]["Status"] == "running")
    assert api.get(f"/api/workspaces/{ws['id']}").get_json()["state"] == "running"


def test_a_container_started_behind_the_services_back_is_stopped(api: Any, docker_client: Any) -> None:
    ws = api.wait_state(api.create("stay-stopped")["id"], {"running"})
    api.wait_task(api.post(f"/api/workspaces/{ws['id']}/stop").get_json()["task_id"])
    docker_client.api.start(ws["container_id"])
    _until(lambda: docker_client.api.inspect_container(ws["container_id"])["State"]["Status"] == "exited")
    assert api.get(f"/api/workspaces/{ws['id']}").get_json()["state"] == "stopped"
    reconciler = background_of(api.app).reconciler
    stopped = reconciler.metrics.render([])
    assert f'workspace_reconcile_actions_total{{replica="{reconciler.settings.replica}",action="stop"}}' in stopped


def test_vanished_container_is_recreated(api: Any, docker_client: Any, containers: Any) -> None:
    ws = api.wait_state(api.create("recreate-me")["id"], {"running"})
    docker_client.api.remove_container(ws["container_id"], force=True)

    def recreated() -> bool:
        body = api.get(f"/api/workspaces/{ws['id']}").get_json()
        return body["container_id"] not in (None, ws["container_id"]) and body["state"] == "running"

    _until(recreated)
    owned = [c for c in containers() if c.labels[LABEL_ID] == ws["id"]]
    assert len(owned) == 1 and owned[0].status == "running"


def test_orphan_container_is_removed(api: Any, docker_client: Any, instance: str, containers: Any) -> None:
    orphan = docker_client.containers.create(
        "workspace-base:latest", labels={LABEL_ID: uuid.uuid4().hex, LABEL_INSTANCE: instance}, network_mode="none"
    )
    reconciler = background_of(api.app).reconciler
    listed = {"label": f"{LABEL_INSTANCE}={instance}"}  # the low-level list: no inspect that races the removal
    _until(lambda: orphan.id not in {c["Id"] for c in docker_client.api.containers(all=True, filters=listed)})
    replica = reconciler.settings.replica
    assert f'_total{{replica="{replica}",action="remove-orphan"}} 1.0' in reconciler.metrics.render([])


def test_restart_limit_marks_failed(make_api: Any, docker_client: Any) -> None:
    api = make_api(restart_limit=1, restart_backoff=0.05)
    ws = api.wait_state(api.create("flaky")["id"], {"running"})
    docker_client.api.kill(ws["container_id"])
    _until(lambda: docker_client.api.inspect_container(ws["container_id"])["State"]["Status"] == "running")
    docker_client.api.kill(ws["container_id"])
    failed = api.wait_state(ws["id"], {"failed"})
    assert "automatic restarts stopped" in failed["last_error"]


def test_resync_leaves_consistent_workspaces_alone(make_api: Any) -> None:
    api = make_api()
    ws = api.wait_state(api.create("steady")["id"], {"running"})
    reconciler = background_of(api.app).reconciler
    assert reconciler.resync() == {}
    assert api.get(f"/api/workspaces/{ws['id']}").get_json()["container_id"] == ws["container_id"]
