"""Runtime failures, sorted by what the caller should do about them.

The task worker retries ``TransientRuntimeError`` (counting attempts), waits out ``RuntimeUnavailable``
(without counting: the daemon being down is not the task's fault) and gives up on ``PermanentRuntimeError``.
"""

from __future__ import annotations


class RuntimeFailure(Exception):
    """Any failure talking to the container engine."""


class RuntimeUnavailable(RuntimeFailure):
    """The engine does not answer at all (socket closed, daemon stopped)."""


class TransientRuntimeError(RuntimeFailure):
    """The engine answered with an error worth retrying (5xx, timeout, a container still being removed)."""


class PermanentRuntimeError(RuntimeFailure):
    """The engine refused the request for a reason retrying will not change."""


class ImagePullFailed(PermanentRuntimeError):
    """The image is not present and could not be pulled; the message is the registry's reason."""


class ContainerNotFound(RuntimeFailure):
    """The container does not exist (any more)."""


class ContainerNotRunning(RuntimeFailure):
    """The container exists but is not running, so nothing can run inside it."""
