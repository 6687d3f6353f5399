"""``healthcheck scan``: every problem found, written as reports, summarised on the terminal."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from healthcheck.checks.base import ScanOptions
from healthcheck.commands.common import (
    EXIT_GATE,
    EXIT_OK,
    FORMAT_CHOICE,
    guarded,
    run_scan,
    write_outputs,
)
from healthcheck.report.console import render_console


@click.command("scan")
@click.argument("path", default=".", type=click.Path(file_okay=True, dir_okay=True))
@click.option("--output", "-o", help="File to write (with one --format). Default: reports/healthcheck.<ext>.")
@click.option("--format", "formats", multiple=True, type=FORMAT_CHOICE, help="Output format; repeatable.")
@click.option("--out-dir", default="reports", show_default=True, help="Folder for the default outputs.")
@click.option("--gate", "gates", multiple=True, metavar="NAME=VALUE", help="Override a gate threshold.")
@click.option("--cache-dir", help="Cache folder (default PATH/.healthcheck_cache; 'none' disables).")
@click.option("--only", multiple=True, help="Run only these checks (repeatable).")
@click.option("--quiet", "-q", is_flag=True, help="Print only the verdict line.")
@click.option("--tests/--no-tests", "run_tests", default=None, help="Run the repository's test suite (never unasked).")
@click.option("--python", "python", help="Interpreter of the scanned repository (default: this one).")
@click.option("--no-import-check", is_flag=True, help="Do not import the repository's modules.")
@click.option("--no-types", is_flag=True, help="Do not run mypy.")
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
        options = ScanOptions(
            only=frozenset(only),
            run_tests=run_tests,
            python=python,
            import_check=not no_import_check,
            types=not no_types,
            diff_base=diff_base,
        )
        result = run_scan(path, gates, cache_dir, options)
        chosen = list(formats) or ["json", "markdown"]
        written = write_outputs(result.report, chosen, output, Path(out_dir))
        text = render_console(result.report, color=sys.stdout.isatty())
        click.echo(text.splitlines()[0] if quiet else text.rstrip("\n"))
        if not quiet:
            click.echo("reports: " + ", ".join(str(p) for p in written))
        return EXIT_OK if result.report.passed else EXIT_GATE

    sys.exit(guarded(body))
