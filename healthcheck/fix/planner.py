"""Plan and prove the repairs of one tree, in a scratch copy, one after another.

The tree is copied once; the scan of the copy is the plan's starting point. Each repairable finding (worst
first: undefined names, crashing cycles, unused copies, moved names) is planned against the copy as the
earlier repairs left it, applied there, and proven by scanning again (:func:`healthcheck.fix.proof.judge`).
A repair that proves out stays in the copy, so the next one is planned and proven on top of it and the
repairs apply in this order; one that does not is undone and listed with why. Fixing one cycle may let the
same component crash at another of its imports: then that one is repaired within the same repair, up to
three imports, and proven together.

The proof scans run no tests. With tests asked for (``--tests``, or ``tests = true``), the whole suite runs
once on the copy before the first repair and once after the last (the plan's pass rate), and each repair
runs only the tests its selection names (:mod:`healthcheck.fix.test_selection`), before and after its edit.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from healthcheck.checks.base import ScanOptions
from healthcheck.engine import ScanResult, scan
from healthcheck.errors import UsageError
from healthcheck.fix.cycle_break import cycle_repairs
from healthcheck.fix.duplicate_copy import duplicate_repair
from healthcheck.fix.missing_import import missing_import_repair
from healthcheck.fix.model import FileEdit, FixPlan, NoRepair, ProvenRepair, Repair, TestsRun
from healthcheck.fix.moved_name import moved_name_repair
from healthcheck.fix.proof import Verdict, component_modules, judge, outcomes, test_verdict
from healthcheck.fix.sources import Sources
from healthcheck.fix.test_selection import select_tests
from healthcheck.graph.build import ImportGraph
from healthcheck.model import Finding

Planner = Callable[[Finding, Sources], "Repair | str"]
PLANNERS: Mapping[str, Planner] = {
    "undefined-name": missing_import_repair,
    "duplicate-implementation": duplicate_repair,
    "unresolved-import": moved_name_repair,
}
ORDER = ("undefined-name", "import-cycle", "duplicate-implementation", "unresolved-import")
NOT_COPIED = shutil.ignore_patterns(".git", "__pycache__", "*.pyc", ".mypy_cache", ".pytest_cache", ".ruff_cache",
                                    ".tox", ".nox", ".venv", ".venvs", "node_modules")
MAX_CYCLE_TRIES, MAX_CYCLE_IMPORTS = 3, 3
SUITE = "test-suite"


class _Scratch:
    """The copy repairs are tried in, and the scans of it."""

    def __init__(self, root: Path, workdir: Path, options: ScanOptions, overrides: Mapping[str, Any]) -> None:
        self.root = workdir / "tree"
        shutil.copytree(root, self.root, symlinks=True, ignore=NOT_COPIED)
        self.cache = str(workdir / "cache")
        self.options = options
        self.overrides = overrides
        self.pytest_args: list[str] = []  # the repository's own test-suite args, read from the first scan

    def scan(self) -> ScanResult:
        """Every check but the test suite."""
        return scan(self.root, options=dataclasses.replace(self.options, run_tests=False),
                    overrides=self.overrides, cache_dir=self.cache)

    def run_tests(self, files: Sequence[str] | None = None) -> ScanResult:
        """The test suite alone, without coverage: the test files ``files``, or all of it."""
        suite = {**dict(self.overrides.get(SUITE, {})), "coverage": False,
                 "args": [*self.pytest_args, *(files or ())]}
        return scan(self.root, options=dataclasses.replace(self.options, run_tests=True, only=frozenset({SUITE})),
                    overrides={**self.overrides, SUITE: suite}, cache_dir=self.cache)

    def write(self, edits: tuple[FileEdit, ...], undo: bool = False) -> None:
        for edit in (reversed(edits) if undo else edits):
            (self.root / edit.path).write_text(edit.before if undo else edit.after, encoding="utf-8")


def plan_fixes(root: Path, options: ScanOptions, overrides: Mapping[str, Any] | None = None,
               only: str | None = None, say: Callable[[str], None] = lambda _: None) -> FixPlan:
    """Every proven repair of ``root`` (or of the finding ``only``), without touching ``root``."""
    if not root.is_dir():
        raise UsageError(f"not a directory: {root}")
    with tempfile.TemporaryDirectory(prefix="healthcheck-fix-") as workdir:
        scratch = _Scratch(root.resolve(), Path(workdir), options, dict(overrides or {}))
        say("scanning a scratch copy")
        current = scratch.scan()
        tests = options.run_tests if options.run_tests is not None else current.config.tests
        suite_before = _whole_suite(scratch, current, say) if tests else None
        plan = FixPlan(root=str(root.resolve()), metrics_before=_with_tests(current, suite_before))
        targets = sorted((f for f in current.report.findings if f.kind in ORDER and f.severity == "error"),
                         key=lambda f: ORDER.index(f.kind))
        if only is not None:
            targets = [f for f in targets if f.id == only]
            if not targets:
                raise UsageError(f"no finding {only} of a kind fix repairs ({', '.join(ORDER)}) in {root}")
        for target in targets:
            fresh = next((f for f in current.report.findings if f.id == target.id), None)
            if fresh is None or fresh.severity != "error":
                continue  # an earlier repair closed it; its closes list says so
            say(f"proving a repair of {fresh.id}")
            outcome = _repair_one(fresh, current, scratch, tests, say)
            if isinstance(outcome, NoRepair):
                plan.refused.append(outcome)
            else:
                proven, current = outcome
                plan.repairs.append(proven)
        suite_after = suite_before
        if suite_before is not None and plan.repairs:
            say("running the whole test suite on the repaired copy")
            suite_after = scratch.run_tests()
        plan.metrics_after = _with_tests(current, suite_after)
    return plan


def _whole_suite(scratch: _Scratch, current: ScanResult, say: Callable[[str], None]) -> ScanResult:
    scratch.pytest_args = [str(a) for a in current.config.option(SUITE, "args", [])]
    say("running the whole test suite on the scratch copy")
    suite = scratch.run_tests()
    outcome = suite.report.checks.get(SUITE)
    if outcome is not None and outcome.status == "error":  # a proof against tests that cannot run proves nothing
        raise UsageError(f"the test suite could not run, so no repair can be proven against it: {outcome.detail}")
    return suite


def _with_tests(static: ScanResult, suite: ScanResult | None) -> Mapping[str, Any]:
    """The static scan's metrics, with the ``tests`` metric of the test run ``suite`` when there was one."""
    if suite is None or "tests" not in suite.report.metrics:
        return static.report.metrics
    return {**static.report.metrics, "tests": suite.report.metrics["tests"]}


