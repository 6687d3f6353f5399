"""The registry of checks: one module per check, one line here per check.

Order matters only in that static checks run before the ones that execute code
(the engine enforces that), and findings of earlier checks are visible to later
ones for linking root causes.
"""

from __future__ import annotations

from healthcheck.checks.base import Check, GateSpec
from healthcheck.checks.contracts import ContractCheck
from healthcheck.checks.cycles import CycleCheck
from healthcheck.checks.duplicates import DuplicatesCheck
from healthcheck.checks.imports import ImportCheck
from healthcheck.checks.names import NamesCheck
from healthcheck.checks.syntax import SyntaxCheck
from healthcheck.checks.tests import TestsCheck
from healthcheck.checks.types import TypesCheck


def all_checks() -> list[Check]:
    """A fresh instance of every check, in the order they run."""
    return [
        SyntaxCheck(),
        NamesCheck(),
        CycleCheck(),
        ContractCheck(),
        DuplicatesCheck(),
        TypesCheck(),
        ImportCheck(),
        TestsCheck(),
    ]


def registry_gates() -> dict[str, GateSpec]:
    """Every gate of every check, by name."""
    return {g.name: g for check in all_checks() for g in check.gates}


