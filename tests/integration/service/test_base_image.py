"""The default image is built on this machine from its Dockerfile and the host's static busybox, and runs as
the workspace user; a busybox that cannot run in an empty image is refused in one line."""

from __future__ import annotations

import uuid
from pathlib import Path

import docker
import pytest

from integration.service.conftest import TLS_URL
from service.cli import prepare_base_image
from service.runtime.base_image import BaseImageError, ensure_base_image
from service.settings import EngineSpec, EngineTls, Settings


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


def test_serve_builds_the_image_on_every_listed_engine(docker_client: docker.DockerClient,
                                                        second_docker: docker.DockerClient,
                                                        tls_files: EngineTls,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    tag = f"workspace-base-test-{uuid.uuid4().hex[:8]}:latest"
    engines = (EngineSpec("one", ""), EngineSpec("two", TLS_URL, tls=tls_files))  # the second over TLS
    settings = Settings(engines=engines, base_image=tag, allowed_images=(tag,))
    try:
        prepare_base_image(settings)
        for client in (docker_client, second_docker):
            assert tag in client.images.get(tag).tags
        assert f"serve: built {tag} on engine two from scratch" in capsys.readouterr().err
    finally:
        for client in (docker_client, second_docker):
            client.images.remove(tag, force=True)


def test_an_engine_without_the_image_and_unreachable_is_one_warning(tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    tag = "workspace-base-test-x:latest"
    engines = (EngineSpec("one", f"unix://{tmp_path / 'a.sock'}"), EngineSpec("two", f"unix://{tmp_path / 'b.sock'}"))
    prepare_base_image(Settings(engines=engines, base_image=tag, allowed_images=(tag,)))
    warnings = capsys.readouterr().err.splitlines()
    assert [line.split(":")[0] for line in warnings] == ["serve", "serve"]
    assert [line.split(": ")[1] for line in warnings] == ["warning on engine one", "warning on engine two"]
