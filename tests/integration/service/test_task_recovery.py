"""Durability: a task claimed by a worker that died is recovered after its visibility timeout."""

from __future__ import annotations

import time
from typing import Any

from service.app import background_of
from service.store import tasks as task_rows


def test_task_of_a_dead_worker_is_recovered(make_api: Any, containers: Any) -> None:
    api = make_api(background=False, visibility_timeout=0.5)
    ws = api.create("orphaned-task")
    store = api.app.extensions["workspace_service"].store
    with store.write() as conn:  # a worker in another process claims the task, then dies
        claimed = task_rows.claim(conn, "dead-worker", time.time(), 0.5)
    assert claimed is not None and claimed.id == ws["task_id"]
    background = background_of(api.app)
    assert background.pool.maintain_once() == 0  # lease still valid
    time.sleep(0.6)
    assert background.pool.maintain_once() == 1
    background.start()
    done = api.wait_task(ws["task_id"])
    assert done["status"] == "succeeded" and done["attempts"] == 2
    assert api.wait_state(ws["id"], {"running"})["state"] == "running"


def test_claiming_is_exclusive_and_ordered_per_workspace(make_api: Any) -> None:
    api = make_api(background=False)
    ws = api.create("ordered")
    api.delete(f"/api/workspaces/{ws['id']}")
    store = api.app.extensions["workspace_service"].store
    now = time.time()
    with store.write() as conn:
        first = task_rows.claim(conn, "w1", now, 30)
    with store.write() as conn:
        second = task_rows.claim(conn, "w2", now, 30)  # the delete waits for the create
    assert first is not None and first.kind.value == "create" and second is None
