"""Reconciliation: keep the recorded workspaces true to the containers Docker really holds.

One thread follows Docker's container events for this deployment and checks the workspace each event
names; a full resync runs at start, after a lost connection, and every ``reconcile_interval`` (the
event stream is opened with an ``until`` that long, so a quiet daemon still gets a periodic look).
Decisions come from ``domain.recovery``; repairs are queued as ``sync`` tasks so they run with the same
retries and ordering as the owner's own operations. Only orphans are removed here, directly. Each full pass
also applies the lifecycle policy: idle workspaces are stopped, expired ones deleted (``enforce_policy``).

Every server process of every ``serve`` instance on the database runs a ``Reconciler``, but only the one
holding the deployment's lease (``store.leases``, named after the instance label) follows events and acts;
the others wait to take the lease over. A reconciler that loses the lease stops acting before it expires.
"""

from __future__ import annotations

import logging
import os
import threading
import uuid
import time
from collections.abc import Callable

from service.domain import operations
from service.domain.policy import due
from service.domain.recovery import Action, decide, needs_container, restart_delay
from service.metrics import Metrics
from service.model import Operation, State, Workspace
from service.runtime import ContainerInfo, ContainerRuntime, RuntimeFailure
from service.runtime.protocol import EventStream
from service.settings import Settings
from service.store import Store
from service.store import policies as policy_rows
from service.store import tasks as task_rows
from service.store.leases import Lease
from service.store import workspaces as workspace_rows

log = logging.getLogger(__name__)


