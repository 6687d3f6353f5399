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
    assert quiet.post("/api/workspaces").status_code == 400
    assert quiet.get("/api/workspaces").get_json()["total"] == 0


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
