"""The supervisor every process of the repository's code runs under: limits hold, nothing it starts is left."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from healthcheck.supervision import Limits, run, start, stop
from hostile.processes import DAEMON, left_after, new_marker


# At most 120 children (bounded), each sleeping: more than the limit of 32 the case runs under.
FORKS = """
import os, sys, time
started = 0
for _ in range(120):
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:
        time.sleep(120)
        os._exit(0)
    started += 1
print("started", started, flush=True)
"""


def _env(name: str, value: str) -> dict[str, str]:
    return {**os.environ, name: value}


def test_a_daemon_the_command_leaves_behind_is_killed_when_it_ends() -> None:
    name, value = new_marker()
    done = run([sys.executable, "-c", DAEMON + "print(\"parent done\")\n"], Limits(), 60, env=_env(name, value))
    assert (done.returncode, done.stdout) == (0, "parent done\n")
    assert left_after(name, value) == []


def test_more_processes_than_the_limit_are_refused_or_killed_and_none_is_left() -> None:
    name, value = new_marker()
    done = run([sys.executable, "-c", FORKS], Limits(processes=32), 60, env=_env(name, value))
    if "started more than 32 processes" in done.stderr:  # counted too many: all killed
        assert done.returncode == -9
        assert done.stderr.splitlines()[-1].endswith("started more than 32 processes: all of them were stopped")
    else:  # a cgroup or RLIMIT_NPROC refused the forks beyond the limit; the end of the run killed the rest
        assert done.returncode == 0
        assert 0 < int(done.stdout.split()[1]) <= 32
    assert left_after(name, value) == []


def test_a_command_that_kills_its_supervisor_ends_with_it_and_leaves_nothing() -> None:
    name, value = new_marker()
    code = "import os, time\nos.kill(os.getppid(), 9)\ntime.sleep(120)\n"
    proc = start([sys.executable, "-c", code], Limits(), env=_env(name, value), stdout=subprocess.DEVNULL)
    until = time.monotonic() + 30
    while proc.poll() is None and time.monotonic() < until:
        time.sleep(0.05)
    assert stop(proc) == -9
    assert left_after(name, value) == []


def test_the_cpu_time_limit_stops_a_busy_loop() -> None:
    done = run([sys.executable, "-c", "while True: pass"], Limits(cpu_s=1), 120)
    assert done.returncode == -24  # SIGXCPU
    assert done.stderr.strip().splitlines()[-1].endswith("used up its CPU time limit of 1 s")


def test_the_memory_limit_turns_a_huge_allocation_into_memory_error() -> None:
    done = run([sys.executable, "-c", "blob = bytearray(4 * 1024 ** 3)"], Limits(memory_mib=256), 60)
    assert done.returncode == 1 and done.stderr.strip().endswith("MemoryError")


def test_a_timeout_stops_the_command_and_what_it_started() -> None:
    name, value = new_marker()
    with pytest.raises(subprocess.TimeoutExpired):
        run([sys.executable, "-c", DAEMON + "time.sleep(120)\n"], Limits(), 2, env=_env(name, value))
    assert left_after(name, value) == []


def test_a_command_that_does_not_exist_fails_like_popen() -> None:
    with pytest.raises(FileNotFoundError):
        run(["/nonexistent/python3"], Limits(), 10)
