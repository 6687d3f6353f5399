"""``api.rsgi``: a request reaches a WSGI thread only once it is complete, in time, and within its limits.

The RSGI side is granian's documented protocol (a scope, an awaitable body iterator, ``response_bytes``),
played here by small objects; the served app is a real Flask app.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, request

from service.api.rsgi import Limits, WsgiOverRsgi


class Headers:
    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self.pairs = pairs

    def items(self) -> list[tuple[str, str]]:
        return list(self.pairs)

    def get(self, key: str, default: Any = None) -> Any:
        return next((v for k, v in self.pairs if k == key), default)


@dataclass
class Scope:
    path: str = "/echo"
    method: str = "POST"
    query_string: str = ""
    client: str = "10.0.0.1:5000"
    server: str = "127.0.0.1:8080"
    scheme: str = "http"
    http_version: str = "1.1"
    proto: str = "http"
    pairs: list[tuple[str, str]] = field(default_factory=list)

    @property
    def headers(self) -> Headers:
        return Headers(self.pairs)


class Protocol:
    """Sends ``chunks`` (waiting ``gap`` seconds before each) and records the response."""

    def __init__(self, chunks: list[bytes], gap: float = 0.0) -> None:
        self.chunks, self.gap = chunks, gap
        self.sent = 0
        self.response: tuple[int, list[tuple[str, str]], bytes] | None = None

    async def _iterate(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            await asyncio.sleep(self.gap)
            self.sent += 1
            yield chunk

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._iterate()

    def response_bytes(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.response = (status, headers, body)


def echo_app() -> Flask:
    app = Flask("echo")
    app.calls = 0  # type: ignore[attr-defined]

    @app.route("/<path:rest>", methods=["GET", "POST"])
    def echo(rest: str) -> dict[str, Any]:
        app.calls += 1  # type: ignore[attr-defined]
        return {"path": request.path, "query": request.args.to_dict(), "body": request.get_data(as_text=True),
                "x": request.headers.get("X-A"), "remote": request.remote_addr, "type": request.mimetype}

    return app


def serve(bridge: WsgiOverRsgi, scope: Scope, protocol: Protocol) -> tuple[int, dict[str, str], Any]:
    asyncio.run(bridge(scope, protocol))
    assert protocol.response is not None
    status, headers, body = protocol.response
    return status, dict(headers), json.loads(body)


def test_a_complete_request_reaches_the_app_as_wsgi() -> None:
    bridge = WsgiOverRsgi(echo_app(), Limits(max_body=100))
    scope = Scope(path="/caf\u00e9/x", query_string="a=1&b=%20", pairs=[
        ("content-type", "application/json"), ("content-length", "8"), ("x-a", "1"), ("x-a", "2")])
    status, headers, body = serve(bridge, scope, Protocol([b'{"n":', b" 1}"]))
    assert status == 200 and headers["Content-Type"] == "application/json"
    assert body == {"path": "/caf\u00e9/x", "query": {"a": "1", "b": " "}, "body": '{"n": 1}', "x": "1,2",
                    "remote": "10.0.0.1", "type": "application/json"}
    bridge.close()


def test_a_body_over_the_limit_is_413_and_read_no_further() -> None:
    app = echo_app()
    bridge = WsgiOverRsgi(app, Limits(max_body=10))
    declared = Protocol([b"x" * 5] * 100)
    status, headers, body = serve(bridge, Scope(pairs=[("content-length", "500")]), declared)
    assert status == 413 and headers["connection"] == "close" and declared.sent == 0
    assert body["status"] == 413 and body["instance"] == "/echo"
    streamed = Protocol([b"x" * 5] * 100)  # chunked: no length declared
    status, _, _ = serve(bridge, Scope(pairs=[("transfer-encoding", "chunked")]), streamed)
    assert status == 413 and streamed.sent == 3
    assert serve(bridge, Scope(pairs=[("content-length", "1e9")]), Protocol([]))[0] == 413
    assert app.calls == 0  # type: ignore[attr-defined]
    bridge.close()


def test_a_body_that_does_not_arrive_in_time_is_408() -> None:
    app = echo_app()
    bridge = WsgiOverRsgi(app, Limits(body_seconds=0.05))
    status, headers, body = serve(bridge, Scope(pairs=[("content-length", "2")]), Protocol([b"{", b"}"], gap=1.0))
    assert status == 408 and headers["connection"] == "close" and "within 0.05 s" in body["detail"]
    assert app.calls == 0  # type: ignore[attr-defined]
    bridge.close()


def test_behind_the_front_a_unix_socket_path_names_no_server_host() -> None:
    bridge = WsgiOverRsgi(echo_app(), Limits())
    status, _, body = serve(bridge, Scope(server="/tmp/private/granian.sock", client=""), Protocol([]))
    assert status == 200 and body["remote"] == "" and body["path"] == "/echo"
    bridge.close()


def test_behind_the_front_the_client_is_the_address_the_front_named_and_no_header() -> None:
    bridge = WsgiOverRsgi(echo_app(), Limits())
    spoofing = [("x-forwarded-for", "203.0.113.9"), ("forwarded", "for=203.0.113.9"), ("x-real-ip", "203.0.113.9")]
    named = Scope(server="/tmp/private/granian.sock", client="/tmp/private/peers/127.0.0.1,40000,7", pairs=spoofing)
    assert serve(bridge, named, Protocol([]))[2]["remote"] == "127.0.0.1"
    ipv6 = Scope(server="/tmp/private/granian.sock", client="/tmp/private/peers/::1,40000,8")
    assert serve(bridge, ipv6, Protocol([]))[2]["remote"] == "::1"
    for client in ("/tmp/other/peers/127.0.0.1,40000,7", "/tmp/private/127.0.0.1,40000,7", "/tmp/private/peers/x"):
        stranger = Scope(server="/tmp/private/granian.sock", client=client, pairs=spoofing)
        assert serve(bridge, stranger, Protocol([]))[2]["remote"] == ""  # not bound by this front: no address
    bridge.close()


def test_a_request_that_declares_no_body_is_not_read() -> None:
    bridge = WsgiOverRsgi(echo_app(), Limits())
    bodiless = Protocol([b"ignored"])  # bytes after a request without Content-Length belong to the next one
    status, _, body = serve(bridge, Scope(method="GET"), bodiless)
    assert status == 200 and body["body"] == "" and bodiless.sent == 0
    chunked = Protocol([b'{"a":', b" 1}"])
    status, _, body = serve(bridge, Scope(pairs=[("transfer-encoding", "chunked")]), chunked)
    assert status == 200 and body["body"] == '{"a": 1}' and chunked.sent == 2
    bridge.close()


def test_other_protocols_are_left_alone() -> None:
    bridge = WsgiOverRsgi(echo_app(), Limits())
    protocol = Protocol([])
    asyncio.run(bridge(Scope(proto="ws"), protocol))
    assert protocol.response is None
    bridge.close()
