"""Find the processes a hostile case started, by a marker in their environment, so a test can say none is left."""

from __future__ import annotations

import os
import time
import uuid

# Code that daemonises a grandchild (fork, setsid, fork) which sleeps for minutes, then carries on.
DAEMON = """
import os, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        time.sleep(300)
    os._exit(0)
"""


def new_marker() -> tuple[str, str]:
    """An environment variable and value no other process carries."""
    return "HOSTILE_CASE_MARK", uuid.uuid4().hex


def carrying(name: str, value: str) -> list[int]:
    """Live processes whose environment holds ``name=value`` (zombies have none left)."""
    needle = f"{name}={value}".encode()
    found: list[int] = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as handle:
                environ = handle.read().split(b"\0")
        except OSError:
            continue
        if needle in environ:
            found.append(int(entry))
    return found


def left_after(name: str, value: str, settle: float = 1.0) -> list[int]:
    """The marked processes still alive once ``settle`` seconds have passed (an exit in progress is not one)."""
    until = time.monotonic() + settle
    while True:
        alive = carrying(name, value)
        if not alive or time.monotonic() >= until:
            return alive
        time.sleep(0.05)
