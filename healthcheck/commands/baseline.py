"""``healthcheck baseline``: accept today's findings and metric values, so the gate fails only on what is new.

This is the one command that loosens a baseline: it records every current
finding (keeping the reason and expiry date of entries that were already
there) and the current value of every gated metric. ``gate --update`` only
ever tightens what this command wrote.
"""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import replace
from pathlib import Path

import click

from healthcheck import baseline as bl
from healthcheck.commands.common import EXIT_OK, echo, guarded, options_from, run_scan, scan_options
from healthcheck.commands.verdict import baseline_path, gate_metrics
from healthcheck.errors import UsageError


@click.command("baseline")
@click.argument("path", default=".", type=click.Path())
@scan_options
@click.option("--output", "-o", metavar="FILE", help="Where to write it (default: PATH/.healthcheck-baseline.json).")
@click.option("--reason", help="Why these findings are accepted (recorded on entries new to the baseline).")
@click.option("--expires", metavar="YYYY-MM-DD", help="Date after which new entries stop excusing their findings.")
def baseline_command(
    path: str,
    gates: tuple[str, ...],
    cache_dir: str | None,
    run_tests: bool | None,
    python: str | None,
    no_import_check: bool,
    no_types: bool,
    output: str | None,
    reason: str | None,
    expires: str | None,
) -> None:
    """Write the baseline of PATH (default: the current folder): its current findings and metric values."""

    def body() -> int:
        if expires is not None:
            try:
                dt.date.fromisoformat(expires)
            except ValueError:
                raise UsageError(f"--expires {expires!r} is not a date (YYYY-MM-DD)") from None
        target = baseline_path(path, output)
        options = options_from(run_tests, python, no_import_check, no_types)
        result = run_scan(path, gates, cache_dir, options)
        root = Path(result.report.root)
        previous = bl.load(target, root) if target.exists() else None
        values, _ = gate_metrics(result.report.metrics)
        fresh = bl.build(root, result.report.findings, values, previous)
        if reason or expires:
            old = previous.entries if previous else {}
            fresh = replace(fresh, entries={
                k: e if k in old else replace(e, reason=reason or e.reason, expires=expires or e.expires)
                for k, e in fresh.entries.items()
            })
        bl.save(target, fresh)
        echo(f"baseline written: {len(fresh.entries)} finding(s), {len(fresh.metrics)} metric(s) -> {target}")
        return EXIT_OK

    sys.exit(guarded(body))
