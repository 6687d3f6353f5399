"""``healthcheck fix`` on one small fixture per repair kind: the exact diff it offers, proven by a scan.

Each fixture is copied, so an ``--apply`` run never touches the repository; without ``--apply`` the copy
must stay byte for byte what it was.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from e2e.healthcheck.scan_helpers import FIXTURES, run_cli


def _copy(name: str, tmp_path: Path) -> Path:
    target = tmp_path / name
    shutil.copytree(FIXTURES / name, target)
    return target


def _texts(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): p.read_text() for p in sorted(root.rglob("*.py"))}


def _plan(root: Path, *extra: str) -> tuple[int, dict[str, object]]:
    proc = run_cli("fix", str(root), "--format", "json", "--no-types", *extra, timeout=300)
    assert proc.returncode in (0, 1), proc.stderr
    return proc.returncode, json.loads(proc.stdout)


MISSING_IMPORT = [
    '--- a/pkg/clock.py\n+++ b/pkg/clock.py\n@@ -1,6 +1,7 @@\n """Timestamps for the log."""\n import os\n \n'
    '+from pkg.text import slugify\n from pkg.util import helper\n \n \n',
    '--- a/pkg/clock.py\n+++ b/pkg/clock.py\n@@ -1,5 +1,6 @@\n """Timestamps for the log."""\n import os\n'
    '+import time\n \n from pkg.text import slugify\n from pkg.util import helper\n',
    # yaml is installed (PyYAML): a name used only as ``yaml.attribute`` is that module
    '--- a/pkg/config.py\n+++ b/pkg/config.py\n@@ -1,4 +1,6 @@\n """Settings read from YAML."""\n+\n+import yaml\n'
    ' \n \n def load(text: str) -> object:\n',
]
CYCLE_DEFER = (
    '--- a/pkg/orders.py\n+++ b/pkg/orders.py\n@@ -1,8 +1,8 @@\n """Orders, which know their customer."""\n'
    '-from pkg.customers import describe\n \n TAX = 0.2\n \n \n def summary(order_id: int) -> str:\n'
    '+    from pkg.customers import describe\n     return f"{order_id}: {describe(order_id)}"  # the customer\'s name\n'
)
CYCLE_TYPING = (
    '--- a/pkg/models.py\n+++ b/pkg/models.py\n@@ -1,5 +1,11 @@\n """Records that a repository stores."""\n'
    '-from pkg.repo import Repo\n+\n+from __future__ import annotations\n+\n+from typing import TYPE_CHECKING\n+\n'
    '+if TYPE_CHECKING:\n+    from pkg.repo import Repo\n \n \n class Model:\n'
)
DUPLICATE = (
    '--- a/pkg/geo_copy.py\n+++ b/pkg/geo_copy.py\n@@ -1,13 +1,7 @@\n """A copy of geo made during a refactor."""\n'
    ' import json\n \n-\n-def country_of(address: str) -> str:\n-    parts = address.split(".")\n'
    '-    first = int(parts[0])\n-    if first < 128:\n-        return "us"\n-    return "eu"\n'
    '+from pkg.geo import country_of\n \n \n def dump(address: str) -> str:\n'
)
MOVED_NAME = (
    '--- a/pkg/app.py\n+++ b/pkg/app.py\n@@ -1,7 +1,7 @@\n """The application."""\n import os\n \n'
    '-from pkg.old_text import slugify  # moved in the text refactor\n'
    '+from pkg.text import slugify  # moved in the text refactor\n \n \n def main() -> str:\n'
)
GUARDED = [
    # a first-party import joins the run of first-party imports below the guarded `try:`, never inside it
    '--- a/pkg/loader.py\n+++ b/pkg/loader.py\n@@ -6,6 +6,7 @@\n except ImportError:  # the standard one is enough\n'
    '     import json\n \n+from pkg.text import slugify\n from pkg.util import helper\n \n \n',
    '--- a/pkg/loader.py\n+++ b/pkg/loader.py\n@@ -1,5 +1,6 @@\n """Settings, read with the faster parser when there '
    'is one."""\n import os\n+import time\n \n try:\n     import ujson as json\n',
    # the breaker inside `try:` stays; the cycle's other import moves into the function
    '--- a/pkg/registry.py\n+++ b/pkg/registry.py\n@@ -1,7 +1,7 @@\n """The registry of plugins."""\n'
    '-from pkg.plugins import NAME\n \n \n def register(name: str) -> str:\n+    from pkg.plugins import NAME\n'
    '     # every plugin is registered under the default name too\n     return name + NAME\n',
]


