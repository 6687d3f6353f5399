"""The engine and its transactions.

SQLite is opened in WAL mode with a busy timeout, and write transactions start with ``BEGIN IMMEDIATE``:
a deferred transaction that later wants to write can fail at once with "database is locked" instead of
waiting, which is what many concurrent requests plus a worker pool would otherwise hit. Writers to a
SQLite file also queue on a ``WriterLock`` first (see ``writers``), so they never sleep in the busy handler.
PostgreSQL needs neither: its writers wait on row locks.

On a SQLite file the SQLAlchemy ``Connection`` objects are kept and reused (``_Idle``) instead of being checked
out of the pool and back for every transaction: that round trip (a new ``Connection``, the pool's checkout,
its reset on return, four event dispatches) cost about 170 us, against 70 us for the whole read transaction
on a kept one. A local file's connection does not go stale; PostgreSQL's can (a server restart), so there each
transaction still takes a fresh checkout, which ``pool_pre_ping`` tests first.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from typing import Any, TypeVar

from sqlalchemy import URL, Connection, Engine, create_engine, event, make_url, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import StaticPool

from service.store.checkpoints import Checkpointer
from service.store.group_commit import GroupCommit
from service.store.migrate import upgrade
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
        # writers' commits do not checkpoint the WAL (see ``checkpoints``): this thread does, beside them
        self._checkpoints = Checkpointer(database, self._writers.held) if database and self._writers else None
        metadata.create_all(self.engine)
        self.upgraded = upgrade(self.engine, metadata)  # columns an older version's database lacks
        self._group = GroupCommit(self.write)
        reuse = self._writers is not None  # a SQLite file
        self._idle_readers = _Idle(self.engine, True, pool_size if reuse else 0)
        self._idle_writers = _Idle(self.engine, False, 1 if reuse else 0)  # the writer lock lets one in at a time

    def transact(self, work: Callable[[Connection], T]) -> T:
        """``work(conn)`` in a write transaction that concurrent callers' work may share (see ``group_commit``);
        its result once that transaction is committed, or its exception with only its own changes undone."""
        return self._group.run(work)

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A transaction that may write; committed on leaving, rolled back on an exception.

        On SQLite it is begun (``BEGIN IMMEDIATE``) and ended on the driver connection, as ``read`` explains.
        """
        queued = self._writers.held() if self._writers is not None else nullcontext()
        with queued, self._idle_writers.connection() as conn:  # the lock first: one kept writer
            if self.is_sqlite:
                with _on_driver(conn, "BEGIN IMMEDIATE"):
                    yield conn
            else:
                with conn.begin():
                    yield conn
        if self._checkpoints is not None:  # committed, and the writer lock is free again
            self._checkpoints.wrote()

    @contextmanager
    def read(self, single: bool = False) -> Iterator[Connection]:
        """A read-only transaction (deferred on SQLite, so readers never queue behind writers).

        On SQLite the transaction is begun and ended on the driver connection, not through SQLAlchemy's
        ``Connection.begin``: under eight request threads its transaction objects and events cost about 55 us
        of a read's CPU (``bench.floor_store``, the storage floor's GET). ``single=True`` says the block runs
        one statement: SQLite gives a statement a snapshot of its own, so there is no transaction at all and
        the BEGIN and COMMIT round trips (30 us more, each letting go of the GIL) are saved. A block that
        uses SQLAlchemy's ``execute`` anyway gets the transaction SQLAlchemy begins, joined to the driver's
        (see the ``begin`` hook) and ended on leaving.
        """
        with self._idle_readers.connection() as conn:
            if self.is_sqlite:
                with _on_driver(conn, None if single else "BEGIN"):
                    yield conn
            else:
                with conn.begin():
                    yield conn

    def ping(self) -> None:
        """Raise if the database does not answer."""
        with self.read() as conn:
            conn.execute(text("SELECT 1"))

    def close(self) -> None:
        """Release every pooled connection."""
        if self._checkpoints is not None:
            self._checkpoints.close()
        self._idle_readers.close()
        self._idle_writers.close()
        self.engine.dispose()
        if self._writers is not None:
            self._writers.close()


class _Idle:
    """Connections of one kind (read-only or not) kept between transactions, at most ``keep`` of them."""

    def __init__(self, engine: Engine, read_only: bool, keep: int) -> None:
        self.engine, self.read_only, self.keep = engine, read_only, keep
        self._kept: list[Connection] = []
        self._lock = threading.Lock()

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        """A connection with no transaction open; it is kept afterwards unless SQLAlchemy invalidated it."""
        with self._lock:
            conn = self._kept.pop() if self._kept else None
        if conn is None:
            conn = self.engine.connect()
            if self.read_only:
                conn = conn.execution_options(read_only=True)
        try:
            yield conn
        finally:
            self._put(conn)

    def _put(self, conn: Connection) -> None:
        if not conn.closed and not conn.invalidated and not conn.in_transaction():
            with self._lock:
                if len(self._kept) < self.keep:
                    self._kept.append(conn)
                    return
        conn.close()

    def close(self) -> None:
        """Close every kept connection (back to the pool, which ``Engine.dispose`` then closes)."""
        with self._lock:
            kept, self._kept = self._kept, []
        for conn in kept:
            conn.close()


@contextmanager
def _on_driver(conn: Connection, begin: str | None) -> Iterator[None]:
    """A SQLite transaction begun with ``begin`` (None: none, each statement on its own) on the driver
    connection under ``conn``; committed on leaving, rolled back on an exception, SQLAlchemy's own transaction
    too when the block began one (it joins the driver's: the ``begin`` hook issues nothing then)."""
    raw = driver(conn)
    if begin is not None:
        _run(conn, raw, begin)
    try:
        yield
    except BaseException:
        if conn.in_transaction():
            conn.rollback()
        if raw.in_transaction:
            _run(conn, raw, "ROLLBACK")
        raise
    if conn.in_transaction():
        conn.commit()
    if raw.in_transaction:
        _run(conn, raw, "COMMIT")


def _run(conn: Connection, raw: Any, statement: str) -> None:
    """One statement on the driver, its error raised as SQLAlchemy's (``OperationalError`` etc.), as callers
    expect from a transaction's begin and commit."""
    dbapi = conn.dialect.loaded_dbapi
    try:
        raw.execute(statement)
    except dbapi.Error as exc:
        raise DBAPIError.instance(statement, (), exc, dbapi.Error) from exc


def _make_engine(url: str, pool_size: int) -> Engine:
    if not url.startswith("sqlite"):
        return create_engine(_declared_driver(url), pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)
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
            cursor.execute("PRAGMA wal_autocheckpoint=0")  # the store's ``Checkpointer`` does it, outside commits
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        raw = driver(conn)
        if raw.in_transaction:  # a read ``Store.read`` began on the driver: SQLAlchemy's joins it
            return
        read_only = conn.get_execution_options().get("read_only", False)
        # straight to the driver: a second SQLAlchemy execution per transaction cost more than the query
        raw.execute("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine


def _declared_driver(url: str) -> URL:
    """A plain ``postgresql://`` URL names the driver the project declares (psycopg2): SQLAlchemy 2.1 made
    psycopg 3 the default for it, which is not installed, and every connection would fail on the import."""
    parsed = make_url(url)
    return parsed.set(drivername="postgresql+psycopg2") if parsed.drivername == "postgresql" else parsed
