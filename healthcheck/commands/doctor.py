"""``healthcheck doctor``: which engine each check would use, from which environment, and what is missing.

Exit 0 when every check that would run can run; 1 when one would fail (its
gates with it); 2 for bad input (a path or ``--python`` that is no interpreter).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from healthcheck.commands.common import EXIT_GATE, EXIT_OK, PYTHON_OPTION, guarded
from healthcheck.doctor import as_json, diagnose, text
from healthcheck.engine import load
from healthcheck.errors import UsageError


@click.command("doctor")
@click.argument("path", default=".", type=click.Path())
@PYTHON_OPTION
@click.option("--tests/--no-tests", "run_tests", default=None, help="Say what --tests would run.")
@click.option("--no-types", is_flag=True, help="As a scan with --no-types would.")
@click.option("--no-import-check", is_flag=True, help="As a scan with --no-import-check would.")
@click.option("--json", "json_output", is_flag=True, help="Print JSON instead of text.")
def doctor_command(path: str, python: str | None, run_tests: bool | None, no_types: bool, no_import_check: bool,
                   json_output: bool) -> None:
    """Say what a scan of PATH would run, with which interpreter and engine versions, and what is missing."""

    def body() -> int:
        root = Path(path)
        if not root.is_dir():
            raise UsageError(f"not a directory: {root}" if root.exists() else f"path does not exist: {root}")
        root = root.resolve()
        config, _ = load(root)
        target, lines = diagnose(root, config, python, run_tests, types=not no_types,
                                 import_check=not no_import_check)
        if json_output:
            click.echo(json.dumps(as_json(root, target, lines), indent=2))
        else:
            click.echo("\n".join(text(root, target, lines)))
        return EXIT_GATE if any(line.status == "error" for line in lines) else EXIT_OK

    sys.exit(guarded(body))