@pytest.mark.slow
def test_guarded_imports_stay_guarded(tmp_path: Path) -> None:
    code, plan = _plan(_copy("fix_guarded_imports", tmp_path))
    assert code == 1
    assert [r["diff"] for r in plan["repairs"]] == GUARDED  # type: ignore[union-attr]
    [refused] = plan["no_repair"]  # type: ignore[misc]
    assert refused["kind"] == "import-cycle"
    assert refused["why"] == (
        "no import of the cycle can move off the import-time path (pkg.first -> pkg.second: the import at "
        "pkg/first.py:3 is inside a top-level `try:` block: moving it would change what its `except` does when the "
        "import fails; pkg.second -> pkg.first: BASE used while pkg.second is imported, and pkg.second uses BASE "
        "before it binds LIMIT)")


@pytest.mark.slow
@pytest.mark.parametrize(("fixture", "kind", "diffs"), [
    ("fix_missing_import", "missing-import", MISSING_IMPORT),
    ("fix_cycle_defer", "cycle-break", [CYCLE_DEFER]),
    ("fix_cycle_typing", "cycle-break", [CYCLE_TYPING]),
    ("fix_duplicate", "duplicate-copy", [DUPLICATE]),
    ("fix_moved_name", "moved-name", [MOVED_NAME]),
])
def test_each_repair_kind_offers_its_exact_diff_and_writes_nothing(
        fixture: str, kind: str, diffs: list[str], tmp_path: Path) -> None:
    root = _copy(fixture, tmp_path)
    before = _texts(root)
    code, plan = _plan(root)
    repairs = plan["repairs"]
    assert isinstance(repairs, list)
    assert [r["kind"] for r in repairs] == [kind] * len(diffs)
    assert [r["diff"] for r in repairs] == diffs
    assert plan["applied"] is False
    if fixture == "fix_missing_import":  # `settings` is nothing any module provides
        assert code == 1 and plan["no_repair"] == [{
            "finding": plan["no_repair"][0]["finding"], "kind": "undefined-name",  # type: ignore[index]
            "why": "no module the interpreter finds and no project module provides 'settings'"}]
    else:
        assert code == 0 and plan["no_repair"] == []
    assert _texts(root) == before


@pytest.mark.slow
def test_cycle_repair_closes_the_import_failure_it_caused(tmp_path: Path) -> None:
    _, plan = _plan(_copy("fix_cycle_defer", tmp_path))
    repairs = plan["repairs"]
    assert isinstance(repairs, list)
    assert repairs[0]["before"]["failing_import_cycles"] == 1 and repairs[0]["after"]["failing_import_cycles"] == 0
    assert (repairs[0]["before"]["importable_modules"], repairs[0]["after"]["importable_modules"]) == ("1/3", "3/3")
    assert [c.split(":")[0] for c in repairs[0]["closes"]] == ["import-cycle", "import-failure"]


@pytest.mark.slow
def test_only_plans_the_one_finding(tmp_path: Path) -> None:
    root = _copy("fix_missing_import", tmp_path)
    _, plan = _plan(root)
    repairs = plan["repairs"]
    assert isinstance(repairs, list)
    wanted = repairs[1]["finding"]
    _, alone = _plan(root, "--only", wanted)
    assert [r["finding"] for r in alone["repairs"]] == [wanted]  # type: ignore[union-attr]


def _wsm_gates(root: Path, tmp_path: Path, name: str) -> dict[str, tuple[float, bool]]:
    out = tmp_path / f"{name}.json"
    proc = run_cli("scan", str(root), "--cache-dir", "none", "--format", "json", "--output", str(out), timeout=300)
    assert proc.returncode in (0, 1), proc.stderr
    report = json.loads(out.read_text())
    return {g["name"]: (g["actual"], g["passed"]) for g in report["gates"]}


