"""Run a scan: discover, parse once, run every check, apply the gates, build the report.

The engine is the only place that knows the order of things. Its one rule is
*degrade, never stop*: a check that raises becomes ``status = error`` with the
exception as its detail, and every other check still runs. Only a problem with
what the user asked for (a path that does not exist, a configuration that does
not validate) stops a scan, as a :class:`~healthcheck.errors.UsageError`.
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

from healthcheck import __version__
from healthcheck.cache_store import default_cache_dir
from healthcheck.check_run import CheckRun
from healthcheck.checks import all_checks
from healthcheck.checks.base import Check, CheckContext, CheckResult, ScanOptions
from healthcheck.config import Config, OptionSpec, load_config
from healthcheck.errors import UsageError
from healthcheck.gate_results import evaluate
from healthcheck.graph.build import ImportGraph, build_graph
from healthcheck.interpreter import inspect
from healthcheck.model import CheckOutcome, Report, sort_findings
from healthcheck.parse import FileFacts, ParseStats, parse_project
from healthcheck.post_check import all_post_check_steps
from healthcheck.project import Project, discover

Progress = Callable[[str], None]


@dataclass
class ScanResult:
    """The report plus what produced it, for commands that need more than the report."""

    report: Report
    config: Config
    project: Project
    graph: ImportGraph | None = None  # the import graph the checks read (``diff`` compares two)


def _gate_ranges(checks: list[Check]) -> dict[str, tuple[float, float]]:
    return {g.name: (g.low, g.high) for c in checks for g in c.gates}


def _check_options(checks: list[Check]) -> dict[str, Mapping[str, OptionSpec]]:
    return {c.name: c.options for c in checks if c.options}


def resolve_cache_dir(root: Path, config: Config, override: str | None) -> Path | None:
    """Where parse results and tool caches live (by default outside the scanned tree); ``none`` disables caching."""
    chosen = override or os.environ.get("HEALTHCHECK_CACHE_DIR") or config.cache_dir
    if chosen and chosen.lower() == "none":
        return None
    if chosen:
        path = Path(chosen)
        return path if path.is_absolute() else root / path
    return default_cache_dir(root)


def package_graph(graph: ImportGraph, depth: int = 2) -> dict[str, Any]:
    """The import graph folded to packages ``depth`` names deep: what the HTML report draws."""
    def fold(module: str) -> str:
        return ".".join(module.split(".")[:depth])

    sizes: dict[str, int] = {}
    for module in graph.modules:
        sizes[fold(module)] = sizes.get(fold(module), 0) + 1
    edges: dict[tuple[str, str], dict[str, Any]] = {}
    for (importer, imported) in graph.edges:
        a, b = fold(importer), fold(imported)
        if a == b:
            continue
        edge = edges.setdefault((a, b), {"from": a, "to": b, "imports": 0, "runtime": False})
        edge["imports"] += 1
        edge["runtime"] = edge["runtime"] or graph.edge_kind(importer, imported) == "runtime"
    return {"depth": depth, "nodes": [{"name": n, "modules": sizes[n]} for n in sorted(sizes)],
            "edges": [edges[k] for k in sorted(edges)]}


def load(root: Path, overrides: Mapping[str, Any] | None = None) -> tuple[Config, list[Check]]:
    """The validated configuration of ``root`` and the checks it applies to."""
    checks = all_checks()
    config = load_config(root, _gate_ranges(checks), _check_options(checks), overrides)
    return config, checks


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building the facts and the graph.

    Loading a warm cache and building the graph allocate hundreds of thousands of
    small objects and free none; the collector would walk them again and again for
    nothing (on Django it costs more than the loading itself).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _run_check(check: Check, ctx: CheckContext) -> tuple[CheckResult, float]:
    start = time.perf_counter()
    try:
        reason = check.enabled(ctx)
        if reason is not None:
            result = CheckResult.skipped(reason)
        else:
            result = check.run(ctx)
    except UsageError:
        raise
    except Exception as exc:  # degrade, never stop
        result = CheckResult.error(f"{type(exc).__name__}: {exc}")
    undeclared = sorted({f.kind for f in result.findings} - {kind.name for kind in check.kinds})
    if undeclared:  # the catalog is all the report may say: a kind nobody declared has no schema, rule or gate
        result = CheckResult.error(f"found {', '.join(undeclared)}, a kind the check does not declare")
    return result, time.perf_counter() - start


@dataclass(frozen=True)
class Setup:
    """The first phase's result: what the scan was asked to do, validated, and the project it covers."""

    root: Path
    config: Config
    checks: list[Check]
    project: Project
    cache: Path | None


@dataclass(frozen=True)
class ParseResult:
    """The second phase's result: one parse of every file, and the import graph built from it."""

    facts: list[FileFacts]
    stats: ParseStats
    graph: ImportGraph


