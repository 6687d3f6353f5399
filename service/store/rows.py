"""What every repository does the same way: a record's values as columns, one row by id (and owner),
an insert and an update by id.

The statements are built once per table and executed with parameters. Building ``insert().values(...)`` or
``select().where(col == value)`` per call made SQLAlchemy coerce every value and compute a fresh cache key:
about 1 ms of CPU per statement, most of a request's cost. A prebuilt statement memoises its cache key,
and an insert or update given a parameter dict takes its columns from the dict.
"""

from __future__ import annotations

import dataclasses
from enum import Enum
from functools import cache
from typing import Any

from sqlalchemy import (
    Connection,
    Insert,
    RowMapping,
    Select,
    Table,
    Update,
    bindparam,
    select,
    update,
)

KEY = "_key"  # the bound parameter naming the row an update targets (not a column name)


def row_values(record: Any) -> dict[str, Any]:
    """A frozen record's fields as column values: enums by value, nested records as dicts."""
    values: dict[str, Any] = {}
    for f in dataclasses.fields(record):
        value = getattr(record, f.name)
        if isinstance(value, Enum):
            value = value.value
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            value = dataclasses.asdict(value)
        values[f.name] = value
    return values


@cache
def _by_id(table: Table, scoped: bool) -> Select[Any]:
    query = select(table).where(table.c.id == bindparam("id"))
    return query.where(table.c.owner == bindparam("owner")) if scoped else query


@cache
def _insert(table: Table) -> Insert:
    return table.insert()


@cache
def _update(table: Table) -> Update:
    return update(table).where(table.c.id == bindparam(KEY))


def one_row(conn: Connection, table: Table, key: str, owner: str | None) -> RowMapping | None:
    """The row with id ``key``; with ``owner``, only if that owner's (so another's reads as absent)."""
    params = {"id": key} if owner is None else {"id": key, "owner": owner}
    return conn.execute(_by_id(table, owner is not None), params).mappings().first()


def insert_row(conn: Connection, table: Table, values: dict[str, Any]) -> None:
    """Insert one row with the columns named in ``values``."""
    conn.execute(_insert(table), values)


def update_row(conn: Connection, table: Table, key: str, values: dict[str, Any]) -> int:
    """Set the columns named in ``values`` on the row with id ``key``; how many rows changed (0 or 1)."""
    return conn.execute(_update(table), {KEY: key, **values}).rowcount


