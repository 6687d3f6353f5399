"""Records to JSON documents, in the shapes ``schemas.Schemas`` publishes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from service.domain.batches import BatchProgress
from service.domain.states import legal_operations
from service.domain.status import WorkspaceStatus
from service.model import Task, Workspace
from service.settings import Settings
from service.store.policies import Policy


def when(epoch: float | None) -> str | None:
    """An epoch time as RFC 3339 (UTC, microseconds)."""
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC).isoformat()


def workspace(ws: Workspace) -> dict[str, Any]:
    """The public form of a workspace (the owner is implied by the token and not repeated)."""
    return {
        "id": ws.id,
        "name": ws.name,
        "image": ws.image,
        "project_path": ws.project_path,
        "resources": {"cpus": ws.resources.cpus, "memory_mb": ws.resources.memory_mb, "pids": ws.resources.pids},
        "state": ws.state.value,
        "desired_state": ws.desired.value,
        "container_id": ws.container_id,
        "engine": ws.engine,
        "last_error": ws.last_error,
        "operations": legal_operations(ws.state),
        "created_at": when(ws.created_at),
        "updated_at": when(ws.updated_at),
    }


def accepted(ws: Workspace, task: Task) -> dict[str, Any]:
    """A workspace plus the task just queued for it."""
    return {**workspace(ws), "task_id": task.id, "task_url": f"/api/tasks/{task.id}"}


def task(t: Task) -> dict[str, Any]:
    """The public form of a task."""
    return {
        "id": t.id,
        "kind": t.kind.value,
        "workspace_id": t.workspace_id,
        "batch_id": t.batch_id,
        "status": t.status.value,
        "attempts": t.attempts,
        "max_attempts": t.max_attempts,
        "error": t.error,
        "created_at": when(t.created_at),
        "run_at": when(t.run_at),
        "started_at": when(t.started_at),
        "finished_at": when(t.finished_at),
    }


def status(s: WorkspaceStatus) -> dict[str, Any]:
    """The status endpoint's document."""
    return {
        "workspace": workspace(s.workspace),
        "engine": s.workspace.engine,
        "container_id": s.container_id,
        "container_state": s.container_state,
        "uptime_seconds": s.uptime_seconds,
        "cpu_seconds": s.cpu_seconds,
        "memory_bytes": s.memory_bytes,
        "memory_limit_bytes": s.memory_limit_bytes,
        "oci_runtime": s.oci_runtime,
        "reason": s.reason,
        "last_error": s.workspace.last_error,
    }


def policy(p: Policy | None, ws: Workspace, settings: Settings) -> dict[str, Any]:
    """A workspace's policy as the owner may see it: its secrets by name only."""
    idle = settings.idle_timeout if p is None or p.idle_timeout is None else p.idle_timeout
    return {
        "env": {} if p is None else p.env,
        "secret_names": [] if p is None else list(p.secret_names),
        "idle_timeout_s": idle or None,
        "last_active_at": when(max(ws.updated_at, p.last_active_at if p is not None else 0.0)),
        "expires_at": when(None if p is None else p.expires_at),
    }


def batch(p: BatchProgress) -> dict[str, Any]:
    """Per-workspace progress of a batch."""
    items = []
    for t in p.tasks:
        ws = p.workspaces.get(t.workspace_id)
        items.append(
            {
                "workspace_id": t.workspace_id,
                "task_id": t.id,
                "task_status": t.status.value,
                "workspace_state": None if ws is None else ws.state.value,
                "error": t.error,
            }
        )
    return {
        "batch_id": p.batch.id,
        "operation": p.batch.operation.value,
        "done": p.done,
        "counts": p.counts(),
        "items": items,
    }
