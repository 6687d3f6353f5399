"""A granian factory for ``test_client_address``: a Flask app that answers the address it sees and logs it."""

from __future__ import annotations

import logging

from flask import Flask, request

from service.api.rsgi import WsgiOverRsgi
from service.cli.rsgi_server import wrap
from service.settings import Settings

log = logging.getLogger("address_app")


def app() -> WsgiOverRsgi:
    """granian's factory (``address_app:app``): the app behind the service's own bridge and limits."""
    flask_app = Flask("address")

    @flask_app.get("/whoami")
    def whoami() -> dict[str, str | None]:
        log.warning("request from %s", request.remote_addr)
        return {"remote_addr": request.remote_addr}

    return wrap(flask_app, Settings.from_env())
