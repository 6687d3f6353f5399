"""Exec, files and logs through a live ``workspace-service serve`` (its front, granian, the RSGI bridge):
streamed answers arrive while the command still runs, and an upload far over the JSON body limit passes
on its own route only."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from typing import Any

import docker
import pytest
import requests
from integration.service.live import Server
from integration.service.required import unavailable

from service.runtime.protocol import LABEL_INSTANCE


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    tmp_path = tmp_path_factory.mktemp("io")
    try:
        client = docker.from_env(timeout=30)
        client.ping()
    except Exception as exc:  # noqa: BLE001 - any failure here means "no usable engine"
        unavailable(f"no usable Docker engine: {exc}")
    instance = f"e2e-io-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "WORKSPACE_SERVICE_DATABASE_URL": f"sqlite:///{tmp_path / 'live.db'}",
           "WORKSPACE_SERVICE_INSTANCE": instance, "WORKSPACE_SERVICE_LIMIT_DEFAULT_MEMORY_MB": "32",
           "WORKSPACE_SERVICE_STOP_TIMEOUT": "1", "WORKSPACE_SERVICE_UPLOAD_MAX_BYTES": str(8 * 1024 * 1024),
           "WORKSPACE_SERVICE_EXEC_HEARTBEAT_SECONDS": "0.5"}
    token = subprocess.run([sys.executable, "-m", "service.cli", "token", "create", "--owner", "alice"], env=env,
                           check=True, capture_output=True, text=True, timeout=30).stdout.strip()
    server = Server(env, tmp_path / "server.log")
    server.start()
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    ws = session.post(server.url + "/api/workspaces", json={"name": "live-io"}, timeout=30).json()
    deadline = time.monotonic() + 60
    while (body := session.get(f"{server.url}/api/workspaces/{ws['id']}", timeout=10).json())["state"] != "running":
        assert time.monotonic() < deadline and body["state"] != "failed", body
        time.sleep(0.1)
    yield server, session, body, client
    server.stop()
    for container in client.containers.list(all=True, filters={"label": f"{LABEL_INSTANCE}={instance}"}):
        container.remove(force=True)
    for volume in client.volumes.list(filters={"label": f"{LABEL_INSTANCE}={instance}"}):
        volume.remove(force=True)


def test_a_streamed_exec_arrives_while_the_command_runs(live: Any) -> None:
    server, session, ws, client = live
    script = "echo started; while [ ! -e go ]; do sleep 0.05; done; echo done"
    with session.post(f"{server.url}/api/workspaces/{ws['id']}/exec", params={"stream": "true"},
                      json={"cmd": ["sh", "-c", script]}, stream=True, timeout=60) as answer:
        assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("text/event-stream")
        lines = (line for line in answer.iter_lines(decode_unicode=True) if line and not line.startswith(":"))
        assert [next(lines), next(lines)] == ["event: stdout", "data: " + json.dumps("started\n")]
        client.containers.get(ws["container_id"]).exec_run(["touch", "/workspace/go"], user="1000:1000")
        rest = list(lines)
    assert rest[:2] == ["event: stdout", "data: " + json.dumps("done\n")]
    assert rest[-2] == "event: exit" and json.loads(rest[-1][len("data: "):])["exit_code"] == 0


def test_a_client_that_leaves_a_silent_stream_has_its_command_killed(live: Any) -> None:
    server, session, ws, client = live
    container = client.containers.get(ws["container_id"])
    with session.post(f"{server.url}/api/workspaces/{ws['id']}/exec", params={"stream": "true"},
                      json={"cmd": ["sleep", "301"], "timeout_s": 300}, stream=True, timeout=60) as answer:
        assert answer.status_code == 200
        assert next(answer.iter_lines(decode_unicode=True)) == ": still running"  # silent: heartbeats only
        assert "sleep 301" in container.exec_run(["ps", "-o", "args"]).output.decode()
    # the connection is closed: the next heartbeat cannot be sent, the stream is closed, the command killed
    deadline = time.monotonic() + 30
    while "sleep 301" in container.exec_run(["ps", "-o", "args"]).output.decode():
        assert time.monotonic() < deadline, "the command outlived its client by 30 s"
        time.sleep(0.2)


def test_an_upload_over_the_json_limit_passes_on_its_route_only(live: Any) -> None:
    server, session, ws, _client = live
    data = os.urandom(5 * 1024 * 1024)  # 80 times the 64 KiB JSON body limit
    files = f"{server.url}/api/workspaces/{ws['id']}/files"
    put = session.put(files, params={"path": "big.bin"}, data=data, timeout=120,
                      headers={"Content-Type": "application/octet-stream"})
    assert put.status_code == 201 and put.json() == {"path": "big.bin", "size": len(data)}
    got = session.get(files, params={"path": "big.bin"}, timeout=120)
    assert got.status_code == 200 and got.content == data
    over = session.put(files, params={"path": "huge.bin"}, data=b"x" * (8 * 1024 * 1024 + 1), timeout=120,
                       headers={"Content-Type": "application/octet-stream"})
    assert over.status_code == 413 and over.headers["Content-Type"] == "application/problem+json"
    elsewhere = session.post(f"{server.url}/api/workspaces", data=b'{"name": "' + b"x" * 70000 + b'"}', timeout=30,
                             headers={"Content-Type": "application/json"})
    assert elsewhere.status_code == 413


def test_logs_and_a_command_in_one_workspace(live: Any) -> None:
    server, session, ws, _client = live
    said = session.post(f"{server.url}/api/workspaces/{ws['id']}/exec", timeout=60,
                        json={"cmd": ["sh", "-c", "echo to-the-log > /proc/1/fd/1"]})
    assert said.status_code == 200 and said.json()["exit_code"] == 0
    logs = session.get(f"{server.url}/api/workspaces/{ws['id']}/logs", params={"tail": "5"}, timeout=30)
    assert logs.status_code == 200 and logs.text.endswith("to-the-log\n")
