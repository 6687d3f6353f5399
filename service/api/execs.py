"""``POST /api/workspaces/{id}/exec``: run a command in a workspace and answer how it ended, or stream it.

The plain form answers once the command has ended (``ExecResult``). ``?stream=true`` answers
``text/event-stream`` at once: ``stdout`` and ``stderr`` events as output arrives (each event's data is the
text as a JSON string, so newlines and any character survive the event format), then one ``exit`` event
whose data is the ``ExecResult``; if reading the output fails midway, an ``error`` event with the reason
ends the stream instead. A client that goes away has its command killed (the response's close kills it);
a silent command's stream carries a comment every ``exec_heartbeat_seconds``, so that is noticed in that time.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict

from flask import Blueprint, Response, jsonify

from service.api import inputs
from service.api.context import current
from service.domain.errors import Unavailable
from service.domain.execs import ExecFailed, ExecResult, OutputText, RunningExec

blueprint = Blueprint("execs", __name__, url_prefix="/api/workspaces")
EVENT_STREAM = "text/event-stream"


@blueprint.post("/<id:workspace_id>/exec")
def run(workspace_id: str) -> Response:
    """Run the command of the ``ExecRequest`` body as the workspace user."""
    owner = inputs.owner()
    body = inputs.body("ExecRequest")
    stream = inputs.bool_query("stream", False)
    running = current().execs.start(owner, workspace_id, body["cmd"], body.get("cwd"), body.get("env"),
                                    body.get("timeout_s"), body.get("stdin"))
    if not stream:
        try:
            result = running.result()
        except ExecFailed as exc:
            raise Unavailable(str(exc)) from exc
        finally:
            running.close()
        return jsonify(asdict(result))
    beat = current().settings.exec_heartbeat_seconds
    response = Response(_events(running, beat), mimetype=EVENT_STREAM, headers={"Cache-Control": "no-store"})
    response.call_on_close(running.close)
    return response


def _events(running: RunningExec, heartbeat: float) -> Iterator[str]:
    try:
        for event in running.events(heartbeat):
            if event is None:
                yield ": still running\n\n"  # an event-stream comment: clients skip it
            elif isinstance(event, OutputText):
                yield f"event: {event.stream}\ndata: {json.dumps(event.text)}\n\n"
            elif isinstance(event, ExecResult):
                yield f"event: exit\ndata: {json.dumps(asdict(event))}\n\n"
    except ExecFailed as exc:
        yield "event: error\ndata: " + " ".join(str(exc).split()) + "\n\n"
    finally:
        running.close()
