"""The ``healthcheck`` command line: one group, one module per sub-command under ``commands/``."""

from __future__ import annotations

import click

from healthcheck import __version__
from healthcheck.commands.baseline import baseline_command
from healthcheck.commands.diff import diff_command
from healthcheck.commands.gate import gate_command
from healthcheck.commands.scan import scan_command
from healthcheck.commands.triage import triage_command


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="healthcheck")
def cli() -> None:
    """What is wrong with a Python codebase, and in what order to fix it."""


cli.add_command(scan_command)
cli.add_command(gate_command)
cli.add_command(baseline_command)
cli.add_command(diff_command)
cli.add_command(triage_command)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="healthcheck")


if __name__ == "__main__":
    main()
