"""A database made before a column existed keeps working, and keeps its rows, when a newer version opens it.

The database is built the way an old version built it: the current tables minus the columns added since
(``workspaces.keep_volume``), with a workspace stored in it. Opening it with today's ``Store`` must add the
column, give the old row its default, and serve it through the same repository calls the API uses.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Column, MetaData, Table, create_engine

from service.store import Store
from service.store import workspaces as repo
from service.store.migrate import SchemaError, upgrade
from service.store.tables import metadata

ROW = {"id": "w" * 32, "owner": "alice", "name": "kept", "image": "workspace-base:latest", "project_path": None,
       "cpus": 1.0, "memory_mb": 256, "pids": 64, "state": "stopped", "desired": "stopped", "container_id": None,
       "last_error": None, "restart_count": 0, "next_restart_at": 0.0, "created_at": 1.0, "updated_at": 2.0, "keep_volume": False}


def _old_database(url: str, missing: dict[str, set[str]]) -> None:
    old = MetaData()
    for table in metadata.sorted_tables:
        columns = [Column(c.name, c.type, primary_key=c.primary_key, nullable=c.nullable) for c in table.columns if c.name not in missing.get(table.name, set())]
        Table(table.name, old, *columns)
    engine = create_engine(url)
    old.create_all(engine)
    with engine.begin() as conn:
        table = old.tables["workspaces"]
        conn.execute(table.insert().values({k: v for k, v in ROW.items() if k in table.c}))
    engine.dispose()


def test_an_old_sqlite_database_gains_the_column_and_keeps_its_workspace(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    _old_database(url, {"workspaces": {"keep_volume"}})
    store = Store(url)
    try:
        assert store.upgraded == ["workspaces.keep_volume"]
        with store.read() as conn:
            ws = repo.get(conn, str(ROW["id"]), owner="alice")
        assert ws is not None and ws.name == "kept" and ws.keep_volume is False
    finally:
        store.close()
    again = Store(url)  # a second start finds nothing to do
    try:
        assert again.upgraded == []
    finally:
        again.close()


def test_a_missing_column_without_a_default_stops_with_one_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'odd.db'}"
    _old_database(url, {"workspaces": {"state"}})
    engine = create_engine(url)
    try:
        with pytest.raises(SchemaError, match="^table workspaces lacks column state, which has no default"):
            upgrade(engine, metadata)
    finally:
        engine.dispose()
