"""Placement: which engine a new workspace goes to. It stays there (its home volume lives there) unless moved.

Among the engines whose labels include every label the workspace asks for, that are not draining and not
known to be down, the one with the most free capacity (capacity minus its workspaces that are not deleted;
an unbounded engine counts as the most free, and among unbounded ones the one holding fewest), ties by name. Nothing fits: ``Conflict`` (409) saying why, or
``Unavailable`` (503) when engines would fit but every one of them is down.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from service.domain.errors import Conflict, Unavailable
from service.settings import EngineSpec


def choose(
    engines: Sequence[EngineSpec],
    wanted: Mapping[str, str],
    draining: set[str],
    used: Mapping[str, int],
    down: Callable[[str], str | None],
) -> str:
    """The name of the engine a workspace asking for labels ``wanted`` is placed on."""
    matching = [e for e in engines if all(e.labels.get(k) == v for k, v in wanted.items())]
    if not matching:
        asked = ", ".join(f"{k}={v}" for k, v in sorted(wanted.items()))
        raise Conflict(f"no engine has the labels {asked}")
    open_ = [e for e in matching if e.name not in draining]
    if not open_:
        raise Conflict("every engine that fits is draining: " + ", ".join(e.name for e in matching))
    with_room = [e for e in open_ if e.capacity == 0 or used.get(e.name, 0) < e.capacity]
    if not with_room:
        raise Conflict("every engine that fits is full: " + ", ".join(f"{e.name} {e.capacity}" for e in open_))
    up = [e for e in with_room if down(e.name) is None]
    if not up:
        first = with_room[0].name
        raise Unavailable(f"every engine that fits is down ({first}: {down(first)})")
    return min(up, key=lambda e: (*_free_rank(e, used), e.name)).name


def _free_rank(engine: EngineSpec, used: Mapping[str, int]) -> tuple[int, int]:
    """Smaller is freer: unbounded engines first, by how many they hold; then bounded ones by free places."""
    held = used.get(engine.name, 0)
    if engine.capacity == 0:
        return 0, held
    return 1, held - engine.capacity
