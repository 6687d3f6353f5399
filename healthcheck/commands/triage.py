"""``healthcheck triage``: run the suite, group its failures into root causes, print the recovery plan.

A scan with tests asked for, minus mypy (type errors do not explain failing
tests better than the tests do). The plan is printed biggest cause first, each
step with the command that re-runs just its tests. Exit 0 when nothing fails,
1 when there is a plan to follow.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from healthcheck.checks.base import ScanOptions
from healthcheck.commands.common import EXIT_GATE, EXIT_OK, PYTHON_OPTION, echo, guarded, run_scan
from healthcheck.fix.planner import plan_fixes
from healthcheck.fix.step_repairs import add_repairs
from healthcheck.triage import plan_lines


@click.command("triage")
@click.argument("path", default=".", type=click.Path())
@PYTHON_OPTION
@click.option("--cache-dir", help="Cache folder (default: one per tree in the user's cache folder; 'none' disables).")
@click.option("--no-import-check", is_flag=True, help="Do not import the repository's modules.")
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
@click.option("--repairs", is_flag=True,
              help="Also prove healthcheck fix's repairs (against the tests) and name, per step, the one that applies.")
def triage_command(path: str, python: str | None, cache_dir: str | None, no_import_check: bool, as_json: bool,
                   repairs: bool) -> None:
    """Run PATH's tests and print an ordered recovery plan for what fails."""

    def body() -> int:
        options = ScanOptions(run_tests=True, python=python, types=False, import_check=not no_import_check)
        report = run_scan(path, (), cache_dir, options).report
        outcome = report.checks.get("test-suite")
        if outcome is not None and outcome.status != "ok":
            echo(f"healthcheck: the test suite could not run: {outcome.detail}", err=True)
            return EXIT_GATE
        plan = report.extra.get("triage") or {"failing_tests": 0, "root_causes": 0, "steps": []}
        if repairs and plan["steps"]:
            add_repairs(plan, plan_fixes(Path(path), options), path)
        if outcome is not None:
            echo(f"tests: {outcome.detail}")
        echo(json.dumps(plan, indent=2) if as_json else "\n".join(plan_lines(plan)))
        return EXIT_GATE if plan["failing_tests"] else EXIT_OK

    sys.exit(guarded(body))
