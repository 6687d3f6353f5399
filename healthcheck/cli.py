"""The ``healthcheck`` command line: one group, one module per sub-command under ``commands/``."""

from __future__ import annotations

import signal
import sys

import click

from healthcheck import __version__
from healthcheck.commands.baseline import baseline_command
from healthcheck.commands.diff import diff_command
from healthcheck.commands.doctor import doctor_command
from healthcheck.commands.fix import fix_command
from healthcheck.commands.gate import gate_command
from healthcheck.commands.scan import scan_command
from healthcheck.commands.triage import triage_command
from healthcheck.supervision import on_signal, stop_all, stopped_by


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="healthcheck")
def cli() -> None:
    """What is wrong with a Python codebase, and in what order to fix it."""


cli.add_command(scan_command)
cli.add_command(gate_command)
cli.add_command(baseline_command)
cli.add_command(diff_command)
cli.add_command(triage_command)
cli.add_command(doctor_command)
cli.add_command(fix_command)


def main() -> None:
    """Console-script entry point.

    click's own usage errors (an unknown option, a bad choice) get the same single
    ``healthcheck: error: ...`` line and exit code 2 as every other bad input.

    SIGINT and SIGTERM stop every process that runs the scanned repository's code, with all its
    descendants, and interrupt the command; healthcheck exits 130 or 143, with nothing left running
    (:mod:`healthcheck.supervision`).
    """
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, on_signal)
    try:
        _main()
    except SystemExit as exc:
        stop_all()
        stopped = stopped_by()
        sys.exit(128 + stopped if stopped is not None else exc.code)
    stop_all()


def _main() -> None:
    try:
        cli.main(prog_name="healthcheck", standalone_mode=False)
    except click.UsageError as exc:
        click.echo(f"healthcheck: error: {exc.format_message()}", err=True)
        sys.exit(2)
    except click.exceptions.Abort:
        click.echo("healthcheck: interrupted", err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
