"""Two ``serve`` of different instances on one host share no control socket and no lock path."""

from __future__ import annotations

import os
from pathlib import Path

import requests
from integration.service.live import Server

from service.cli.processes import leader_path
from service.settings import Settings


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
        second.stop()
        assert requests.get(first.url + "/healthz", timeout=5).status_code == 200
        assert list(home.rglob("*")) == []  # no control socket (gunicorn's default is ~/.gunicorn/gunicorn.ctl)
    finally:
        for server in servers:
            server.stop()
    paths = {leader_path(Settings(database_url="sqlite:///x.db", instance=name)) for name in ("a", "b")}
    assert len(paths) == 2 and all(str(os.getuid()) in Path(p).name for p in paths)
