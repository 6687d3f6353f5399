"""A database as an older version of the service made it: today's tables minus the columns added since.

The upgrade tests on SQLite and on PostgreSQL build it the same way, with one stored workspace, and then open
it with today's ``Store``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, MetaData, Table, create_engine

from service.store.tables import metadata

ROW: dict[str, Any] = {
    "id": "w" * 32, "owner": "alice", "name": "kept", "image": "workspace-base:latest", "project_path": None,
    "cpus": 1.0, "memory_mb": 256, "pids": 64, "state": "stopped", "desired": "stopped", "container_id": None,
    "last_error": None, "restart_count": 0, "next_restart_at": 0.0, "created_at": 1.0, "updated_at": 2.0,
    "keep_volume": False, "engine": "default",
}


def make_old_database(url: str, missing: dict[str, set[str]]) -> None:
    """Create every table without the ``missing`` columns (table name -> column names) and store ``ROW``."""
    old = MetaData()
    for table in metadata.sorted_tables:
        columns = [Column(c.name, c.type, primary_key=c.primary_key, nullable=c.nullable)
                   for c in table.columns if c.name not in missing.get(table.name, set())]
        Table(table.name, old, *columns)
    engine = create_engine(url)
    try:
        old.create_all(engine)
        with engine.begin() as conn:
            workspaces = old.tables["workspaces"]
            conn.execute(workspaces.insert().values({k: v for k, v in ROW.items() if k in workspaces.c}))
    finally:
        engine.dispose()
