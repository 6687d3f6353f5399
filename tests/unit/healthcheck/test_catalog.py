"""The catalog: every finding kind declared once, by its check, and everything that lists kinds built from it."""

from __future__ import annotations

import json
import re
from pathlib import Path

from healthcheck import catalog
from healthcheck.diffscan import ChangeReport
from healthcheck.model import Finding
from healthcheck.report.markdown import render_markdown
from healthcheck.report.sarif import sarif_document
from unit.healthcheck.gate_report_helpers import CYCLE, report

REPO = Path(__file__).resolve().parents[3]
BUILTIN_KINDS = [
    "syntax-error", "undefined-name", "unresolved-import", "import-cycle", "contract-violation",
    "duplicate-implementation", "duplicate-code", "type-error", "import-failure", "test-failure", "coverage",
]


def test_the_schema_file_lists_exactly_the_built_in_kinds_in_catalog_order() -> None:
    on_disk = json.loads((REPO / "healthcheck" / "schema" / "report.schema.json").read_text())
    assert catalog.kind_enum(on_disk) == [k.name for k in catalog.builtin_kinds()] == BUILTIN_KINDS


def test_without_plugins_the_schema_is_the_file() -> None:
    on_disk = json.loads((REPO / "healthcheck" / "schema" / "report.schema.json").read_text())
    assert catalog.report_schema() == on_disk


def test_every_kind_has_one_owner_and_the_owner_declares_it() -> None:
    owners = catalog.kind_owners()
    assert owners == {
        "syntax-error": "syntax-error", "undefined-name": "names", "unresolved-import": "names",
        "import-cycle": "import-cycle", "contract-violation": "contract-violation",
        "duplicate-implementation": "duplicates", "duplicate-code": "duplicates", "type-error": "type-error",
        "import-failure": "import-failure", "test-failure": "test-suite", "coverage": "test-suite",
    }


def test_the_first_screen_ranks_causes_before_consequences() -> None:
    ranked = sorted(catalog.cause_rank().items(), key=lambda item: item[1])
    assert [name for name, _ in ranked] == [
        "syntax-error", "import-cycle", "unresolved-import", "undefined-name", "import-failure",
        "contract-violation", "type-error", "test-failure", "coverage", "duplicate-implementation", "duplicate-code",
    ]


def _slug(heading: str) -> str:
    """GitHub's anchor of a Markdown heading: lower case, punctuation dropped, spaces to dashes."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_every_help_anchor_is_a_heading_of_the_readme_and_the_table_is_current() -> None:
    readme = (REPO / "README.md").read_text()
    anchors = {_slug(line.lstrip("#")) for line in readme.splitlines() if line.startswith("#")}
    assert {k.help for k in catalog.builtin_kinds()} <= anchors
    assert catalog.readme_table() in readme
    assert "| `import-cycle` | `import-cycle` | error | Modules import each other in a cycle. | " \
           "[what-it-checks](#what-it-checks) |" in catalog.readme_table()


def test_the_readme_writer_replaces_only_its_block(tmp_path: Path) -> None:
    target = tmp_path / "README.md"
    target.write_text(f"before\n{catalog.README_START}\nstale\n{catalog.README_END}\nafter\n")
    assert catalog.write_readme_table(target) is True
    assert target.read_text() == f"before\n{catalog.readme_table()}\nafter\n"
    assert catalog.write_readme_table(target) is False


def test_the_schema_writer_puts_back_the_built_in_kinds_and_leaves_a_current_file(tmp_path: Path) -> None:
    source = REPO / "healthcheck" / "schema" / "report.schema.json"
    assert catalog.schema_text(source.read_text()) == source.read_text()  # the file is current and as written
    stale = json.loads(source.read_text())
    catalog.kind_enum(stale).remove("import-cycle")
    target = tmp_path / "report.schema.json"
    target.write_text(json.dumps(stale))
    assert catalog.write_schema_kinds(target) is True
    assert target.read_text() == source.read_text()
    assert catalog.write_schema_kinds(target) is False


def test_sarif_rules_come_from_the_catalog() -> None:
    rules = {r["id"]: r for r in sarif_document(report())["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["import-cycle"] == {
        "id": "import-cycle", "name": "ImportCycle",
        "shortDescription": {"text": "Modules import each other in a cycle."},
        "help": {"text": "Modules import each other in a cycle. See the section #what-it-checks of healthcheck's "
                         "README.md."},
        "defaultConfiguration": {"level": "error"},
    }
    unknown = Finding.create("made-up", "a kind nobody declares", key="x")
    rule = sarif_document(report(findings=(unknown,)))["runs"][0]["tool"]["driver"]["rules"][0]
    assert rule == {"id": "made-up", "name": "MadeUp", "shortDescription": {"text": "healthcheck made-up finding."}}


def test_the_diff_lists_are_the_catalogs_sections_in_the_same_order_as_before() -> None:
    dup = Finding.create("duplicate-code", "copied", key="d", path="a.py", line=1)
    typed = Finding.create("type-error", "bad", key="t", path="a.py", line=2)
    change = ChangeReport(base="main", commit="c0ffee", new_findings=[CYCLE, dup, typed], fixed_findings=[CYCLE])
    doc = change.to_json({"a.py": {2}})
    assert list(doc) == ["base", "commit", "changed_files", "changed_lines", "new_findings", "fixed_findings",
                         "new_import_edges", "new_cycles", "removed_cycles", "new_duplicates", "new_type_errors",
                         "diff_coverage"]
    assert [r["id"] for r in doc["new_cycles"]] == [CYCLE.id] == [r["id"] for r in doc["removed_cycles"]]
    assert [r["id"] for r in doc["new_duplicates"]] == [dup.id]
    assert doc["new_type_errors"][0]["changed_lines"] == ["a.py:2"]
    other = Finding.create("undefined-name", "'x' is undefined", key="x", path="b.py", line=3)
    doc["new_findings"].append(ChangeReport("main", "c", [other]).to_json({})["new_findings"][0])
    text = render_markdown(report(extra={"diff": doc}))
    sections = [line for line in text.splitlines() if line.startswith("**New") or line.startswith("**Removed")
                or line.startswith("**Other")]
    assert sections == ["**New import cycles** (1)", "**Removed import cycles** (1)", "**New duplicates** (1)",
                        "**New type errors** (1)", "**Other new findings** (1)"]
