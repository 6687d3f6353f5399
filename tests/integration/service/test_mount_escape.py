"""A tenant cannot make a workspace mount a host directory that is not its owner's, at any time.

The attack of 2026-12-01: W1 mounts ``tt``, W2 mounts ``tt/a``; from inside W1 the tenant replaces ``a`` with a
link to a host directory, and Docker follows it at W2's next start. Mounts of one owner never nest now, and
the path is walked again, refusing links, before every container create and start.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from service.runtime.protocol import LABEL_ID


def _project(tmp_path: Path, *parts: str) -> Path:
    path = tmp_path.joinpath("projects", "alice", *parts)
    path.mkdir(parents=True, exist_ok=True)
    for made in [path, *path.parents][: len(parts)]:
        made.chmod(0o777)  # the container's user (1000) writes there
    return path


def _secret(tmp_path: Path) -> Path:
    secret = tmp_path / "host-secret"
    secret.mkdir(exist_ok=True)
    (secret / "key").write_text("host only\n")
    return secret


def _exec(docker_client: Any, api: Any, workspace_id: str, script: str) -> str:
    container_id = api.wait_state(workspace_id, {"running"})["container_id"]
    code, out = docker_client.containers.get(container_id).exec_run(["sh", "-c", script])
    assert code == 0, out
    return str(out.decode())


def _mount_sources(containers: Any, workspace_id: str) -> list[str]:
    return [m["Source"] for c in containers() if c.labels[LABEL_ID] == workspace_id for m in c.attrs["Mounts"]]


def test_a_link_swapped_in_from_inside_a_workspace_never_becomes_a_mount(
    api: Any, tmp_path: Path, docker_client: Any, containers: Any
) -> None:
    _project(tmp_path, "tt", "a")
    secret = _secret(tmp_path)
    w1 = api.create("outer", project_path="tt")
    refused = api.post("/api/workspaces", json={"name": "inner", "project_path": "tt/a"})
    assert refused.status_code == 422 and "overlaps" in refused.get_json()["detail"]
    # the tenant in W1 swaps ``a`` for a link to a host directory, then asks for it
    _exec(docker_client, api, w1["id"], f"rm -r /workspace/a && ln -s {secret} /workspace/a")
    assert os.path.islink(tmp_path / "projects" / "alice" / "tt" / "a")
    again = api.post("/api/workspaces", json={"name": "inner", "project_path": "tt/a"})
    assert again.status_code == 422
    # the other order: the inner one first, then the outer one is refused
    _project(tmp_path, "uu", "a")
    inner = api.create("inner", project_path="uu/a")
    outer = api.post("/api/workspaces", json={"name": "outer2", "project_path": "uu"})
    assert outer.status_code == 422 and "overlaps" in outer.get_json()["detail"]
    api.wait_state(inner["id"], {"running"})
    assert all(str(secret) not in source for c in containers() for m in c.attrs["Mounts"] for source in [m["Source"]])


def test_a_link_on_the_path_at_start_time_fails_the_start(
    api: Any, tmp_path: Path, docker_client: Any, containers: Any
) -> None:
    project = _project(tmp_path, "p", "a")
    secret = _secret(tmp_path)
    ws = api.create("victim", project_path="p/a")
    api.wait_state(ws["id"], {"running"})
    api.wait_task(api.post(f"/api/workspaces/{ws['id']}/stop").get_json()["task_id"])
    # something swaps the directory for a link between the create-time check and the next start
    project.rename(project.parent / "moved")
    os.symlink(secret, project)
    task = api.wait_task(api.post(f"/api/workspaces/{ws['id']}/start").get_json()["task_id"])
    assert task["status"] == "failed" and "mount refused" in task["error"]
    body = api.wait_state(ws["id"], {"failed"})
    assert "link or a file" in body["last_error"]
    assert [c.status for c in containers() if c.labels[LABEL_ID] == ws["id"]] == ["exited"]
    assert _mount_sources(containers, ws["id"]) == [str(project)]  # the recorded path, never followed
    # with the container gone, a start that would create a new one is refused the same way
    for container in containers():
        container.remove(force=True)
    restarted = api.post(f"/api/workspaces/{ws['id']}/start")
    assert restarted.status_code == 202
    assert api.wait_task(restarted.get_json()["task_id"])["status"] == "failed"
    assert containers() == []


def test_another_owners_directory_and_the_root_cannot_be_named(make_api: Any, tmp_path: Path) -> None:
    alice = make_api()
    _project(tmp_path, "app")
    bob_token = alice.issue("bob")
    headers = {"Authorization": f"Bearer {bob_token}"}
    for path in ("../alice/app", "/", str(tmp_path / "projects" / "alice" / "app"), ".", "alice/app"):
        response = alice.client.post("/api/workspaces", json={"name": "steal", "project_path": path}, headers=headers)
        assert response.status_code == 422, (path, response.get_json())
    assert alice.client.get("/api/workspaces", headers=headers).get_json()["total"] == 0
