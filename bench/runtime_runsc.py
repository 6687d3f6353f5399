"""Create-to-running of a hardened workspace container under gVisor (runsc) beside the engine's runc, same run.

``python -m bench.runtime_runsc [--rounds N]``: each round creates one container under each runtime, in
alternating order, through the service's own ``DockerRuntime`` (the same hardened configuration, the
workspace's home volume included), and times ``ensure_image`` + ``create`` + ``start`` until the engine
reports it ``running``; then removes it (not timed). Prints the median and the worst of each and their
ratio. Needs an engine with ``runsc`` registered (``ci/docker-up.sh`` does it) and the workspace image.
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid

import docker

from service.model import Resources
from service.runtime import ContainerSpec
from service.runtime.docker_runtime import DockerRuntime
from service.runtime.protocol import volume_name

IMAGE = "workspace-base:latest"


def create_to_running(runtime: DockerRuntime, client: docker.DockerClient) -> float:
    """Seconds from asking for a workspace's container to the engine calling it running."""
    spec = ContainerSpec(workspace_id=uuid.uuid4().hex, owner="bench", image=IMAGE,
                         resources=Resources(cpus=1.0, memory_mb=256, pids=256))
    began = time.perf_counter()
    runtime.ensure_image(IMAGE)
    cid = runtime.create(spec)
    runtime.start(cid)
    while (info := runtime.inspect(cid)) is None or info.state != "running":
        if info is not None and info.state in {"exited", "dead"}:
            raise SystemExit(f"container under {runtime.oci_runtime or 'runc'} {info.state}: {info.error}")
        time.sleep(0.01)
    took = time.perf_counter() - began
    runtime.remove(cid)
    client.api.remove_volume(volume_name(spec.workspace_id), force=True)
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    client = docker.from_env(timeout=60)
    if "runsc" not in client.info().get("Runtimes", {}):
        raise SystemExit("the engine has no runsc runtime: run ci/docker-up.sh")
    instance = f"bench-runsc-{uuid.uuid4().hex[:8]}"
    runtimes = {name: DockerRuntime(instance=instance, oci_runtime=name, timeout=60) for name in ("runc", "runsc")}
    times: dict[str, list[float]] = {name: [] for name in runtimes}
    for round_ in range(args.rounds):
        order = ("runc", "runsc") if round_ % 2 == 0 else ("runsc", "runc")
        for name in order:
            times[name].append(create_to_running(runtimes[name], client))
    for name, values in times.items():
        print(f"{name:6s} create-to-running over {len(values)}: median {statistics.median(values) * 1000:.0f} ms, "
              f"worst {max(values) * 1000:.0f} ms")
    ratio = statistics.median(times["runsc"]) / statistics.median(times["runc"])
    print(f"runsc / runc (medians): {ratio:.2f}")
    for runtime in runtimes.values():
        runtime.close()
    client.close()


if __name__ == "__main__":
    main()
