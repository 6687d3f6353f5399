"""Group commit on a real SQLite store: concurrent writes share commits, and each caller still gets exactly
its own outcome (stored, or its exception with nothing of it stored)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest
from sqlalchemy import Connection, event, func, select

from concurrent_creates import create_all_at_once

from service.domain.workspaces import Workspaces
from service.settings import Settings
from service.store import Store
from service.store.group_commit import GroupCommit
from service.store.tables import tokens


def _add_token(conn: Connection, digest: str) -> str:
    conn.execute(tokens.insert().values(digest=digest, owner="o", created_at=0.0))
    return digest


def _count(store: Store) -> int:
    with store.read() as conn:
        return int(conn.execute(select(func.count()).select_from(tokens)).scalar_one())


def _commits(store: Store) -> list[int]:
    seen: list[int] = []
    event.listen(store.engine, "commit", lambda _conn: seen.append(1))
    return seen


def test_writes_queued_behind_a_commit_share_the_next_one(store: Store) -> None:
    commits = _commits(store)
    inside, release = threading.Event(), threading.Event()

    def slow(conn: Connection) -> str:
        inside.set()
        assert release.wait(10)
        return _add_token(conn, "first")

    with ThreadPoolExecutor(9) as pool:
        first = pool.submit(store.transact, slow)
        assert inside.wait(10)
        runs: list[int] = []

        def add(conn: Connection, i: int) -> str:
            runs.append(i)
            return _add_token(conn, f"t{i}")

        rest = [pool.submit(store.transact, lambda conn, i=i: add(conn, i)) for i in range(8)]
        deadline = time.monotonic() + 10
        while len(store._group._queue) < 8 and time.monotonic() < deadline:  # all eight are waiting
            time.sleep(0.005)
        release.set()
        assert first.result(10) == "first"
        assert sorted(f.result(10) for f in rest) == [f"t{i}" for i in range(8)]
    assert len(commits) == 2  # the slow one's, then one for all eight that queued behind it
    assert sorted(runs) == list(range(8))  # nothing failed, so each piece ran once
    assert _count(store) == 9


def test_a_failing_piece_is_undone_alone_and_its_caller_gets_the_error(store: Store) -> None:
    inside, release = threading.Event(), threading.Event()

    def hold(conn: Connection) -> str:
        inside.set()
        assert release.wait(10)
        return _add_token(conn, "held")

    def half_then_fail(conn: Connection) -> None:
        _add_token(conn, "undone")
        raise ValueError("refused")

    with ThreadPoolExecutor(4) as pool:
        first = pool.submit(store.transact, hold)
        assert inside.wait(10)
        bad = pool.submit(store.transact, half_then_fail)
        duplicate = pool.submit(store.transact, lambda conn: _add_token(conn, "held"))  # the key is taken
        good = pool.submit(store.transact, lambda conn: _add_token(conn, "kept"))
        while len(store._group._queue) < 3:
            time.sleep(0.005)
        release.set()
        assert first.result(10) == "held" and good.result(10) == "kept"  # run twice, stored once
        with pytest.raises(ValueError, match="refused"):
            bad.result(10)
        with pytest.raises(Exception, match="UNIQUE constraint failed"):
            duplicate.result(10)
    with store.read() as conn:
        assert sorted(conn.execute(select(tokens.c.digest)).scalars()) == ["held", "kept"]


def test_a_failed_commit_fails_every_caller_of_the_group_and_frees_the_lead(store: Store) -> None:
    failures = [OSError("disk I/O error")]

    @contextmanager
    def commit_failing_once() -> Iterator[Connection]:
        with store.write() as conn:
            yield conn
            if failures:
                raise failures.pop()  # leaving with an exception rolls the transaction back

    group = GroupCommit(commit_failing_once)
    with pytest.raises(OSError, match="disk I/O error"):
        group.run(lambda conn: _add_token(conn, "lost"))
    assert _count(store) == 0
    with ThreadPoolExecutor(1) as pool:  # a lead left taken would make this wait forever
        assert pool.submit(group.run, lambda conn: _add_token(conn, "saved")).result(10) == "saved"
    assert _count(store) == 1


def test_concurrent_creates_store_each_name_once(settings: Settings, store: Store) -> None:
    use = Workspaces(store, settings)
    names = [f"ws-{i % 10}" for i in range(40)]  # every name asked for four times at once
    outcomes = create_all_at_once(use, "alice", names, threads=16)
    assert outcomes.count("created") == 10 and outcomes.count("conflict") == 30
    page, total = use.page("alice", None, 100, 0)
    assert total == 10 and sorted(ws.name for ws in page) == sorted(set(names))
