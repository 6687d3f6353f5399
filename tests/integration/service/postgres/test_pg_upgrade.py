"""PostgreSQL as an operator writes it, and a database made by an older version, both just work.

``postgresql://`` without a driver is how the README and most operators spell the URL; SQLAlchemy 2.1 maps it
to psycopg 3, which the project does not install, so the store names the driver it declares. An old database
(made before ``workspaces.keep_volume``, see ``old_schema``) gains the column and keeps its rows.
"""

from __future__ import annotations

from sqlalchemy import make_url

from integration.service.old_schema import ROW, make_old_database
from service.store import Store
from service.store import workspaces as repo


def test_a_plain_postgresql_url_and_an_old_database_are_served(postgres_url: str) -> None:
    make_old_database(postgres_url, {"workspaces": {"keep_volume"}})
    plain = make_url(postgres_url).set(drivername="postgresql").render_as_string(hide_password=False)
    store = Store(plain)
    try:
        assert store.upgraded == ["workspaces.keep_volume"]
        with store.read() as conn:
            ws = repo.get(conn, str(ROW["id"]), owner="alice")
        assert ws is not None and ws.name == "kept" and ws.keep_volume is False
    finally:
        store.close()
