"""Reading a request: the owner from the token, the JSON body checked against its schema, ids and queries."""

from __future__ import annotations

import json
from typing import Any

from flask import request
from werkzeug.routing import BaseConverter

from service.api.auth import bearer
from service.api.context import current
from service.api.problems import Problem

CHALLENGE = {"WWW-Authenticate": 'Bearer realm="workspace-service"'}


def owner() -> str:
    """The owner named by the request's bearer token, or a 401 problem."""
    token = bearer(request.headers.get("Authorization"))
    if token is None:
        raise Problem(401, "missing bearer token: send 'Authorization: Bearer <token>'", CHALLENGE)
    found = current().tokens.owner(token)
    if found is None:
        raise Problem(401, "the bearer token is not valid", CHALLENGE)
    return found


def body(schema: str) -> dict[str, Any]:
    """The JSON object body, valid against request schema ``schema``, or a 400/422 problem."""
    raw = request.get_data(cache=True)
    if not raw:
        raise Problem(400, "the request needs a JSON object body")
    try:
        document = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Problem(400, f"the body is not valid JSON: {exc}") from exc
    errors = current().schemas.errors(schema, document)
    if errors:
        raise Problem(422, "the body does not match the " + schema + " schema", errors=errors)
    assert isinstance(document, dict)
    return document


class IdConverter(BaseConverter):
    """``<id:...>`` in routes: a malformed id matches no route, so it is a 404 like any unknown id,
    and a fixed path such as ``/api/workspaces/batch`` is never mistaken for an id."""

    regex = "[0-9a-f]{32}"


def int_query(name: str, default: int, minimum: int, maximum: int | None) -> int:
    """An integer query parameter within bounds, or a 422 problem."""
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise Problem(422, f"query parameter {name} must be an integer", errors=[{"path": name, "message": raw}])
    if value < minimum or (maximum is not None and value > maximum):
        bound = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
        raise Problem(422, f"query parameter {name} must be {bound}", errors=[{"path": name, "message": raw}])
    return value
