"""What ``gate``, ``baseline`` and ``diff`` share: the scan options, the baseline verdict, CI annotations.

Kept apart from the commands so that each command module stays a thin layer of
argument parsing over these functions, and tests can call them directly.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import click

from healthcheck import baseline as bl
from healthcheck.catalog import kind_owners
from healthcheck.checks import registry_gates
from healthcheck.errors import UsageError
from healthcheck.gate_results import apply_baseline, lookup, new_findings_gate
from healthcheck.model import Finding, Report
from healthcheck.report.summary import gate_line, verdict_word, where
from healthcheck.safe_text import console_line

ANNOTATION_LIMIT = 50


def gate_metrics(metrics: dict[str, Any] | Any) -> tuple[dict[str, float], dict[str, str]]:
    """The value of every metric some gate reads, and which way is better for it (its gate's operator)."""
    values: dict[str, float] = {}
    directions: dict[str, str] = {}
    for spec in registry_gates().values():
        directions[spec.metric] = spec.op
        value = lookup(metrics, spec.metric)
        if value is not None:
            values[spec.metric] = value
    return values, directions


def kinds_checked(report: Report) -> set[str]:
    """Finding kinds whose check ran to the end this time (so their absence means "fixed")."""
    ok = {name for name, c in report.checks.items() if c.status == "ok"}
    return ok | {kind for kind, check in kind_owners().items() if check in ok}


def baseline_path(root: str, given: str | None) -> Path:
    return Path(given) if given else Path(root) / bl.DEFAULT_NAME


@dataclass(frozen=True)
class Verdict:
    """A report judged for CI, with what the baseline said about it."""

    report: Report
    comparison: bl.Comparison | None
    path: Path | None
    tightened: str = ""
    new_since_base: tuple[Finding, ...] | None = None  # set by `diff`: new relative to the base ref
    traces: Mapping[str, Sequence[str]] = field(default_factory=dict)  # finding id -> changed lines it points at
    command: str = "gate"

    @property
    def new(self) -> tuple[Finding, ...]:
        if self.new_since_base is not None:
            return self.new_since_base
        if self.comparison is None:
            return tuple(bl.gated(self.report.findings))
        return self.comparison.new


def judge(
    report: Report, root: Path, path: Path | None, update: bool, new_only: bool
) -> Verdict:
    """Hold ``report`` against the baseline at ``path`` (None: no baseline) and re-decide its gates."""
    if path is None:
        if update:
            raise UsageError("--update needs a baseline; write one first with `healthcheck baseline`")
        if new_only:
            raise UsageError("--new-only needs a baseline (or use `healthcheck diff --base REF --new-only`)")
        return Verdict(report, None, None)
    base = bl.load(path, root)
    stale = bl.outdated(base, ((g.name, g.metric, g.retired) for g in registry_gates().values()))
    if stale:
        raise UsageError(f"baseline {path}: {stale}")
    comparison = bl.compare(base, report.findings, root, kinds_checked(report))
    values, directions = gate_metrics(report.metrics)
    gates = () if new_only else apply_baseline(report.gates, base.metrics)
    judged = replace(
        report,
        gates=(*gates, new_findings_gate(len(comparison.new))),
        extra={**report.extra, "baseline": comparison.to_json(str(path))},
    )
    tightened = ""
    if update:
        tighter = bl.tighten(base, comparison, values, directions)
        improved = sum(1 for k, v in tighter.metrics.items() if base.metrics.get(k) != v)
        removed = len(base.entries) - len(tighter.entries)
        bl.save(path, tighter)
        tightened = f"baseline tightened: {removed} entr{'y' if removed == 1 else 'ies'} removed, {improved} metric(s) improved"
    return Verdict(judged, comparison, path, tightened)


def _escape(text: str, in_property: bool = False) -> str:
    """A workflow command's value: GitHub's own escapes (line breaks stay line breaks), other controls visible."""
    text = console_line(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))
    return text.replace(":", "%3A").replace(",", "%2C") if in_property else text


