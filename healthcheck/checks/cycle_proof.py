"""The proven verdict on runtime import cycles: import every member of every runtime component first, each in
a fresh interpreter, and see which ones crash with a circular import.

The import check imports in dependency order, so it enters each cycle from one
side only; a cycle that crashes only when entered elsewhere (a user's
``import pkg.ops`` before anything else) never shows there. Here each member
gets an interpreter of its own, with nothing of the project imported yet, so
the member really is imported first. It runs exactly the way the import check
runs code (:mod:`healthcheck.checks.import_runner`: the repository's
interpreter, its source roots, the per-module time limit, a stack dump when an
import hangs), in parallel, within the import check's time limit.

A member whose import fails with "partially initialized module" is a
:class:`Crash`: the entry, the exception, the project line that raised it and
the edge to move (from the module that raised to the half-initialised one). A
component is *proven* when every member that can be imported was tried to the
end and none crashed with a circular import. A member that fails for another
reason (a missing dependency, an ``assert sys.platform == "win32"``) did not
crash on a cycle in this interpreter: that failure is the import check's
finding. One that hung or killed its interpreter, or was not reached in time,
leaves its component with the static verdict.
"""

from __future__ import annotations

import os
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from healthcheck.checks.base import CheckContext
from healthcheck.checks.import_runner import Outcome, ProbeError, ProbeJob, run_share
from healthcheck.checks.imports import ImportCheck, check_time_limit, probe_job, why_not_imported


@dataclass(frozen=True)
class Crash:
    """One member that does not import when imported first, because a cycle sees a partial module."""

    entry: str
    exception: str
    message: str
    path: str | None
    line: int | None
    importer: str  # the module whose line raised
    partial: str  # the half-initialised module it asked

    @property
    def edge(self) -> tuple[str, str]:
        return (self.importer, self.partial)

    def to_data(self) -> dict[str, Any]:
        return {
            "entry": self.entry, "exception": self.exception, "message": self.message, "path": self.path,
            "line": self.line, "importer": self.importer, "imported": self.partial,
        }


@dataclass
class Proof:
    """What importing each member first showed, per runtime component (by index)."""

    crashes: dict[int, Crash] = field(default_factory=dict)
    proven: set[int] = field(default_factory=set)  # every member tried to the end, none crashed
    detail: str = ""


def wanted(ctx: CheckContext) -> bool:
    """Whether the import check runs in this scan: the proof runs code exactly when it does."""
    if ctx.options.only and ImportCheck.name not in ctx.options.only:
        return False
    return ImportCheck().enabled(ctx) is None


def _crash(outcome: Outcome, ctx: CheckContext) -> Crash | None:
    info = outcome.info
    partial = info.get("partial")
    if outcome.ok or not partial:
        return None
    by_path = {str(f.path): f for f in ctx.project.files}
    frames = [f for f in info.get("frames") or [] if str(f[0]) in by_path]
    raiser = by_path[str(frames[-1][0])] if frames else None
    message = str(info.get("message", "")).replace(str(ctx.root) + os.sep, "")
    return Crash(
        entry=outcome.module, exception=str(info.get("exception", "ImportError")), message=message,
        path=raiser.rel if raiser else None, line=int(frames[-1][1]) if frames else None,
        importer=raiser.module if raiser else outcome.module, partial=str(partial),
    )


def _first(job: ProbeJob, module: str, folder: Path) -> Outcome | None:
    """Import ``module`` alone in a fresh interpreter; None when it was not reached in time."""
    share = run_share(job, [module], {}, folder)
    if share.problem is not None:
        raise ProbeError(share.problem)
    return share.outcomes[0] if share.outcomes else None


def prove(ctx: CheckContext, components: Sequence[Sequence[str]]) -> Proof:
    """Import every importable member of every component first, in parallel; a verdict per component."""
    exclude = [str(p) for p in ctx.option(ImportCheck.name, "exclude")]
    sources = ctx.project.modules
    members = sorted(
        {m for comp in components for m in comp if m in sources and why_not_imported(sources[m], exclude) is None}
    )
    proof = Proof()
    if not members:
        proof.detail = "no member can be imported"
        return proof
    job = probe_job(ctx, check_time_limit(ctx))
    workers = max(1, int(ctx.option(ImportCheck.name, "workers")))
    ctx.progress(f"importing {len(members)} members of import cycles, each first in a fresh interpreter")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="healthcheck-cycles-") as tmp:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            try:
                outcomes = dict(zip(members, pool.map(lambda m: _first(job, m, Path(tmp)), members)))
            except ProbeError as exc:
                proof.detail = f"the interpreter could not import anything ({exc})"
                return proof
    index = {m: i for i, comp in enumerate(components) for m in comp}
    conclusive: dict[int, bool] = {}
    for module, outcome in sorted(outcomes.items()):
        i = index[module]
        crash = _crash(outcome, ctx) if outcome is not None else None
        if crash is not None:
            target = index.get(crash.partial, i)
            proof.crashes.setdefault(target, crash)
        finished = outcome is not None and not outcome.timed_out and outcome.exit_code is None
        conclusive[i] = conclusive.get(i, True) and finished
    proof.proven = {i for i, ok in conclusive.items() if ok and i not in proof.crashes}
    crashed = sum(1 for o in outcomes.values() if o is not None and _crash(o, ctx) is not None)
    proof.detail = (
        f"{len(members)} members in {time.monotonic() - started:.1f} s, {crashed} of them crash with a circular import"
    )
    return proof
