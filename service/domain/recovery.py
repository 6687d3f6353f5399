"""Recovery policy: what to do when the container Docker holds differs from what the workspace should be.

Pure decisions on values, so every branch is unit-tested without an engine; the reconciler gathers the
facts and the task worker carries the decision out.
"""

from __future__ import annotations

from enum import StrEnum

from service.model import State, Workspace
from service.runtime.protocol import ContainerInfo

GONE = frozenset({"dead", "removing"})
DOWN = frozenset({"exited", "created"})


class Action(StrEnum):
    """What the reconciler should do about one workspace or container."""

    NONE = "none"
    RESTART = "restart"  # container exited while the workspace should run
    RECREATE = "recreate"  # container dead or vanished while the workspace should exist
    FAIL = "fail"  # restarted too often: stop trying, record why
    REMOVE_ORPHAN = "remove-orphan"  # container with our label and no live workspace
    STOP = "stop"  # container running while the workspace is meant to be stopped (started behind our back)


def needs_container(workspace: Workspace | None, busy: bool) -> bool:
    """Whether ``decide`` depends on the container at all: for a workspace that a task is working on, or that
    is not meant to be running, the answer is "nothing to do" whatever Docker holds, so the reconciler does
    not ask Docker (a batch of creates makes an event per container, each about a busy workspace)."""
    if workspace is None or workspace.state == State.DELETED:
        return True
    return not busy and workspace.state in (State.RUNNING, State.STOPPED)


def decide(
    workspace: Workspace | None,
    container: ContainerInfo | None,
    busy: bool,
    restart_limit: int,
) -> Action:
    """The action for one workspace/container pair; ``busy`` means a task is already working on it."""
    if workspace is None or workspace.state == State.DELETED:
        return Action.REMOVE_ORPHAN if container is not None else Action.NONE
    if not needs_container(workspace, busy):
        return Action.NONE
    if workspace.state == State.STOPPED:
        return Action.STOP if container is not None and container.state not in GONE | DOWN else Action.NONE
    if container is None or container.state in GONE:
        return Action.RECREATE
    if container.state in DOWN:
        if workspace.restart_count >= restart_limit:
            return Action.FAIL
        return Action.RESTART
    return Action.NONE


def restart_delay(restart_count: int, base: float, cap: float = 300.0) -> float:
    """Exponential backoff between automatic restarts of the same workspace."""
    return float(min(cap, base * (2**restart_count)))
