"""The ``move`` batch operation across two real engines (ci/docker-up.sh's first and second).

What the owner and the operator see: a file written in the workspace's home before the move is there after
it, the workspace's status names the other engine and its container runs there, and the old container and
home volume are gone from the first; a move that fails midway leaves the workspace running where it was,
with the reason; a move that cannot go anywhere is refused as a whole.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import docker
import pytest
from click.testing import CliRunner
from integration.service.conftest import ENGINE2_URL, IMAGE, Api

from service.cli import main
from service.runtime.protocol import LABEL_INSTANCE, container_name, volume_name
from service.settings import EngineSpec, Settings

ENGINES = (EngineSpec("one", "unix:///var/run/docker.sock"), EngineSpec("two", ENGINE2_URL))


@pytest.fixture
def two(make_api: Callable[..., Api], docker_client: docker.DockerClient,
        second_docker: docker.DockerClient) -> tuple[Api, dict[str, docker.DockerClient]]:
    """An app on both engines, and a client of each by engine name."""
    return make_api(engines=ENGINES, task_timeout=60.0), {"one": docker_client, "two": second_docker}


def wait_batch(api: Api, url: str, timeout: float = 90.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        body = dict(api.get(url).get_json())
        if body["done"]:
            return body
        assert time.monotonic() < deadline, body
        time.sleep(0.1)


def sh(client: docker.DockerClient, workspace_id: str, command: str) -> str:
    result = client.containers.get(container_name(workspace_id)).exec_run(["/bin/sh", "-c", command],
                                                                          workdir="/workspace")
    assert result.exit_code == 0, result.output
    return str(result.output.decode())


def running(api: Api, name: str) -> tuple[str, str]:
    """A new workspace's id once it runs, and the engine it was placed on."""
    ws_id = str(api.create(name)["id"])
    api.wait_state(ws_id, {"running"}, timeout=60)
    return ws_id, str(api.get(f"/api/workspaces/{ws_id}").get_json()["engine"])


def has_volume(client: docker.DockerClient, workspace_id: str) -> bool:
    return bool(client.volumes.list(filters={"name": volume_name(workspace_id)}))


def test_a_moved_workspace_runs_on_the_other_engine_with_its_files(
        two: tuple[Api, dict[str, docker.DockerClient]]) -> None:
    api, clients = two
    ws_id, source = running(api, "mover")
    ws = {"id": ws_id}
    destination = "two" if source == "one" else "one"
    sh(clients[source], ws["id"], "mkdir -p src && echo 'written before the move' > src/notes.txt")

    accepted = api.post("/api/workspaces/batch", json={"operation": "move", "workspace_ids": [ws["id"]]})
    assert accepted.status_code == 202, accepted.get_json()
    done = wait_batch(api, accepted.get_json()["status_url"])
    assert done["counts"]["succeeded"] == 1, done

    status = api.get(f"/api/workspaces/{ws['id']}/status").get_json()
    assert (status["engine"], status["workspace"]["state"], status["container_state"]) == (
        destination, "running", "running")
    assert clients[destination].containers.get(container_name(ws["id"])).status == "running"
    assert sh(clients[destination], ws["id"], "cat src/notes.txt") == "written before the move\n"
    assert clients[source].containers.list(all=True, filters={"name": container_name(ws["id"])}) == []
    assert not has_volume(clients[source], ws["id"])

    # and back again, naming the engine, while stopped: it stays stopped, with its files
    assert api.post(f"/api/workspaces/{ws['id']}/stop").status_code == 202
    api.wait_state(ws["id"], {"stopped"})
    back = api.post("/api/workspaces/batch", json={"operation": "move", "engine": source,
                                                   "workspace_ids": [ws["id"]]}).get_json()
    assert wait_batch(api, back["status_url"])["counts"]["succeeded"] == 1
    moved = api.get(f"/api/workspaces/{ws['id']}").get_json()
    assert (moved["engine"], moved["state"]) == (source, "stopped")
    assert clients[source].containers.get(container_name(ws["id"])).status == "created"
    assert not has_volume(clients[destination], ws["id"])
    api.post(f"/api/workspaces/{ws['id']}/start")
    api.wait_state(ws["id"], {"running"})
    assert sh(clients[source], ws["id"], "cat src/notes.txt") == "written before the move\n"


