"""Lifecycle policy: per-owner quotas, idle auto-stop, time to live, and the activity that keeps a workspace up.

Quotas count an owner's live workspaces (every state but ``deleted``, stopped ones included: their resources are
promised back at the next start) and are checked in the transaction that adds or resizes, so two creates cannot
both take the last place: SQLite runs one writer at a time, and on PostgreSQL a transaction-scoped advisory lock
per owner serialises them. A refusal is a 409 whose ``limit`` names the quota, with ``quota``, ``in_use`` and
``asked``. Idle and expired workspaces are found by the reconciler's periodic pass (``due``): an idle running
workspace is stopped, an expired one deleted, each through the ordinary queued task, with the reason recorded
as its ``last_error``. Activity is every API call on the owner's workspace (execs, files and logs included),
from its start to its end, and every state change; ``Activity`` writes it at most once per
``activity_interval`` per process, so a busy read path does not become a write path.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, text
from sqlalchemy.exc import SQLAlchemyError

from service.domain.errors import Conflict, Invalid
from service.model import Operation, Resources, State, Workspace
from service.runtime.protocol import RESERVED_ENV
from service.settings import Settings
from service.store import Store
from service.store import policies as policy_rows
from service.store import workspaces as workspace_rows
from service.store.policies import Policy

log = logging.getLogger(__name__)


def check_quota(conn: Connection, owner: str, settings: Settings, asked: Resources,
                replacing: Resources | None = None) -> None:
    """``Conflict`` naming the quota that adding ``asked`` (in place of ``replacing``, for a resize) would pass."""
    if not (settings.owner_max_workspaces or settings.owner_max_cpus or settings.owner_max_memory_mb):
        return
    if conn.dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(owner.encode()).digest()[:8], "big", signed=True)
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
    count, cpus, memory = workspace_rows.usage(conn, owner)
    if replacing is None:
        _within("workspaces", settings.owner_max_workspaces, count, 1)
    else:
        cpus, memory = cpus - replacing.cpus, memory - replacing.memory_mb
    _within("cpus", settings.owner_max_cpus, round(cpus, 6), asked.cpus)
    _within("memory_mb", settings.owner_max_memory_mb, memory, asked.memory_mb)


def _within(limit: str, quota: float, in_use: float, asked: float) -> None:
    if quota and in_use + asked > quota + 1e-9:
        raise Conflict(f"over the owner's quota of {quota:g} {limit}: {in_use:g} in use, {asked:g} asked",
                       limit=limit, quota=quota, in_use=in_use, asked=asked)


def check_environment(env: dict[str, str], secrets: dict[str, str]) -> None:
    """``Invalid`` when a name is both a variable and a secret (which value the container sees would be a guess),
    or one the service's execs use for themselves."""
    both = sorted(set(env) & set(secrets))
    if both:
        raise Invalid("names given both as env and as secrets: " + ", ".join(both[:10]))
    reserved = sorted((set(env) | set(secrets)) & RESERVED_ENV)
    if reserved:
        raise Invalid("names the service sets itself in every exec: " + ", ".join(reserved))


def expiry(settings: Settings, ttl_s: float | None, now: float) -> float | None:
    """When a workspace created ``now`` expires: its own TTL or the operator's (which also caps it), or never."""
    ttl = ttl_s if ttl_s is not None else settings.workspace_ttl
    if settings.workspace_ttl and ttl > settings.workspace_ttl:
        raise Invalid(f"ttl_s {ttl:g} is over the operator's {settings.workspace_ttl:g} s")
    return now + ttl if ttl else None


def due(ws: Workspace, policy: Policy | None, settings: Settings, now: float) -> tuple[Operation, str] | None:
    """What the policy asks of ``ws`` now (delete when expired, stop when idle) and why, or None."""
    if ws.state in (State.DELETING, State.DELETED):
        return None
    if policy is not None and policy.expires_at is not None and now >= policy.expires_at:
        return Operation.DELETE, "ttl: deleted at its expiry"
    idle = settings.idle_timeout if policy is None or policy.idle_timeout is None else policy.idle_timeout
    if not idle or ws.state != State.RUNNING or ws.desired != State.RUNNING:
        return None
    last = max(ws.updated_at, policy.last_active_at if policy is not None else 0.0)
    if now - last >= idle:
        return Operation.STOP, f"idle: stopped after {idle:g} s without activity"
    return None


@dataclass(frozen=True, eq=False)  # each call is its own, even two begun at the same instant
class Begun:
    """A call in progress on a workspace, as ``Activity.begin`` counted it."""

    workspace_id: str
    owner: str
    started: float


class Activity:
    """Records that a workspace is used: when a call on it begins, while it is in progress (an exec or a followed
    log may run for minutes), and when it ends; at most once per ``settings.activity_interval`` per workspace in
    this process. A call counts only for the owner's own workspace (checked when a write is due)."""

    def __init__(self, store: Store, settings: Settings, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.interval = settings.activity_interval
        self.clock = clock
        # a call still counted after this long has lost its end (a failed hook): it stops counting
        self.longest = 2 * max(settings.exec_timeout_max, settings.logs_follow_seconds, 60.0)
        self._written: dict[tuple[str, str | None], float] = {}
        self._open: dict[Begun, None] = {}
        self._lock = threading.Lock()
        self._beating = False

    def begin(self, workspace_id: str, owner: str) -> Begun:
        """A call on ``workspace_id`` by ``owner`` begins: activity now and, until ``end``, every interval."""
        begun = Begun(workspace_id, owner, self.clock())
        with self._lock:
            self._open[begun] = None
            beat, self._beating = not self._beating, True
        if beat:
            threading.Thread(target=_heartbeat, args=(weakref.ref(self),), name="activity", daemon=True).start()
        self.touch(workspace_id, owner)
        return begun

    def end(self, begun: Begun) -> None:
        """The call has been answered (a streamed answer: sent to its end): activity now."""
        with self._lock:
            self._open.pop(begun, None)
        self.touch(begun.workspace_id, begun.owner)

    def beat(self) -> bool:
        """Touch every workspace with a call in progress; False (and the heartbeat ends) when none is left."""
        now = self.clock()
        with self._lock:
            for stale in [b for b in self._open if now - b.started > self.longest]:
                del self._open[stale]
            current = {(b.workspace_id, b.owner) for b in self._open}
            if not current:
                self._beating = False
                return False
        for workspace_id, owner in current:
            self.touch(workspace_id, owner)
        return True

    def touch(self, workspace_id: str, owner: str | None = None) -> None:
        """Record activity now (only on ``owner``'s workspace, when named), unless this process recorded some
        less than ``interval`` ago."""
        now, key = self.clock(), (workspace_id, owner)  # another owner's call never holds back the owner's
        with self._lock:
            if now - self._written.get(key, float("-inf")) < self.interval:
                return
            if len(self._written) > 100_000:
                self._written.clear()
            self._written[key] = now
        try:
            self.store.transact(lambda conn: policy_rows.touch(conn, workspace_id, now, owner))
        except SQLAlchemyError as exc:  # activity is a hint: a failed write must not fail the request
            log.warning("could not record activity on workspace %s: %s", workspace_id, exc)


def _heartbeat(ref: weakref.ref[Activity]) -> None:
    """``beat`` each interval while calls are in progress. It holds its ``Activity`` weakly, so an app that is
    gone (a test's, say, whose answers were never closed) takes its heartbeat with it."""
    while True:
        found = ref()
        if found is None:
            return
        pause = max(found.interval, 0.05)
        del found
        time.sleep(pause)
        found = ref()
        if found is None or not found.beat():
            return
        del found
