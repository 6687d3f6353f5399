"""Cutting a task off at its timeout even when an engine call inside it hangs.

Checking the clock between engine calls is not enough: one call can hang far past the task's timeout (a
daemon that accepts the connection and never answers; the client's own timeout is per socket read and
shared by every call, so it cannot be set from one task's deadline). So the task's work runs in its own
thread and the worker waits for it only until the deadline; then the task is retried or failed like any
other timeout and the thread is abandoned. An abandoned run may still finish its engine call later, but it
records nothing (``_Step.abandoned`` is checked before every store write), and the handlers are idempotent,
so the retry adopts or removes whatever the late call left behind.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from service.runtime import RuntimeFailure


class TaskTimeout(RuntimeFailure):
    """The task ran past its deadline; retried like a transient error."""


def run_within(work: Callable[[], None], seconds: float, name: str, abandon: Callable[[], None]) -> None:
    """Run ``work`` in a daemon thread; raise ``TaskTimeout`` (after calling ``abandon``) if it is not done
    within ``seconds``, else re-raise whatever it raised."""
    done = threading.Event()
    failure: list[BaseException] = []

    def target() -> None:
        try:
            work()
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting worker, which classifies it
            failure.append(exc)
        finally:
            done.set()

    threading.Thread(target=target, name=name, daemon=True).start()
    if not done.wait(max(0.0, seconds)):
        abandon()
        raise TaskTimeout("task exceeded its timeout; the engine call in flight was abandoned")
    if failure:
        raise failure[0]
