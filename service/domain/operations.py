"""Turning an operation into a state change plus a queued task, written in the caller's transaction.

Single operations, batches and the reconciler all go through ``apply`` so the workspace row and its task
are always written together: a crash can never leave a transitional workspace without a task to finish it.
"""

from __future__ import annotations

import dataclasses
import uuid

from sqlalchemy import Connection

from service.domain import states
from service.model import Operation, State, Task, TaskStatus, Workspace
from service.store import tasks as task_rows
from service.store import workspaces as workspace_rows


def new_id() -> str:
    """A fresh, unguessable id (also safe in a container name)."""
    return uuid.uuid4().hex


def new_task(kind: Operation, ws: Workspace, now: float, max_attempts: int, batch_id: str | None = None) -> Task:
    """A queued task for ``ws``."""
    return Task(
        id=new_id(),
        kind=kind,
        workspace_id=ws.id,
        owner=ws.owner,
        batch_id=batch_id,
        status=TaskStatus.QUEUED,
        attempts=0,
        max_attempts=max_attempts,
        error=None,
        created_at=now,
        run_at=now,
        started_at=None,
        finished_at=None,
    )


def apply(
    conn: Connection, ws: Workspace, operation: Operation, now: float, max_attempts: int, batch_id: str | None = None,
    engine: str | None = None,
) -> tuple[Workspace, Task]:
    """Move ``ws`` into the operation's transitional state and queue its task (``Conflict`` if illegal); a move
    names its destination ``engine`` and keeps what the owner wants (running or stopped) as it was."""
    target = states.begin(ws.state, operation)
    desired = ws.desired if operation == Operation.MOVE else states.DESIRED[operation]
    values: dict[str, object] = {"state": target, "desired": desired}
    if operation in (Operation.START, Operation.RESTART):
        values.update(restart_count=0, next_restart_at=0.0)
    workspace_rows.change(conn, ws.id, now, **values)
    task = dataclasses.replace(new_task(operation, ws, now, max_attempts, batch_id), target=engine)
    task_rows.insert(conn, task)
    changed = workspace_rows.get(conn, ws.id)
    assert changed is not None  # written just above, in the same transaction
    return changed, task


def queue_sync(conn: Connection, ws: Workspace, now: float, max_attempts: int, run_at: float) -> Task | None:
    """Queue a repair for ``ws`` to run at ``run_at``, unless a task is already on it (repairs never pile up)."""
    if task_rows.has_active(conn, ws.id):
        return None
    task = dataclasses.replace(new_task(Operation.SYNC, ws, now, max_attempts), run_at=max(now, run_at))
    task_rows.insert(conn, task)
    return task


def settle(conn: Connection, ws_id: str, state: State, now: float, **values: object) -> None:
    """Record the outcome of a task on its workspace."""
    workspace_rows.change(conn, ws_id, now, state=state, **values)
