"""``PUT`` and ``GET /api/workspaces/{id}/files?path=REL``: files in and out of a workspace's home.

``PUT`` with ``application/octet-stream`` writes one file (201 ``FileWritten``); with ``application/x-tar``
extracts the archive into the folder ``REL`` (201 ``FolderWritten``). ``GET`` answers a file as
``application/octet-stream`` and a folder as ``application/x-tar`` (its entries under the folder's name),
both streamed as the engine reads them. The body of a ``PUT`` may be up to ``upload_max_bytes``: this route
lifts the service's JSON body limit for itself only (here for Flask, in ``rsgi`` for the server front).
"""

from __future__ import annotations

from collections.abc import Iterator

from flask import Blueprint, Response, jsonify, request

from service.api import inputs
from service.api.context import current
from service.api.problems import Problem, clip
from service.domain.errors import Unavailable
from service.domain.files import Download

blueprint = Blueprint("files", __name__, url_prefix="/api/workspaces")
OCTETS = "application/octet-stream"
TAR = "application/x-tar"
ROUTE = r"/api/workspaces/[0-9a-f]{32}/files"  # for the server front's per-route body limit


def _path() -> str:
    raw = request.args.get("path")
    if raw is None:
        raise Problem(422, "query parameter path is required (relative to /workspace; '.' is the home itself)",
                      errors=[{"path": "path", "message": "missing"}])
    return raw


@blueprint.put("/<id:workspace_id>/files")
def upload(workspace_id: str) -> tuple[Response, int]:
    """Write a file, or extract a tar into a folder."""
    owner = inputs.owner()
    path = _path()
    kind = request.mimetype
    if kind not in (OCTETS, TAR):
        raise Problem(415, f"the body must be {OCTETS} (one file) or {TAR} (a folder), got {clip(kind or 'none')}",
                      {"Accept-Put": f"{OCTETS}, {TAR}"})
    ctx = current()
    request.max_content_length = ctx.settings.upload_max_bytes
    data = request.get_data()
    files = ctx.files
    written = files.write_file(owner, workspace_id, path, data) if kind == OCTETS else \
        files.write_tar(owner, workspace_id, path, data)
    if kind == OCTETS:
        return jsonify(path=written.path, size=written.size), 201
    return jsonify(path=written.path, size=written.size, entries=written.entries), 201


@blueprint.get("/<id:workspace_id>/files")
def download(workspace_id: str) -> Response:
    """A file's bytes or a folder's tar."""
    owner = inputs.owner()
    found = current().files.read(owner, workspace_id, _path())
    response = Response(_sent(found), mimetype=TAR if found.is_folder else OCTETS)
    response.call_on_close(found.close)
    return response


def _sent(found: Download) -> Iterator[bytes]:
    try:
        yield from found.chunks
    except Unavailable:
        return  # the answer has begun: the connection ends early, and the client sees a short body
