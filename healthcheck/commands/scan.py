"""``healthcheck scan``: every problem found, written as reports, summarised on the terminal."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import click

from healthcheck.checks.base import ScanOptions
from healthcheck.commands.common import (
    EXIT_GATE,
    EXIT_OK,
    echo,
    guarded,
    options_from,
    output_options,
    parse_gate_overrides,
    run_scan,
    scan_options,
)
from healthcheck.commands.outputs import chosen_formats, write_reports
from healthcheck.fix.planner import plan_fixes
from healthcheck.fix.step_repairs import add_repairs, finding_repairs
from healthcheck.model import Report
from healthcheck.report.console import render_console


@click.command("scan")
@click.argument("path", default=".", type=click.Path(file_okay=True, dir_okay=True))
@scan_options
@output_options
@click.option("--only", multiple=True, help="Run only these checks (repeatable).")
@click.option("--quiet", "-q", is_flag=True, help="Print only the verdict line.")
@click.option("--diff-base", help="Git ref: also measure coverage of the lines changed since it.")
@click.option("--repairs", is_flag=True, help="Also prove healthcheck fix's repairs and report, per root cause, "
              "whether a proven one exists and the command that applies it (a scan of a scratch copy per repair).")
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
    repairs: bool,
) -> None:
    """Scan PATH (default: the current folder) and report every problem found."""

    def body() -> int:
        options = options_from(run_tests, python, no_import_check, no_types, diff_base, only)
        result = run_scan(path, gates, cache_dir, options)
        report = with_repairs(result.report, path, gates, options) if repairs else result.report
        chosen = chosen_formats(formats, output)
        written = write_reports(report, chosen, output, Path(out_dir), history=False)
        text = render_console(report, color=sys.stdout.isatty())
        click.echo(text.splitlines()[0] if quiet else text.rstrip("\n"))
        if not quiet:
            echo("reports: " + ", ".join(str(p) for p in written))
        return EXIT_OK if report.passed else EXIT_GATE

    sys.exit(guarded(body))


def with_repairs(report: Report, path: str, gates: tuple[str, ...], options: ScanOptions) -> Report:
    """``report`` with the ``repairs`` section, and a ``repair`` in each triage step fix has one for."""
    plan = plan_fixes(Path(path), dataclasses.replace(options, only=frozenset()), parse_gate_overrides(gates))
    extra = {**report.extra, "repairs": finding_repairs(plan, path)}
    triage = extra.get("triage")
    if isinstance(triage, dict):
        add_repairs(triage, plan, path)
    return dataclasses.replace(report, extra=extra)
