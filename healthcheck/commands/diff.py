"""``healthcheck diff --base REF``: what the working tree changed since REF, traced to the changed lines.

For pull requests: the base is scanned in a temporary worktree, the working
tree as it is, and the report gains a ``diff`` section (new import edges, new
and removed cycles, new duplicates and type errors, coverage of the changed
lines). ``--new-only`` judges only what is new: the change passes when it adds
no finding, whatever debt the base already had.
"""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path

import click

from healthcheck.commands.common import (
    EXIT_GATE, EXIT_OK, echo, guarded, options_from, output_options, run_scan, scan_options,
)
from healthcheck.commands.verdict import Verdict, print_verdict
from healthcheck.commands.outputs import chosen_formats, write_reports
from healthcheck.diffscan import base_root, compare
from healthcheck.git import changed_lines, repository_of, resolve_ref, worktree
from healthcheck import baseline as bl
from healthcheck.cache_store import default_cache_dir
from healthcheck.errors import UsageError
from healthcheck.gate_results import new_findings_gate


@click.command("diff")
@click.argument("path", default=".", type=click.Path())
@click.option("--base", "base", required=True, metavar="REF", help="Git ref to compare with (branch, tag, commit).")
@scan_options
@click.option("--new-only", is_flag=True, help="Gate only on findings the change adds.")
@output_options
def diff_command(
    path: str,
    base: str,
    gates: tuple[str, ...],
    cache_dir: str | None,
    run_tests: bool | None,
    python: str | None,
    no_import_check: bool,
    no_types: bool,
    new_only: bool,
    formats: tuple[str, ...],
    output: str | None,
    out_dir: str,
) -> None:
    """Compare PATH (default: the current folder) with its state at REF."""

    def body() -> int:
        root = Path(path)
        if not root.is_dir():
            raise UsageError(f"not a directory: {root}")
        top, inside = repository_of(root)
        commit = resolve_ref(top, base)
        head_options = options_from(run_tests, python, no_import_check, no_types, diff_base=commit)
        base_options = options_from(run_tests, python, no_import_check, no_types)
        # The base is scanned with the working tree's cache: most of its files are the same.
        shared_cache = cache_dir or os.environ.get("HEALTHCHECK_CACHE_DIR") or str(default_cache_dir(root))
        with worktree(top, commit) as tree:
            before = run_scan(str(base_root(tree, inside)), gates, shared_cache, base_options)
        after = run_scan(path, gates, cache_dir, head_options)
        changed = changed_lines(root.resolve(), commit, purpose="`healthcheck diff`")
        change = compare(before, after, base, commit, changed)
        new = bl.gated(change.new_findings)
        gate = new_findings_gate(len(new), what=f"base {base}")
        report = after.report
        report = replace(
            report,
            gates=(gate,) if new_only else (*report.gates, gate),
            extra={**report.extra, "diff": change.to_json(changed)},
        )
        written = write_reports(report, chosen_formats(formats, output), output, Path(out_dir))
        traces = {f.id: change.traced(f, changed) for f in new}
        verdict = Verdict(report, None, None, new_since_base=tuple(new), traces=traces, command="diff")
        echo(
            f"diff against {base} ({commit[:12]}): {change.changed_files} file(s), "
            f"{change.changed_line_count} line(s) changed; {len(new)} new finding(s), "
            f"{len(bl.gated(change.fixed_findings))} fixed, {len(change.new_edges)} new import edge(s)"
            + ("" if change.diff_coverage is None else f", changed-line coverage {change.diff_coverage:g}%")
        )
        print_verdict(verdict, written)
        return EXIT_OK if report.passed else EXIT_GATE

    sys.exit(guarded(body))
