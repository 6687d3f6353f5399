"""``test-suite``: run the repository's own test suite with coverage, and say what fails and why.

Only when asked (``scan --tests`` or ``tests = true``): a scan never runs
someone's suite by surprise. The run itself is :mod:`testrun`'s job, coverage
accounting :mod:`coverage_data`'s, diff coverage :mod:`diffcov`'s and the
grouping of failures into root causes :mod:`rootcause`'s; this module turns
their results into findings, metrics and the report's ``tests`` and
``coverage`` sections.

Pass rate = (passed + xpassed + flaky) / (those + failed + errors + collection
errors + timeouts), in percent. A file that fails to collect counts as *one*
failed unit: how many tests it would have held is unknowable, and counting it
as zero would let a suite improve its pass rate by breaking its imports.
Skipped and xfailed tests are left out of both sides. A flaky test (failed,
then passed when re-run) counts as passing and gets a warning finding.
"""

from __future__ import annotations

import shlex
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any, ClassVar, Mapping, Sequence

from healthcheck.check_run import TESTS, SectionKey, TestRow
from healthcheck.checks.base import BaseCheck, CheckContext, CheckResult, FindingKind, GateSpec
from healthcheck.checks.test_suite.coverage_data import FileCoverage, analyse, measure_targets, package_table, source_files, totals
from healthcheck.checks.test_suite.diffcov import PURPOSE, diff_coverage, verify_base
from healthcheck.checks.test_suite.rootcause import Grouper, RootCause
from healthcheck.checks.test_suite.coverage_boot import CoverageSetup, prepare
from healthcheck.checks.test_suite.run import SuiteRun, TestRecord, conftest_failure, pytest_command, run_suite, write_selection
from healthcheck.config import OptionSpec
from healthcheck.git import changed_lines
from healthcheck.model import Finding, Related
from healthcheck.project import SourceFile

PASSING = ("passed", "xpassed", "flaky")
FAILING = ("failed", "error", "collection-error", "timeout")
# Coverage by package and file, with the changed lines' under --diff-base.
COVERAGE: SectionKey[dict[str, Any]] = SectionKey("coverage")


