"""The home volume copied between two real engines (ci/docker-up.sh's first and second), as a move does it.

What the owner sees: the files written in the workspace's home on the first engine are in the recreated
workspace's home on the second, with their owner and modes, and the copy leaves no helper behind on either.
"""

from __future__ import annotations

from collections.abc import Iterator

import docker
import pytest
from integration.service.conftest import ENGINE2_URL, IMAGE

from service.model import Resources
from service.runtime import ContainerNotFound, ContainerSpec
from service.runtime.docker_runtime import DockerRuntime
from service.runtime.home_copy import LABEL_HELPER, copy_home
from service.runtime.protocol import LABEL_INSTANCE, volume_name

SCRIPT = ("mkdir -p notes/deep && echo 'written before the move' > notes/a.txt && "
          "head -c 300000 /dev/urandom > notes/deep/blob && chmod 640 notes/a.txt && "
          "ln -s notes/a.txt link && md5sum notes/deep/blob > blob.md5")


def sh(client: docker.DockerClient, container_id: str, command: str) -> str:
    result = client.containers.get(container_id).exec_run(["/bin/sh", "-c", command], user="1000:1000",
                                                          workdir="/workspace")
    assert result.exit_code == 0, result.output
    return str(result.output.decode())


def helpers(client: docker.DockerClient, instance: str) -> list[str]:
    """This test's copy helpers left on ``client``'s engine."""
    found = client.containers.list(all=True, filters={"label": [LABEL_HELPER, f"{LABEL_INSTANCE}={instance}"]})
    return [c.name for c in found]


def spec_for(instance: str, prefix: str) -> ContainerSpec:
    return ContainerSpec(workspace_id=f"{prefix}{instance[-6:]}", owner="alice", image=IMAGE,
                         resources=Resources(cpus=0.5, memory_mb=64, pids=64))


@pytest.fixture
def placed(docker_client: docker.DockerClient, second_docker: docker.DockerClient,
           instance: str) -> Iterator[tuple[DockerRuntime, DockerRuntime, ContainerSpec, str]]:
    """The service's runtime of the first engine (the source) and of the second (the target), and a workspace's
    container created (not started) on the source: its spec and id."""
    source = DockerRuntime(instance=instance)
    target = DockerRuntime(ENGINE2_URL, instance=instance)
    spec = spec_for(instance, "copy")
    yield source, target, spec, source.create(spec)
    source.close()
    target.close()


def test_files_in_the_home_are_on_the_other_engine_after_the_copy(
        placed: tuple[DockerRuntime, DockerRuntime, ContainerSpec, str], docker_client: docker.DockerClient,
        second_docker: docker.DockerClient, instance: str) -> None:
    source, target, spec, old = placed
    source.start(old)
    sh(docker_client, old, SCRIPT)
    source.stop(old, 1)

    new = target.create(spec)
    sent = copy_home(source, target, spec.workspace_id, IMAGE)
    target.start(new)

    assert sent > 300000
    assert sh(second_docker, new, "cat notes/a.txt") == "written before the move\n"
    assert sh(second_docker, new, "md5sum -c blob.md5") == "notes/deep/blob: OK\n"
    assert sh(second_docker, new, "stat -c '%u:%g %a' . notes/a.txt notes/deep").split("\n")[:3] == [
        "1000:1000 755", "1000:1000 640", "1000:1000 755"]
    assert sh(second_docker, new, "readlink link") == "notes/a.txt\n"
    sh(second_docker, new, "echo still writable > after.txt")  # the home is the owner's on the new engine
    assert helpers(docker_client, instance) == helpers(second_docker, instance) == []
    # the source is untouched by the copy: its files are still there for a move that fails after it
    assert docker_client.volumes.get(volume_name(spec.workspace_id)).name == volume_name(spec.workspace_id)


def test_a_copy_to_an_engine_without_the_volume_fails_and_leaves_no_helper(
        placed: tuple[DockerRuntime, DockerRuntime, ContainerSpec, str], docker_client: docker.DockerClient,
        second_docker: docker.DockerClient, instance: str) -> None:
    source, target, spec, old = placed  # no create on the target: its volume does not exist
    with pytest.raises(ContainerNotFound, match="no such volume"):
        copy_home(source, target, spec.workspace_id, IMAGE)
    assert helpers(docker_client, instance) == helpers(second_docker, instance) == []
    assert source.inspect(old) is not None  # the workspace's own container is left as it was
    assert second_docker.volumes.list(filters={"name": volume_name(spec.workspace_id)}) == []
