"""Behind the front, the app sees each client's real address, and no header a client sends changes it.

The service's own server stack runs in a subprocess (``rsgi_server.GranianServer``: the front on a loopback
port, granian behind it on its private Unix socket, the RSGI bridge, a Flask app), serving
``address_app``, which answers and logs ``request.remote_addr``.
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

SERVE = ("import sys; from service.cli.rsgi_server import GranianServer; from service.settings import Settings; "
         "GranianServer(Settings.from_env(), '127.0.0.1', int(sys.argv[1]), 'address_app:app').run()")
SPOOF = {"X-Forwarded-For": "203.0.113.9", "Forwarded": "for=203.0.113.9", "X-Real-IP": "203.0.113.9"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    log = tmp_path_factory.mktemp("address") / "server.log"
    here = str(Path(__file__).parent)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([here, os.environ.get("PYTHONPATH", "")]),
           "WORKSPACE_SERVICE_HTTP_PROCESSES": "1"}
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-c", SERVE, str(port)], env=env, stdout=out,
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
