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

Each engine has a thread of its own, which resyncs and follows the containers of that engine against the
workspaces placed on it: an engine that stops answering stops only its own thread's passes (its workspaces
are left as recorded, their status says ``unknown``), and the others carry on.
"""

from __future__ import annotations

import logging
import os
import threading
import uuid
import time
from collections.abc import Callable

from service.domain import operations
from service.domain.orphan_volumes import remove_orphan_volumes
from service.domain.policy import due
from service.domain.recovery import Action, decide, needs_container, restart_delay
from service.metrics import Metrics
from service.model import Operation, State, Workspace
from service.runtime import ContainerInfo, ContainerRuntime, RuntimeFailure, RuntimeUnavailable
from service.runtime.engines import EngineSet
from service.runtime.protocol import EventStream
from service.settings import Settings
from service.store import Store
from service.store import policies as policy_rows
from service.store import tasks as task_rows
from service.store.leases import Lease
from service.store import workspaces as workspace_rows

log = logging.getLogger(__name__)
ORPHAN_VOLUME = "remove-orphan-volume"  # the action a removed orphan home volume counts as


class Reconciler:
    """Desired versus actual, by events and by periodic full resync."""

    def __init__(
        self,
        store: Store,
        engines: EngineSet,
        settings: Settings,
        notify: Callable[[], None] = lambda: None,
        metrics: Metrics | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.engines = engines
        self.settings = settings
        self.notify = notify
        self.metrics = metrics or Metrics()
        self.clock = clock
        self._stopping = threading.Event()
        self._streams: dict[str, EventStream] = {}  # each engine thread's open event stream
        self._threads: list[threading.Thread] = []
        holder = f"{settings.replica}/{os.getpid()}/{uuid.uuid4().hex[:8]}"
        self.lease = Lease(store, f"reconciler/{settings.instance}", holder, settings.leader_lease, self._lost)

    def start(self) -> None:
        """Compete for the deployment's lease, and run each engine's loop (acting only while the lease is held) in
        a daemon thread."""
        self.lease.start()
        for engine in self.engines.names():
            thread = threading.Thread(target=self._loop, args=(engine,), name=f"reconciler-{engine}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 5.0) -> None:
        """Stop following events and wait for the threads (bounded)."""
        self._stopping.set()
        self._lost()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self.lease.stop()

    def _lost(self) -> None:
        for stream in list(self._streams.values()):
            stream.close()

    def _loop(self, engine: str) -> None:
        failures = 0
        while not self._stopping.is_set():
            if not self.lease.wait_held(self.settings.reconcile_interval):
                continue
            try:
                self.resync_engine(engine)
                self._follow(engine, self.clock() + self.settings.reconcile_interval)
                failures = 0
            except RuntimeFailure as exc:
                failures += 1
                log.info("reconciler: engine %s unavailable (%s); resyncing after backoff", engine, exc)
                self._stopping.wait(min(30.0, 0.5 * 2**failures))
            except Exception:  # noqa: BLE001 - the loop must outlive any single bad pass
                failures += 1
                log.exception("reconciler pass on engine %s failed", engine)
                self._stopping.wait(min(30.0, 0.5 * 2**failures))

    def _follow(self, engine: str, until: float) -> None:
        stream = self.engines.runtime(engine).events(until)
        self._streams[engine] = stream  # published before the flag is read: stop() either sees it or we see it
        try:
            if self._stopping.is_set():
                return
            for event in stream:
                if self._stopping.is_set() or not self.lease.held():
                    return
                self.reconcile_one(event.workspace_id, engine)
        finally:
            self._streams.pop(engine, None)
            stream.close()

    def resync(self) -> dict[str, int]:
        """``resync_engine`` on every engine, actions summed; an engine that does not answer is passed over (its
        workspaces are left as they are) and the others are still resynced."""
        taken: dict[str, int] = {}
        for engine in self.engines.names():
            try:
                found = self.resync_engine(engine)
            except RuntimeUnavailable as exc:
                log.info("reconciler: engine %s unavailable (%s); its workspaces are left as recorded", engine, exc)
                continue
            for action, count in found.items():
                taken[action] = taken.get(action, 0) + count
        return taken

    def resync_engine(self, engine: str) -> dict[str, int]:
        """Compare every container of this deployment on ``engine`` with every live workspace placed there and
        act; a container there whose workspace is not (deleted, or placed elsewhere and not being worked on, as a
        move does) is an orphan. Returns the actions taken."""
        runtime = self.engines.runtime(engine)
        try:
            containers = runtime.list_managed()
        except RuntimeUnavailable as exc:
            self.engines.health.failed(engine, str(exc))
            raise
        self.engines.health.answered(engine)
        with self.store.read() as conn:
            everywhere = {ws.id: ws for ws in workspace_rows.live(conn)}
            busy = task_rows.active_workspaces(conn)
        live = {key: ws for key, ws in everywhere.items() if ws.engine == engine}
        by_workspace: dict[str, ContainerInfo] = {}
        taken: dict[str, int] = {}
        for info in containers:
            if info.workspace_id is None or (info.workspace_id in everywhere and info.workspace_id in busy
                                             and info.workspace_id not in live):
                continue
            if info.workspace_id not in live:
                self._act(Action.REMOVE_ORPHAN, None, info, taken, runtime)
            else:
                by_workspace[info.workspace_id] = info
        for ws in live.values():
            found = by_workspace.get(ws.id)
            self._act(decide(ws, found, ws.id in busy, self.settings.restart_limit), ws, found, taken, runtime)
        self.enforce_policy(live, busy, taken)
        removed = len(remove_orphan_volumes(self.store, runtime)) if self.lease.held() else 0
        if removed:
            taken[ORPHAN_VOLUME] = removed
            self.metrics.reconcile_actions.inc(removed, action=ORPHAN_VOLUME)
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

    def reconcile_one(self, workspace_id: str, engine: str | None = None) -> Action:
        """Check one workspace (after an event about its container on ``engine``; default: the workspace's own,
        or the first engine for a workspace that is gone) and act. A container on another engine than its
        workspace's is an orphan there, unless a task is working on the workspace."""
        with self.store.read() as conn:
            ws = workspace_rows.get(conn, workspace_id)
            busy = task_rows.has_active(conn, workspace_id)
        where = engine or (ws.engine if ws is not None else self.engines.names()[0])
        runtime = self.engines.runtime(where)
        if ws is not None and ws.engine != where:
            if busy:
                return Action.NONE
            ws = None  # not this engine's: whatever it holds of the workspace is left over
        info = runtime.find(workspace_id) if needs_container(ws, busy) else None
        action = decide(ws, info, busy, self.settings.restart_limit)
        self._act(action, ws, info, {}, runtime)
        return action

    def _act(self, action: Action, ws: Workspace | None, info: ContainerInfo | None, taken: dict[str, int],
             runtime: ContainerRuntime | None) -> None:
        if action == Action.NONE or not self.lease.held():
            return
        taken[action.value] = taken.get(action.value, 0) + 1
        self.metrics.reconcile_actions.inc(action=action.value)
        now = self.clock()
        if action == Action.REMOVE_ORPHAN:
            assert info is not None and runtime is not None
            log.info("reconciler: removing orphan container %s", info.id[:12])
            runtime.remove(info.id)
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
