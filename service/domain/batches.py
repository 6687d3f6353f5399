"""Batches: one operation over many workspaces, accepted or refused as a whole.

All-or-nothing keeps the answer simple to act on: a batch naming an unknown id or a workspace whose state
forbids the operation is refused with the list of offenders, and nothing is queued.
"""

from __future__ import annotations

from dataclasses import dataclass

from service.domain.base import UseCases
from service.domain import moves, operations, states
from service.domain.errors import Conflict, NotFound
from service.model import Batch, Operation, Task, TaskStatus, Workspace
from service.store import batches as batch_rows
from service.store import tasks as task_rows
from service.store import workspaces as workspace_rows

BATCH_OPERATIONS = (Operation.START, Operation.STOP, Operation.RESTART, Operation.DELETE, Operation.MOVE)


@dataclass(frozen=True)
class BatchProgress:
    """A batch, its tasks and the workspaces they act on (None where the workspace row is gone)."""

    batch: Batch
    tasks: list[Task]
    workspaces: dict[str, Workspace]

    @property
    def done(self) -> bool:
        """Whether every task has finished one way or the other."""
        return all(t.status in (TaskStatus.SUCCEEDED, TaskStatus.FAILED) for t in self.tasks)

    def counts(self) -> dict[str, int]:
        """Tasks per status."""
        out = {s.value: 0 for s in TaskStatus}
        for t in self.tasks:
            out[t.status.value] += 1
        return out


class Batches(UseCases):
    """Submitting and reading batches for one owner at a time."""

    def submit(self, owner: str, operation: Operation, workspace_ids: list[str],
               engine: str | None = None) -> tuple[Batch, list[Task]]:
        """Queue ``operation`` for every workspace, or refuse the whole batch saying which ids are the problem;
        a move goes to ``engine``, or where ``moves.destinations`` places each workspace."""
        now = self.clock()
        batch = Batch(id=operations.new_id(), owner=owner, operation=operation, created_at=now)
        with self.store.write() as conn:
            found = workspace_rows.get_many(conn, workspace_ids, owner)
            missing = [i for i in workspace_ids if i not in found]
            if missing:
                raise NotFound(f"{len(missing)} workspace id(s) do not exist", missing=missing)
            refused = {}
            for ws in found.values():
                try:
                    states.begin(ws.state, operation)
                except Conflict as exc:
                    refused[ws.id] = exc.detail
            if refused:
                raise Conflict(f"{operation.value} is not legal for {len(refused)} workspace(s)", refused=refused)
            targets: dict[str, str] = {}
            if operation == Operation.MOVE:
                targets = moves.destinations(conn, self.settings, [found[i] for i in workspace_ids], engine)
            batch_rows.insert(conn, batch)
            queued = [
                operations.apply(conn, found[i], operation, now, self.settings.task_max_attempts, batch.id,
                                 targets.get(i))[1]
                for i in workspace_ids
            ]
        self.notify()
        return batch, queued

    def progress(self, owner: str, batch_id: str) -> BatchProgress:
        """The batch's per-workspace progress, or ``NotFound``."""
        with self.store.read() as conn:
            batch = batch_rows.get(conn, batch_id, owner)
            if batch is None:
                raise NotFound(f"no batch {batch_id}")
            queued = task_rows.of_batch(conn, batch_id)
            found = workspace_rows.get_many(conn, [t.workspace_id for t in queued], owner)
        return BatchProgress(batch=batch, tasks=queued, workspaces=found)
