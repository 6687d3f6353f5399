"""Settings: the operator's whole configuration, read once from the environment into a frozen value.

Frozen so that every layer can hold the same object without anyone changing limits underneath a
running worker; every field has a default so the service runs with no configuration at all.
"""

from __future__ import annotations

import dataclasses
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field

PREFIX = "WORKSPACE_SERVICE_"


@dataclass(frozen=True)
class Limits:
    """Resource defaults given to a workspace that asks for nothing, and the ceilings it may ask for."""

    default_cpus: float = 1.0
    default_memory_mb: int = 512
    default_pids: int = 256
    max_cpus: float = 2.0
    max_memory_mb: int = 2048
    max_pids: int = 1024
    tmpfs_mb: int = 64


def default_database_url(environ: Mapping[str, str] | None = None) -> str:
    """A SQLite file in the user's data directory, ``$XDG_DATA_HOME/workspace-service/`` (without XDG_DATA_HOME,
    ``~/.local/share/workspace-service/``): the same database whichever directory the service is started from."""
    env = os.environ if environ is None else environ
    base = env.get("XDG_DATA_HOME") or os.path.join(env.get("HOME") or os.path.expanduser("~"), ".local", "share")
    return "sqlite:///" + os.path.join(os.path.abspath(base), "workspace-service", "workspace-service.db")


@dataclass(frozen=True)
class Settings:
    """Everything the operator can set; see ``from_env`` for the variable names."""

    database_url: str = field(default_factory=default_database_url)
    docker_url: str = ""  # empty: DOCKER_HOST or the default local socket
    docker_timeout: float = 30.0
    instance: str = "default"  # label value that marks this deployment's containers
    replica: str = field(default_factory=socket.gethostname)  # this ``serve`` among those sharing the database
    leader_lease: float = 10.0  # the reconciler's lease: a dead holder is replaced within 4/3 of this
    oci_runtime: str = ""  # the engine's runtime for every workspace (e.g. "runsc"); empty: the engine's default
    image_oci_runtimes: tuple[str, ...] = ()  # "image=runtime" pairs, over ``oci_runtime`` for those images
    workers: int = 8
    task_timeout: float = 120.0
    task_max_attempts: int = 5
    retry_backoff: float = 0.5
    retry_backoff_max: float = 15.0
    visibility_timeout: float = 30.0
    poll_interval: float = 0.5
    default_image: str = "workspace-base:latest"
    base_image: str = "workspace-base:latest"  # built by serve from scratch + busybox when allowed and missing
    allowed_images: tuple[str, ...] = ("workspace-base:latest",)
    projects_root: str = ""  # empty: project_path is refused
    container_user: str = "1000:1000"
    stop_timeout: int = 5
    max_batch: int = 100
    max_page: int = 100
    max_body_bytes: int = 65536  # a larger request body is refused with 413 before it is read
    reconcile_interval: float = 30.0
    restart_limit: int = 5
    restart_backoff: float = 1.0
    background: bool = True  # run the worker pool and the reconciler inside this process
    reconcile: bool = True  # run the reconciler too (``serve`` gives it to one gunicorn process only)
    host: str = "127.0.0.1"
    port: int = 8080
    http_server: str = "granian"  # or "gunicorn" (gthread: slow clients can hold its threads)
    http_processes: int = 2  # server worker processes: one GIL each; ``workers`` are split among them
    http_threads: int = 8
    header_seconds: float = 10.0  # a request's headers must be in within this (granian)
    body_seconds: float = 10.0  # and its body within this, or 408 (granian)
    client_connections: int = 64  # connections one client address may hold open, or 429 and closed (granian's front)
    volume_size_mb: int = 0  # quota of each workspace's home volume; 0: none (the engine must support it, see README)
    exec_timeout: float = 30.0  # seconds an exec may run when it names no timeout_s
    exec_timeout_max: float = 600.0  # the most timeout_s may ask for
    exec_output_bytes: int = 1048576  # bytes of stdout and of stderr an exec answers; the rest is cut, flagged
    exec_stdin_bytes: int = 32768  # the most stdin an exec may send (in the exec's environment; the body limit holds too)
    exec_concurrency: int = 4  # execs one workspace may have running at once, or 429
    exec_heartbeat_seconds: float = 10.0  # a silent streamed exec sends a comment this often (a gone client shows)
    upload_max_bytes: int = 67108864  # the largest body PUT .../files takes (413 beyond), file or tar
    upload_max_members: int = 10000  # entries a tar upload may hold
    logs_follow_seconds: float = 300.0  # the longest one follow of a container's logs streams
    idle_timeout: float = 0.0  # seconds without activity after which a running workspace is stopped; 0: never
    workspace_ttl: float = 0.0  # seconds after its creation a workspace is deleted (and the most ttl_s may ask); 0: none
    activity_interval: float = 10.0  # a process records a workspace's activity at most this often
    owner_max_workspaces: int = 0  # live workspaces one owner may have; 0: no quota
    owner_max_cpus: float = 0.0  # CPUs summed over an owner's live workspaces; 0: no quota
    owner_max_memory_mb: int = 0  # memory summed over an owner's live workspaces; 0: no quota
    limits: Limits = field(default_factory=Limits)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read ``WORKSPACE_SERVICE_<FIELD>`` (and ``..._LIMIT_<FIELD>``) variables; unknown ones are ignored."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for f in dataclasses.fields(cls):
            if f.name == "limits":
                continue
            raw = env.get(PREFIX + f.name.upper())
            if raw is not None:
                values[f.name] = _convert(raw, getattr(cls(), f.name), f.name)
        limits: dict[str, object] = {}
        for f in dataclasses.fields(Limits):
            raw = env.get(PREFIX + "LIMIT_" + f.name.upper())
            if raw is not None:
                limits[f.name] = _convert(raw, getattr(Limits(), f.name), f.name)
        values.setdefault("database_url", default_database_url(env))
        if "default_image" in values and "allowed_images" not in values:
            values["allowed_images"] = (str(values["default_image"]),)
        settings = cls(limits=Limits(**limits), **values)  # type: ignore[arg-type]
        settings.oci_runtimes()  # a malformed pair fails at start, not at the first create
        return settings

    def oci_runtimes(self) -> dict[str, str]:
        """``image_oci_runtimes`` as image -> runtime; raises ``ValueError`` naming a pair that is not one."""
        pairs: dict[str, str] = {}
        for pair in self.image_oci_runtimes:
            image, sep, runtime = pair.rpartition("=")
            if not sep or not image.strip() or not runtime.strip():
                raise ValueError(f"{PREFIX}IMAGE_OCI_RUNTIMES: {pair!r} is not image=runtime")
            pairs[image.strip()] = runtime.strip()
        return pairs


def _convert(raw: str, default: object, name: str) -> object:
    """Parse one variable to the type of its default, so a typo fails at start and not mid-request."""
    try:
        if isinstance(default, bool):
            if raw.lower() not in {"1", "0", "true", "false", "yes", "no"}:
                raise ValueError(raw)
            return raw.lower() in {"1", "true", "yes"}
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float):
            return float(raw)
        if isinstance(default, tuple):
            return tuple(part.strip() for part in raw.split(",") if part.strip())
    except ValueError as exc:
        raise ValueError(f"{PREFIX}{name.upper()}: cannot read {raw!r}") from exc
    return raw
