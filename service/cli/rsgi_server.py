"""granian serving the app through ``api.rsgi`` (the default, ``WORKSPACE_SERVICE_HTTP_SERVER=granian``).

``cli.front`` owns the public address and admits at most ``client_connections`` connections per client
address; granian listens behind it on a Unix socket in a private directory of this serve (mode 0700, so no
one reaches granian around the front, and two instances never share it). granian reads requests on a Rust
event loop: headers within ``header_seconds`` (hyper's header read timeout), then ``api.rsgi`` awaits the
body within ``body_seconds`` and ``max_body_bytes`` before one of ``http_threads`` WSGI threads runs the
request. Chosen over gunicorn's gthread on ``bench/service_load.py`` (see service/README.md for the figures),
and slow clients hold no thread.

``target`` names a factory granian calls in each worker process after it forks (so the service's background
threads belong to the process that serves); the load benchmark passes the floor app's.
"""

from __future__ import annotations

from pathlib import Path

from service.api import files
from service.api.rsgi import Limits, WsgiOverRsgi, WsgiApp
from service.cli.front import behind_front
from service.cli.processes import process_app, settle_process
from service.settings import Settings

TARGET = "service.cli.rsgi_server:service_app"


def service_app() -> WsgiOverRsgi:
    """The RSGI app of one granian worker process (granian's factory)."""
    settings = Settings.from_env()
    return wrap(process_app(settings), settings)


def wrap(app: WsgiApp, settings: Settings) -> WsgiOverRsgi:
    """``app`` behind the request limits of ``settings``, its process settled for serving."""
    settle_process()
    limits = Limits(max_body=settings.max_body_bytes, body_seconds=settings.body_seconds,
                    threads=settings.http_threads,
                    bodies=(("PUT", files.ROUTE, settings.upload_max_bytes),))
    return WsgiOverRsgi(app, limits)


class GranianServer:
    """``http_processes`` granian worker processes on ``host:port``, each serving ``target``'s app."""

    def __init__(self, settings: Settings, host: str, port: int, target: str = TARGET) -> None:
        self.settings = settings
        self.host, self.port, self.target = host, port, target

    def run(self) -> None:
        """Serve until SIGINT or SIGTERM: the front on ``host:port``, granian behind it on a private socket."""
        with behind_front(self.host, self.port, self.settings.client_connections, "granian.sock") as upstream:
            self._granian(uds=Path(upstream))

    def _granian(self, uds: Path) -> None:
        from granian.constants import HTTPModes, Interfaces
        from granian.http import HTTP1Settings
        from granian import Granian

        Granian(
            self.target,
            uds=uds,
            interface=Interfaces.RSGI,
            workers=max(1, self.settings.http_processes),
            http=HTTPModes.http1,
            websockets=False,
            http1_settings=HTTP1Settings(header_read_timeout=max(1, int(self.settings.header_seconds * 1000))),
            factory=True,
            log_access=False,
        ).serve()
