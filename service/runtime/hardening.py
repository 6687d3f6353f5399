"""The hardened container configuration every workspace gets.

A workspace runs code nobody reviewed, so the defaults take away everything a tool does not need: all
capabilities, privilege escalation, a writable root, the network, swap, unbounded processes, and root.
Only the resources are the owner's choice, and those within the operator's ceilings (checked upstream).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from service.runtime.protocol import (
    LABEL_ID,
    LABEL_INSTANCE,
    LABEL_OWNER,
    ContainerSpec,
    container_name,
    volume_name,
)
from service.settings import Limits

WORKDIR = "/workspace"


@dataclass(frozen=True)
class ContainerConfig:
    """One workspace's container, as the docker SDK's documented low-level calls take it.

    ``container`` are the arguments of ``APIClient.create_container`` (without ``host_config``), ``host``
    those of ``APIClient.create_host_config``: the SDK builds the engine's request from them, so no private
    SDK helper is needed to translate a high-level ``containers.create`` call.
    """

    container: dict[str, Any]
    host: dict[str, Any]


def labels(spec: ContainerSpec, instance: str) -> dict[str, str]:
    """The labels a workspace's container and its home volume carry: whose they are, and which deployment's."""
    return {LABEL_ID: spec.workspace_id, LABEL_INSTANCE: instance, LABEL_OWNER: spec.owner}


def volume_options(size_mb: int) -> dict[str, str]:
    """The local volume driver's options for a home volume: a size quota when the operator sets one.

    The engine honours ``size`` only where the volumes' directory is on xfs mounted with project quotas;
    elsewhere it refuses the volume ("quota size requested but no quota support"), which the runtime reports
    as a permanent failure, so an operator who asked for a quota never gets unbounded volumes silently."""
    return {"size": f"{size_mb}m"} if size_mb > 0 else {}


def container_config(spec: ContainerSpec, instance: str, user: str, limits: Limits,
                     oci_runtime: str = "") -> ContainerConfig:
    """The hardened configuration of one workspace's container, under ``oci_runtime`` (empty: the engine's
    default; ``runsc`` adds gVisor's user-space kernel beneath the same restrictions).

    ``/workspace`` is the owner's project directory when one is mounted, else the workspace's own named
    volume (``volume_name``), so files survive stop, start, restart, resize and a recreated container."""
    memory = f"{spec.resources.memory_mb}m"
    tmpfs = {"/tmp": f"rw,noexec,nosuid,nodev,size={limits.tmpfs_mb}m"}
    home = spec.project_dir if spec.project_dir is not None else volume_name(spec.workspace_id)
    binds = {home: {"bind": WORKDIR, "mode": "rw"}}
    container = {
        "image": spec.image,
        "name": container_name(spec.workspace_id),
        "labels": labels(spec, instance),
        "detach": True,
        "user": user,
        "working_dir": WORKDIR,
        "volumes": [WORKDIR],
    }
    host = {
        "cap_drop": ["ALL"],
        "security_opt": ["no-new-privileges:true"],
        "read_only": True,
        "tmpfs": tmpfs,
        "binds": binds,
        "pids_limit": spec.resources.pids,
        "mem_limit": memory,
        "memswap_limit": memory,  # equal to the memory limit: no swap
        "nano_cpus": int(spec.resources.cpus * 1e9),
        "network_mode": "none",
        "init": True,
        "ipc_mode": "private",
        "restart_policy": {"Name": "no"},  # the reconciler restarts, bounded; Docker must not race it
    }
    if oci_runtime:
        host["runtime"] = oci_runtime
    return ContainerConfig(container, host)
