"""Batch rows: a batch is only its operation and owner; its progress is read from its tasks."""

from __future__ import annotations

from sqlalchemy import Connection

from service.model import Batch, Operation
from service.store.rows import insert_row, one_row, row_values
from service.store.tables import batches as t


def insert(conn: Connection, batch: Batch) -> None:
    """Store a new batch."""
    insert_row(conn, t, row_values(batch))


def get(conn: Connection, batch_id: str, owner: str) -> Batch | None:
    """The owner's batch, or None (another owner's batch reads as absent)."""
    row = one_row(conn, t, batch_id, owner)
    if row is None:
        return None
    return Batch(id=row["id"], owner=row["owner"], operation=Operation(row["operation"]), created_at=row["created_at"])
