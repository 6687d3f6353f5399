"""``service.client`` against a live server on loopback (the app served by Werkzeug in a thread, real engine):
every call answers the published document, and every failure is one ``ApiError`` with the problem's fields."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import pytest
from integration.service.loopback import served_app  # noqa: F401 - the fixture "served"

from service.client import ApiError, Client


def test_the_lifecycle_through_the_client(served: Callable[..., tuple[Client, Any]]) -> None:
    client, _ = served()
    made = client.create("one", resources={"memory_mb": 64})
    assert made["state"] == "pending" and made["resources"]["memory_mb"] == 64
    assert client.wait_task(made["task_id"])["status"] == "succeeded"
    assert client.wait_state(made["id"])["state"] == "running"
    second = client.create("two")
    page = client.list(limit=1)
    assert page["total"] == 2 and [w["name"] for w in page["items"]] == ["one"] and page["next_offset"] == 1
    assert [w["name"] for w in client.all()] == ["one", "two"]
    assert client.status(made["id"])["container_state"] == "running"
    assert client.update(made["id"], name="uno")["name"] == "uno"
    assert client.stop(made["id"])["state"] == "stopping"
    assert client.wait_state(made["id"])["state"] == "stopped"
    batch = client.batch("delete", [made["id"], second["id"]])
    assert len(batch["task_ids"]) == 2
    for task_id in batch["task_ids"]:
        client.wait_task(task_id)
    assert client.batch_status(batch["batch_id"])["done"] is True
    assert client.get(made["id"])["state"] == "deleted"
    assert client.healthz() == {"status": "ok"}
    assert client.readyz()["checks"] == {"store": "ok", "docker": "ok"}
    assert "workspace_workspaces{" in client.metrics()


def test_failures_are_one_error_type_with_the_problem_fields(served: Callable[..., tuple[Client, Any]]) -> None:
    client, _ = served()
    with pytest.raises(ApiError) as missing:
        client.get("0" * 32)
    assert (missing.value.status, missing.value.title) == (404, "Not Found")
    assert missing.value.detail == f"no workspace {'0' * 32}"
    assert missing.value.document["type"].startswith("urn:workspace-service:problem:")
    client.create("same")
    with pytest.raises(ApiError) as taken:
        client.create("same")
    assert taken.value.status == 409 and "already exists" in taken.value.detail
    with pytest.raises(ApiError) as invalid:
        client.create("Bad Name")
    assert invalid.value.status == 422 and invalid.value.document["errors"]
    with pytest.raises(ApiError) as refused:
        Client(client.url, "not-a-token").list()
    assert refused.value.status == 401 and "not valid" in refused.value.detail


def test_no_answer_is_an_api_error_without_a_status() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ApiError) as down:
        Client(f"http://127.0.0.1:{port}", "t", timeout=2).list()
    assert down.value.status is None and "no answer from" in str(down.value)
    with pytest.raises(ApiError) as bad:
        Client("ftp://example", "t")
    assert bad.value.status is None and "not an http:// or https:// URL" in bad.value.detail


def _valid(client: Client, name: str, document: Any) -> None:
    """``document`` is valid against the schema ``name`` of the service's own /openapi.json."""
    from jsonschema import Draft202012Validator

    published = client.openapi()
    schema = {**published["components"]["schemas"][name], "components": published["components"]}
    errors = list(Draft202012Validator(schema).iter_errors(document))
    assert not errors, (name, [e.message for e in errors])


def test_exec_files_and_status_answer_the_published_schemas(served: Callable[..., tuple[Client, Any]]) -> None:
    import io
    import tarfile

    from service.client import ExecOutput

    client, _ = served()
    made = client.create("inside", env={"MODE": "dev"}, secrets={"KEY": "k"})
    _valid(client, "WorkspaceAccepted", made)
    client.wait_state(made["id"], frozenset({"running"}))
    status = client.status(made["id"])
    _valid(client, "WorkspaceStatus", status)
    assert status["policy"]["env"] == {"MODE": "dev"} and status["policy"]["secret_names"] == ["KEY"]
    result = client.exec(made["id"], ["sh", "-c", "echo $MODE; echo err >&2; exit 2"])
    _valid(client, "ExecResult", result)
    assert (result["exit_code"], result["stdout"], result["stderr"]) == (2, "dev\n", "err\n")
    items = list(client.exec_stream(made["id"], ["sh", "-c", "echo one; sleep 0.3; echo two"]))
    text = "".join(i.text for i in items if isinstance(i, ExecOutput))
    final = items[-1]
    assert text == "one\ntwo\n" and not isinstance(final, ExecOutput) and final["exit_code"] == 0
    _valid(client, "ExecResult", final)
    written = client.upload(made["id"], "hello.txt", b"hello\n")
    _valid(client, "FileWritten", written)
    found = client.download(made["id"], "hello.txt")
    assert not found.is_folder and b"".join(found.chunks) == b"hello\n"
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w") as tar:
        info = tarfile.TarInfo("inner.txt")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"in\n"))
    _valid(client, "FolderWritten", client.upload_tar(made["id"], "folder", archive.getvalue()))
    folder = client.download(made["id"], "folder")
    assert folder.is_folder
    with tarfile.open(fileobj=io.BytesIO(b"".join(folder.chunks))) as tar:
        assert "folder/inner.txt" in tar.getnames()
    with pytest.raises(ApiError) as refused:
        client.exec(made["id"], [])
    assert refused.value.status == 422


def test_not_ready_is_an_api_error_with_the_checks(served: Callable[..., tuple[Client, Any]], tmp_path: Any) -> None:
    client, _ = served(docker_url=f"unix://{tmp_path / 'no-engine.sock'}", background=False)
    with pytest.raises(ApiError) as down:
        client.readyz()
    assert down.value.status == 503 and down.value.document["checks"]["store"] == "ok"
    assert down.value.document["checks"]["docker"].startswith("failing: ")
