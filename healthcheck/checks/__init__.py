"""The registry of checks: every check, healthcheck's own included, is an entry point of one group.

A check is a class (see ``checks/base.py``) published as an entry point of the group ``healthcheck.checks``
whose name is the check's name; healthcheck lists its own checks so in its pyproject.toml, as flake8 lists
its own checks as ``flake8.extension`` entry points, and another distribution does the same::

    [project.entry-points."healthcheck.checks"]
    todo-comment = "healthcheck_todo:TodoCheck"

A check is built-in when its entry point belongs to healthcheck's own distribution. Those entry points exist
only once healthcheck is installed; run from a source tree on ``PYTHONPATH`` (or from an install whose
metadata predates a new check), the built-ins are also found as what they are, the packages under
``healthcheck/checks/`` (one per check, named after it): a check both ways is loaded once, from its entry point.

Every check is admitted the same way: instantiated, its name and finding kinds checked, placed in one list.
A check that cannot be loaded (its module raises, the object is no check) still takes its place, as a check
that reports ``status: error`` with the reason, so its gates fail instead of passing unseen (degrade, never
stop). Two checks, or two finding kinds, of one name are refused (exit 2): a report in which one name means
two things cannot be read.

The list is ordered by each class's declared ``order`` (see ``checks/base.py``), then by name: the engine runs
static checks before the ones that execute code, and findings of earlier checks are visible to later ones
for linking root causes. Third-party checks that declare no order come after the built-ins, by name.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import EntryPoint, entry_points
from typing import Any, ClassVar

from healthcheck.checks.base import DEFAULT_ORDER, BaseCheck, Check, CheckContext, CheckResult, GateSpec
from healthcheck.errors import UsageError

GROUP = "healthcheck.checks"
DISTRIBUTION = "healthcheck-workspace"  # [project] name in pyproject.toml: its entry points are the built-ins
BUILT_IN = "built-in"
PACKAGED = "built-in (package under healthcheck/checks/; its entry point is not installed)"


@dataclass(frozen=True)
class Loaded:
    """One check class and where it came from, as ``healthcheck doctor`` says it."""

    check: type[Check]
    origin: str  # BUILT_IN, PACKAGED, or "entry point NAME = VALUE of DIST VERSION"

    @property
    def builtin(self) -> bool:
        return self.origin in (BUILT_IN, PACKAGED)


class UnloadableCheck(BaseCheck):
    """Stands for a check that could not be loaded: it runs as an error with the reason."""

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


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _own(point: EntryPoint) -> bool:
    return point.dist is not None and _canonical(point.dist.name) == DISTRIBUTION


def _defines(value: Any, module: str, name: str) -> bool:
    """Whether ``value`` is the check class the package ``module`` defines (not one it imports)."""
    return (isinstance(value, type) and issubclass(value, BaseCheck) and value.__module__ == module
            and value.name == name)


def _packaged() -> list[tuple[str, type[Check] | str]]:
    """Each package under ``healthcheck/checks/``: the check it defines (the class named after it), or why none."""
    found: list[tuple[str, type[Check] | str]] = []
    for module in pkgutil.iter_modules(__path__, __name__ + "."):
        if not module.ispkg:
            continue
        name = module.name.rpartition(".")[2].replace("_", "-")
        try:
            package = importlib.import_module(module.name)
        except Exception as exc:  # a broken built-in degrades like a broken plug-in: its check reports why
            found.append((name, f"cannot import {module.name}: {type(exc).__name__}: {exc}"))
            continue
        classes: list[type[Check]] = [value for value in vars(package).values() if _defines(value, module.name, name)]
        found.append((name, classes[0] if len(classes) == 1 else
                      f"{module.name} defines {len(classes)} check classes named {name!r}, not one"))
    return found


def _class(name: str, found: type[Check] | str) -> type[Check]:
    return _unloadable(name, found) if isinstance(found, str) else found


@lru_cache(maxsize=1)
def loaded() -> tuple[Loaded, ...]:
    """Every check class with its origin, in the order they run (loaded once per process)."""
    points = sorted(entry_points(group=GROUP), key=lambda p: (p.name, p.value))
    builtin = {p.name: Loaded(_class(p.name, _admit(p)), BUILT_IN) for p in points if _own(p)}
    for name, found in _packaged():
        builtin.setdefault(name, Loaded(_class(name, found), PACKAGED))
    others = [Loaded(_class(p.name, _admit(p)), _where(p)) for p in points if not _own(p)]
    return tuple(sorted([*builtin.values(), *others],
                        key=lambda one: (getattr(one.check, "order", DEFAULT_ORDER), one.check.name)))


def builtin_classes() -> tuple[type[Check], ...]:
    """healthcheck's own check classes, in the order they run: what the schema file and README list."""
    return tuple(one.check for one in loaded() if one.builtin)


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
    """A fresh instance of every check, in the order they run."""
    checks: list[Check] = [one.check() for one in loaded()]
    _refuse_clashes(checks)
    return checks


def registry_gates() -> dict[str, GateSpec]:
    """Every gate of every check, by name."""
    return {g.name: g for check in all_checks() for g in check.gates}