@pytest.mark.slow
def test_fix_apply_on_the_bundled_example_turns_the_cycle_and_missing_import_gates_green(tmp_path: Path) -> None:
    root = _copy("wsm", tmp_path)
    (root / ".isort.cfg").write_text("[settings]\nknown_first_party = wsm\n")
    before = _wsm_gates(root, tmp_path, "before")
    proc = run_cli("fix", str(root), "--apply", "--force", timeout=600)
    assert proc.returncode == 1, proc.stderr  # the missing wsm.session.missing has no safe repair
    assert "no safe repair for unresolved-import:" in proc.stdout
    assert "applied 2 repairs to 3 files: wsm/models.py, wsm/session/retry.py, wsm/storage/__init__.py" in proc.stdout
    after = _wsm_gates(root, tmp_path, "after")
    assert before["max_import_cycles"] == (1, False) and after["max_import_cycles"] == (0, True)
    assert before["max_undefined_names"] == (1, False) and after["max_undefined_names"] == (0, True)
    assert before["max_type_errors"] == (1, False) and after["max_type_errors"] == (0, True)
    # What is left fails for reasons no mechanical repair has: a syntax error and a module that does not exist.
    assert before["min_importable_percent"] == (50, False)
    assert after["min_importable_percent"] == (85.71, False)
    assert (root / "wsm" / "storage" / "__init__.py").read_text() == (
        '"""Storage of workspaces."""\nfrom wsm.models import Workspace\n\n\nclass Store:\n'
        '    items: list[Workspace] = []\n\n\nfrom wsm.storage.memory import MemoryStore\n\n'
        'DEFAULT = MemoryStore\n')
    isort = subprocess.run([sys.executable, "-m", "isort", "--check-only", "--diff", "wsm"], cwd=root,
                           capture_output=True, text=True)
    assert isort.returncode == 0, isort.stdout + isort.stderr  # the edited imports are where isort puts them


@pytest.mark.slow
def test_with_tests_a_repair_that_breaks_a_passing_test_is_no_safe_repair(tmp_path: Path) -> None:
    root = _copy("fix_tests_guard", tmp_path)
    code, plain = _plan(root)
    assert code == 0 and [r["kind"] for r in plain["repairs"]] == ["duplicate-copy"]  # type: ignore[union-attr]
    code, guarded = _plan(root, "--tests")
    assert code == 1 and guarded["repairs"] == []
    [refused] = guarded["no_repair"]  # type: ignore[misc]
    assert refused["kind"] == "duplicate-implementation"
    assert refused["why"].startswith("no repair proved out: it would add test-failure:")
    assert "tests/test_geo_copy.py::test_the_copy_keeps_its_own_definition failed" in refused["why"]


@pytest.mark.slow
def test_with_tests_only_the_tests_that_import_the_touched_module_run(tmp_path: Path) -> None:
    code, plan = _plan(_copy("fix_tests_select", tmp_path), "--tests")
    assert code == 0, plan["no_repair"]
    [repair] = plan["repairs"]  # type: ignore[misc]
    assert repair["files"] == ["pkg/clock.py"]
    # test_report imports pkg.report, which imports pkg.clock; test_names reaches no touched module
    assert repair["tests"] == {
        "selected": ["tests/test_clock.py", "tests/test_report.py"], "total": 3, "whole_suite": False,
        "summary": "2 of 3 test files, those that import pkg.clock: tests/test_clock.py, tests/test_report.py",
        "ran": ["tests/test_clock.py::test_now_is_after_2020", "tests/test_report.py::test_stamp_says_at"]}
    assert (repair["before"]["pass_rate"], repair["after"]["pass_rate"]) == (0.0, 100.0)  # of the selection
    assert (plan["before"]["pass_rate"], plan["after"]["pass_rate"]) == (33.33, 100.0)  # of the whole suite


@pytest.mark.slow
def test_triage_with_repairs_names_the_proven_repair_of_each_root_cause(tmp_path: Path) -> None:
    root = _copy("wsm", tmp_path)
    proc = run_cli("triage", str(root), "--cache-dir", "none", "--repairs", "--json", timeout=900)
    assert proc.returncode == 1, proc.stderr
    plan = json.loads(proc.stdout.partition("\n")[2])
    [step] = plan["steps"]
    assert step["linked"] == ["import-cycle:1be23990b15f3525"]
    assert step["repair"] == {
        "proven": True, "finding": "import-cycle:1be23990b15f3525",
        "summary": "move `from wsm.storage import Store` (wsm/models.py:2) into the functions whose bodies use it "
                   "(__init__); then move `from wsm.storage.memory import MemoryStore` (wsm/storage/__init__.py:3) "
                   "below `Store`, which wsm.storage.memory takes from wsm.storage while it is imported",
        "command": f"healthcheck fix {root} --only import-cycle:1be23990b15f3525 --apply"}
