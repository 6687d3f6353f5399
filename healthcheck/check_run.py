"""What checks hand on: report sections under typed keys, and the merged run the post-check steps refine.

A check gives findings and metrics, and sometimes a part of the report of its
own (the test suite's ``tests`` rows, its ``coverage``, the import check's
``not_imported``). Others read some of those: triage reads the ``tests`` rows
to build the recovery plan. Through a free ``dict[str, Any]`` a misspelt name
or a wrong shape would only show at run time; here a section is put and read
through a :class:`SectionKey` that carries its value's type, so mypy checks the
writer and every reader against the same declaration.

A key's name is the report's key for the section (docs/report.md), so the JSON
report reads the same whichever check wrote it. Keys are declared by whoever
writes the section; the ones more than one module reads are declared here. A
third-party check declares its own key (``SectionKey[dict[str, int]]("todo")``)
and puts its section the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, Iterator, Mapping, Protocol, TypedDict, TypeVar, cast

from healthcheck.model import CheckOutcome, Finding

T = TypeVar("T")


@dataclass(frozen=True)
class SectionKey(Generic[T]):
    """The name of one report section and, as its type parameter, the type of its value."""

    name: str


class Sections:
    """The sections of one check's result, or of the whole run, in the order they were put."""

    def __init__(self) -> None:
        self._values: dict[str, Any] = {}

    @classmethod
    def restored(cls, values: Mapping[str, Any]) -> Sections:
        """Sections as :meth:`as_dict` gave them (a cached result): each value was put under its typed key."""
        sections = cls()
        sections._values.update(values)
        return sections

    def put(self, key: SectionKey[T], value: T) -> None:
        self._values[key.name] = value

    def get(self, key: SectionKey[T]) -> T | None:
        """The section's value, or None when nobody put it (the check did not run, or had nothing to say)."""
        return cast("T | None", self._values.get(key.name))

    def merge(self, other: Sections) -> None:
        """Put every section of ``other``, after those already here (a later put of a name replaces it)."""
        self._values.update(other._values)

    def as_dict(self) -> dict[str, Any]:
        """The sections by name, in order: what the report's JSON holds after its own sections."""
        return dict(self._values)

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __bool__(self) -> bool:
        return bool(self._values)


class TestRow(TypedDict):
    """One test of the suite's run: a row of the ``tests`` section (what JUnit XML and dashboards read)."""

    nodeid: str
    outcome: str
    duration_s: float
    message: str
    path: str  # relative to the scanned root, "/"-separated
    line: int | None


TESTS: SectionKey[list[TestRow]] = SectionKey("tests")


@dataclass
class CheckRun:
    """What the checks gave, merged, which the post-check steps then refine in turn."""

    outcomes: dict[str, CheckOutcome]
    metrics: dict[str, Any]
    findings: list[Finding]
    # The report's sections after ``findings`` (``tests``, ``coverage``, ``triage``, ...).
    sections: Sections = field(default_factory=Sections)


class PostCheckStep(Protocol):
    """A step that runs once every check has: it reads the run and refines it (links, a plan)."""

    name: ClassVar[str]

    def run(self, run: CheckRun) -> None: ...
