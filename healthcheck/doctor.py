"""What a scan would run, with what, and what is missing: the few lines to read before trusting a run.

A verdict is only as good as the engine behind it, and the engine depends on
the machine: which interpreter ``--python`` names, whether it has pytest,
coverage.py or mypy, which versions healthcheck itself brings. ``healthcheck
doctor`` answers those questions without running a check: it asks the
interpreter (:mod:`healthcheck.interpreter`), makes the same choices the
checks make (the same functions decide), and says for each check ``ok``,
``skipped`` (and why) or ``error`` (the check would fail, and so would its
gates). It never imports or runs the repository's code.

It also says where each check it loaded came from (``from`` in ``--json``):
``built-in``, or the entry point and distribution of a plug-in, whose line is
all doctor can say of it (a plug-in's needs are its own), or ``error`` with
why it could not be loaded.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from healthcheck.checks import UnloadableCheck, loaded
from healthcheck.checks.contract_violation import contract_types, find_contract_file
from healthcheck.checks.test_suite.coverage_boot import coverage_source
from healthcheck.checks.type_error import choose_mypy
from healthcheck.config import Config
from healthcheck.interpreter import Interpreter, inspect, installed_version
from healthcheck.undefined_names import ruff_binary


@dataclass(frozen=True)
class Line:
    """One check's readiness."""

    check: str
    status: str  # ok | skipped | error
    text: str
    origin: str = "built-in"  # where the check came from: healthcheck.checks.Loaded.origin

    def to_json(self) -> dict[str, str]:
        return {"check": self.check, "status": self.status, "detail": self.text, "from": self.origin}


def _with_origins(lines: list[Line]) -> list[Line]:
    """The built-ins' lines with where each was loaded from, then one line per plug-in check."""
    origins = {one.check.name: one.origin for one in loaded()}
    known = [replace(line, origin=origins.get(line.check, line.origin)) for line in lines]
    plugins = [Line(one.check.name, "error", one.check.reason, one.origin)
               if issubclass(one.check, UnloadableCheck) else
               Line(one.check.name, "ok", f"a plug-in, {one.origin} (its needs are its own: doctor does not ask)",
                    one.origin)
               for one in loaded() if one.check.name not in {line.check for line in lines}]
    return known + plugins


def _names() -> Line:
    ruff = ruff_binary()
    pyflakes = f"pyflakes {installed_version('pyflakes')}"
    if ruff is None:
        return Line("names", "ok", f"{pyflakes} (ruff not found)")
    return Line("names", "ok", f"ruff {installed_version('ruff')} at {ruff}; {pyflakes} where ruff cannot read a file")


def _contracts(root: Path) -> Line:
    path = find_contract_file(root)
    if path is None:
        return Line("contract-violation", "skipped", "no import-linter contracts in .importlinter, setup.cfg or "
                                                      "pyproject.toml")
    from importlinter import api

    try:
        options = api.read_configuration(config_filename=str(path))
    except Exception as exc:  # import-linter's readers raise a variety of errors
        return Line("contract-violation", "error", f"{path.name}: cannot read import-linter configuration: {exc}")
    types, problems = contract_types(dict(options["session_options"]), root)
    contracts = options["contracts_options"]
    unknown = sorted({str(c.get("type")) for c in contracts} - set(types))
    problems += [f"unknown contract type {name!r}" for name in unknown]
    text = f"import-linter {installed_version('import-linter')}: {len(contracts)} contracts in {path.name}"
    if problems:
        return Line("contract-violation", "error", f"{text}; " + "; ".join(problems))
    return Line("contract-violation", "ok", text)


def _types(target: Interpreter, asked: bool) -> Line:
    if not asked:
        return Line("type-error", "skipped", "turned off (--no-types)")
    choice = choose_mypy(target)
    return Line("type-error", "ok", f"mypy {choice.version}: {choice.environment}")


def _imports(target: Interpreter, asked: bool) -> Line:
    if not asked:
        return Line("import-failure", "skipped", "turned off (--no-import-check or import_check = false)")
    return Line("import-failure", "ok", f"imports the project's modules in {target.describe()} (this runs its code)")


def _tests(target: Interpreter, asked: bool) -> Line:
    when = "" if asked else "only with --tests: "
    if not target.has("pytest"):
        return Line("test-suite", "error" if asked else "skipped",
                    f"{when}pytest is not installed in {target.describe()}: the test-suite check and its gates "
                    f"would fail")
    xdist = f"; pytest-xdist {target.engines['xdist']} (workers measured)" if target.has("xdist") else ""
    return Line("test-suite", "ok" if asked else "skipped",
                f"{when}pytest {target.engines['pytest']}; coverage: {coverage_source(target)}{xdist}")


def diagnose(root: Path, config: Config, python: str | None, tests: bool | None, types: bool = True,
             import_check: bool = True) -> tuple[Interpreter, list[Line]]:
    """The interpreter and one line per check. Raises UsageError when ``python`` is no usable interpreter."""
    target = inspect(python or config.python or sys.executable)
    ours = f"healthcheck's Python {sys.version.split()[0]}"
    lines = [
        Line("syntax-error", "ok", f"Python's parser ({ours})"),
        _names(),
        Line("import-cycle", "ok", "healthcheck's own import graph, from the shared parse"),
        _contracts(root),
        Line("duplicates", "ok", "healthcheck's own clone detection, from the shared parse"),
        _types(target, types),
        _imports(target, import_check and config.import_check),
        _tests(target, config.tests if tests is None else tests),
    ]
    return target, _with_origins(lines)


def as_json(root: Path, target: Interpreter, lines: list[Line]) -> dict[str, Any]:
    return {
        "root": str(root),
        "python": {"path": target.path, "version": target.version_text, "prefix": target.prefix,
                   "healthcheck_environment": target.ours, "engines": dict(target.engines)},
        "healthcheck": {"python": sys.executable, "prefix": sys.prefix},
        "checks": [line.to_json() for line in lines],
    }


def text(root: Path, target: Interpreter, lines: list[Line]) -> list[str]:
    width = max(len(line.check) for line in lines)
    out = [f"healthcheck doctor: {root}", f"interpreter  {target.describe()}"]
    out += [f"{line.check:<{width}}  {line.status:<7}  {line.text}" for line in lines]
    return out
