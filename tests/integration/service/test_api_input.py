"""Bad input: each a precise 4xx problem document, nothing stored, no container created."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from service.runtime.protocol import LABEL_ID

BAD_BODIES = [
    ({"name": "ok", "colour": "red"}, 422, "Additional properties are not allowed"),
    ({"name": 12}, 422, "is not of type 'string'"),
    ({}, 422, "'name' is a required property"),
    ([], 422, "is not of type 'object'"),
    ({"name": "x" * 64}, 422, "is too long"),
    ({"name": "Not_DNS"}, 422, "does not match"),
    ({"name": "-lead"}, 422, "does not match"),
    ({"name": "trail\n"}, 422, "DNS label"),
    ({"name": "ok", "project_path": "../etc"}, 422, "must not contain '..'"),
    ({"name": "ok", "project_path": "a/../../etc"}, 422, "must not contain '..'"),
    ({"name": "ok", "project_path": "/etc"}, 422, "must be relative"),
    ({"name": "ok", "project_path": "escape"}, 422, "a link or a file is on its path"),
    ({"name": "ok", "project_path": "escape/x"}, 422, "a link or a file is on its path"),
    ({"name": "ok", "project_path": "."}, 422, "below the owner's projects directory"),
    ({"name": "ok", "project_path": "missing"}, 422, "not a directory in the owner's"),
    ({"name": "ok", "project_path": "theirs"}, 422, "not a directory in the owner's"),
    ({"name": "ok", "resources": {"cpus": 64}}, 422, "greater than the maximum"),
    ({"name": "ok", "resources": {"memory_mb": 1_000_000}}, 422, "greater than the maximum"),
    ({"name": "ok", "resources": {"pids": 0}}, 422, "less than the minimum"),
    ({"name": "ok", "resources": {"cpus": "1"}}, 422, "is not of type 'number'"),
    ({"name": "ok", "resources": {"swap": 1}}, 422, "Additional properties"),
    ({"name": "ok", "image": "alpine:latest"}, 422, "is not one of"),
]


@pytest.fixture
def quiet(make_api: Any, tmp_path: Path) -> Any:
    api = make_api()
    (tmp_path / "projects" / "alice").mkdir()
    (tmp_path / "projects" / "bob" / "theirs").mkdir(parents=True)
    os.symlink("/etc", tmp_path / "projects" / "alice" / "escape")
    return api


@pytest.mark.parametrize(("body", "status", "message"), BAD_BODIES)
def test_bad_create_bodies_are_refused_precisely(quiet: Any, containers: Any, body: Any, status: int, message: str) -> None:
    response = quiet.post("/api/workspaces", json=body)
    assert response.status_code == status
    assert response.content_type == "application/problem+json"
    problem = response.get_json()
    assert problem["status"] == status and problem["title"] and problem["type"].startswith("urn:")
    assert message in problem["detail"] + str(problem.get("errors", ""))
    assert quiet.get("/api/workspaces").get_json()["total"] == 0
    assert containers() == []


def test_malformed_json_and_empty_body_are_400(quiet: Any) -> None:
    assert quiet.post("/api/workspaces", data="{not json", content_type="application/json").status_code == 400
    assert quiet.post("/api/workspaces", content_type="application/json").status_code == 400
    assert quiet.get("/api/workspaces").get_json()["total"] == 0


def test_only_json_bodies_are_read(quiet: Any, containers: Any) -> None:
    body = '{"name": "sneaky"}'
    for kind in ("text/plain", "application/x-www-form-urlencoded", "application/jsonx", None):
        response = quiet.post("/api/workspaces", data=body, content_type=kind)
        assert response.status_code == 415, kind
        assert response.content_type == "application/problem+json"
        assert response.headers["Accept-Post"] == "application/json"
    assert quiet.post("/api/workspaces", data=body, content_type="application/json; charset=utf-8").status_code == 201
    assert [w["name"] for w in quiet.get("/api/workspaces").get_json()["items"]] == ["sneaky"]


def test_a_body_over_the_limit_is_413_and_not_read(make_api: Any) -> None:
    small = make_api(max_body_bytes=1024)
    response = small.post("/api/workspaces", data=b'{"name": "' + b"x" * 2048 + b'"}', content_type="application/json")
    assert response.status_code == 413 and response.content_type == "application/problem+json"
    assert response.headers["Connection"] == "close"
    assert small.post("/api/workspaces", json={"name": "fits"}).status_code == 201


def test_deep_nesting_is_400(make_api: Any) -> None:
    roomy = make_api(max_body_bytes=1_000_000)
    for depth in (40, 100_000):
        response = roomy.post("/api/workspaces", data="[" * depth + "]" * depth, content_type="application/json")
        assert response.status_code == 400, depth
        assert "nests deeper than 32" in response.get_json()["detail"]
    nested = {"name": "ok", "resources": {"cpus": 1}}
    assert roomy.post("/api/workspaces", json=nested).status_code == 201


def test_numbers_that_are_not_numbers_are_422(quiet: Any) -> None:
    for number in ("NaN", "Infinity", "-Infinity", "1e400"):
        text = '{"name": "n", "resources": {"cpus": %s}}' % number
        response = quiet.post("/api/workspaces", data=text, content_type="application/json")
        assert response.status_code == 422, number
        assert response.content_type == "application/problem+json"
    assert quiet.get("/api/workspaces").get_json()["total"] == 0


def test_integer_parameters_are_bounded(quiet: Any) -> None:
    for offset in (str(2**63), str(2**31), "9" * 5000, "-1", "1.5"):
        response = quiet.get(f"/api/workspaces?offset={offset}")
        assert response.status_code == 422, offset
        assert len(response.data) < 1000
    assert quiet.get(f"/api/workspaces?offset={2**31 - 1}").get_json()["items"] == []


def test_error_documents_do_not_echo_long_values(make_api: Any) -> None:
    roomy = make_api(max_body_bytes=12_000_000)
    huge = "x" * 10_000_000
    for body in ({"name": huge}, {"name": "ok", "project_path": huge}, {"name": "ok", huge: 1}):
        response = roomy.post("/api/workspaces", json=body)
        assert response.status_code == 422
        assert len(response.data) < 2000, response.data[:300]
    response = roomy.get("/api/workspaces?state=" + "y" * 100_000)
    assert response.status_code == 422 and len(response.data) < 2000


def test_project_path_in_the_owners_directory_is_accepted(quiet: Any, tmp_path: Path, containers: Any) -> None:
    (tmp_path / "projects" / "alice" / "app").mkdir()
    created = quiet.create("with-project", project_path="app")
    assert created["project_path"] == str((tmp_path / "projects").resolve() / "alice" / "app")
    quiet.wait_state(created["id"], {"running"})
    mounts = [c.attrs["Mounts"] for c in containers() if c.labels[LABEL_ID] == created["id"]][0]
    assert [(m["Source"], m["Destination"]) for m in mounts] == [(created["project_path"], "/workspace")]


def test_missing_and_wrong_tokens_are_401(quiet: Any) -> None:
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer "}):
        response = quiet.client.post("/api/workspaces", json={"name": "x"}, headers=headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert response.content_type == "application/problem+json"
    assert quiet.get("/api/workspaces").get_json()["total"] == 0


def test_unknown_ids_are_404(quiet: Any) -> None:
    unknown = "0" * 32
    for path in (f"/api/workspaces/{unknown}", f"/api/workspaces/{unknown}/status", f"/api/tasks/{unknown}",
                 f"/api/workspaces/batch/{unknown}/status", "/api/workspaces/not-an-id", "/api/tasks/xyz"):
        response = quiet.get(path)
        assert response.status_code == 404, path
        assert response.content_type == "application/problem+json"
    assert quiet.post(f"/api/workspaces/{unknown}/start").status_code == 404
    assert quiet.patch(f"/api/workspaces/{unknown}", json={"name": "a"}).status_code == 404


def test_unknown_routes_and_methods_are_problems(quiet: Any) -> None:
    missing = quiet.get("/nothing-here")
    assert missing.status_code == 404 and missing.content_type == "application/problem+json"
    wrong = quiet.client.put("/api/workspaces")
    assert wrong.status_code == 405 and "GET" in wrong.headers["Allow"]
    assert wrong.content_type == "application/problem+json"
