"""SQLite's WAL is checkpointed by the store after a writer releases the writer lock, not inside a commit."""

from __future__ import annotations

import os
from pathlib import Path

from service.store import Store
from service.store import tokens as token_rows
from service.store.database import CHECKPOINT_EVERY


def test_wal_pages_reach_the_database_file_every_checkpoint_interval(tmp_path: Path) -> None:
    path = tmp_path / "ws.db"
    store = Store(f"sqlite:///{path}")
    try:
        for i in range(CHECKPOINT_EVERY - 1):
            with store.write() as conn:
                token_rows.issue(conn, f"owner-{i}", 0.0)
        before = os.path.getsize(path)  # automatic checkpoints are off: everything is still in the WAL
        with store.write() as conn:
            token_rows.issue(conn, "last", 0.0)
        assert os.path.getsize(path) > before
        with store.read() as conn:
            assert token_rows.owner_of(conn, "nope") is None
    finally:
        store.close()
