"""The reconciler's lease on a real database, SQLite and PostgreSQL alike: one holder, expiry, hand-over."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from service.store import Store
from service.store.leases import Lease, give_up, holder_of, take


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A fresh store on a SQLite file, or on a fresh PostgreSQL database."""
    url = f"sqlite:///{tmp_path / 'leases.db'}" if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    s = Store(url)
    yield s
    s.close()


def test_one_holder_until_expiry_or_release(store: Store) -> None:
    with store.write() as conn:
        assert take(conn, "reconciler/x", "a", 0.5)
        assert not take(conn, "reconciler/x", "b", 0.5)
        assert take(conn, "reconciler/other", "b", 0.5)  # another name is another lease
        assert holder_of(conn, "reconciler/x") == "a"
    time.sleep(0.6)
    with store.write() as conn:
        assert holder_of(conn, "reconciler/x") is None
        assert take(conn, "reconciler/x", "b", 30)  # expired: the next taker has it
        assert not take(conn, "reconciler/x", "a", 30)
        give_up(conn, "reconciler/x", "a")  # not the holder: changes nothing
        assert holder_of(conn, "reconciler/x") == "b"
        give_up(conn, "reconciler/x", "b")
        assert holder_of(conn, "reconciler/x") is None
        assert take(conn, "reconciler/x", "a", 30)


def test_concurrent_takers_get_one_holder(store: Store) -> None:
    """Eight threads race for a fresh lease (the insert path) and then for an expired one (the update path)."""
    for ttl in (0.3, 0.3):
        time.sleep(ttl + 0.1)
        won: list[str] = []
        barrier = threading.Barrier(8)

        def race(name: str) -> None:
            barrier.wait()
            with store.write() as conn:
                if take(conn, "race", name, 0.3):
                    won.append(name)

        threads = [threading.Thread(target=race, args=(f"t{i}",)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert len(won) == 1, won


def test_exactly_one_lease_object_holds_and_a_clean_stop_hands_over(store: Store) -> None:
    lost: list[str] = []
    first = Lease(store, "reconciler/d", "first", 1.5, on_lost=lambda: lost.append("first"))
    second = Lease(store, "reconciler/d", "second", 1.5)
    first.start()
    second.start()
    try:
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:  # over two renewal periods: never both, never neither
            assert first.held() != second.held()
            time.sleep(0.05)
        assert first.held() and not second.wait_held(0.1)
        first.stop()
        assert not first.held()
        assert second.wait_held(3.0)  # cleared on stop: taken at the waiter's next try (ttl / 3)
        with store.read() as conn:
            assert holder_of(conn, "reconciler/d") == "second"
        assert lost == []  # a clean stop is not a loss
    finally:
        first.stop()
        second.stop()


def test_a_holder_that_was_overtaken_stops_acting_at_its_next_renewal(store: Store) -> None:
    lost: list[str] = []
    lease = Lease(store, "reconciler/e", "frozen", 1.0, on_lost=lambda: lost.append("lost"))
    lease.start()
    try:
        assert lease.held()
        with store.write() as conn:  # someone else writes the row as if the holder's expiry had passed
            conn.execute(text("UPDATE leases SET expires_at = 0 WHERE name = 'reconciler/e'"))
            assert take(conn, "reconciler/e", "thief", 30)
        deadline = time.monotonic() + 3
        while lease.held() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not lease.held() and lost == ["lost"]  # its next renewal failed: it stopped, and said so
    finally:
        lease.stop()
    with store.read() as conn:
        assert holder_of(conn, "reconciler/e") == "thief"  # stop() clears only its own hold
