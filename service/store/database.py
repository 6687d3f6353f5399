"""The engine and its transactions.

SQLite is opened in WAL mode with a busy timeout, and write transactions start with ``BEGIN IMMEDIATE``:
a deferred transaction that later wants to write can fail at once with "database is locked" instead of
waiting, which is what many concurrent requests plus a worker pool would otherwise hit. Writers to a
SQLite file also queue on a ``WriterLock`` first (see ``writers``), so they never sleep in the busy handler.
PostgreSQL needs neither: its writers wait on row locks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.pool import StaticPool

from service.store.group_commit import GroupCommit
from service.store.rows import driver
from service.store.tables import metadata
from service.store.writers import WriterLock

T = TypeVar("T")


class Store:
    """Owns the engine; ``write()`` and ``read()`` hand out one transaction each, ``transact()`` a share of one."""

    def __init__(self, url: str, pool_size: int = 10) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        self.engine = _make_engine(url, pool_size)
        database = self.engine.url.database if self.is_sqlite else None
        self._writers = WriterLock(database) if database and database != ":memory:" else None
        metadata.create_all(self.engine)
        self._group = GroupCommit(self.write)

    def transact(self, work: Callable[[Connection], T]) -> T:
        """``work(conn)`` in a write transaction that concurrent callers' work may share (see ``group_commit``);
        its result once that transaction is committed, or its exception with only its own changes undone."""
        return self._group.run(work)

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A transaction that may write; committed on leaving, rolled back on an exception."""
        # SQLite's own WAL checkpoint stays on: checkpointing less often (outside the writer lock) made
        # creates a little cheaper but let the WAL grow under load (see "Durability" in service/README.md).
        queued = self._writers.held() if self._writers is not None else nullcontext()
        with self.engine.connect() as conn, queued, conn.begin():
            yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only transaction (deferred on SQLite, so readers never queue behind writers)."""
        with self.engine.connect().execution_options(read_only=True) as conn:
            with conn.begin():
                yield conn

    def ping(self) -> None:
        """Raise if the database does not answer."""
        with self.read() as conn:
            conn.execute(text("SELECT 1"))

    def close(self) -> None:
        """Release every pooled connection."""
        self.engine.dispose()
        if self._writers is not None:
            self._writers.close()


def _make_engine(url: str, pool_size: int) -> Engine:
    if not url.startswith("sqlite"):
        return create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)
    memory = url in {"sqlite://", "sqlite:///:memory:"}
    kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False, "timeout": 30}}
    if memory:
        kwargs["poolclass"] = StaticPool
    else:
        kwargs.update(pool_size=pool_size, max_overflow=pool_size)
    engine = create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # let the "begin" hook below issue BEGIN itself
        cursor = dbapi_conn.cursor()
        if not memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        read_only = conn.get_execution_options().get("read_only", False)
        # straight to the driver: a second SQLAlchemy execution per transaction cost more than the query
        driver(conn).execute("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine
