"""Plain values shared by every layer: workspace and task states, and the records the store returns.

They live below the store and the domain so that neither has to import the other to name a workspace.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class State(StrEnum):
    """Where a workspace is in its life; the transitional ones always have a task in flight."""

    PENDING = "pending"
    STARTING = "starting"
    RUNNING = "running"
    STOPPING = "stopping"
    STOPPED = "stopped"
    RESTARTING = "restarting"
    MOVING = "moving"  # its home volume is being copied to another engine and its container recreated there
    DELETING = "deleting"
    DELETED = "deleted"
    FAILED = "failed"


class Operation(StrEnum):
    """What a task does to a workspace; ``sync`` is the reconciler's repair, ``resize`` applies new resources,
    ``move`` takes it to another engine (its task's ``target``)."""

    CREATE = "create"
    START = "start"
    STOP = "stop"
    RESTART = "restart"
    DELETE = "delete"
    SYNC = "sync"
    RESIZE = "resize"
    MOVE = "move"


class TaskStatus(StrEnum):
    """A task is queued until a worker claims it, then running until it succeeds or fails for good."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


ACTIVE_TASK = (TaskStatus.QUEUED.value, TaskStatus.RUNNING.value)


@dataclass(frozen=True)
class Resources:
    """What a workspace's container may use."""

    cpus: float
    memory_mb: int
    pids: int


@dataclass(frozen=True)
class Workspace:
    """One workspace record; ``desired`` is what the owner last asked for, which the reconciler upholds."""

    id: str
    owner: str
    name: str
    image: str
    project_path: str | None
    resources: Resources
    state: State
    desired: State
    container_id: str | None
    last_error: str | None
    restart_count: int
    next_restart_at: float
    created_at: float
    updated_at: float
    keep_volume: bool = False  # the delete asked to keep the home volume (``DELETE ...?keep_volume=true``)
    engine: str = "default"  # the Docker engine it was placed on, where its container and volume live


@dataclass(frozen=True)
class Task:
    """One durable lifecycle operation."""

    id: str
    kind: Operation
    workspace_id: str
    owner: str
    batch_id: str | None
    status: TaskStatus
    attempts: int
    max_attempts: int
    error: str | None
    created_at: float
    run_at: float
    started_at: float | None
    finished_at: float | None
    target: str | None = None  # a move's destination engine


@dataclass(frozen=True)
class Batch:
    """A group of tasks for one operation, made at once so their progress can be read as one."""

    id: str
    owner: str
    operation: Operation
    created_at: float
