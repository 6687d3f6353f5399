"""A workspace's container output: the owner's workspace only, the last ``tail`` lines, followed for at most
``logs_follow_seconds``.

A follow ends when the container stops (the engine ends the stream), when the client goes away (the server
front closes the stream at the next piece it cannot send), or at the bound: the engine does not end a
quiet follow by itself (its ``until`` is checked only when a line arrives), so the stream is read through a
``Pump`` and given up at the deadline.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

from service.domain.errors import Conflict, NotFound, Unavailable
from service.domain.pump import Pump
from service.runtime import ByteStream, ContainerNotFound, RuntimeFailure
from service.runtime.engines import EngineSet
from service.settings import Settings
from service.store import Store
from service.store import workspaces as workspace_rows

MAX_TAIL = 100_000


class LogStream:
    """The output as it arrives, until the stream ends or the deadline; ``close`` stops reading."""

    def __init__(self, source: ByteStream, seconds: float) -> None:
        self.source = source
        self.deadline = time.monotonic() + seconds

    def __iter__(self) -> Iterator[bytes]:
        pump: Pump[bytes] = Pump(self.source, "logs")
        while True:
            try:
                chunk = pump.get(self.deadline - time.monotonic())
            except (TimeoutError, RuntimeFailure):
                return  # the bound, or the engine let go midway: the answer ends here
            if chunk is None:
                return
            yield chunk

    def close(self) -> None:
        self.source.close()


class Logs:
    """Reads the output of the owner's workspaces' containers."""

    def __init__(self, store: Store, engines: EngineSet, settings: Settings) -> None:
        self.store = store
        self.engines = engines
        self.settings = settings

    def read(self, owner: str, workspace_id: str, tail: int | None, follow: bool) -> LogStream:
        """The output of the workspace's container (404 for another owner's, 409 without a container)."""
        with self.store.read() as conn:
            ws = workspace_rows.get(conn, workspace_id, owner)
        if ws is None:
            raise NotFound(f"no workspace {workspace_id}")
        if ws.container_id is None:
            raise Conflict(f"the workspace has no container yet (it is {ws.state.value})", state=ws.state.value)
        try:
            source = self.engines.runtime(ws.engine).logs(ws.container_id, tail, follow)
        except ContainerNotFound as exc:
            raise Conflict(f"the workspace's container is gone ({exc})", state=ws.state.value) from exc
        except RuntimeFailure as exc:
            raise Unavailable(f"the container engine failed: {exc}") from exc
        return LogStream(source, self.settings.logs_follow_seconds)
