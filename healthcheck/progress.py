"""A progress line on a terminal, shown only when a scan takes more than a second.

Quick scans print nothing extra; slow ones tell the person what is happening.
Output goes to stderr and only when stderr is a terminal, so pipes and CI logs
stay clean.
"""

from __future__ import annotations

import sys
import threading
import time
from types import TracebackType
from typing import TextIO

from healthcheck.safe_text import console_line


class ProgressLine:
    """Call with a message whenever the scan moves on; the line refreshes on its own."""

    def __init__(self, stream: TextIO | None = None, delay: float = 1.0, enabled: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.delay = delay
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.message = "starting"
        self.started = time.monotonic()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.shown = False

    def __call__(self, message: str) -> None:
        self.message = console_line(message)

    def _loop(self) -> None:
        frames = "|/-\\"
        i = 0
        if self._stop.wait(self.delay):
            return
        while not self._stop.is_set():
            elapsed = time.monotonic() - self.started
            self.stream.write(f"\r{frames[i % 4]} {self.message} ({elapsed:.0f}s)\x1b[K")
            self.stream.flush()
            self.shown = True
            i += 1
            self._stop.wait(0.2)

    def __enter__(self) -> ProgressLine:
        if self.enabled:
            self._thread = threading.Thread(target=self._loop, daemon=True)
            self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            if self.shown:
                self.stream.write("\r\x1b[K")
                self.stream.flush()
