"""Load benchmark of the workspace service, each figure next to its target, measured in one run.

- POST /api/workspaces p99 with 50 concurrent clients (target: at most 1.3 times the floor's, below),
- GET /api/workspaces/{id} requests/s with 8 (target: at least 0.7 times the floor's), both driven by ``wrk``
  (install it from the OS packages) with one thread on loopback, so the load generator takes little CPU
  from the server; the server's CPU time per request is printed too (it does not depend on the load),
- the floor under the chosen server (granian through ``service.api.rsgi``) beside the floor under gunicorn's
  gthread worker (target: granian's no slower),
- the storage floor (``bench.floor_store``: the floor plus the rows a create writes and a read reads, through
  the service's store), which says how much of the 1.3 budget storage alone takes,
- task pick-up delay p99, queued to claimed, with idle workers (target <= 100 ms),
- 100 workspaces created and started through the service versus the docker SDK alone creating and
  starting 100 equivalent (same hardening) containers with the same parallelism (target ratio <= 1.3).

Each HTTP figure is measured in ``--rounds`` runs of 5 s; the best run (lowest p99) and the median run are
both printed, with the share of CPU time the hypervisor stole during the runs: on a shared virtual machine
that share swings from a few to over 20 per cent, and a single run then says more about the neighbours
than about the service (``timeit`` keeps the fastest run for the same reason). The batch comparison is
run as many times, service and SDK alternating, and its best and median ratio printed.

The HTTP figures have a peer too, the floor: ``bench.floor_app``, Flask with the same two routes doing no
work (no token look-up, no validation, no database), served by the service's own server configuration and
driven by the same scripts, taking turns with the service run by run. Its latency is what the framework and
the server cost on this machine at this load; the service's figure over the floor's is what the service adds.

The service runs as ``workspace-service serve`` (granian) on a random loopback port with its own SQLite
file and a unique instance label; every container it or the peer makes is removed at the end.
Run: python -m bench.service_load [--workers 8] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from functools import cached_property
from pathlib import Path

import docker
import requests

from service.model import Resources
from service.runtime.hardening import container_config
from service.runtime.protocol import LABEL_INSTANCE, ContainerSpec
from service.settings import Limits


def p99(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


class Server:
    """A gunicorn server on a random loopback port, started by ``command`` in its own session."""

    token = "floor"  # the floor app reads the header and accepts anything

    def __init__(self, command: list[str], env: dict[str, str], listeners: int) -> None:
        self.proc = subprocess.Popen(command + [str(self.port)], env=env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(self.url + "/healthz", timeout=1).ok and self._listeners() >= listeners:
                    return
            except requests.RequestException:  # refused, or accepted by the front before granian answers
                pass
            time.sleep(0.1)
        raise SystemExit(f"{' '.join(command)} did not start")

    @cached_property
    def port(self) -> int:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return int(s.getsockname()[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _listeners(self) -> int:
        """Listening sockets on the port: one per gunicorn process (SO_REUSEPORT; granian's processes share
        one). Until both gunicorn processes listen, the kernel gives every new connection to the first one,
        and wrk keeps its connections."""
        out = subprocess.run(["ss", "-Hltn", f"sport = :{self.port}"], capture_output=True, text=True).stdout
        return len(out.splitlines())

    def stop(self) -> None:
        os.killpg(self.proc.pid, signal.SIGTERM)
        self.proc.wait(30)


class Service(Server):
    """``workspace-service serve`` with its own SQLite file, instance label and API token."""

    def __init__(self, tmp: Path, instance: str, workers: int, background: bool, server: str = "granian") -> None:
        env = {
            "WORKSPACE_SERVICE_HTTP_SERVER": server,
            **os.environ,
            "WORKSPACE_SERVICE_DATABASE_URL": f"sqlite:///{tmp / (instance + '.db')}",
            "WORKSPACE_SERVICE_INSTANCE": instance,
            "WORKSPACE_SERVICE_WORKERS": str(workers),
            "WORKSPACE_SERVICE_BACKGROUND": "true" if background else "false",
            "WORKSPACE_SERVICE_LIMIT_DEFAULT_MEMORY_MB": "32",
            "WORKSPACE_SERVICE_STOP_TIMEOUT": "1",
        }
        cli = [sys.executable, "-m", "service.cli"]
        self.token = subprocess.run(cli + ["token", "create", "--owner", "bench"], env=env, check=True,
                                    capture_output=True, text=True).stdout.strip()
        self.headers = {"Authorization": f"Bearer {self.token}"}
        super().__init__(cli + ["serve", "--port"], env, 1)  # serve listens through its front, either server


class StoreFloor(Server):
    """``bench.floor_store``: the floor plus the storage a create and a read cannot skip, on its own SQLite file."""

    def __init__(self, tmp: Path) -> None:
        env = {**os.environ, "WORKSPACE_SERVICE_DATABASE_URL": f"sqlite:///{tmp / 'floor-store.db'}"}
        super().__init__([sys.executable, "-m", "bench.floor_store"], env, 1)


class Floor(Server):
    """``bench.floor_app``: Flask and one of the service's server configurations, no work behind the routes."""

    def __init__(self, server: str) -> None:
        super().__init__([sys.executable, "-m", "bench.floor_app", "--server", server], dict(os.environ),
                         2 if server == "gunicorn" else 1)


