"""Orphan home volumes on the real engine: a sweep removes the volumes of this deployment whose workspace is gone,
at most ``limit`` a pass."""

from __future__ import annotations

import uuid
from typing import Any

import docker

from service.domain.orphan_volumes import remove_orphan_volumes
from service.runtime.docker_runtime import DockerRuntime
from service.runtime.protocol import LABEL_ID, LABEL_INSTANCE, volume_name


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
