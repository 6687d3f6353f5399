"""The boundary between the service and a container engine.

Everything above this module sees only these values and methods, which is what lets the domain's unit
tests use a fake engine while every other test uses a real Docker daemon.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

from service.model import Resources

LABEL_ID = "workspace-service.id"
LABEL_INSTANCE = "workspace-service.instance"
LABEL_OWNER = "workspace-service.owner"
EXEC_MARKER = "WORKSPACE_EXEC"  # in every exec's environment: which command a process belongs to
EXEC_STDIN = "WORKSPACE_STDIN"  # an exec's standard input, on its way to the command
RESERVED_ENV = frozenset({EXEC_MARKER, EXEC_STDIN})  # names a caller's environment for an exec may not set


def container_name(workspace_id: str) -> str:
    """The one name a workspace's container may have: a second container for it cannot be created."""
    return f"ws-{workspace_id}"


def volume_name(workspace_id: str) -> str:
    """The one name a workspace's home volume has: every container the workspace ever gets mounts it again."""
    return f"ws-{workspace_id}-home"


@dataclass(frozen=True)
class ContainerSpec:
    """What a workspace's container must be; hardening is added by the runtime, not asked for."""

    workspace_id: str
    owner: str
    image: str
    resources: Resources
    project_dir: str | None = None  # resolved host directory, already checked to be under the root
    environment: dict[str, str] = field(default_factory=dict)  # the owner's variables and secrets, for the container


@dataclass(frozen=True)
class ContainerInfo:
    """What the engine says about one container."""

    id: str
    workspace_id: str | None
    state: str  # created, running, paused, restarting, removing, exited, dead
    started_at: float | None = None
    exit_code: int | None = None
    error: str | None = None
    labels: dict[str, str] = field(default_factory=dict)
    oci_runtime: str | None = None  # the engine's runtime the container runs under (runc, runsc), when known


@dataclass(frozen=True)
class ContainerStats:
    """One sample of a container's resource use."""

    cpu_seconds: float
    memory_bytes: int
    memory_limit_bytes: int


@dataclass(frozen=True)
class RuntimeEvent:
    """A container event for one of this deployment's containers."""

    workspace_id: str
    action: str


@dataclass(frozen=True)
class ExecSpec:
    """One command to run in a workspace's container as the workspace user.

    ``cwd`` is absolute inside the container; ``marker`` is unique to this command: its processes carry it
    in their environment (``WORKSPACE_EXEC``), which is how ``ExecSession.kill`` finds them."""

    cmd: tuple[str, ...]
    cwd: str
    env: dict[str, str]
    stdin: str | None
    marker: str


@dataclass(frozen=True)
class Output:
    """A piece of a command's (or a container's) output as the engine delivered it."""

    stream: str  # "stdout" or "stderr"
    data: bytes


class ExecSession(Protocol):
    """A command started in a container: its output as it arrives, then its exit code."""

    def __iter__(self) -> Iterator[Output]: ...

    def exit_code(self) -> int | None: ...

    def kill(self) -> None: ...


@dataclass(frozen=True)
class PathStat:
    """What one path in a container is, not following a link at its end: ``kind`` is dir, file, link or other."""

    kind: str
    size: int


class ByteStream(Protocol):
    """Bytes from the engine (an archive, logs) read as they arrive; ``close`` stops reading early."""

    def __iter__(self) -> Iterator[bytes]: ...

    def close(self) -> None: ...


class EventStream(Protocol):
    """An iterator over events that another thread can close to stop it."""

    def __iter__(self) -> Iterator[RuntimeEvent]: ...

    def close(self) -> None: ...


class ContainerRuntime(Protocol):
    """The operations the service needs from a container engine."""

    def ping(self) -> None: ...

    def ensure_image(self, image: str) -> None: ...

    def create(self, spec: ContainerSpec) -> str: ...

    def start(self, container_id: str) -> None: ...

    def stop(self, container_id: str, timeout: int) -> None: ...

    def restart(self, container_id: str, timeout: int) -> None: ...

    def remove(self, container_id: str) -> None: ...

    def remove_volume(self, workspace_id: str) -> None: ...

    def update(self, container_id: str, resources: Resources) -> None: ...

    def exec(self, container_id: str, spec: ExecSpec) -> ExecSession: ...

    def put_archive(self, container_id: str, folder: str, data: bytes) -> None: ...

    def stat_path(self, container_id: str, path: str) -> PathStat | None: ...

    def get_archive(self, container_id: str, path: str) -> ByteStream: ...

    def logs(self, container_id: str, tail: int | None, follow: bool) -> ByteStream: ...

    def inspect(self, container_id: str) -> ContainerInfo | None: ...

    def find(self, workspace_id: str) -> ContainerInfo | None: ...

    def stats(self, container_id: str) -> ContainerStats: ...

    def list_managed(self) -> list[ContainerInfo]: ...

    def home_volumes(self) -> list[str]: ...

    def events(self, until: float) -> EventStream: ...

    def close(self) -> None: ...
