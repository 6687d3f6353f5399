"""``healthcheck gate``: scan, apply the gates (against the baseline when there is one), answer with an exit code.

Made for CI: a few lines of output (the verdict, the failing gates, the new
findings), annotations on the pull request when running in GitHub Actions,
and the exit codes of docs/report.md (0 pass, 1 a gate failed, 2 bad input,
3 internal error).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from healthcheck.commands.common import EXIT_GATE, EXIT_OK, guarded, options_from, output_options, run_scan, scan_options
from healthcheck.commands.verdict import baseline_path, judge, print_verdict
from healthcheck.commands.outputs import chosen_formats, write_reports
from healthcheck.errors import UsageError


@click.command("gate")
@click.argument("path", default=".", type=click.Path())
@scan_options
@click.option("--baseline", "baseline", metavar="FILE",
              help="Baseline to judge against (default: PATH/.healthcheck-baseline.json when it exists).")
@click.option("--no-baseline", is_flag=True, help="Ignore the baseline file even when it exists.")
@click.option("--update", is_flag=True, help="Tighten the baseline: drop fixed entries, keep improved metrics.")
@click.option("--new-only", is_flag=True, help="Fail only on findings that are not in the baseline.")
@output_options
@click.option("--diff-base", help="Git ref: also measure coverage of the lines changed since it.")
def gate_command(
    path: str,
    gates: tuple[str, ...],
    cache_dir: str | None,
    run_tests: bool | None,
    python: str | None,
    no_import_check: bool,
    no_types: bool,
    baseline: str | None,
    no_baseline: bool,
    update: bool,
    new_only: bool,
    formats: tuple[str, ...],
    output: str | None,
    out_dir: str,
    diff_base: str | None,
) -> None:
    """Gate PATH (default: the current folder) for CI: exit 0 when every gate passes, 1 when one fails."""

    def body() -> int:
        chosen = baseline_path(path, baseline)
        if baseline and no_baseline:
            raise UsageError("give --baseline or --no-baseline, not both")
        use = None if no_baseline or (not baseline and not chosen.exists()) else chosen
        options = options_from(run_tests, python, no_import_check, no_types, diff_base)
        result = run_scan(path, gates, cache_dir, options)
        verdict = judge(result.report, Path(result.report.root), use, update, new_only)
        written = write_reports(verdict.report, chosen_formats(formats, output), output, Path(out_dir))
        print_verdict(verdict, written)
        return EXIT_OK if verdict.report.passed else EXIT_GATE

    sys.exit(guarded(body))
