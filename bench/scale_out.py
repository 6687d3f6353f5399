"""Scale-out: 100 workspaces to running with two ``serve`` instances on two engines, beside one on one, same run.

- (a) one ``workspace-service serve`` on one engine (the single-host default: its own SQLite file, no
  ``WORKSPACE_SERVICE_ENGINES``),
- (b) two ``serve`` instances on one PostgreSQL database (a fresh database on the throwaway server of
  ``ci/postgres-up.sh``) with the two engines of ``ci/docker-up.sh`` listed in ``WORKSPACE_SERVICE_ENGINES``,

each timed from the first create request to every workspace ``running`` (the creates sent by 8 client
threads, spread over the deployment's instances in turn; one list request a pass, ten passes a second, as
``bench.service_load`` polls). Prints both times and their ratio (target: (b) at most 1.2 times (a); on a
2-core machine there is no speed-up to expect, the figure is the cost of coordinating), and (b)'s placement
spread, the workspaces per engine (target: each within 10 % of an even share). Every container and volume
either deployment made is removed, and the PostgreSQL database dropped, at the end.

Run: python -m bench.scale_out [--count 100] [--capacity 0] [--rounds 1]
(``--capacity``: each engine's capacity in (b); 0 is unbounded.)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import docker
import psycopg2
import requests
from sqlalchemy.engine import make_url

from bench.service_load import Server
from service.runtime.protocol import LABEL_INSTANCE

ENGINE_URLS = {"one": "unix:///var/run/docker.sock",
               "two": os.environ.get("WORKSPACE_CI_ENGINE2_URL", "unix:///var/run/docker-2.sock")}
CLIENT_THREADS = 8


class Instance(Server):
    """One ``workspace-service serve`` with the given environment."""

    def __init__(self, env: dict[str, str]) -> None:
        super().__init__([sys.executable, "-m", "service.cli", "serve", "--port"], env, 1)


def environment(database_url: str, instance: str, replica: str, engines: str | None) -> dict[str, str]:
    env = {
        **os.environ,
        "WORKSPACE_SERVICE_DATABASE_URL": database_url,
        "WORKSPACE_SERVICE_INSTANCE": instance,
        "WORKSPACE_SERVICE_REPLICA": replica,
        "WORKSPACE_SERVICE_LIMIT_DEFAULT_MEMORY_MB": "32",
        "WORKSPACE_SERVICE_STOP_TIMEOUT": "1",
    }
    env.pop("WORKSPACE_SERVICE_ENGINES", None)
    if engines is not None:
        env["WORKSPACE_SERVICE_ENGINES"] = engines
    return env


def token(env: dict[str, str]) -> dict[str, str]:
    made = subprocess.run([sys.executable, "-m", "service.cli", "token", "create", "--owner", "bench"], env=env,
                          check=True, capture_output=True, text=True, timeout=120)
    return {"Authorization": f"Bearer {made.stdout.strip()}"}


def to_running(instances: list[Instance], headers: dict[str, str], count: int) -> tuple[float, Counter[str]]:
    """Seconds from the first create to all ``count`` running, and the workspaces per engine."""
    session = requests.Session()

    def create(i: int) -> str:
        server = instances[i % len(instances)]
        answer = session.post(server.url + "/api/workspaces", json={"name": f"s{i}"}, headers=headers, timeout=60)
        if answer.status_code != 201:
            raise SystemExit(f"create {i} refused: {answer.status_code} {answer.text}")
        return str(answer.json()["id"])

    start = time.perf_counter()
    with ThreadPoolExecutor(CLIENT_THREADS) as pool:
        ids = set(pool.map(create, range(count)))
    deadline = time.monotonic() + 600
    while True:
        items = session.get(instances[0].url + "/api/workspaces", params={"limit": 100}, headers=headers,
                            timeout=60).json()["items"]
        if len(items) < count:
            items += session.get(instances[0].url + "/api/workspaces", params={"limit": 100, "offset": 100},
                                 headers=headers, timeout=60).json()["items"]
        mine = [ws for ws in items if ws["id"] in ids]
        if sum(ws["state"] == "running" for ws in mine) == count:
            return time.perf_counter() - start, Counter(str(ws.get("engine", "default")) for ws in mine)
        failed = [ws for ws in mine if ws["state"] == "failed"]
        if failed or time.monotonic() > deadline:
            raise SystemExit(f"not all running: {len(failed)} failed, e.g. {failed[:1]}")
        time.sleep(0.1)


def remove_made(instance: str) -> None:
    """Every container and volume with the deployment's instance label, on both engines."""
    for url in ENGINE_URLS.values():
        client = docker.DockerClient(base_url=url, timeout=120)
        try:
            label = {"label": f"{LABEL_INSTANCE}={instance}"}
            for row in client.api.containers(all=True, filters=label):
                client.api.remove_container(row["Id"], force=True)
            for volume in client.volumes.list(filters=label):
                volume.remove(force=True)
        finally:
            client.close()


