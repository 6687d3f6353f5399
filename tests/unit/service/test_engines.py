"""Several engines without an engine: reading WORKSPACE_SERVICE_ENGINES, the placement rule, the health memory,
drain and undrain in the store, and the engine CLI's refusals (an old database gaining the engine column:
``test_store_upgrade``)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from service.cli import main
from service.domain.engines import set_draining, usage
from service.domain.errors import Conflict, NotFound, Unavailable
from service.domain.placement import choose
from service.domain.workspaces import Workspaces
from service.model import State
from service.reconcile import Reconciler
from service.runtime import ContainerInfo, RuntimeUnavailable
from service.runtime.engines import EngineHealth, EngineSet
from service.settings import EngineListError, EngineSpec, EngineTls, Settings
from service.store import Store
from service.store import tables
from service.store import tasks as task_rows
from service.store import workspaces as workspace_rows

VAR = "WORKSPACE_SERVICE_ENGINES"


def _up(engine: str) -> str | None:
    return None


def test_without_the_variable_there_is_one_default_engine_at_the_docker_url() -> None:
    settings = Settings.from_env({"WORKSPACE_SERVICE_DOCKER_URL": "unix:///run/x.sock"})
    assert settings.engines == (EngineSpec("default", "", 0, {}, None),)
    assert settings.docker_url == "unix:///run/x.sock"  # the default engine's empty url stands for it
    assert Settings().engines[0].name == "default"


def test_the_variable_reads_a_json_array_or_a_file(tmp_path: Path) -> None:
    listed = [
        {"name": "one", "url": "unix:///var/run/docker.sock", "capacity": 2, "labels": {"disk": "ssd"}},
        {"name": "two", "url": "tcp://10.0.0.2:2376", "tls": {"ca": "/c/ca.pem", "cert": "/c/c.pem", "key": "/c/k.pem"}},
    ]
    inline = Settings.from_env({VAR: json.dumps(listed)}).engines
    assert inline == (
        EngineSpec("one", "unix:///var/run/docker.sock", 2, {"disk": "ssd"}),
        EngineSpec("two", "tcp://10.0.0.2:2376", 0, {}, EngineTls("/c/ca.pem", "/c/c.pem", "/c/k.pem")),
    )
    path = tmp_path / "engines.json"
    path.write_text(json.dumps(listed))
    assert Settings.from_env({VAR: f"@{path}"}).engines == inline


@pytest.mark.parametrize(("raw", "message"), [
    ("[", f"{VAR}: not JSON"),
    ("[]", f"{VAR}: must be a non-empty JSON array"),
    ('{"name": "a"}', f"{VAR}: must be a non-empty JSON array"),
    ('["a"]', rf"{VAR}\[0\]: must be an object"),
    ('[{"name": "A_B", "url": "unix:///x"}]', rf"{VAR}\[0\].name: 'A_B' is not a DNS label"),
    ('[{"name": "a", "url": "http://x"}]', rf"{VAR}\[0\].url: 'http://x' is not a unix://"),
    ('[{"name": "a", "url": "tcp://"}]', rf"{VAR}\[0\].url: 'tcp://' is not"),
    ('[{"name": "a", "url": "unix:///x", "capacity": -1}]', rf"{VAR}\[0\].capacity: -1 is not an integer >= 0"),
    ('[{"name": "a", "url": "unix:///x", "capacity": true}]', rf"{VAR}\[0\].capacity: True is not an integer"),
    ('[{"name": "a", "url": "unix:///x", "labels": {"k": 1}}]', rf"{VAR}\[0\].labels: must be an object of strings"),
    ('[{"name": "a", "url": "unix:///x", "tls": {"ca": "x"}}]', rf"{VAR}\[0\].tls: must be an object of exactly"),
    ('[{"name": "a", "url": "unix:///x", "weight": 2}]', rf"{VAR}\[0\]: unknown field 'weight'"),
    ('[{"name": "a", "url": "unix:///x"}, {"name": "a", "url": "unix:///y"}]', f"{VAR}: engine name 'a' is listed more"),
    ("@/no/such/engines.json", f"{VAR}: cannot read '/no/such/engines.json'"),
])
def test_a_bad_list_is_one_line_naming_the_variable(raw: str, message: str) -> None:
    with pytest.raises(EngineListError, match="^" + message) as caught:
        Settings.from_env({VAR: raw})
    assert "\n" not in str(caught.value)


def test_serve_with_a_bad_list_says_so_in_one_line_and_exits_2(tmp_path: Path) -> None:
    env = {VAR: '[{"name": "a", "url": "ftp://x"}]', "WORKSPACE_SERVICE_DATABASE_URL": f"sqlite:///{tmp_path / 'db'}"}
    for args in (["serve", "--port", "0"], ["engine", "list"]):
        result = CliRunner().invoke(main, args, env=env)
        assert result.exit_code == 2, result.output
        assert result.stderr == f"Error: {VAR}[0].url: 'ftp://x' is not a unix://... or tcp://... URL\n"


ENGINES = (EngineSpec("a", "unix:///a", 2), EngineSpec("b", "unix:///b", 3, {"disk": "ssd"}),
           EngineSpec("c", "unix:///c", 0, {"disk": "ssd", "gpu": "yes"}))


def test_placement_takes_the_most_free_engine_that_has_the_labels() -> None:
    assert choose(ENGINES, {}, set(), {}, _up) == "c"  # unbounded counts as most free
    assert choose(ENGINES[:2], {}, set(), {}, _up) == "b"  # 3 free beats 2 free
    assert choose(ENGINES[:2], {}, set(), {"b": 2}, _up) == "a"  # 2 free beats 1 free
    assert choose(ENGINES[:2], {}, set(), {"b": 1}, _up) == "a"  # a tie (2 and 2) goes by name
    assert choose(ENGINES[:2], {"disk": "ssd"}, set(), {"b": 2}, _up) == "b"  # the only one with the label
    assert choose(ENGINES, {"gpu": "yes"}, set(), {"c": 99}, _up) == "c"
    both = (EngineSpec("y", "unix:///y"), EngineSpec("x", "unix:///x"))
    assert choose(both, {}, set(), {}, _up) == "x"  # two unbounded, equally used: by name
    assert choose(both, {}, set(), {"x": 5, "y": 4}, _up) == "y"  # the one holding fewer


def test_placement_skips_draining_full_and_down_engines_and_says_why() -> None:
    assert choose(ENGINES, {}, {"c"}, {}, _up) == "b"
    assert choose(ENGINES, {}, {"c"}, {"b": 3}, _up) == "a"
    with pytest.raises(Conflict, match="^no engine has the labels disk=hdd$"):
        choose(ENGINES, {"disk": "hdd"}, set(), {}, _up)
    with pytest.raises(Conflict, match="^every engine that fits is draining: b, c$"):
        choose(ENGINES, {"disk": "ssd"}, {"b", "c"}, {}, _up)
    with pytest.raises(Conflict, match="^every engine that fits is full: a 2, b 3$"):
        choose(ENGINES[:2], {}, set(), {"a": 2, "b": 3}, _up)
    assert choose(ENGINES, {}, set(), {}, lambda e: "refused" if e == "c" else None) == "b"
    with pytest.raises(Unavailable, match=r"^every engine that fits is down \(b: refused\)$"):
        choose(ENGINES, {"disk": "ssd"}, set(), {}, lambda e: "refused")


def test_health_remembers_a_failure_until_an_answer_or_its_bound() -> None:
    now = [100.0]
    health = EngineHealth(clock=lambda: now[0], down_seconds=10.0)
    assert health.down("a") is None
    health.failed("a", "refused")
    assert health.down("a") == "refused" and health.down("b") is None
    now[0] = 109.0
    assert health.down("a") == "refused"
    now[0] = 111.0
    assert health.down("a") is None  # forgotten: tried again
    health.failed("a", "refused")
    health.answered("a")
    assert health.down("a") is None


@pytest.fixture
def listed(tmp_path: Path) -> Iterator[tuple[Settings, Store, EngineHealth]]:
    """A store under settings that list ``ENGINES``, and the health placement reads."""
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'e.db'}", engines=ENGINES)
    store = Store(settings.database_url)
    yield settings, store, EngineHealth()
    store.close()


def test_creates_are_placed_by_capacity_and_drain_stops_them(listed: tuple[Settings, Store, EngineHealth]) -> None:
    settings, store, health = listed
    uses = Workspaces(store, settings, health=health)
    placed = [uses.create("alice", f"w{i}", engine_labels={"disk": "ssd"})[0].engine for i in range(2)]
    assert placed == ["c", "c"]  # the unbounded one
    set_draining(store, settings, "c", True, 1.0)
    assert uses.create("alice", "w2", engine_labels={"disk": "ssd"})[0].engine == "b"
    assert uses.create("alice", "w3")[0].engine == "a"  # 2 free on each: a tie goes by name


def test_creates_spread_evenly_over_unbounded_engines(tmp_path: Path) -> None:
    unbounded = (EngineSpec("x", "unix:///x", 0), EngineSpec("y", "unix:///y", 0))
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'u.db'}", engines=unbounded)
    store = Store(settings.database_url)
    try:
        uses = Workspaces(store, settings, health=EngineHealth())
        placed = [uses.create("alice", f"w{i}")[0].engine for i in range(4)]
    finally:
        store.close()
    assert placed == ["x", "y", "x", "y"]  # the one holding fewest, ties by name


def test_placement_reads_what_the_store_holds(listed: tuple[Settings, Store, EngineHealth]) -> None:
    settings, store, health = listed
    uses = Workspaces(store, settings, health=health)
    set_draining(store, settings, "c", True, 1.0)
    first = uses.create("alice", "w0")[0]
    assert first.engine == "b"  # 3 free
    with store.read() as conn:
        assert workspace_rows.get(conn, first.id) == first  # the row holds the engine
    assert [uses.create("alice", f"w{i}")[0].engine for i in (1, 2, 3, 4)] == ["a", "b", "a", "b"]
    with pytest.raises(Conflict, match="every engine that fits is full: a 2, b 3"):
        uses.create("alice", "w5")
    set_draining(store, settings, "c", False, 2.0)
    health.failed("c", "engine c unreachable")
    with pytest.raises(Unavailable, match="every engine that fits is down"):
        uses.create("alice", "w5")
    health.answered("c")
    assert uses.create("alice", "w5")[0].engine == "c"
    assert [(u.spec.name, u.used, u.draining) for u in usage(store, settings)] == [
        ("a", 2, False), ("b", 3, False), ("c", 1, False)]
    with pytest.raises(NotFound, match="^no engine named 'z'; the engines are: a, b, c$"):
        set_draining(store, settings, "z", True, 3.0)


def test_the_only_engine_down_still_takes_creates_that_wait_for_it(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'one.db'}")
    store = Store(settings.database_url)
    try:
        health = EngineHealth()
        health.failed("default", "unreachable")
        ws = Workspaces(store, settings, health=health).create("alice", "w")[0]
        assert ws.engine == "default"  # as before several engines: the task waits for the engine
    finally:
        store.close()


def test_drain_and_undrain_of_an_unknown_engine_is_one_line_and_exit_2(tmp_path: Path) -> None:
    env = {VAR: json.dumps([{"name": "a", "url": "unix:///a"}]),
           "WORKSPACE_SERVICE_DATABASE_URL": f"sqlite:///{tmp_path / 'db'}"}
    for verb in ("drain", "undrain"):
        result = CliRunner().invoke(main, ["engine", verb, "nope"], env=env)
        assert result.exit_code == 2
        assert result.stderr == "Error: no engine named 'nope'; the engines are: a\n"
    done = CliRunner().invoke(main, ["engine", "drain", "a"], env=env)
    assert done.exit_code == 0 and done.stdout == "engine a is draining: no new workspaces are placed on it\n"


class ListingRuntime:
    """An engine for the reconciler's resync: the containers it lists, or (``down``) a dead daemon."""

    def __init__(self, containers: list[ContainerInfo], down: bool = False) -> None:
        self.containers, self.down = containers, down

    def list_managed(self) -> list[ContainerInfo]:
        if self.down:
            raise RuntimeUnavailable("Docker engine unreachable: stopped")
        return self.containers

    def home_volumes(self) -> list[str]:
        return []

    def remove(self, container_id: str) -> None:
        self.containers = [c for c in self.containers if c.id != container_id]


