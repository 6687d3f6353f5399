"""``api.rsgi``: a response without a length is streamed chunk by chunk, and a route may take a larger body.

The RSGI side is granian's documented protocol (``response_stream`` returning a transport with an awaitable
``send_bytes``), played by small objects; the served app is a real Flask app.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

from flask import Flask, Response, request
from unit.service.test_rsgi_bridge import Protocol, Scope

from service.api.rsgi import Limits, WsgiOverRsgi


class StreamingProtocol(Protocol):
    """Records each chunk sent on the stream; ``gone_after`` chunks the client has left (send fails)."""

    def __init__(self, chunks: list[bytes], gone_after: int | None = None) -> None:
        super().__init__(chunks)
        self.gone_after = gone_after
        self.sent_chunks: list[bytes] = []
        self.stream_head: tuple[int, dict[str, str]] | None = None

    def response_stream(self, status: int, headers: list[tuple[str, str]]) -> Any:
        self.stream_head = (status, dict(headers))
        return self

    async def send_bytes(self, data: bytes) -> None:
        if self.gone_after is not None and len(self.sent_chunks) >= self.gone_after:
            raise RuntimeError("client disconnected")  # what granian raises is its own closed-protocol error
        self.sent_chunks.append(data)


def streaming_app(release: threading.Event, closed: list[str]) -> Flask:
    app = Flask("stream")

    @app.post("/stream")
    def stream() -> Response:
        def body() -> Iterator[str]:
            try:
                yield "first\n"
                release.wait(5)  # the second chunk is made only after the test saw the first arrive
                yield "second\n"
                yield "third\n"
            finally:
                closed.append("closed")
        return Response(body(), mimetype="text/event-stream")

    @app.put("/upload")
    def upload() -> dict[str, int]:
        return {"size": len(request.get_data())}

    return app


def test_a_response_without_length_reaches_the_client_chunk_by_chunk() -> None:
    release, closed = threading.Event(), list[str]()
    bridge = WsgiOverRsgi(streaming_app(release, closed), Limits())
    protocol = StreamingProtocol([b""])

    async def scenario() -> list[bytes]:
        task = asyncio.create_task(bridge(Scope(path="/stream"), protocol))
        for _ in range(200):
            if protocol.sent_chunks:
                break
            await asyncio.sleep(0.01)
        seen = list(protocol.sent_chunks)  # the app is still blocked before its second chunk
        release.set()
        await task
        return seen

    assert asyncio.run(scenario()) == [b"first\n"]
    assert protocol.sent_chunks == [b"first\n", b"second\n", b"third\n"]
    assert protocol.stream_head is not None and protocol.stream_head[0] == 200
    assert protocol.stream_head[1]["Content-Type"].startswith("text/event-stream")
    assert protocol.response is None and closed == ["closed"]
    bridge.close()


def test_a_client_gone_mid_stream_closes_the_apps_iterator() -> None:
    release, closed = threading.Event(), list[str]()
    release.set()
    bridge = WsgiOverRsgi(streaming_app(release, closed), Limits())
    protocol = StreamingProtocol([b""], gone_after=1)
    asyncio.run(bridge(Scope(path="/stream"), protocol))
    assert protocol.sent_chunks == [b"first\n"] and closed == ["closed"]
    bridge.close()


def test_a_stream_waiting_for_its_next_chunk_holds_no_request_thread() -> None:
    release, closed = threading.Event(), list[str]()
    bridge = WsgiOverRsgi(streaming_app(release, closed), Limits(threads=1))
    stream, plain = StreamingProtocol([b""]), Protocol([b"x"])

    async def scenario() -> None:
        task = asyncio.create_task(bridge(Scope(path="/stream"), stream))
        for _ in range(200):
            if stream.sent_chunks:
                break
            await asyncio.sleep(0.01)
        # the stream waits inside the app for its second chunk; the one request thread is free
        await asyncio.wait_for(bridge(Scope(path="/upload", method="PUT", pairs=[("content-length", "1")]), plain),
                               2)  # the stream's app waits up to 5 s: sharing the thread, this would time out
        assert plain.response is not None and plain.response[0] == 200 and not release.is_set()
        release.set()
        await task

    asyncio.run(scenario())
    assert stream.sent_chunks == [b"first\n", b"second\n", b"third\n"]
    bridge.close()


def test_a_route_named_in_bodies_takes_its_own_larger_limit() -> None:
    limits = Limits(max_body=10, bodies=(("PUT", r"/upload", 1000),))
    bridge = WsgiOverRsgi(streaming_app(threading.Event(), []), limits)
    big = Protocol([b"x" * 500])
    asyncio.run(bridge(Scope(path="/upload", method="PUT", pairs=[("content-length", "500")]), big))
    assert big.response is not None and big.response[0] == 200 and b'"size":500' in big.response[2]
    over = Protocol([b"x" * 600, b"x" * 600])  # chunked: no length declared, cut off while read
    asyncio.run(bridge(Scope(path="/upload", method="PUT", pairs=[("transfer-encoding", "chunked")]), over))
    assert over.response is not None and over.response[0] == 413 and b"1000 bytes" in over.response[2]
    elsewhere = Protocol([b"x" * 500])
    asyncio.run(bridge(Scope(path="/upload", method="POST", pairs=[("content-length", "500")]), elsewhere))
    assert elsewhere.response is not None and elsewhere.response[0] == 413
    bridge.close()
