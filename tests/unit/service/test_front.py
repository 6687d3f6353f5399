"""``cli.front`` on real sockets: a loopback listener relaying to a Unix-socket upstream, as ``serve`` runs it.

The upstream here is a small echo server (granian's place), so what the front passes on, in which order and
when it closes, is seen byte for byte. Clients come from different loopback addresses (127.0.0.1, 127.0.0.2)
to show that the bound is per address.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from service.api.peers import peer_address
from service.cli.front import Front, listening_socket


BIG = 8 * 1024 * 1024


class Upstream:
    """Answers each chunk with ``echo:<chunk>``, a ``big`` chunk with BIG bytes, ``refuse`` with ``no`` and a close,
    and EOF with ``bye`` and a close."""

    def __init__(self, path: str) -> None:
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.bind(path)
        self.sock.listen(64)
        self.accepted = 0
        self.peers: list[str] = []  # the path each connection to here was bound to
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, peer = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            self.peers.append(peer)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            while True:
                data = conn.recv(65536)
                if not data:
                    conn.sendall(b"bye")
                    return
                if data.startswith(b"refuse"):  # like a 413: answer and close, the rest of the body unread
                    time.sleep(0.0 if data.startswith(b"refuse-now") else 0.3)  # while the client goes on sending
                    conn.sendall(b"no")
                    return
                conn.sendall(b"x" * BIG if data == b"big" else b"echo:" + data)


UPSTREAMS: dict[str, Upstream] = {}  # by socket path, for tests that look at what the upstream saw


@pytest.fixture
def front(tmp_path: Path) -> Iterator[Front]:
    upstream = UPSTREAMS[str(tmp_path / "up.sock")] = Upstream(str(tmp_path / "up.sock"))
    serving = Front(listening_socket("127.0.0.1", 0), str(tmp_path / "up.sock"), per_client=3)
    serving.start()
    yield serving
    serving.stop()
    serving.sock.close()
    upstream.sock.close()


def _connect(front: Front, source: str = "127.0.0.1") -> socket.socket:
    sock = socket.create_connection(front.sock.getsockname()[:2], timeout=10, source_address=(source, 0))
    return sock


def _receive(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            break
        data += chunk
    return data


def _wait_open(front: Front, expected: dict[str, int]) -> None:
    deadline = time.monotonic() + 10
    while dict(front.open) != expected and time.monotonic() < deadline:
        time.sleep(0.02)
    assert dict(front.open) == expected


def test_bytes_pass_both_ways_in_order_and_eof_still_gets_the_answer(front: Front) -> None:
    with _connect(front) as sock:
        sock.sendall(b"first")
        assert _receive(sock, 10) == b"echo:first"
        sock.sendall(b"second")
        assert _receive(sock, 11) == b"echo:second"
        sock.shutdown(socket.SHUT_WR)  # a half-closed client still reads what the upstream answers
        assert _receive(sock, 100) == b"bye"
    _wait_open(front, {})  # both directions ended: the connection is closed and no longer counted


def test_a_large_answer_arrives_whole_to_a_slow_reader(front: Front) -> None:
    with _connect(front) as sock:
        sock.sendall(b"big")
        time.sleep(0.5)  # the upstream is far ahead of this reader: the front must hold back, not drop
        assert _receive(sock, BIG) == b"x" * BIG


@pytest.mark.parametrize("request_head", [b"refuse", b"refuse-now"])
def test_an_answer_sent_before_closing_reaches_a_client_still_sending(front: Front, request_head: bytes) -> None:
    """After 0.3 s the front has the client's body unread (a close would reset); at once, its write to the
    closed upstream can fail before it has read the answer (asyncio then drops the transport unread)."""
    with _connect(front) as sock:
        def send_body() -> None:
            try:
                sock.sendall(request_head)
                for _ in range(200):  # the client goes on sending its body, and the front has it unread
                    sock.sendall(b"y" * 65536)
            except OSError:
                pass  # the front stops taking it once the upstream is gone

        sender = threading.Thread(target=send_body, daemon=True)
        sender.start()
        assert _receive(sock, 100) == b"no"  # the answer, then EOF: not a reset that loses it
        sender.join(10)
    _wait_open(front, {})


def test_connections_over_the_bound_per_address_are_refused_with_429(front: Front) -> None:
    held = [_connect(front) for _ in range(3)]
    for sock in held:  # admitted and relayed
        sock.sendall(b"hi")
        assert _receive(sock, 7) == b"echo:hi"
    with _connect(front) as refused:
        answer = _receive(refused, 4096)  # the whole answer, then the front closes
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 429 ") and b"content-type: application/problem+json" in head
    assert json.loads(body)["status"] == 429 and "more than 3 connections" in json.loads(body)["detail"]
    with _connect(front, "127.0.0.2") as other:  # another address is not affected
        other.sendall(b"hi")
        assert _receive(other, 7) == b"echo:hi"
    held.pop().close()
    _wait_open(front, {"127.0.0.1": 2})
    with _connect(front) as again:  # a closed connection frees its place
        again.sendall(b"hi")
        assert _receive(again, 7) == b"echo:hi"
    for sock in held:
        sock.close()
    _wait_open(front, {})


def test_each_relayed_connection_names_its_client_to_the_upstream(front: Front, tmp_path: Path) -> None:
    upstream = str(tmp_path / "up.sock")
    for source in ("127.0.0.1", "127.0.0.2"):
        with _connect(front, source) as sock:
            sock.sendall(b"hi")
            assert _receive(sock, 7) == b"echo:hi"
            client_port = str(sock.getsockname()[1])
            assert peer_address(upstream, front_upstream_peer(tmp_path)) == (source, client_port)
    assert list((tmp_path / "peers").iterdir()) == []  # each bound path is unlinked once connected
    assert peer_address(upstream, str(tmp_path / "elsewhere" / "127.0.0.9,1,1")) is None
    assert peer_address(upstream, "") is None


def front_upstream_peer(tmp_path: Path) -> str:
    """The path the upstream saw the newest connection come from."""
    return UPSTREAMS[str(tmp_path / "up.sock")].peers[-1]


def test_a_client_is_closed_when_the_upstream_cannot_be_reached(tmp_path: Path) -> None:
    serving = Front(listening_socket("127.0.0.1", 0), str(tmp_path / "absent.sock"), per_client=3)
    serving.start()
    try:
        with _connect(serving) as sock:
            assert _receive(sock, 4096).startswith(b"HTTP/1.1 503 ")  # then closed
        _wait_open(serving, {})
    finally:
        serving.stop()
        serving.sock.close()