def test_a_move_that_fails_midway_leaves_the_workspace_where_it_was(
        two: tuple[Api, dict[str, docker.DockerClient]], make_api: Callable[..., Api]) -> None:
    _, clients = two
    # an image only the first engine has: the second cannot pull it (no registry), so the move fails there
    only_here = "workspace-move-only:latest"
    clients["one"].images.get(IMAGE).tag(only_here)
    try:
        api = make_api(engines=ENGINES, task_timeout=60.0, allowed_images=(IMAGE, only_here), task_max_attempts=1)
        ws = api.create("stayer", image=only_here)
        api.wait_state(ws["id"], {"running"}, timeout=60)
        assert api.get(f"/api/workspaces/{ws['id']}").get_json()["engine"] == "one"
        sh(clients["one"], ws["id"], "echo kept > kept.txt")

        accepted = api.post("/api/workspaces/batch", json={"operation": "move", "engine": "two",
                                                           "workspace_ids": [ws["id"]]}).get_json()
        done = wait_batch(api, accepted["status_url"])
        assert done["counts"]["failed"] == 1, done

        after = api.get(f"/api/workspaces/{ws['id']}").get_json()
        assert (after["engine"], after["state"]) == ("one", "running")
        assert after["last_error"].startswith("move: ")
        assert sh(clients["one"], ws["id"], "cat kept.txt") == "kept\n"
        assert clients["two"].containers.list(all=True, filters={"name": container_name(ws["id"])}) == []
        assert not has_volume(clients["two"], ws["id"])
    finally:
        clients["one"].images.remove(only_here)


def test_a_move_with_nowhere_to_go_is_refused_as_a_whole(
        two: tuple[Api, dict[str, docker.DockerClient]]) -> None:
    api, _ = two
    ws_id, here = running(api, "nowhere")
    ws = {"id": ws_id}
    same = api.post("/api/workspaces/batch", json={"operation": "move", "engine": here, "workspace_ids": [ws["id"]]})
    assert same.status_code == 409
    assert same.get_json()["refused"] == {ws["id"]: f"it is on engine {here} already"}
    unknown = api.post("/api/workspaces/batch", json={"operation": "move", "engine": "three",
                                                      "workspace_ids": [ws["id"]]})
    assert unknown.status_code == 422
    assert unknown.get_json()["detail"] == "no engine named 'three'; the engines are: one, two"
    assert api.get(f"/api/workspaces/{ws['id']}").get_json()["state"] == "running"


def test_the_operator_drains_an_engine_and_moves_every_owners_workspaces_off_it(
        two: tuple[Api, dict[str, docker.DockerClient]], make_settings: Callable[..., Settings]) -> None:
    api, clients = two
    settings = make_settings(engines=ENGINES)
    env = {"WORKSPACE_SERVICE_ENGINES": json.dumps([{"name": e.name, "url": e.url} for e in ENGINES]),
           "WORKSPACE_SERVICE_DATABASE_URL": settings.database_url}
    bob = {"Authorization": f"Bearer {api.issue('bob')}"}
    assert CliRunner().invoke(main, ["engine", "drain", "two"], env=env).exit_code == 0  # all three on one
    alices = [running(api, f"alice-{i}") for i in range(2)]
    made = api.post("/api/workspaces", json={"name": "bobs"}, headers=bob).get_json()
    assert wait_engine(api, made["id"], "one", headers=bob) == "running"
    assert {engine for _, engine in alices} == {"one"}

    assert CliRunner().invoke(main, ["engine", "undrain", "two"], env=env).exit_code == 0
    assert CliRunner().invoke(main, ["engine", "drain", "one"], env=env).exit_code == 0
    moved = CliRunner().invoke(main, ["engine", "move", "one"], env=env)
    assert moved.exit_code == 0, moved.output
    lines = moved.stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == ["alice", "bob"]
    assert lines[0].endswith(", 2 workspace(s) moving") and lines[1].endswith(", 1 workspace(s) moving")

    for ws_id in [ws_id for ws_id, _ in alices]:
        assert wait_engine(api, ws_id, "two") == "running"
    assert wait_engine(api, made["id"], "two", headers=bob) == "running"
    deadline = time.monotonic() + 20  # an old container goes just after its workspace is recorded elsewhere
    while containers_of(clients["one"], settings.instance) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert containers_of(clients["one"], settings.instance) == []
    again = CliRunner().invoke(main, ["engine", "move", "one"], env=env)
    assert (again.exit_code, again.stdout) == (0, "engine one holds no running or stopped workspace\n")
    unknown = CliRunner().invoke(main, ["engine", "move", "three"], env=env)
    assert (unknown.exit_code, unknown.stderr) == (2, "Error: no engine named 'three'; the engines are: one, two\n")


def containers_of(client: docker.DockerClient, instance: str) -> list[str]:
    return [c.name for c in client.containers.list(all=True, filters={"label": f"{LABEL_INSTANCE}={instance}"})]


def wait_engine(api: Api, ws_id: str, engine: str, timeout: float = 90.0, **kw: Any) -> str:
    """The workspace's state once it is recorded on ``engine`` and settled."""
    deadline = time.monotonic() + timeout
    while True:
        body = api.get(f"/api/workspaces/{ws_id}", **kw).get_json()
        if body["engine"] == engine and body["state"] in ("running", "stopped", "failed"):
            return str(body["state"])
        assert time.monotonic() < deadline, body
        time.sleep(0.1)
