"""``/api/workspaces/batch`` and ``/api/tasks``: many operations at once, and any single task."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from service.api import inputs, render
from service.api.context import current
from service.model import Operation

blueprint = Blueprint("batches", __name__)


@blueprint.post("/api/workspaces/batch")
def submit() -> tuple[Response, int, dict[str, str]]:
    """Queue one operation over up to ``max_batch`` workspaces; 202 with the batch id and its status URL."""
    owner = inputs.owner()
    body = inputs.body("BatchCreate")
    batch, queued = current().batches.submit(owner, Operation(body["operation"]), list(body["workspace_ids"]),
                                             body.get("engine"))
    status_url = f"/api/workspaces/batch/{batch.id}/status"
    document = {
        "batch_id": batch.id,
        "operation": batch.operation.value,
        "status_url": status_url,
        "task_ids": [t.id for t in queued],
    }
    return jsonify(document), 202, {"Location": status_url}


@blueprint.get("/api/workspaces/batch/<id:batch_id>/status")
def progress(batch_id: str) -> Response:
    """Per-workspace progress and outcome of a batch."""
    owner = inputs.owner()
    return jsonify(render.batch(current().batches.progress(owner, batch_id)))


@blueprint.get("/api/tasks/<id:task_id>")
def task(task_id: str) -> Response:
    """Any one of the owner's tasks."""
    owner = inputs.owner()
    return jsonify(render.task(current().workspaces.task(owner, task_id)))
