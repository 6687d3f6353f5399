"""Containers: the ``ContainerRuntime`` protocol the rest of the service talks to, and its Docker implementation."""

from service.runtime.errors import (
    ContainerNotFound,
    ContainerNotRunning,
    ImagePullFailed,
    PermanentRuntimeError,
    RuntimeFailure,
    RuntimeUnavailable,
    TransientRuntimeError,
)
from service.runtime.protocol import (
    ByteStream,
    ContainerInfo,
    ContainerRuntime,
    ContainerSpec,
    ContainerStats,
    ExecSession,
    ExecSpec,
    Output,
    PathStat,
    RuntimeEvent,
)

__all__ = [
    "ByteStream",
    "ContainerInfo",
    "ContainerNotFound",
    "ContainerNotRunning",
    "ContainerRuntime",
    "ContainerSpec",
    "ContainerStats",
    "ExecSession",
    "ExecSpec",
    "ImagePullFailed",
    "Output",
    "PathStat",
    "PermanentRuntimeError",
    "RuntimeEvent",
    "RuntimeFailure",
    "RuntimeUnavailable",
    "TransientRuntimeError",
]
