"""``GET /api/workspaces/{id}/logs`` against a real engine: the container's own output, tail and follow."""

from __future__ import annotations

from typing import Any


def _say(docker_client: Any, ws: dict[str, Any], text: str) -> None:
    """Print ``text`` as the container's main process would: into its standard output."""
    container = docker_client.containers.get(ws["container_id"])
    code, out = container.exec_run(["sh", "-c", f"printf '{text}' > /proc/1/fd/1"], user="1000:1000")
    assert code == 0, out


def _logs(api: Any, ws: dict[str, Any], query: str = "", **kw: Any) -> Any:
    return api.get(f"/api/workspaces/{ws['id']}/logs{query}", **kw)


def test_tail_and_all(api: Any, docker_client: Any) -> None:
    ws = api.wait_state(api.create("talks")["id"], {"running"})
    _say(docker_client, ws, "one\\ntwo\\nthree\\n")
    whole = _logs(api, ws)
    assert whole.status_code == 200 and whole.mimetype == "text/plain" and whole.data == b"one\ntwo\nthree\n"
    assert _logs(api, ws, "?tail=2").data == b"two\nthree\n"
    assert _logs(api, ws, "?tail=0&follow=false").data == b""


def test_follow_streams_until_the_container_stops(api: Any, docker_client: Any) -> None:
    ws = api.wait_state(api.create("follows")["id"], {"running"})
    _say(docker_client, ws, "before\\n")
    response = _logs(api, ws, "?follow=true", buffered=False)
    chunks = iter(response.response)
    assert next(chunks) == b"before\n"
    _say(docker_client, ws, "after\\n")  # printed while the answer is open
    assert next(chunks) == b"after\n"
    api.wait_task(api.post(f"/api/workspaces/{ws['id']}/stop").get_json()["task_id"])
    assert list(chunks) == []  # the engine ended the stream with the container
    response.close()


def test_a_quiet_follow_ends_at_the_operators_bound(make_api: Any) -> None:
    api = make_api(logs_follow_seconds=1.0)
    ws = api.wait_state(api.create("quiet")["id"], {"running"})
    response = _logs(api, ws, "?follow=true")
    assert response.status_code == 200 and response.data == b""


def test_refusals(make_api: Any) -> None:
    api = make_api(background=False)
    ws = api.create("no-container-yet")
    assert _logs(api, ws).status_code == 409
    other = api.issue("bob")
    assert _logs(api, ws, headers={"Authorization": f"Bearer {other}"}).status_code == 404
    for query in ("?tail=-1", "?tail=x", "?follow=yes", f"?tail={10**6}"):
        answer = _logs(api, ws, query)
        assert answer.status_code == 422 and answer.content_type == "application/problem+json", query
