"""How many commands one workspace may have running at once, counted across every process of a deployment.

A server runs several processes, so an in-process counter alone would let each of them run the limit. Each
running command holds one byte-range lock (``lockf``) on a file of the deployment's: byte
``workspace * MAX_SLOTS + slot``. Locks are released by the kernel when their process dies, so a crashed
process never leaves a workspace's slots taken. POSIX record locks belong to a process, not a thread, so
the slots this process holds are also remembered here, and a thread never takes one its neighbour holds.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
import threading

from service.settings import Settings

MAX_SLOTS = 64  # the highest limit honoured; byte offsets stay far below the 2**63 a file offset allows


def slots_path(settings: Settings) -> str:
    """The lock file of one deployment (its database and instance), beside the reconciler's leader lock."""
    key = hashlib.sha256(f"{settings.database_url}|{settings.instance}".encode()).hexdigest()[:16]
    return os.path.join(tempfile.gettempdir(), f"workspace-service-{os.getuid()}-{key}.execs")


class ExecSlots:
    """``acquire`` a slot of a workspace (None when all ``limit`` are taken), ``release`` it when done."""

    def __init__(self, path: str, limit: int) -> None:
        self.path = path
        self.limit = max(1, min(limit, MAX_SLOTS))
        self._fd: int | None = None
        self._held: set[tuple[str, int]] = set()
        self._lock = threading.Lock()

    def _file(self) -> int:
        if self._fd is None:
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        return self._fd

    def acquire(self, workspace_id: str) -> int | None:
        """Take a free slot of ``workspace_id`` (a 32-digit hex id) and return its number, or None."""
        with self._lock:
            fd = self._file()
            for slot in range(self.limit):
                if (workspace_id, slot) in self._held:
                    continue
                try:
                    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, _offset(workspace_id, slot))
                except OSError:  # EAGAIN or EACCES: another process holds it
                    continue
                self._held.add((workspace_id, slot))
                return slot
        return None

    def release(self, workspace_id: str, slot: int) -> None:
        """Give a slot back (a slot not held is ignored)."""
        with self._lock:
            if (workspace_id, slot) not in self._held:
                return
            self._held.discard((workspace_id, slot))
            fcntl.lockf(self._file(), fcntl.LOCK_UN, 1, _offset(workspace_id, slot))

    def close(self) -> None:
        """Release everything this process holds."""
        with self._lock:
            fd, self._fd = self._fd, None
            self._held.clear()
        if fd is not None:
            os.close(fd)


def _offset(workspace_id: str, slot: int) -> int:
    return int(workspace_id[:12], 16) * MAX_SLOTS + slot
