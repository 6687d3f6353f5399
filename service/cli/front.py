"""The front of ``serve``: it accepts the clients' connections, at most ``per_client`` per client address.

granian reads request headers on its Rust event loop with a deadline, so a slow client holds no Python
thread; but it accepts every connection, and one client can hold as many as it opens (each for up to the
header deadline), until the process runs out of file descriptors and nobody is served. granian has no
per-address bound, so ``serve`` puts this front before it: the front owns the public address, counts each
client address's open connections, refuses one over the bound at once (a 429 problem document, then close),
and relays the others byte for byte to granian on a private Unix socket. It reads no HTTP: deadlines, body
limits and parsing stay granian's and ``api.rsgi``'s. Relaying respects back-pressure both ways (a side
that cannot keep up pauses reading from the other), so a streamed download or upload is passed on chunk by
chunk and never piles up here.

With HTTP/1.1 a connection carries one request at a time, so the bound on connections is also the bound
on one client's requests in progress.

The app still learns each client's address: granian has no PROXY protocol, and adding a header would mean
parsing HTTP here, but granian reports the path a Unix-socket client bound as the connection's client. So
each connection to granian is bound first to a path that names the client (``api.peers``) in a directory
beside granian's socket, which only this ``serve``'s user can write (mode 0700), and unlinked once connected
(the kernel keeps the name). ``api.rsgi`` reads the address back only from that directory,
never from anything a client sends.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import tempfile
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from service.api.peers import PEERS, peer_path
from service.api.problems import MEDIA_TYPE, problem_document


def refusal(status: int, reason: str, detail: str) -> bytes:
    """A whole HTTP response refusing a connection (a problem document, then the front closes it)."""
    body = json.dumps(problem_document(status, detail, "/")).encode()
    head = (f"HTTP/1.1 {status} {reason}\r\ncontent-type: {MEDIA_TYPE}\r\ncontent-length: {len(body)}\r\n"
            "connection: close\r\n\r\n")
    return head.encode() + body


UNAVAILABLE = refusal(503, "Service Unavailable", "the server is not accepting requests now; try again")


LINGER_SECONDS = 2.0

class _Side(asyncio.Protocol):
    """One end of a relayed connection; ``peer`` is the other end."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.peer: _Side | None = None
        self._pending: list[bytes] = []  # what arrived for the peer before it was connected
        self.ended = False  # this end sent EOF
        self.lingering = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        if self.lingering:
            return  # the other end is gone: nothing arriving now can be answered
        peer = self.peer
        if peer is not None and peer.transport is not None:
            peer.transport.write(data)
        else:
            self._pending.append(data)

    def eof_received(self) -> bool:
        self.ended = True
        if self.lingering:
            return False  # both ends are done: close now
        peer = self.peer
        if peer is None or peer.transport is None:
            return True  # passed on when the peer joins
        if peer.ended:  # both directions are done: nothing more can pass
            peer.transport.close()
            return False
        if peer.transport.can_write_eof():
            peer.transport.write_eof()
        return True  # the other direction may still carry data (a response to a half-closed request)

    def pause_writing(self) -> None:
        if self.peer is not None and self.peer.transport is not None:
            self.peer.transport.pause_reading()

    def resume_writing(self) -> None:
        if self.peer is not None and self.peer.transport is not None:
            self.peer.transport.resume_reading()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.peer is not None and self.peer.transport is not None:
            if exc is not None and not self.lingering:
                self._pass_on_unread()
            self.peer.linger()

    def _pass_on_unread(self) -> None:
        """After a failed write (the other side closed while this one still sent: a 413 to a body that keeps
        coming), asyncio drops the transport without reading what had already arrived, which is the answer.
        The socket is still open here (asyncio closes it after ``connection_lost``): read what is left."""
        assert self.transport is not None and self.peer is not None and self.peer.transport is not None
        raw = self.transport.get_extra_info("socket")
        if raw is None:
            return
        with socket.socket(fileno=os.dup(raw.fileno())) as sock:
            for _ in range(64):  # at most 4 MiB: an answer, not a stream
                try:
                    data = sock.recv(65536, socket.MSG_DONTWAIT)
                except OSError:
                    return
                if not data:
                    return
                self.peer.transport.write(data)

    def linger(self) -> None:
        """The other end has closed: end this one once what was sent to it is out, without cutting that off.

        Closing a socket with unread data in it sends a reset, which can reach the client before the answer
        it has not read yet (a 413 while it is still sending the body). So: the answer, then EOF; what the
        client still sends is dropped; the socket is closed when the client closes or ``LINGER_SECONDS`` on.
        """
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        self.lingering = True
        if not transport.can_write_eof():
            transport.close()
            return
        transport.write_eof()
        asyncio.get_running_loop().call_later(LINGER_SECONDS, transport.close)

    def join(self, peer: _Side) -> None:
        """Relay to ``peer`` from now on, starting with what arrived meanwhile."""
        assert peer.transport is not None
        self.peer = peer
        for data in self._pending:
            peer.transport.write(data)
        self._pending.clear()
        if self.ended and peer.transport.can_write_eof():
            peer.transport.write_eof()


