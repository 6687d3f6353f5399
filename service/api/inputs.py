"""Reading a request: the owner from the token, the JSON body checked against its schema, ids and queries."""

from __future__ import annotations

import json
import math
from typing import Any

from flask import g, request
from werkzeug.routing import BaseConverter

from service.api.auth import bearer
from service.api.context import current
from service.api.problems import Problem, clip

JSON = "application/json"
MAX_DEPTH = 32  # the request schemas need 3; a deep document only costs the parser and the validator
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="workspace-service"'}


def owner() -> str:
    """The owner named by the request's bearer token, or a 401 problem.

    Looked up once per request: a call on a workspace asks before its view does (``begin_activity``), and a
    token revoked between the two asks must not make one request two owners' (or half a 401)."""
    known: str | None = g.get("owner")
    if known is not None:
        return known
    token = bearer(request.headers.get("Authorization"))
    if token is None:
        raise Problem(401, "missing bearer token: send 'Authorization: Bearer <token>'", CHALLENGE)
    found = current().tokens.owner(token)
    if found is None:
        raise Problem(401, "the bearer token is not valid", CHALLENGE)
    g.owner = found
    return found


def body(schema: str) -> dict[str, Any]:
    """The JSON object body, valid against request schema ``schema``, or a 400/413/415/422 problem.

    Only ``application/json`` is read (a form or plain text is not silently taken for JSON); the app's
    ``MAX_CONTENT_LENGTH`` makes Werkzeug refuse a larger body with 413 before reading it; nesting deeper
    than ``MAX_DEPTH`` is 400, and ``NaN``/``Infinity`` (which Python's parser accepts) are 422."""
    if request.mimetype != JSON:
        shown = clip(request.mimetype or "none")
        raise Problem(415, f"the body must be {JSON} (got {shown})", {"Accept-Post": JSON})
    raw = request.get_data(cache=True)
    if not raw:
        raise Problem(400, "the request needs a JSON object body")
    try:
        document = json.loads(raw, parse_constant=_no_constant, parse_float=_finite_float)
    except NotANumber as exc:
        raise Problem(422, str(exc)) from exc
    except RecursionError as exc:
        raise Problem(400, f"the body nests deeper than {MAX_DEPTH} levels") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise Problem(400, f"the body is not valid JSON: {clip(str(exc))}") from exc
    if _depth_over(document, MAX_DEPTH):
        raise Problem(400, f"the body nests deeper than {MAX_DEPTH} levels")
    errors = current().schemas.errors(schema, document)
    if errors:
        raise Problem(422, "the body does not match the " + schema + " schema", errors=errors)
    assert isinstance(document, dict)
    return document


class NotANumber(ValueError):
    """A JSON number that is no finite number (``NaN``, ``Infinity``, or a literal beyond a double's range)."""


def _no_constant(name: str) -> float:
    raise NotANumber(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise NotANumber(f"the number {clip(text)} is beyond a finite double")
    return value


def _depth_over(document: object, limit: int) -> bool:
    """Whether arrays and objects nest deeper than ``limit`` (iterative: a deep document must not recurse)."""
    stack: list[tuple[object, int]] = [(document, 1)]
    while stack:
        value, depth = stack.pop()
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else None
        if children is None:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


class IdConverter(BaseConverter):
    """``<id:...>`` in routes: a malformed id matches no route, so it is a 404 like any unknown id,
    and a fixed path such as ``/api/workspaces/batch`` is never mistaken for an id."""

    regex = "[0-9a-f]{32}"


def int_query(name: str, default: int, minimum: int, maximum: int) -> int:
    """An integer query parameter within bounds (the store's integers are 64-bit: an unbounded one overflows
    the driver), or a 422 problem."""
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw) if len(raw) <= 32 else int("x")
    except ValueError:
        raise Problem(422, f"query parameter {name} must be an integer", errors=[{"path": name, "message": clip(raw)}])
    if value < minimum or value > maximum:
        bound = f"between {minimum} and {maximum}"
        raise Problem(422, f"query parameter {name} must be {bound}", errors=[{"path": name, "message": clip(raw)}])
    return value


def bool_query(name: str, default: bool) -> bool:
    """A ``true``/``false`` query parameter, or a 422 problem (``yes``, ``1`` or a typo is not silently false)."""
    raw = request.args.get(name)
    if raw is None:
        return default
    if raw not in ("true", "false"):
        raise Problem(422, f"query parameter {name} must be true or false", errors=[{"path": name, "message": clip(raw)}])
    return raw == "true"
