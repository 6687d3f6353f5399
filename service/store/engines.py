"""Engine rows: the operator's drain state per engine name (the engines themselves are listed in the settings)."""

from __future__ import annotations

from sqlalchemy import Connection, select, text, update

from service.store.rows import first_column
from service.store.tables import engines as t

PLACEMENT_LOCK = 0x77735F706C616365  # "ws_place": the PostgreSQL advisory lock that serializes bounded placements

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


def lock_placement(conn: Connection) -> None:
    """Hold, until this transaction ends, the right to count engines' workspaces and add one: on PostgreSQL two
    instances' creates could otherwise both see the last free place of an engine (read committed); SQLite's
    writes are one at a time already."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PLACEMENT_LOCK})