def one_on_one(tmp: Path, count: int) -> tuple[float, Counter[str]]:
    instance = f"bench-scale-a-{uuid.uuid4().hex[:6]}"
    env = environment(f"sqlite:///{tmp / (instance + '.db')}", instance, "a", None)
    headers = token(env)
    server = Instance(env)
    try:
        return to_running([server], headers, count)
    finally:
        server.stop()
        remove_made(instance)


def postgres_server() -> str:
    url = os.environ.get("WORKSPACE_TEST_POSTGRES_URL", "").strip()
    if not url:
        url = subprocess.run(["bash", "ci/postgres-up.sh"], check=True, capture_output=True, text=True,
                             timeout=600).stdout.strip()
    return url


def admin(url: str) -> psycopg2.extensions.connection:
    parsed = make_url(url)
    conn = psycopg2.connect(host=parsed.host, port=parsed.port, user=parsed.username, password=parsed.password,
                            dbname=parsed.database or "postgres", connect_timeout=10)
    conn.autocommit = True
    return conn


def two_on_two(server_url: str, count: int, capacity: int) -> tuple[float, Counter[str]]:
    instance = f"bench-scale-b-{uuid.uuid4().hex[:6]}"
    database = instance.replace("-", "_")
    control = admin(server_url)
    with control.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{database}"')
    url = make_url(server_url).set(drivername="postgresql+psycopg2", database=database).render_as_string(
        hide_password=False)
    engines = json.dumps([{"name": name, "url": engine, "capacity": capacity} for name, engine in ENGINE_URLS.items()])
    servers: list[Instance] = []
    try:
        headers = token(environment(url, instance, "b0", engines))
        servers = [Instance(environment(url, instance, f"b{i}", engines)) for i in range(2)]
        return to_running(servers, headers, count)
    finally:
        for server in servers:
            server.stop()
        remove_made(instance)
        with control.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        control.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--capacity", type=int, default=0, help="each engine's capacity in (b); 0: unbounded")
    parser.add_argument("--rounds", type=int, default=1, help="runs of (a) and (b), alternating")
    args = parser.parse_args()
    server_url = postgres_server()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as tmp:
        for round_ in range(args.rounds):
            single, _ = one_on_one(Path(tmp), args.count)
            double, spread = two_on_two(server_url, args.count, args.capacity)
            even = args.count / len(ENGINE_URLS)
            worst = max(abs(spread.get(name, 0) - even) / even for name in ENGINE_URLS)
            print(f"round {round_ + 1}: {args.count} workspaces to running: (a) one instance, one engine "
                  f"{single:.1f} s; (b) two instances, two engines {double:.1f} s; (b)/(a) {double / single:.2f} "
                  f"(target <= 1.2)")
            print(f"round {round_ + 1}: placement in (b): "
                  + ", ".join(f"{name} {spread.get(name, 0)}" for name in ENGINE_URLS)
                  + f"; furthest from even {worst * 100:.0f} % (target <= 10 %)")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
