"""The operator's runtime choice through the API: gVisor for every workspace or per image, read back from the engine.

``ci/docker-up.sh`` registers ``runsc`` with the engine; the hardening itself under runsc is held by
``test_runtime_docker.test_container_is_hardened[runsc]``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import docker
import pytest

from service.settings import Settings


def test_every_workspace_under_runsc_and_the_status_says_so(make_api: Any, docker_client: docker.DockerClient) -> None:
    api = make_api(oci_runtime="runsc")
    ws = api.wait_state(api.create("gvisor")["id"], {"running", "failed"}, timeout=60)
    assert ws["state"] == "running", ws
    assert docker_client.api.inspect_container(ws["container_id"])["HostConfig"]["Runtime"] == "runsc"
    status = api.get(f"/api/workspaces/{ws['id']}/status").get_json()
    assert status["container_state"] == "running" and status["oci_runtime"] == "runsc", status


def test_a_per_image_runtime_wins_and_an_unusable_one_fails_the_workspace_with_the_engines_reason(
    make_api: Any, docker_client: docker.DockerClient
) -> None:
    image = make_api().app.extensions["workspace_service"].settings.default_image
    api = make_api(oci_runtime="runsc", image_oci_runtimes=(f"{image}=no-such-runtime",))
    ws = api.wait_state(api.create("refused")["id"], {"running", "failed"}, timeout=60)
    assert ws["state"] == "failed", ws
    assert "no-such-runtime" in ws["last_error"], ws["last_error"]


def test_a_malformed_image_runtime_pair_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="IMAGE_OCI_RUNTIMES: 'runsc' is not image=runtime"):
        Settings.from_env({"WORKSPACE_SERVICE_IMAGE_OCI_RUNTIMES": "python:3.12=runsc, runsc"})
    assert Settings.from_env({"WORKSPACE_SERVICE_IMAGE_OCI_RUNTIMES": "a:1=runsc"}).oci_runtimes() == {"a:1": "runsc"}


def test_serve_with_a_malformed_pair_says_so_in_one_line(tmp_path: Any) -> None:
    env = {**os.environ, "WORKSPACE_SERVICE_IMAGE_OCI_RUNTIMES": "runsc",
           "WORKSPACE_SERVICE_DATABASE_URL": f"sqlite:///{tmp_path / 'db'}"}
    done = subprocess.run([sys.executable, "-m", "service.cli", "serve", "--port", "0"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr == "Error: WORKSPACE_SERVICE_IMAGE_OCI_RUNTIMES: 'runsc' is not image=runtime\n"
