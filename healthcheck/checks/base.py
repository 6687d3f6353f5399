"""What a check is, what it is given and what it gives back.

A check is a small object with a ``name``, the finding kinds it produces, the
gates it feeds, the options it accepts and a ``run(context) -> CheckResult``.
Adding one is adding a package (``checks/<name>/``, or a distribution of its
own outside healthcheck) and an entry point in the group ``healthcheck.checks``
(``checks/__init__.py``); the kinds it declares are all the schema, SARIF, the
renderers and ``diff`` need to know of it (``healthcheck/catalog.py``).

A check's ``order`` places it in the list the engine runs, so that no list is
edited to add one: lower runs first, ties by name. It matters twice: the
engine runs the static checks before the code-executing ones whatever their
order, and a later check may read the findings of earlier ones to link a root
cause to them. The built-ins
use 10..80 in steps of 10; a check that declares none gets ``DEFAULT_ORDER``,
after them.

Static checks read :attr:`CheckContext.facts` (the one shared parse) and run
in-process. Checks that execute the scanned repository's code (mypy, imports,
tests) declare ``executes_code = True``; they run after the static ones, in
subprocesses, and may read the findings the static checks produced (through
:attr:`CheckContext.findings`) to link their root causes to them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, ClassVar, Mapping, Protocol, Sequence

from healthcheck.config import Config, OptionSpec
from healthcheck.check_run import Sections
from healthcheck.graph.build import ImportGraph
from healthcheck.interpreter import Interpreter, inspect
from healthcheck.model import CheckStatus, Finding, Severity
from healthcheck.parse import Extractor, FileFacts, ParseStats
from healthcheck.project import Project


@dataclass(frozen=True)
class GateSpec:
    """A threshold on a metric. ``metric`` is a dotted path into the report's metrics."""

    name: str
    metric: str
    op: str  # "<=" or ">="
    default: float | None  # None: informational, gated only when a threshold is configured
    low: float = 0.0
    high: float = 1e12
    help: str = ""
    # Metrics this gate read in earlier versions: a baseline that records one of them instead of ``metric``
    # was written before the gate changed, and cannot be compared with it.
    retired: tuple[str, ...] = ()


@dataclass(frozen=True)
class DiffSection:
    """A list of its own in ``healthcheck diff``: ``new_<key>`` (and ``removed_<key>``) in the report."""

    key: str  # "cycles": the report's diff holds new_cycles
    title: str  # "import cycles": the Markdown section is "New import cycles"
    removed: bool = False  # also list the findings of this kind the change removed (removed_<key>)


@dataclass(frozen=True)
class FindingKind:
    """One kind of finding a check can produce: the ``check`` field of its findings and what is said of it."""

    name: str  # "import-cycle"
    summary: str  # one line: SARIF's rule description, the README's table
    help: str  # a heading anchor of healthcheck's README ("duplicates"), or an absolute URL for a check outside it
    severity: Severity = "error"  # the usual severity; a finding may say otherwise
    rank: int = 100  # first-screen order: kinds that explain others come first (lower)
    diff: DiffSection | None = None  # None: listed among "other new findings" of a diff


@dataclass(frozen=True)
class ScanOptions:
    """Choices made on the command line that are not repository configuration."""

    python: str | None = None  # None: [tool.healthcheck] python, else the current interpreter
    run_tests: bool | None = None  # None: [tool.healthcheck] tests decides (default False)
    import_check: bool = True
    types: bool = True
    diff_base: str | None = None
    timeout: float = 600.0
    only: frozenset[str] = frozenset()


@dataclass
class CheckContext:
    """Everything a check may read. Built once per scan by the engine."""

    root: Path
    config: Config
    project: Project
    facts: Sequence[FileFacts]
    options: ScanOptions
    graph: ImportGraph
    cache_dir: Path | None
    findings: list[Finding] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)
    progress: Callable[[str], None] = lambda message: None
    option_specs: Mapping[str, Mapping[str, OptionSpec]] = field(default_factory=dict)
    parse_stats: ParseStats = field(default_factory=ParseStats)

    def parsed(self) -> list[FileFacts]:
        """Facts of the files that parsed."""
        return [f for f in self.facts if f.parsed]

    @property
    def python(self) -> str:
        """The scanned repository's interpreter: --python, then [tool.healthcheck] python, then ours."""
        import sys

        return self.options.python or self.config.python or sys.executable

    @property
    def interpreter(self) -> Interpreter:
        """What :attr:`python` is and which engines it has (asked once per interpreter, then remembered)."""
        return inspect(self.python)

    @property
    def run_tests(self) -> bool:
        if self.options.run_tests is not None:
            return self.options.run_tests
        return self.config.tests

    def option(self, check: str, name: str) -> Any:
        """A check option: the repository's value or the declared default."""
        spec = self.option_specs.get(check, {}).get(name)
        default = spec.default if spec else None
        return self.config.option(check, name, default)


@dataclass
class CheckResult:
    """What a check found. ``status`` is ``error`` with a ``detail`` when it could not do its job."""

    status: CheckStatus = "ok"
    findings: list[Finding] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)
    detail: str = ""
    sections: Sections = field(default_factory=Sections)  # report sections, each under its typed key
    # Gates that do not apply to this run, by name, with why. Any other gate whose metric is missing fails.
    not_gated: dict[str, str] = field(default_factory=dict)
    # Which engine judged, for the report: {"name", "version", "python", "environment"}.
    engine: dict[str, str] = field(default_factory=dict)

    @classmethod
    def error(cls, detail: str) -> CheckResult:
        return cls(status="error", detail=detail)

    @classmethod
    def skipped(cls, detail: str) -> CheckResult:
        return cls(status="skipped", detail=detail)


DEFAULT_ORDER = 1000  # a check that declares no order runs after the built-ins (10..80)


class Check(Protocol):
    """The protocol every check implements."""

    name: ClassVar[str]
    kinds: ClassVar[tuple[FindingKind, ...]]
    order: ClassVar[int]
    executes_code: ClassVar[bool]
    gates: ClassVar[tuple[GateSpec, ...]]
    options: ClassVar[Mapping[str, OptionSpec]]
    extractors: ClassVar[tuple[Extractor, ...]]

    def enabled(self, ctx: CheckContext) -> str | None:
        """``None`` to run, or the reason the check is skipped this time."""

    def run(self, ctx: CheckContext) -> CheckResult:
        """Do the work. May raise; the engine turns an exception into ``status = error``."""


class BaseCheck:
    """Defaults for the optional parts of :class:`Check`."""

    name: ClassVar[str] = ""
    kinds: ClassVar[tuple[FindingKind, ...]] = ()
    order: ClassVar[int] = DEFAULT_ORDER
    executes_code: ClassVar[bool] = False
    gates: ClassVar[tuple[GateSpec, ...]] = ()
    options: ClassVar[Mapping[str, OptionSpec]] = {}
    extractors: ClassVar[tuple[Extractor, ...]] = ()

    def enabled(self, ctx: CheckContext) -> str | None:
        return None


