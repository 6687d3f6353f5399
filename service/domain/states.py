"""Workspace states and the legal transitions between them.

Only a settled workspace accepts an operation (a transitional one has a task in flight, and a second task
would race it), except delete, which is always accepted and runs after the task in flight.
"""

from __future__ import annotations

from service.domain.errors import Conflict
from service.model import Operation, State

SETTLED = frozenset({State.RUNNING, State.STOPPED, State.FAILED})

# operation -> (states it may start from, the transitional state it puts the workspace in)
_TRANSITIONS: dict[Operation, tuple[frozenset[State], State]] = {
    Operation.START: (frozenset({State.STOPPED, State.FAILED}), State.STARTING),
    Operation.STOP: (frozenset({State.RUNNING}), State.STOPPING),
    Operation.RESTART: (frozenset({State.RUNNING, State.STOPPED}), State.RESTARTING),
    Operation.DELETE: (frozenset(State) - {State.DELETING, State.DELETED}, State.DELETING),
    Operation.MOVE: (frozenset({State.RUNNING, State.STOPPED}), State.MOVING),
}

# what the owner wants once the operation is done; the reconciler holds the workspace to it
DESIRED: dict[Operation, State] = {
    Operation.CREATE: State.RUNNING,
    Operation.START: State.RUNNING,
    Operation.RESTART: State.RUNNING,
    Operation.STOP: State.STOPPED,
    Operation.DELETE: State.DELETED,
}


def begin(state: State, operation: Operation) -> State:
    """The transitional state ``operation`` moves a workspace in ``state`` to, or ``Conflict`` saying why not."""
    allowed, target = _TRANSITIONS[operation]
    if state not in allowed:
        names = ", ".join(sorted(s.value for s in allowed))
        raise Conflict(
            f"cannot {operation.value} a workspace that is {state.value}; {operation.value} is allowed from: {names}",
            state=state.value,
            operation=operation.value,
        )
    return target


def legal_operations(state: State) -> list[str]:
    """The operations a workspace in ``state`` accepts, for clients that want to draw buttons (not ``move``: the
    operator's, through a batch, with no route of its own)."""
    return [op.value for op, (allowed, _) in _TRANSITIONS.items() if state in allowed and op != Operation.MOVE]