class TestSuiteCheck(BaseCheck):
    __test__ = False  # not a pytest test class, whatever its name says

    name: ClassVar[str] = "test-suite"
    order: ClassVar[int] = 80
    kinds: ClassVar[tuple[FindingKind, ...]] = (
        FindingKind("test-failure", "A test fails.", "tests-coverage-and-the-recovery-plan", rank=7),
        FindingKind("coverage", "Coverage is under its threshold.", "tests-coverage-and-the-recovery-plan",
                    "warning", rank=8),
    )
    executes_code: ClassVar[bool] = True
    gates: ClassVar[tuple[GateSpec, ...]] = (
        GateSpec("min_pass_rate", "tests.pass_rate", ">=", 90, 0, 100, help="percent of tests that pass"),
        GateSpec("min_coverage", "coverage.percent", ">=", 70, 0, 100, help="percent of statements and branches run"),
        GateSpec("min_diff_coverage", "coverage.diff_percent", ">=", 80, 0, 100,
                 help="percent of changed statements run (only with --diff-base)"),
    )
    options: ClassVar[Mapping[str, OptionSpec]] = {
        "reruns": OptionSpec(int, 1, "times a failing test is re-run; passing on a re-run makes it flaky", high=10),
        "timeout": OptionSpec((int, float), None, "seconds the whole suite may take (default: the scan timeout)",
                              low=0.001),
        "test_timeout": OptionSpec((int, float), 300, "seconds one test's setup and call may take (its teardown "
                                   "as long again): past it the test fails, timed out, and the suite goes on",
                                   low=0.001, high=604800),
        "coverage": OptionSpec(bool, True, "measure coverage in the same run"),
        "source": OptionSpec(list, [], "top-level packages or modules under test (default: all but tests/docs)"),
        "args": OptionSpec(list, [], "extra pytest arguments, e.g. ['-m', 'not slow']"),
        "file_threshold": OptionSpec((int, float), None, "coverage percent under which a file or package "
                                                         "gets a finding (default: min_coverage)", high=100),
    }

    def enabled(self, ctx: CheckContext) -> str | None:
        if not ctx.run_tests:
            return "not asked: run with --tests or set tests = true in [tool.healthcheck]"
        return None

    def run(self, ctx: CheckContext) -> CheckResult:
        if ctx.options.diff_base:
            verify_base(ctx.root, ctx.options.diff_base)
        target = ctx.interpreter
        if not target.has("pytest"):
            # The suite is the repository's and so is its pytest: borrowing ours would judge another setup.
            failed = CheckResult.error(f"pytest is not installed in {target.describe()}: the test suite cannot run")
            failed.engine = {"name": "pytest", "version": "missing", "python": ctx.python}
            return failed
        if ctx.cache_dir is not None:
            scratch = ctx.cache_dir / "tests"
            scratch.mkdir(parents=True, exist_ok=True)
            return self._run(ctx, scratch)
        with tempfile.TemporaryDirectory(prefix="healthcheck-tests-") as tmp:
            return self._run(ctx, Path(tmp))

    def _timeout(self, ctx: CheckContext) -> float:
        chosen = ctx.option(self.name, "timeout")
        return float(chosen) if chosen else min(ctx.options.timeout, ctx.config.timeout)

    def _run(self, ctx: CheckContext, scratch: Path) -> CheckResult:
        notes: list[str] = []
        target = ctx.interpreter
        measure = bool(ctx.option(self.name, "coverage"))
        files = source_files(ctx.project, ctx.option(self.name, "source"))
        for old in scratch.glob(".coverage*"):
            old.unlink()
        setup = prepare(scratch, target, measure_targets(files)) if measure else None
        args = [str(a) for a in ctx.option(self.name, "args")]
        timeout = self._timeout(ctx)
        ctx.progress("running the test suite")
        run = run_suite(pytest_command(ctx.python, args), ctx.root, scratch, timeout, setup.env if setup else {},
                        test_timeout=float(ctx.option(self.name, "test_timeout")), limits=ctx.config.limits)
        engine = {"name": "pytest", "version": target.engines["pytest"], "python": ctx.python,
                  "environment": target.describe()}
        if setup is not None:
            engine["coverage"] = setup.source
        conftest = conftest_failure(run.log_tail, ctx.root) if run.returncode == 4 and not run.tests else None
        if conftest is not None:
            run.collect_errors.append(conftest)
        unfinished = self._unfinished(run, conftest)
        if unfinished:
            failed = CheckResult.error(unfinished)
            failed.engine = engine
            return failed
        records = run.tests + run.collect_errors
        if run.timed_out and not any(r.outcome == "timeout" for r in records):
            records.append(TestRecord("<session>", "timeout", "", message=f"no test was running when the suite "
                                      f"was stopped at its {timeout:g} s timeout (collection or start-up hung)"))
        self._rerun(ctx, scratch, args, run, timeout)

        result = CheckResult(engine=engine)
        grouper = Grouper(ctx.findings, {f.module.split(".")[0] for f in ctx.project.files})
        causes = grouper.group(r for r in records if r.outcome in FAILING or r.outcome == "flaky")
        result.findings += failure_findings(causes)
        result.metrics["tests"] = suite_metrics(records, run.collect_skipped)
        result.sections.put(TESTS, [suite_entry(r) for r in records])
        if setup is not None:
            notes += self._measured(ctx, setup, files, result)
        else:
            result.not_gated["min_coverage"] = "coverage turned off (coverage = false in [tool.healthcheck.test-suite])"
        if not ctx.options.diff_base:
            result.not_gated["min_diff_coverage"] = "no --diff-base given"
        result.detail = "; ".join([summary_line(result.metrics["tests"], run, timeout), *notes])
        return result

    @staticmethod
    def _unfinished(run: SuiteRun, conftest: TestRecord | None) -> str:
        """Why this run cannot be read as a verdict, or "" when it can.

        pytest that exits before its session finished (``os._exit`` in a conftest or a test, a crash, a kill
        from inside) has not said what the rest of the suite would do: that is an error of the check, never
        a pass. A run stopped at its timeout and a conftest that failed to load are verdicts of their own.
        """
        if (run.finished or run.timed_out or conftest is not None) and not run.supervisor_killed:
            return ""
        last = run.log_tail.strip().splitlines()[-1:] or ["no output"]
        stopped = [line for line in last if line.startswith("healthcheck: ")]  # a limit the supervisor enforced
        done = [t for t in run.tests if t.outcome != "timeout"]
        running = [t.nodeid for t in run.tests if t.outcome == "timeout"]
        during = f", while {running[0]} ran" if running else ""
        if run.supervisor_killed:
            return (f"the test run killed its parent process, healthcheck's supervisor, after {len(done)} tests"
                    f"{during}: the run was stopped and is no verdict")
        if not run.tests and not run.collect_errors:
            return f"pytest could not run (exit {run.returncode}): {last[0]}"
        why = f" ({stopped[0].removeprefix('healthcheck: ')})" if stopped else ""
        return (f"pytest ended (exit {run.returncode}) before its session finished{why}, after {len(done)} tests"
                f"{during}: the rest of the suite was never judged")

    def _measured(self, ctx: CheckContext, setup: CoverageSetup, files: Sequence[SourceFile],
                  result: CheckResult) -> list[str]:
        """Read the run's coverage into ``result``; the notes say why it could not be, if so."""
        problems = setup.problems()
        if not setup.data_file.exists() and not any(setup.data_file.parent.glob(".coverage.*")):
            why = "; ".join(problems) or "no process of the run wrote coverage data"
            return [f"coverage not measured: {why}"]
        coverage = analyse(setup.data_file, ctx.root, files, {f.rel for f in ctx.facts if not f.parsed})
        self._coverage(ctx, coverage, result)
        return [f"coverage could not start in some processes: {'; '.join(problems)}"] if problems else []

    def _rerun(self, ctx: CheckContext, scratch: Path, args: Sequence[str], run: SuiteRun, timeout: float) -> None:
        """Re-run failed tests (not collection errors); one that passes becomes ``flaky``."""
        left = timeout - run.duration_s
        for attempt in range(int(ctx.option(self.name, "reruns") or 0)):
            failing = {r.nodeid: r for r in run.tests if r.outcome in ("failed", "error")}
            if not failing or run.timed_out or left <= 0:
                return
            ctx.progress(f"re-running {len(failing)} failed tests")
            select = write_selection(scratch, failing)
            files = sorted({r.path for r in failing.values()})
            again = run_suite(pytest_command(ctx.python, [*args, *files]), ctx.root, scratch, left,
                              {"HEALTHCHECK_PYTEST_SELECT": str(select)}, name=f"rerun{attempt + 1}",
                              test_timeout=float(ctx.option(self.name, "test_timeout")), limits=ctx.config.limits)
            left -= again.duration_s
            for r in again.tests:
                if r.outcome in ("passed", "xpassed") and r.nodeid in failing:
                    failing[r.nodeid].outcome = "flaky"

    def _coverage(self, ctx: CheckContext, files: list[FileCoverage], result: CheckResult) -> None:
        threshold = ctx.option(self.name, "file_threshold")
        if threshold is None:
            threshold = ctx.config.thresholds.get("min_coverage", 70.0)
        metrics: dict[str, Any] = {
            "percent": totals(files),
            "files": len(files),
            "statements": sum(f.statements for f in files),
            "branches": sum(f.branches for f in files),
            "unimported_files": sum(1 for f in files if f.status == "unimported"),
            "unparsed_files": sum(1 for f in files if f.status == "unparsed"),
        }
        table = package_table(files)
        section: dict[str, Any] = {
            "threshold": threshold,
            "packages": table,
            "files": [{"path": f.path, "percent": f.percent, "statements": f.statements, "missing": f.missing,
                       "branches": f.branches, "missing_branches": f.missing_branches, "status": f.status}
                      for f in files],
        }
        if ctx.options.diff_base:
            diff = diff_coverage(ctx.options.diff_base, changed_lines(ctx.root, ctx.options.diff_base, PURPOSE), files)
            metrics["diff_percent"] = diff.percent
            section["diff"] = {"base": diff.base, "changed_files": diff.changed_files,
                               "statements": diff.statements, "covered": diff.covered, "missing": diff.missing}
        result.metrics["coverage"] = metrics
        result.sections.put(COVERAGE, section)
        result.findings += coverage_findings(files, table, float(threshold))


