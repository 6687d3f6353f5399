"""Two ``serve`` of different instances on one host share no control socket and no reconciler lease."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import requests
from integration.service.live import Server

from service.store import Store
from service.store.leases import holder_of


def test_two_instances_share_no_socket_or_lock(tmp_path: Path, instance: str) -> None:
    home = tmp_path / "home"
    home.mkdir()
    servers = []
    for name in ("a", "b"):
        env = {**os.environ, "HOME": str(home), "WORKSPACE_SERVICE_INSTANCE": f"{instance}-{name}",
               "WORKSPACE_SERVICE_DATABASE_URL": f"sqlite:///{tmp_path / name}.db"}
        servers.append(Server(env, tmp_path / f"{name}.log"))
    first, second = servers
    try:
        first.start()
        second.start()
        for name in ("a", "b"):  # each instance's reconciler leads on its own database, under its own lease
            store = Store(f"sqlite:///{tmp_path / name}.db")
            with store.read() as conn:
                assert (holder_of(conn, f"reconciler/{instance}-{name}") or "").startswith(socket.gethostname())
            store.close()
        second.stop()
        assert requests.get(first.url + "/healthz", timeout=5).status_code == 200
        assert list(home.rglob("*")) == []  # no control socket (gunicorn's default is ~/.gunicorn/gunicorn.ctl)
    finally:
        for server in servers:
            server.stop()
