"""The floor under the service's HTTP figures: a Flask app that stores nothing, served exactly like the service.

``bench.service_load`` drives this app with the same ``wrk`` scripts as the service, under either of the
service's server configurations (``service.cli.rsgi_server``: granian with the service's request limits;
``service.cli.gthread_server``: gunicorn; the same processes, threads, GIL switch interval, ``gc.freeze``). Its routes read what the service's routes read (the bearer token, the JSON body) and answer
a document of the same shape, and do nothing else: no database, no validation, no task. Whatever latency it
shows is what Flask and gunicorn alone cost on the machine at that load, so the service's figure divided by
this one says how much of the latency the service itself adds.

Run: python -m bench.floor_app [--server granian|gunicorn] PORT
"""

from __future__ import annotations

import argparse
import uuid
from typing import Any

from flask import Flask, Response, jsonify, request

from service.api.rsgi import WsgiOverRsgi
from service.cli.gthread_server import GunicornServer
from service.cli.rsgi_server import GranianServer, wrap
from service.settings import Settings


def document(workspace_id: str, name: str) -> dict[str, Any]:
    """A workspace document of the size and shape ``service.api.render.workspace`` answers."""
    return {
        "id": workspace_id,
        "name": name,
        "image": "workspace-base:latest",
        "project_path": None,
        "resources": {"cpus": 1.0, "memory_mb": 512, "pids": 256},
        "state": "pending",
        "desired_state": "running",
        "container_id": None,
        "last_error": None,
        "operations": ["delete"],
        "created_at": "2026-01-01T00:00:00.000000+00:00",
        "updated_at": "2026-01-01T00:00:00.000000+00:00",
    }


def bare_app(name: str) -> Flask:
    """Flask answering ``/healthz`` (what the benchmark waits for) and rendering JSON as the service does."""
    app = Flask(name)
    app.json.sort_keys = False  # type: ignore[attr-defined]

    @app.get("/healthz")
    def healthz() -> Response:
        return jsonify(status="ok")

    return app


def create_floor_app() -> Flask:
    """Flask with the service's two measured routes, each doing no work of its own."""
    app = bare_app("floor")

    @app.post("/api/workspaces")
    def create() -> tuple[Response, int, dict[str, str]]:
        request.headers.get("Authorization")
        body = request.get_json(force=True)
        workspace_id = uuid.uuid4().hex
        answer = {**document(workspace_id, str(body["name"])), "task_id": uuid.uuid4().hex}
        return jsonify(answer), 201, {"Location": f"/api/workspaces/{workspace_id}"}

    @app.get("/api/workspaces/<workspace_id>")
    def show(workspace_id: str) -> Response:
        request.headers.get("Authorization")
        return jsonify(document(workspace_id, "floor"))

    return app


class FloorServer(GunicornServer):
    """The service's gunicorn configuration, serving the floor app instead of the service."""

    def build_app(self) -> Flask:
        return create_floor_app()


def floor_rsgi() -> WsgiOverRsgi:
    """The floor app behind the service's granian configuration (granian's factory in each worker)."""
    return wrap(create_floor_app(), Settings.from_env())


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the floor app on 127.0.0.1:PORT.")
    parser.add_argument("--server", choices=("granian", "gunicorn"), default="granian")
    parser.add_argument("port", type=int, metavar="PORT", help="0 to 65535")
    args = parser.parse_args()
    if not 0 <= args.port <= 65535:
        parser.error(f"PORT must be 0 to 65535, not {args.port}")
    if args.server == "gunicorn":
        FloorServer(Settings.from_env(), f"127.0.0.1:{args.port}").run()
    else:
        GranianServer(Settings.from_env(), "127.0.0.1", args.port, "bench.floor_app:floor_rsgi").run()


if __name__ == "__main__":
    main()
