"""``healthcheck scan``: every problem found, written as reports, summarised on the terminal."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from healthcheck.commands.common import (
    EXIT_GATE,
    EXIT_OK,
    echo,
    guarded,
    options_from,
    output_options,
    run_scan,
    scan_options,
)
from healthcheck.commands.outputs import chosen_formats, write_reports
from healthcheck.report.console import render_console


@click.command("scan")
@click.argument("path", default=".", type=click.Path(file_okay=True, dir_okay=True))
@scan_options
@output_options
@click.option("--only", multiple=True, help="Run only these checks (repeatable).")
@click.option("--quiet", "-q", is_flag=True, help="Print only the verdict line.")
@click.option("--diff-base", help="Git ref: also measure coverage of the lines changed since it.")
def scan_command(
    path: str,
    output: str | None,
    formats: tuple[str, ...],
    out_dir: str,
    gates: tuple[str, ...],
    cache_dir: str | None,
    only: tuple[str, ...],
    quiet: bool,
    run_tests: bool | None,
    python: str | None,
    no_import_check: bool,
    no_types: bool,
    diff_base: str | None,
) -> None:
    """Scan PATH (default: the current folder) and report every problem found."""

    def body() -> int:
        options = options_from(run_tests, python, no_import_check, no_types, diff_base, only)
        result = run_scan(path, gates, cache_dir, options)
        chosen = chosen_formats(formats, output)
        written = write_reports(result.report, chosen, output, Path(out_dir), history=False)
        text = render_console(result.report, color=sys.stdout.isatty())
        click.echo(text.splitlines()[0] if quiet else text.rstrip("\n"))
        if not quiet:
            echo("reports: " + ", ".join(str(p) for p in written))
        return EXIT_OK if result.report.passed else EXIT_GATE

    sys.exit(guarded(body))
