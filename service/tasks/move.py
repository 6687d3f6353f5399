"""The ``move`` task: a workspace taken from its engine to another, home volume and all.

Order, so that a failure at any step leaves the workspace whole on its old engine: stop the container there,
create the new one on the destination (which makes the empty home volume), copy the old volume into it
(``runtime.home_copy``), start the new container if the owner wants it running, record the destination as the
workspace's engine, and only then remove the old container and volume. A failure before the record removes
what the destination got and starts the old container again if it was meant to run; the task is retried or,
given up, leaves the workspace as it was with the reason (``TaskExecutor.give_up``). A crash between the
record and the removal leaves the old container to the reconciler (an orphan on that engine) and the old
volume behind; a retried task finds the workspace moved already and does nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from service.domain.recovery import GONE
from service.model import State, Workspace
from service.runtime import ContainerSpec, PermanentRuntimeError, RuntimeFailure
from service.runtime.docker_runtime import DockerRuntime
from service.runtime.engines import EngineSet
from service.runtime.home_copy import copy_home

log = logging.getLogger(__name__)

Settle = Callable[..., None]  # (state, **columns): record an outcome on the workspace (``TaskExecutor._settle``)


def move(engines: EngineSet, ws: Workspace, destination: str, spec: ContainerSpec, stop_timeout: int,
         settle: Settle, check: Callable[[], None]) -> None:
    """Move ``ws`` from its engine to ``destination`` (see the module's docstring)."""
    if ws.engine == destination:  # recorded by an earlier run of this task, which died before the removal
        log.warning("workspace %s is on %s already; its old container and volume, if any, are left", ws.id,
                    destination)
        return
    source, target = _docker(engines, ws.engine), _docker(engines, destination)
    run = ws.desired == State.RUNNING
    old = source.find(ws.id)
    if old is not None and old.state not in GONE:
        source.stop(old.id, stop_timeout)
    try:
        check()
        target.ensure_image(ws.image)
        new_id = target.create(spec)
        check()
        sent = copy_home(source, target, ws.id, ws.image)
        check()
        if run:
            target.start(new_id)
    except BaseException:
        _undo(target, ws.id)
        if run and old is not None:
            _restart(source, old.id)
        raise
    settle(ws.desired, engine=destination, container_id=new_id, last_error=None)
    log.info("moved workspace %s from %s to %s (%d bytes of home)", ws.id, ws.engine, destination, sent)
    if old is not None:
        source.remove(old.id)
    source.remove_volume(ws.id)


def _docker(engines: EngineSet, name: str) -> DockerRuntime:
    found = engines.runtime(name)
    if not isinstance(found, DockerRuntime):
        raise PermanentRuntimeError(f"engine {name} is not a Docker engine: a move copies volumes between those")
    return found


def _undo(target: DockerRuntime, workspace_id: str) -> None:
    """Best effort: what the destination got is removed, so a retry starts clean and the engine keeps nothing."""
    try:
        found = target.find(workspace_id)
        if found is not None:
            target.remove(found.id)
        target.remove_volume(workspace_id)
    except RuntimeFailure as exc:
        log.warning("move of %s: could not remove its copy on the destination: %s", workspace_id, exc)


def _restart(source: DockerRuntime, container_id: str) -> None:
    """Best effort: the old container runs again, as before the move began (else the reconciler restarts it)."""
    try:
        source.start(container_id)
    except RuntimeFailure as exc:
        log.warning("move: could not start container %s again on its engine: %s", container_id[:12], exc)