class _Client(_Side):
    """A client's connection: counted by address while it is open, relayed to granian once connected."""

    def __init__(self, front: Front) -> None:
        super().__init__()
        self.front = front
        self.address: str | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        assert self.transport is not None
        peer = transport.get_extra_info("peername")
        address = str(peer[0]) if isinstance(peer, tuple) else str(peer)
        if self.front.open[address] >= self.front.per_client:
            self.transport.write(self.front.refused)
            self.transport.close()
            return
        self.address = address
        self.front.open[address] += 1
        port = int(peer[1]) if isinstance(peer, tuple) else 0
        asyncio.get_running_loop().create_task(self._connect(port))

    async def _connect(self, port: int) -> None:
        loop = asyncio.get_running_loop()
        assert self.address is not None
        try:
            sock = await self.front.connect_upstream(self.address, port)
            _, upstream = await loop.create_unix_connection(_Side, sock=sock)
        except OSError:  # granian is not listening (starting or stopping)
            if self.transport is not None:
                self.transport.write(UNAVAILABLE)
                self.transport.close()
            return
        assert isinstance(upstream, _Side)
        if self.transport is None or self.transport.is_closing():
            assert upstream.transport is not None
            upstream.transport.close()
            return
        upstream.join(self)
        self.join(upstream)

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        if self.address is not None:
            self.front.open[self.address] -= 1
            if not self.front.open[self.address]:
                del self.front.open[self.address]
            self.address = None


class Front:
    """Listens on ``sock`` (already bound) in a thread of its own and relays to the Unix socket ``upstream``."""

    def __init__(self, sock: socket.socket, upstream: str, per_client: int) -> None:
        self.sock, self.upstream, self.per_client = sock, upstream, per_client
        self.refused = refusal(429, "Too Many Requests", f"more than {per_client} connections from this client")
        self.open: Counter[str] = Counter()  # open connections per client address; touched on the loop only
        self._loop = asyncio.new_event_loop()
        self._server: Any = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="front", daemon=True)
        self._serial = 0  # connections made to granian; touched on the loop only

    async def connect_upstream(self, address: str, port: int) -> socket.socket:
        """A socket connected to granian, bound to the path naming the client ``address``:``port`` (unbound
        when that path cannot be made, e.g. longer than a socket path may be: the app then sees no address)."""
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.setblocking(False)
        self._serial += 1
        path = peer_path(self.upstream, address, port, self._serial)
        try:
            try:
                sock.bind(path)
            except OSError:
                path = ""
            await asyncio.get_running_loop().sock_connect(sock, self.upstream)
        except OSError:
            sock.close()
            raise
        finally:
            if path:
                _unlink(path)
        return sock

    def start(self) -> None:
        """Start accepting (the socket listens already, so nobody connecting meanwhile is refused)."""
        os.makedirs(os.path.join(os.path.dirname(self.upstream), PEERS), mode=0o700, exist_ok=True)
        self._thread.start()
        self._ready.wait(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(
            self._loop.create_server(lambda: _Client(self), sock=self.sock, backlog=1024))
        self._ready.set()
        self._loop.run_forever()
        self._server.close()
        self._loop.run_until_complete(self._server.wait_closed())
        self._loop.close()

    def stop(self) -> None:
        """Stop accepting and end the thread (relayed connections end with granian's side of them)."""
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)


def _unlink(path: str) -> None:
    """Remove a bound path once its socket is connected (or failed to be): the kernel keeps the socket's name."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


@contextmanager
def behind_front(host: str, port: int, per_client: int, upstream_name: str) -> Iterator[str]:
    """The front on ``host:port`` for as long as the block runs, relaying to the Unix socket it yields (named
    ``upstream_name``, in a private directory of this process, mode 0700), where the block serves."""
    private = tempfile.mkdtemp(prefix="workspace-service-http-")
    upstream = os.path.join(private, upstream_name)
    sock = listening_socket(host, port)
    front = Front(sock, upstream, per_client)
    try:
        front.start()
        yield upstream
    finally:
        front.stop()
        sock.close()
        shutil.rmtree(private, ignore_errors=True)


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket listening on ``host:port`` (SO_REUSEADDR only: a port someone listens on is refused)."""
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(1024)
    except OSError:
        sock.close()
        raise
    return sock
