"""Workspace use cases: create, read, update (name, resources) and operate, always within one owner's workspaces.

New resources are recorded at once and applied by a queued ``resize`` task: Docker changes the CPU, memory
and pids limits of the existing container in place (running or stopped), so nothing restarts; a workspace
without a container yet simply gets them when its container is created.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from service.domain.base import UseCases
from service.domain import operations, placement, policy
from service.domain.errors import Conflict, Invalid, NotFound
from service.domain.paths import overlapping, resolve_project
from service.model import Operation, Resources, State, Task, Workspace
from service.runtime.engines import EngineHealth
from service.store.policies import Policy
from service.store import engines as engine_rows
from service.store import policies as policy_rows
from service.store import tasks as task_rows
from service.store import workspaces as workspace_rows


class Workspaces(UseCases):
    """The owner-scoped workspace operations; ``notify`` wakes the worker pool after a task is queued; ``health``
    (the app's ``EngineSet.health``) tells placement which engines are down."""

    def __init__(self, *args: Any, health: EngineHealth | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.activity = policy.Activity(self.store, self.settings, self.clock)
        self.health = health or EngineHealth()

    def create(
        self,
        owner: str,
        name: str,
        project_path: str | None = None,
        image: str | None = None,
        resources: dict[str, float] | None = None,
        env: dict[str, str] | None = None,
        secrets: dict[str, str] | None = None,
        idle_timeout_s: float | None = None,
        ttl_s: float | None = None,
        engine_labels: dict[str, str] | None = None,
    ) -> tuple[Workspace, Task]:
        """Record a pending workspace on the engine ``placement`` chooses (among those with ``engine_labels``),
        its policy (see ``policy``) and its create task; nothing is stored if any rule refuses (a quota
        included)."""
        env, secrets = env or {}, secrets or {}
        policy.check_environment(env, secrets)
        chosen_image = image or self.settings.default_image
        if chosen_image not in self.settings.allowed_images:
            allowed = ", ".join(self.settings.allowed_images)
            raise Invalid(f"image {chosen_image!r} is not allowed; allowed images: {allowed}")
        project_dir = resolve_project(self.settings.projects_root, owner, project_path) if project_path is not None else None
        now = self.clock()
        ws = Workspace(
            id=operations.new_id(),
            owner=owner,
            name=name,
            image=chosen_image,
            project_path=project_dir,
            resources=self._resources(resources or {}),
            state=State.PENDING,
            desired=State.RUNNING,
            container_id=None,
            last_error=None,
            restart_count=0,
            next_restart_at=0.0,
            created_at=now,
            updated_at=now,
        )
        task = operations.new_task(Operation.CREATE, ws, now, self.settings.task_max_attempts)
        expires_at = policy.expiry(self.settings, ttl_s, now)

        def insert(conn: Connection) -> Workspace:
            policy.check_quota(conn, owner, self.settings, ws.resources)
            placed = dataclasses.replace(ws, engine=self._place(conn, engine_labels or {}))
            _insert_pair(conn, placed, task)
            policy_rows.insert(conn, ws.id, env, secrets, idle_timeout_s, expires_at, now)
            return placed

        try:
            # no separate look-up of the name: the unique index on the owner's live names refuses a taken one
            placed = self.store.transact(insert)
        except IntegrityError as exc:
            raise _name_conflict(name) from exc
        self.notify()
        return placed, task

    def _place(self, conn: Connection, wanted: dict[str, str]) -> str:
        """The engine for a new workspace, read in the transaction that records it (see ``placement``)."""
        engines = self.settings.engines
        used: dict[str, int] = {}
        bounded = any(e.capacity for e in engines)
        if bounded:
            engine_rows.lock_placement(conn)  # a bound must hold: two creates may not both take the last place
        if bounded or len(engines) > 1:
            # bounded engines are chosen by free places, unbounded ones by how many they hold (an even spread)
            used = workspace_rows.count_by_engine(conn)
        # with one engine there is no other to prefer: its work waits for it to answer, as it always did
        down = self.health.down if len(engines) > 1 else _never_down
        return placement.choose(engines, wanted, engine_rows.draining(conn), used, down)

    def _resources(self, asked: dict[str, float], base: Resources | None = None) -> Resources:
        """``asked`` over ``base`` (default: the operator's defaults), refused above the operator's ceilings."""
        limits = self.settings.limits
        base = base or Resources(limits.default_cpus, limits.default_memory_mb, limits.default_pids)
        res = Resources(
            cpus=float(asked.get("cpus", base.cpus)),
            memory_mb=int(asked.get("memory_mb", base.memory_mb)),
            pids=int(asked.get("pids", base.pids)),
        )
        over = []
        if res.cpus > limits.max_cpus:
            over.append(f"cpus {res.cpus} > {limits.max_cpus}")
        if res.memory_mb > limits.max_memory_mb:
            over.append(f"memory_mb {res.memory_mb} > {limits.max_memory_mb}")
        if res.pids > limits.max_pids:
            over.append(f"pids {res.pids} > {limits.max_pids}")
        if over:
            raise Invalid("resources above the operator's limits: " + "; ".join(over))
        return res

    def get(self, owner: str, workspace_id: str) -> Workspace:
        """The owner's workspace, or ``NotFound`` (also for another owner's)."""
        with self.store.read(single=True) as conn:  # one statement
            return _owned(conn, owner, workspace_id)

    def page(self, owner: str, state: State | None, limit: int, offset: int) -> tuple[list[Workspace], int]:
        """One page of the owner's workspaces and their total count."""
        with self.store.read() as conn:
            return workspace_rows.page(conn, owner, state, limit, offset)

    def rename(self, owner: str, workspace_id: str, name: str) -> Workspace:
        """Give a workspace a new name (unique among the owner's live workspaces)."""
        return self.update(owner, workspace_id, name=name)[0]

    def update(
        self, owner: str, workspace_id: str, name: str | None = None, resources: dict[str, float] | None = None
    ) -> tuple[Workspace, Task | None]:
        """Rename and/or resize; the ``resize`` task queued when the resources changed (None otherwise)."""
        task = None
        try:
            with self.store.write() as conn:
                ws = _owned(conn, owner, workspace_id)
                if ws.state in (State.DELETING, State.DELETED):
                    raise Conflict(f"cannot change a workspace that is {ws.state.value}", state=ws.state.value)
                values: dict[str, object] = {}
                if name is not None and name != ws.name:
                    _require_free_name(conn, owner, name, workspace_id)
                    values["name"] = name
                wanted = self._resources(resources or {}, ws.resources)
                if wanted != ws.resources:
                    policy.check_quota(conn, owner, self.settings, wanted, replacing=ws.resources)
                    values.update(cpus=wanted.cpus, memory_mb=wanted.memory_mb, pids=wanted.pids)
                    task = operations.new_task(Operation.RESIZE, ws, self.clock(), self.settings.task_max_attempts)
                    task_rows.insert(conn, task)
                if values:
                    workspace_rows.change(conn, workspace_id, self.clock(), **values)
                changed = workspace_rows.get(conn, workspace_id)
        except IntegrityError as exc:
            raise _name_conflict(name or "") from exc
        assert changed is not None
        if task is not None:
            self.notify()
        return changed, task

    def operate(
        self, owner: str, workspace_id: str, operation: Operation, keep_volume: bool = False
    ) -> tuple[Workspace, Task]:
        """Start, stop, restart or delete: a legal transition and its queued task, or 404/409.

        ``keep_volume`` (a delete only) leaves the workspace's home volume in the engine when it is deleted."""
        def apply(conn: Connection) -> tuple[Workspace, Task]:
            ws = _owned(conn, owner, workspace_id)
            changed, task = operations.apply(conn, ws, operation, self.clock(), self.settings.task_max_attempts)
            if operation == Operation.DELETE and keep_volume:
                workspace_rows.change(conn, ws.id, self.clock(), keep_volume=True)
                changed = dataclasses.replace(changed, keep_volume=True)
            return changed, task

        result = self.store.transact(apply)
        self.notify()
        return result

    def policy_of(self, owner: str, workspace_id: str) -> Policy | None:
        """The owner's workspace's policy (None for one made before policies existed), or ``NotFound``."""
        with self.store.read() as conn:
            _owned(conn, owner, workspace_id)
            return policy_rows.get(conn, workspace_id)

    def task(self, owner: str, task_id: str) -> Task:
        """One of the owner's tasks, or ``NotFound``."""
        with self.store.read(single=True) as conn:  # one statement
            task = task_rows.get(conn, task_id, owner)
        if task is None:
            raise NotFound(f"no task {task_id}")
        return task


def _never_down(engine: str) -> str | None:
    return None


def _insert_pair(conn: Connection, ws: Workspace, task: Task) -> None:
    if ws.project_path is not None:
        require_apart(conn, ws.owner, ws.project_path)
    workspace_rows.insert(conn, ws)
    task_rows.insert(conn, task)


def require_apart(conn: Connection, owner: str, project_dir: str, except_id: str = "") -> None:
    """``Invalid`` when another live workspace of the owner mounts a directory containing ``project_dir`` or
    inside it (see ``paths``: a tenant could otherwise swap a link into the other's mount path)."""
    other = overlapping(project_dir, workspace_rows.project_dirs(conn, owner, except_id))
    if other is not None:
        raise Invalid(f"project_path overlaps the project directory of another workspace ({other[:200]})")


def _name_conflict(name: str) -> Conflict:
    return Conflict(f"a workspace named {name!r} already exists", name=name)


def _require_free_name(conn: Connection, owner: str, name: str, except_id: str | None = None) -> None:
    if workspace_rows.name_taken(conn, owner, name, except_id):
        raise _name_conflict(name)


def _owned(conn: Connection, owner: str, workspace_id: str) -> Workspace:
    """The owner's workspace, or ``NotFound``: another owner's is as absent as one that never was."""
    ws = workspace_rows.get(conn, workspace_id, owner)
    if ws is None:
        raise NotFound(f"no workspace {workspace_id}")
    return ws