def test_a_resync_passes_over_an_engine_that_is_down_and_repairs_the_others(
        listed: tuple[Settings, Store, EngineHealth]) -> None:
    settings, store, _ = listed
    uses = Workspaces(store, settings)
    on_a = uses.create("alice", "on-a", engine_labels={})[0]  # c: unbounded
    on_b = uses.create("alice", "on-b", engine_labels={"disk": "ssd"})[0]
    with store.write() as conn:
        for ws, engine in ((on_a, "a"), (on_b, "b")):
            workspace_rows.change(conn, ws.id, 1.0, state="running", engine=engine, container_id="x" * 64)
        for task in task_rows.active_workspaces(conn):
            conn.execute(tables.tasks.delete().where(tables.tasks.c.workspace_id == task))
    stray = ContainerInfo(id="s" * 64, workspace_id=on_b.id, state="running")  # on_b's, but on engine c
    runtimes: dict[str, Any] = {"a": ListingRuntime([]), "b": ListingRuntime([], down=True), "c": ListingRuntime([stray])}
    engines = EngineSet(runtimes)
    reconciler = Reconciler(store, engines, dataclasses.replace(settings, leader_lease=5.0))
    reconciler.lease.start()
    try:
        assert reconciler.lease.wait_held(10)
        assert reconciler.resync() == {"recreate": 1, "remove-orphan": 1}  # a's missing container, c's stray one
        assert engines.runtime("c").list_managed() == []
        assert engines.health.down("b") == "Docker engine unreachable: stopped"
        with store.read() as conn:
            assert task_rows.active_workspaces(conn) == {on_a.id}  # nothing queued for b's workspace
            assert workspace_rows.get(conn, on_b.id) == dataclasses.replace(
                on_b, state=State.RUNNING, engine="b", container_id="x" * 64, updated_at=1.0)
    finally:
        reconciler.lease.stop()
