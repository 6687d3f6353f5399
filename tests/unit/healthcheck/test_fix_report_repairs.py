"""The report's ``repairs`` entries from a fix plan, and the line the Markdown and HTML reports print for each."""

from __future__ import annotations

from healthcheck.fix.model import FileEdit, FixPlan, NoRepair, ProvenRepair, Repair
from healthcheck.fix.step_repairs import finding_repairs
from healthcheck.report.repairs_section import repair_line


def _plan() -> FixPlan:
    repair = Repair("import-cycle:a", "cycle-break", "move `import b` into f", (FileEdit("a.py", "x\n", "y\n"),))
    return FixPlan(root="/r", repairs=[ProvenRepair(repair, ("import-cycle:a", "import-failure:b"), {}, {})],
                   refused=[NoRepair("duplicate-implementation:c", "duplicate-implementation",
                                     "no repair proved out: it would add test-failure:d: t failed", planned=True),
                            NoRepair("undefined-name:e", "undefined-name", "2 project modules define 'x'"),
                            NoRepair("import-failure:b", "import-failure", "never reached")])


def test_every_closed_and_refused_finding_gets_its_entry() -> None:
    repairs = finding_repairs(_plan(), "my repo")
    proven = {"available": True, "proven": True, "command": "healthcheck fix 'my repo' --only import-cycle:a --apply",
              "repaired_by": "import-cycle:a", "summary": "move `import b` into f", "why_not": None}
    assert repairs == {
        "duplicate-implementation:c": {"available": True, "proven": False, "command": None, "repaired_by": None,
                                       "summary": None,
                                       "why_not": "no repair proved out: it would add test-failure:d: t failed"},
        "import-cycle:a": proven,
        "import-failure:b": proven,  # closed by the cycle's repair, whatever a later attempt said
        "undefined-name:e": {"available": False, "proven": False, "command": None, "repaired_by": None,
                             "summary": None, "why_not": "2 project modules define 'x'"},
    }


def test_the_line_says_proven_planned_or_none() -> None:
    repairs = finding_repairs(_plan(), "/r")
    assert repair_line("import-failure:b", repairs["import-failure:b"]) == (
        "import-failure:b: proven repair (closed by the repair of import-cycle:a), apply with "
        "`healthcheck fix /r --only import-cycle:a --apply`: move `import b` into f")
    assert repair_line("duplicate-implementation:c", repairs["duplicate-implementation:c"]) == (
        "duplicate-implementation:c: a repair was planned but did not prove out: no repair proved out: it would add "
        "test-failure:d: t failed")
    assert repair_line("undefined-name:e", repairs["undefined-name:e"]) == (
        "undefined-name:e: no safe repair: 2 project modules define 'x'")