class Reconciler:
    """Desired versus actual, by events and by periodic full resync."""

    def __init__(
        self,
        store: Store,
        runtime: ContainerRuntime,
        settings: Settings,
        notify: Callable[[], None] = lambda: None,
        metrics: Metrics | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.runtime = runtime
        self.settings = settings
        self.notify = notify
        self.metrics = metrics or Metrics()
        self.clock = clock
        self._stopping = threading.Event()
        self._stream: EventStream | None = None
        self._thread: threading.Thread | None = None
        holder = f"{settings.replica}/{os.getpid()}/{uuid.uuid4().hex[:8]}"
        self.lease = Lease(store, f"reconciler/{settings.instance}", holder, settings.leader_lease, self._lost)

    def start(self) -> None:
        """Compete for the deployment's lease, and run the loop (acting only while it is held) in a daemon thread."""
        self.lease.start()
        self._thread = threading.Thread(target=self._loop, name="reconciler", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop following events and wait for the thread (bounded)."""
        self._stopping.set()
        stream = self._stream
        if stream is not None:
            stream.close()
        if self._thread is not None:
            self._thread.join(timeout)
        self.lease.stop()

    def _lost(self) -> None:
        stream = self._stream
        if stream is not None:
            stream.close()

    def _loop(self) -> None:
        failures = 0
        while not self._stopping.is_set():
            if not self.lease.wait_held(self.settings.reconcile_interval):
                continue
            try:
                self.resync()
                self._follow(self.clock() + self.settings.reconcile_interval)
                failures = 0
            except RuntimeFailure as exc:
                failures += 1
                log.info("reconciler: Docker unavailable (%s); resyncing after backoff", exc)
                self._stopping.wait(min(30.0, 0.5 * 2**failures))
            except Exception:  # noqa: BLE001 - the loop must outlive any single bad pass
                failures += 1
                log.exception("reconciler pass failed")
                self._stopping.wait(min(30.0, 0.5 * 2**failures))

    def _follow(self, until: float) -> None:
        stream = self.runtime.events(until)
        self._stream = stream  # published before the flag is read: stop() either sees it or we see the flag
        try:
            if self._stopping.is_set():
                return
            for event in stream:
                if self._stopping.is_set() or not self.lease.held():
                    return
                self.reconcile_one(event.workspace_id)
        finally:
            self._stream = None
            stream.close()

    def resync(self) -> dict[str, int]:
        """Compare every container of this deployment with every live workspace and act; returns actions taken."""
        containers = self.runtime.list_managed()
        with self.store.read() as conn:
            live = {ws.id: ws for ws in workspace_rows.live(conn)}
            busy = task_rows.active_workspaces(conn)
        by_workspace: dict[str, ContainerInfo] = {}
        taken: dict[str, int] = {}
        for info in containers:
            if info.workspace_id is None:
                continue
            if info.workspace_id not in live:
                self._act(Action.REMOVE_ORPHAN, None, info, taken)
            else:
                by_workspace[info.workspace_id] = info
        for ws in live.values():
            found = by_workspace.get(ws.id)
            self._act(decide(ws, found, ws.id in busy, self.settings.restart_limit), ws, found, taken)
        self.enforce_policy(live, busy, taken)
        return taken

    def enforce_policy(self, live: dict[str, Workspace], busy: set[str], taken: dict[str, int]) -> None:
        """Stop the idle running workspaces and delete the expired ones (see ``domain.policy``), each by its
        ordinary queued task, with the reason as its ``last_error``; a workspace with a task in flight waits for
        the next pass."""
        now = self.clock()
        with self.store.read() as conn:
            policies = policy_rows.live(conn)
        for ws in live.values():
            if ws.id in busy or not self.lease.held() or due(ws, policies.get(ws.id), self.settings, now) is None:
                continue
            with self.store.write() as conn:  # decided again on the row as it is now, in the transaction that acts
                current = workspace_rows.get(conn, ws.id)
                found = None if current is None else due(current, policy_rows.get(conn, ws.id), self.settings,
                                                         self.clock())
                if current is None or found is None or task_rows.has_active(conn, ws.id):
                    continue
                operation, reason = found
                operations.apply(conn, current, operation, now, self.settings.task_max_attempts)
                workspace_rows.change(conn, ws.id, now, last_error=reason)
            log.info("reconciler: %s workspace %s (%s)", operation.value, ws.id, reason)
            action = "idle_stop" if operation == Operation.STOP else "expire"
            taken[action] = taken.get(action, 0) + 1
            self.metrics.reconcile_actions.inc(action=action)
            self.notify()

    def reconcile_one(self, workspace_id: str) -> Action:
        """Check one workspace (after an event about its container) and act."""
        with self.store.read() as conn:
            ws = workspace_rows.get(conn, workspace_id)
            busy = task_rows.has_active(conn, workspace_id)
        info = self.runtime.find(workspace_id) if needs_container(ws, busy) else None
        action = decide(ws, info, busy, self.settings.restart_limit)
        self._act(action, ws, info, {})
        return action

    def _act(self, action: Action, ws: Workspace | None, info: ContainerInfo | None, taken: dict[str, int]) -> None:
        if action == Action.NONE or not self.lease.held():
            return
        taken[action.value] = taken.get(action.value, 0) + 1
        self.metrics.reconcile_actions.inc(action=action.value)
        now = self.clock()
        if action == Action.REMOVE_ORPHAN:
            assert info is not None
            log.info("reconciler: removing orphan container %s", info.id[:12])
            self.runtime.remove(info.id)
            return
        assert ws is not None
        with self.store.write() as conn:
            if action == Action.FAIL:
                reason = f"container exited {ws.restart_count} times; automatic restarts stopped"
                operations.settle(conn, ws.id, State.FAILED, now, last_error=reason)
                return
            run_at = now
            if action == Action.RESTART:
                run_at = max(now, ws.next_restart_at)
                count = ws.restart_count + 1
                workspace_rows.change(
                    conn, ws.id, now, restart_count=count,
                    next_restart_at=run_at + restart_delay(count, self.settings.restart_backoff),
                )
            queued = operations.queue_sync(conn, ws, now, self.settings.task_max_attempts, run_at)
        if queued is not None:
            self.notify()
