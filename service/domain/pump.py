"""Reading a blocking engine stream on a thread of its own, so the reader's caller can wait with a deadline.

An engine read (a command's output, followed logs) blocks until the engine sends something, and the
docker SDK offers no way to interrupt it from another thread. The caller of ``Pump.get`` waits on a queue
instead, with a timeout, and can give up on a stream that stays quiet; the pump's thread then ends when
the engine next sends or ends the stream (at the latest at the stream client's read timeout).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable
from typing import Generic, TypeVar

from service.runtime import RuntimeFailure

T = TypeVar("T")
_END = object()


class Pump(Generic[T]):
    """The items of ``source``, read ahead on a daemon thread."""

    def __init__(self, source: Iterable[T], name: str) -> None:
        self._source = source
        self._queue: queue.Queue[object] = queue.Queue()
        threading.Thread(target=self._read, name=name, daemon=True).start()

    def _read(self) -> None:
        try:
            for item in self._source:
                self._queue.put(item)
        except RuntimeFailure as exc:
            self._queue.put(exc)
        self._queue.put(_END)

    def get(self, timeout: float) -> T | None:
        """The next item, or None at the end of the stream; ``TimeoutError`` when none came within
        ``timeout`` seconds, and the stream's ``RuntimeFailure`` when reading it failed."""
        try:
            item = self._queue.get(timeout=max(0.0, timeout))
        except queue.Empty:
            raise TimeoutError(f"nothing within {timeout:g} s") from None
        if item is _END:
            return None
        if isinstance(item, RuntimeFailure):
            raise item
        return item  # type: ignore[return-value]  # the queue holds only the source's items and the markers
