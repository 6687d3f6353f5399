"""Workspace transitions and the recovery policy: pure rules, every branch."""

from __future__ import annotations

import dataclasses

import pytest

from service.domain import states
from service.domain.errors import Conflict
from service.domain.recovery import Action, decide, needs_container, restart_delay
from service.model import Operation, Resources, State, Workspace
from service.runtime import ContainerInfo

WS = Workspace(
    id="a" * 32, owner="o", name="n", image="i", project_path=None, resources=Resources(1, 64, 64),
    state=State.RUNNING, desired=State.RUNNING, container_id="c", last_error=None, restart_count=0,
    next_restart_at=0.0, created_at=0.0, updated_at=0.0,
)


@pytest.mark.parametrize(
    ("state", "operation", "target"),
    [
        (State.STOPPED, Operation.START, State.STARTING),
        (State.FAILED, Operation.START, State.STARTING),
        (State.RUNNING, Operation.STOP, State.STOPPING),
        (State.RUNNING, Operation.RESTART, State.RESTARTING),
        (State.STOPPED, Operation.RESTART, State.RESTARTING),
        (State.PENDING, Operation.DELETE, State.DELETING),
        (State.FAILED, Operation.DELETE, State.DELETING),
    ],
)
def test_legal_transitions(state: State, operation: Operation, target: State) -> None:
    assert states.begin(state, operation) == target


@pytest.mark.parametrize(
    ("state", "operation"),
    [(State.RUNNING, Operation.START), (State.STOPPED, Operation.STOP), (State.PENDING, Operation.STOP),
     (State.STARTING, Operation.RESTART), (State.DELETING, Operation.DELETE), (State.DELETED, Operation.START)],
)
def test_illegal_transitions_say_why(state: State, operation: Operation) -> None:
    with pytest.raises(Conflict) as caught:
        states.begin(state, operation)
    assert f"cannot {operation.value} a workspace that is {state.value}" in caught.value.detail
    assert caught.value.extensions == {"state": state.value, "operation": operation.value}


def test_legal_operations_lists_buttons() -> None:
    assert states.legal_operations(State.RUNNING) == ["stop", "restart", "delete"]
    assert states.legal_operations(State.DELETED) == []


def _info(state: str) -> ContainerInfo:
    return ContainerInfo(id="c", workspace_id=WS.id, state=state)


@pytest.mark.parametrize(
    ("workspace", "container", "busy", "expected"),
    [
        (None, _info("running"), False, Action.REMOVE_ORPHAN),
        (dataclasses.replace(WS, state=State.DELETED), _info("exited"), False, Action.REMOVE_ORPHAN),
        (None, None, False, Action.NONE),
        (WS, _info("exited"), True, Action.NONE),
        (dataclasses.replace(WS, state=State.STOPPED), _info("exited"), False, Action.NONE),
        (WS, None, False, Action.RECREATE),
        (WS, _info("dead"), False, Action.RECREATE),
        (WS, _info("exited"), False, Action.RESTART),
        (dataclasses.replace(WS, restart_count=5), _info("exited"), False, Action.FAIL),
        (WS, _info("running"), False, Action.NONE),
        (dataclasses.replace(WS, state=State.STOPPED), _info("running"), False, Action.STOP),
        (dataclasses.replace(WS, state=State.STOPPED), _info("paused"), False, Action.STOP),
        (dataclasses.replace(WS, state=State.STOPPED), _info("running"), True, Action.NONE),
        (dataclasses.replace(WS, state=State.STOPPED), None, False, Action.NONE),
        (dataclasses.replace(WS, state=State.STOPPED), _info("dead"), False, Action.NONE),
    ],
)
def test_recovery_decisions(workspace: Workspace | None, container: ContainerInfo | None, busy: bool, expected: Action) -> None:
    assert decide(workspace, container, busy, restart_limit=5) == expected


@pytest.mark.parametrize(("workspace", "container"), [
    (None, _info("running")), (dataclasses.replace(WS, state=State.DELETED), _info("exited")),
    (WS, None), (WS, _info("exited")), (WS, _info("dead")), (WS, _info("running")),
    (dataclasses.replace(WS, state=State.STOPPED), _info("running")), (dataclasses.replace(WS, state=State.STARTING), None),
])
@pytest.mark.parametrize("busy", [True, False])
def test_the_container_is_asked_for_only_when_it_can_change_the_decision(
    workspace: Workspace | None, container: ContainerInfo | None, busy: bool
) -> None:
    with_it = decide(workspace, container, busy, restart_limit=5)
    if not needs_container(workspace, busy):
        assert with_it == decide(workspace, None, busy, restart_limit=5) == Action.NONE


def test_restart_delay_grows_and_is_capped() -> None:
    assert [restart_delay(n, 1.0) for n in range(4)] == [1.0, 2.0, 4.0, 8.0]
    assert restart_delay(30, 1.0, cap=60.0) == 60.0
