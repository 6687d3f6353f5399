"""Errors as RFC 9457 ``application/problem+json`` documents, for every failure the API can answer.

One handler per family: domain rule violations, our own HTTP problems, Werkzeug's HTTP errors (404 for an
unknown route, 405, ...), and anything unexpected (a 500 that says nothing about internals).
"""

from __future__ import annotations

import logging

from flask import Flask, Response, json, request
from werkzeug.exceptions import HTTPException

from service.domain.errors import Conflict, DomainError, Invalid, NotFound, TooMany, Unavailable

log = logging.getLogger(__name__)
MEDIA_TYPE = "application/problem+json"
_STATUS = {NotFound: 404, Conflict: 409, Invalid: 422, TooMany: 429, Unavailable: 503}
_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    408: "Request Timeout",
    409: "Conflict",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


SHOWN = 80  # characters of an offending value an error document repeats


def clip(text: str, limit: int = SHOWN) -> str:
    """At most ``limit`` characters of ``text``: an error document names the offending value without echoing
    a 10 MB one back."""
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} characters)"


class Problem(Exception):
    """An HTTP-level refusal (bad JSON, failed validation, bad token) raised from a handler."""

    def __init__(self, status: int, detail: str, headers: dict[str, str] | None = None, **extensions: object) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = headers or {}
        self.extensions = extensions


def problem_document(status: int, detail: str, instance: str) -> dict[str, object]:
    """The RFC 9457 document for ``status``; the server front (``api.rsgi``) answers the same shape."""
    title = _TITLES.get(status, "Error")
    return {
        "type": f"urn:workspace-service:problem:{title.lower().replace(' ', '-')}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
    }


def problem_response(
    status: int, detail: str, headers: dict[str, str] | None = None, extensions: dict[str, object] | None = None
) -> Response:
    """Build a problem document response."""
    body = problem_document(status, detail, request.path)
    body.update(extensions or {})
    response = Response(json.dumps(body), status=status, mimetype=MEDIA_TYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def register(app: Flask) -> None:
    """Install the error handlers on ``app``."""

    @app.errorhandler(DomainError)
    def _domain(exc: DomainError) -> Response:
        return problem_response(_STATUS.get(type(exc), 400), exc.detail, extensions=dict(exc.extensions))

    @app.errorhandler(Problem)
    def _problem(exc: Problem) -> Response:
        return problem_response(exc.status, exc.detail, exc.headers, dict(exc.extensions))

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        code = exc.code or 500
        headers = {}
        if code == 405 and exc.valid_methods:  # type: ignore[attr-defined]
            headers["Allow"] = ", ".join(exc.valid_methods)  # type: ignore[attr-defined]
        if code == 413:  # the body was not read: the connection cannot carry another request
            headers["Connection"] = "close"
        return problem_response(code, exc.description or _TITLES.get(code, "Error"), headers)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("unhandled error on %s %s from %s", request.method, request.path, request.remote_addr or "?")
        return problem_response(500, "the server failed to handle this request; it has been logged")
