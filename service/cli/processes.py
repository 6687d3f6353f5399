"""What each of the server's worker processes runs: its share of the task workers, and a reconciler.

Every process competes for the deployment's reconciler lease in the database (``store.leases``), with the
processes of every other ``serve`` on that database: one reconciles at a time, on one host or on many, and a
holder that dies is replaced within the lease's bound. Both servers (``gthread_server``, ``rsgi_server``)
build each process's app through ``process_app``.
"""

from __future__ import annotations

import dataclasses
import gc
import sys

from flask import Flask

from service.settings import Settings


def process_settings(settings: Settings) -> Settings:
    """What one of ``http_processes`` server processes runs: its share of the task workers (so the whole
    instance still makes ``workers`` concurrent Docker calls)."""
    share = -(-settings.workers // max(1, settings.http_processes))
    return dataclasses.replace(settings, workers=share)


def process_app(settings: Settings) -> Flask:
    """The service app of one server process: its share of the workers and a reconciler that acts while it
    holds the deployment's lease."""
    from service.app import create_app

    return create_app(process_settings(settings))


def settle_process() -> None:
    """Once a process has loaded its app: a shorter GIL switch interval and a frozen heap.

    A writer holding the SQLite lock gets the GIL back sooner. Everything loaded so far lives as long as the
    process: a full collection walked all of it (about 80,000 objects, 25 ms with every request thread
    stopped), a tail-latency spike every few thousand requests. Frozen objects are left out of collections.
    """
    sys.setswitchinterval(0.001)
    gc.collect()
    gc.freeze()
