"""Running a command in a workspace: who may, where, for how long, and how much of its output is kept.

The rules: the owner's workspace only (another owner's is as absent as one that never was), and only while
it is ``running``; at most ``exec_concurrency`` commands per workspace at once (``ExecSlots``); a working
folder inside the home (``home``); an environment that cannot override the exec's own variables; standard
input of at most ``exec_stdin_bytes``; a timeout of at most ``exec_timeout_max`` (``exec_timeout`` if none
is asked), after which the command is killed with its process group and the result says ``timed_out``.
Each of stdout and stderr is kept up to ``exec_output_bytes``; beyond that it is read and dropped, and the
result says it was truncated.

The engine's output is read on a thread of its own (``Pump``), so the caller's thread waits with the
deadline, never inside a blocking engine read: a command that prints nothing still ends on time.
"""

from __future__ import annotations

import codecs
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from service.domain import home
from service.domain.errors import Conflict, Invalid, NotFound, TooMany, Unavailable
from service.domain.exec_slots import ExecSlots
from service.domain.pump import Pump
from service.model import State, Workspace
from service.runtime import (
    ContainerNotFound,
    ContainerNotRunning,
    ExecSession,
    ExecSpec,
    Output,
    RuntimeFailure,
    RuntimeUnavailable,
)
from service.runtime.engines import EngineSet
from service.runtime.protocol import RESERVED_ENV
from service.settings import Settings
from service.store import Store
from service.store import workspaces as workspace_rows

KILL_GRACE = 2.0  # seconds the output may still take to end after the kill before the exec is abandoned


@dataclass(frozen=True)
class ExecResult:
    """How a command ended; ``exit_code`` is None when it was killed at its timeout or its end is unknown."""

    exit_code: int | None
    stdout: str
    stderr: str
    stdout_truncated: bool
    stderr_truncated: bool
    timed_out: bool
    duration_s: float


@dataclass(frozen=True)
class OutputText:
    """A piece of output as it arrived, decoded (UTF-8, invalid bytes replaced; a split character waits)."""

    stream: str
    text: str


class ExecFailed(Exception):
    """The engine failed while the command's output was being read; the message says how."""


