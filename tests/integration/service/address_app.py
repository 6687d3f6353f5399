"""For ``test_client_address``: a Flask app that answers the address it sees and logs it, behind either server."""

from __future__ import annotations

import logging

from flask import Flask, request

from service.api.rsgi import WsgiOverRsgi
from service.cli.gthread_server import GunicornServer
from service.cli.rsgi_server import wrap
from service.settings import Settings

log = logging.getLogger("address_app")


def app() -> WsgiOverRsgi:
    """granian's factory (``address_app:app``): the app behind the service's own bridge and limits."""
    return wrap(flask_app(), Settings.from_env())


class Gunicorn(GunicornServer):
    """The service's gunicorn configuration serving this app."""

    def build_app(self) -> Flask:
        return flask_app()


def flask_app() -> Flask:
    """The app: ``/whoami`` answers and logs ``request.remote_addr``."""
    flask_app = Flask("address")

    @flask_app.get("/whoami")
    def whoami() -> dict[str, str | None]:
        log.warning("request from %s", request.remote_addr)
        return {"remote_addr": request.remote_addr}

    return flask_app
