"""Working inside a workspace through the service, beside the docker SDK doing the same, in one run.

- An exec of ``true``: the round trip of ``POST /api/workspaces/{id}/exec`` (one keep-alive connection,
  one request after the other) beside ``docker exec`` of the same command through the docker SDK
  (``exec_create``, ``exec_start``, ``exec_inspect`` for the exit code, as the docker CLI does), in the same
  running container, as the same user. Target: the service's p50 at most 1.5 times the SDK's.
- A 10 MB upload: ``PUT /api/workspaces/{id}/files`` of one 10 MB file beside the SDK's ``put_archive``
  (``docker cp``) of a tar holding the same file into the same folder. Target: the service's throughput at
  least half the SDK's.

Service and SDK take turns, round by round, so that a neighbour's load on this shared machine falls on both;
each figure is printed with every round's value, and the ratio is taken of the medians.
The service runs as ``workspace-service serve`` (granian behind its front) on a random loopback port with its
own SQLite file and instance label; its workspace, container and volume are removed at the end.
Run: python -m bench.service_exec [--rounds 5] [--execs 40]
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import tarfile
import tempfile
import time
import uuid
from pathlib import Path


import docker
import requests

from bench.service_load import Service
from service.runtime.protocol import LABEL_INSTANCE

MB = 1_000_000


def sdk_exec(client: docker.DockerClient, container: str) -> float:
    started = time.perf_counter()
    created = client.api.exec_create(container, ["true"], user="1000:1000")
    client.api.exec_start(created["Id"])
    assert client.api.exec_inspect(created["Id"])["ExitCode"] == 0
    return time.perf_counter() - started


def api_exec(session: requests.Session, url: str) -> float:
    started = time.perf_counter()
    answer = session.post(url, json={"cmd": ["true"]}, timeout=30)
    assert answer.status_code == 200 and answer.json()["exit_code"] == 0, answer.text
    return time.perf_counter() - started


def sdk_upload(client: docker.DockerClient, container: str, data: bytes) -> float:
    started = time.perf_counter()
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w") as tar:
        info = tarfile.TarInfo("sdk.bin")
        info.size, info.uid, info.gid = len(data), 1000, 1000
        tar.addfile(info, io.BytesIO(data))
    assert client.api.put_archive(container, "/workspace", archive.getvalue())
    return time.perf_counter() - started


def api_upload(session: requests.Session, url: str, data: bytes) -> float:
    started = time.perf_counter()
    answer = session.put(url, params={"path": "api.bin"}, data=data,
                         headers={"Content-Type": "application/octet-stream"}, timeout=120)
    assert answer.status_code == 201 and answer.json()["size"] == len(data), answer.text
    return time.perf_counter() - started


def _ms(values: list[float]) -> str:
    return ", ".join(f"{v * 1000:.1f}" for v in values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--execs", type=int, default=40, help="execs per side per round")
    args = parser.parse_args()
    client = docker.from_env(timeout=120)
    instance = f"bench-exec-{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory() as tmp:
        svc = Service(Path(tmp), instance, workers=4, background=True)
        try:
            session = requests.Session()
            session.headers.update(svc.headers)
            ws = session.post(svc.url + "/api/workspaces", json={"name": "bench"}, timeout=30).json()
            deadline = time.monotonic() + 60
            while (body := session.get(f"{svc.url}/api/workspaces/{ws['id']}", timeout=10).json())["state"] != "running":
                assert time.monotonic() < deadline and body["state"] != "failed", body
                time.sleep(0.1)
            container = body["container_id"]
            exec_url = f"{svc.url}/api/workspaces/{ws['id']}/exec"
            files_url = f"{svc.url}/api/workspaces/{ws['id']}/files"
            api_exec(session, exec_url), sdk_exec(client, container)  # warm both paths
            api_p50, sdk_p50 = [], []
            for _ in range(args.rounds):
                api_p50.append(statistics.median(api_exec(session, exec_url) for _ in range(args.execs)))
                sdk_p50.append(statistics.median(sdk_exec(client, container) for _ in range(args.execs)))
            data = os.urandom(10 * MB)
            api_upload(session, files_url, data), sdk_upload(client, container, data)
            api_mbs, sdk_mbs = [], []
            for _ in range(args.rounds):
                api_mbs.append(10 / api_upload(session, files_url, data))
                sdk_mbs.append(10 / sdk_upload(client, container, data))
            session.delete(f"{svc.url}/api/workspaces/{ws['id']}", timeout=30)
        finally:
            svc.stop()
            _remove(client, instance)
    exec_ratio = statistics.median(api_p50) / statistics.median(sdk_p50)
    upload_ratio = statistics.median(api_mbs) / statistics.median(sdk_mbs)
    print(f"exec of true, p50 per round (ms): service {_ms(api_p50)}; docker SDK {_ms(sdk_p50)}")
    print(f"  service/SDK p50 ratio {exec_ratio:.2f} (target <= 1.5): {'met' if exec_ratio <= 1.5 else 'MISSED'}")
    print("10 MB upload, MB/s per round: service " + ", ".join(f"{v:.0f}" for v in api_mbs)
          + "; docker SDK put_archive " + ", ".join(f"{v:.0f}" for v in sdk_mbs))
    print(f"  service/SDK throughput ratio {upload_ratio:.2f} (target >= 0.5): "
          f"{'met' if upload_ratio >= 0.5 else 'MISSED'}")


def _remove(client: docker.DockerClient, instance: str) -> None:
    for container in client.containers.list(all=True, filters={"label": f"{LABEL_INSTANCE}={instance}"}):
        container.remove(force=True)
    for volume in client.volumes.list(filters={"label": f"{LABEL_INSTANCE}={instance}"}):
        volume.remove(force=True)


if __name__ == "__main__":
    main()


