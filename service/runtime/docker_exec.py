"""A command run in a workspace's container through the engine's exec API, and killed with its process group.

The command runs under the image's ``/bin/sh`` as ``sh -c WRAPPER workspace-exec CWD CMD...``: the wrapper
changes to ``CWD`` (a missing one fails with the shell's own message) and ``exec``s the command, so the
command keeps the exec's process. The engine (runc) starts every exec process as the leader of a new session
and process group, so the command and all it starts share that group unless they make their own session.

Standard input travels in the exec's environment (``WORKSPACE_STDIN``, piped into the command by the wrapper
and removed from the command's own environment): the engine's exec API takes input only on the hijacked
socket, which the docker SDK can write but not half-close, so the command would never see its end of file.
That bounds it (the kernel takes at most 128 KiB per variable; the service allows less) and rules out NUL.

``kill`` finds the command's processes by ``WORKSPACE_EXEC=<marker>`` in their environment (a process can read
the environment only of processes of its own user), stops each one as it is found (so a parent does not go
on running while its children are killed: ``/proc`` lists in text order, children often before their parent),
then sends SIGKILL to each one's process group and to itself, through a second exec as the same user: no
host process id or host ``/proc`` is needed, so it works on a remote engine.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any, Protocol, TypeVar

from service.runtime.errors import ContainerNotRunning, TransientRuntimeError
from service.runtime.protocol import EXEC_MARKER as MARKER
from service.runtime.protocol import EXEC_STDIN as STDIN
from service.runtime.protocol import ExecSpec, Output

T = TypeVar("T")
WRAPPER = f"""cd "$1" || exit
shift
if [ -n "${{{STDIN}+x}}" ]; then
  printf %s "${STDIN}" | (unset {STDIN}; exec "$@")
else
  exec "$@"
fi"""
KILLER = f"""found=
for d in /proc/[0-9]*; do
  if {{ tr "\\0" "\\n" < "$d/environ"; }} 2>/dev/null | grep -qx "{MARKER}=$0"; then
    p=${{d#/proc/}}
    kill -STOP "$p" 2>/dev/null
    found="$found $p"
  fi
done
for p in $found; do
  kill -KILL -"$p" "$p" 2>/dev/null
done
exit 0"""
EXIT_WAIT = 2.0  # seconds to wait for the engine to record the exit code once the output has ended


class Engine(Protocol):
    """What a session needs of ``DockerRuntime``: its classified calls and the workspace user."""

    user: str

    def call(self, action: Callable[[Any], T], stream: bool = False) -> T: ...

    def classified(self, action: Callable[[], T]) -> T: ...


class DockerExec:
    """One started command: iterate for its output, then ask for its exit code; ``kill`` from any thread."""

    def __init__(self, engine: Engine, container_id: str, spec: ExecSpec) -> None:
        self.engine = engine
        self.container_id = container_id
        self.spec = spec
        env = {**spec.env, MARKER: spec.marker}
        if spec.stdin is not None:
            env[STDIN] = spec.stdin
        cmd = ["/bin/sh", "-c", WRAPPER, "workspace-exec", spec.cwd, *spec.cmd]
        try:
            created = engine.call(lambda c: c.api.exec_create(
                container_id, cmd, stdout=True, stderr=True, user=engine.user, environment=env, workdir="/"))
        except TransientRuntimeError as exc:  # Docker answers 409 "Container ... is not running"
            if "is not running" in str(exc) or "is paused" in str(exc) or "is restarting" in str(exc):
                raise ContainerNotRunning(str(exc)) from exc
            raise
        self.exec_id = str(created["Id"])
        self._frames: Iterator[tuple[bytes | None, bytes | None]] = iter(
            engine.call(lambda c: c.api.exec_start(self.exec_id, stream=True, demux=True), stream=True))

    def __iter__(self) -> Iterator[Output]:
        frames = self._frames
        while True:
            frame = self.engine.classified(lambda: next(frames, None))
            if frame is None:
                return
            out, err = frame
            if out:
                yield Output("stdout", out)
            if err:
                yield Output("stderr", err)

    def exit_code(self) -> int | None:
        """The command's exit code, once the engine has recorded it (None if it has not within ``EXIT_WAIT``)."""
        deadline = time.monotonic() + EXIT_WAIT
        while True:
            found = self.engine.call(lambda c: c.api.exec_inspect(self.exec_id))
            if not found.get("Running") and found.get("ExitCode") is not None:
                return int(found["ExitCode"])
            if time.monotonic() > deadline:
                return None
            time.sleep(0.02)

    def kill(self) -> None:
        """SIGKILL every process group holding a process of this command, from a second exec."""
        killer = self.engine.call(lambda c: c.api.exec_create(
            self.container_id, ["/bin/sh", "-c", KILLER, self.spec.marker], stdout=True, stderr=True,
            user=self.engine.user))
        self.engine.call(lambda c: c.api.exec_start(killer["Id"]))
