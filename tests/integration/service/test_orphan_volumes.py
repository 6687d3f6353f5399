"""Orphan home volumes on the real engine: the reconciler's full pass removes a volume of this deployment whose
workspace is gone (deleted, or never recorded), and keeps a live workspace's, a ``keep_volume`` delete's,
another deployment's and any volume not named as a home volume; at most ``limit`` a pass; on every engine the
reconciler has."""

from __future__ import annotations

import os
import time
import uuid
from typing import Any

import docker
from integration.service.conftest import ENGINE2_URL

from service.app import background_of
from service.domain.orphan_volumes import remove_orphan_volumes
from service.runtime.docker_runtime import DockerRuntime
from service.runtime.protocol import LABEL_ID, LABEL_INSTANCE, volume_name
from service.settings import EngineSpec


def _until(check: Any, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.1)


def _leave_volume(client: docker.DockerClient, workspace_id: str, instance: str, name: str = "") -> str:
    """A volume as a delete that crashed (or a deployment that lost its row) leaves it: named and labelled."""
    name = name or volume_name(workspace_id)
    client.api.create_volume(name, driver="local", labels={LABEL_ID: workspace_id, LABEL_INSTANCE: instance})
    return name


def _exists(client: docker.DockerClient, name: str) -> bool:
    try:
        client.api.inspect_volume(name)
    except docker.errors.NotFound:
        return False
    return True


def test_the_reconciler_removes_the_volumes_of_gone_workspaces_only(make_api: Any, docker_client: Any,
                                                                     instance: str) -> None:
    api = make_api()
    live = api.wait_state(api.create("lives")["id"], {"running"})
    kept = api.wait_state(api.create("kept")["id"], {"running"})
    deleted = api.wait_state(api.create("deleted")["id"], {"running"})
    assert api.wait_task(api.delete(f"/api/workspaces/{kept['id']}?keep_volume=true").get_json()["task_id"])[
        "status"] == "succeeded"
    assert api.wait_task(api.delete(f"/api/workspaces/{deleted['id']}").get_json()["task_id"])["status"] == "succeeded"
    assert not _exists(docker_client, volume_name(deleted["id"]))
    leftover = _leave_volume(docker_client, deleted["id"], instance)  # the row says deleted, the volume stayed
    stray = _leave_volume(docker_client, uuid.uuid4().hex, instance)  # no row at all
    other_id = uuid.uuid4().hex
    foreign = _leave_volume(docker_client, other_id, f"{instance}-other")  # another deployment's
    misnamed = _leave_volume(docker_client, other_id, instance, name=f"ws-{other_id}-data")
    try:
        _until(lambda: not _exists(docker_client, leftover) and not _exists(docker_client, stray))
        for name in (volume_name(live["id"]), volume_name(kept["id"]), foreign, misnamed):
            assert _exists(docker_client, name), name
        reconciler = background_of(api.app).reconciler
        assert (f'_total{{replica="{reconciler.settings.replica}",action="remove-orphan-volume"}} 2.0'
                in reconciler.metrics.render([]))
    finally:
        for name in (volume_name(kept["id"]), foreign, misnamed):
            docker_client.api.remove_volume(name)


def test_a_sweep_removes_at_most_its_limit(make_api: Any, docker_client: Any, instance: str) -> None:
    store = make_api(background=False).app.extensions["workspace_service"].store
    runtime = DockerRuntime(instance=instance, timeout=30)
    names = {_leave_volume(docker_client, uuid.uuid4().hex, instance) for _ in range(3)}
    try:
        first = remove_orphan_volumes(store, runtime, limit=2)
        assert len(first) == 2 and sum(_exists(docker_client, name) for name in names) == 1
        second = remove_orphan_volumes(store, runtime, limit=2)
        assert len(second) == 1 and not any(_exists(docker_client, name) for name in names)
        assert remove_orphan_volumes(store, runtime, limit=2) == []
    finally:
        runtime.close()


def test_each_engine_loses_its_own_orphan_volumes(make_api: Any, docker_client: Any, second_docker: Any,
                                                 instance: str) -> None:
    engines = (EngineSpec("one", os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")),
               EngineSpec("two", ENGINE2_URL))
    api = make_api(engines=engines)
    ws = api.create("placed")  # on either engine: its own volume stays there
    on = second_docker if ws["engine"] == "two" else docker_client
    api.wait_state(ws["id"], {"running"})
    strays = {client: _leave_volume(client, uuid.uuid4().hex, instance) for client in (docker_client, second_docker)}
    _until(lambda: not any(_exists(client, name) for client, name in strays.items()))
    assert _exists(on, volume_name(ws["id"]))
