"""Typed sections between checks and post-check steps, and the post-check registry."""

from __future__ import annotations

import textwrap
from pathlib import Path

from mypy import api as mypy_api

from healthcheck import check_run
from healthcheck.check_run import TESTS, CheckRun, SectionKey, Sections
from healthcheck.model import Finding
from healthcheck.post_check import all_post_check_steps
from healthcheck.triage import TRIAGE, Triage

COUNT: SectionKey[int] = SectionKey("count")
NAMES: SectionKey[list[str]] = SectionKey("names")


def test_sections_keep_the_order_they_were_put_in_and_a_later_put_replaces() -> None:
    first, second = Sections(), Sections()
    first.put(NAMES, ["a"])
    first.put(COUNT, 1)
    second.put(COUNT, 2)
    second.put(TESTS, [])
    first.merge(second)
    assert first.as_dict() == {"names": ["a"], "count": 2, "tests": []}
    assert list(first) == ["names", "count", "tests"]
    assert first.get(COUNT) == 2 and first.get(TRIAGE) is None
    assert not Sections() and first


def test_restored_sections_read_back_as_they_were_put() -> None:
    kept = Sections()
    kept.put(NAMES, ["x", "y"])
    again = Sections.restored(kept.as_dict())
    assert again.get(NAMES) == ["x", "y"] and again.as_dict() == kept.as_dict()


def _failure(nodeid: str) -> Finding:
    return Finding.create("test-failure", f"{nodeid} failed", key=nodeid, path="tests/test_a.py", line=3,
                          data={"nodeid": nodeid, "outcome": "failed", "root_cause": "rc1", "cause": "boom",
                                "cause_kind": "exception"})


def test_the_triage_step_reads_the_tests_section_and_puts_the_plan() -> None:
    row: check_run.TestRow = {"nodeid": "tests/test_a.py::test_x", "outcome": "failed", "duration_s": 0.1,
                    "message": "ValueError: boom", "path": "tests/test_a.py", "line": 3}
    run = CheckRun(outcomes={}, metrics={}, findings=[_failure(row["nodeid"])])
    run.sections.put(TESTS, [row])
    Triage().run(run)
    plan = run.sections.get(TRIAGE)
    assert plan is not None and plan["failing_tests"] == 1 and plan["root_causes"] == 1
    assert [s["command"] for s in plan["steps"]] == ["python -m pytest tests/test_a.py"]
    assert list(run.sections) == ["tests", "triage"]


def test_without_a_test_run_triage_adds_no_section() -> None:
    run = CheckRun(outcomes={}, metrics={}, findings=[])
    Triage().run(run)
    assert run.sections.as_dict() == {}


def test_the_registry_runs_links_back_before_triage() -> None:
    assert [step.name for step in all_post_check_steps()] == ["link-back", "triage"]


def test_mypy_refuses_a_section_of_the_wrong_type_and_types_what_a_reader_gets(tmp_path: Path) -> None:
    source = tmp_path / "consumer.py"
    source.write_text(textwrap.dedent("""\
        from healthcheck.check_run import TESTS, Sections

        sections = Sections()
        sections.put(TESTS, "not rows")
        rows = sections.get(TESTS)
        reveal_type(rows)
    """))
    out, _err, code = mypy_api.run(["--strict", "--no-incremental", "--cache-dir", str(tmp_path / "cache"),
                                    str(source)])
    assert code == 1
    # mypy's wording moves between releases (1.10: 'Cannot infer type argument 1 of "put"', and the revealed type
    # spelt "Union[builtins.list[TypedDict('...TestRow', ...". The lines and what they name stay.
    lines = out.splitlines()
    assert any(line.startswith(f"{source}:4: error: Cannot infer") and '"put" of "Sections"' in line for line in lines), out
    assert any(line.startswith(f"{source}:6: note: Revealed type is") and "list[TypedDict(" in line
               and "healthcheck.check_run.TestRow" in line for line in lines), out
    assert "Found 1 error" in out
