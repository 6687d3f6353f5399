"""Settings: the operator's whole configuration, read once from the environment into a frozen value.

Frozen so that every layer can hold the same object without anyone changing limits underneath a
running worker; every field has a default so the service runs with no configuration at all.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

PREFIX = "WORKSPACE_SERVICE_"
ENGINES_VARIABLE = PREFIX + "ENGINES"
DEFAULT_ENGINE = "default"  # the one engine of a deployment that lists none (``docker_url``'s)
ENGINE_NAME = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")
ENGINE_SCHEMES = ("unix://", "tcp://")


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


@dataclass(frozen=True)
class EngineTls:
    """The client files for a remote engine's TLS endpoint (``dockerd --tlsverify``): its CA, our certificate and key."""

    ca: str
    cert: str
    key: str


@dataclass(frozen=True)
class EngineSpec:
    """One Docker engine the operator lists: where it is, how many workspaces it takes (0: no bound), and the
    labels a workspace may ask for (``engine_labels`` at create)."""

    name: str
    url: str  # unix://... or tcp://...; empty only for the implicit default engine: ``Settings.docker_url``
    capacity: int = 0
    labels: dict[str, str] = field(default_factory=dict)  # never changed after parsing (the spec is not hashed)
    tls: EngineTls | None = None


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
    # the engines workspaces are placed on (``WORKSPACE_SERVICE_ENGINES``); none given: one, "default", at docker_url
    # (its url left empty, so a ``dataclasses.replace`` of docker_url still moves it)
    engines: tuple[EngineSpec, ...] = ()

    def __post_init__(self) -> None:
        if not self.engines:
            object.__setattr__(self, "engines", (EngineSpec(DEFAULT_ENGINE, ""),))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read ``WORKSPACE_SERVICE_<FIELD>`` (and ``..._LIMIT_<FIELD>``) variables; unknown ones are ignored."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for f in dataclasses.fields(cls):
            if f.name in ("limits", "engines"):
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
        raw_engines = env.get(ENGINES_VARIABLE)
        if raw_engines is not None:
            values["engines"] = parse_engines(raw_engines)
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


class EngineListError(ValueError):
    """``WORKSPACE_SERVICE_ENGINES`` cannot be read; the message is one line naming the variable."""


def parse_engines(raw: str) -> tuple[EngineSpec, ...]:
    """``WORKSPACE_SERVICE_ENGINES``: a JSON array of engine objects, or ``@path`` naming a file holding one;
    raises ``EngineListError`` with one line naming the variable (and the engine and field) and what is wrong."""
    try:
        return _engines(raw)
    except EngineListError:
        raise
    except ValueError as exc:
        raise EngineListError(str(exc)) from exc


def _engines(raw: str) -> tuple[EngineSpec, ...]:
    text = raw
    if raw.startswith("@"):
        try:
            with open(raw[1:], encoding="utf-8") as handle:
                text = handle.read()
        except OSError as exc:
            raise ValueError(f"{ENGINES_VARIABLE}: cannot read {raw[1:]!r}: {exc.strerror or exc}") from exc
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise ValueError(f"{ENGINES_VARIABLE}: not JSON ({exc})") from exc
    if not isinstance(document, list) or not document:
        raise ValueError(f"{ENGINES_VARIABLE}: must be a non-empty JSON array of engine objects")
    engines = tuple(_engine(item, index) for index, item in enumerate(document))
    names = [engine.name for engine in engines]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise ValueError(f"{ENGINES_VARIABLE}: engine name {twice[0]!r} is listed more than once")
    return engines


_ENGINE_KEYS = {"name", "url", "capacity", "labels", "tls"}
_TLS_KEYS = ("ca", "cert", "key")


def _engine(item: object, index: int) -> EngineSpec:
    """One engine object, checked field by field so the error says which engine and which field."""
    where = f"{ENGINES_VARIABLE}[{index}]"
    if not isinstance(item, dict):
        raise ValueError(f"{where}: must be an object with name, url, capacity, labels, tls")
    unknown = sorted(set(item) - _ENGINE_KEYS)
    if unknown:
        raise ValueError(f"{where}: unknown field {unknown[0]!r} (known: capacity, labels, name, tls, url)")
    name = item.get("name")
    if not isinstance(name, str) or not ENGINE_NAME.fullmatch(name):
        raise ValueError(f"{where}.name: {name!r} is not a DNS label (a-z, 0-9 and '-', at most 63)")
    url = item.get("url")
    if not isinstance(url, str) or not url.startswith(ENGINE_SCHEMES) or url in ENGINE_SCHEMES:
        raise ValueError(f"{where}.url: {url!r} is not a unix://... or tcp://... URL")
    capacity = item.get("capacity", 0)
    if type(capacity) is not int or capacity < 0:
        raise ValueError(f"{where}.capacity: {capacity!r} is not an integer >= 0 (0: unbounded)")
    labels = item.get("labels", {})
    if not isinstance(labels, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in labels.items()):
        raise ValueError(f"{where}.labels: must be an object of strings to strings")
    return EngineSpec(name, url, capacity, dict(labels), _tls(item.get("tls"), where))


def _tls(value: Any, where: str) -> EngineTls | None:
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) != set(_TLS_KEYS) or not all(
            isinstance(value[k], str) and value[k] for k in _TLS_KEYS):
        raise ValueError(f"{where}.tls: must be an object of exactly ca, cert and key, each a file path")
    return EngineTls(value["ca"], value["cert"], value["key"])
