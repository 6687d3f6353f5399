"""The README's quick start, as a new user runs it, from a clean directory on a machine the service never ran on.

A fresh home (no data directory, no config), a workspace image the engine does not have (a name unique to this
run, standing in for ``workspace-base:latest`` on a new machine), the real ``serve`` and the ``ws`` commands as
subprocesses: serve builds the image, the database lands in the data directory and not in the current one, and
a file uploaded to a workspace comes back unchanged after the workspace restarts."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import pytest
from integration.service.live import Server
from integration.service.required import unavailable

import service
from service.runtime.protocol import LABEL_INSTANCE


@pytest.fixture
def new_machine(tmp_path: Path) -> Iterator[dict[str, Any]]:
    try:
        client = docker.from_env(timeout=30)
        client.ping()
    except Exception as exc:  # noqa: BLE001 - any failure here means "no usable engine"
        unavailable(f"no usable Docker engine: {exc}")
    image = f"workspace-quickstart-{uuid.uuid4().hex[:8]}:latest"
    instance = f"e2e-quickstart-{uuid.uuid4().hex[:8]}"
    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    work.mkdir()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("WORKSPACE_SERVICE_", "XDG_"))}
    source = str(Path(service.__file__).resolve().parent.parent)  # this tree's code, wherever the test runs from
    env.update(PYTHONPATH=os.pathsep.join(filter(None, [source, env.get("PYTHONPATH")])), HOME=str(home), WORKSPACE_SERVICE_INSTANCE=instance, WORKSPACE_SERVICE_BASE_IMAGE=image,
               WORKSPACE_SERVICE_DEFAULT_IMAGE=image, WORKSPACE_SERVICE_STOP_TIMEOUT="1")
    yield {"env": env, "home": home, "work": work, "image": image, "docker": client}
    for container in client.containers.list(all=True, filters={"label": f"{LABEL_INSTANCE}={instance}"}):
        container.remove(force=True, v=True)
    for volume in client.volumes.list(filters={"label": f"{LABEL_INSTANCE}={instance}"}):
        volume.remove(force=True)
    try:
        client.images.remove(image, force=True)
    except docker.errors.ImageNotFound:
        pass
    client.close()


def _run(machine: dict[str, Any], *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "service.cli", *args], cwd=machine["work"], env=env or machine["env"],
                          capture_output=True, text=True, timeout=180)


def test_the_quick_start_works_on_a_new_machine(new_machine: dict[str, Any]) -> None:
    machine = new_machine
    with pytest.raises(docker.errors.ImageNotFound):
        machine["docker"].images.get(machine["image"])
    log = machine["home"].parent / "serve.log"
    server = Server(machine["env"], log)
    server.start(timeout=120)  # it builds the image before it listens; a loaded machine takes a while
    try:
        assert f"serve: built {machine['image']} from scratch and the host's busybox" in log.read_text()
        machine["docker"].images.get(machine["image"])
        token = _run(machine, "token", "create", "--owner", "alice")
        assert token.returncode == 0, token.stderr
        env = {**machine["env"], "WORKSPACE_SERVICE_URL": server.url, "WORKSPACE_SERVICE_TOKEN": token.stdout.strip()}
        made = _run(machine, "ws", "create", "demo", env=env)
        assert made.returncode == 0 and made.stdout.split()[1:] == ["demo", "running"], made.stderr
        said = _run(machine, "ws", "exec", "demo", "--", "sh", "-c", "echo hello from $(id -un) in $(pwd)", env=env)
        assert (said.returncode, said.stdout) == (0, "hello from workspace in /workspace\n"), said.stderr
        notes = machine["work"] / "notes.txt"
        notes.write_bytes(b"line one\n\x00\xff binary too\n" * 1000)
        assert _run(machine, "ws", "cp", "notes.txt", "demo:notes.txt", env=env).returncode == 0
        restarted = _run(machine, "ws", "restart", "demo", env=env)
        assert restarted.returncode == 0 and restarted.stdout.split()[1:] == ["demo", "running"], restarted.stderr
        got = _run(machine, "ws", "cp", "demo:notes.txt", "copy.txt", env=env)
        assert got.returncode == 0, got.stderr
        assert (machine["work"] / "copy.txt").read_bytes() == notes.read_bytes()
    finally:
        server.stop()
    database = machine["home"] / ".local" / "share" / "workspace-service" / "workspace-service.db"
    assert database.is_file()
    assert sorted(os.listdir(machine["work"])) == ["copy.txt", "notes.txt"]
