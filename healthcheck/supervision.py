"""Start every process that runs the scanned repository's code under the supervisor, and stop it for good.

The import check, the cycle proof, mypy (whose plugins are the repository's
code), the test run and the first question to ``--python`` all start their
process here, with :func:`start` (or :func:`run`, for a command whose output is
read at the end). Each process runs below ``healthcheck/in_target/supervisor.py``
(started with healthcheck's own interpreter in isolated mode, so nothing in
the scanned tree or its environment variables can replace it), in a session
of its own, with the memory, CPU-time and process-count limits of
:class:`Limits`, and with a marker in its environment that every descendant
inherits.

:func:`stop` ends one of them with everything below it: the supervisor kills
and reaps its descendants; if the supervisor itself is gone (the repository's
code can kill its own parent), the process group is killed and then every
process still carrying the marker. :func:`stop_all` does that for every live
one, which is what healthcheck does on SIGINT and SIGTERM (see
:func:`on_signal`): nothing started here outlives healthcheck.
"""

from __future__ import annotations

import errno
import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from healthcheck.in_target import SUPERVISOR

MARKER_ENV = "HEALTHCHECK_SUPERVISED"
STOP_WAIT_S = 1.0  # how long the supervisor gets to clean up after itself before the group is killed
MIB = 1 << 20


@dataclass(frozen=True)
class Limits:
    """What one supervised command and all its descendants may use."""

    memory_mib: int = 4096  # data size (heap and private mappings) of each process
    cpu_s: int = 3600  # CPU time of each process
    processes: int = 512  # live descendants of the supervisor at any time (threads too, where a cgroup bounds them)

    def spec(self, grace: float) -> str:
        return json.dumps({"memory": self.memory_mib * MIB, "cpu": self.cpu_s, "processes": self.processes,
                           "grace": grace})


_counter = itertools.count()
_live: dict[int, tuple[subprocess.Popen[Any], str, float]] = {}  # supervisor pid -> (process, marker, grace)
_stopping: list[int] = []  # the signal healthcheck was stopped by, once it was


def start(argv: Sequence[str], limits: Limits | None = None, *, grace: float = 0.0, env: dict[str, str] | None = None,
          **popen: Any) -> subprocess.Popen[Any]:
    """Start ``argv`` under the supervisor; the :class:`subprocess.Popen` is the supervisor's.

    ``popen`` takes :class:`subprocess.Popen`'s keywords (``cwd``, ``stdin``, ``stdout``, ``stderr``, ``text``,
    …); the command inherits the standard streams given. ``grace`` is how long the command has to end after
    SIGTERM (:func:`stop` with ``graceful``) before it is killed. A command that cannot be found raises
    :class:`FileNotFoundError` here, as :class:`subprocess.Popen` would; once healthcheck is stopping, nothing
    starts (:class:`KeyboardInterrupt`).
    """
    if _stopping:
        raise KeyboardInterrupt("healthcheck is stopping")
    if shutil.which(argv[0]) is None:
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), argv[0])
    marker = f"{os.getpid()}-{next(_counter)}-{time.monotonic_ns()}"
    full = dict(os.environ if env is None else env)
    full[MARKER_ENV] = marker
    command = [sys.executable, "-I", str(SUPERVISOR), (limits or Limits()).spec(grace), "--", *argv]
    proc: subprocess.Popen[Any] = subprocess.Popen(command, env=full, start_new_session=True, **popen)
    _live[proc.pid] = (proc, marker, grace)
    return proc


def ended(proc: subprocess.Popen[Any]) -> bool:
    """Whether the supervisor has exited, without reaping it (its pid still names its process group)."""
    if proc.returncode is not None:
        return True
    try:
        return os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:
        return True


def ended_by_itself(proc: subprocess.Popen[Any]) -> bool:
    """Whether the supervisor ended on its own terms: with the command, mirroring its status.

    A supervisor the command killed ends by SIGKILL while the command may still run; one that mirrors a
    command killed by SIGKILL does too, but only after the command is gone. So: ended, and none of the
    processes it supervised (its process group) is left.
    """
    return ended(proc) and not _group_members(proc.pid)