def github_annotations(findings: Iterable[Finding], failed_gates: Iterable[str] = ()) -> list[str]:
    """GitHub Actions workflow commands that put each finding on its line in the pull request."""
    level = {"error": "error", "warning": "warning", "info": "notice"}
    lines: list[str] = []
    for f in list(findings)[:ANNOTATION_LIMIT]:
        props = [f"title={_escape(f.kind, True)}"]
        if f.path:
            props.insert(0, f"file={_escape(f.path, True)}")
            if f.line:
                props.insert(1, f"line={f.line}")
                if f.end_line:
                    props.insert(2, f"endLine={f.end_line}")
        lines.append(f"::{level.get(f.severity, 'error')} {','.join(props)}::{_escape(f.message)}")
    lines += [f"::error title=healthcheck gate::{_escape(text)}" for text in failed_gates]
    return lines


def in_github_actions() -> bool:
    return os.environ.get("GITHUB_ACTIONS") == "true"


def terse(verdict: Verdict, limit: int = 20) -> list[str]:
    """The lines CI shows: the verdict, the gates that failed, the new findings, baseline housekeeping."""
    report = verdict.report
    failed = [g for g in report.gates if not g.passed]
    word = verdict_word(report)
    comparison = verdict.comparison
    known = f", {len(comparison.known)} accepted in the baseline" if comparison else ""
    lines = [f"healthcheck {verdict.command} {word}: {len(verdict.new)} new finding(s){known}"]
    tests = report.metrics.get("tests")
    if isinstance(tests, dict):
        # The plain closing line CI systems and people look for after a test run.
        lines.append(summary_of_tests(tests))
    lines += [f"  {gate_line(g)}" for g in failed]
    for name, outcome in report.checks.items():
        if outcome.status == "error":
            lines.append(f"  check {name} could not run: {outcome.detail}")
    for f in verdict.new[:limit]:
        traced = verdict.traces.get(f.id)
        suffix = f"  (changed: {', '.join(traced)})" if traced else ""
        lines.append(f"  new {f.severity:7} {where(f)}  {f.message}{suffix}")
    if len(verdict.new) > limit:
        lines.append(f"  … {len(verdict.new) - limit} more new finding(s) in the reports")
    if comparison:
        lines += _housekeeping(comparison, bool(verdict.tightened))
    if verdict.tightened:
        lines.append(f"  {verdict.tightened}")
    return lines


def summary_of_tests(tests: dict[str, Any]) -> str:
    """``tests: 409 passed, 0 failed, 2 skipped`` (errors, collection errors and timeouts count as failed)."""
    failed = sum(int(tests.get(k) or 0) for k in ("failed", "errors", "collection_errors", "timeouts"))
    passed = int(tests.get("passed") or 0) + int(tests.get("flaky") or 0)
    line = f"tests: {passed} passed, {failed} failed"
    if tests.get("skipped"):
        line += f", {int(tests['skipped'])} skipped"
    return line


def _housekeeping(c: bl.Comparison, updated: bool) -> list[str]:
    lines: list[str] = []
    hint = "" if updated else " (run `healthcheck gate --update` to drop them)"
    if c.fixed:
        lines.append(f"  fixed: {len(c.fixed)} baseline entr{'y' if len(c.fixed) == 1 else 'ies'}{hint}")
        lines += [f"    {e.kind} {e.path or '(project)'}: {e.message}" for e in c.fixed[:10]]
    if c.stale:
        lines.append(f"  stale: {len(c.stale)} entr{'y' if len(c.stale) == 1 else 'ies'} whose file is gone{hint}")
    for e in c.expired:
        lines.append(f"  expired {e.expires}: {e.kind} {e.path or '(project)'}: {e.message}")
    return lines


def print_verdict(verdict: Verdict, written: Sequence[Path]) -> None:
    for line in terse(verdict):
        click.echo(console_line(line))
    if in_github_actions():
        failed = [gate_line(g) for g in verdict.report.gates if not g.passed]
        for line in github_annotations(verdict.new, failed):
            click.echo(line)
    if written:
        click.echo(console_line("reports: " + ", ".join(str(p) for p in written)))
