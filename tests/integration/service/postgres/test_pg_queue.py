"""The task queue's claiming on a real PostgreSQL server: concurrent claimers in two "processes" (two
stores, each with its own connection pool), no task claimed twice, a workspace's tasks one at a time in order."""

from __future__ import annotations

import threading
import time
from collections import defaultdict

from service.domain import operations
from service.domain.workspaces import Workspaces
from service.model import Operation, TaskStatus
from service.settings import Settings
from service.store import Store
from service.store import tasks as task_rows

WORKSPACES = 30
TASKS_PER_WORKSPACE = 3
CLAIMERS_PER_STORE = 4


def _queue(store: Store) -> dict[str, list[str]]:
    """Queue TASKS_PER_WORKSPACE tasks on each of WORKSPACES workspaces; task ids per workspace, in order."""
    uses = Workspaces(store, Settings(database_url=store.url))
    order: dict[str, list[str]] = {}
    for i in range(WORKSPACES):
        ws, create = uses.create("alice", f"w{i}")
        order[ws.id] = [create.id]
        with store.write() as conn:
            for kind in (Operation.STOP, Operation.START)[: TASKS_PER_WORKSPACE - 1]:
                task = operations.new_task(kind, ws, time.time(), 3)
                task_rows.insert(conn, task)
                order[ws.id].append(task.id)
    return order


def test_concurrent_claimers_never_share_a_task(postgres_url: str) -> None:
    stores = [Store(postgres_url, pool_size=CLAIMERS_PER_STORE), Store(postgres_url, pool_size=CLAIMERS_PER_STORE)]
    order = _queue(stores[0])
    total = WORKSPACES * TASKS_PER_WORKSPACE
    claims: list[tuple[str, str]] = []  # (task id, worker)
    in_flight: dict[str, str] = {}  # workspace id -> task id being "executed"
    overlaps: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + 60

    def claimer(store: Store, name: str) -> None:
        while time.monotonic() < deadline:
            with lock:
                if len(claims) == total:
                    return
            with store.write() as conn:
                task = task_rows.claim(conn, name, time.time(), 30)
            if task is None:
                time.sleep(0.002)
                continue
            with lock:
                claims.append((task.id, name))
                if task.workspace_id in in_flight:
                    overlaps.append(task.id)
                in_flight[task.workspace_id] = task.id
            time.sleep(0.001)  # "run" it
            with lock:
                in_flight.pop(task.workspace_id, None)
            with store.write() as conn:
                task_rows.finish(conn, task.id, TaskStatus.SUCCEEDED, None, time.time())

    threads = [
        threading.Thread(target=claimer, args=(store, f"p{s}-t{i}"))
        for s, store in enumerate(stores)
        for i in range(CLAIMERS_PER_STORE)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(70)
    try:
        ids = [task_id for task_id, _ in claims]
        assert len(ids) == total and len(set(ids)) == total, "a task was claimed twice or never"
        assert overlaps == [], "two tasks of one workspace ran at once"
        by_workspace: dict[str, list[str]] = defaultdict(list)
        position = {task_id: n for n, task_id in enumerate(ids)}
        for ws_id, queued in order.items():
            by_workspace[ws_id] = sorted(queued, key=position.__getitem__)
        assert dict(by_workspace) == order, "a workspace's tasks ran out of order"
        assert len({worker for _, worker in claims}) > 1
        with stores[0].read() as conn:
            assert task_rows.count_by_status(conn) == {"succeeded": total}
    finally:
        for store in stores:
            store.close()


def test_an_expired_lease_is_recovered_once(postgres_url: str) -> None:
    stores = [Store(postgres_url), Store(postgres_url)]
    try:
        _, task = Workspaces(stores[0], Settings(database_url=postgres_url)).create("alice", "lost")
        now = time.time()
        with stores[0].write() as conn:
            claimed = task_rows.claim(conn, "dead-worker", now, 0.01)
        assert claimed is not None and claimed.id == task.id
        later = now + 1
        with stores[0].read() as conn:
            assert [t.id for t in task_rows.expired(conn, later)] == [task.id]
        results = []
        for store in stores:
            with store.write() as conn:
                results.append(task_rows.release_expired(conn, task.id, later))
        assert results == [True, False]
        with stores[1].write() as conn:
            again = task_rows.claim(conn, "live-worker", later, 30)
        assert again is not None and again.id == task.id and again.attempts == 2
    finally:
        for store in stores:
            store.close()
