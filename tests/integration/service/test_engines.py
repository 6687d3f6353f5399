"""Several engines, against the two real ones ci/docker-up.sh starts: placement by free capacity and labels (the
containers really are on the engine the status names), drain and undrain, the engine CLI, and the second
engine stopped (with its pid file) and started again while the first carries on."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import docker
import pytest
from click.testing import CliRunner
from integration.service.conftest import ENGINE2_URL, Api

from service.cli import main
from service.runtime.protocol import LABEL_ID, LABEL_INSTANCE
from service.settings import EngineSpec, Settings

ENGINE1_URL = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
ENGINE2_PIDFILE = Path(os.environ.get("WORKSPACE_CI_ENGINE2_PIDFILE", "/var/run/docker-2.pid"))
ENGINE2_LOG = "/var/log/dockerd-2.log"


def _engines(one: dict[str, Any], two: dict[str, Any]) -> tuple[EngineSpec, ...]:
    return (EngineSpec("one", ENGINE1_URL, **one), EngineSpec("two", ENGINE2_URL, **two))


def _env(settings: Settings) -> dict[str, str]:
    """The environment that makes the CLI see the same engines and database as ``settings``."""
    listed = [{"name": e.name, "url": e.url, "capacity": e.capacity, "labels": e.labels} for e in settings.engines]
    return {"WORKSPACE_SERVICE_ENGINES": json.dumps(listed), "WORKSPACE_SERVICE_DATABASE_URL": settings.database_url}


def _where(client: docker.DockerClient, instance: str, workspace_id: str) -> list[str]:
    """The states of the workspace's containers on ``client``'s engine."""
    found = client.containers.list(all=True, filters={"label": [f"{LABEL_INSTANCE}={instance}",
                                                                 f"{LABEL_ID}={workspace_id}"]})
    return [c.status for c in found]


def _cli(settings: Settings, *args: str) -> Any:
    return CliRunner().invoke(main, list(args), env=_env(settings))


def test_placement_follows_free_capacity_and_labels_and_drain_stops_it(
    make_api: Callable[..., Api], make_settings: Callable[..., Settings], instance: str,
    docker_client: docker.DockerClient, second_docker: docker.DockerClient,
) -> None:
    engines = _engines({"capacity": 2, "labels": {"zone": "a"}}, {"capacity": 3, "labels": {"zone": "b", "disk": "ssd"}})
    settings = make_settings(engines=engines)
    api = make_api(engines=engines)

    first = api.create("first")  # 3 free on two beats 2 free on one
    labelled = api.create("labelled", engine_labels={"zone": "a"})
    assert (first["engine"], labelled["engine"]) == ("two", "one")
    for ws, on, off in ((first, second_docker, docker_client), (labelled, docker_client, second_docker)):
        assert api.wait_state(ws["id"], {"running"})["engine"] == ws["engine"]
        status = api.get(f"/api/workspaces/{ws['id']}/status").get_json()
        assert status["engine"] == ws["engine"] and status["container_state"] == "running"
        assert _where(on, instance, ws["id"]) == ["running"] and _where(off, instance, ws["id"]) == []
    listed = api.get("/api/workspaces").get_json()["items"]
    assert {w["name"]: w["engine"] for w in listed} == {"first": "two", "labelled": "one"}

    refused = api.post("/api/workspaces", json={"name": "nowhere", "engine_labels": {"disk": "hdd"}})
    assert refused.status_code == 409 and refused.content_type == "application/problem+json"
    assert refused.get_json()["detail"] == "no engine has the labels disk=hdd"

    drained = _cli(settings, "engine", "drain", "two")
    assert drained.exit_code == 0 and drained.stdout == "engine two is draining: no new workspaces are placed on it\n"
    assert api.create("while-drained")["engine"] == "one"  # two has the room (2 free) but is draining
    full = api.post("/api/workspaces", json={"name": "no-room"})
    assert full.status_code == 409 and full.get_json()["detail"] == "every engine that fits is full: one 2"
    ssd = api.post("/api/workspaces", json={"name": "ssd", "engine_labels": {"disk": "ssd"}})
    assert ssd.status_code == 409 and ssd.get_json()["detail"] == "every engine that fits is draining: two"

    listing = _cli(settings, "engine", "list")
    assert listing.exit_code == 0, listing.output
    rows = [line.split() for line in listing.stdout.splitlines()]
    assert rows == [["NAME", "URL", "CAPACITY", "USED", "DRAINING", "REACHABLE"],
                    ["one", ENGINE1_URL, "2", "2", "no", "yes"],
                    ["two", ENGINE2_URL, "3", "1", "yes", "yes"]]

    undrained = _cli(settings, "engine", "undrain", "two")
    assert undrained.exit_code == 0 and undrained.stdout == "engine two takes new workspaces again\n"
    again = api.create("after-undrain")
    assert again["engine"] == "two"
    assert api.wait_state(again["id"], {"running"})["engine"] == "two"
    assert _where(second_docker, instance, again["id"]) == ["running"]
    assert _where(docker_client, instance, again["id"]) == []
    metrics = api.client.get("/metrics").get_data(as_text=True)
    assert 'workspace_engine_workspaces{replica=' in metrics and 'engine="two"} 2' in metrics


def _answers(client: docker.DockerClient) -> bool:
    try:
        client.ping()
        return True
    except Exception:  # noqa: BLE001 - any failure means "not answering"
        return False


def _wait(what: str, check: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not within {seconds} s")
        time.sleep(0.2)


class SecondEngine:
    """Stops the second dockerd by its pid file and starts it again with the same command line."""

    def __init__(self, client: docker.DockerClient) -> None:
        self.client = client
        self.pid = int(ENGINE2_PIDFILE.read_text().strip())
        self.argv = Path(f"/proc/{self.pid}/cmdline").read_bytes().rstrip(b"\0").split(b"\0")
        self.stopped = False

    def stop(self) -> None:
        os.kill(self.pid, signal.SIGTERM)
        self.stopped = True
        _wait("the second engine stopping", lambda: not Path(f"/proc/{self.pid}").exists(), 60)
        assert not _answers(self.client)

    def start(self) -> None:
        if not self.stopped:
            return
        with open(ENGINE2_LOG, "ab") as log:
            subprocess.Popen(self.argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                             start_new_session=True)
        self.stopped = False
        _wait("the second engine answering again", lambda: _answers(self.client), 60)


@pytest.fixture
def second_engine(second_docker: docker.DockerClient) -> Any:
    engine = SecondEngine(second_docker)
    yield engine
    engine.start()  # whatever the test did, the engine is left running


def test_an_engine_down_leaves_the_other_alone_and_its_queued_work_waits(
    make_api: Callable[..., Api], instance: str, docker_client: docker.DockerClient,
    second_docker: docker.DockerClient, second_engine: SecondEngine,
) -> None:
    engines = _engines({"labels": {"host": "one"}}, {"labels": {"host": "two"}})
    api = make_api(engines=engines)
    here = api.create("here", engine_labels={"host": "one"})
    there = api.create("there", engine_labels={"host": "two"})
    api.wait_state(here["id"], {"running"})
    api.wait_state(there["id"], {"running"})
    assert api.post(f"/api/workspaces/{there['id']}/stop").status_code == 202
    api.wait_state(there["id"], {"stopped"})

    second_engine.stop()
    start = api.post(f"/api/workspaces/{there['id']}/start")
    assert start.status_code == 202
    task_id = start.get_json()["task_id"]
    _wait("the start meeting the engine down", lambda: api.get(f"/api/tasks/{task_id}").get_json()["error"] is not None,
          30)
    waiting = api.get(f"/api/tasks/{task_id}").get_json()
    assert waiting["status"] in ("queued", "running") and "unreachable" in waiting["error"]
    assert waiting["attempts"] <= 1  # waiting for the engine uses up no attempts

    down = api.get(f"/api/workspaces/{there['id']}/status").get_json()
    assert down["engine"] == "two" and down["container_state"] == "unknown"
    assert "engine two" in down["reason"]
    up = api.get(f"/api/workspaces/{here['id']}/status").get_json()
    assert (up["engine"], up["container_state"]) == ("one", "running")
    assert api.get(f"/api/workspaces/{here['id']}").get_json()["state"] == "running"
    assert _where(docker_client, instance, here["id"]) == ["running"]
    refused = api.post("/api/workspaces", json={"name": "later", "engine_labels": {"host": "two"}})
    assert refused.status_code == 503 and refused.get_json()["detail"].startswith("every engine that fits is down")
    ready = api.client.get("/readyz").get_json()
    assert ready["checks"]["docker"].startswith("degraded: engine two: ")  # the instance still serves engine one

    second_engine.start()
    done = api.wait_task(task_id, timeout=60)
    assert done["status"] == "succeeded" and done["attempts"] <= 2
    assert api.wait_state(there["id"], {"running"})["engine"] == "two"
    assert _where(second_docker, instance, there["id"]) == ["running"]
    assert _where(docker_client, instance, there["id"]) == []
    assert api.get(f"/api/workspaces/{here['id']}/status").get_json()["container_state"] == "running"
