"""Fixtures for tests against a real Docker engine and real SQLite.

Docker tests fail (never skip) when ``HEALTHCHECK_REQUIRE_DOCKER`` or ``CI`` is set and no engine answers.
The second engine (``second_docker``) and its TLS endpoint (``tls_files``) are the ones ci/docker-up.sh
starts, found at fixed places each variable below overrides (the script's header says the same):
``WORKSPACE_CI_ENGINE2_URL`` (unix:///var/run/docker-2.sock), ``WORKSPACE_CI_TLS_URL``
(tcp://127.0.0.1:2376, the same engine with ``--tlsverify``), ``WORKSPACE_CI_TLS_DIR``
(/var/lib/workspace-ci/tls: ca.pem, client.pem, client-key.pem).
Every container a test session makes carries a session-unique instance label, and the session removes
them all at the end, so concurrent sessions and other users of the engine are never touched.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import docker
import pytest
from flask import Flask
from flask.testing import FlaskClient
from integration.service.required import unavailable

from service.app import background_of, create_app
from service.runtime.protocol import LABEL_INSTANCE
from service.settings import EngineTls, Settings
from service.store import tokens as token_rows

IMAGE = os.environ.get("WORKSPACE_IMAGE", "workspace-base:latest")
SESSION_INSTANCE = f"pytest-{uuid.uuid4().hex[:10]}"
ENGINE2_URL = os.environ.get("WORKSPACE_CI_ENGINE2_URL", "unix:///var/run/docker-2.sock")
TLS_URL = os.environ.get("WORKSPACE_CI_TLS_URL", "tcp://127.0.0.1:2376")
TLS_DIR = Path(os.environ.get("WORKSPACE_CI_TLS_DIR", "/var/lib/workspace-ci/tls"))


@pytest.fixture(scope="session")
def docker_client() -> Iterator[docker.DockerClient]:
    """A client of the real engine; removes this session's containers at the end."""
    try:
        client = docker.from_env(timeout=30)
        client.ping()
        client.images.get(IMAGE)
    except Exception as exc:  # noqa: BLE001 - any failure here means "no usable engine"
        unavailable(f"no usable Docker engine with image {IMAGE}: {exc}")
    yield client
    remove_session_objects(client)


@pytest.fixture(scope="session")
def second_docker() -> Iterator[docker.DockerClient]:
    """A client of the second engine (``ENGINE2_URL``); removes this session's containers and volumes there."""
    try:
        client = docker.DockerClient(base_url=ENGINE2_URL, timeout=30)
        client.ping()
        client.images.get(IMAGE)
    except Exception as exc:  # noqa: BLE001 - any failure here means "no usable second engine"
        unavailable(f"no usable second Docker engine at {ENGINE2_URL} with image {IMAGE} "
                    f"(bash ci/docker-up.sh starts it): {exc}")
    yield client
    remove_session_objects(client)


@pytest.fixture(scope="session")
def tls_files(second_docker: docker.DockerClient) -> EngineTls:
    """The client files of the second engine's TLS endpoint (``TLS_URL``), as an engine's ``tls`` names them."""
    files = EngineTls(str(TLS_DIR / "ca.pem"), str(TLS_DIR / "client.pem"), str(TLS_DIR / "client-key.pem"))
    unreadable = [path for path in (files.ca, files.cert, files.key) if not os.access(path, os.R_OK)]
    if unreadable:
        unavailable(f"the TLS client files {unreadable} are not readable (bash ci/docker-up.sh makes them)")
    return files


def remove_session_objects(client: docker.DockerClient) -> None:
    """Remove the containers and volumes this session made on ``client``'s engine, then close it."""
    # the low-level list (no inspect per container): other sessions remove theirs while this one lists
    for row in client.api.containers(all=True, filters={"label": LABEL_INSTANCE}):
        if (row.get("Labels") or {}).get(LABEL_INSTANCE, "").startswith(SESSION_INSTANCE):
            try:
                client.api.remove_container(row["Id"], force=True)
            except docker.errors.NotFound:  # removed meanwhile
                pass
    for volume in client.volumes.list(filters={"label": LABEL_INSTANCE}):
        if (volume.attrs.get("Labels") or {}).get(LABEL_INSTANCE, "").startswith(SESSION_INSTANCE):
            volume.remove(force=True)
    client.close()


@pytest.fixture
def instance(docker_client: docker.DockerClient) -> str:
    """The label value this test's containers carry: unique per test, prefixed by the session's."""
    return f"{SESSION_INSTANCE}-{uuid.uuid4().hex[:6]}"


def managed(client: docker.DockerClient, instance: str) -> list[Any]:
    """This session's containers (any state)."""
    return list(client.containers.list(all=True, filters={"label": f"{LABEL_INSTANCE}={instance}"}))


