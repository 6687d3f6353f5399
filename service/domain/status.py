"""A workspace's live status: the record plus what Docker says now.

Docker failing here is a fact to report, not an error: the status then says ``container_state: unknown``
and why, and the caller still gets the record.
"""

from __future__ import annotations

from dataclasses import dataclass

from service.model import Workspace
from service.runtime import RuntimeFailure, RuntimeUnavailable
from service.runtime.engines import EngineSet


@dataclass(frozen=True)
class WorkspaceStatus:
    """The answer of the status endpoint."""

    workspace: Workspace
    container_id: str | None
    container_state: str  # Docker's state, "absent" when there is none, "unknown" when Docker did not say
    uptime_seconds: float | None = None
    cpu_seconds: float | None = None
    memory_bytes: int | None = None
    memory_limit_bytes: int | None = None
    reason: str | None = None
    oci_runtime: str | None = None  # the engine's runtime the container runs under, as the engine reports it


def workspace_status(ws: Workspace, engines: EngineSet, now: float) -> WorkspaceStatus:
    """Ask the workspace's engine about its container; any failure becomes ``unknown`` with the reason (an engine
    that does not answer is also noted in ``engines.health``)."""
    if ws.container_id is None:
        return WorkspaceStatus(ws, None, "absent", reason="no container has been created yet")
    try:
        runtime = engines.runtime(ws.engine)
        info = runtime.inspect(ws.container_id)
        if info is None:
            return WorkspaceStatus(ws, ws.container_id, "absent", reason="the container no longer exists")
        if info.state != "running":
            return WorkspaceStatus(ws, info.id, info.state, reason=info.error, oci_runtime=info.oci_runtime)
        sample = runtime.stats(info.id)
    except RuntimeUnavailable as exc:
        engines.health.failed(ws.engine, str(exc))
        return WorkspaceStatus(ws, ws.container_id, "unknown", reason=f"engine {ws.engine}: {exc}")
    except RuntimeFailure as exc:
        return WorkspaceStatus(ws, ws.container_id, "unknown", reason=str(exc))
    uptime = None if info.started_at is None else max(0.0, now - info.started_at)
    return WorkspaceStatus(
        ws,
        info.id,
        info.state,
        uptime_seconds=uptime,
        cpu_seconds=sample.cpu_seconds,
        memory_bytes=sample.memory_bytes,
        memory_limit_bytes=sample.memory_limit_bytes,
        oci_runtime=info.oci_runtime,
    )
