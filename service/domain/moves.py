"""Where each workspace of a ``move`` batch goes: the engine the owner names, or placement's choice among the
others; refused, for the whole batch, when one cannot go anywhere.

A move is the operator's way to empty an engine (drain it, then move what it holds), so its destination obeys
what placement obeys for a new workspace (listed, not draining, with room), and a workspace whose home is a
host directory (``project_path``) stays: that directory is on its engine's host, not in a volume to copy.
Destinations chosen in one batch count against capacity as they are chosen, so a batch spreads as creates do.
"""

from __future__ import annotations

from sqlalchemy import Connection

from service.domain import placement
from service.domain.errors import Conflict, DomainError, Invalid
from service.model import Workspace
from service.settings import Settings
from service.store import engines as engine_rows
from service.store import workspaces as workspace_rows


def destinations(conn: Connection, settings: Settings, found: list[Workspace], engine: str | None) -> dict[str, str]:
    """Workspace id -> destination engine for every one of ``found``, or ``Conflict`` naming each one that
    cannot move and why (``Invalid`` for an ``engine`` the settings do not list)."""
    names = [spec.name for spec in settings.engines]
    if engine is not None and engine not in names:
        raise Invalid(f"no engine named {engine!r}; the engines are: {', '.join(names)}")
    draining = engine_rows.draining(conn)
    used = workspace_rows.count_by_engine(conn)
    chosen: dict[str, str] = {}
    refused: dict[str, str] = {}
    for ws in found:
        try:
            chosen[ws.id] = _destination(settings, ws, engine, draining, used)
            used[chosen[ws.id]] = used.get(chosen[ws.id], 0) + 1
        except DomainError as exc:
            refused[ws.id] = exc.detail
    if refused:
        raise Conflict(f"move is not possible for {len(refused)} workspace(s)", refused=refused)
    return chosen


def _destination(settings: Settings, ws: Workspace, engine: str | None, draining: set[str],
                 used: dict[str, int]) -> str:
    if ws.project_path is not None:
        raise Conflict("its home is a directory of its engine's host, which a move cannot take along")
    others = [spec for spec in settings.engines if spec.name != ws.engine]
    if engine is not None:
        others = [spec for spec in others if spec.name == engine]
        if not others:
            raise Conflict(f"it is on engine {engine} already")
    if not others:
        raise Conflict(f"there is no engine besides {ws.engine}")
    # an engine that does not answer is not known here: the move's task waits for it, like any task
    return placement.choose(others, {}, draining, used, lambda name: None)
