"""The service killed with SIGKILL in the middle of 50 creates and of a 50-workspace batch, then restarted.

A real gunicorn process on a random loopback port, a real SQLite file, the real engine. After each restart
every workspace must end running (or failed with a reason), with exactly one container each, and no
container of this deployment may be left without a workspace.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests

from integration.service.live import Server

from service.runtime.protocol import LABEL_ID

COUNT = 50


@pytest.fixture
def server(tmp_path: Path, instance: str) -> Any:
    env = {
        **os.environ,
        "WORKSPACE_SERVICE_DATABASE_URL": f"sqlite:///{tmp_path / 'fault.db'}",
        "WORKSPACE_SERVICE_INSTANCE": instance,
        "WORKSPACE_SERVICE_WORKERS": "8",
        "WORKSPACE_SERVICE_VISIBILITY_TIMEOUT": "2",
        "WORKSPACE_SERVICE_POLL_INTERVAL": "0.2",
        "WORKSPACE_SERVICE_RECONCILE_INTERVAL": "2",
        "WORKSPACE_SERVICE_RETRY_BACKOFF": "0.1",
        "WORKSPACE_SERVICE_STOP_TIMEOUT": "1",
        "WORKSPACE_SERVICE_LIMIT_DEFAULT_MEMORY_MB": "32",
    }
    token = subprocess.run(
        [sys.executable, "-m", "service.cli", "token", "create", "--owner", "alice"],
        env=env, check=True, capture_output=True, text=True, timeout=30,
    ).stdout.strip()
    found = Server(env, tmp_path / "server.log")
    found.token = token  # type: ignore[attr-defined]
    found.start()
    yield found
    found.stop()


def _states(server: Any, headers: dict[str, str]) -> list[dict[str, Any]]:
    return list(requests.get(f"{server.url}/api/workspaces?limit=100", headers=headers, timeout=10).json()["items"])


def _wait_settled(server: Any, headers: dict[str, str], timeout: float = 90) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while True:
        items = _states(server, headers)
        if all(w["state"] in ("running", "failed") for w in items):
            return items
        if time.monotonic() > deadline:
            raise AssertionError(Counter(w["state"] for w in items))
        time.sleep(0.25)


def _assert_consistent(items: list[dict[str, Any]], containers: Any) -> None:
    assert len(items) == COUNT
    for ws in items:
        assert ws["state"] == "running" or (ws["state"] == "failed" and ws["last_error"]), ws
    owners = Counter(c.labels[LABEL_ID] for c in containers())
    ids = {w["id"] for w in items}
    assert set(owners) <= ids, "container without a workspace"
    assert max(owners.values()) == 1, "workspace with two containers"
    for ws in items:
        if ws["state"] == "running":
            assert owners[ws["id"]] == 1
    running = {c.labels[LABEL_ID]: c for c in containers()}
    for ws in items:
        if ws["state"] == "running":
            assert running[ws["id"]].id == ws["container_id"] and running[ws["id"]].status == "running"


def test_sigkill_mid_creates_and_mid_batch_ends_consistent(server: Any, containers: Any) -> None:
    headers = {"Authorization": f"Bearer {server.token}"}

    def create(i: int) -> str:
        r = requests.post(f"{server.url}/api/workspaces", json={"name": f"f-{i}"}, headers=headers, timeout=10)
        assert r.status_code == 201, r.text
        return str(r.json()["id"])

    with ThreadPoolExecutor(10) as pool:
        ids = list(pool.map(create, range(COUNT)))
    deadline = time.monotonic() + 60
    while sum(w["state"] == "running" for w in _states(server, headers)) < 5:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    server.kill()  # in the middle of the creates
    server.start()
    _assert_consistent(_wait_settled(server, headers), containers)

    batch = requests.post(
        f"{server.url}/api/workspaces/batch", json={"operation": "restart", "workspace_ids": ids}, headers=headers,
        timeout=10,
    )
    assert batch.status_code == 202, batch.text
    status_url = server.url + batch.json()["status_url"]
    deadline = time.monotonic() + 60
    while requests.get(status_url, headers=headers, timeout=10).json()["counts"]["succeeded"] < 5:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    server.kill()  # in the middle of the batch
    server.start()
    _assert_consistent(_wait_settled(server, headers), containers)
    deadline = time.monotonic() + 60
    while not (progress := requests.get(status_url, headers=headers, timeout=10).json())["done"]:
        assert time.monotonic() < deadline
        time.sleep(0.25)
    assert progress["counts"]["succeeded"] + progress["counts"]["failed"] == COUNT
