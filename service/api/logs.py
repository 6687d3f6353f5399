"""``GET /api/workspaces/{id}/logs?tail=N&follow=true|false``: the container's output as ``text/plain``,
streamed as it is read (``follow``: also what it prints next, until it stops, the client leaves, or the
operator's ``logs_follow_seconds``)."""

from __future__ import annotations

from flask import Blueprint, Response, request

from service.api import inputs
from service.api.context import current
from service.domain.logs import MAX_TAIL

blueprint = Blueprint("logs", __name__, url_prefix="/api/workspaces")


@blueprint.get("/<id:workspace_id>/logs")
def read(workspace_id: str) -> Response:
    """The container's output, all of it or the last ``tail`` lines."""
    owner = inputs.owner()
    tail = inputs.int_query("tail", 0, 0, MAX_TAIL) if "tail" in request.args else None
    follow = inputs.bool_query("follow", False)
    stream = current().logs.read(owner, workspace_id, tail, follow)
    response = Response(iter(stream), mimetype="text/plain", headers={"Cache-Control": "no-store"})
    response.call_on_close(stream.close)
    return response
