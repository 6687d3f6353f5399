"""The lifecycle policy on a real PostgreSQL server: concurrent creates never pass an owner's quota (a
transaction-scoped advisory lock per owner orders them), and the policy rows read and drop as on SQLite."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

from concurrent_creates import create_all_at_once, create_from_each

from service.domain.workspaces import Workspaces
from service.settings import Settings
from service.store import Store
from service.store import policies as policy_rows


@pytest.fixture
def store(postgres_url: str) -> Iterator[Store]:
    found = Store(postgres_url, pool_size=16)
    yield found
    found.close()


def test_concurrent_creates_stop_at_the_quota(store: Store) -> None:
    """Several stores (as the server's processes have: each its own engine and group commit) create at once."""
    settings = dataclasses.replace(Settings(database_url=store.url), owner_max_workspaces=5)
    others = [Store(store.url, pool_size=4) for _ in range(5)]
    try:
        everyone = [Workspaces(s, settings) for s in (store, *others)]
        outcomes = create_from_each(everyone, "alice", 4)
    finally:
        for other in others:
            other.close()
    uses = everyone[0]
    assert outcomes.count("created") == 5 and outcomes.count("conflict") == len(outcomes) - 5
    assert uses.page("alice", None, 100, 0)[1] == 5
    assert create_all_at_once(uses, "bob", ["b0", "b1"], threads=2) == ["created", "created"]


def test_policy_rows_on_postgresql(store: Store) -> None:
    uses = Workspaces(store, Settings(database_url=store.url))
    ws, _ = uses.create("alice", "env", env={"A": "1"}, secrets={"S": "x"}, idle_timeout_s=60, ttl_s=120)
    policy = uses.policy_of("alice", ws.id)
    assert policy is not None and policy.env == {"A": "1"} and policy.secret_names == ("S",)
    assert policy.idle_timeout == 60 and policy.expires_at == pytest.approx(ws.created_at + 120)
    with store.write() as conn:
        assert policy_rows.environment(conn, ws.id) == {"A": "1", "S": "x"}
        assert list(policy_rows.live(conn)) == [ws.id]
        policy_rows.drop(conn, ws.id)
    assert uses.policy_of("alice", ws.id) is None
