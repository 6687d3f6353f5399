"""The plain data of a fix plan: the edits a repair makes, the finding it closes, and what it changed."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any, Mapping


@dataclass(frozen=True)
class FileEdit:
    """One file's text before and after a repair (``path`` relative to the scanned root, ``/``-separated)."""

    path: str
    before: str
    after: str

    def diff(self) -> str:
        """The edit as a unified diff, ``a/`` and ``b/`` prefixed as git writes them."""
        return "".join(difflib.unified_diff(
            self.before.splitlines(keepends=True), self.after.splitlines(keepends=True),
            fromfile=f"a/{self.path}", tofile=f"b/{self.path}"))


@dataclass(frozen=True)
class Repair:
    """A planned repair: what it does in words and the files it changes, not yet proven."""

    finding_id: str
    kind: str  # "missing-import", "cycle-break", "duplicate-copy", "moved-name"
    summary: str
    edits: tuple[FileEdit, ...]

    def diff(self) -> str:
        return "".join(edit.diff() for edit in self.edits)


@dataclass(frozen=True)
class TestsRun:
    """The test files a repair's proof ran before and after it, out of ``total`` (``whole``: the suite)."""

    __test__ = False  # not a pytest test class, whatever its name says

    files: tuple[str, ...]
    total: int
    whole: bool
    summary: str  # one line: how many, and why these (or why the whole suite)
    ran: tuple[str, ...] = ()  # the node ids of the tests that ran with the repair


@dataclass(frozen=True)
class ProvenRepair:
    """A repair whose proof held: the scan of the scratch copy no longer has the finding and nothing new."""

    repair: Repair
    closes: tuple[str, ...]  # every error finding gone after it, the target first
    metrics_before: Mapping[str, Any]
    metrics_after: Mapping[str, Any]
    tests: TestsRun | None = None  # None: proven without tests (no --tests)


@dataclass(frozen=True)
class NoRepair:
    """A finding of a repairable kind for which no repair proved out, and why."""

    finding_id: str
    kind: str
    why: str
    planned: bool = False  # True: a repair was planned and its proof failed; False: none could be planned


@dataclass
class FixPlan:
    """Every repair offered, in the order they must be applied, and the findings left without one."""

    root: str
    repairs: list[ProvenRepair] = field(default_factory=list)
    refused: list[NoRepair] = field(default_factory=list)
    metrics_before: Mapping[str, Any] = field(default_factory=dict)
    metrics_after: Mapping[str, Any] = field(default_factory=dict)

    def originals(self) -> dict[str, str]:
        """Each touched file's text as it was when planning began (the first edit's ``before``)."""
        out: dict[str, str] = {}
        for proven in self.repairs:
            for edit in proven.repair.edits:
                out.setdefault(edit.path, edit.before)
        return out

    def results(self) -> dict[str, str]:
        """Each touched file's text after every repair (the last edit's ``after``)."""
        out: dict[str, str] = {}
        for proven in self.repairs:
            for edit in proven.repair.edits:
                out[edit.path] = edit.after
        return out
