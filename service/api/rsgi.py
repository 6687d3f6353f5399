"""The service's WSGI app behind granian's RSGI interface: requests are read in full before a thread is taken.

granian (Rust, hyper and tokio) reads request headers on its event loop with a deadline, so a client that
sends one header line a second holds no Python thread. Its WSGI interface, though, calls the app as soon as the
headers are in and lets the app's thread wait for the body: forty slow bodies held every thread. Here the
body is awaited on the event loop instead, within ``body_seconds`` and ``max_body`` bytes, and only a complete
request is handed to one of ``threads`` WSGI threads. (How many connections, and so requests, one client
holds is bounded before granian, by ``cli.front``, which also names each client's address: ``api.peers``.)

Refusals made here (408, 413) are problem documents like the app's own.

Two kinds of route differ from the rest. A route named in ``Limits.bodies`` (file uploads) takes a larger
body than ``max_body``, up to its own limit. And a response that declares no ``Content-Length`` (a
streamed exec, followed logs, a folder's tar) is streamed: each chunk is taken from the app's iterator on a
thread and sent as it comes, so the client sees output as it is made; a client that has gone away ends
the stream at the next chunk, and the iterator is closed (which is how the app learns to stop). The waits
for the next chunk run on threads of their own (``stream_threads``), so long streams (a followed log, a
long command) never take the ``threads`` that run requests.
"""

from __future__ import annotations

import asyncio
import io
import json
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol

from service.api.peers import peer_address
from service.api.problems import MEDIA_TYPE, problem_document

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
Headers = list[tuple[str, str]]


class RsgiProtocol(Protocol):
    """The part of granian's ``RSGIHTTPProtocol`` used here (granian documents the RSGI protocol)."""

    def __aiter__(self) -> Any: ...

    def response_bytes(self, status: int, headers: Headers, body: bytes) -> None: ...

    def response_stream(self, status: int, headers: Headers) -> Any: ...


@dataclass(frozen=True)
class Limits:
    """How much of a request is read, for how long, and how many WSGI threads run complete ones."""

    max_body: int = 65536
    body_seconds: float = 10.0
    threads: int = 8
    stream_threads: int = 64  # threads that wait for a streamed answer's next chunk (not the request threads)
    bodies: tuple[tuple[str, str, int], ...] = ()  # (method, path regex, limit): routes taking larger bodies

    def body_limit(self, method: str, path: str) -> int:
        """The most bytes a request's body may have on this route."""
        for wanted, pattern, limit in self.bodies:
            if method == wanted and re.fullmatch(pattern, path):
                return limit
        return self.max_body


