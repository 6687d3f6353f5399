"""Group commit: the write transactions that request threads want at the same moment share one commit.

Every ``POST /api/workspaces`` is a small write transaction, and on SQLite a commit is the expensive part
of it: each commit appends the pages it touched to the WAL (two ``pwrite`` calls a page, about ten pages
for a workspace and its task) and takes the writer lock, which threads of this process and the other
gunicorn processes queue on. Under 50 concurrent creates the threads mostly waited for that lock.

So the first thread to arrive becomes the leader: it takes whatever work has queued up meanwhile, runs the
pieces in one transaction, and commits once. Pages shared by the group (the tail of each table and index)
are written once, and the lock is taken once. Nobody returns before the commit that holds their work has
succeeded, so a 201 still means "stored". When the leader is done it hands the lead to the first thread
that queued while it was committing.

A piece that raises (a taken name, an illegal transition) must not cost the others their work: the group's
transaction is rolled back and the group run again with a SAVEPOINT around each piece, so the failing one is
undone alone and its caller gets its exception. Pieces therefore touch nothing but the connection: one may
run twice. Savepoints are left out of the first run because every statement inside the writer lock lengthens
the time others wait for it, and on two cores shared by more runnable threads and processes than that, the
holder is often descheduled mid-transaction: under 50 concurrent creates the lock was held 0.6 ms at the
median but 12 ms at the 99th percentile with a savepoint per piece, 0.5 and 9.5 ms without.

Leader and followers, rather than a dedicated writer thread: an uncontended write runs on the thread that
asked for it, with no hand-off at all.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection

from service.store.rows import driver

T = TypeVar("T")


class _Work(Generic[T]):
    """One caller's piece of a group: what to run, and what came of it."""

    __slots__ = ("work", "ready", "lead", "value", "error")

    def __init__(self, work: Callable[[Connection], T]) -> None:
        self.work = work
        self.ready = threading.Event()
        self.lead = False  # set with ``ready`` when this caller is to lead the next group
        self.value: T | None = None
        self.error: BaseException | None = None

    def outcome(self) -> T:
        if self.error is not None:
            raise self.error
        return self.value  # type: ignore[return-value]


class GroupCommit:
    """Runs callers' write work in shared transactions opened by ``begin`` (the store's ``write``)."""

    def __init__(self, begin: Callable[[], AbstractContextManager[Connection]]) -> None:
        self._begin = begin
        self._mutex = threading.Lock()
        self._queue: list[_Work[Any]] = []
        self._leading = False

    def run(self, work: Callable[[Connection], T]) -> T:
        """``work(conn)`` inside a write transaction; its result once that transaction is committed.

        ``work`` may run more than once (see above), so it must change nothing but the database.
        """
        item = _Work(work)
        with self._mutex:
            self._queue.append(item)
            lead = not self._leading
            self._leading = True
        if not lead:
            item.ready.wait()
            if not item.lead:
                return item.outcome()
        self._lead()
        return item.outcome()

    def _lead(self) -> None:
        with self._mutex:
            group, self._queue = self._queue, []
        try:
            self._commit(group)
        finally:
            for item in group:
                item.ready.set()
            with self._mutex:
                if self._queue:
                    successor = self._queue[0]
                    successor.lead = True
                    successor.ready.set()
                else:
                    self._leading = False

    def _commit(self, group: list[_Work[Any]]) -> None:
        """All pieces in one transaction; if one raises, the whole group again with a SAVEPOINT each."""
        try:
            with self._begin() as conn:
                for item in group:
                    try:
                        item.value = item.work(conn)
                    except BaseException as exc:  # handed to its caller, which re-raises it
                        item.error = exc
                        raise _PieceFailed from exc
        except _PieceFailed:
            if len(group) > 1:  # alone, a rolled-back transaction already undid only its own changes
                for item in group:
                    item.value = item.error = None
                self._commit_in_savepoints(group)
        except BaseException as exc:  # the commit failed: nobody's work is stored
            _fail_all(group, exc)

    def _commit_in_savepoints(self, group: list[_Work[Any]]) -> None:
        try:
            with self._begin() as conn:
                # on the driver connection (SQLite and PostgreSQL both speak this SQL): SQLAlchemy's
                # begin_nested() costs several times more
                cursor = driver(conn).cursor()
                try:
                    for item in group:
                        _run_alone(cursor, conn, item)
                finally:
                    cursor.close()
        except BaseException as exc:  # the commit failed: nobody's work is stored
            _fail_all(group, exc)


class _PieceFailed(Exception):
    """Raised inside the shared transaction to roll it back when one piece of the group failed."""


def _fail_all(group: list[_Work[Any]], exc: BaseException) -> None:
    for item in group:
        if item.error is None:
            item.value, item.error = None, exc


def _run_alone(cursor: Any, conn: Connection, item: _Work[Any]) -> None:
    """Run one piece of the group so that, if it raises, only its own changes are undone."""
    cursor.execute("SAVEPOINT grouped")
    try:
        item.value = item.work(conn)
    except BaseException as exc:  # handed to its caller, which re-raises it
        item.error = exc
        cursor.execute("ROLLBACK TO SAVEPOINT grouped")
    cursor.execute("RELEASE SAVEPOINT grouped")
