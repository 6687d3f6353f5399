"""A database made before a column existed keeps working, and keeps its rows, when a newer version opens it.

The database is built the way an old version built it (``old_schema``): the current tables minus the columns
added since (``workspaces.keep_volume``, ``workspaces.engine``), with a workspace stored in it. Opening it with today's ``Store`` must
add the column, give the old row its default, and serve it through the same repository calls the API uses.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine

from integration.service.old_schema import ROW, make_old_database
from service.store import Store
from service.store import workspaces as repo
from service.store.migrate import SchemaError, upgrade
from service.store.tables import metadata


@pytest.mark.parametrize(("column", "default"), [("keep_volume", False), ("engine", "default")])
def test_an_old_sqlite_database_gains_the_column_and_keeps_its_workspace(
    tmp_path: Path, column: str, default: object,
) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    make_old_database(url, {"workspaces": {column}})
    store = Store(url)
    try:
        assert store.upgraded == [f"workspaces.{column}"]
        with store.read() as conn:
            ws = repo.get(conn, str(ROW["id"]), owner="alice")
        assert ws is not None and ws.name == "kept" and getattr(ws, column) == default
    finally:
        store.close()
    again = Store(url)  # a second start finds nothing to do
    try:
        assert again.upgraded == []
    finally:
        again.close()


def test_a_missing_column_without_a_default_stops_with_one_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'odd.db'}"
    make_old_database(url, {"workspaces": {"state"}})
    engine = create_engine(url)
    try:
        with pytest.raises(SchemaError, match="^table workspaces lacks column state, which has no default"):
            upgrade(engine, metadata)
    finally:
        engine.dispose()
