"""Behind the front, the app sees each client's real address, and no header a client sends changes it.

The service's own server stacks run in a subprocess, each as ``serve`` runs it: the front on a loopback
port and behind it, on a private Unix socket, granian with the RSGI bridge (``rsgi_server.GranianServer``)
or gunicorn (``gthread_server.serve_behind_front``), serving ``address_app``, which answers and logs
``request.remote_addr``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from requests.adapters import HTTPAdapter

SERVE = {
    "granian": "from service.cli.rsgi_server import GranianServer as S; S(settings, host, port, 'address_app:app').run()",
    "gunicorn": "from service.cli.gthread_server import serve_behind_front as s; import address_app; "
                "s(settings, host, port, address_app.Gunicorn)",
}
SETUP = "import sys; from service.settings import Settings; settings, host, port = Settings.from_env(), '127.0.0.1', int(sys.argv[1]); "
SPOOF = {"X-Forwarded-For": "203.0.113.9", "Forwarded": "for=203.0.113.9", "X-Real-IP": "203.0.113.9"}


@pytest.fixture(scope="module", params=sorted(SERVE))
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    log = tmp_path_factory.mktemp("address") / "server.log"
    here = str(Path(__file__).parent)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([here, os.environ.get("PYTHONPATH", "")]),
           "WORKSPACE_SERVICE_HTTP_PROCESSES": "1", "WORKSPACE_SERVICE_CLIENT_CONNECTIONS": "3"}
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-c", SETUP + SERVE[request.param], str(port)], env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(url + "/whoami", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.1)
        else:
            raise AssertionError("server did not come up:\n" + log.read_text()[-3000:])
        yield url, log
    finally:
        proc.terminate()
        proc.wait(20)


def _from(source: str) -> requests.Session:
    """A session whose connections leave from ``source`` (another loopback address is another client)."""
    session = requests.Session()

    class Bound(HTTPAdapter):
        def init_poolmanager(self, *args: object, **kwargs: object) -> None:
            kwargs["source_address"] = (source, 0)
            super().init_poolmanager(*args, **kwargs)  # type: ignore[arg-type]

    session.mount("http://", Bound())
    return session


def test_the_app_sees_and_logs_the_clients_address_behind_the_front(server: tuple[str, Path]) -> None:
    url, log = server
    assert requests.get(url + "/whoami", timeout=10).json() == {"remote_addr": "127.0.0.1"}
    assert _from("127.0.0.2").get(url + "/whoami", timeout=10).json() == {"remote_addr": "127.0.0.2"}
    deadline = time.monotonic() + 10
    while "request from 127.0.0.2" not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "request from 127.0.0.1" in log.read_text() and "request from 127.0.0.2" in log.read_text()


def test_a_client_cannot_name_another_address_in_a_header(server: tuple[str, Path]) -> None:
    url, log = server
    assert requests.get(url + "/whoami", headers=SPOOF, timeout=10).json() == {"remote_addr": "127.0.0.1"}
    assert "203.0.113.9" not in log.read_text()


def test_one_client_holds_at_most_the_bounded_connections(server: tuple[str, Path]) -> None:
    url, _ = server
    port = int(url.rsplit(":", 1)[1])
    held = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(3)]
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as refused:
            assert refused.recv(4096).startswith(b"HTTP/1.1 429 ")
        assert _from("127.0.0.2").get(url + "/whoami", timeout=10).status_code == 200  # another client is served
    finally:
        for sock in held:
            sock.close()
