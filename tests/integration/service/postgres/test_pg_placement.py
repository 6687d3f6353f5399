"""Placement on PostgreSQL: creates from several stores at once (as several instances make them) never place more
workspaces on an engine than its capacity."""

from __future__ import annotations

from concurrent_creates import create_from_each

from service.domain.workspaces import Workspaces
from service.settings import EngineSpec, Settings
from service.store import Store
from service.store import workspaces as workspace_rows


def test_concurrent_creates_fill_an_engine_to_its_capacity_and_no_further(postgres_url: str) -> None:
    settings = Settings(database_url=postgres_url, engines=(EngineSpec("only", "unix:///nowhere.sock", 5),))
    stores = [Store(postgres_url) for _ in range(3)]
    try:
        outcomes = create_from_each([Workspaces(store, settings) for store in stores], "alice", 8)
        assert outcomes.count("created") == 5 and outcomes.count("conflict") == 19
        with stores[0].read() as conn:
            assert workspace_rows.count_by_engine(conn) == {"only": 5}
    finally:
        for store in stores:
            store.close()
