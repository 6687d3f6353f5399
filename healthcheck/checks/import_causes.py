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
installed), ``syntax``, ``timeout``, or ``raised`` (the module's own code
raised).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Mapping

from healthcheck.checks.import_runner import Outcome

# Import names whose distribution is named differently (the common cases).
DISTRIBUTIONS: Mapping[str, str] = {
    "yaml": "PyYAML", "PIL": "Pillow", "cv2": "opencv-python", "sklearn": "scikit-learn",
    "bs4": "beautifulsoup4", "dateutil": "python-dateutil", "dotenv": "python-dotenv", "jwt": "PyJWT",
    "magic": "python-magic", "serial": "pyserial", "OpenSSL": "pyOpenSSL", "Crypto": "pycryptodome",
    "google.protobuf": "protobuf", "psycopg2": "psycopg2-binary", "MySQLdb": "mysqlclient",
    "attr": "attrs", "docx": "python-docx", "git": "GitPython", "zmq": "pyzmq", "usb": "pyusb",
}


def normalise(name: str) -> str:
    """A distribution name as the packaging standards compare it."""
    return re.sub(r"[-_.]+", "-", name).lower()


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


@dataclass
class ProjectMap:
    """How to turn the probe's absolute paths into project modules and relative paths."""

    module_of_path: Mapping[str, str]
    rel_of_path: Mapping[str, str]
    rel_of_module: Mapping[str, str]
    top_level: frozenset[str]


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


def cause_of(outcome: Outcome, top_level: Iterable[str]) -> str:
    info = outcome.info
    if outcome.timed_out:
        return "timeout"
    if info.get("syntax"):
        return "syntax"
    if info.get("partial"):
        return "circular"
    missing = info.get("missing")
    if missing:
        return "missing-module" if str(missing).split(".")[0] in set(top_level) else "missing-dependency"
    return "raised"


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
    return Failure(
        module=outcome.module, exception=exception, message=message,
        cause=cause_of(outcome, project.top_level), path=path, line=line, frames=frames,
        missing=info.get("missing"), partial=info.get("partial"), exit_code=outcome.exit_code,
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
    return [roots[m] for m in sorted(roots)]
