"""The proven verdict on runtime import cycles: import every member of every runtime component first, and see
which ones crash with a circular import.

The import check imports in dependency order, so it enters each cycle from one
side only; a cycle that crashes only when entered elsewhere (a user's
``import pkg.ops`` before anything else) never shows there. Here each member is
imported with nothing of its component imported yet. It runs the way the import
check runs code (:mod:`healthcheck.checks.import_runner`: the repository's
interpreter, its source roots, the per-module time limit, a stack dump when an
import hangs), within the import check's time limit, on as many workers.

Each component gets fork servers (``healthcheck/in_target/forkserver.py``) that
import once what its members need from outside it and cannot enter it
(:mod:`healthcheck.checks.import_cycle.preload`), then fork one child per member; the
components that cost most start first, and a large one is split between the
workers. A crash seen in a forked child is confirmed in a fresh interpreter,
with nothing preloaded, before it counts: that fresh import is what is reported.

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
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Sequence

from healthcheck.checks.base import CheckContext
from healthcheck.checks.import_cycle.preload import preload_for, with_parents
from healthcheck.checks.import_job import IMPORT_CHECK, check_time_limit, import_check_off, probe_job, why_not_imported
from healthcheck.checks.import_runner import Outcome, ProbeError, ProbeJob, run_share
from healthcheck.in_target import FORKSERVER


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
    if ctx.options.only and IMPORT_CHECK not in ctx.options.only:
        return False
    return import_check_off(ctx) is None


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


@dataclass(frozen=True)
class Share:
    """Members of one component for one fork server, with what it preloads."""

    component: int
    members: list[str]
    preload: list[str]
    refuse: list[str]

    @property
    def cost(self) -> int:
        """A guess of the share's time: each member's import runs about the whole component."""
        return len(self.members) * len(self.refuse)


MEMBERS_PER_SPLIT = 4  # a component is split between workers only with at least this many members per share


def plan(ctx: CheckContext, components: Sequence[Sequence[str]], members: set[str], workers: int) -> list[Share]:
    """The fork servers to run, costliest first: one per component, a large one split between the workers."""
    graph = ctx.graph
    succ = with_parents(graph.successor_map({"runtime"}, implied=True), graph.modules)
    importable = importable_modules(ctx)
    shares: list[Share] = []
    for i, comp in enumerate(components):
        mine = sorted(m for m in comp if m in members)
        if not mine:
            continue
        preload = preload_for(comp, succ, importable)
        count = max(1, min(workers, len(mine) // MEMBERS_PER_SPLIT))
        shares += [Share(i, mine[k::count], preload, sorted(comp)) for k in range(count)]
    return sorted(shares, key=lambda s: -s.cost)


def importable_modules(ctx: CheckContext) -> set[str]:
    """The project's modules the import check would import (the ones the proof may import too)."""
    exclude = [str(p) for p in ctx.option(IMPORT_CHECK, "exclude")]
    return {m for m, source in ctx.project.modules.items() if why_not_imported(source, exclude) is None}


def _forked(job: ProbeJob, share: Share, folder: Path) -> list[tuple[str, Outcome | None]]:
    """Each member of ``share`` imported first in a child of one fork server; None for one not reached."""
    server = replace(job, script=FORKSERVER, spec={"preload": share.preload, "refuse": share.refuse,
                                                   "pycache": str(folder / "pycache")})
    done = run_share(server, share.members, {}, folder)
    if done.problem is not None:
        raise ProbeError(done.problem)
    said = {o.module: o for o in done.outcomes}
    return [(m, said.get(m)) for m in share.members]


def prove(ctx: CheckContext, components: Sequence[Sequence[str]]) -> Proof:
    """Import every importable member of every component first, in parallel; a verdict per component."""
    members = {m for comp in components for m in comp} & importable_modules(ctx)
    proof = Proof()
    if not members:
        proof.detail = "no member can be imported"
        return proof
    job = probe_job(ctx, check_time_limit(ctx))
    workers = max(1, int(ctx.option(IMPORT_CHECK, "workers")))
    shares = plan(ctx, components, members, workers)
    ctx.progress(f"importing {len(members)} members of import cycles, each first, in {len(shares)} fork servers")
    started = time.monotonic()
    outcomes: dict[str, Outcome | None] = {}
    with tempfile.TemporaryDirectory(prefix="healthcheck-cycles-") as tmp:
        folder = Path(tmp)
        try:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                for found in pool.map(lambda share: _forked(job, share, folder), shares):
                    outcomes.update(found)
            suspects = sorted(m for m, o in outcomes.items() if o is not None and _crash(o, ctx) is not None)
            with ThreadPoolExecutor(max_workers=workers) as pool:  # a crash counts once a fresh interpreter has it
                outcomes.update(zip(suspects, pool.map(lambda m: _first(job, m, folder), suspects)))
        except ProbeError as exc:
            proof.detail = f"the interpreter could not import anything ({exc})"
            return proof
    index = {m: i for i, comp in enumerate(components) for m in comp}
    conclusive: dict[int, bool] = {}
    crashed = 0
    for module, outcome in sorted(outcomes.items()):
        i = index[module]
        crash = _crash(outcome, ctx) if outcome is not None else None
        if crash is not None:
            crashed += 1
            proof.crashes.setdefault(index.get(crash.partial, i), crash)
        finished = (outcome is not None and not outcome.timed_out and outcome.exit_code is None
                    and "died" not in outcome.info)
        conclusive[i] = conclusive.get(i, True) and finished
    proof.proven = {i for i, ok in conclusive.items() if ok and i not in proof.crashes}
    proof.detail = (
        f"{len(members)} members in {time.monotonic() - started:.1f} s, {crashed} of them crash with a circular import"
    )
    return proof
