"""A measured test run counts the supervisor's lines: it runs ``python -I`` and ends with ``os._exit``.

``-I`` ignores ``PYTHONPATH``, so the run's ``sitecustomize`` never loads there; coverage.py starts in it only
through the ``.pth`` file coverage.py installs, and ``os._exit`` skips the handler that saves its data unless
the configuration asks for ``[run] patch = _exit``. The check's configuration asks for it when the measuring
coverage.py has it (7.10 on); with an older one, or one that installs no ``.pth``, the supervisor stays
unmeasured and the run is otherwise the same.
"""

from __future__ import annotations

import os
import sys
from importlib import metadata
from pathlib import Path

import coverage

from healthcheck.checks.test_suite.coverage_boot import prepare
from healthcheck.checks.test_suite.coverage_data import combine_parallel
from healthcheck.in_target import HERE, SUPERVISOR
from healthcheck.interpreter import inspect
from healthcheck.supervision import Limits, run


def _measures_isolated_exits() -> bool:
    """Whether this interpreter's coverage.py starts under ``-I`` (its ``.pth``) and has ``patch = _exit``."""
    starts = any(str(path).endswith("coverage.pth") for path in metadata.files("coverage") or [])
    return starts and coverage.version_info[:2] >= (7, 10)


def test_the_supervisors_own_lines_are_counted_in_a_measured_run(tmp_path: Path) -> None:
    setup = prepare(tmp_path, inspect(sys.executable), [str(HERE)])
    done = run([sys.executable, "-c", "print('measured')"], Limits(), 60, env={**os.environ, **setup.env})
    assert (done.returncode, done.stdout) == (0, "measured\n")
    assert setup.problems() == []
    combine_parallel(setup.data_file)
    data = coverage.CoverageData(str(setup.data_file))
    data.read()
    lines = data.lines(str(SUPERVISOR)) or []
    finish = next(number for number, text in enumerate(SUPERVISOR.read_text().splitlines(), 1)
                  if text.startswith("def finish("))
    # the lines of finish(), which ends every run with os._exit: saved only if the exit saved the data
    assert any(line > finish for line in lines) == _measures_isolated_exits()
