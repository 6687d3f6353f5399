"""From "these modules failed to import" to "these are the root causes, and what each one breaks".

When ``a`` imports ``b`` and ``b`` raises, both fail, but fixing ``b`` fixes
both: listing them as two problems sends a reader to the wrong file. So each
failure is traced to its *origin*: the project module whose code raised (the
innermost traceback frame inside the project, the file with the syntax error,
the module that hung). A failure whose origin is another module that fails
too is a *dependent* of that module's root failure; each root failure is
reported once, with its dependents listed.

The *cause* says what kind of fix is needed: ``circular`` (a module saw
another one half-initialised), ``missing-module`` (a project module that does
not exist), ``missing-dependency`` (a third-party distribution that is not
installed), ``syntax``, ``timeout``, the causes outside the code that
:mod:`healthcheck.checks.import_failure.diagnosis` recognises (``python2-only``,
``platform``, ``configuration``, ``system-dependency``), or ``raised`` (the
module's own code raised).

Failures with one cause outside the project (one missing distribution, one
framework without its settings, one platform, one missing shared library) are
one root cause however many modules they stop: they are merged into one
failure that lists every module (:func:`merge_shared`), so that a framework's
unconfigured settings read as one finding, not thirty-four at one line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable, Mapping

from healthcheck.checks.import_failure.diagnosis import diagnose
from healthcheck.checks.import_failure.dists import import_root
from healthcheck.checks.import_runner import Outcome

SHARED_CAUSES = ("missing-dependency", "configuration", "platform", "system-dependency")


def _no_source(path: str, line: int) -> str:
    return ""

@dataclass
class Failure:
    """One root cause of import failures."""

    module: str
    exception: str
    message: str
    cause: str
    path: str | None
    line: int | None
    frames: list[tuple[str, int, str]] = field(default_factory=list)
    missing: str | None = None
    partial: str | None = None
    dependents: list[str] = field(default_factory=list)
    exit_code: int | None = None
    subject: str | None = None  # what a cause outside the code is about: "Windows", "Django", "libGL.so.1"
    raising_line: str = ""  # the text of the project line that raised, stripped ("raise ImportError(")


@dataclass
class ProjectMap:
    """How to turn the probe's absolute paths into project modules and relative paths."""

    module_of_path: Mapping[str, str]
    rel_of_path: Mapping[str, str]
    rel_of_module: Mapping[str, str]
    top_level: frozenset[str]
    source_line: Callable[[str, int], str] = _no_source  # (absolute path, line) -> that line's text


def _origin(outcome: Outcome, project: ProjectMap) -> str:
    """The project module whose code made this import fail."""
    info = outcome.info
    if info.get("blocked"):
        return str(info["blocked"])
    syntax = info.get("syntax")
    if syntax and syntax[0] in project.module_of_path:
        return project.module_of_path[syntax[0]]
    frames = info.get("frames") or []
    if frames and frames[-1][0] in project.module_of_path:
        return project.module_of_path[frames[-1][0]]
    return outcome.module


def _raising_line(outcome: Outcome, project: ProjectMap) -> str:
    frames = outcome.info.get("frames") or []
    return project.source_line(str(frames[-1][0]), int(frames[-1][1])) if frames else ""


def cause_of(outcome: Outcome, top_level: Iterable[str], source_line: str = "") -> tuple[str, str | None]:
    """The cause of a failed import, and its subject for the causes outside the code."""
    info = outcome.info
    if outcome.timed_out:
        return "timeout", None
    if info.get("syntax"):
        return "syntax", None
    if info.get("partial"):
        return "circular", None
    missing = info.get("missing")
    if missing and str(missing).split(".")[0] in set(top_level):
        return "missing-module", None
    diagnosis = diagnose(info, source_line)
    if diagnosis is not None:
        return diagnosis.cause, diagnosis.subject
    if missing:
        return "missing-dependency", import_root(str(missing))
    return "raised", None


def _failure(outcome: Outcome, project: ProjectMap) -> Failure:
    info = outcome.info
    frames = [
        (project.rel_of_path[f[0]], int(f[1]), str(f[2]))
        for f in info.get("frames") or [] if f[0] in project.rel_of_path
    ]
    path: str | None = project.rel_of_module.get(outcome.module)
    line: int | None = None
    syntax = info.get("syntax")
    if syntax and syntax[0] in project.rel_of_path:
        path, line = project.rel_of_path[syntax[0]], syntax[1]
    elif frames:
        path, line = frames[-1][0], frames[-1][1]
    if outcome.timed_out:
        exception, message = "Timeout", "did not finish importing"
    elif outcome.exit_code is not None:
        exception, message = "ProcessExit", f"the process exited with code {outcome.exit_code}"
    else:
        exception, message = str(info.get("exception", "Exception")), str(info.get("message", ""))
    raising = _raising_line(outcome, project)
    cause, subject = cause_of(outcome, project.top_level, raising)
    return Failure(
        module=outcome.module, exception=exception, message=message,
        cause=cause, path=path, line=line, frames=frames,
        missing=info.get("missing"), partial=info.get("partial"), exit_code=outcome.exit_code, subject=subject,
        raising_line=raising,
    )


def root_failures(outcomes: Iterable[Outcome], project: ProjectMap) -> list[Failure]:
    """One :class:`Failure` per root cause, each listing the modules that fail only because of it."""
    failed = {o.module: o for o in outcomes if not o.ok}
    origin = {m: _origin(o, project) for m, o in failed.items()}

    def root_of(module: str) -> str:
        path = [module]
        while origin[module] != module and origin[module] in failed:
            module = origin[module]
            if module in path:  # origins pointing at each other: the loop's first module by name
                return min(path[path.index(module):])
            path.append(module)
        return module

    roots: dict[str, Failure] = {}
    for module in sorted(failed):
        root = root_of(module)
        if root not in roots:
            roots[root] = _failure(failed[root], project)
        if root != module:
            roots[root].dependents.append(module)
    return merge_shared([roots[m] for m in sorted(roots)])


def merge_shared(roots: list[Failure]) -> list[Failure]:
    """One failure per cause outside the project: the first module's (by name) keeps its place and lists
    every other module stopped by the same missing distribution, settings, platform or shared library."""
    merged: list[Failure] = []
    first: dict[tuple[str, str], Failure] = {}
    for failure in roots:
        if failure.cause not in SHARED_CAUSES or failure.subject is None:
            merged.append(failure)
            continue
        key = (failure.cause, failure.subject)
        kept = first.get(key)
        if kept is None:
            first[key] = failure
            merged.append(failure)
        else:
            kept.dependents = sorted({*kept.dependents, failure.module, *failure.dependents})
    return merged
