"""Containers: the ``ContainerRuntime`` protocol the rest of the service talks to, and its Docker implementation."""

from service.runtime.errors import (
    ContainerNotFound,
    ImagePullFailed,
    PermanentRuntimeError,
    RuntimeFailure,
    RuntimeUnavailable,
    TransientRuntimeError,
)
from service.runtime.protocol import ContainerInfo, ContainerRuntime, ContainerSpec, ContainerStats, RuntimeEvent

__all__ = [
    "ContainerInfo",
    "ContainerNotFound",
    "ContainerRuntime",
    "ContainerSpec",
    "ContainerStats",
    "ImagePullFailed",
    "PermanentRuntimeError",
    "RuntimeEvent",
    "RuntimeFailure",
    "RuntimeUnavailable",
    "TransientRuntimeError",
]
