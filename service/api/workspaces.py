"""``/api/workspaces``: the owner's workspaces, their lifecycle operations and live status."""

from __future__ import annotations

import time

from flask import Blueprint, Response, g, jsonify, request

from service.api import inputs, render
from service.api.context import current
from service.api.problems import Problem, clip
from service.api.schemas import MAX_OFFSET, NAME_RE
from service.domain.status import workspace_status
from service.model import Operation, State

blueprint = Blueprint("workspaces", __name__, url_prefix="/api/workspaces")


def _check_name(name: str) -> None:
    """JSON Schema's ``$`` also matches before a final newline; a DNS label must match exactly."""
    if not NAME_RE.fullmatch(name):
        raise Problem(422, "name must be a DNS label", errors=[{"path": "/name", "message": clip(repr(name))}])


@blueprint.post("")
def create() -> tuple[Response, int, dict[str, str]]:
    """Record a workspace and queue its creation; 201 at once, the container comes up in the background."""
    owner = inputs.owner()
    body = inputs.body("WorkspaceCreate")
    _check_name(body["name"])
    ws, task = current().workspaces.create(
        owner, body["name"], body.get("project_path"), body.get("image"), body.get("resources"),
        body.get("env"), body.get("secrets"), body.get("idle_timeout_s"), body.get("ttl_s"), body.get("engine_labels"),
    )
    return jsonify(render.accepted(ws, task)), 201, {"Location": f"/api/workspaces/{ws.id}"}


@blueprint.get("")
def index() -> Response:
    """A page of the owner's workspaces, optionally only those in one state."""
    owner = inputs.owner()
    ctx = current()
    state_arg = request.args.get("state")
    if state_arg is not None and state_arg not in {s.value for s in State}:
        shown = clip(state_arg)
        raise Problem(422, f"unknown state {shown!r}", errors=[{"path": "state", "message": shown}])
    limit = inputs.int_query("limit", 50, 1, ctx.settings.max_page)
    offset = inputs.int_query("offset", 0, 0, MAX_OFFSET)
    items, total = ctx.workspaces.page(owner, State(state_arg) if state_arg else None, limit, offset)
    next_offset = offset + limit if offset + limit < total else None
    return jsonify(
        items=[render.workspace(ws) for ws in items], total=total, limit=limit, offset=offset, next_offset=next_offset
    )


@blueprint.get("/<id:workspace_id>")
def show(workspace_id: str) -> Response:
    """One workspace."""
    owner = inputs.owner()
    ws = current().workspaces.get(owner, workspace_id)
    return jsonify(render.workspace(ws))


@blueprint.patch("/<id:workspace_id>")
def update(workspace_id: str) -> Response | tuple[Response, int]:
    """Rename and/or resize: 200 with the workspace, or 202 with the ``resize`` task when resources changed."""
    owner = inputs.owner()
    body = inputs.body("WorkspacePatch")
    if "name" in body:
        _check_name(body["name"])
    ws, task = current().workspaces.update(owner, workspace_id, body.get("name"), body.get("resources"))
    if task is None:
        return jsonify(render.workspace(ws))
    return jsonify(render.accepted(ws, task)), 202


@blueprint.delete("/<id:workspace_id>")
def delete(workspace_id: str) -> tuple[Response, int]:
    """Queue the workspace's deletion: its container, and its home volume unless ``?keep_volume=true``, are
    removed in the background."""
    owner = inputs.owner()
    keep = inputs.bool_query("keep_volume", False)
    ws, task = current().workspaces.operate(owner, workspace_id, Operation.DELETE, keep_volume=keep)
    return jsonify(render.accepted(ws, task)), 202


@blueprint.post("/<id:workspace_id>/<any(start, stop, restart):operation>")
def operate(workspace_id: str, operation: str) -> tuple[Response, int]:
    """Queue a start, stop or restart; 409 says why when the current state does not allow it."""
    return _operate(workspace_id, Operation(operation))


def _operate(workspace_id: str, operation: Operation) -> tuple[Response, int]:
    owner = inputs.owner()
    ws, task = current().workspaces.operate(owner, workspace_id, operation)
    return jsonify(render.accepted(ws, task)), 202


@blueprint.get("/<id:workspace_id>/status")
def status(workspace_id: str) -> Response:
    """The workspace with its container's live state, uptime, CPU and memory, and last error."""
    owner = inputs.owner()
    ctx = current()
    ws = ctx.workspaces.get(owner, workspace_id)
    document = render.status(workspace_status(ws, ctx.engines, time.time()))
    document["policy"] = render.policy(ctx.workspaces.policy_of(owner, workspace_id), ws, ctx.settings)
    return jsonify(document)


@blueprint.before_app_request
def begin_activity() -> None:
    """A call on one of the owner's workspaces (these and the exec, files and logs calls) is activity on it from
    its start to the end of its answer (see ``domain.policy.Activity``); the token is checked here first, with the
    401 the call itself would answer."""
    workspace_id = (request.view_args or {}).get("workspace_id")
    if workspace_id is None or not request.path.startswith("/api/workspaces/"):
        return
    g.workspace_activity = current().workspaces.activity.begin(workspace_id, inputs.owner())


@blueprint.after_app_request
def end_activity(response: Response) -> Response:
    """The call ends when its answer has been sent (a streamed exec or log: at its end)."""
    begun = g.pop("workspace_activity", None)
    if begun is not None:
        activity = current().workspaces.activity
        response.call_on_close(lambda: activity.end(begun))
    return response
