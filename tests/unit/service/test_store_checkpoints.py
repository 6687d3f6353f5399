"""WAL checkpoints run on the store's own thread, never inside a writer's commit, and the WAL stays bounded.

In WAL mode the database file itself only changes when a checkpoint copies pages into it, so its size tells
whether one has run.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from sqlalchemy import Connection

from service.store import Store, checkpoints
from service.store.tables import tokens

ROW = "x" * 3000  # about one page a row


def _fill(store: Store, rows: int, prefix: str) -> None:
    """``rows`` rows in transactions of 50, through the store's writers."""
    for start in range(0, rows, 50):
        def work(conn: Connection, start: int = start) -> None:
            conn.execute(tokens.insert(), [{"digest": f"{prefix}{i}", "owner": ROW, "created_at": 0.0}
                                           for i in range(start, start + 50)])
        store.transact(work)


def test_commits_leave_the_wal_to_the_checkpoint_thread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(checkpoints, "INTERVAL_SECONDS", 3600.0)  # the thread never gets round to it
    path = tmp_path / "wal.db"
    store = Store(f"sqlite:///{path}", pool_size=2)
    try:
        before = os.path.getsize(path)
        _fill(store, 1500, "a")  # past SQLite's automatic checkpoint at 1000 pages
        assert os.path.getsize(path) == before  # no commit copied a page into the database file
    finally:
        store.close()


def test_the_thread_checkpoints_what_writers_committed(tmp_path: Path) -> None:
    path = tmp_path / "wal.db"
    store = Store(f"sqlite:///{path}", pool_size=2)
    try:
        before = os.path.getsize(path)
        _fill(store, 500, "b")
        deadline = time.monotonic() + 10
        while os.path.getsize(path) < before + 500 * 3000 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert os.path.getsize(path) >= before + 500 * 3000
    finally:
        store.close()


def test_past_the_bound_the_wal_is_emptied_and_starts_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(checkpoints, "INTERVAL_SECONDS", 3600.0)  # checkpoints run only when called here
    monkeypatch.setattr(checkpoints, "MAX_WAL_PAGES", 100)
    store = Store(f"sqlite:///{tmp_path / 'wal.db'}", pool_size=2)
    checkpointer = store._checkpoints  # noqa: SLF001 - the store's own checkpointer, driven by hand
    assert checkpointer is not None
    conn = checkpointer.connect()
    try:
        _fill(store, 300, "c")
        log, done = checkpointer.checkpoint(conn)
        assert log > 100 and done == log  # over the bound: every page copied, inside the writer lock
        _fill(store, 50, "d")
        assert checkpointer.checkpoint(conn)[0] < log  # the next writer started the WAL from its beginning
    finally:
        conn.close()
        store.close()
