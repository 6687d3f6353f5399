"""Copying a workspace's home volume from one engine to another, for a move between engines.

Volumes live on one engine and no engine can reach another's, so the files travel through the service as
one tar stream: the engine's archive API (``GET``/``PUT /containers/{id}/archive``, the SDK's public
``get_archive``/``put_archive``) read from a helper container on the source that mounts the volume read-only,
written into a helper on the target that mounts the volume of the same name. Neither helper is started: the
engine reads and writes a stopped container's volumes itself, so nothing of the workspace runs, and no
network or shell is needed. Each helper carries the deployment's instance label (a crashed copy's leftovers
are found like any of its containers) and no workspace id (the reconciler leaves it alone), and is removed
when the copy ends, well or not. Owners and modes come across as the tar records them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from service.runtime.docker_runtime import ARCHIVE_CHUNK, Chunks, DockerRuntime
from service.runtime.hardening import WORKDIR
from service.runtime.protocol import LABEL_INSTANCE, container_name, volume_name

LABEL_HELPER = "workspace-service.helper"  # what a helper container is for; it has no workspace id label


def helper_name(workspace_id: str, side: str) -> str:
    """The one name of the copy helper on one side (``from`` or ``into``): a second copy cannot run at once."""
    return f"{container_name(workspace_id)}-copy-{side}"


def copy_home(source: DockerRuntime, target: DockerRuntime, workspace_id: str, image: str) -> int:
    """Copy the workspace's home volume on ``source`` into the volume of the same name on ``target`` (which must
    exist: the target's ``create`` makes it); returns the bytes of tar that went across. ``image`` is the
    helpers' image, present on both engines (the workspace's own, or the base image)."""
    reader = _helper(source, workspace_id, "from", image, read_only=True)
    try:
        writer = _helper(target, workspace_id, "into", image, read_only=False)
        try:
            stream, _stat = source.call(lambda c: c.api.get_archive(reader, WORKDIR, chunk_size=ARCHIVE_CHUNK),
                                        stream=True)
            counted = _Counted(Chunks(source, stream))
            target.call(lambda c: c.api.put_archive(writer, "/", iter(counted)), stream=True)
            return counted.total
        finally:
            target.remove(writer)
    finally:
        source.remove(reader)


def _helper(runtime: DockerRuntime, workspace_id: str, side: str, image: str, read_only: bool) -> str:
    """Create (never start) the helper mounting the home volume at ``WORKDIR``; one left by a crashed copy goes
    first. The volume must exist already: a helper must not create an empty one by mounting its name."""
    name = helper_name(workspace_id, side)
    runtime.remove(name)
    volume = volume_name(workspace_id)
    runtime.call(lambda c: c.api.inspect_volume(volume))  # ContainerNotFound when the volume does not exist
    labels = {LABEL_INSTANCE: runtime.instance, LABEL_HELPER: "home-copy"}
    return str(runtime.call(lambda c: _create(c, name, image, volume, labels, read_only)))


def _create(client: Any, name: str, image: str, volume: str, labels: dict[str, str], read_only: bool) -> str:
    host_config = client.api.create_host_config(
        binds={volume: {"bind": WORKDIR, "mode": "ro" if read_only else "rw"}},
        network_mode="none", cap_drop=["ALL"], security_opt=["no-new-privileges:true"])
    found = client.api.create_container(image=image, name=name, labels=labels, command=["true"],
                                        host_config=host_config, network_disabled=True)
    return str(found["Id"])


class _Counted:
    """The archive's chunks as they pass, counted."""

    def __init__(self, chunks: Chunks) -> None:
        self.chunks = chunks
        self.total = 0

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.chunks:
            self.total += len(chunk)
            yield chunk

