"""Operational endpoints: liveness, readiness (store and Docker), Prometheus metrics, the OpenAPI document."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from service.api.context import current
from service.api.openapi import document
from service.api.problems import problem_response
from service.metrics import gauge_lines
from service.runtime import RuntimeFailure
from service.store import tasks as task_rows
from service.store import workspaces as workspace_rows

blueprint = Blueprint("ops", __name__)


@blueprint.get("/healthz")
def healthz() -> Response:
    """The process answers HTTP."""
    return jsonify(status="ok")


@blueprint.get("/readyz")
def readyz() -> tuple[Response, int]:
    """Ready when the store and at least one Docker engine answer; 503 says which does not. An engine down beside
    others that answer is reported (``degraded: ...``) without making the instance unready: its workspaces wait,
    the others are served."""
    ctx = current()
    checks: dict[str, str] = {}
    try:
        ctx.store.ping()
        checks["store"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any store failure means not ready, reported as text
        checks["store"] = f"failing: {exc}"
    down: list[str] = []
    for name, runtime in ctx.engines.items():
        try:
            runtime.ping()
            ctx.engines.health.answered(name)
        except RuntimeFailure as exc:
            ctx.engines.health.failed(name, str(exc))
            down.append(str(exc) if len(ctx.engines.names()) == 1 else f"engine {name}: {exc}")
    if not down:
        checks["docker"] = "ok"
    else:
        checks["docker"] = ("failing: " if len(down) == len(ctx.engines.names()) else "degraded: ") + "; ".join(down)
    failing = [f"{name} {state}" for name, state in checks.items() if state.startswith("failing")]
    if failing:
        return problem_response(503, "not ready: " + "; ".join(failing), {"Retry-After": "5"}, {"checks": checks}), 503
    return jsonify(status="ready", checks=checks), 200


@blueprint.get("/metrics")
def metrics() -> Response:
    """Prometheus text exposition."""
    ctx = current()
    with ctx.store.read() as conn:
        by_state = workspace_rows.count_by_state(conn)
        by_status = task_rows.count_by_status(conn)
        by_engine = workspace_rows.count_by_engine(conn)
    placed = {name: by_engine.get(name, 0) for name in ctx.engines.names()}  # bounded: the configured names
    gauges = gauge_lines("workspace_workspaces", "Workspaces by state.", "state", by_state)
    gauges += gauge_lines("workspace_engine_workspaces", "Workspaces placed on each engine (not deleted).", "engine",
                          placed)
    gauges += gauge_lines("workspace_tasks", "Tasks by status.", "status", by_status)
    return Response(ctx.metrics.render(gauges), mimetype="text/plain", content_type="text/plain; version=0.0.4")


@blueprint.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI 3.1 description of this API."""
    return jsonify(document(current().schemas))
