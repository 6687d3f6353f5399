"""``DockerRuntime``: the ``ContainerRuntime`` protocol on the docker SDK.

Every SDK call goes through ``call``, which turns the SDK's and requests' exceptions into the runtime's
own failure classes, so callers decide on retries by class and never see a docker or requests type.
The client is made on first use and again after a failure, so the service starts while Docker is down.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import quote

import docker
import docker.errors
import requests.exceptions
from docker.utils import parse_repository_tag

from service.runtime.errors import (
    ContainerNotFound,
    ImagePullFailed,
    PermanentRuntimeError,
    RuntimeUnavailable,
    TransientRuntimeError,
)
from service.runtime.docker_exec import DockerExec
from service.runtime.hardening import ContainerConfig, container_config, labels, volume_options
from service.runtime.protocol import (
    LABEL_ID,
    LABEL_INSTANCE,
    ContainerInfo,
    ContainerSpec,
    ContainerStats,
    ExecSpec,
    PathStat,
    RuntimeEvent,
    container_name,
    volume_name,
)
from service.runtime.tls import tls_config
from service.model import Resources
from service.settings import EngineTls, Limits

T = TypeVar("T")
GO_DIR, GO_SYMLINK = 1 << 31, 1 << 27  # Go's os.FileMode bits, as the engine reports a path's mode
GO_SPECIAL = (1 << 26) | (1 << 25) | (1 << 24) | (1 << 21) | (1 << 19)  # device, named pipe, socket, char device, irregular
ARCHIVE_CHUNK = 256 * 1024  # bytes per read of an archive the engine sends
WATCHED_EVENTS = ("create", "start", "die", "destroy", "oom")  # what can make a record untrue (see ``events``)


class DockerRuntime:
    """Talks to one Docker engine for one deployment (``instance``)."""

    def __init__(
        self,
        base_url: str = "",
        *,
        instance: str = "default",
        user: str = "1000:1000",
        limits: Limits | None = None,
        timeout: float = 30.0,
        pool_size: int = 10,
        volume_size_mb: int = 0,
        stream_timeout: float = 660.0,
        oci_runtime: str = "",
        image_oci_runtimes: Mapping[str, str] | None = None,
        tls: EngineTls | None = None,
    ) -> None:
        self.base_url = base_url
        self.tls = tls_config(tls) if tls is not None else None  # checked now: a bad file fails at start
        self.instance = instance
        self.user = user
        self.limits = limits or Limits()
        self.timeout = timeout
        self.pool_size = pool_size
        self.volume_size_mb = volume_size_mb
        self.stream_timeout = stream_timeout
        self.oci_runtime = oci_runtime
        self.image_oci_runtimes = dict(image_oci_runtimes or {})
        self._client: Any = None
        self._streamer: Any = None
        self._lock = threading.Lock()
        self._images: set[str] = set()  # seen present; saves an inspect per create (forgotten if it vanishes)

    # --- connection -------------------------------------------------------------------------------

    def _docker(self) -> Any:
        with self._lock:
            if self._client is None:
                self._client = self._connect(self.timeout)
            return self._client

    def _streams(self) -> Any:
        """The client for answers that may stay quiet for long (a command's output, followed logs): its read
        timeout is ``stream_timeout``, longer than the longest exec or follow the service allows."""
        with self._lock:
            if self._streamer is None:
                self._streamer = self._connect(self.stream_timeout)
            return self._streamer

    def _connect(self, timeout: float) -> Any:
        seconds = max(1, int(timeout))
        try:
            if self.base_url:
                return docker.DockerClient(base_url=self.base_url, timeout=seconds, max_pool_size=self.pool_size,
                                           tls=self.tls or False)
            return docker.from_env(timeout=seconds, max_pool_size=self.pool_size)
        except docker.errors.DockerException as exc:
            raise RuntimeUnavailable(f"Docker engine unreachable: {exc}") from exc

    def call(self, action: Callable[[Any], T], stream: bool = False) -> T:
        """``action(client)`` with the engine's failures as the runtime's own classes (see ``classified``);
        ``stream`` gives it the client for long, quiet answers."""
        return self.classified(lambda: action(self._streams() if stream else self._docker()))

    def classified(self, action: Callable[[], T]) -> T:
        """Run ``action``, turning the SDK's and requests' exceptions into the runtime's failure classes."""
        try:
            return action()
        except docker.errors.NotFound as exc:
            raise ContainerNotFound(_reason(exc)) from exc
        except docker.errors.APIError as exc:
            status = exc.status_code or 500
            if status >= 500 or status == 409:
                raise TransientRuntimeError(_reason(exc)) from exc
            raise PermanentRuntimeError(_reason(exc)) from exc
        except requests.exceptions.ConnectionError as exc:
            self._forget()
            raise RuntimeUnavailable(f"Docker engine unreachable: {exc}") from exc
        except requests.exceptions.Timeout as exc:
            raise TransientRuntimeError(f"Docker engine timed out: {exc}") from exc
        except docker.errors.DockerException as exc:
            self._forget()
            raise RuntimeUnavailable(f"Docker engine unreachable: {exc}") from exc

    def _forget(self) -> None:
        with self._lock:
            clients = (self._client, self._streamer)
            self._client = self._streamer = None
        for client in clients:
            if client is not None:
                client.close()

    def close(self) -> None:
        """Close the connection pool."""
        self._forget()

    # --- protocol ---------------------------------------------------------------------------------

    def ping(self) -> None:
        """Raise ``RuntimeUnavailable`` unless the engine answers."""
        self.call(lambda c: c.ping())

    def ensure_image(self, image: str) -> None:
        """Pull ``image`` unless it is present; a failed pull is ``ImagePullFailed`` with the reason."""
        if image in self._images:
            return
        try:
            self.call(lambda c: c.api.inspect_image(image))
            self._images.add(image)
            return
        except ContainerNotFound:
            pass
        repository, tag = parse_repository_tag(image)
        try:
            self.call(lambda c: c.api.pull(repository, tag=tag or "latest"))
        except (ContainerNotFound, PermanentRuntimeError, TransientRuntimeError) as exc:
            raise ImagePullFailed(f"pulling {image} failed: {exc}") from exc

    def create(self, spec: ContainerSpec) -> str:
        """Create the workspace's container (and, unless a project directory is its home, its home volume, or
        find the one an earlier container had), or adopt the container an earlier attempt already created."""
        config = container_config(spec, self.instance, self.user, self.limits, self.oci_runtime_for(spec.image))
        if spec.environment:  # the owner's variables and secrets: the container's own, so every exec sees them
            config = ContainerConfig({**config.container, "environment": dict(spec.environment)}, config.host)
        if spec.project_dir is None:
            self._ensure_volume(spec)
        try:
            return str(self.call(lambda c: _create(c, config)))
        except ContainerNotFound as exc:  # the image was removed since ensure_image saw it: pull on retry
            self._images.discard(spec.image)
            raise TransientRuntimeError(f"image {spec.image} is gone: {exc}") from exc
        except TransientRuntimeError:
            existing = self.find(spec.workspace_id)
            if existing is None or existing.state in {"removing", "dead"}:
                raise
            if existing.workspace_id != spec.workspace_id:
                raise PermanentRuntimeError(f"name {config.container['name']} is held by a container this service did not make")
            return existing.id

    def oci_runtime_for(self, image: str) -> str:
        """The engine runtime the operator requires for ``image``'s workspaces (empty: the engine's default)."""
        return self.image_oci_runtimes.get(image, self.oci_runtime)

    def start(self, container_id: str) -> None:
        """Start a container (starting a running one is a no-op for Docker)."""
        self.call(lambda c: c.api.start(container_id))

    def stop(self, container_id: str, timeout: int) -> None:
        """Stop a container, killing it after ``timeout`` seconds."""
        self.call(lambda c: c.api.stop(container_id, timeout=timeout))

    def restart(self, container_id: str, timeout: int) -> None:
        """Restart a container."""
        self.call(lambda c: c.api.restart(container_id, timeout=timeout))

    def remove(self, container_id: str) -> None:
        """Remove a container by force; one that is gone or already being removed counts as removed."""
        try:
            self.call(lambda c: c.api.remove_container(container_id, force=True, v=True))
        except ContainerNotFound:
            return
        except TransientRuntimeError as exc:
            if "already in progress" not in str(exc):
                raise

    def _ensure_volume(self, spec: ContainerSpec) -> None:
        """Create the home volume unless it exists. Docker answers a create of an existing name with that
        volume, so a retry or a recreated container gets the same files; a volume of that name this
        deployment did not make is refused rather than mounted."""
        name = volume_name(spec.workspace_id)
        options = volume_options(self.volume_size_mb)
        try:
            found = self.call(lambda c: c.api.create_volume(name, driver="local", driver_opts=options or None,
                                                               labels=labels(spec, self.instance)))
        except (TransientRuntimeError, PermanentRuntimeError) as exc:
            if options:  # e.g. "quota size requested but no quota support": retrying cannot change that
                raise PermanentRuntimeError(f"home volume with a {self.volume_size_mb} MB quota refused: {exc}") from exc
            raise
        if (found.get("Labels") or {}).get(LABEL_ID) != spec.workspace_id:
            raise PermanentRuntimeError(f"volume {name} exists but this service did not make it")

    def remove_volume(self, workspace_id: str) -> None:
        """Remove the workspace's home volume; a missing one counts as removed (the delete may run again)."""
        try:
            self.call(lambda c: c.api.remove_volume(volume_name(workspace_id)))
        except ContainerNotFound:
            return

    def update(self, container_id: str, resources: Resources) -> None:
        """Change a container's CPU, memory (swap kept equal: none) and pids limits in place, running or not.

        The SDK's ``update_container`` has neither ``NanoCpus`` (the container was made with it, and Docker
        refuses mixing it with a CPU quota) nor ``PidsLimit``, so the engine's documented endpoint
        (``POST /containers/{id}/update``) is called through the client's own HTTP session.
        """
        memory = resources.memory_mb * 1024 * 1024
        body = {"NanoCpus": int(resources.cpus * 1e9), "Memory": memory, "MemorySwap": memory,
                "PidsLimit": resources.pids}
        self.call(lambda c: _post_update(c, container_id, body))

    def exec(self, container_id: str, spec: ExecSpec) -> DockerExec:
        """Start ``spec`` in the container as the workspace user (see ``docker_exec``)."""
        return DockerExec(self, container_id, spec)

    def put_archive(self, container_id: str, folder: str, data: bytes) -> None:
        """Extract the tar ``data`` into ``folder`` of the container (the engine's archive API, ``docker cp``)."""
        self.call(lambda c: c.api.put_archive(container_id, folder, data))

    def stat_path(self, container_id: str, path: str) -> PathStat | None:
        """What ``path`` is in the container (a link at its end is reported, not followed), or None if it does
        not exist: the engine's documented ``HEAD /containers/{id}/archive``, which the SDK does not wrap,
        called through the client's own HTTP session like ``update``; no exec, no content read."""
        try:
            found = self.call(lambda c: _head_archive(c, container_id, path))
        except ContainerNotFound as exc:
            if "no such container" in str(exc).lower():
                raise
            return None
        mode = int(found.get("mode", 0))
        kind = "link" if found.get("linkTarget") or mode & GO_SYMLINK else "dir" if mode & GO_DIR else \
            "file" if not mode & GO_SPECIAL else "other"
        return PathStat(kind, int(found.get("size", 0)))

    def get_archive(self, container_id: str, path: str) -> Chunks:
        """A tar of ``path`` in the container (a file, or a folder with everything below it), as it is read."""
        stream, _stat = self.call(lambda c: c.api.get_archive(container_id, path, chunk_size=ARCHIVE_CHUNK),
                                  stream=True)
        return Chunks(self, stream)

    def logs(self, container_id: str, tail: int | None, follow: bool) -> Chunks:
        """The container's output (stdout and stderr as the engine interleaves them), the last ``tail`` lines or
        all; ``follow`` keeps the stream open for what comes next, until the container stops."""
        stream = self.call(lambda c: c.api.logs(container_id, stdout=True, stderr=True, stream=True, follow=follow,
                                                tail="all" if tail is None else tail), stream=True)
        return Chunks(self, stream)

    def inspect(self, container_id: str) -> ContainerInfo | None:
        """The container's current state, or None if it does not exist."""
        try:
            data = self.call(lambda c: c.api.inspect_container(container_id))
        except ContainerNotFound:
            return None
        return _info_from_inspect(data)

    def find(self, workspace_id: str) -> ContainerInfo | None:
        """The workspace's container found by its name, or None."""
        return self.inspect(container_name(workspace_id))

    def stats(self, container_id: str) -> ContainerStats:
        """One sample of CPU and memory use (one-shot: the streaming default costs a second per call)."""
        data = self.call(lambda c: c.api.stats(container_id, stream=False, one_shot=True))
        cpu = data.get("cpu_stats", {}).get("cpu_usage", {}).get("total_usage", 0) or 0
        memory = data.get("memory_stats", {}) or {}
        return ContainerStats(
            cpu_seconds=cpu / 1e9,
            memory_bytes=int(memory.get("usage", 0) or 0),
            memory_limit_bytes=int(memory.get("limit", 0) or 0),
        )

    def list_managed(self) -> list[ContainerInfo]:
        """Every container this deployment made, running or not."""
        rows = self.call(
            lambda c: c.api.containers(all=True, filters={"label": f"{LABEL_INSTANCE}={self.instance}"})
        )
        return [
            ContainerInfo(
                id=row["Id"],
                workspace_id=(row.get("Labels") or {}).get(LABEL_ID),
                state=row.get("State", "unknown"),
                labels=row.get("Labels") or {},
            )
            for row in rows
        ]

    def home_volumes(self) -> list[str]:
        """The workspace ids of the home volumes this deployment made on this engine: those carrying its instance
        label and named after the workspace their id label names (a volume of another name is never counted)."""
        found = self.call(lambda c: c.api.volumes(filters={"label": f"{LABEL_INSTANCE}={self.instance}"}))
        ids = [((row.get("Labels") or {}).get(LABEL_ID), row.get("Name")) for row in found.get("Volumes") or []]
        return [workspace_id for workspace_id, name in ids if workspace_id and name == volume_name(workspace_id)]

    def events(self, until: float) -> _Events:
        """This deployment's container events from now until ``until`` (epoch seconds).

        Only the events that can make a record untrue: a container appeared (an orphan, if no workspace owns
        it), started (a stopped workspace's container started behind the service's back), stopped running, or
        went away. Attaches, execs and the like change no state, and each event costs the reconciler a read of
        the store (a start by the service's own task is about a busy workspace: no Docker call follows)."""
        filters = {
            "type": "container",
            "label": f"{LABEL_INSTANCE}={self.instance}",
            "event": list(WATCHED_EVENTS),
        }
        stream = self.call(lambda c: c.api.events(until=int(until) + 1, filters=filters, decode=True))
        return _Events(stream, self)


class Chunks:
    """Bytes the engine streams (an archive, logs): failures while reading are the runtime's own classes."""

    def __init__(self, runtime: DockerRuntime, stream: Any) -> None:
        self._runtime = runtime
        self._stream = stream

    def __iter__(self) -> Iterator[bytes]:
        raw: Iterator[bytes] = iter(self._stream)
        while True:
            chunk = self._runtime.classified(lambda: next(raw, None))
            if chunk is None:
                return
            if chunk:
                yield chunk

    def close(self) -> None:
        """Stop reading (the engine's answer is dropped); a read in progress on another thread ends by itself."""
        close = getattr(self._stream, "close", None)
        if close is not None:
            try:
                close()
            except ValueError:  # "generator already executing": a pump's thread is inside a read
                pass


class _Events:
    """Wraps the SDK's cancellable event stream so failures mid-stream surface as runtime failures."""

    def __init__(self, stream: Any, runtime: DockerRuntime) -> None:
        self._stream = stream
        self._runtime = runtime

    def __iter__(self) -> Iterator[RuntimeEvent]:
        raw: Iterator[dict[str, Any]] = iter(self._stream)
        while True:
            try:
                item = self._runtime.classified(lambda: next(raw, None))
            except (ValueError, AttributeError, OSError) as exc:  # stream closed under us by close()
                raise RuntimeUnavailable(f"event stream closed: {exc}") from exc
            if item is None:
                return
            attrs = (item.get("Actor") or {}).get("Attributes") or {}
            workspace_id = attrs.get(LABEL_ID)
            if workspace_id:
                yield RuntimeEvent(workspace_id=workspace_id, action=str(item.get("Action", "")))

    def close(self) -> None:
        """Stop the stream from another thread."""
        try:
            self._stream.close()
        except Exception:  # noqa: BLE001 - closing a broken stream must not raise in shutdown
            pass


def _create(client: Any, config: ContainerConfig) -> str:
    """``APIClient.create_container``: unlike ``containers.create`` it adds no inspect to return a model
    object, and only the id is used."""
    host_config = client.api.create_host_config(**config.host)
    return str(client.api.create_container(**config.container, host_config=host_config)["Id"])


def _post_update(client: Any, container_id: str, body: dict[str, Any]) -> None:
    """``POST /containers/{id}/update`` at the client's negotiated API version; an engine refusal is raised
    as the SDK's own error classes, so ``call`` classifies it like any other call's."""
    api = client.api
    url = f"{api.base_url}/v{api.api_version}/containers/{quote(container_id, safe='')}/update"
    response = api.post(url, json=body, timeout=api.timeout)
    if response.status_code < 400:
        return
    try:
        message = str(response.json().get("message", ""))
    except ValueError:
        message = response.text
    error = docker.errors.NotFound if response.status_code == 404 else docker.errors.APIError
    raise error(f"{response.status_code} updating {container_id}", response=response, explanation=message)


def _head_archive(client: Any, container_id: str, path: str) -> dict[str, Any]:
    """``HEAD /containers/{id}/archive?path=...``: the path's stat, from the ``X-Docker-Container-Path-Stat``
    header (base64 of a JSON object); an engine refusal is raised as the SDK's own error classes."""
    api = client.api
    url = f"{api.base_url}/v{api.api_version}/containers/{quote(container_id, safe='')}/archive"
    response = api.head(url, params={"path": path}, timeout=api.timeout)
    if response.status_code < 400:
        found = json.loads(base64.b64decode(response.headers.get("X-Docker-Container-Path-Stat", "") or b"e30="))
        return dict(found)
    error = docker.errors.NotFound if response.status_code == 404 else docker.errors.APIError
    raise error(f"{response.status_code} stat of {path} in {container_id}", response=response,
                explanation=response.headers.get("X-Docker-Container-Path-Stat") or response.reason)


def _reason(exc: Exception) -> str:
    explanation = getattr(exc, "explanation", None)
    return str(explanation or exc)


def _timestamp(value: str | None) -> float | None:
    """Seconds since the epoch of a Docker RFC 3339 time; ``None`` for none or Docker's "never" (year 1).

    Since 3.11 ``fromisoformat`` takes the trailing "Z" and truncates nanoseconds to microseconds.
    """
    if not value or value.startswith("0001-"):
        return None
    return datetime.fromisoformat(value).timestamp()


def _info_from_inspect(data: dict[str, Any]) -> ContainerInfo:
    state = data.get("State") or {}
    labels = (data.get("Config") or {}).get("Labels") or {}
    return ContainerInfo(
        id=data["Id"],
        workspace_id=labels.get(LABEL_ID),
        state=state.get("Status", "unknown"),
        started_at=_timestamp(state.get("StartedAt")),
        exit_code=state.get("ExitCode"),
        error=state.get("Error") or None,
        labels=labels,
        oci_runtime=(data.get("HostConfig") or {}).get("Runtime") or None,
    )
