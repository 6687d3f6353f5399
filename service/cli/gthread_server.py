"""gunicorn's gthread worker serving the app (``WORKSPACE_SERVICE_HTTP_SERVER=gunicorn``), a fallback only.

Kept as the measured alternative to ``rsgi_server`` (service/README.md says why granian is the server): its
threads read requests themselves, so slow clients can hold all of them (24 connections sending a header line
a second stopped /healthz answering). ``serve`` therefore never exposes it: ``serve_behind_front`` puts the
front (``cli.front``) on the public address, which bounds the connections one client holds and names each
client to the app, and gunicorn listens on a private Unix socket behind it. The front reads no HTTP, so
slow requests still hold gunicorn's threads, up to that per-client bound.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from service.api.peers import peer_address
from service.cli.front import behind_front
from service.cli.processes import process_app, settle_process
from service.settings import Settings

UNIX = "unix:"


def serve_behind_front(settings: Settings, host: str, port: int, server: type[GunicornServer] | None = None) -> None:
    """gunicorn (``server``: ``GunicornServer`` or a subclass serving another app) on a private Unix socket,
    the front on ``host:port``, until SIGINT or SIGTERM."""
    with behind_front(host, port, settings.client_connections, "gunicorn.sock") as upstream:
        (server or GunicornServer)(settings, UNIX + upstream).run()


def _gunicorn_base() -> Any:
    from gunicorn.app.base import BaseApplication

    return BaseApplication


class GunicornServer(_gunicorn_base()):  # type: ignore[misc]
    """``http_processes`` gunicorn processes with ``http_threads`` threads each; task workers in every one
    (so a request's ``notify`` wakes a worker at once), the reconciler in one.

    ``build_app`` makes the WSGI app of one process; the load benchmark overrides it to measure an app that
    does nothing under exactly this server configuration (the floor that Flask plus gunicorn set here).
    """

    def __init__(self, settings: Settings, bind: str) -> None:
        self.settings = settings
        self.bind = bind
        super().__init__()

    def load_config(self) -> None:
        self.cfg.set("bind", self.bind)
        self.cfg.set("workers", max(1, self.settings.http_processes))
        self.cfg.set("worker_class", "gthread")
        self.cfg.set("threads", self.settings.http_threads)
        # A listening socket per process (SO_REUSEPORT), so the kernel spreads connections over the processes.
        # On one shared socket the first process to wake accepted them all: under 50 keep-alive clients `ss`
        # showed 50 connections in one process and none in the other, which served nothing.
        # Not on the front's Unix socket: each process would bind the path anew and unlink the one before it.
        self.cfg.set("reuse_port", not self.bind.startswith(UNIX))
        self.cfg.set("timeout", 60)
        self.cfg.set("graceful_timeout", 10)
        self.cfg.set("accesslog", None)
        # Newer gunicorn opens a control socket at one path per user (~/.gunicorn/gunicorn.ctl): a second
        # instance took it over and deleted it when it exited. The service uses none of its commands.
        if "control_socket_disable" in self.cfg.settings:
            self.cfg.set("control_socket_disable", True)

    def build_app(self) -> Any:
        """The app of one gunicorn process: its share of the workers, the reconciler if it leads."""
        return process_app(self.settings)

    def load(self) -> Any:
        app = self.build_app()
        if self.bind.startswith(UNIX):  # behind the front: gunicorn's REMOTE_ADDR is the path the front bound
            app = _named_clients(app, self.bind[len(UNIX):])
        settle_process()
        return app


def _named_clients(app: Callable[..., Iterable[bytes]], upstream: str) -> Callable[..., Iterable[bytes]]:
    """``app`` with each request's REMOTE_ADDR and REMOTE_PORT the client's that the front named (``api.peers``)."""

    def named(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        environ["REMOTE_ADDR"], environ["REMOTE_PORT"] = peer_address(upstream, str(environ.get("REMOTE_ADDR", ""))) or ("", "")
        return app(environ, start_response)

    return named


