"""Two ``serve`` instances on one PostgreSQL database and one engine: one SIGKILLed in the middle of a batch.

Each instance is a real ``workspace-service serve`` (its own process group, its own replica name). The test
kills the one that holds the reconciler's lease while a batch's tasks are queued and running, and checks that
the other finishes every task, takes the lease over within the stated bound (``leader_lease`` plus a third of
it), and then reconciles (it removes an orphan container), with its own replica name on its metrics.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import docker
import pytest
import requests
from integration.service.live import Server
from sqlalchemy import select

from service.runtime.protocol import LABEL_ID, LABEL_INSTANCE
from service.store import Store
from service.store import tokens as token_rows
from service.store.leases import holder_of
from service.store.tables import tasks

IMAGE = os.environ.get("WORKSPACE_IMAGE", "workspace-base:latest")
LEASE = 3.0  # seconds: a dead holder is replaced within LEASE * 4 / 3


def _until(check: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"not within {timeout} s: {what}")


@pytest.fixture
def servers(postgres_url: str, tmp_path: Path, instance: str, docker_client: docker.DockerClient) -> Iterator[dict[str, Server]]:
    env = {
        **os.environ, "WORKSPACE_SERVICE_DATABASE_URL": postgres_url, "WORKSPACE_SERVICE_INSTANCE": instance,
        "WORKSPACE_SERVICE_DEFAULT_IMAGE": IMAGE, "WORKSPACE_SERVICE_WORKERS": "2",
        "WORKSPACE_SERVICE_POLL_INTERVAL": "0.1", "WORKSPACE_SERVICE_VISIBILITY_TIMEOUT": "3",
        "WORKSPACE_SERVICE_LEADER_LEASE": str(LEASE), "WORKSPACE_SERVICE_RECONCILE_INTERVAL": "2",
        "WORKSPACE_SERVICE_STOP_TIMEOUT": "1", "WORKSPACE_SERVICE_RETRY_BACKOFF": "0.05",
    }
    started = {name: Server({**env, "WORKSPACE_SERVICE_REPLICA": name}, tmp_path / f"{name}.log") for name in "ab"}
    try:
        for server in started.values():
            server.start()
        yield started
    finally:
        for server in started.values():
            server.stop()


def test_one_instance_killed_mid_batch_leaves_the_other_finishing_and_reconciling(
    servers: dict[str, Server], postgres_url: str, instance: str, docker_client: docker.DockerClient
) -> None:
    store = Store(postgres_url)
    try:
        with store.write() as conn:
            headers = {"Authorization": f"Bearer {token_rows.issue(conn, 'alice', time.time())}"}
        lease = f"reconciler/{instance}"

        def leader() -> str | None:
            with store.read() as conn:
                return holder_of(conn, lease)

        first = _until(leader, 10, "a reconciler holds the lease")
        doomed = first.split("/")[0]
        survivor = "b" if doomed == "a" else "a"
        for name, server in servers.items():  # every instance's metrics carry its own replica name
            text = requests.get(server.url + "/metrics", timeout=10).text
            assert f'replica="{name}"' in text and f'replica="{"b" if name == "a" else "a"}"' not in text

        ids = []
        for i in range(10):  # created on both instances, run by the workers of both
            server = servers["ab"[i % 2]]
            answer = requests.post(server.url + "/api/workspaces", json={"name": f"w{i}"}, headers=headers, timeout=10)
            assert answer.status_code == 201, answer.text
            ids.append(answer.json()["id"])
        for ws_id in ids:
            _until(lambda: requests.get(f"{servers[survivor].url}/api/workspaces/{ws_id}", headers=headers,
                                        timeout=10).json()["state"] == "running", 120, f"{ws_id} running")

        batch = requests.post(servers[doomed].url + "/api/workspaces/batch", headers=headers, timeout=10,
                              json={"operation": "restart", "workspace_ids": ids}).json()
        status_url = servers[survivor].url + batch["status_url"]
        _until(lambda: requests.get(status_url, headers=headers, timeout=10).json()["counts"].get("succeeded"),
               60, "the batch's first task done")
        servers[doomed].kill()
        killed_at = time.monotonic()
        with store.read() as conn:
            unfinished = conn.execute(select(tasks.c.id).where(tasks.c.batch_id == batch["batch_id"],
                                                               tasks.c.status.in_(("queued", "running")))).all()
        assert unfinished, "the batch was over before the kill: nothing left to take over"

        new = _until(lambda: (leader() or "").startswith(survivor + "/") and leader(), LEASE * 4 / 3 + 5,
                     "the survivor takes the reconciler's lease")
        taken_over = time.monotonic() - killed_at
        print(f"reconciler lease taken over {taken_over:.2f} s after the SIGKILL (bound {LEASE * 4 / 3:.1f} s)")
        assert new != first

        done = _until(lambda: (body := requests.get(status_url, headers=headers, timeout=10).json())["done"] and body,
                      120, "the survivor finishes the batch")
        assert done["counts"]["succeeded"] == len(ids) and done["counts"]["failed"] == 0, done["counts"]
        with store.read() as conn:
            again = conn.execute(select(tasks.c.id).where(tasks.c.batch_id == batch["batch_id"],
                                                          tasks.c.attempts > 1)).all()
        print(f"{len(unfinished)} of {len(ids)} batch tasks unfinished at the kill, {len(again)} run again")
        for ws_id in ids:
            body = requests.get(f"{servers[survivor].url}/api/workspaces/{ws_id}", headers=headers, timeout=10).json()
            assert body["state"] == "running", body

        orphan = docker_client.containers.create(IMAGE, labels={LABEL_ID: uuid.uuid4().hex, LABEL_INSTANCE: instance},
                                                 network_mode="none")
        listed = {"label": f"{LABEL_INSTANCE}={instance}"}
        _until(lambda: orphan.id not in {c["Id"] for c in docker_client.api.containers(all=True, filters=listed)},
               30, "the survivor's reconciler removes an orphan")
        metrics = requests.get(servers[survivor].url + "/metrics", timeout=10).text
        assert f'workspace_reconcile_actions_total{{replica="{survivor}",action="remove-orphan"}} 1.0' in metrics
    finally:
        store.close()
