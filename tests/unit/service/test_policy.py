"""Lifecycle policy on a real SQLite store: quotas that name their limit and store nothing, the idle and TTL
decisions, activity written at most once per interval, environment names, and databases older than policies."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from service.domain.errors import Conflict, Invalid
from service.domain.policy import due
from service.domain.workspaces import Workspaces
from service.model import Operation, State
from service.settings import Settings
from service.store import Store
from service.store import policies as policy_rows


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _use_cases(store: Store, settings: Settings, **changes: object) -> tuple[Workspaces, Clock]:
    clock = Clock()
    return Workspaces(store, dataclasses.replace(settings, **changes), clock=clock), clock  # type: ignore[arg-type]


def test_quotas_name_the_limit_and_store_nothing(store: Store, settings: Settings) -> None:
    workspaces, _ = _use_cases(store, settings, owner_max_workspaces=2, owner_max_cpus=2.5, owner_max_memory_mb=1024)
    first, _ = workspaces.create("alice", "a", resources={"cpus": 1, "memory_mb": 256})
    workspaces.create("alice", "b", resources={"cpus": 1, "memory_mb": 256})
    with pytest.raises(Conflict) as count:
        workspaces.create("alice", "c", resources={"cpus": 0.1, "memory_mb": 16})
    assert count.value.extensions == {"limit": "workspaces", "quota": 2, "in_use": 2, "asked": 1}
    assert count.value.detail == "over the owner's quota of 2 workspaces: 2 in use, 1 asked"
    assert workspaces.page("alice", None, 10, 0)[1] == 2
    bob, _ = workspaces.create("bob", "c", resources={"cpus": 2})
    with pytest.raises(Conflict) as cpus:
        workspaces.create("bob", "d", resources={"cpus": 1})
    assert cpus.value.extensions["limit"] == "cpus" and cpus.value.extensions["in_use"] == 2.0
    with pytest.raises(Conflict) as memory:
        workspaces.update("alice", first.id, resources={"memory_mb": 1024})
    assert memory.value.extensions == {"limit": "memory_mb", "quota": 1024, "in_use": 256, "asked": 1024}
    assert workspaces.get("alice", first.id).resources.memory_mb == 256
    assert workspaces.update("alice", first.id, resources={"memory_mb": 768})[0].resources.memory_mb == 768
    workspaces.operate("alice", first.id, Operation.DELETE)  # deleting still counts until it is deleted
    with pytest.raises(Conflict):
        workspaces.create("alice", "e")


def test_environment_names_that_clash_or_are_the_service_s_own_are_refused(store: Store, settings: Settings) -> None:
    workspaces, _ = _use_cases(store, settings)
    with pytest.raises(Invalid, match="names given both as env and as secrets: A"):
        workspaces.create("alice", "x", env={"A": "1"}, secrets={"A": "2"})
    with pytest.raises(Invalid, match="names the service sets itself in every exec: WORKSPACE_EXEC"):
        workspaces.create("alice", "x", env={"WORKSPACE_EXEC": "1"})
    assert workspaces.page("alice", None, 10, 0)[1] == 0


def test_secrets_come_back_only_as_the_container_environment(store: Store, settings: Settings) -> None:
    workspaces, _ = _use_cases(store, settings)
    ws, _ = workspaces.create("alice", "x", env={"MODE": "dev"}, secrets={"TOKEN": "s3cret"})
    policy = workspaces.policy_of("alice", ws.id)
    assert policy is not None and policy.env == {"MODE": "dev"} and policy.secret_names == ("TOKEN",)
    assert "s3cret" not in repr(policy)
    with store.read() as conn:
        assert policy_rows.environment(conn, ws.id) == {"MODE": "dev", "TOKEN": "s3cret"}


def test_ttl_defaults_to_the_operator_s_and_may_not_exceed_it(store: Store, settings: Settings) -> None:
    workspaces, clock = _use_cases(store, settings, workspace_ttl=3600.0)
    ws, _ = workspaces.create("alice", "x")
    short, _ = workspaces.create("alice", "y", ttl_s=60)
    assert workspaces.policy_of("alice", ws.id).expires_at == clock.now + 3600  # type: ignore[union-attr]
    assert workspaces.policy_of("alice", short.id).expires_at == clock.now + 60  # type: ignore[union-attr]
    with pytest.raises(Invalid, match="ttl_s 7200 is over the operator's 3600 s"):
        workspaces.create("alice", "z", ttl_s=7200)


def test_due_stops_idle_running_workspaces_and_deletes_expired_ones(store: Store, settings: Settings) -> None:
    workspaces, clock = _use_cases(store, settings, idle_timeout=300.0)
    made, _ = workspaces.create("alice", "x", ttl_s=1000)
    ws = dataclasses.replace(made, state=State.RUNNING, updated_at=clock.now)
    policy = workspaces.policy_of("alice", ws.id)
    active = workspaces.settings
    assert due(ws, policy, active, clock.now + 299) is None
    assert due(ws, policy, active, clock.now + 300) == (Operation.STOP, "idle: stopped after 300 s without activity")
    assert due(dataclasses.replace(ws, state=State.STOPPED, desired=State.STOPPED), policy, active,
               clock.now + 500) is None
    assert due(ws, policy, active, clock.now + 1000) == (Operation.DELETE, "ttl: deleted at its expiry")
    assert due(dataclasses.replace(ws, state=State.DELETING), policy, active, clock.now + 1000) is None
    never, _ = workspaces.create("alice", "y", idle_timeout_s=0)
    assert due(dataclasses.replace(never, state=State.RUNNING), workspaces.policy_of("alice", never.id), active,
               clock.now + 10**6) is None
    assert due(ws, None, dataclasses.replace(active, idle_timeout=0.0), clock.now + 10**6) is None


def test_activity_is_written_at_most_once_per_interval(store: Store, settings: Settings) -> None:
    workspaces, clock = _use_cases(store, settings, activity_interval=10.0)
    ws, _ = workspaces.create("alice", "x")
    clock.now += 5
    workspaces.activity.touch(ws.id)
    clock.now += 5
    workspaces.activity.touch(ws.id)  # within the interval of the last write: not written
    assert workspaces.policy_of("alice", ws.id).last_active_at == 1005.0  # type: ignore[union-attr]
    clock.now += 6
    workspaces.activity.touch(ws.id)
    assert workspaces.policy_of("alice", ws.id).last_active_at == 1016.0  # type: ignore[union-attr]


def test_a_call_in_progress_counts_until_it_ends_and_only_on_the_owner_s_workspace(
        store: Store, settings: Settings) -> None:
    workspaces, clock = _use_cases(store, settings, activity_interval=0.05)
    ws, _ = workspaces.create("alice", "x")

    def last() -> float:
        return workspaces.policy_of("alice", ws.id).last_active_at  # type: ignore[union-attr]

    clock.now = 2000.0
    assert workspaces.activity.begin(ws.id, "bob") is not None and last() == 1000.0  # not bob's workspace
    begun = workspaces.activity.begin(ws.id, "alice")
    assert last() == 2000.0
    clock.now = 2500.0  # a long exec: no call begins or ends, yet the workspace is in use
    deadline = time.monotonic() + 5
    while last() != 2500.0 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert last() == 2500.0
    clock.now = 2600.0
    workspaces.activity.end(begun)
    assert last() == 2600.0
    clock.now = 2700.0
    time.sleep(0.3)  # ended: the heartbeat stops touching it (bob's call still open counts for nothing)
    assert last() == 2600.0


def test_a_database_from_before_policies_gets_the_table_and_its_workspaces_keep_working(
        settings: Settings, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    old = Store(url)
    workspaces, clock = _use_cases(old, dataclasses.replace(settings, database_url=url))
    ws, _ = workspaces.create("alice", "x")
    with old.write() as conn:
        conn.execute(text("DROP TABLE workspace_policy"))
    old.close()
    store = Store(url)
    try:
        workspaces, clock = _use_cases(store, dataclasses.replace(settings, database_url=url))
        assert workspaces.get("alice", ws.id).name == "x" and workspaces.policy_of("alice", ws.id) is None
        workspaces.activity.touch(ws.id)
        assert workspaces.policy_of("alice", ws.id).last_active_at == clock.now  # type: ignore[union-attr]
        with store.read() as conn:
            assert policy_rows.environment(conn, ws.id) == {}
    finally:
        store.close()


def test_concurrent_creates_stop_at_the_quota_on_sqlite(store: Store, settings: Settings) -> None:
    """Several stores on one file (as the server's processes have) create at once: BEGIN IMMEDIATE orders them."""
    from concurrent_creates import create_from_each

    others = [Store(settings.database_url) for _ in range(3)]
    try:
        everyone = [_use_cases(s, settings, owner_max_workspaces=5)[0] for s in (store, *others)]
        outcomes = create_from_each(everyone, "alice", 5)
    finally:
        for other in others:
            other.close()
    assert outcomes.count("created") == 5 and everyone[0].page("alice", None, 100, 0)[1] == 5


def test_the_heartbeat_ends_with_its_app_even_when_a_call_never_ended(store: Store, settings: Settings) -> None:
    import gc
    import threading

    workspaces, _ = _use_cases(store, settings, activity_interval=0.05)
    ws, _ = workspaces.create("alice", "x")
    before = set(threading.enumerate())
    workspaces.activity.begin(ws.id, "alice")  # an answer nobody closes
    (beating,) = [t for t in set(threading.enumerate()) - before if t.name == "activity"]
    time.sleep(0.2)
    assert beating.is_alive()
    del workspaces
    gc.collect()
    beating.join(5)
    assert not beating.is_alive()
