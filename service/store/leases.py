"""Leases: one holder at a time for a named duty across every process and host sharing the database.

The reconciler must run once per deployment, wherever its ``serve`` instances run; an ``flock`` only holds
on one host. A lease is a row (``leases``: name, holder, expiry): a process holds it by writing its own id and
an expiry ``ttl`` ahead, in one guarded ``UPDATE ... WHERE holder = me OR expires_at < now`` (PostgreSQL's
row lock and SQLite's writer lock make two takers impossible), and renews it every ``ttl / 3``. Expiry is
read on the database's clock on PostgreSQL (``clock_timestamp()``), so hosts' clocks need not agree.

The holder counts itself the holder only until ``ttl`` after it *began* its last successful renewal, by its
own monotonic clock: that is never later than the expiry the database recorded, so a holder that cannot renew
(database unreachable, process frozen) stops acting before anyone else may start. A holder that dies is
replaced once its expiry passes: within ``ttl + ttl / 3`` (the waiters' retry interval) of its last renewal.
A holder that stops cleanly clears its row, and the next waiter takes over at its next retry.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from sqlalchemy import Connection, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from service.store.database import Store
from service.store.tables import leases

log = logging.getLogger(__name__)


def database_now(conn: Connection) -> float:
    """Seconds since the epoch on the database's clock (PostgreSQL), or this host's (SQLite: one host)."""
    if conn.dialect.name == "postgresql":
        return float(conn.execute(text("SELECT EXTRACT(EPOCH FROM clock_timestamp())")).scalar_one())
    return time.time()


def take(conn: Connection, name: str, holder: str, ttl: float) -> bool:
    """Hold or renew lease ``name`` for ``holder`` for ``ttl`` seconds; False while someone else holds it."""
    now = database_now(conn)
    t = leases.c
    taken = conn.execute(
        update(leases)
        .where(t.name == name, (t.holder == holder) | (t.expires_at < now))
        .values(holder=holder, expires_at=now + ttl, renewed_at=now)
    ).rowcount
    if taken:
        return True
    if conn.execute(select(t.name).where(t.name == name)).first() is not None:
        return False
    try:
        with conn.begin_nested():
            conn.execute(insert(leases).values(name=name, holder=holder, expires_at=now + ttl, renewed_at=now))
    except IntegrityError:  # another process inserted it first: it holds it
        return False
    return True


def give_up(conn: Connection, name: str, holder: str) -> None:
    """Clear lease ``name`` if ``holder`` holds it, so the next taker need not wait for its expiry."""
    t = leases.c
    conn.execute(update(leases).where(t.name == name, t.holder == holder).values(holder=None, expires_at=0.0))


def holder_of(conn: Connection, name: str) -> str | None:
    """Who holds lease ``name`` now (None when free or expired)."""
    t = leases.c
    row = conn.execute(select(t.holder, t.expires_at).where(t.name == name)).first()
    if row is None or row.holder is None or row.expires_at < database_now(conn):
        return None
    return str(row.holder)


class Lease:
    """Keeps trying to hold one lease in a thread; ``held()`` says whether this process may act on it now."""

    def __init__(self, store: Store, name: str, holder: str, ttl: float,
                 on_lost: Callable[[], None] = lambda: None) -> None:
        self.store, self.name, self.holder, self.ttl = store, name, holder, ttl
        self.on_lost = on_lost
        self._valid_until = 0.0  # monotonic; 0 while not held
        self._holding = False  # what the last attempt concluded (to report a gain or a loss once)
        self._changed = threading.Condition()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def held(self) -> bool:
        """True while the last renewal still covers now (see the module docstring for why this is safe)."""
        return time.monotonic() < self._valid_until

    def wait_held(self, timeout: float) -> bool:
        """Block until this process holds the lease, ``stop()`` is called, or ``timeout`` passes."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not self.held() and not self._stopping.is_set():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(min(left, self.ttl / 3))
        return self.held()

    def start(self) -> None:
        """Try at once, then keep renewing (or trying) every ``ttl / 3`` in a daemon thread."""
        self._attempt()
        self._thread = threading.Thread(target=self._loop, name=f"lease-{self.name}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop renewing and clear the row if held, so another process takes over at its next try."""
        self._stopping.set()
        with self._changed:
            self._changed.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)
        was_held, self._valid_until, self._holding = self.held(), 0.0, False
        if was_held:
            try:
                with self.store.write() as conn:
                    give_up(conn, self.name, self.holder)
            except Exception:  # noqa: BLE001 - the lease then simply expires
                log.warning("lease %s: could not clear it on stop; it expires in %.0f s", self.name, self.ttl)

    def _loop(self) -> None:
        while not self._stopping.wait(self.ttl / 3):
            self._attempt()

    def _attempt(self) -> None:
        began = time.monotonic()
        refused = False
        try:
            with self.store.write() as conn:
                got = take(conn, self.name, self.holder, self.ttl)
            refused = not got
        except Exception as exc:  # noqa: BLE001 - a database outage: the hold lapses by itself at its bound
            log.warning("lease %s: renewal failed (%s)", self.name, exc)
            got = False
        with self._changed:
            if got and not self._stopping.is_set():
                self._valid_until = began + self.ttl
            elif refused or not self.held():  # someone else holds it now, or the last renewal's cover ran out
                self._valid_until = 0.0
            holding, was_holding = self.held(), self._holding
            self._holding = holding
            self._changed.notify_all()
        if holding and not was_holding:
            log.info("lease %s: held by %s", self.name, self.holder)
        if was_holding and not holding:
            log.warning("lease %s: lost by %s", self.name, self.holder)
            self.on_lost()
