"""``EngineSet``: the runtime of each Docker engine the operator lists, by engine name, and what is known of
which engines answer.

Every workspace lives on one engine (its row's ``engine``); callers route by that name before they call the
``ContainerRuntime``, which stays the protocol of one engine. ``EngineHealth`` remembers the engines whose
calls failed with ``RuntimeUnavailable`` (noted by the task executor, the reconciler and the status endpoint)
for ``DOWN_SECONDS`` after the last failure, so placement avoids them without a call of its own; a success
clears it at once. It is per process: another process that has seen no failure treats the engine as up.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping

from service.runtime.errors import RuntimeUnavailable
from service.runtime.protocol import ContainerRuntime

DOWN_SECONDS = 15.0  # a failure is forgotten this long after it was seen, unless another one comes


class EngineHealth:
    """Which engines failed to answer lately (thread-safe; shared by every thread of the process)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, down_seconds: float = DOWN_SECONDS) -> None:
        self.clock = clock
        self.down_seconds = down_seconds
        self._failed: dict[str, tuple[float, str]] = {}  # engine -> (when its last call failed, why)
        self._lock = threading.Lock()

    def failed(self, engine: str, reason: str) -> None:
        """A call to ``engine`` found it unreachable."""
        with self._lock:
            self._failed[engine] = (self.clock(), reason)

    def answered(self, engine: str) -> None:
        """A call to ``engine`` got an answer."""
        with self._lock:
            self._failed.pop(engine, None)

    def down(self, engine: str) -> str | None:
        """Why ``engine`` is known to be down, or None (it answered last, or its failure is older than the bound)."""
        with self._lock:
            found = self._failed.get(engine)
        if found is None or self.clock() - found[0] > self.down_seconds:
            return None
        return found[1]


class EngineSet:
    """The runtimes by engine name; ``health`` is shared by everything that routes through this set."""

    def __init__(self, runtimes: Mapping[str, ContainerRuntime], health: EngineHealth | None = None) -> None:
        if not runtimes:
            raise ValueError("an EngineSet needs at least one engine")
        self._runtimes = dict(runtimes)
        self.health = health or EngineHealth()

    def names(self) -> tuple[str, ...]:
        """The engine names, in the operator's order."""
        return tuple(self._runtimes)

    def items(self) -> Iterator[tuple[str, ContainerRuntime]]:
        """Each engine's name and runtime."""
        return iter(self._runtimes.items())

    def runtime(self, engine: str) -> ContainerRuntime:
        """The runtime of ``engine``; one the settings no longer list is ``RuntimeUnavailable`` (its workspaces'
        work waits until the operator lists it again, like an engine that does not answer)."""
        found = self._runtimes.get(engine)
        if found is None:
            raise RuntimeUnavailable(f"engine {engine!r} is not among the configured engines")
        return found

    def close(self) -> None:
        """Close every engine's connections."""
        for runtime in self._runtimes.values():
            runtime.close()
