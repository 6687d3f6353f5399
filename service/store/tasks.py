"""Task rows: the durable queue.

Claiming is a guarded ``UPDATE ... WHERE id = :id AND status = 'queued'``: whoever changes the row owns
the task, on SQLite and PostgreSQL alike, without row locks or database-specific SQL. A workspace's tasks
run one at a time and in order: a task is only claimable when no older task of its workspace is unfinished.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import (
    Connection,
    Select,
    Update,
    and_,
    bindparam,
    exists,
    func,
    select,
    update,
)

from service.model import ACTIVE_TASK, Operation, Task, TaskStatus
from service.store.rows import insert_row, one_row, row_values, update_row
from service.store.tables import tasks as t


def to_task(row: Mapping[Any, Any]) -> Task:
    """Turn a row into the shared ``Task`` value."""
    return Task(
        id=row["id"],
        kind=Operation(row["kind"]),
        workspace_id=row["workspace_id"],
        owner=row["owner"],
        batch_id=row["batch_id"],
        status=TaskStatus(row["status"]),
        attempts=row["attempts"],
        max_attempts=row["max_attempts"],
        error=row["error"],
        created_at=row["created_at"],
        run_at=row["run_at"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        target=row["target"],
    )


def insert(conn: Connection, task: Task) -> None:
    """Queue a new task."""
    insert_row(conn, t, row_values(task))


def get(conn: Connection, task_id: str, owner: str | None = None) -> Task | None:
    """One task; with ``owner`` another owner's task reads as absent."""
    row = one_row(conn, t, task_id, owner)
    return None if row is None else to_task(row)


def of_batch(conn: Connection, batch_id: str) -> list[Task]:
    """The tasks of one batch, in the order they were queued."""
    rows = conn.execute(select(t).where(t.c.batch_id == batch_id).order_by(t.c.seq)).mappings()
    return [to_task(r) for r in rows]


def has_active(conn: Connection, workspace_id: str) -> bool:
    """Whether the workspace has a task queued or running."""
    query = select(t.c.id).where(t.c.workspace_id == workspace_id, t.c.status.in_(ACTIVE_TASK)).limit(1)
    return conn.execute(query).first() is not None


def active_workspaces(conn: Connection) -> set[str]:
    """Ids of workspaces with a task queued or running."""
    return {r[0] for r in conn.execute(select(t.c.workspace_id).where(t.c.status.in_(ACTIVE_TASK)).distinct())}


def _claim_statements() -> tuple[Select[Any], Update]:
    """Built once: the oldest runnable tasks (none older of the same workspace unfinished), and the guarded take."""
    older = t.alias("older")
    blocked = exists().where(
        and_(older.c.workspace_id == t.c.workspace_id, older.c.status.in_(ACTIVE_TASK), older.c.seq < t.c.seq)
    )
    candidates = (
        select(t.c.id)
        .where(t.c.status == TaskStatus.QUEUED.value, t.c.run_at <= bindparam("now"), ~blocked)
        .order_by(t.c.run_at, t.c.seq)
        .limit(4)
    )
    take = (
        update(t)
        .where(t.c.id == bindparam("task_id"), t.c.status == TaskStatus.QUEUED.value)
        .values(
            status=TaskStatus.RUNNING.value,
            claimed_by=bindparam("worker"),
            claimed_until=bindparam("until"),
            attempts=t.c.attempts + 1,
            started_at=bindparam("now"),
        )
    )
    return candidates, take


_CANDIDATES, _TAKE = _claim_statements()


def claim(conn: Connection, worker: str, now: float, lease: float) -> Task | None:
    """Take the oldest runnable task for ``worker`` until ``now + lease``; None when nothing is runnable."""
    for (task_id,) in conn.execute(_CANDIDATES, {"now": now}).all():
        claimed = conn.execute(_TAKE, {"task_id": task_id, "worker": worker, "until": now + lease, "now": now})
        if claimed.rowcount == 1:
            return get(conn, task_id)
    return None


def extend(conn: Connection, task_ids: list[str], worker: str, until: float) -> None:
    """Renew the lease on tasks this worker is still executing."""
    if task_ids:
        conn.execute(
            update(t)
            .where(t.c.id.in_(task_ids), t.c.claimed_by == worker, t.c.status == TaskStatus.RUNNING.value)
            .values(claimed_until=until)
        )


def finish(conn: Connection, task_id: str, status: TaskStatus, error: str | None, now: float) -> None:
    """Record a task's final outcome."""
    update_row(conn, t, task_id, {"status": status.value, "error": error, "finished_at": now, "claimed_by": None})


def requeue(conn: Connection, task_id: str, run_at: float, error: str | None, refund: bool) -> None:
    """Put a task back in the queue to run at ``run_at``; ``refund`` gives the attempt back."""
    values: dict[str, object] = {
        "status": TaskStatus.QUEUED.value,
        "run_at": run_at,
        "error": error,
        "claimed_by": None,
        "claimed_until": None,
    }
    if refund:
        values["attempts"] = t.c.attempts - 1
    conn.execute(update(t).where(t.c.id == task_id).values(**values))


def expired(conn: Connection, now: float) -> list[Task]:
    """Running tasks whose worker stopped renewing the lease (its process died)."""
    rows = conn.execute(
        select(t).where(t.c.status == TaskStatus.RUNNING.value, t.c.claimed_until < now)
    ).mappings()
    return [to_task(r) for r in rows]


def release_expired(conn: Connection, task_id: str, now: float) -> bool:
    """Requeue one expired task, guarded so two recoverers cannot both take it."""
    result = conn.execute(
        update(t)
        .where(t.c.id == task_id, t.c.status == TaskStatus.RUNNING.value, t.c.claimed_until < now)
        .values(status=TaskStatus.QUEUED.value, claimed_by=None, claimed_until=None, run_at=now,
                error="worker lost; task recovered after its visibility timeout")
    )
    return result.rowcount == 1


def count_by_status(conn: Connection) -> dict[str, int]:
    """Tasks per status, for /metrics."""
    rows = conn.execute(select(t.c.status, func.count()).group_by(t.c.status))
    return {r[0]: int(r[1]) for r in rows}