def _group_members(pgid: int) -> list[int]:
    """Live processes of process group ``pgid`` other than its leader (an unreaped zombie until reaped)."""
    members: list[int] = []
    for name in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if not name.isdigit() or int(name) == pgid:
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if len(fields) > 2 and fields[0] not in (b"Z", b"X") and int(fields[2]) == pgid:
            members.append(int(name))
    return members


def wait_ended(proc: subprocess.Popen[Any], timeout: float) -> bool:
    """Wait up to ``timeout`` s for the supervisor to end, without reaping it; whether it did."""
    until = time.monotonic() + timeout
    while not ended(proc):
        if time.monotonic() >= until:
            return False
        time.sleep(0.02)
    return True


def stop(proc: subprocess.Popen[Any], graceful: bool = False) -> int | None:
    """Stop a process :func:`start` started, with every descendant, and reap it; its exit status.

    ``graceful`` passes SIGTERM on to the command and gives it its grace period first; otherwise everything is
    killed at once. Whatever the supervisor could not clean up (it was killed, or did not end in time) is
    killed here: its process group, then every process carrying its marker.
    """
    entry = _live.get(proc.pid)
    if entry is None and proc.returncode is not None:  # stopped and reaped already: its pid may be reused
        return proc.returncode
    marker, grace = (entry[1], entry[2]) if entry else ("", 0.0)
    if not ended(proc):
        _signal(proc.pid, signal.SIGTERM if graceful else signal.SIGINT)
        wait_ended(proc, (grace if graceful else 0.0) + STOP_WAIT_S)
    _kill_group(proc.pid)
    if not ended(proc):
        _signal(proc.pid, signal.SIGKILL)
    _live.pop(proc.pid, None)
    code = proc.wait()
    if code < 0 and marker:  # the supervisor did not end on its own terms: find what it left
        sweep(marker)
    return code


def run(argv: Sequence[str], limits: Limits | None, timeout: float, *, cwd: Path | None = None,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """:func:`subprocess.run` with captured text output under the supervisor; TimeoutExpired after stopping it."""
    proc = start(argv, limits, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                 stderr=subprocess.PIPE, text=True, encoding="utf-8", errors="replace")
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        stop(proc)
        raise subprocess.TimeoutExpired(list(argv), timeout) from None
    except BaseException:
        stop(proc)
        raise
    code = stop(proc)
    return subprocess.CompletedProcess(list(argv), code if code is not None else -9, out, err)


def stop_all() -> None:
    """Stop every live supervised process (SIGINT, SIGTERM, the end of a command)."""
    for proc, _marker, _grace in list(_live.values()):
        stop(proc)


def on_signal(signum: int, frame: object) -> None:
    """SIGINT and SIGTERM of healthcheck: start nothing more, tell every supervisor to kill its tree, and
    interrupt the main thread (which stops and reaps them all on its way out: :func:`stop_all`)."""
    first = not _stopping
    if first:
        _stopping.append(signum)
    for proc, _marker, _grace in list(_live.values()):
        if proc.returncode is None:
            _signal(proc.pid, signal.SIGINT)
    if first:  # a second signal while stopping only repeats the order to the supervisors
        raise KeyboardInterrupt(f"stopped by signal {signum}")


def stopped_by() -> int | None:
    """The signal that stopped healthcheck, if one did."""
    return _stopping[0] if _stopping else None


def _signal(pid: int, number: int) -> None:
    try:
        os.kill(pid, number)
    except (ProcessLookupError, PermissionError):
        pass


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def marked(marker: str) -> list[int]:
    """Processes whose environment holds ``marker`` (the ones this user may read)."""
    needle = f"{MARKER_ENV}={marker}".encode() + b"\0"
    found: list[int] = []
    for name in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if not name.isdigit() or int(name) == os.getpid():
            continue
        try:
            with open(f"/proc/{name}/environ", "rb") as handle:
                environ = handle.read()
        except OSError:
            continue
        if needle in environ or environ.endswith(needle[:-1]):
            found.append(int(name))
    return found


def sweep(marker: str, rounds: int = 50) -> None:
    """SIGKILL every process carrying ``marker`` until none is left (new ones come only from live ones)."""
    for _ in range(rounds):
        pids = marked(marker)
        if not pids:
            return
        for pid in pids:
            _signal(pid, signal.SIGKILL)
        time.sleep(0.01)
