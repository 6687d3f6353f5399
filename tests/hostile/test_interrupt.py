"""SIGINT and SIGTERM stop a scan promptly, with exit 130 or 143, while the repository's code is running, and
leave none of its processes behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hostile.corpus import REPO, make_repo
from hostile.processes import left_after, new_marker

SLEEPS_S = 120  # the repository's code sleeps this long: a stop has to come from healthcheck
MARGIN_S = 10.0  # the issue asks for 2 s; a loaded 2-core machine gets a generous margin, far below SLEEPS_S


def _sleeper(ready: Path) -> str:
    """Code that says it is running, starts a daemon, then sleeps."""
    return (f"import os, time\nopen({str(ready)!r}, 'w').close()\n"
            "if os.fork() == 0:\n    os.setsid()\n    time.sleep(%d)\n    os._exit(0)\n"
            "time.sleep(%d)\n" % (SLEEPS_S, SLEEPS_S))


def _interrupt(args: list[str], ready: Path, number: int) -> tuple[int, float, list[int]]:
    """Start ``healthcheck ARGS``, send ``number`` once the repository's code runs; exit code, seconds to stop,
    and the processes of the run still alive."""
    name, value = new_marker()
    proc = subprocess.Popen([sys.executable, "-m", "healthcheck.cli", *args], cwd=REPO,
                            env={**os.environ, name: value}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        until = time.monotonic() + 120
        while not ready.exists():
            assert proc.poll() is None and time.monotonic() < until, "the repository's code never started"
            time.sleep(0.05)
        time.sleep(0.3)  # let the daemon fork
        sent = time.monotonic()
        proc.send_signal(number)
        code = proc.wait(timeout=SLEEPS_S)
        took = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return code, took, left_after(name, value)


@pytest.mark.parametrize("number, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_during_the_import_check_stops_the_scan_and_every_process(
    tmp_path: Path, number: int, code: int
) -> None:
    ready = tmp_path / "ready"
    repo = make_repo(tmp_path / "repo", {
        "pkg/__init__.py": "", "pkg/slow.py": _sleeper(ready),
        "pyproject.toml": "[tool.healthcheck.import-failure]\nmodule_timeout = 300\n",
    })
    exit_code, took, left = _interrupt(["scan", str(repo), "--only", "import-failure", "--cache-dir", "none"],
                                       ready, number)
    assert exit_code == code
    assert took < MARGIN_S
    assert left == []


def test_sigint_during_the_test_run_stops_it_and_every_process(tmp_path: Path) -> None:
    ready = tmp_path / "ready"
    body = "\n".join("    " + line for line in _sleeper(ready).splitlines())
    repo = make_repo(tmp_path / "repo", {"tests/test_slow.py": f"def test_slow():\n{body}\n"})
    args = ["scan", str(repo), "--only", "test-suite", "--tests", "--cache-dir", "none"]
    exit_code, took, left = _interrupt(args, ready, signal.SIGINT)
    assert exit_code == 130
    assert took < MARGIN_S
    assert left == []
