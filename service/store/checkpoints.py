"""WAL checkpoints of a SQLite file, on a thread of their own instead of inside a writer's commit.

SQLite's automatic checkpoint runs inside the ``COMMIT`` of whichever write transaction takes the WAL past
1000 pages: that commit copies those pages into the database file and syncs both files before it returns.
Here that commit is a group commit's (``group_commit``) and it runs inside the writer lock (``writers``), so
every create queued behind it waited too: under 50 concurrent creates that was a 17-45 ms stall about every
hundred commits, a fifth of the writer's time and most of the POST p99 (a plain commit of a workspace, its
task and its policy takes 0.1-0.3 ms, one that checkpoints 17 ms at the 99th percentile).

So writers' connections do not checkpoint (``wal_autocheckpoint=0``, set where the engine opens them) and
this thread does it instead, a few times a second while there are writes: a PASSIVE checkpoint, which copies
what it can without waiting for or blocking readers and writers, outside the writer lock. Durability is
unchanged: a commit is in the WAL before it returns, as before; a checkpoint only moves committed pages.

A checkpoint that runs beside writers cannot finish (they append while it copies), and the WAL restarts from
its beginning only after one that finished, so under sustained writes the WAL would grow without end and
every read would look pages up in a longer index. When it holds more than ``MAX_WAL_PAGES`` this thread
therefore takes the writer lock once, checkpoints the few pages the last passive run left, and lets the next
writer restart the WAL: one short stall per ``MAX_WAL_PAGES`` pages written instead of one per thousand.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager

INTERVAL_SECONDS = 0.1  # how often the thread looks for new commits
MAX_WAL_PAGES = 8192  # about 32 MB of WAL with 4 KiB pages, before a checkpoint inside the writer lock


class Checkpointer:
    """Checkpoints the WAL of one SQLite file while ``wrote`` says there were commits since the last look."""

    def __init__(self, database: str, writer_lock: Callable[[], AbstractContextManager[None]]) -> None:
        self.database = database  # the file's path
        self._writer_lock = writer_lock
        self._commits = 0  # bumped by writers without a lock: a lost increment only delays a look by one interval
        self._seen = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def wrote(self) -> None:
        """A write transaction has committed (called after the writer lock is released)."""
        self._commits += 1
        if self._thread is None:
            self._start()

    def _start(self) -> None:
        with self._start_lock:
            if self._thread is None and not self._stop.is_set():
                self._thread = threading.Thread(target=self._run, name="wal-checkpoint", daemon=True)
                self._thread.start()

    def connect(self) -> sqlite3.Connection:
        """A connection of its own to the file (none of the engine's pool, which the requests need)."""
        return sqlite3.connect(self.database, timeout=30, isolation_level=None, check_same_thread=False)

    def _run(self) -> None:
        conn = self.connect()
        try:
            while not self._stop.wait(INTERVAL_SECONDS):
                if self._commits != self._seen:
                    self._seen = self._commits
                    self.checkpoint(conn)
        finally:
            conn.close()

    def checkpoint(self, conn: sqlite3.Connection) -> tuple[int, int]:
        """One passive checkpoint, and a second inside the writer lock when the WAL is over ``MAX_WAL_PAGES``;
        the WAL's pages and how many of them are in the database file, after the last one run."""
        log, done = _passive(conn)
        if log > MAX_WAL_PAGES:
            with self._writer_lock():
                log, done = _passive(conn)
        return log, done

    def close(self) -> None:
        """Stop the thread (a checkpoint in progress finishes first)."""
        with self._start_lock:
            self._stop.set()
            thread = self._thread
        if thread is not None:
            thread.join(30)


def _passive(conn: sqlite3.Connection) -> tuple[int, int]:
    """``PRAGMA wal_checkpoint(PASSIVE)``: (pages in the WAL, pages checkpointed); (0, 0) while another
    process's checkpoint runs (SQLite lets one run at a time and a passive one does not wait)."""
    cursor = conn.cursor()
    try:
        busy, log, done = cursor.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    finally:
        cursor.close()
    return (0, 0) if busy else (int(log), int(done))
