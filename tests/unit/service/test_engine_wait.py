"""A task whose engine does not answer waits without using attempts, asking again less often the longer it waits."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from service.domain.workspaces import Workspaces
from service.model import Task, TaskStatus
from service.runtime import RuntimeUnavailable
from service.settings import Settings
from service.store import Store
from service.store import tasks as task_rows
from service.tasks.worker import WorkerPool


class DownExecutor:
    """Every task meets an engine that does not answer."""

    def execute(self, task: Task, deadline: float) -> None:
        raise RuntimeUnavailable("Docker engine unreachable: stopped")


@pytest.mark.parametrize(("created", "now", "delay"), [
    (1000.0, 1000.1, 0.5),  # new: the base backoff
    (1000.0, 1080.0, 10.0),  # 80 s old: an eighth of that
    (100.0, 1000.0, 15.0),  # waiting long: the cap
])
def test_a_task_waiting_for_its_engine_backs_off_with_its_age_and_keeps_its_attempts(
        store: Store, settings: Settings, created: float, now: float, delay: float) -> None:
    tuned = dataclasses.replace(settings, retry_backoff=0.5, retry_backoff_max=15.0)
    _, task = Workspaces(store, tuned, clock=lambda: created).create("alice", "waiting")
    executor: Any = DownExecutor()
    assert WorkerPool(store, executor, tuned, clock=lambda: now).run_once() is not None
    with store.read() as conn:
        found = task_rows.get(conn, task.id, "alice")
    assert found is not None and found.status == TaskStatus.QUEUED and found.error == "Docker engine unreachable: stopped"
    assert (found.run_at - now, found.attempts) == (pytest.approx(delay), 0)
