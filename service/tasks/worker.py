"""The worker pool: threads that claim tasks from the store, run them, and retry or record the outcome.

Durability comes from the store, not from this process: a claim is a lease that a maintenance thread
renews while the task runs; if the process dies the lease runs out and any pool (here or in another
process) puts the task back in the queue. In-process ``notify`` makes pick-up immediate; polling every
``poll_interval`` covers tasks queued by other processes.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable

from service.metrics import Metrics
from service.model import Task, TaskStatus
from service.runtime import RuntimeFailure, RuntimeUnavailable, TransientRuntimeError
from service.settings import Settings
from service.store import Store
from service.store import tasks as task_rows
from service.tasks.deadline import TaskTimeout
from service.tasks.executor import TaskExecutor

log = logging.getLogger(__name__)


def backoff(attempt: int, base: float, cap: float) -> float:
    """Delay before retry number ``attempt`` (1-based): exponential, capped."""
    return float(min(cap, base * (2 ** max(0, attempt - 1))))


class WorkerPool:
    """``settings.workers`` threads executing tasks, plus one thread renewing leases and recovering lost tasks."""

    def __init__(
        self,
        store: Store,
        executor: TaskExecutor,
        settings: Settings,
        metrics: Metrics | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.executor = executor
        self.settings = settings
        self.metrics = metrics or Metrics()
        self.clock = clock
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._cond = threading.Condition()
        self._signals = 0
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._inflight: set[str] = set()
        self._inflight_lock = threading.Lock()

    def start(self) -> None:
        """Start the workers and the maintenance thread."""
        for i in range(self.settings.workers):
            thread = threading.Thread(target=self._work, name=f"task-worker-{i}", daemon=True)
            thread.start()
            self._threads.append(thread)
        maintenance = threading.Thread(target=self._maintain, name="task-maintenance", daemon=True)
        maintenance.start()
        self._threads.append(maintenance)

    def stop(self, timeout: float = 10.0) -> None:
        """Ask every thread to finish its current task and wait for them (bounded by ``timeout``)."""
        self._stopping.set()
        with self._cond:
            self._cond.notify_all()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._threads.clear()

    def notify(self) -> None:
        """Wake one idle worker: a task was just queued."""
        with self._cond:
            self._signals += 1
            self._cond.notify()

    def _wait_for_work(self) -> None:
        with self._cond:
            if self._signals == 0 and not self._stopping.is_set():
                self._cond.wait(self.settings.poll_interval)
            if self._signals > 0:
                self._signals -= 1

    # --- workers ------------------------------------------------------------------------------------

    def _work(self) -> None:
        while not self._stopping.is_set():
            try:
                task = self.run_once()
            except Exception:  # noqa: BLE001 - a store hiccup must not kill the worker thread
                log.exception("task worker: claim failed")
                task = None
            if task is None:
                self._wait_for_work()

    def run_once(self) -> Task | None:
        """Claim and run one task; None when nothing was runnable."""
        now = self.clock()
        with self.store.write() as conn:
            task = task_rows.claim(conn, self.worker_id, now, self.settings.visibility_timeout)
        if task is None:
            return None
        self.notify()  # there may be more: let another idle worker look
        self.metrics.task_pickup_seconds.observe(max(0.0, now - task.run_at))
        with self._inflight_lock:
            self._inflight.add(task.id)
        try:
            self._run(task, now)
        finally:
            with self._inflight_lock:
                self._inflight.discard(task.id)
        return task

    def _run(self, task: Task, started: float) -> None:
        kind = task.kind.value
        try:
            self.executor.execute(task, started + self.settings.task_timeout)
        except RuntimeUnavailable as exc:
            self._retry(task, str(exc), refund=True, delay=self._wait_delay(task))
            self.metrics.task_outcomes.inc(kind=kind, outcome="unavailable")
            return
        except (TransientRuntimeError, TaskTimeout) as exc:
            if task.attempts >= task.max_attempts:
                self.executor.give_up(task, f"{exc} (after {task.attempts} attempts)")
                self.metrics.task_outcomes.inc(kind=kind, outcome="failed")
            else:
                self._retry(task, str(exc), refund=False)
                self.metrics.task_outcomes.inc(kind=kind, outcome="retried")
            return
        except Exception as exc:  # noqa: BLE001 - permanent failures and bugs both end the task, recorded
            if isinstance(exc, RuntimeFailure):
                log.info("task %s (%s) failed: %s", task.id, kind, exc)
            else:
                log.exception("task %s (%s) failed unexpectedly", task.id, kind)
            self.executor.give_up(task, str(exc) or type(exc).__name__)
            self.metrics.task_outcomes.inc(kind=kind, outcome="failed")
            return
        with self.store.write() as conn:
            task_rows.finish(conn, task.id, TaskStatus.SUCCEEDED, None, self.clock())
        self.metrics.task_outcomes.inc(kind=kind, outcome="succeeded")
        self.metrics.task_seconds.observe(self.clock() - started, kind=kind)

    def _retry(self, task: Task, error: str, refund: bool, delay: float | None = None) -> None:
        if delay is None:
            delay = backoff(task.attempts, self.settings.retry_backoff, self.settings.retry_backoff_max)
        with self.store.write() as conn:
            task_rows.requeue(conn, task.id, self.clock() + delay, error, refund)

    def _wait_delay(self, task: Task) -> float:
        """The delay before a task whose engine did not answer tries again: its attempts are given back, so they
        cannot space the retries out; an eighth of how long the task has existed does (within the backoff's base
        and cap), so an engine down for long is not asked again every ``retry_backoff`` by each task waiting."""
        waited = max(0.0, self.clock() - task.created_at)
        return min(self.settings.retry_backoff_max, max(self.settings.retry_backoff, waited / 8))

    # --- maintenance --------------------------------------------------------------------------------

    def _maintain(self) -> None:
        period = max(0.2, self.settings.visibility_timeout / 3)
        while not self._stopping.is_set():
            try:
                self.maintain_once()
            except Exception:  # noqa: BLE001 - keep renewing leases through a store hiccup
                log.exception("task maintenance failed")
            self._stopping.wait(period)

    def maintain_once(self) -> int:
        """Renew the leases of running tasks and requeue tasks whose worker died; returns how many were recovered."""
        now = self.clock()
        with self._inflight_lock:
            inflight = sorted(self._inflight)
        with self.store.write() as conn:
            task_rows.extend(conn, inflight, self.worker_id, now + self.settings.visibility_timeout)
            lost = task_rows.expired(conn, now)
        recovered = 0
        for task in lost:
            if task.attempts >= task.max_attempts:
                self.executor.give_up(task, f"worker lost {task.attempts} times; giving up")
                continue
            with self.store.write() as conn:
                if task_rows.release_expired(conn, task.id, now):
                    recovered += 1
        if recovered:
            self.notify()
        return recovered