GET_LUA = 'wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")\n'
POST_LUA = """-- POST /api/workspaces, a unique name per request: RUN - wrk thread number - counter
local counter, threads = 0, 0
local token, prefix = os.getenv("TOKEN"), os.getenv("RUN")
setup = function(thread) threads = threads + 1; thread:set("tid", threads) end
request = function()
  counter = counter + 1
  local body = string.format('{"name": "%s-%s-%d"}', prefix, tostring(tid), counter)
  return wrk.format("POST", "/api/workspaces",
    {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}, body)
end
"""


def _cpu_seconds(pid: int) -> float:
    """CPU time of the server: the process ``pid`` (granian's, with the front's thread; gunicorn's arbiter) and
    its worker processes (its children)."""
    total = 0
    for process in [str(pid), *Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]:
        fields = Path(f"/proc/{process}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def _cpu_ticks() -> tuple[int, int]:
    """(steal, total) jiffies of the whole machine, from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return fields[7], sum(fields[:8])


def wrk(svc: Server, tmp: Path, script: str, url: str, connections: int, seconds: int) -> dict[str, float]:
    """Run wrk (C, event loop, one thread: little CPU taken from the server) and read its summary."""
    lua = tmp / f"wrk-{uuid.uuid4().hex[:6]}.lua"
    lua.write_text(script)
    env = {**os.environ, "TOKEN": svc.token, "RUN": uuid.uuid4().hex[:8]}
    cpu = _cpu_seconds(svc.proc.pid)
    steal, total = _cpu_ticks()
    out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(lua), url],
                         env=env, check=True, capture_output=True, text=True).stdout
    cpu = _cpu_seconds(svc.proc.pid) - cpu
    steal_after, total_after = _cpu_ticks()
    requests_done = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors or "Socket errors" in out:
        raise SystemExit(f"wrk saw failed requests from {url}:\n{out}")
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
            "p50_ms": _ms(re.search(r"50%\s+([\d.]+\w+)", out).group(1)),  # type: ignore[union-attr]
            "p99_ms": _ms(re.search(r"99%\s+([\d.]+\w+)", out).group(1)),  # type: ignore[union-attr]
            "cpu_us": cpu / requests_done * 1e6,
            "steal_pct": 100.0 * (steal_after - steal) / max(1, total_after - total)}


def rounds(servers: list[Server], tmp: Path, script: str, paths: list[str], connections: int,
           count: int) -> list[list[dict[str, float]]]:
    """``count`` runs of 5 s on each server (``paths[i]`` on ``servers[i]``), the servers taking turns so
    that each sees the same machine; each server's runs ordered from the lowest p99 to the highest."""
    runs: list[list[dict[str, float]]] = [[] for _ in servers]
    for _ in range(count):
        for server, path, done in zip(servers, paths, runs):
            done.append(wrk(server, tmp, script, server.url + path, connections, 5))
    return [sorted(done, key=lambda r: r["p99_ms"]) for done in runs]


def _ms(text: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", text).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def api_phase(tmp: Path, count: int) -> dict[str, list[dict[str, float]]]:
    """POST and GET figures of the service (granian), of the floor app (``bench.floor_app``) under granian and
    under gunicorn, and of the storage floor (``bench.floor_store``), taking turns."""
    svc = Service(tmp, f"bench-api-{uuid.uuid4().hex[:6]}", workers=1, background=False)
    floor, store_floor, gunicorn_floor = Floor("granian"), StoreFloor(tmp), Floor("gunicorn")
    servers: list[Server] = [svc, floor, store_floor, gunicorn_floor]
    try:
        for server in servers:  # warm-up: connections, caches, SQLite pages
            wrk(server, tmp, POST_LUA, server.url, 50, 3)
        post, floor_post, store_post, gunicorn_post = rounds(servers, tmp, POST_LUA, [""] * 4, 50, count)
        paths = []
        for server in (svc, store_floor):  # a row each to read (the floor reads nothing)
            made = requests.post(server.url + "/api/workspaces", json={"name": "get-target"},
                                 headers={"Authorization": f"Bearer {server.token}"}, timeout=30)
            paths.append(f"/api/workspaces/{made.json()['id']}")
        path, store_path = paths
        get, floor_get, store_get, gunicorn_get = rounds(servers, tmp, GET_LUA, [path, path, store_path, path], 8,
                                                         count)
        return {"post": post, "get": get, "floor_post": floor_post, "floor_get": floor_get,
                "store_post": store_post, "store_get": store_get,
                "gunicorn_floor_post": gunicorn_post, "gunicorn_floor_get": gunicorn_get}
    finally:
        for server in servers:
            server.stop()


def _runs(runs: list[dict[str, float]]) -> str:
    """The best and the median run of ``rounds``, and the spread of their p99."""
    best, median = runs[0], runs[len(runs) // 2]
    return (f"best run p99 {best['p99_ms']:.1f} ms (median {best['p50_ms']:.1f} ms, {best['rps']:.0f} req/s,"
            f" {best['cpu_us']:.0f} us server CPU/request, {best['steal_pct']:.0f}% stolen);"
            f" median run p99 {median['p99_ms']:.1f} ms ({median['rps']:.0f} req/s, {median['steal_pct']:.0f}% stolen);"
            f" p99 of all {len(runs)} runs: {', '.join(format(r['p99_ms'], '.0f') for r in runs)} ms")


def _best_rps(runs: list[dict[str, float]]) -> float:
    return max(r["rps"] for r in runs)


def wait_all(svc: Service, ids: list[str], states: set[str], timeout: float = 300) -> None:
    """Poll until every workspace in ``ids`` is in one of ``states``: one list request per pass, ten passes a
    second, so the measurement itself does not load the service (a GET per pending workspace every 20 ms
    kept a core busy during the 100-workspace batch, and the docker SDK peer has no such load)."""
    session = requests.Session()
    pending = set(ids)
    deadline = time.monotonic() + timeout
    while pending and time.monotonic() < deadline:
        page = session.get(f"{svc.url}/api/workspaces", params={"limit": 100}, headers=svc.headers, timeout=30).json()
        pending -= {ws["id"] for ws in page["items"] if ws["state"] in states}
        if page["total"] > 100:
            raise SystemExit("wait_all reads one page of 100 workspaces; this deployment holds more")
        if pending:
            time.sleep(0.1)
    if pending:
        raise SystemExit(f"{len(pending)} workspaces did not reach {states}")


def pickup_phase(tmp: Path, workers: int, client: docker.DockerClient) -> float:
    """p99 of queued-to-claimed, in ms, over 20 creates made one at a time (idle workers)."""
    instance = f"bench-pickup-{uuid.uuid4().hex[:6]}"
    svc = Service(tmp, instance, workers=workers, background=True)
    try:
        session = requests.Session()
        delays = []
        for i in range(20):
            r = session.post(svc.url + "/api/workspaces", json={"name": f"p{i}"}, headers=svc.headers, timeout=30)
            task_id, ws_id = r.json()["task_id"], r.json()["id"]
            wait_all(svc, [ws_id], {"running", "failed"})
            task = session.get(f"{svc.url}/api/tasks/{task_id}", headers=svc.headers, timeout=30).json()
            delays.append(_seconds(task["started_at"]) - _seconds(task["created_at"]))
            session.delete(f"{svc.url}/api/workspaces/{ws_id}", headers=svc.headers, timeout=30)
            time.sleep(0.3)
    finally:
        svc.stop()
        _remove(client, instance)
    return p99(delays) * 1000


def service_batch(tmp: Path, workers: int, client: docker.DockerClient) -> float:
    """Seconds for 100 workspaces created through the service to be running."""
    instance = f"bench-life-{uuid.uuid4().hex[:6]}"
    svc = Service(tmp, instance, workers=workers, background=True)
    try:
        start = time.perf_counter()
        with ThreadPoolExecutor(workers) as pool:
            ids = list(pool.map(lambda i: requests.post(
                svc.url + "/api/workspaces", json={"name": f"c{i}"}, headers=svc.headers, timeout=30).json()["id"],
                range(100)))
        wait_all(svc, ids, {"running"})
        return time.perf_counter() - start
    finally:
        svc.stop()
        _remove(client, instance)


def sdk_batch(workers: int, client: docker.DockerClient) -> float:
    """Seconds for the docker SDK alone to create and start 100 equivalent containers."""
    peer_instance = f"bench-peer-{uuid.uuid4().hex[:6]}"

    def peer(i: int) -> None:
        spec = ContainerSpec(workspace_id=uuid.uuid4().hex, owner="bench", image="workspace-base:latest",
                             resources=Resources(cpus=1.0, memory_mb=32, pids=256))
        config = container_config(spec, peer_instance, "1000:1000", Limits())
        host_config = client.api.create_host_config(**config.host)
        client.api.start(client.api.create_container(**config.container, host_config=host_config)["Id"])

    start = time.perf_counter()
    try:
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(peer, range(100)))
        return time.perf_counter() - start
    finally:
        _remove(client, peer_instance)


def batch_rounds(tmp: Path, workers: int, client: docker.DockerClient, count: int) -> list[tuple[float, float]]:
    """(service, SDK) seconds, the two alternating ``count`` times, ordered by their ratio."""
    pairs = [(service_batch(tmp, workers, client), sdk_batch(workers, client)) for _ in range(count)]
    return sorted(pairs, key=lambda pair: pair[0] / pair[1])


def _seconds(iso: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(iso).timestamp()


def _remove(client: docker.DockerClient, instance: str) -> None:
    for c in client.containers.list(all=True, filters={"label": f"{LABEL_INSTANCE}={instance}"}):
        c.remove(force=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=8, help="task workers, and the peer's thread count")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each HTTP measurement and of the batch comparison")
    parser.add_argument("--http-only", action="store_true", help="only the HTTP figures (no pick-up, no batches)")
    args = parser.parse_args()
    client = docker.from_env(timeout=120, max_pool_size=args.workers + 2)
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        api = api_phase(Path(tmp), args.rounds)
        load_api = os.getloadavg()
        pickup_ms = None if args.http_only else pickup_phase(Path(tmp), args.workers, client)
        batches = [] if args.http_only else batch_rounds(Path(tmp), args.workers, client, args.rounds)
    post, get = api["post"], api["get"]
    print(f"machine: {os.cpu_count()} cores; load average (1 min) {load_before[0]:.1f} before, {load_api[0]:.1f}"
          f" after the HTTP phase, {os.getloadavg()[0]:.1f} at the end; load generator: wrk, 1 thread")
    floor_post, floor_get = api["floor_post"], api["floor_get"]
    gunicorn_post, gunicorn_get = api["gunicorn_floor_post"], api["gunicorn_floor_get"]
    store_post, store_get = api["store_post"], api["store_get"]
    print(f"POST /api/workspaces, 50 connections: {_runs(post)}")
    print(f"  floor (the same routes and server, no work behind them): {_runs(floor_post)}")
    print(f"  floor under gunicorn gthread: {_runs(gunicorn_post)}")
    print(f"  storage floor (the floor recording the two rows through the service's store): {_runs(store_post)}")
    print(f"  storage floor / floor, best runs: p99 {store_post[0]['p99_ms'] / floor_post[0]['p99_ms']:.2f},"
          f" CPU per request {store_post[0]['cpu_us'] / floor_post[0]['cpu_us']:.2f}")
    print(f"  service / floor, best runs: p99 {post[0]['p99_ms'] / floor_post[0]['p99_ms']:.2f} (target <= 1.3),"
          f" CPU per request {post[0]['cpu_us'] / floor_post[0]['cpu_us']:.2f};"
          f" floor granian / gunicorn: p99 {floor_post[0]['p99_ms'] / gunicorn_post[0]['p99_ms']:.2f}"
          f" (target <= 1), req/s {_best_rps(floor_post) / _best_rps(gunicorn_post):.2f}")
    print(f"GET /api/workspaces/{{id}}, 8 connections: {_runs(get)}")
    print(f"  floor: {_runs(floor_get)}")
    print(f"  floor under gunicorn gthread: {_runs(gunicorn_get)}")
    print(f"  storage floor (the floor reading the row through the service's store): {_runs(store_get)}")
    print(f"  storage floor / floor, best runs: req/s {_best_rps(store_get) / _best_rps(floor_get):.2f},"
          f" CPU per request {store_get[0]['cpu_us'] / floor_get[0]['cpu_us']:.2f}")
    print(f"  service / floor, best runs: req/s {_best_rps(get) / _best_rps(floor_get):.2f} (target >= 0.7),"
          f" p99 {get[0]['p99_ms'] / floor_get[0]['p99_ms']:.2f},"
          f" CPU per request {get[0]['cpu_us'] / floor_get[0]['cpu_us']:.2f};"
          f" floor granian / gunicorn: req/s {_best_rps(floor_get) / _best_rps(gunicorn_get):.2f} (target >= 1)")
    if pickup_ms is None:
        return
    print(f"task pick-up delay, idle workers: p99 {pickup_ms:.1f} ms (target <= 100 ms)")
    rounds_text = "; ".join(f"{svc_s:.1f} s vs {sdk_s:.1f} s = {svc_s / sdk_s:.2f}" for svc_s, sdk_s in batches)
    best, median = batches[0], batches[len(batches) // 2]
    print(f"100 workspaces created and running, service vs docker SDK alone with {args.workers} threads"
          f" (target ratio <= 1.3): best round {best[0] / best[1]:.2f}, median round {median[0] / median[1]:.2f};"
          f" rounds: {rounds_text}")


if __name__ == "__main__":
    main()
