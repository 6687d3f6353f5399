"""The store and the domain's use cases on a real PostgreSQL server: the same code as on SQLite."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy.exc import IntegrityError

from concurrent_creates import create_all_at_once

from service.domain.errors import Conflict, NotFound
from service.domain.workspaces import Workspaces
from service.model import Operation, State
from service.settings import Settings
from service.store import Store
from service.store import tokens as token_rows
from service.store import workspaces as workspace_rows


@pytest.fixture
def store(postgres_url: str) -> Iterator[Store]:
    found = Store(postgres_url)
    yield found
    found.close()


def test_store_is_postgresql_and_answers(store: Store) -> None:
    assert not store.is_sqlite and store.engine.dialect.name == "postgresql"
    store.ping()


def test_workspace_rows_owner_scoping_and_names(store: Store) -> None:
    uses = Workspaces(store, Settings(database_url=store.url))
    first, task = uses.create("alice", "alpha", resources={"cpus": 0.5, "memory_mb": 64})
    uses.create("alice", "beta")
    uses.create("bob", "alpha")  # names are unique per owner only
    assert uses.get("alice", first.id).resources.memory_mb == 64
    assert uses.get("alice", first.id).created_at == pytest.approx(first.created_at)
    with pytest.raises(NotFound):
        uses.get("bob", first.id)
    with pytest.raises(Conflict):
        uses.create("alice", "alpha")
    items, total = uses.page("alice", None, 1, 0)
    assert total == 2 and [ws.name for ws in items] == ["alpha"]
    assert uses.page("alice", State.PENDING, 10, 1)[0][0].name == "beta"
    assert uses.task("alice", task.id).kind == Operation.CREATE
    with pytest.raises(Conflict):
        uses.rename("alice", first.id, "beta")
    assert uses.rename("alice", first.id, "gamma").name == "gamma"


def test_partial_unique_index_holds_live_names_only(store: Store) -> None:
    uses = Workspaces(store, Settings(database_url=store.url))
    ws, _ = uses.create("alice", "alpha")
    with pytest.raises(IntegrityError), store.write() as conn:  # the index, not only the use case's check
        workspace_rows.insert(conn, ws.__class__(**{**ws.__dict__, "id": "f" * 32}))
    with store.write() as conn:
        workspace_rows.change(conn, ws.id, time.time(), state=State.DELETED)
    again, _ = uses.create("alice", "alpha")  # a deleted workspace frees its name
    assert again.id != ws.id


def test_tokens_are_stored_as_digests(store: Store) -> None:
    with store.write() as conn:
        token = token_rows.issue(conn, "alice", time.time())
    with store.read() as conn:
        assert token_rows.owner_of(conn, token) == "alice"
        assert token_rows.owner_of(conn, token + "x") is None
        stored = conn.exec_driver_sql("SELECT digest FROM tokens").scalar_one()
    assert stored == token_rows.digest(token) and token not in stored


def test_concurrent_creates_share_commits_and_store_each_name_once(store: Store) -> None:
    """Group commit on PostgreSQL: a taken name fails its own SAVEPOINT only, never the shared transaction."""
    uses = Workspaces(store, Settings(database_url=store.url))
    outcomes = create_all_at_once(uses, "alice", [f"ws-{i % 8}" for i in range(32)], threads=12)
    assert outcomes.count("created") == 8 and outcomes.count("conflict") == 24
    assert sorted(ws.name for ws in uses.page("alice", None, 100, 0)[0]) == [f"ws-{i}" for i in range(8)]
