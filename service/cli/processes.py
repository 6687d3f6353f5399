"""What each of the server's worker processes runs: its share of the task workers, and (in one) the reconciler.

An ``flock`` on a per-deployment file decides which process leads; it is released when the holder dies, so
the process the server starts in its place takes it over. Both servers (``gthread_server``, ``rsgi_server``)
build each process's app through ``process_app``.
"""

from __future__ import annotations

import dataclasses
import fcntl
import gc
import hashlib
import os
import sys
import tempfile

from flask import Flask

from service.settings import Settings

_held: list[int] = []  # the leader lock of this process, kept open for its lifetime


def process_settings(settings: Settings, leader: bool) -> Settings:
    """What one of ``http_processes`` gunicorn processes runs: its share of the task workers (so the whole
    deployment still makes ``workers`` concurrent Docker calls), and the reconciler only in the ``leader``."""
    share = -(-settings.workers // max(1, settings.http_processes))
    return dataclasses.replace(settings, workers=share, reconcile=settings.reconcile and leader)


def leader_path(settings: Settings) -> str:
    """The lock file of one deployment: its database and instance, so two instances never share one."""
    key = hashlib.sha256(f"{settings.database_url}|{settings.instance}".encode()).hexdigest()[:16]
    return os.path.join(tempfile.gettempdir(), f"workspace-service-{os.getuid()}-{key}.leader")


def leader_lock(settings: Settings) -> int | None:
    """Try to become the process that runs this deployment's reconciler; the open file is the claim.

    ``flock`` is released when the holder dies, so the process gunicorn starts in its place takes it over.
    Returns the descriptor to keep open, or None when another process holds it.
    """
    fd = os.open(leader_path(settings), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def process_app(settings: Settings) -> Flask:
    """The service app of one server process: its share of the workers, the reconciler if it leads."""
    from service.app import create_app

    fd = leader_lock(settings)
    if fd is not None:
        _held.append(fd)
    return create_app(process_settings(settings, fd is not None))


def settle_process() -> None:
    """Once a process has loaded its app: a shorter GIL switch interval and a frozen heap.

    A writer holding the SQLite lock gets the GIL back sooner. Everything loaded so far lives as long as the
    process: a full collection walked all of it (about 80,000 objects, 25 ms with every request thread
    stopped), a tail-latency spike every few thousand requests. Frozen objects are left out of collections.
    """
    sys.setswitchinterval(0.001)
    gc.collect()
    gc.freeze()
