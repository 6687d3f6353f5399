"""Emptying an engine: every workspace on it that is running or stopped queued to move elsewhere, one batch per
owner, for the operator (``workspace-service engine move``), who holds no owner's token.

This is the second half of the maintenance ``drain`` begins: the owners' batches are the same ``move`` batches
an owner would submit (``Batches.submit``: same destinations, same refusals), so their progress reads the same
way. A workspace in any other state (failed, or with a task in flight) is left and named: its owner's next
operation settles it, and the operator can run the command again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from service.domain.batches import Batches
from service.domain.errors import NotFound
from service.model import Batch, Operation, State, Workspace
from service.settings import Settings
from service.store import Store
from service.store import workspaces as workspace_rows

MOVABLE = (State.RUNNING, State.STOPPED)


@dataclass(frozen=True)
class Evacuation:
    """What ``evacuate`` queued (a batch per owner, with its workspace count) and what it left."""

    batches: list[tuple[str, Batch, int]]
    left: list[Workspace]


def evacuate(store: Store, settings: Settings, engine: str, destination: str | None,
             notify: Callable[[], None] = lambda: None) -> Evacuation:
    """Queue moves of ``engine``'s running and stopped workspaces (to ``destination``, or placement's choice);
    ``NotFound`` for an engine the settings do not list, the batches' ``Conflict`` for one that cannot go."""
    names = [spec.name for spec in settings.engines]
    if engine not in names:
        raise NotFound(f"no engine named {engine!r}; the engines are: {', '.join(names)}")
    with store.read() as conn:
        on_it = [ws for ws in workspace_rows.live(conn) if ws.engine == engine]
    by_owner: dict[str, list[str]] = {}
    for ws in on_it:
        if ws.state in MOVABLE:
            by_owner.setdefault(ws.owner, []).append(ws.id)
    batches = Batches(store, settings, notify)
    queued = []
    for owner, ids in sorted(by_owner.items()):
        batch, tasks = batches.submit(owner, Operation.MOVE, ids, destination)
        queued.append((owner, batch, len(tasks)))
    return Evacuation(queued, [ws for ws in on_it if ws.state not in MOVABLE])