def _repair_one(target: Finding, current: ScanResult, scratch: _Scratch, tests: bool,
                say: Callable[[str], None]) -> NoRepair | tuple[ProvenRepair, ScanResult]:
    sources = Sources.of(current.project, scratch.options.python or current.config.python)
    try:
        if target.kind == "import-cycle":
            candidates = cycle_repairs(target, current.report.findings, sources)
        else:
            planned = PLANNERS[target.kind](target, sources)
            candidates = planned if isinstance(planned, str) else [planned]
    except (OSError, UnicodeDecodeError) as exc:  # a file of the finding cannot be read as UTF-8 text
        return NoRepair(target.id, target.kind, f"cannot read the file to edit: {exc}")
    if isinstance(candidates, str):
        return NoRepair(target.id, target.kind, candidates)
    why = ""
    for repair in candidates[:MAX_CYCLE_TRIES]:
        result = _prove(target, repair, current, scratch)
        if not isinstance(result, str) and tests:
            result = _prove_tests(result, current, scratch, say)
        if not isinstance(result, str):
            return result
        why = why or result
    return NoRepair(target.id, target.kind, f"no repair proved out: {why}", planned=True)


def _prove(target: Finding, repair: Repair, current: ScanResult,
           scratch: _Scratch) -> str | tuple[ProvenRepair, ScanResult]:
    edits: dict[str, FileEdit] = {}
    summaries = [repair.summary]
    step = repair
    for _ in range(MAX_CYCLE_IMPORTS):
        scratch.write(step.edits)
        for edit in step.edits:
            first = edits.get(edit.path)
            edits[edit.path] = FileEdit(edit.path, first.before if first else edit.before, edit.after)
        after = scratch.scan()
        verdict = judge(target, current.report, after.report)
        if verdict.proven:
            whole = Repair(target.id, repair.kind, "; then ".join(summaries), tuple(edits.values()))
            return ProvenRepair(whole, verdict.closes, current.report.metrics, after.report.metrics), after
        following = _next_cycle_step(target, verdict, current, after)
        if following is None:
            break
        step = following
        summaries.append(step.summary)
    scratch.write(tuple(edits.values()), undo=True)
    return verdict.why


def _prove_tests(static: tuple[ProvenRepair, ScanResult], current: ScanResult, scratch: _Scratch,
                 say: Callable[[str], None]) -> str | tuple[ProvenRepair, ScanResult]:
    """Run the repair's selection of tests without its edits and with them; a test it breaks refutes it."""
    proven, after = static
    edits = proven.repair.edits
    graph = current.graph
    assert isinstance(graph, ImportGraph)
    selection = select_tests([e.path for e in edits], current.project, graph, scratch.pytest_args)
    ran = TestsRun(selection.files, selection.total, selection.whole, selection.describe())
    if not selection.files:
        return dataclasses.replace(proven, tests=ran), after
    files = None if selection.whole else selection.files
    scratch.write(edits, undo=True)
    say(f"running {len(selection.files)} test files without the repair of {proven.repair.finding_id}")
    before = scratch.run_tests(files)
    scratch.write(edits)
    say(f"running {len(selection.files)} test files with the repair of {proven.repair.finding_id}")
    with_it = scratch.run_tests(files)
    why = test_verdict(before.report, with_it.report)
    if why:
        scratch.write(edits, undo=True)
        return why
    ran = dataclasses.replace(ran, ran=tuple(sorted(outcomes(with_it.report))))
    return dataclasses.replace(proven, tests=ran, metrics_before=_with_tests(current, before),
                               metrics_after=_with_tests(after, with_it)), after


def _next_cycle_step(target: Finding, verdict: Verdict, current: ScanResult, after: ScanResult) -> Repair | None:
    """When the repair let the same component crash at another import, the repair of that import.

    Other new findings (a test that still fails, now for the next reason) may be consequences of the same
    crash; the proof of the whole repair, not this choice, decides whether they stay.
    """
    if target.kind != "import-cycle":
        return None
    component = component_modules(target, current.report)
    crashing = next((f for f in verdict.new if f.kind == "import-cycle" and f.severity == "error"
                     and component & {str(m) for m in f.data.get("modules", [])}), None)
    if crashing is None:
        return None
    sources = Sources.of(after.project, after.config.python)
    candidates = cycle_repairs(crashing, after.report.findings, sources)
    return None if isinstance(candidates, str) else candidates[0]
