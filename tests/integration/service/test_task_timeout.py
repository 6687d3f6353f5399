"""A Docker call that hangs past the task's timeout is cut off: the task is retried, then failed, on time.

The engine is real; between it and the service sits a Unix-socket proxy that forwards every request except
``POST /containers/{id}/start``, which it swallows without answering: a daemon hung on one call. The
client's own timeout (``docker_timeout``) is far longer than the task's, so only the task deadline can
end the wait.
"""

from __future__ import annotations

import socket
import time
from typing import Any

from service.runtime.docker_runtime import DockerRuntime
from service.runtime.protocol import LABEL_ID


def stalling(proxy: Any) -> Any:
    """The conftest's forwarding proxy, changed to swallow container starts (either direction is piped by
    the same method; only a request line can start with ``POST``)."""

    def pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                first_line = data.split(b"\r\n", 1)[0]
                if first_line.startswith(b"POST") and b"/start" in first_line:
                    proxy.stalled += 1
                    return  # never forwarded, never answered: the caller waits
                dst.sendall(data)
        except OSError:
            pass

    proxy.stalled = 0
    proxy._pipe = pipe
    proxy.up()
    return proxy


def test_a_hung_docker_call_is_cut_off_at_the_task_timeout(
    make_api: Any, instance: str, containers: Any, proxy: Any
) -> None:
    hung = stalling(proxy)  # torn down by the fixture
    runtime = DockerRuntime(f"unix://{hung.path}", instance=instance, timeout=60.0)
    api = make_api(runtime=runtime, task_timeout=1.5, task_max_attempts=2, docker_timeout=60.0)
    started = time.monotonic()
    ws = api.create("hangs-on-start")
    task = api.wait_task(ws["task_id"], timeout=30)
    elapsed = time.monotonic() - started
    assert task["status"] == "failed" and task["attempts"] == 2, task
    assert "exceeded its timeout" in task["error"]
    assert elapsed < 15, f"took {elapsed:.1f} s: the hung call was not cut off at the 1.5 s timeout"
    assert hung.stalled == 2
    failed = api.wait_state(ws["id"], {"failed"})
    assert "exceeded its timeout" in failed["last_error"] and failed["container_id"] is None
    assert [c for c in containers() if c.labels[LABEL_ID] == ws["id"]] == []  # the failed create cleaned up
