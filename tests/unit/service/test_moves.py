"""Where a ``move`` batch sends each workspace (``domain.moves``), on a real SQLite store: spread over the other
engines as creates are, to a named engine only when it is open, and refused as a whole when one cannot go."""

from __future__ import annotations

import dataclasses

import pytest

from service.domain.batches import Batches
from service.domain.errors import Conflict
from service.domain.workspaces import Workspaces
from service.model import Operation, State
from service.settings import EngineSpec, Settings
from service.store import Store
from service.store import engines as engine_rows
from service.store import workspaces as workspace_rows


def placed(store: Store, settings: Settings, count: int, state: State = State.RUNNING) -> list[str]:
    """``count`` workspaces placed on the freest engine (a, or the only one), recorded settled in ``state``."""
    made = Workspaces(store, settings)
    ids = []
    for i in range(count):
        ws, _ = made.create("alice", f"{state.value}-{i}")
        assert ws.engine == settings.engines[0].name
        with store.write() as conn:
            workspace_rows.change(conn, ws.id, 1.0, state=state, desired=state)
        ids.append(ws.id)
    return ids


@pytest.fixture
def three(settings: Settings) -> Settings:
    engines = (EngineSpec("a", "unix:///a.sock", capacity=10), EngineSpec("b", "unix:///b.sock", capacity=5),
               EngineSpec("c", "unix:///c.sock", capacity=5))
    return dataclasses.replace(settings, engines=engines, max_batch=10)


def test_a_move_spreads_over_the_other_engines_and_keeps_what_the_owner_wants(store: Store, three: Settings) -> None:
    running = placed(store, three, 4)
    stopped = placed(store, three, 1, State.STOPPED)
    _, tasks = Batches(store, three).submit("alice", Operation.MOVE, running + stopped)
    assert [t.target for t in tasks] == ["b", "c", "b", "c", "b"]
    with store.read() as conn:
        found = workspace_rows.get_many(conn, running + stopped, "alice")
    assert {found[i].state for i in found} == {State.MOVING}
    assert [found[i].desired for i in running + stopped] == [State.RUNNING] * 4 + [State.STOPPED]
    assert {found[i].engine for i in found} == {"a"}  # recorded elsewhere only once the move is done


def test_a_named_engine_must_be_open_and_elsewhere(store: Store, three: Settings) -> None:
    ids = placed(store, three, 2)
    batches = Batches(store, three)
    with store.write() as conn:
        engine_rows.set_draining(conn, "b", True, 1.0)
    with pytest.raises(Conflict) as draining:
        batches.submit("alice", Operation.MOVE, ids, "b")
    assert draining.value.extensions["refused"] == {i: "every engine that fits is draining: b" for i in ids}
    with pytest.raises(Conflict) as here:
        batches.submit("alice", Operation.MOVE, ids, "a")
    assert here.value.extensions["refused"] == {i: "it is on engine a already" for i in ids}
    _, tasks = batches.submit("alice", Operation.MOVE, ids)  # placement passes the draining b over
    assert [t.target for t in tasks] == ["c", "c"]


def test_with_one_engine_a_move_is_refused_and_nothing_is_queued(store: Store, settings: Settings) -> None:
    ids = placed(store, settings, 1)
    with pytest.raises(Conflict) as alone:
        Batches(store, settings).submit("alice", Operation.MOVE, ids)
    assert alone.value.extensions["refused"] == {ids[0]: "there is no engine besides default"}
    with store.read() as conn:
        assert workspace_rows.get_many(conn, ids, "alice")[ids[0]].state == State.RUNNING

