"""The black-box attacks of 2026-12-01 against a live ``workspace-service serve`` (granian, real engine).

Slow clients come from other loopback addresses (127.0.0.2, 127.0.0.3, 127.0.0.4) than the probe
(127.0.0.1), so the per-client bound on connections (the front of ``serve``) is seen refusing them while
everyone else is served. Every count and wait here is bounded; the server and the containers are removed at
the end.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import pytest
import requests
from integration.service.live import Server
from integration.service.required import unavailable

from service.runtime.protocol import LABEL_INSTANCE

SLOW = 24
CONNECTIONS = 16  # per client address
HEADER_SECONDS = 3


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One server for the module (starting one takes seconds on a loaded machine)."""
    tmp_path = tmp_path_factory.mktemp("live")
    try:
        client = docker.from_env(timeout=30)
        client.ping()
    except Exception as exc:  # noqa: BLE001 - any failure here means "no usable engine"
        unavailable(f"no usable Docker engine: {exc}")
    instance = f"e2e-hostile-{uuid.uuid4().hex[:8]}"
    root = tmp_path / "projects"
    (root / "alice").mkdir(parents=True)
    env = {**os.environ, "WORKSPACE_SERVICE_DATABASE_URL": f"sqlite:///{tmp_path / 'live.db'}",
           "WORKSPACE_SERVICE_INSTANCE": instance, "WORKSPACE_SERVICE_PROJECTS_ROOT": str(root),
           "WORKSPACE_SERVICE_HEADER_SECONDS": str(HEADER_SECONDS), "WORKSPACE_SERVICE_BODY_SECONDS": "3",
           "WORKSPACE_SERVICE_CLIENT_CONNECTIONS": str(CONNECTIONS), "WORKSPACE_SERVICE_LIMIT_DEFAULT_MEMORY_MB": "32",
           "WORKSPACE_SERVICE_STOP_TIMEOUT": "1", "WORKSPACE_SERVICE_RECONCILE_INTERVAL": "2"}
    tokens = {owner: subprocess.run([sys.executable, "-m", "service.cli", "token", "create", "--owner", owner],
                                    env=env, check=True, capture_output=True, text=True, timeout=30).stdout.strip()
              for owner in ("alice", "bob")}
    server = Server(env, tmp_path / "server.log")
    server.start()
    server.headers = {owner: {"Authorization": f"Bearer {t}"} for owner, t in tokens.items()}  # type: ignore[attr-defined]
    server.root, server.docker = root, client  # type: ignore[attr-defined]
    yield server
    server.stop()
    for container in client.containers.list(all=True, filters={"label": f"{LABEL_INSTANCE}={instance}"}):
        container.remove(force=True)
    client.close()


def _connect(server: Any, source: str, first: bytes) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=5, source_address=(source, 0))
    sock.sendall(first)
    return sock


def _drip(socks: list[socket.socket], line: bytes, stop: threading.Event) -> None:
    while not stop.wait(1.0):
        for sock in socks:
            try:
                sock.sendall(line)
            except OSError:
                pass


def _answer(sock: socket.socket) -> bytes:
    sock.settimeout(HEADER_SECONDS + 5)
    try:
        return sock.recv(200)
    except OSError:
        return b""


