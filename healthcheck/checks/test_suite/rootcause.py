"""Group failing tests into root causes, from code facts rather than message text alone.

Four hundred failures are usually a handful of problems. A failure's root
cause is decided, in this order, by:

1. a ``SyntaxError`` in a project file: that file, linked to its ``syntax-error`` finding;
2. an ImportError (or AttributeError) about a *partially initialized module*:
   the import cycle holding that module, linked to its ``import-cycle`` finding;
3. a missing module: a third-party package that is not installed (grouped by
   distribution top-level name), or a project module that does not exist
   (linked to its ``unresolved-import`` findings);
4. ``cannot import name X from M``: the missing name in that module;
5. a ``NameError``: the name, linked to its ``undefined-name`` finding;
6. otherwise the same exception type raised at the same innermost project
   frame (file, function and source text, not the line number, so the cause
   keeps its id when unrelated lines move);
7. with no project frame at all, the exception type and its message with
   numbers and quoted values blurred.

A test that passed when re-run is its own cause of kind ``flaky``; a test the
timeout interrupted is its own cause of kind ``timeout``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from healthcheck.checks.test_suite.run import TestRecord
from healthcheck.model import Finding, fingerprint

PARTIAL = re.compile(r"partially initiali[sz]ed module '([\w.]+)'")
CANNOT_IMPORT = re.compile(r"cannot import name '([\w.]+)' from '([\w.]+)'")
NO_MODULE = re.compile(r"No module named '([\w.]+)'")
BLUR = re.compile(r"'[^']*'|\"[^\"]*\"|0x[0-9a-fA-F]+|\d+")


@dataclass
class RootCause:
    """One reason tests fail, and everything known about it."""

    id: str
    kind: str
    title: str
    path: str | None = None
    line: int | None = None
    links: list[str] = field(default_factory=list)
    tests: list[TestRecord] = field(default_factory=list)


@dataclass(frozen=True)
class _Key:
    key: str
    kind: str
    title: str
    path: str | None = None
    line: int | None = None
    links: tuple[str, ...] = ()


def _by_check(findings: Iterable[Finding], check: str) -> list[Finding]:
    return [f for f in findings if f.kind == check]


class Grouper:
    """Decides the root cause of each failing test against the findings already made."""

    def __init__(self, findings: Sequence[Finding], project_tops: Iterable[str]) -> None:
        self.findings = list(findings)
        self.tops = set(project_tops)

    def group(self, records: Iterable[TestRecord]) -> list[RootCause]:
        causes: dict[str, RootCause] = {}
        for record in records:
            k = self.key(record)
            cause_id = "rc:" + fingerprint(k.key)
            cause = causes.get(cause_id)
            if cause is None:
                links = list(k.links) + [f.id for f in _by_check(self.findings, "import-failure")
                                         if k.path and f.path == k.path and f.id not in k.links]
                cause = causes[cause_id] = RootCause(cause_id, k.kind, k.title, k.path, k.line, links)
            cause.tests.append(record)
        return list(causes.values())

    def key(self, r: TestRecord) -> _Key:
        if r.outcome in ("flaky", "timeout"):
            what = "passed when re-run" if r.outcome == "flaky" else "was still running at the suite's timeout"
            return _Key(f"{r.outcome}:{r.nodeid}", r.outcome, f"{r.nodeid} {what}", r.path, r.line)
        exc = r.exception.rsplit(".", 1)[-1]
        for decide in (self._syntax, self._cycle, self._missing, self._cannot_import, self._name):
            found = decide(r, exc)
            if found is not None:
                return found
        return self._raised(r, exc)

    def _syntax(self, r: TestRecord, exc: str) -> _Key | None:
        path = r.facts.get("path")
        if exc not in ("SyntaxError", "IndentationError", "TabError") or not path:
            return None
        links = tuple(f.id for f in _by_check(self.findings, "syntax-error") if f.path == path)
        return _Key(f"syntax:{path}", "syntax-error", f"{path} does not parse ({exc}: {r.message})",
                    path, r.facts.get("line"), links)

    def _cycle(self, r: TestRecord, exc: str) -> _Key | None:
        match = PARTIAL.search(r.message)
        if match is None:
            return None
        module = match.group(1)
        cycles = [f for f in _by_check(self.findings, "import-cycle") if module in f.data.get("modules", ())]
        cycles.sort(key=lambda f: (f.data.get("kind") != "runtime", len(f.data.get("modules", ())), f.id))
        if cycles:
            chosen = cycles[0]
            members = ", ".join(chosen.data.get("modules", ()))
            return _Key(f"cycle:{chosen.id}", "import-cycle",
                        f"import cycle among {members} ({module} is imported while partially initialised)",
                        chosen.path, chosen.line, (chosen.id,))
        frame = r.frame or {}
        return _Key(f"cycle-module:{module}", "import-cycle",
                    f"circular import: {module} is imported while partially initialised",
                    frame.get("path"), frame.get("line"))

    def _missing(self, r: TestRecord, exc: str) -> _Key | None:
        module = r.facts.get("module") if exc in ("ModuleNotFoundError", "ImportError") else None
        if not module:
            match = NO_MODULE.search(r.message)
            module = match.group(1) if match else None
        if not module or "No module named" not in r.message:
            return None
        top = module.split(".")[0]
        frame = r.frame or {}
        if top not in self.tops:
            return _Key(f"missing:{top}", "missing-dependency",
                        f"third-party package '{top}' is not installed (No module named '{module}')",
                        frame.get("path"), frame.get("line"))
        links = tuple(f.id for f in _by_check(self.findings, "unresolved-import")
                      if str(f.data.get("module", "")) == module)
        return _Key(f"missing-module:{module}", "missing-module", f"module '{module}' does not exist in the project",
                    frame.get("path"), frame.get("line"), links)

    def _cannot_import(self, r: TestRecord, exc: str) -> _Key | None:
        match = CANNOT_IMPORT.search(r.message)
        if match is None:
            return None
        name, module = match.groups()
        frame = r.frame or {}
        return _Key(f"import-name:{module}:{name}", "missing-name", f"'{name}' cannot be imported from {module}",
                    frame.get("path"), frame.get("line"))

    def _name(self, r: TestRecord, exc: str) -> _Key | None:
        name = r.facts.get("name")
        if exc != "NameError" or not name:
            return None
        frame = r.frame or {}
        candidates = [f for f in _by_check(self.findings, "undefined-name") if f.data.get("name") == name]
        candidates.sort(key=lambda f: (f.path != frame.get("path"), f.path or "", f.id))
        if candidates:
            chosen = candidates[0]
            return _Key(f"undefined:{chosen.id}", "undefined-name",
                        f"'{name}' is used but never defined ({chosen.path}:{chosen.line})",
                        chosen.path, chosen.line, (chosen.id,))
        return _Key(f"name:{name}:{frame.get('path')}", "undefined-name", f"NameError: name '{name}' is not defined",
                    frame.get("path"), frame.get("line"))

    def _raised(self, r: TestRecord, exc: str) -> _Key:
        frame = r.frame
        label = r.exception or "failure"
        if frame:
            where = f"{frame['path']}:{frame['line']} in {frame.get('function', '?')}"
            return _Key(
                f"raise:{r.exception}:{frame['path']}:{frame.get('function')}:{frame.get('text', '')}",
                "exception",
                f"{label} at {where}: {r.message}" if r.message else f"{label} at {where}",
                frame["path"], frame["line"],
            )
        blurred = BLUR.sub("_", r.message)
        return _Key(f"message:{r.exception}:{blurred}", "exception",
                    f"{label}: {r.message}" if r.message else label, r.path, r.line)
