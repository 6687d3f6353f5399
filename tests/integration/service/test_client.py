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
