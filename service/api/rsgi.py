"""The service's WSGI app behind granian's RSGI interface: requests are read in full before a thread is taken.

granian (Rust, hyper and tokio) reads request headers on its event loop with a deadline, so a client that
sends one header line a second holds no Python thread. Its WSGI interface, though, calls the app as soon as the
headers are in and lets the app's thread wait for the body: forty slow bodies held every thread. Here the
body is awaited on the event loop instead, within ``body_seconds`` and ``max_body`` bytes, and only a complete
request is handed to one of ``threads`` WSGI threads. A client (an IP address) may have at most
``per_client`` requests in progress at once, reading or running; more are answered 429 at once.

Refusals made here (408, 413, 429, 503) are problem documents like the app's own.
"""

from __future__ import annotations

import asyncio
import io
import json
import sys
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol

from service.api.problems import MEDIA_TYPE, problem_document

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
Headers = list[tuple[str, str]]


class RsgiProtocol(Protocol):
    """The part of granian's ``RSGIHTTPProtocol`` used here (granian documents the RSGI protocol)."""

    def __aiter__(self) -> Any: ...

    def response_bytes(self, status: int, headers: Headers, body: bytes) -> None: ...


@dataclass(frozen=True)
class Limits:
    """How much of a request is read, for how long, and how many requests one client may have open."""

    max_body: int = 65536
    body_seconds: float = 10.0
    per_client: int = 64
    threads: int = 8


class WsgiOverRsgi:
    """An RSGI app running ``wsgi`` on its own thread pool once the request is complete."""

    def __init__(self, wsgi: WsgiApp, limits: Limits) -> None:
        self.wsgi = wsgi
        self.limits = limits
        self._pool = ThreadPoolExecutor(limits.threads, thread_name_prefix="http")
        self._open: Counter[str] = Counter()  # requests in progress per client; touched on the loop only

    async def __call__(self, scope: Any, protocol: RsgiProtocol) -> None:
        if scope.proto != "http":
            return
        client = scope.client.rpartition(":")[0] or scope.client
        if self._open[client] >= self.limits.per_client:
            protocol.response_bytes(*_problem(429, f"more than {self.limits.per_client} requests in progress from"
                                                   " this client", scope.path, close=True))
            return
        self._open[client] += 1
        try:
            await self._serve(scope, protocol)
        finally:
            self._open[client] -= 1
            if not self._open[client]:
                del self._open[client]

    async def _serve(self, scope: Any, protocol: RsgiProtocol) -> None:
        declared = scope.headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limits.max_body):
            protocol.response_bytes(*_problem(413, f"the body is larger than {self.limits.max_body} bytes",
                                              scope.path, close=True))
            return
        try:
            body = await asyncio.wait_for(self._body(protocol), self.limits.body_seconds)
        except asyncio.TimeoutError:
            protocol.response_bytes(*_problem(408, f"the body did not arrive within {self.limits.body_seconds:g} s",
                                              scope.path, close=True))
            return
        if body is None:
            protocol.response_bytes(*_problem(413, f"the body is larger than {self.limits.max_body} bytes",
                                              scope.path, close=True))
            return
        environ = _environ(scope, body)
        loop = asyncio.get_running_loop()
        status, headers, payload = await loop.run_in_executor(self._pool, _call, self.wsgi, environ)
        protocol.response_bytes(status, headers, payload)

    async def _body(self, protocol: RsgiProtocol) -> bytes | None:
        """The whole body, or None once it exceeds ``max_body`` (reading stops there)."""
        chunks: list[bytes] = []
        size = 0
        async for chunk in protocol:
            size += len(chunk)
            if size > self.limits.max_body:
                return None
            chunks.append(chunk)
        return b"".join(chunks)

    def close(self) -> None:
        """Stop the WSGI threads once the requests they run are done."""
        self._pool.shutdown(wait=True)


def _environ(scope: Any, body: bytes) -> dict[str, Any]:
    """PEP 3333's environ for an RSGI scope (whose path is already percent-decoded text)."""
    host, _, port = scope.server.rpartition(":")
    remote, _, remote_port = scope.client.rpartition(":")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": scope.method,
        "SCRIPT_NAME": "",
        "PATH_INFO": scope.path.encode("utf-8", "surrogateescape").decode("latin-1"),
        "QUERY_STRING": scope.query_string,
        "SERVER_NAME": host,
        "SERVER_PORT": port,
        "SERVER_PROTOCOL": f"HTTP/{scope.http_version}",
        "REMOTE_ADDR": remote,
        "REMOTE_PORT": remote_port,
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.scheme,
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    for name, value in scope.headers.items():
        key = name.upper().replace("-", "_")
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            environ[key] = value
            continue
        key = "HTTP_" + key
        environ[key] = f"{environ[key]},{value}" if key in environ else value
    if body and "CONTENT_LENGTH" not in environ:
        environ["CONTENT_LENGTH"] = str(len(body))
    return environ


def _call(wsgi: WsgiApp, environ: dict[str, Any]) -> tuple[int, Headers, bytes]:
    """Run the WSGI app to completion on this thread: status, headers and the whole response body."""
    started: list[Any] = []

    def start_response(status: str, headers: Headers, exc_info: Any = None) -> Callable[[bytes], None]:
        started[:] = [status, headers]
        return lambda data: None  # no app of this service writes through the legacy write() callable

    result = wsgi(environ, start_response)
    try:
        payload = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    status, headers = started
    return int(status.split(" ", 1)[0]), list(headers), payload


def _problem(status: int, detail: str, path: str, close: bool) -> tuple[int, Headers, bytes]:
    headers = [("content-type", MEDIA_TYPE)]
    if close:
        headers.append(("connection", "close"))
    return status, headers, json.dumps(problem_document(status, detail, path)).encode()