def summary_line(counts: Mapping[str, Any], run: SuiteRun, timeout: float) -> str:
    shown = ", ".join(f"{counts[k]} {k.replace('_', ' ')}" for k in
                      ("passed", "failed", "errors", "collection_errors", "flaky", "skipped", "timeouts") if counts[k])
    text = f"{shown or 'no tests'}; pass rate {counts['pass_rate']}%" if counts["pass_rate"] is not None else (
        shown or "no tests collected")
    if run.timed_out:
        text += f"; the suite was stopped at its {timeout:g} s timeout (results of the tests that ran)"
    return text


def suite_metrics(records: Sequence[TestRecord], skipped_files: int) -> dict[str, Any]:
    """The ``tests`` metric of docs/report.md, plus xfailed, xpassed, timeouts and total."""
    c = Counter(r.outcome for r in records)
    passing = sum(c[o] for o in PASSING)
    failing = sum(c[o] for o in FAILING)
    return {
        "passed": c["passed"],
        "failed": c["failed"],
        "errors": c["error"],
        "collection_errors": c["collection-error"],
        "skipped": c["skipped"] + skipped_files,
        "flaky": c["flaky"],
        "xfailed": c["xfailed"],
        "xpassed": c["xpassed"],
        "timeouts": c["timeout"],
        "total": len(records) - c["collection-error"],
        "pass_rate": round(100.0 * passing / (passing + failing), 2) if passing + failing else None,
    }


