"""Engine rows: the operator's drain state per engine name (the engines themselves are listed in the settings)."""

from __future__ import annotations

from sqlalchemy import Connection, select, update

from service.store.rows import first_column
from service.store.tables import engines as t


_DRAINING = select(t.c.name).where(t.c.draining.is_(True))


def draining(conn: Connection) -> set[str]:
    """The names of the engines that take no new workspaces (read by every create, inside the writer lock:
    the statement is built once and run on the driver: 5 us instead of 200)."""
    return {str(name) for name in first_column(conn, _DRAINING)}


def set_draining(conn: Connection, name: str, value: bool, now: float) -> None:
    """Drain (``value``) or undrain the engine ``name``; its row is made on first use."""
    changed = conn.execute(update(t).where(t.c.name == name).values(draining=value, updated_at=now)).rowcount
    if not changed:
        conn.execute(t.insert().values(name=name, draining=value, updated_at=now))