class _Kept:
    """One stream's output: the first ``limit`` bytes, and whether more came."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.data = bytearray()
        self.truncated = False
        self.decoder = codecs.getincrementaldecoder("utf-8")("replace")

    def add(self, data: bytes) -> str:
        """Keep what fits; the kept part of ``data`` decoded, for streaming."""
        room = self.limit - len(self.data)
        if len(data) > room:
            self.truncated = True
            data = data[:max(room, 0)]
        self.data += data
        return str(self.decoder.decode(data))

    def text(self) -> str:
        return bytes(self.data).decode("utf-8", "replace")


class RunningExec:
    """A started command. ``events`` yields its output then its ``ExecResult``; ``close`` (idempotent) kills
    it if it is still running and gives its slot back."""

    def __init__(self, session: ExecSession, timeout: float, limit: int, release: Callable[[], None]) -> None:
        self.session = session
        self.timeout = timeout
        self._release = release
        self._kept = {"stdout": _Kept(limit), "stderr": _Kept(limit)}
        self._finished = False
        self._closed = False
        self._started = time.monotonic()
        self._pump: Pump[Output] = Pump(session, "exec-output")

    def events(self, heartbeat: float | None = None) -> Iterator[OutputText | ExecResult | None]:
        """The output as it arrives, then the result, last; with ``heartbeat``, a None after each that many
        seconds without output (a streamed answer sends something, so a client that left is noticed)."""
        deadline = self._started + self.timeout
        timed_out = False
        while True:
            wait = deadline - time.monotonic()
            try:
                item = self._pump.get(wait if heartbeat is None else min(wait, heartbeat))
            except TimeoutError:
                if time.monotonic() < deadline:
                    yield None
                    continue
                if timed_out:
                    break  # killed, and its output still has not ended: a process left the group
                timed_out = True
                self._kill()
                deadline = time.monotonic() + KILL_GRACE
                continue
            except RuntimeFailure as exc:
                self._finished = True
                raise ExecFailed(f"reading the command's output failed: {exc}") from exc
            if item is None:
                break
            text = self._kept[item.stream].add(item.data)
            if text:
                yield OutputText(item.stream, text)
        exit_code = None if timed_out else self._exit_code()
        self._finished = True
        out, err = self._kept["stdout"], self._kept["stderr"]
        yield ExecResult(exit_code, out.text(), err.text(), out.truncated, err.truncated, timed_out,
                         round(time.monotonic() - self._started, 6))

    def result(self) -> ExecResult:
        """Run to the end and return the result only."""
        for event in self.events():  # no heartbeat: only output and the result
            if isinstance(event, ExecResult):
                return event
        raise AssertionError("events() always ends with the result")  # pragma: no cover

    def _exit_code(self) -> int | None:
        try:
            return self.session.exit_code()
        except RuntimeFailure:
            return None

    def _kill(self) -> None:
        try:
            self.session.kill()
        except RuntimeFailure:
            pass  # the result still says timed_out; the abandoned reader ends when the engine lets go

    def close(self) -> None:
        """Kill the command unless it ended, and free its slot."""
        if self._closed:
            return
        self._closed = True
        if not self._finished:
            self._kill()
        self._release()


class Execs:
    """Starts commands in the owner's running workspaces."""

    def __init__(self, store: Store, engines: EngineSet, settings: Settings, slots: ExecSlots) -> None:
        self.store = store
        self.engines = engines
        self.settings = settings
        self.slots = slots

    def start(
        self,
        owner: str,
        workspace_id: str,
        cmd: list[str],
        cwd: str | None = None,
        env: dict[str, str] | None = None,
        timeout_s: float | None = None,
        stdin: str | None = None,
    ) -> RunningExec:
        """Start ``cmd`` in the owner's running workspace, or refuse with 404, 409, 422, 429 or 503."""
        spec = self._spec(cmd, cwd, env or {}, stdin)
        timeout = self.settings.exec_timeout if timeout_s is None else float(timeout_s)
        if not 0 < timeout <= self.settings.exec_timeout_max:
            raise Invalid(f"timeout_s must be above 0 and at most {self.settings.exec_timeout_max:g}")
        ws = running_workspace(self.store, owner, workspace_id, "commands run")
        assert ws.container_id is not None
        slot = self.slots.acquire(ws.id)
        if slot is None:
            limit = self.slots.limit
            raise TooMany(f"this workspace already runs {limit} commands, the most it may run at once"
                          " (exec_concurrency)", limit=limit)
        try:
            session = self.engines.runtime(ws.engine).exec(ws.container_id, spec)
        except Exception as exc:
            self.slots.release(ws.id, slot)
            raise _refusal(exc, ws.state.value) from exc
        return RunningExec(session, timeout, self.settings.exec_output_bytes, lambda: self.slots.release(ws.id, slot))

    def _spec(self, cmd: list[str], cwd: str | None, env: dict[str, str], stdin: str | None) -> ExecSpec:
        if not cmd:
            raise Invalid("cmd needs at least one argument")
        if any("\x00" in arg for arg in cmd):
            raise Invalid("cmd must not contain NUL characters")
        for name, value in env.items():
            if name in RESERVED_ENV:
                raise Invalid(f"env must not set {name}: the service sets it")
            if "\x00" in name or "\x00" in value or "=" in name or not name:
                raise Invalid("env names and values must not contain NUL, and names neither '='")
        if stdin is not None:
            if "\x00" in stdin:
                raise Invalid("stdin must not contain NUL characters")
            size = len(stdin.encode("utf-8", "surrogatepass"))
            if size > self.settings.exec_stdin_bytes:
                raise Invalid(f"stdin is {size} bytes, more than the {self.settings.exec_stdin_bytes} allowed")
        return ExecSpec(tuple(cmd), home.working_folder(cwd), dict(env), stdin, uuid.uuid4().hex)


def running_workspace(store: Store, owner: str, workspace_id: str, what: str) -> Workspace:
    """The owner's workspace if it is running (``NotFound`` for another owner's, ``Conflict`` otherwise);
    ``what`` says what needs it running, for the refusal."""
    with store.read() as conn:
        ws = workspace_rows.get(conn, workspace_id, owner)
    if ws is None:
        raise NotFound(f"no workspace {workspace_id}")
    if ws.state != State.RUNNING or ws.container_id is None:
        raise Conflict(f"{what} only in a running workspace; this one is {ws.state.value}", state=ws.state.value)
    return ws


def _refusal(exc: Exception, state: str) -> Exception:
    """An engine failure at the start as the rule it breaks (the record said running; the engine disagrees)."""
    if isinstance(exc, (ContainerNotRunning, ContainerNotFound)):
        return Conflict(f"the workspace's container is not running ({exc})", state=state)
    if isinstance(exc, RuntimeUnavailable):
        return Unavailable(str(exc))
    if isinstance(exc, RuntimeFailure):
        return Unavailable(f"the container engine refused the command: {exc}")
    return exc
