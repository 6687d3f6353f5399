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
from service.store.rows import driver
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


def _count_on_driver(conn: Connection) -> int:
    """The tokens counted on the driver's cursor, as the repositories' row helpers read (not SQLAlchemy's)."""
    cursor = driver(conn).cursor()
    try:
        return int(cursor.execute("SELECT count(*) FROM tokens").fetchone()[0])
    finally:
        cursor.close()


def test_a_read_is_one_snapshot_however_its_statements_are_run(tmp_path: Path) -> None:
    """The read's transaction is begun on the driver: a commit made by another store between two of its
    statements is not seen by the second, whether that one runs on the driver or through SQLAlchemy."""
    url = f"sqlite:///{tmp_path / 'kept.db'}"
    store, other = Store(url, pool_size=1), Store(url, pool_size=1)
    try:
        with store.read() as conn:
            assert _count_on_driver(conn) == 0
            with other.write() as writer:
                _add(writer, "meanwhile")
            assert _count_on_driver(conn) == 0
            assert conn.execute(select(func.count()).select_from(tokens)).scalar_one() == 0
        with store.read() as conn:
            assert _count_on_driver(conn) == 1
            assert not conn.in_transaction()  # the driver's transaction, not SQLAlchemy's
        assert not driver(conn).in_transaction  # ended when the block was left, on the kept connection too
    finally:
        store.close()
        other.close()


def test_a_single_statement_read_opens_no_transaction(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'kept.db'}", pool_size=1)
    try:
        store.transact(lambda conn: _add(conn, "one"))
        with store.read(single=True) as conn:
            assert not driver(conn).in_transaction
            assert _count_on_driver(conn) == 1
        with store.read(single=True) as conn:  # SQLAlchemy's execute begins one anyway; it is ended on leaving
            assert conn.execute(select(func.count()).select_from(tokens)).scalar_one() == 1
            assert driver(conn).in_transaction
        assert not driver(conn).in_transaction and not conn.in_transaction()
        with pytest.raises(RuntimeError), store.read() as conn:
            _count_on_driver(conn)
            raise RuntimeError("refused")
        assert not driver(conn).in_transaction  # rolled back on the way out
        with store.write() as conn:  # the writer still begins its own (IMMEDIATE) transaction
            _add(conn, "two")
        assert _digests(store) == {"one", "two"}
    finally:
        store.close()
