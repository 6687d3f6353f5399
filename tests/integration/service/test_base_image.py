"""The default image is built on this machine from its Dockerfile and the host's static busybox, and runs as
the workspace user; a busybox that cannot run in an empty image is refused in one line."""

from __future__ import annotations

import uuid
from pathlib import Path

import docker
import pytest

from service.runtime.base_image import BaseImageError, ensure_base_image


def test_a_missing_image_is_built_and_a_present_one_is_left(docker_client: docker.DockerClient) -> None:
    tag = f"workspace-base-test-{uuid.uuid4().hex[:8]}:latest"
    try:
        assert ensure_base_image(tag=tag) is True
        out = docker_client.containers.run(tag, ["sh", "-c", "id -u; pwd; ls /bin/sh"], remove=True,
                                           network_mode="none")
        assert out.decode().split() == ["1000", "/workspace", "/bin/sh"]
        assert ensure_base_image(tag=tag) is False
    finally:
        docker_client.images.remove(tag, force=True)


def test_a_dynamic_or_missing_busybox_is_refused(docker_client: docker.DockerClient, tmp_path: Path) -> None:
    tag = f"workspace-base-test-{uuid.uuid4().hex[:8]}:latest"
    with pytest.raises(BaseImageError, match="is linked dynamically and cannot run in an empty image"):
        ensure_base_image(tag=tag, busybox="/bin/ls")
    with pytest.raises(BaseImageError, match="no busybox at"):
        ensure_base_image(tag=tag, busybox=str(tmp_path / "none"))
    with pytest.raises(docker.errors.ImageNotFound):
        docker_client.images.get(tag)


def test_an_unreachable_engine_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(BaseImageError, match="^Docker engine unreachable: "):
        ensure_base_image(f"unix://{tmp_path / 'no.sock'}", tag="workspace-base-test-x:latest")
