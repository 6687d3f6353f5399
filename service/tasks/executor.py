"""What each task kind does to Docker and to the workspace record.

Every handler is written to be run again after a crash at any point: containers are found by their
deterministic name, a create that meets its own container adopts it, and removing a missing container
counts as removed. A task whose workspace is being deleted yields to the delete task queued behind it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from service.domain import operations
from service.domain.errors import Invalid
from service.domain.paths import verify_mount
from service.domain.workspaces import require_apart
from service.domain.recovery import DOWN, GONE
from service.model import Operation, State, Task, TaskStatus, Workspace
from service.runtime import ContainerRuntime, ContainerSpec, PermanentRuntimeError, RuntimeFailure, RuntimeUnavailable
from service.runtime.engines import EngineSet
from service.settings import Settings
from service.store import Store
from service.store import policies as policy_rows
from service.store import tasks as task_rows
from service.store import workspaces as workspace_rows
from service.tasks.deadline import TaskTimeout, run_within
from service.tasks.move import move

log = logging.getLogger(__name__)


class TaskExecutor:
    """Runs one claimed task to completion or raises a ``RuntimeFailure`` the worker pool classifies; each task
    talks to the engine of its workspace (an engine that does not answer is ``RuntimeUnavailable``: the task
    waits for it without using up attempts, and ``engines.health`` hears of it)."""

    def __init__(
        self, store: Store, engines: EngineSet, settings: Settings, clock: Callable[[], float] = time.time
    ) -> None:
        self.store = store
        self.engines = engines
        self.settings = settings
        self.clock = clock
        self._local = threading.local()  # the _Step of the task the current thread runs

    def execute(self, task: Task, deadline: float) -> None:
        """Do the task's work and record the workspace's new state, cut off at ``deadline`` (see ``deadline``)."""
        step = _Step(self, deadline)
        run_within(lambda: self._execute(task, step), deadline - self.clock(), f"task-{task.id[:8]}", step.abandon)

    def _execute(self, task: Task, step: _Step) -> None:
        self._local.step = step
        with self.store.read() as conn:
            ws = workspace_rows.get(conn, task.workspace_id)
        if ws is None or ws.state == State.DELETED:
            return
        if task.kind != Operation.DELETE and ws.state == State.DELETING:
            return  # superseded: the delete task behind this one removes whatever exists
        rt = self.engines.runtime(ws.engine)
        try:
            if task.kind == Operation.DELETE:
                self._delete(rt, ws, step)
            elif task.kind == Operation.STOP:
                self._stop(rt, ws, step)
            elif task.kind == Operation.SYNC:
                self._sync(rt, ws, step)
            elif task.kind == Operation.RESIZE:
                self._resize(rt, ws)
            elif task.kind == Operation.MOVE:
                move(self.engines, ws, task.target or "", self._spec(ws), self.settings.stop_timeout,
                     lambda state, **values: self._settle(ws.id, state, **values), step.check)
            else:
                self._up(rt, ws, task.kind, step, first_try=task.attempts <= 1)
        except RuntimeUnavailable as exc:
            self.engines.health.failed(ws.engine, str(exc))
            raise
        self.engines.health.answered(ws.engine)

    # --- handlers -----------------------------------------------------------------------------------

    def _up(self, rt: ContainerRuntime, ws: Workspace, kind: Operation, step: _Step, first_try: bool = False) -> None:
        """create, start and restart: end with the workspace's container running.

        A first create attempt does not look for an existing container: none can exist yet unless an earlier
        attempt made it, and then the runtime's create meets the name conflict and adopts it. Retries look.
        """
        if kind == Operation.CREATE:
            self._settle(ws.id, State.STARTING)
        step.check()
        self._check_mount(ws)
        info = None if kind == Operation.CREATE and first_try else rt.find(ws.id)
        if info is None or info.state in GONE:
            container_id = self._bring_up(rt, ws, info.id if info else None, step)
        elif kind == Operation.RESTART and info.state == "running":
            rt.restart(info.id, self.settings.stop_timeout)
            container_id = info.id
        else:
            rt.start(info.id)
            container_id = info.id
        self._settle(ws.id, State.RUNNING, container_id=container_id, last_error=None)

    def _bring_up(self, rt: ContainerRuntime, ws: Workspace, dead_id: str | None, step: _Step) -> str:
        """Create and start a fresh container; a permanent failure removes what was created."""
        if dead_id is not None:
            rt.remove(dead_id)
        step.check()
        rt.ensure_image(ws.image)
        step.check()
        container_id = rt.create(self._spec(ws))
        self._settle(ws.id, None, container_id=container_id)
        step.check()
        try:
            rt.start(container_id)
        except PermanentRuntimeError:
            rt.remove(container_id)
            self._settle(ws.id, None, container_id=None)
            raise
        return container_id

    def _spec(self, ws: Workspace) -> ContainerSpec:
        """The container ``ws`` gets, with the owner's variables and secrets of the moment."""
        with self.store.read() as conn:
            environment = policy_rows.environment(conn, ws.id)
        return ContainerSpec(
            workspace_id=ws.id, owner=ws.owner, image=ws.image, resources=ws.resources, project_dir=ws.project_path,
            environment=environment,
        )

    def _stop(self, rt: ContainerRuntime, ws: Workspace, step: _Step) -> None:
        info = rt.find(ws.id)
        step.check()
        if info is not None and info.state not in GONE:
            rt.stop(info.id, self.settings.stop_timeout)
        self._settle(ws.id, State.STOPPED)

    def _delete(self, rt: ContainerRuntime, ws: Workspace, step: _Step) -> None:
        if ws.container_id is not None:
            rt.remove(ws.container_id)
        step.check()
        info = rt.find(ws.id)  # a create that crashed before recording its container id
        if info is not None:
            rt.remove(info.id)
        step.check()
        if ws.project_path is None and not ws.keep_volume:
            rt.remove_volume(ws.id)
        self._settle(ws.id, State.DELETED, container_id=None, allow_deleting=True)
        with self.store.write() as conn:  # its secrets are kept no longer than its container
            policy_rows.drop(conn, ws.id)

    def _sync(self, rt: ContainerRuntime, ws: Workspace, step: _Step) -> None:
        """The reconciler's repair: bring a workspace that should run back up, stop one meant to be stopped."""
        if ws.state == State.STOPPED:
            info = rt.find(ws.id)
            if info is not None and info.state not in GONE | DOWN:
                rt.stop(info.id, self.settings.stop_timeout)
            return
        if ws.state != State.RUNNING:
            return
        info = rt.find(ws.id)
        step.check()
        if info is None or info.state in GONE:
            self._check_mount(ws)
            container_id = self._bring_up(rt, ws, info.id if info else None, step)
            self._settle(ws.id, State.RUNNING, container_id=container_id)
        elif info.state != "running":
            self._check_mount(ws)
            rt.start(info.id)

    def _resize(self, rt: ContainerRuntime, ws: Workspace) -> None:
        """Apply the recorded resources to the existing container; without one, its creation applies them."""
        info = rt.find(ws.id)
        if info is not None and info.state not in GONE:
            rt.update(info.id, ws.resources)

    def _check_mount(self, ws: Workspace) -> None:
        """Before every container create and start: the mount source is still the owner's own directory,
        with no link on its path and no other workspace's mount around or inside it (see ``domain.paths``);
        a refusal is permanent, so the workspace fails with the reason and its container does not start."""
        if ws.project_path is None:
            return
        try:
            verify_mount(self.settings.projects_root, ws.owner, ws.project_path)
            with self.store.read() as conn:
                require_apart(conn, ws.owner, ws.project_path, ws.id)
        except Invalid as exc:
            raise PermanentRuntimeError(f"mount refused: {exc.detail}") from exc

    # --- outcomes -----------------------------------------------------------------------------------

    def _settle(self, ws_id: str, state: State | None, allow_deleting: bool = False, **values: object) -> None:
        """Record an outcome unless a delete overtook this task (then the delete's outcome wins) or the task
        was abandoned at its deadline (then its retry records the outcome)."""
        step: _Step | None = getattr(self._local, "step", None)
        if step is not None and step.abandoned:
            raise TaskTimeout("abandoned at its timeout; not recording")
        with self.store.write() as conn:
            current = workspace_rows.get(conn, ws_id)
            if current is None or (current.state == State.DELETING and not allow_deleting):
                if "container_id" in values and current is not None:
                    workspace_rows.change(conn, ws_id, self.clock(), container_id=values["container_id"])
                return
            if state is None:
                workspace_rows.change(conn, ws_id, self.clock(), **values)
            else:
                operations.settle(conn, ws_id, state, self.clock(), **values)

    def give_up(self, task: Task, reason: str) -> None:
        """Record a task that will not be retried, and the workspace as failed with the reason."""
        if task.kind == Operation.CREATE:
            self._discard_container(task.workspace_id)
        now = self.clock()
        with self.store.write() as conn:
            task_rows.finish(conn, task.id, TaskStatus.FAILED, reason, now)
            current = workspace_rows.get(conn, task.workspace_id)
            if current is None or current.state == State.DELETED:
                return
            if task.kind == Operation.RESIZE:  # the container keeps running with its previous limits
                workspace_rows.change(conn, task.workspace_id, now, last_error=f"resize: {reason}")
                return
            if task.kind == Operation.MOVE and current.state == State.MOVING:  # it stays where it was (see ``move``)
                operations.settle(conn, task.workspace_id, current.desired, now, last_error=f"move: {reason}")
                return
            if current.state == State.DELETING and task.kind != Operation.DELETE:
                return
            operations.settle(conn, task.workspace_id, State.FAILED, now, last_error=f"{task.kind.value}: {reason}")

    def _discard_container(self, ws_id: str) -> None:
        """Best effort: a create that failed for good leaves no container behind."""
        try:
            with self.store.read() as conn:
                ws = workspace_rows.get(conn, ws_id)
            if ws is None:
                return
            rt = self.engines.runtime(ws.engine)
            info = rt.find(ws_id)
            if info is not None:
                rt.remove(info.id)
            with self.store.write() as conn:
                workspace_rows.change(conn, ws_id, self.clock(), container_id=None)
        except RuntimeFailure as exc:
            log.warning("could not remove the container of failed workspace %s: %s", ws_id, exc)


class _Step:
    """Deadline checks between engine calls; ``abandoned`` once the worker stopped waiting for this run."""

    def __init__(self, executor: TaskExecutor, deadline: float) -> None:
        self.executor = executor
        self.deadline = deadline
        self.abandoned = False

    def abandon(self) -> None:
        self.abandoned = True

    def check(self) -> None:
        if self.executor.clock() > self.deadline:
            raise TaskTimeout("task exceeded its timeout")
