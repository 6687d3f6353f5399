"""What every repository does the same way: a record's values as columns, and one row by id and owner."""

from __future__ import annotations

import dataclasses
from enum import Enum
from typing import Any

from sqlalchemy import Connection, RowMapping, Table, select


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


def one_row(conn: Connection, table: Table, key: str, owner: str | None) -> RowMapping | None:
    """The row with id ``key``; with ``owner``, only if that owner's (so another's reads as absent)."""
    query = select(table).where(table.c.id == key)
    if owner is not None:
        query = query.where(table.c.owner == owner)
    return conn.execute(query).mappings().first()
