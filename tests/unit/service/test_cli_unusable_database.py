"""A database this version cannot read (here: a table lacking a column that has no default, the shape
``migrate.upgrade`` refuses) stops every command that opens the store (``serve``, ``token ...``,
``engine ...``) with one line and exit code 2.

The file is built as ``old_schema`` builds an older version's, minus ``workspaces.state``: what a newer version
that dropped or renamed the column would leave behind.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from integration.service.old_schema import make_old_database
from service.cli import EXIT_UNUSABLE_DATABASE, main

COMMANDS = [
    ["token", "create", "--owner", "alice"],
    ["token", "list"],
    ["token", "revoke", "--owner", "alice"],
    ["token", "revoke", "0123"],
    ["serve", "--host", "127.0.0.1", "--port", "0"],
    ["serve", "--dev", "--port", "0"],
    ["engine", "list"],
    ["engine", "drain", "default"],
    ["engine", "undrain", "default"],
    ["engine", "move", "default"],
]


def unusable_database(tmp_path: Path) -> tuple[str, str]:
    """A SQLite URL whose workspaces table lacks ``state``, and the one line every command must print for it."""
    url = f"sqlite:///{tmp_path / 'newer.db'}"
    make_old_database(url, {"workspaces": {"state"}})
    return url, (f"Error: the database {url} cannot be used by this version: table workspaces lacks column state, "
                 "which has no default to give its rows")


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_every_command_that_opens_the_store_refuses_it_with_one_line(tmp_path: Path, args: list[str]) -> None:
    url, line = unusable_database(tmp_path)
    result = CliRunner().invoke(main, args, env={"WORKSPACE_SERVICE_DATABASE_URL": url})
    assert result.exit_code == EXIT_UNUSABLE_DATABASE == 2, result.output
    assert result.stdout == "" and result.stderr == line + "\n"


def test_serve_as_a_process_prints_no_traceback(tmp_path: Path) -> None:
    url, line = unusable_database(tmp_path)
    env = {**os.environ, "WORKSPACE_SERVICE_DATABASE_URL": url}
    done = subprocess.run([sys.executable, "-m", "service.cli", "serve", "--host", "127.0.0.1", "--port", "0"],
                          env=env, capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (2, "", line + "\n")
