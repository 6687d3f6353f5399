"""The app served on a free loopback port by Werkzeug in a thread: a live HTTP server for the client's tests,
started in milliseconds (``live.Server`` runs the real ``serve`` in a subprocess, for the end-to-end tests)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from werkzeug.serving import make_server

from service.client import Client


@pytest.fixture(name="served")
def served_app(make_api: Callable[..., Any]) -> Iterator[Callable[..., tuple[Client, Any]]]:
    """Serve an app (built by ``make_api``) on loopback; a ``Client`` for its owner, and the Api."""
    servers: list[Any] = []

    def build(**overrides: Any) -> tuple[Client, Any]:
        api = make_api(**overrides)
        server = make_server("127.0.0.1", 0, api.app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return Client(f"http://127.0.0.1:{server.server_port}", api.token, timeout=10), api

    yield build
    for server in servers:
        server.shutdown()
        server.server_close()
