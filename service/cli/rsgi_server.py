"""granian serving the app through ``api.rsgi`` (the default, ``WORKSPACE_SERVICE_HTTP_SERVER=granian``).

granian reads requests on a Rust event loop: headers within ``header_seconds`` (hyper's header read
timeout), then ``api.rsgi`` awaits the body within ``body_seconds`` and ``max_body_bytes`` and bounds each
client address to ``client_requests`` requests in progress, before one of ``http_threads`` WSGI threads
runs the request. Chosen over gunicorn's gthread on ``bench/service_load.py``: the floor app served this
way answered about three times the requests gunicorn did on the same machine in the same run, and slow
clients hold no thread.

``target`` names a factory granian calls in each worker process after it forks (so the service's background
threads belong to the process that serves); the load benchmark passes the floor app's.
"""

from __future__ import annotations

from service.api import files
from service.api.rsgi import Limits, WsgiOverRsgi, WsgiApp
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
                    per_client=settings.client_requests, threads=settings.http_threads,
                    bodies=(("PUT", files.ROUTE, settings.upload_max_bytes),))
    return WsgiOverRsgi(app, limits)


class GranianServer:
    """``http_processes`` granian worker processes on ``host:port``, each serving ``target``'s app."""

    def __init__(self, settings: Settings, host: str, port: int, target: str = TARGET) -> None:
        self.settings = settings
        self.host, self.port, self.target = host, port, target

    def run(self) -> None:
        """Serve until SIGINT or SIGTERM."""
        from granian.constants import HTTPModes, Interfaces
        from granian.http import HTTP1Settings
        from granian import Granian

        Granian(
            self.target,
            address=self.host,
            port=self.port,
            interface=Interfaces.RSGI,
            workers=max(1, self.settings.http_processes),
            http=HTTPModes.http1,
            websockets=False,
            http1_settings=HTTP1Settings(header_read_timeout=max(1, int(self.settings.header_seconds * 1000))),
            factory=True,
            log_access=False,
        ).serve()
