"""DockerRuntime against the real engine: hardening really applied, idempotent create and remove, failures."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import docker
import pytest

from service.model import Resources
from service.runtime import ContainerSpec, ImagePullFailed, RuntimeUnavailable
from service.runtime.docker_runtime import DockerRuntime
from service.runtime.protocol import LABEL_ID, container_name, volume_name
from service.settings import Limits

IMAGE = "workspace-base:latest"


@pytest.fixture
def runtime(instance: str) -> Any:
    rt = DockerRuntime(instance=instance, limits=Limits(tmpfs_mb=16), timeout=30)
    yield rt
    rt.close()


def spec(project_dir: str | None = None, **resources: Any) -> ContainerSpec:
    res = Resources(cpus=resources.get("cpus", 0.5), memory_mb=resources.get("memory_mb", 64), pids=resources.get("pids", 32))
    return ContainerSpec(workspace_id=uuid.uuid4().hex, owner="alice", image=IMAGE, resources=res, project_dir=project_dir)


@pytest.mark.parametrize("oci_runtime", ["", "runsc"], ids=["engine-default", "runsc"])
def test_container_is_hardened(oci_runtime: str, instance: str, docker_client: docker.DockerClient) -> None:
    """The same hardening under the engine's default runtime (runc) and under gVisor (ci/docker-up.sh adds it)."""
    runtime = DockerRuntime(instance=instance, limits=Limits(tmpfs_mb=16), timeout=30, oci_runtime=oci_runtime)
    s = spec(cpus=0.5, memory_mb=64, pids=128)  # under runsc the limit counts gVisor's own threads: 64 is too few
    cid = runtime.create(s)
    runtime.start(cid)
    attrs = docker_client.api.inspect_container(cid)
    host = attrs["HostConfig"]
    assert host["Runtime"] == (oci_runtime or docker_client.info()["DefaultRuntime"])
    assert attrs["Name"] == "/" + container_name(s.workspace_id)
    assert attrs["Config"]["Labels"][LABEL_ID] == s.workspace_id
    assert attrs["Config"]["User"] == "1000:1000"
    assert host["CapDrop"] == ["ALL"] and not host["CapAdd"]
    assert "no-new-privileges:true" in host["SecurityOpt"]
    assert host["ReadonlyRootfs"] is True
    assert host["Privileged"] is False
    assert set(host["Tmpfs"]) == {"/tmp"} and "size=16m" in host["Tmpfs"]["/tmp"]
    home = [m for m in attrs["Mounts"] if m["Destination"] == "/workspace"]
    assert [(m["Type"], m["Name"], m["RW"]) for m in home] == [("volume", volume_name(s.workspace_id), True)]
    assert host["PidsLimit"] == 128
    assert host["Memory"] == 64 * 1024 * 1024 == host["MemorySwap"]
    assert host["NanoCpus"] == 500_000_000
    assert host["NetworkMode"] == "none"
    assert host["Init"] is True
    # and inside: not root, root filesystem not writable, no network interface but loopback
    container = docker_client.containers.get(cid)
    code, out = container.exec_run(["sh", "-c", "id -u; touch /x 2>&1; grep ' / ' /proc/mounts; ls /sys/class/net"])
    text = out.decode()
    assert text.splitlines()[0] == "1000"
    assert text.splitlines()[1].startswith("touch: /x: ") and not any("/x" in m for m in text.splitlines()[2:])
    assert "ro" in text.splitlines()[2].split()[3].split(",")  # the root mount, as the container's kernel sees it
    if not oci_runtime:
        assert "Read-only file system" in text  # gVisor checks the permission first: "Permission denied"
    assert text.split()[-1] == "lo"
    info = runtime.inspect(cid)
    assert info is not None and info.state == "running" and info.started_at is not None
    assert info.oci_runtime == host["Runtime"]
    assert abs(info.started_at - time.time()) < 60
    stats = runtime.stats(cid)
    assert 0 < stats.memory_bytes <= stats.memory_limit_bytes == 64 * 1024 * 1024
    runtime.remove(cid)
    runtime.close()


def test_project_directory_is_the_only_writable_mount(runtime: DockerRuntime, tmp_path: Path, docker_client: docker.DockerClient) -> None:
    project = tmp_path / "proj"
    project.mkdir(mode=0o777)
    project.chmod(0o777)
    cid = runtime.create(spec(project_dir=str(project)))
    runtime.start(cid)
    code, out = docker_client.containers.get(cid).exec_run(["sh", "-c", "echo hi > /workspace/f && cat /workspace/f"])
    assert code == 0, out
    assert (project / "f").read_text() == "hi\n"
    runtime.remove(cid)


def test_second_create_adopts_the_existing_container(runtime: DockerRuntime, containers: Any) -> None:
    s = spec()
    first = runtime.create(s)
    again = runtime.create(s)
    assert again == first
    assert [c.id for c in containers() if c.labels[LABEL_ID] == s.workspace_id] == [first]
    runtime.remove(first)


def test_removing_a_gone_container_counts_as_done(runtime: DockerRuntime) -> None:
    cid = runtime.create(spec())
    runtime.remove(cid)
    runtime.remove(cid)  # already gone: no error
    assert runtime.inspect(cid) is None


def test_stop_restart_and_listing(runtime: DockerRuntime) -> None:
    s = spec()
    cid = runtime.create(s)
    runtime.start(cid)
    runtime.stop(cid, timeout=1)
    found = runtime.find(s.workspace_id)
    assert found is not None and found.state == "exited" and found.workspace_id == s.workspace_id
    runtime.restart(cid, timeout=1)
    assert [c.state for c in runtime.list_managed() if c.id == cid] == ["running"]
    runtime.remove(cid)


def test_events_report_this_deployments_containers(runtime: DockerRuntime) -> None:
    s = spec()
    cid = runtime.create(s)
    stream = runtime.events(until=time.time() + 3)
    runtime.start(cid)
    runtime.stop(cid, timeout=1)
    runtime.remove(cid)
    seen = {e.action for e in stream if e.workspace_id == s.workspace_id}
    assert {"start", "die", "destroy"} <= seen  # what can make a record untrue
    assert not seen & {"stop", "kill"}  # no state of their own: "die" says it


def test_image_that_cannot_be_pulled_says_why(runtime: DockerRuntime) -> None:
    with pytest.raises(ImagePullFailed, match="127.0.0.1:1/absent"):
        runtime.ensure_image("127.0.0.1:1/absent:latest")
    runtime.ensure_image(IMAGE)  # present: no pull


def test_unreachable_engine_is_unavailable(tmp_path: Path) -> None:
    rt = DockerRuntime(f"unix://{tmp_path}/nothing.sock", timeout=2)
    with pytest.raises(RuntimeUnavailable):
        rt.ping()
    with pytest.raises(RuntimeUnavailable):
        rt.inspect("abc")
    with pytest.raises(RuntimeUnavailable):
        rt.create(spec())
    rt.close()
