"""The hardened container configuration every workspace gets.

A workspace runs code nobody reviewed, so the defaults take away everything a tool does not need: all
capabilities, privilege escalation, a writable root, the network, swap, unbounded processes, and root.
Only the resources are the owner's choice, and those within the operator's ceilings (checked upstream).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from service.runtime.protocol import LABEL_ID, LABEL_INSTANCE, LABEL_OWNER, ContainerSpec, container_name
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


def container_config(spec: ContainerSpec, instance: str, user: str, limits: Limits) -> ContainerConfig:
    """The hardened configuration of one workspace's container."""
    memory = f"{spec.resources.memory_mb}m"
    tmpfs = {"/tmp": f"rw,noexec,nosuid,nodev,size={limits.tmpfs_mb}m"}
    binds: dict[str, dict[str, str]] = {}
    if spec.project_dir is not None:
        binds[spec.project_dir] = {"bind": WORKDIR, "mode": "rw"}
    else:
        uid, _, gid = user.partition(":")
        tmpfs[WORKDIR] = f"rw,nosuid,nodev,size={limits.tmpfs_mb}m,uid={uid},gid={gid or uid}"
    container = {
        "image": spec.image,
        "name": container_name(spec.workspace_id),
        "labels": {LABEL_ID: spec.workspace_id, LABEL_INSTANCE: instance, LABEL_OWNER: spec.owner},
        "detach": True,
        "user": user,
        "working_dir": WORKDIR,
        "volumes": [WORKDIR] if binds else None,
    }
    host = {
        "cap_drop": ["ALL"],
        "security_opt": ["no-new-privileges:true"],
        "read_only": True,
        "tmpfs": tmpfs,
        "binds": binds or None,
        "pids_limit": spec.resources.pids,
        "mem_limit": memory,
        "memswap_limit": memory,  # equal to the memory limit: no swap
        "nano_cpus": int(spec.resources.cpus * 1e9),
        "network_mode": "none",
        "init": True,
        "ipc_mode": "private",
        "restart_policy": {"Name": "no"},  # the reconciler restarts, bounded; Docker must not race it
    }
    return ContainerConfig(container, host)
