"""The storage floor: the floor app plus only the storage the service cannot skip, served exactly like it.

``bench.floor_app`` does no work behind its routes, so the service's figure over the floor's says how much
the service adds, but not how much of that any durable service must add. This app answers the same two
routes the same way and also does what a create and a read must do at the least: the create records the
workspace row and its task row through the service's own ``Store`` (group commit, the writer lock, the
connections it keeps) before it answers 201, and the read fetches the row by id and owner. Nothing else: no
token look-up, no validation, no placement, quota, policy row, metrics or activity.

``bench.service_load`` runs it beside the service and the floor. Its POST p99 over the floor's is the part of
the 1.3 target that storage alone takes on the machine, with the storage the service has.

Run: python -m bench.floor_store PORT  (granian; WORKSPACE_SERVICE_DATABASE_URL names the SQLite file)
"""

from __future__ import annotations

import argparse
import time
import uuid
from functools import cache

from flask import Flask, Response, jsonify, request
from sqlalchemy import Connection

from bench.floor_app import bare_app, document
from service.api.rsgi import WsgiOverRsgi
from service.cli.rsgi_server import GranianServer, wrap
from service.store.database import Store
from service.store.rows import driver, one_row
from service.store.tables import workspaces
from service.settings import Settings

OWNER = "bench"
WORKSPACE = ("INSERT INTO workspaces (id, owner, name, image, project_path, cpus, memory_mb, pids, state, desired,"
             " container_id, last_error, restart_count, next_restart_at, created_at, updated_at, keep_volume,"
             " engine) VALUES (?, ?, ?, ?, NULL, 1.0, 512, 256, 'pending', 'running', NULL, NULL, 0, 0.0, ?, ?, 0,"
             " 'default')")
TASK = ("INSERT INTO tasks (id, kind, workspace_id, owner, status, attempts, max_attempts, created_at, run_at)"
        " VALUES (?, 'create', ?, ?, 'queued', 0, 3, ?, ?)")


@cache
def store() -> Store:
    """The process's store, opened on first use (after granian forked the worker)."""
    settings = Settings.from_env()
    return Store(settings.database_url, pool_size=settings.workers + settings.http_threads)


def create_store_app() -> Flask:
    """The floor's two routes, each doing the storage it needs and nothing more."""
    app = bare_app("floor_store")

    @app.post("/api/workspaces")
    def create() -> tuple[Response, int, dict[str, str]]:
        request.headers.get("Authorization")
        name = str(request.get_json(force=True)["name"])
        workspace_id, task_id, now = uuid.uuid4().hex, uuid.uuid4().hex, time.time()

        def record(conn: Connection) -> None:
            cursor = driver(conn).cursor()
            try:
                cursor.execute(WORKSPACE, (workspace_id, OWNER, name, "workspace-base:latest", now, now))
                cursor.execute(TASK, (task_id, workspace_id, OWNER, now, now))
            finally:
                cursor.close()

        store().transact(record)
        answer = {**document(workspace_id, name), "task_id": task_id}
        return jsonify(answer), 201, {"Location": f"/api/workspaces/{workspace_id}"}

    @app.get("/api/workspaces/<workspace_id>")
    def show(workspace_id: str) -> Response:
        request.headers.get("Authorization")
        with store().read() as conn:
            row = one_row(conn, workspaces, workspace_id, OWNER)
        return jsonify(document(workspace_id, "floor" if row is None else str(row["name"])))

    return app


def floor_store_rsgi() -> WsgiOverRsgi:
    """The storage floor behind the service's granian configuration (granian's factory in each worker)."""
    return wrap(create_store_app(), Settings.from_env())


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the storage floor on 127.0.0.1:PORT.")
    parser.add_argument("port", type=int, metavar="PORT", help="0 to 65535")
    args = parser.parse_args()
    if not 0 <= args.port <= 65535:
        parser.error(f"PORT must be 0 to 65535, not {args.port}")
    store().close()  # the tables, made once before the workers fork
    store.cache_clear()
    GranianServer(Settings.from_env(), "127.0.0.1", args.port, "bench.floor_store:floor_store_rsgi").run()


if __name__ == "__main__":
    main()
