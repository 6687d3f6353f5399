"""``POST /api/workspaces/{id}/exec`` against a real engine: what ran, as whom, where, and what came back."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture
def running(api: Any) -> dict[str, Any]:
    return dict(api.wait_state(api.create("exec-here")["id"], {"running"}))


def _exec(api: Any, ws: dict[str, Any], **body: Any) -> Any:
    return api.post(f"/api/workspaces/{ws['id']}/exec", json=body)


def _ps(docker_client: Any, ws: dict[str, Any]) -> str:
    return str(docker_client.containers.get(ws["container_id"]).exec_run(["ps", "-o", "args"]).output.decode())


def _events(response: Any) -> Iterator[tuple[str, str]]:
    """(event, data) pairs of a text/event-stream answer, read as the app yields them."""
    buffer = ""
    for chunk in response.response:
        buffer += chunk.decode() if isinstance(chunk, bytes) else chunk
        while "\n\n" in buffer:
            block, buffer = buffer.split("\n\n", 1)
            if block.startswith(":"):
                continue  # a comment: the heartbeat of a silent command
            fields = dict(line.split(": ", 1) for line in block.splitlines())
            yield fields["event"], fields["data"]


def test_exit_code_and_both_outputs(api: Any, running: dict[str, Any]) -> None:
    answer = _exec(api, running, cmd=["sh", "-c", "echo out; echo err >&2; exit 3"])
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert {k: body[k] for k in body if k != "duration_s"} == {
        "exit_code": 3, "stdout": "out\n", "stderr": "err\n", "stdout_truncated": False,
        "stderr_truncated": False, "timed_out": False}
    assert 0 < body["duration_s"] < 60


def test_runs_as_the_workspace_user_in_cwd_with_env_and_stdin(api: Any, running: dict[str, Any]) -> None:
    api.post(f"/api/workspaces/{running['id']}/exec", json={"cmd": ["mkdir", "-p", "sub/dir"]})
    script = 'id -u; pwd; printf "%s|" "$GREETING"; cat'
    body = _exec(api, running, cmd=["sh", "-c", script], cwd="sub/dir", env={"GREETING": "hi there"},
                 stdin="line one\nline 'two' $HOME \\n\n").get_json()
    assert body["stdout"] == "1000\n/workspace/sub/dir\nhi there|line one\nline 'two' $HOME \\n\n"
    again = _exec(api, running, cmd=["pwd"], cwd="/workspace/sub").get_json()
    assert again["stdout"] == "/workspace/sub\n"
    env = _exec(api, running, cmd=["env"]).get_json()["stdout"]
    assert "WORKSPACE_STDIN" not in env and "GREETING" not in env


def test_missing_program_and_missing_cwd_are_the_shells_answers(api: Any, running: dict[str, Any]) -> None:
    missing = _exec(api, running, cmd=["no-such-program"]).get_json()
    assert missing["exit_code"] == 127 and "no-such-program: not found" in missing["stderr"]
    nowhere = _exec(api, running, cmd=["true"], cwd="absent").get_json()
    assert nowhere["exit_code"] != 0 and "can't cd to /workspace/absent" in nowhere["stderr"]


def test_output_is_bounded_and_flagged(make_api: Any) -> None:
    api = make_api(exec_output_bytes=1000)
    ws = api.wait_state(api.create("chatty")["id"], {"running"})
    body = _exec(api, ws, cmd=["sh", "-c", "yes | head -c 5000; echo short >&2"]).get_json()
    assert len(body["stdout"]) == 1000 and body["stdout_truncated"] is True
    assert body["stderr"] == "short\n" and body["stderr_truncated"] is False
    assert body["exit_code"] == 0


def test_timeout_kills_the_whole_process_group(api: Any, running: dict[str, Any], docker_client: Any) -> None:
    body = _exec(api, running, cmd=["sh", "-c", "sleep 301 & sleep 302; echo never"], timeout_s=1).get_json()
    assert body["timed_out"] is True and body["exit_code"] is None and body["stdout"] == ""
    assert 1 <= body["duration_s"]
    left = _ps(docker_client, running)
    assert "sleep 301" not in left and "sleep 302" not in left, left


def test_stream_delivers_output_while_the_command_runs(api: Any, running: dict[str, Any], docker_client: Any) -> None:
    script = "echo first; while [ ! -e go ]; do sleep 0.05; done; echo second >&2; exit 4"
    response = api.post(f"/api/workspaces/{running['id']}/exec?stream=true", json={"cmd": ["sh", "-c", script]},
                        buffered=False)
    assert response.status_code == 200 and response.mimetype == "text/event-stream"
    events = _events(response)
    assert next(events) == ("stdout", json.dumps("first\n"))
    # the command is still waiting for its signal to go on: the event came while it ran
    assert "while [ ! -e go ]" in _ps(docker_client, running)
    docker_client.containers.get(running["container_id"]).exec_run(["touch", "/workspace/go"], user="1000:1000")
    rest = list(events)
    assert rest[0] == ("stderr", json.dumps("second\n"))
    name, data = rest[-1]
    result = json.loads(data)
    assert name == "exit" and result["exit_code"] == 4 and result["stdout"] == "first\n"
    response.close()


def test_a_silent_stream_carries_heartbeats(make_api: Any) -> None:
    api = make_api(exec_heartbeat_seconds=0.2)
    ws = api.wait_state(api.create("silent")["id"], {"running"})
    response = api.post(f"/api/workspaces/{ws['id']}/exec?stream=true", json={"cmd": ["sleep", "1"]}, buffered=False)
    blocks = "".join(c.decode() if isinstance(c, bytes) else c for c in response.response).split("\n\n")
    assert ": still running" in blocks and blocks[-2].startswith("event: exit")
    response.close()


def test_a_client_that_goes_away_has_its_command_killed(api: Any, running: dict[str, Any], docker_client: Any) -> None:
    response = api.post(f"/api/workspaces/{running['id']}/exec?stream=true",
                        json={"cmd": ["sh", "-c", "echo up; sleep 303"]}, buffered=False)
    assert next(_events(response))[0] == "stdout"
    response.close()
    assert "sleep 303" not in _ps(docker_client, running)


def test_concurrent_execs_are_bounded(make_api: Any, docker_client: Any) -> None:
    api = make_api(exec_concurrency=1)
    ws = api.wait_state(api.create("one-at-a-time")["id"], {"running"})
    first = api.post(f"/api/workspaces/{ws['id']}/exec?stream=true",
                     json={"cmd": ["sh", "-c", "echo busy; while [ ! -e done ]; do sleep 0.05; done"]}, buffered=False)
    events = _events(first)
    assert next(events)[0] == "stdout"
    refused = _exec(api, ws, cmd=["true"])
    assert refused.status_code == 429 and refused.content_type == "application/problem+json"
    assert refused.get_json()["limit"] == 1 and "exec_concurrency" in refused.get_json()["detail"]
    docker_client.containers.get(ws["container_id"]).exec_run(["touch", "/workspace/done"], user="1000:1000")
    assert list(events)[-1][0] == "exit"
    first.close()
    assert _exec(api, ws, cmd=["true"]).get_json()["exit_code"] == 0


def test_refusals(api: Any, running: dict[str, Any]) -> None:
    other = api.issue("bob")
    cases = [
        (running["id"], {"cmd": []}, 422, "cmd"),
        (running["id"], {"cmd": ["true"], "cwd": "../etc"}, 422, "'..'"),
        (running["id"], {"cmd": ["true"], "cwd": "/etc"}, 422, "relative"),
        (running["id"], {"cmd": ["true"], "env": {"WORKSPACE_EXEC": "x"}}, 422, "WORKSPACE_EXEC"),
        (running["id"], {"cmd": ["true"], "env": {"1BAD": "x"}}, 422, "schema"),
        (running["id"], {"cmd": ["a\x00b"]}, 422, "NUL"),
        (running["id"], {"cmd": ["true"], "timeout_s": 0}, 422, "schema"),
        (running["id"], {"cmd": ["true"], "timeout_s": 601}, 422, "schema"),
        (running["id"], {"cmd": ["true"], "stdin": "é" * 16390}, 422, "32780 bytes"),
        (running["id"], {"cmd": ["true"], "extra": 1}, 422, "schema"),
    ]
    for wid, body, status, words in cases:
        answer = api.post(f"/api/workspaces/{wid}/exec", data=json.dumps(body, ensure_ascii=False).encode(),
                          content_type="application/json")
        assert answer.status_code == status and answer.content_type == "application/problem+json", (body, answer.json)
        assert words in json.dumps(answer.get_json()), (body, answer.get_json())
    assert api.post(f"/api/workspaces/{running['id']}/exec", json={"cmd": ["true"]},
                    headers={"Authorization": f"Bearer {other}"}).status_code == 404
    stopped = api.wait_task(api.post(f"/api/workspaces/{running['id']}/stop").get_json()["task_id"])
    assert stopped["status"] == "succeeded"
    answer = _exec(api, running, cmd=["true"])
    assert answer.status_code == 409 and answer.get_json()["state"] == "stopped"