def _healthz_from(server: Any, source: str) -> bytes:
    """The start of the answer to a complete ``GET /healthz`` sent from ``source``."""
    with _connect(server, source, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n") as sock:
        return _answer(sock)


def _status(answer: bytes) -> str:
    return answer[9:12].decode() if answer.startswith(b"HTTP/1.1 ") else "closed"


def test_slow_clients_do_not_starve_the_service(live: Any) -> None:
    header_socks = [_connect(live, "127.0.0.2", b"GET /healthz HTTP/1.1\r\nHost: x\r\n") for _ in range(SLOW)]
    body_socks = [_connect(live, "127.0.0.3", b"POST /api/workspaces HTTP/1.1\r\nHost: x\r\nContent-Type:"
                           b" application/json\r\nContent-Length: 1000\r\n\r\n{") for _ in range(SLOW)]
    stop = threading.Event()
    drippers = [threading.Thread(target=_drip, args=(socks, line, stop), daemon=True)
                for socks, line in ((header_socks, b"X-Slow: 1\r\n"), (body_socks, b" "))]
    for thread in drippers:
        thread.start()
    try:
        for _ in range(5):
            started = time.monotonic()
            assert requests.get(live.url + "/healthz", timeout=5).status_code == 200
            assert time.monotonic() - started < 5
            time.sleep(0.5)
        headers_cut = [_status(_answer(sock)) for sock in header_socks]  # the header deadline closes them
        bodies_cut = [_status(_answer(sock)) for sock in body_socks]
    finally:
        stop.set()
        for sock in header_socks + body_socks:
            sock.close()
    # beyond CONNECTIONS per address refused at once; the admitted ones cut off by the deadlines
    assert sorted(headers_cut) == ["429"] * (SLOW - CONNECTIONS) + ["closed"] * CONNECTIONS
    assert sorted(bodies_cut) == ["408"] * CONNECTIONS + ["429"] * (SLOW - CONNECTIONS)


def test_one_client_holds_a_bounded_number_of_connections_while_others_are_served(live: Any) -> None:
    many = 300
    socks, refused = [], 0
    try:
        for _ in range(many):  # opened as fast as the client can, each sending half a request line
            sock = _connect(live, "127.0.0.4", b"GET /hea")
            socks.append(sock)
        assert requests.get(live.url + "/healthz", timeout=5).status_code == 200  # another client is served
        for sock in socks:
            sock.settimeout(0.5)
            try:
                refused += _status(sock.recv(200)) == "429"
            except TimeoutError:
                pass  # admitted: still waiting for the rest of its headers
        assert refused == many - CONNECTIONS
        over = _healthz_from(live, "127.0.0.4")  # the address's bound holds for a complete request too
        assert over.startswith(b"HTTP/1.1 429 ") and b"application/problem+json" in over
        assert requests.get(live.url + "/healthz", timeout=5).status_code == 200
    finally:
        for sock in socks:
            sock.close()
    deadline = time.monotonic() + 10  # once they are closed the address is admitted again
    while not (answer := _healthz_from(live, "127.0.0.4")).startswith(b"HTTP/1.1 200 "):
        assert time.monotonic() < deadline, answer
        time.sleep(0.2)


def test_hostile_bodies_are_refused_with_small_problem_documents(live: Any) -> None:
    alice = live.headers["alice"]
    url = live.url + "/api/workspaces"
    cases = [
        (dict(data='{"name": "x"}', headers={**alice, "Content-Type": "text/plain"}), 415),
        (dict(data="name=x", headers={**alice, "Content-Type": "application/x-www-form-urlencoded"}), 415),
        (dict(data='{"name": "x"}', headers=alice), 415),  # no Content-Type at all
        (dict(data=b'{"name": "' + b"x" * 10_000_000 + b'"}', headers={**alice, "Content-Type": "application/json"}), 413),
        (dict(data="[" * 100_000 + "]" * 100_000, headers={**alice, "Content-Type": "application/json"}), 413),
        (dict(data="[" * 40 + "]" * 40, headers={**alice, "Content-Type": "application/json"}), 400),
        # deep enough for the parser's recursion limit (a 500 once), small enough to be read in full
        (dict(data="[" * 30_000 + "]" * 30_000, headers={**alice, "Content-Type": "application/json"}), 400),
        (dict(data='{"name": "n", "resources": {"cpus": NaN}}', headers={**alice, "Content-Type": "application/json"}),
         422),
        (dict(json={"name": "y" * 60_000}, headers=alice), 422),
    ]
    for kwargs, status in cases:
        response = requests.post(url, timeout=30, **kwargs)
        assert response.status_code == status, (status, response.text[:300])
        assert response.headers["Content-Type"] == "application/problem+json"
        assert len(response.content) < 2000
    offset = requests.get(url, params={"offset": str(2**63)}, headers=alice, timeout=10)
    assert offset.status_code == 422 and offset.headers["Content-Type"] == "application/problem+json"
    ready = requests.get(live.url + "/readyz", timeout=10)
    assert ready.status_code == 200
    names = {ws["name"] for ws in requests.get(url, headers=alice, timeout=10).json()["items"]}
    assert not names & {"x", "n"}  # nothing refused was stored


def _wait_running(live: Any, headers: dict[str, str], workspace_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while True:
        body = dict(requests.get(f"{live.url}/api/workspaces/{workspace_id}", headers=headers, timeout=10).json())
        if body["state"] in ("running", "failed") or time.monotonic() > deadline:
            assert body["state"] == "running", body
            return body
        time.sleep(0.2)


def test_a_tenant_cannot_mount_a_host_directory_or_another_owners(live: Any, tmp_path: Path) -> None:
    alice, bob = live.headers["alice"], live.headers["bob"]
    project = live.root / "alice" / "tt" / "a"
    project.mkdir(parents=True)
    for made in (project, project.parent):
        made.chmod(0o777)
    secret = tmp_path / "host-secret"
    secret.mkdir()
    url = live.url + "/api/workspaces"
    outer = requests.post(url, json={"name": "outer", "project_path": "tt"}, headers=alice, timeout=30)
    assert outer.status_code == 201
    ws = _wait_running(live, alice, outer.json()["id"])
    code, out = live.docker.containers.get(ws["container_id"]).exec_run(
        ["sh", "-c", f"rm -r /workspace/a && ln -s {secret} /workspace/a"])
    assert code == 0, out
    inner = requests.post(url, json={"name": "inner", "project_path": "tt/a"}, headers=alice, timeout=30)
    assert inner.status_code == 422
    (live.root / "alice" / "uu" / "b").mkdir(parents=True)  # the other order: the inner directory first
    first = requests.post(url, json={"name": "first", "project_path": "uu/b"}, headers=alice, timeout=30)
    assert first.status_code == 201
    around = requests.post(url, json={"name": "around", "project_path": "uu"}, headers=alice, timeout=30)
    assert around.status_code == 422 and "overlaps" in around.json()["detail"]
    for path in ("../alice/tt", "/", str(live.root / "alice" / "tt"), ".", "alice/tt"):
        stolen = requests.post(url, json={"name": "steal", "project_path": path}, headers=bob, timeout=30)
        assert stolen.status_code == 422, (path, stolen.text[:300])
    mounts = [m["Source"] for c in live.docker.containers.list(all=True, filters={"label": f"{LABEL_INSTANCE}"})
              for m in c.attrs["Mounts"]]
    assert str(secret) not in mounts
