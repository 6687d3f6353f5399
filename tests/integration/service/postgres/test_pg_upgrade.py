"""PostgreSQL as an operator writes it, and a database made by an older version, both just work.

``postgresql://`` without a driver is how the README and most operators spell the URL; SQLAlchemy 2.1 maps it
to psycopg 3, which the project does not install, so the store names the driver it declares. An old database
(made before ``workspaces.keep_volume``) gains the column and keeps its rows.
"""

from __future__ import annotations

from sqlalchemy import Column, MetaData, Table, create_engine, make_url

from service.store import Store
from service.store import workspaces as repo
from service.store.tables import metadata

ROW = {"id": "p" * 32, "owner": "alice", "name": "kept", "image": "workspace-base:latest", "project_path": None,
       "cpus": 1.0, "memory_mb": 256, "pids": 64, "state": "stopped", "desired": "stopped", "container_id": None,
       "last_error": None, "restart_count": 0, "next_restart_at": 0.0, "created_at": 1.0, "updated_at": 2.0}


def test_a_plain_postgresql_url_and_an_old_database_are_served(postgres_url: str) -> None:
    old = MetaData()
    Table("workspaces", old, *[Column(c.name, c.type, primary_key=c.primary_key, nullable=c.nullable)
                               for c in metadata.tables["workspaces"].columns if c.name != "keep_volume"])
    engine = create_engine(postgres_url)
    old.create_all(engine)
    with engine.begin() as conn:
        conn.execute(old.tables["workspaces"].insert().values(**ROW))
    engine.dispose()
    plain = make_url(postgres_url).set(drivername="postgresql").render_as_string(hide_password=False)
    store = Store(plain)
    try:
        assert store.upgraded == ["workspaces.keep_volume"]
        with store.read() as conn:
            ws = repo.get(conn, "p" * 32, owner="alice")
        assert ws is not None and ws.name == "kept" and ws.keep_volume is False
    finally:
        store.close()