def prepare(root: Path, options: ScanOptions, overrides: Mapping[str, Any] | None, cache_dir: str | None,
            say: Progress) -> Setup:
    """Validate what was asked (path, configuration, ``--only``, interpreter) and discover the project."""
    if not root.exists():
        raise UsageError(f"path does not exist: {root}")
    if not root.is_dir():
        raise UsageError(f"not a directory: {root} (scan a repository folder)")
    root = root.resolve()
    config, checks = load(root, overrides)
    unknown = sorted(options.only - {c.name for c in checks})
    if unknown:  # a misspelt check would run nothing and pass
        raise UsageError(
            f"unknown check {', '.join(unknown)} in --only (checks: {', '.join(c.name for c in checks)})"
        )
    if options.python or config.python:  # a named interpreter that cannot run fails before anything runs
        inspect(options.python or config.python or "")
    say("discovering files")
    project = discover(root, config)
    if not project.files:
        raise UsageError(f"no Python files found under {root}")
    return Setup(root, config, checks, project, resolve_cache_dir(root, config, cache_dir))


def parse_phase(setup: Setup, say: Progress) -> ParseResult:
    """Parse every file once (the checks' extractors included) and build the import graph."""
    extractors = [e for c in setup.checks for e in c.extractors]
    project = setup.project
    say(f"parsing {len(project.files)} files")
    with gc_paused():
        facts, stats = parse_project(
            project.files,
            extractors,
            setup.cache,
            progress=lambda done, total: say(f"parsing {done}/{total} files"),
        )
        graph = build_graph(facts, project.top_level_packages, project.compiled_modules)
    return ParseResult(facts, stats, graph)


def run_checks(checks: list[Check], ctx: CheckContext, say: Progress) -> CheckRun:
    """Every check asked for, the static ones first; each one's results visible to those after it."""
    facts = ctx.facts
    # What discovery counted is known whichever checks run.
    metrics: dict[str, Any] = {
        "files": len(facts),
        "modules": len({f.module for f in facts}),
        "lines": sum(f.lines for f in facts),
    }
    run = CheckRun(outcomes={}, metrics=metrics, findings=[])
    for check in checks:
        if ctx.options.only and check.name not in ctx.options.only:
            continue
        say(f"checking {check.name}")
        result, duration = _run_check(check, ctx)
        run.outcomes[check.name] = CheckOutcome(check.name, result.status, duration, result.detail,
                                                result.not_gated, result.engine)
        if result.status != "skipped":
            run.metrics.update(result.metrics)
            run.findings.extend(result.findings)
            ctx.findings.extend(result.findings)
            ctx.metrics.update(result.metrics)
            run.sections.merge(result.sections)
    return run


def project_section(setup: Setup, stats: ParseStats) -> dict[str, Any]:
    """The report's ``project`` section: where the code was found and how the parse went."""
    root, project = setup.root, setup.project
    return {
        "source_roots": [p.relative_to(root).as_posix() or "." if p.is_relative_to(root) else str(p)
                         for p in project.source_roots],
        "packages": list(project.top_level_packages),
        "skipped": [{"path": p, "reason": r} for p, r in project.skipped],
        "parse": {"files": stats.files, "parsed": stats.parsed, "from_cache": stats.from_cache},
    }


def scan(
    root: Path,
    options: ScanOptions | None = None,
    overrides: Mapping[str, Any] | None = None,
    cache_dir: str | None = None,
    progress: Progress | None = None,
) -> ScanResult:
    """Scan ``root`` and return the report. Raises UsageError for bad input only.

    The phases, each with a typed result: :func:`prepare` (validated input and the project), :func:`parse_phase`
    (the facts and the graph), :func:`run_checks`, the post-check steps registered in
    :mod:`healthcheck.post_check`, the gates, the report.
    """
    options = options or ScanOptions()
    say = progress or (lambda message: None)
    started = dt.datetime.now(dt.timezone.utc)
    t0 = time.perf_counter()

    setup = prepare(root, options, overrides, cache_dir, say)
    parsed = parse_phase(setup, say)
    ctx = CheckContext(
        root=setup.root, config=setup.config, project=setup.project, facts=parsed.facts, options=options,
        graph=parsed.graph, cache_dir=setup.cache, progress=say, option_specs=_check_options(setup.checks),
        parse_stats=parsed.stats,
    )
    ordered = [c for c in setup.checks if not c.executes_code] + [c for c in setup.checks if c.executes_code]
    run = run_checks(ordered, ctx, say)
    for step in all_post_check_steps():
        step.run(run)

    gate_specs = [(c.name, g) for c in ordered for g in c.gates]
    gates = evaluate(gate_specs, run.outcomes, run.metrics, setup.config.thresholds)
    report = Report(
        root=str(setup.root),
        started_at=started.isoformat(timespec="seconds"),
        duration_s=time.perf_counter() - t0,
        checks=run.outcomes,
        metrics=run.metrics,
        gates=gates,
        findings=sort_findings(run.findings),
        version=__version__,
        extra={
            "package_graph": package_graph(parsed.graph),
            "project": project_section(setup, parsed.stats),
            **run.sections.as_dict(),
        },
    )
    return ScanResult(report=report, config=setup.config, project=setup.project, graph=parsed.graph)