def suite_entry(r: TestRecord) -> TestRow:
    """One row of the ``tests`` section (what JUnit XML and dashboards read)."""
    return {"nodeid": r.nodeid, "outcome": r.outcome, "duration_s": round(r.duration_s, 6),
            "message": f"{r.exception}: {r.message}" if r.exception and r.message else r.exception or r.message,
            "path": r.path, "line": r.line}


def rerun_command(records: Sequence[TestRecord]) -> str:
    return "python -m pytest " + " ".join(shlex.quote(r.selector()) for r in records)


def failure_findings(causes: Sequence[RootCause]) -> list[Finding]:
    findings: list[Finding] = []
    for cause in causes:
        for r in cause.tests:
            verb = {"failed": "failed", "error": "errored", "collection-error": "failed to collect",
                    "flaky": "is flaky (failed, then passed when re-run)",
                    "timeout": "was stopped at the suite's timeout"}[r.outcome]
            what = f": {r.exception}: {r.message}" if r.exception and r.outcome != "timeout" else ""
            frame = r.frame or {}
            related = (Related(frame["path"], frame.get("line"), "innermost project frame"),) if frame else ()
            findings.append(Finding.create(
                "test-failure",
                f"{r.nodeid} {verb}{what}"[:300],
                key=r.nodeid,
                path=r.path,
                line=r.line,
                severity="warning" if r.outcome == "flaky" else "error",
                related=related,
                data={"nodeid": r.nodeid, "outcome": r.outcome, "exception": r.exception, "message": r.message,
                      "root_cause": cause.id, "cause": cause.title, "cause_kind": cause.kind,
                      "cause_path": cause.path, "cause_line": cause.line, "linked": list(cause.links),
                      "command": rerun_command([r])},
            ))
    return findings


def coverage_findings(files: Sequence[FileCoverage], table: Sequence[Mapping[str, Any]],
                      threshold: float) -> list[Finding]:
    findings: list[Finding] = []
    for f in files:
        if f.units == 0 or f.percent >= threshold:
            continue
        why = {"unparsed": " (does not parse: every line counted as missed)",
               "unimported": " (no test imports it)", "measured": ""}[f.status]
        findings.append(Finding.create(
            "coverage", f"{f.path} is {f.percent:g}% covered, under {threshold:g}%{why}",
            key="file", path=f.path, severity="warning",
            data={"percent": f.percent, "scope": "file", "status": f.status, "statements": f.statements,
                  "missing": f.missing, "branches": f.branches, "missing_branches": f.missing_branches},
        ))
    for row in table:
        if row["statements"] + row["branches"] == 0 or row["percent"] >= threshold:
            continue
        findings.append(Finding.create(
            "coverage", f"package {row['package']} is {row['percent']:g}% covered, under {threshold:g}%",
            key=f"package:{row['package']}", severity="warning",
            data={"percent": row["percent"], "scope": "package", "package": row["package"]},
        ))
    return findings