@pytest.fixture
def make_settings(tmp_path: Path, instance: str) -> Callable[..., Settings]:
    """Settings for a test: a fresh SQLite file, this session's label, fast polling and retries."""

    def build(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "database_url": f"sqlite:///{tmp_path / 'service.db'}",
            "instance": instance,
            "workers": 4,
            "poll_interval": 0.1,
            "visibility_timeout": 5.0,
            "retry_backoff": 0.05,
            "retry_backoff_max": 0.5,
            "reconcile_interval": 2.0,
            "restart_backoff": 0.1,
            "stop_timeout": 1,
            "default_image": IMAGE,
            "allowed_images": (IMAGE,),
            "projects_root": str(tmp_path / "projects"),
        }
        values.update(overrides)
        (tmp_path / "projects").mkdir(exist_ok=True)
        return Settings(**values)

    return build


class Api:
    """A Flask test client with an owner's token, plus polling helpers bounded in time."""

    def __init__(self, app: Flask, owner: str = "alice") -> None:
        self.app = app
        self.client: FlaskClient = app.test_client()
        self.token = self.issue(owner)
        self.headers = {"Authorization": f"Bearer {self.token}"}

    def issue(self, owner: str) -> str:
        store = self.app.extensions["workspace_service"].store
        with store.write() as conn:
            return token_rows.issue(conn, owner, time.time())

    def get(self, path: str, **kw: Any) -> Any:
        return self.client.get(path, headers=kw.pop("headers", self.headers), **kw)

    def post(self, path: str, **kw: Any) -> Any:
        return self.client.post(path, headers=kw.pop("headers", self.headers), **kw)

    def patch(self, path: str, **kw: Any) -> Any:
        return self.client.patch(path, headers=kw.pop("headers", self.headers), **kw)

    def delete(self, path: str, **kw: Any) -> Any:
        return self.client.delete(path, headers=kw.pop("headers", self.headers), **kw)

    def create(self, name: str, **body: Any) -> dict[str, Any]:
        response = self.post("/api/workspaces", json={"name": name, **body})
        assert response.status_code == 201, response.get_json()
        return dict(response.get_json())

    def wait_state(self, workspace_id: str, states: set[str], timeout: float = 20.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            body = dict(self.get(f"/api/workspaces/{workspace_id}").get_json())
            if body["state"] in states:
                return body
            if time.monotonic() > deadline:
                raise AssertionError(f"workspace {workspace_id} stuck in {body['state']}: {body}")
            time.sleep(0.05)

    def wait_task(self, task_id: str, timeout: float = 20.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            body = dict(self.get(f"/api/tasks/{task_id}").get_json())
            if body["status"] in ("succeeded", "failed"):
                return body
            if time.monotonic() > deadline:
                raise AssertionError(f"task {task_id} not finished: {body}")
            time.sleep(0.05)


@pytest.fixture
def make_api(make_settings: Callable[..., Settings]) -> Iterator[Callable[..., Api]]:
    """Build an app per call (closed at teardown) and return a client for it."""
    apps: list[Flask] = []

    def build(runtime: Any = None, owner: str = "alice", **overrides: Any) -> Api:
        app = create_app(make_settings(**overrides), runtime=runtime)
        apps.append(app)
        return Api(app, owner)

    yield build
    for app in reversed(apps):
        background_of(app).close()


@pytest.fixture
def api(make_api: Callable[..., Api]) -> Api:
    """A running app (workers and reconciler on) for owner alice."""
    return make_api()


class SocketProxy:
    """A Unix socket at ``path`` that forwards to the real Docker socket while ``up``: a daemon that returns."""

    def __init__(self, path: str, target: str = "/var/run/docker.sock") -> None:
        self.path, self.target = path, target
        self._server: socket.socket | None = None
        self._threads: list[threading.Thread] = []

    def up(self) -> None:
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(self.path)
        server.listen(16)
        server.settimeout(0.2)
        self._server = server
        thread = threading.Thread(target=self._accept, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _accept(self) -> None:
        while self._server is not None:
            try:
                client, _ = self._server.accept()
            except (TimeoutError, OSError):
                continue
            upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            upstream.connect(self.target)
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def down(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
        if os.path.exists(self.path):
            os.unlink(self.path)


@pytest.fixture
def proxy(tmp_path: Path) -> Iterator[SocketProxy]:
    """A socket path where nothing listens until ``proxy.up()``; always torn down."""
    found = SocketProxy(str(tmp_path / "docker.sock"))
    yield found
    found.down()


@pytest.fixture
def containers(docker_client: docker.DockerClient, instance: str) -> Callable[[], list[Any]]:
    """This test's containers, listed fresh on each call."""
    return lambda: managed(docker_client, instance)
