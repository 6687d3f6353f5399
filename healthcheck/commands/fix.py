"""``healthcheck fix``: print the proven repairs of PATH's blocking findings; write them with ``--apply``.

Exit 0 when every finding of a kind fix repairs has a proven repair (written, with ``--apply``), 1 when some
are left with "no safe repair", 2 for bad input (a stale plan, a read-only file, a dirty or missing git work
tree without ``--force``), with one line on stderr and nothing written.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from healthcheck.commands.common import EXIT_GATE, EXIT_OK, PYTHON_OPTION, echo, guarded, options_from, parse_gate_overrides
from healthcheck.errors import UsageError
from healthcheck.fix.apply import apply_plan, git_refusal
from healthcheck.fix.planner import plan_fixes
from healthcheck.fix.render import plan_json, plan_text
from healthcheck.progress import ProgressLine


@click.command("fix")
@click.argument("path", default=".", type=click.Path(file_okay=True, dir_okay=True))
@click.option("--apply", "write", is_flag=True, help="Write the proven repairs (refuses a dirty or missing git tree).")
@click.option("--force", is_flag=True, help="With --apply: write even outside git or with uncommitted changes.")
@click.option("--only", "only", metavar="ID", help="Repair only the finding with this id.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--tests/--no-tests", "run_tests", default=None, help="Prove each repair against the test suite too.")
@PYTHON_OPTION
@click.option("--no-types", is_flag=True, help="Do not run mypy in the proofs.")
@click.option("--gate", "gates", multiple=True, metavar="NAME=VALUE", help="Override a gate threshold.")
def fix_command(path: str, write: bool, force: bool, only: str | None, fmt: str, run_tests: bool | None,
                python: str | None, no_types: bool, gates: tuple[str, ...]) -> None:
    """Plan, prove and print repairs for PATH's findings; --apply writes them."""

    def body() -> int:
        root = Path(path)
        if not root.is_dir():
            raise UsageError(f"not a directory: {root} (fix a repository folder)")
        if write and not force:  # refuse before minutes of proofs, not after
            refusal = git_refusal(root)
            if refusal is not None:
                raise UsageError(refusal)
        options = options_from(run_tests, python, False, no_types)
        with ProgressLine() as progress:
            plan = plan_fixes(root, options, parse_gate_overrides(gates), only, progress)
        written = apply_plan(root, plan, force) if write and plan.repairs else ([] if write else None)
        echo(json.dumps(plan_json(plan, written), indent=2) if fmt == "json" else plan_text(plan, written))
        return EXIT_GATE if plan.refused else EXIT_OK

    sys.exit(guarded(body))
