"""Owner-scoped use cases on a real SQLite store, and status against a fake engine at the protocol."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

import pytest

from service.domain.batches import Batches
from service.domain.errors import Conflict, Invalid, NotFound
from service.domain.paths import overlapping, resolve_project, verify_mount
from service.domain.status import workspace_status
from service.domain.workspaces import Workspaces
from service.model import Operation, State, TaskStatus
from service.runtime import ContainerInfo
from service.runtime.engines import EngineSet
from service.settings import Settings
from service.store import Store


@pytest.fixture
def workspaces(store: Store, settings: Settings) -> Workspaces:
    return Workspaces(store, settings, clock=lambda: 1000.0)


def test_create_writes_workspace_and_task_together(workspaces: Workspaces) -> None:
    woken = []
    workspaces.notify = lambda: woken.append(1)
    ws, task = workspaces.create("alice", "one", resources={"cpus": 0.5})
    assert ws.state == State.PENDING and ws.resources.cpus == 0.5 and ws.resources.memory_mb == 512
    assert task.kind == Operation.CREATE and task.status == TaskStatus.QUEUED and task.workspace_id == ws.id
    assert workspaces.task("alice", task.id) == task and woken == [1]


def test_rules_refuse_without_storing(workspaces: Workspaces) -> None:
    with pytest.raises(Invalid, match="not allowed"):
        workspaces.create("alice", "x", image="evil:latest")
    with pytest.raises(Invalid, match="memory_mb 999999 > 2048"):
        workspaces.create("alice", "x", resources={"memory_mb": 999999})
    with pytest.raises(Invalid, match="cpus 9.0 > 2.0; pids 5000 > 1024"):
        workspaces.create("alice", "x", resources={"cpus": 9, "pids": 5000})
    assert workspaces.page("alice", None, 10, 0) == ([], 0)


def test_owner_scoping_and_conflicts(workspaces: Workspaces) -> None:
    ws, _ = workspaces.create("alice", "one")
    with pytest.raises(NotFound):
        workspaces.get("bob", ws.id)
    with pytest.raises(NotFound):
        workspaces.operate("bob", ws.id, Operation.DELETE)
    with pytest.raises(NotFound):
        workspaces.rename("bob", ws.id, "two")
    with pytest.raises(Conflict, match="already exists"):
        workspaces.create("alice", "one")
    workspaces.create("bob", "one")  # names are per owner
    with pytest.raises(Conflict, match="cannot stop a workspace that is pending"):
        workspaces.operate("alice", ws.id, Operation.STOP)
    deleting, task = workspaces.operate("alice", ws.id, Operation.DELETE)
    assert deleting.state == State.DELETING and deleting.desired == State.DELETED and task.kind == Operation.DELETE
    with pytest.raises(Conflict, match="cannot change a workspace that is deleting"):
        workspaces.rename("alice", ws.id, "three")
    with pytest.raises(NotFound):
        workspaces.task("bob", task.id)


def test_batches_all_or_nothing(store: Store, settings: Settings, workspaces: Workspaces) -> None:
    batches = Batches(store, settings)
    a, _ = workspaces.create("alice", "a")
    b, _ = workspaces.create("alice", "b")
    with pytest.raises(NotFound) as missing:
        batches.submit("alice", Operation.DELETE, [a.id, "f" * 32])
    assert missing.value.extensions["missing"] == ["f" * 32]
    with pytest.raises(Conflict) as refused:
        batches.submit("alice", Operation.START, [a.id, b.id])
    assert set(refused.value.extensions["refused"]) == {a.id, b.id}  # type: ignore[arg-type]
    batch, queued = batches.submit("alice", Operation.DELETE, [a.id, b.id])
    progress = batches.progress("alice", batch.id)
    assert [t.id for t in progress.tasks] == [t.id for t in queued] and not progress.done
    assert progress.counts()["queued"] == 2 and progress.workspaces[a.id].state == State.DELETING
    with pytest.raises(NotFound):
        batches.progress("bob", batch.id)


def test_project_paths_are_the_owners_own_directories(tmp_path: Path) -> None:
    root = tmp_path / "projects"
    (root / "alice" / "app" / "sub").mkdir(parents=True)
    (root / "bob" / "theirs").mkdir(parents=True)
    os.symlink("/etc", root / "alice" / "escape")
    os.symlink(root / "alice" / "app", root / "alice" / "alias")
    (root / "alice" / "file").write_text("x")
    assert resolve_project(str(root), "alice", "app") == str(root.resolve() / "alice" / "app")
    assert resolve_project(str(root), "alice", "app/sub") == str(root.resolve() / "alice" / "app" / "sub")
    for bad, reason in (("../bob/theirs", "'..'"), ("escape", "link or a file"), ("alias", "link or a file"),
                        ("alias/sub", "link or a file"), ("file", "link or a file"), ("/etc", "relative"),
                        (str(root / "alice" / "app"), "relative"), (".", "below the owner's"),
                        ("theirs", "not a directory in the owner's"), ("nope", "not a directory in the owner's"),
                        ("a\x00b", "NUL"), ("x" * 300, "cannot be opened")):
        with pytest.raises(Invalid, match=reason):
            resolve_project(str(root), "alice", bad)
    with pytest.raises(Invalid, match="no projects root"):
        resolve_project("", "alice", "app")
    with pytest.raises(Invalid, match="cannot own"):
        resolve_project(str(root), "..", "alice")


def test_a_stored_mount_is_checked_again_before_each_start(tmp_path: Path) -> None:
    root = tmp_path / "projects"
    (root / "alice" / "app").mkdir(parents=True)
    stored = resolve_project(str(root), "alice", "app")
    verify_mount(str(root), "alice", stored)
    for elsewhere in (str(root.resolve() / "bob" / "app"), str(root.resolve() / "alice"), str(root.resolve()), "/etc"):
        with pytest.raises(Invalid, match="not below the owner's"):
            verify_mount(str(root), "alice", elsewhere)
    (root / "alice" / "app").rename(root / "alice" / "moved")
    os.symlink("/etc", root / "alice" / "app")  # swapped in after the create-time check
    with pytest.raises(Invalid, match="link or a file"):
        verify_mount(str(root), "alice", stored)


def test_mounts_never_nest() -> None:
    assert overlapping("/r/a/tt/a", ["/r/a/tt"]) == "/r/a/tt"
    assert overlapping("/r/a/tt", ["/r/a/other", "/r/a/tt/a/b"]) == "/r/a/tt/a/b"
    assert overlapping("/r/a/tt", ["/r/a/tt", "/r/a/tt2", "/r/a/t"]) is None  # the same directory may be shared


def test_status_reports_engine_facts_and_failures(workspaces: Workspaces, fake_runtime: Any) -> None:
    engines = EngineSet({"default": fake_runtime})
    ws, _ = workspaces.create("alice", "one")
    assert workspace_status(ws, engines, 10.0).container_state == "absent"
    with_container = dataclasses.replace(ws, container_id="c1")
    assert workspace_status(with_container, engines, 10.0).reason == "the container no longer exists"
    fake_runtime.containers["c1"] = ContainerInfo(id="c1", workspace_id=ws.id, state="exited", error="oom")
    assert workspace_status(with_container, engines, 10.0).reason == "oom"
    fake_runtime.containers["c1"] = ContainerInfo(id="c1", workspace_id=ws.id, state="running", started_at=4.0)
    live = workspace_status(with_container, engines, 10.0)
    assert (live.uptime_seconds, live.cpu_seconds, live.memory_bytes) == (6.0, 1.5, 1024)
    fake_runtime.down = True
    down = workspace_status(with_container, engines, 10.0)
    assert down.container_state == "unknown" and "unreachable" in (down.reason or "")
    assert engines.health.down("default") is not None  # placement hears of it


def test_update_resizes_within_limits_and_queues_a_resize(workspaces: Workspaces) -> None:
    ws, _ = workspaces.create("alice", "one", resources={"cpus": 0.5})
    same, none = workspaces.update("alice", ws.id, resources={"cpus": 0.5})
    assert none is None and same.resources == ws.resources
    renamed, none = workspaces.update("alice", ws.id, name="uno")
    assert none is None and renamed.name == "uno"
    resized, task = workspaces.update("alice", ws.id, resources={"memory_mb": 256})
    assert task is not None and task.kind == Operation.RESIZE and task.status == TaskStatus.QUEUED
    assert (resized.resources.cpus, resized.resources.memory_mb, resized.resources.pids) == (0.5, 256, 256)
    assert resized.state == State.PENDING  # a resize is not a lifecycle transition
    with pytest.raises(Invalid, match="memory_mb 4096 > 2048"):
        workspaces.update("alice", ws.id, resources={"memory_mb": 4096})
    assert workspaces.get("alice", ws.id).resources.memory_mb == 256
    with pytest.raises(NotFound):
        workspaces.update("bob", ws.id, resources={"pids": 64})


def test_a_refused_resize_keeps_the_workspace_state(store: Store, settings: Settings, workspaces: Workspaces) -> None:
    from service.store import workspaces as workspace_rows
    from service.tasks.executor import TaskExecutor

    ws, _ = workspaces.create("alice", "one")
    with store.write() as conn:
        workspace_rows.change(conn, ws.id, 1.0, state=State.RUNNING)
    _, task = workspaces.update("alice", ws.id, resources={"memory_mb": 64})
    assert task is not None
    TaskExecutor(store, EngineSet({"default": FakeRuntimeForResize()}), settings).give_up(task, "memory below usage")
    after = workspaces.get("alice", ws.id)
    assert after.state == State.RUNNING and after.last_error == "resize: memory below usage"
    assert workspaces.task("alice", task.id).status == TaskStatus.FAILED


class FakeRuntimeForResize:
    """give_up of a resize never talks to the engine: any call is a test failure."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"unexpected engine call {name}")