class WsgiOverRsgi:
    """An RSGI app running ``wsgi`` on its own thread pool once the request is complete."""

    def __init__(self, wsgi: WsgiApp, limits: Limits) -> None:
        self.wsgi = wsgi
        self.limits = limits
        self._pool = ThreadPoolExecutor(limits.threads, thread_name_prefix="http")
        self._streams = ThreadPoolExecutor(limits.stream_threads, thread_name_prefix="stream")

    async def __call__(self, scope: Any, protocol: RsgiProtocol) -> None:
        if scope.proto == "http":
            await self._serve(scope, protocol)

    async def _serve(self, scope: Any, protocol: RsgiProtocol) -> None:
        declared = scope.headers.get("content-length")
        limit = self.limits.body_limit(scope.method, scope.path)
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            protocol.response_bytes(*_problem(413, f"the body is larger than {limit} bytes",
                                              scope.path, close=True))
            return
        try:
            if declared in (None, "0") and scope.headers.get("transfer-encoding") is None:
                body: bytes | None = b""  # HTTP/1.1 framing: no body follows, nothing to await (most GETs)
            else:
                body = await asyncio.wait_for(self._body(protocol, limit), self.limits.body_seconds)
        except asyncio.TimeoutError:
            protocol.response_bytes(*_problem(408, f"the body did not arrive within {self.limits.body_seconds:g} s",
                                              scope.path, close=True))
            return
        if body is None:
            protocol.response_bytes(*_problem(413, f"the body is larger than {limit} bytes",
                                              scope.path, close=True))
            return
        environ = _environ(scope, body)
        loop = asyncio.get_running_loop()
        status, headers, payload = await loop.run_in_executor(self._pool, _call, self.wsgi, environ)
        if isinstance(payload, bytes):
            protocol.response_bytes(status, headers, payload)
            return
        await self._stream(protocol.response_stream(status, headers), payload)

    async def _stream(self, transport: Any, chunks: Iterator[bytes]) -> None:
        """Send the app's chunks as they come, each taken on a WSGI thread; close the app's iterator at the
        end, when the client has gone away, or when the app fails."""
        loop = asyncio.get_running_loop()
        try:
            while True:
                chunk = await loop.run_in_executor(self._streams, next, chunks, None)
                if chunk is None:
                    return
                if chunk:
                    await transport.send_bytes(chunk)
        except Exception:  # noqa: BLE001 - the client went away (granian's closed-protocol error) or the app failed
            return
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                await loop.run_in_executor(self._streams, close)

    async def _body(self, protocol: RsgiProtocol, limit: int) -> bytes | None:
        """The whole body, or None once it exceeds ``limit`` (reading stops there)."""
        chunks: list[bytes] = []
        size = 0
        async for chunk in protocol:
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
        return b"".join(chunks)

    def close(self) -> None:
        """Stop the WSGI threads once the requests they run are done."""
        self._pool.shutdown(wait=True)
        self._streams.shutdown(wait=True)


def _environ(scope: Any, body: bytes) -> dict[str, Any]:
    """PEP 3333's environ for an RSGI scope (whose path is already percent-decoded text)."""
    host, _, port = scope.server.rpartition(":")
    remote, _, remote_port = scope.client.rpartition(":")
    if not host:  # granian on a Unix socket (behind ``cli.front``): the path names no host or port,
        host, port = "localhost", "80"
        # and the client is the path the front bound, naming the client's address (see ``api.peers``)
        remote, remote_port = peer_address(scope.server, scope.client) or ("", "")
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
        if key == "TRANSFER_ENCODING":  # granian took the chunks apart: the app gets a body of known length
            continue
        key = "HTTP_" + key
        environ[key] = f"{environ[key]},{value}" if key in environ else value
    if body and "CONTENT_LENGTH" not in environ:
        environ["CONTENT_LENGTH"] = str(len(body))
    return environ


def _call(wsgi: WsgiApp, environ: dict[str, Any]) -> tuple[int, Headers, bytes | Iterator[bytes]]:
    """Run the WSGI app on this thread: status, headers and the whole response body, or, for a response
    without a ``Content-Length`` (a stream), the app's iterator, not yet started, for ``_stream``."""
    started: list[Any] = []

    def start_response(status: str, headers: Headers, exc_info: Any = None) -> Callable[[bytes], None]:
        started[:] = [status, headers]
        return lambda data: None  # no app of this service writes through the legacy write() callable

    result = wsgi(environ, start_response)
    status, headers = started
    code = int(status.split(" ", 1)[0])
    if not any(name.lower() == "content-length" for name, _ in headers) and environ["REQUEST_METHOD"] != "HEAD":
        return code, list(headers), _Chunks(result)
    try:
        payload = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return code, list(headers), payload


class _Chunks:
    """A WSGI response body as an iterator of bytes with the body's ``close``."""

    def __init__(self, body: Iterable[bytes]) -> None:
        self.body = body
        self._items = iter(body)

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        return next(self._items)

    def close(self) -> None:
        close = getattr(self.body, "close", None)
        if close is not None:
            close()


def _problem(status: int, detail: str, path: str, close: bool) -> tuple[int, Headers, bytes]:
    headers = [("content-type", MEDIA_TYPE)]
    if close:
        headers.append(("connection", "close"))
    return status, headers, json.dumps(problem_document(status, detail, path)).encode()
