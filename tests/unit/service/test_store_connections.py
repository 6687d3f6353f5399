"""Kept connections on a SQLite file: reusing them between transactions changes nothing a caller can see.

Every transaction still starts fresh (a read sees every commit made before it began, by this store or by
another one on the same file), a transaction that raised leaves nothing open behind it, and nested and
concurrent transactions beyond the number kept still get connections of their own.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import Connection, func, select

from service.store import Store
from service.store.tables import tokens


def _add(conn: Connection, digest: str) -> None:
    conn.execute(tokens.insert().values(digest=digest, owner="o", created_at=0.0))


def _digests(store: Store) -> set[str]:
    with store.read() as conn:
        return {str(row[0]) for row in conn.execute(select(tokens.c.digest))}


def test_each_read_sees_what_was_committed_before_it_by_any_store(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'kept.db'}"
    store, other = Store(url, pool_size=2), Store(url, pool_size=2)
    try:
        assert _digests(store) == set()
        with other.write() as conn:
            _add(conn, "from-other")
        store.transact(lambda conn: _add(conn, "from-store"))
        assert _digests(store) == {"from-other", "from-store"}
        with other.write() as conn:
            _add(conn, "later")
        assert _digests(store) == {"from-other", "from-store", "later"}
    finally:
        store.close()
        other.close()


def test_a_transaction_that_raised_leaves_nothing_open_for_the_next(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'kept.db'}", pool_size=1)
    try:
        with pytest.raises(RuntimeError), store.write() as conn:
            _add(conn, "undone")
            raise RuntimeError("refused")
        with pytest.raises(RuntimeError), store.read() as conn:
            conn.execute(select(func.count()).select_from(tokens))
            raise RuntimeError("refused")
        with store.write() as conn:
            _add(conn, "kept")
        assert _digests(store) == {"kept"}
    finally:
        store.close()


def test_nested_and_concurrent_transactions_each_get_a_connection(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'kept.db'}", pool_size=2)  # 4 connections in all (pool and overflow)
    try:
        store.transact(lambda conn: _add(conn, "first"))  # a writer's connection is kept
        with store.read() as outer, store.read() as inner:  # and then two readers'
            assert outer is not inner
        barrier = threading.Barrier(4)

        def read_together(_: int) -> int:
            with store.read() as conn:
                barrier.wait(10)  # three readers and a writer hold a transaction at once
                return int(conn.execute(select(func.count()).select_from(tokens)).scalar_one())

        def write_together() -> None:
            with store.write() as conn:
                barrier.wait(10)
                _add(conn, "second")

        with ThreadPoolExecutor(4) as pool:
            writer = pool.submit(write_together)
            assert set(pool.map(read_together, range(3))) <= {1, 2}  # before or after the write
            writer.result(10)
        with ThreadPoolExecutor(6) as pool:
            list(pool.map(lambda i: store.transact(lambda conn: _add(conn, f"t{i}")), range(30)))
        assert len(_digests(store)) == 32
    finally:
        store.close()
