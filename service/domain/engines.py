"""The operator's view of the engines: each listed engine with how many workspaces it holds and whether it is
draining, and draining or undraining one. A draining engine gets no new workspaces (see ``placement``); the ones
it holds stay and keep running until they are stopped or moved."""

from __future__ import annotations

from dataclasses import dataclass

from service.domain.errors import NotFound
from service.settings import EngineSpec, Settings
from service.store import Store
from service.store import engines as engine_rows
from service.store import workspaces as workspace_rows


@dataclass(frozen=True)
class EngineUse:
    """One listed engine and its state in the store."""

    spec: EngineSpec
    used: int  # workspaces placed on it that are not deleted
    draining: bool


def usage(store: Store, settings: Settings) -> list[EngineUse]:
    """Every engine the settings list, in their order."""
    with store.read() as conn:
        used = workspace_rows.count_by_engine(conn)
        draining = engine_rows.draining(conn)
    return [EngineUse(spec, used.get(spec.name, 0), spec.name in draining) for spec in settings.engines]


def set_draining(store: Store, settings: Settings, name: str, value: bool, now: float) -> None:
    """Drain (``value``) or undrain the listed engine ``name``; ``NotFound`` names the listed ones otherwise."""
    names = [spec.name for spec in settings.engines]
    if name not in names:
        raise NotFound(f"no engine named {name!r}; the engines are: {', '.join(names)}")
    with store.write() as conn:
        engine_rows.set_draining(conn, name, value, now)
