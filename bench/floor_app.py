"""The floor under the service's HTTP figures: a Flask app that stores nothing, served exactly like the service.

``bench.service_load`` drives this app with the same ``wrk`` scripts as the service, under the same gunicorn
configuration (``service.cli.GunicornServer``: processes, threads, ``SO_REUSEPORT``, GIL switch interval,
``gc.freeze``). Its routes read what the service's routes read (the bearer token, the JSON body) and answer
a document of the same shape, and do nothing else: no database, no validation, no task. Whatever latency it
shows is what Flask and gunicorn alone cost on the machine at that load, so the service's figure divided by
this one says how much of the latency the service itself adds.

Run: python -m bench.floor_app PORT
"""

from __future__ import annotations

import argparse
import uuid
from typing import Any

from flask import Flask, Response, jsonify, request

from service.cli import GunicornServer
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


def create_floor_app() -> Flask:
    """Flask with the service's two measured routes, each doing no work of its own."""
    app = Flask("floor")
    app.json.sort_keys = False  # type: ignore[attr-defined]

    @app.get("/healthz")
    def healthz() -> Response:
        return jsonify(status="ok")

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


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the floor app on 127.0.0.1:PORT.")
    parser.add_argument("port", type=int, metavar="PORT", help="0 to 65535")
    port = parser.parse_args().port
    if not 0 <= port <= 65535:
        parser.error(f"PORT must be 0 to 65535, not {port}")
    FloorServer(Settings.from_env(), f"127.0.0.1:{port}").run()


if __name__ == "__main__":
    main()
