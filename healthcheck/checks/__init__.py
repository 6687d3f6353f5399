"""The registry of checks: healthcheck's own, then those other distributions add through entry points.

A check outside healthcheck is a class like the built-in ones (see ``checks/base.py``), published as an entry
point of the group ``healthcheck.checks`` whose name is the check's name::

    [project.entry-points."healthcheck.checks"]
    todo-comment = "healthcheck_todo:TodoCheck"

Both are admitted the same way: instantiated, their name and finding kinds checked, placed in one list. A
third-party check that cannot be loaded (its module raises, the object is no check) still takes its place,
as a check that reports ``status: error`` with the reason, so its gates fail instead of passing unseen
(degrade, never stop). Two checks, or two finding kinds, of one name are refused (exit 2): a report in
which one name means two things cannot be read.

Order matters only in that static checks run before the ones that execute code (the engine enforces
that), and findings of earlier checks are visible to later ones for linking root causes. Third-party checks
come after the built-ins, by name.
"""

from __future__ import annotations

from functools import lru_cache
from importlib.metadata import EntryPoint, entry_points
from typing import ClassVar

from healthcheck.checks.base import BaseCheck, Check, CheckContext, CheckResult, GateSpec
from healthcheck.checks.contract_violation import ContractViolationCheck
from healthcheck.checks.import_cycle import ImportCycleCheck
from healthcheck.checks.duplicates import DuplicatesCheck
from healthcheck.checks.import_failure import ImportFailureCheck
from healthcheck.checks.names import NamesCheck
from healthcheck.checks.syntax_error import SyntaxErrorCheck
from healthcheck.checks.test_suite import TestSuiteCheck
from healthcheck.checks.type_error import TypeErrorCheck
from healthcheck.errors import UsageError

GROUP = "healthcheck.checks"
BUILTIN: tuple[type[Check], ...] = (
    SyntaxErrorCheck,
    NamesCheck,
    ImportCycleCheck,
    ContractViolationCheck,
    DuplicatesCheck,
    TypeErrorCheck,
    ImportFailureCheck,
    TestSuiteCheck,
)


class UnloadableCheck(BaseCheck):
    """Stands for a third-party check that could not be loaded: it runs as an error with the reason."""

    reason: ClassVar[str] = ""

    def run(self, ctx: CheckContext) -> CheckResult:
        return CheckResult.error(self.reason)


def _unloadable(name: str, reason: str) -> type[Check]:
    """A check class of its own for one broken entry point, named after it."""
    made: type[Check] = type("UnloadableCheck", (UnloadableCheck,), {"name": name, "reason": reason})
    return made


def _where(point: EntryPoint) -> str:
    dist = point.dist
    origin = f" of {dist.name} {dist.version}" if dist is not None else ""
    return f"entry point {point.name} = {point.value}{origin}"


def _admit(point: EntryPoint) -> type[Check] | str:
    """The check class an entry point names, or why it is none."""
    try:
        loaded = point.load()
    except Exception as exc:  # the plug-in's own import failed: its check reports the reason
        return f"cannot load {_where(point)}: {type(exc).__name__}: {exc}"
    if not isinstance(loaded, type) or not callable(getattr(loaded, "run", None)):
        return f"{_where(point)} is not a check class (one with name, kinds and run; see checks/base.py)"
    if getattr(loaded, "name", None) != point.name:
        return f"{_where(point)}: the class is named {getattr(loaded, 'name', None)!r}, not {point.name!r}"
    kinds = getattr(loaded, "kinds", None)
    if not isinstance(kinds, tuple) or not kinds:
        return f"{_where(point)} declares no finding kinds (kinds = (FindingKind(...), ...))"
    checked: type[Check] = loaded
    return checked


@lru_cache(maxsize=1)
def plugin_classes() -> tuple[type[Check], ...]:
    """The check class of every entry point of the group, by name (loaded once per process)."""
    points = sorted(entry_points(group=GROUP), key=lambda p: (p.name, p.value))
    admitted = ((p.name, _admit(p)) for p in points)
    return tuple(_unloadable(name, found) if isinstance(found, str) else found for name, found in admitted)


def _refuse_clashes(checks: list[Check]) -> None:
    names: set[str] = set()
    kinds: dict[str, str] = {}
    for check in checks:
        if check.name in names:
            raise UsageError(f"two checks are named {check.name!r} (entry points of the group {GROUP})")
        names.add(check.name)
        for kind in check.kinds:
            if kind.name in kinds:
                raise UsageError(f"finding kind {kind.name!r} is declared by both {kinds[kind.name]!r} and "
                                 f"{check.name!r}")
            kinds[kind.name] = check.name


def all_checks() -> list[Check]:
    """A fresh instance of every check, in the order they run: the built-ins, then the entry points'."""
    checks: list[Check] = [cls() for cls in BUILTIN + plugin_classes()]
    _refuse_clashes(checks)
    return checks


def registry_gates() -> dict[str, GateSpec]:
    """Every gate of every check, by name."""
    return {g.name: g for check in all_checks() for g in check.gates}
