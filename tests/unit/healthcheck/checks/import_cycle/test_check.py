"""Runtime cycles judged on the cycles_* fixtures: the exact findings, verdicts and gates, statically and proven
by importing each member first (the imports themselves in workers of this interpreter)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from healthcheck.checks.base import ScanOptions
from healthcheck.engine import scan
from healthcheck.model import Finding, Report
from healthcheck.report.json_report import validation_errors

FIXTURES = Path(__file__).resolve().parents[4] / "fixtures"
STATIC = frozenset({"import-cycle"})
PROVEN = frozenset({"import-cycle", "import-failure"})


def _scan(name: str, tmp_path: Path, only: frozenset[str], **thresholds: float) -> Report:
    repo = tmp_path / name
    shutil.copytree(FIXTURES / name, repo)
    report = scan(repo, options=ScanOptions(only=only, types=False), overrides=thresholds or None,
                  cache_dir="none").report
    assert validation_errors(report.to_json()) == []
    return report


def _cycles(report: Report) -> list[Finding]:
    return [f for f in report.findings if f.kind == "import-cycle"]


def _said(report: Report) -> tuple[str, str]:
    """The one cycle finding's severity and message."""
    (cycle,) = _cycles(report)
    return cycle.severity, cycle.message


def _gate(report: Report, name: str) -> tuple[float | None, bool]:
    (gate,) = [g for g in report.gates if g.name == name]
    return gate.actual, gate.passed


def _verdict(finding: Finding) -> dict[str, Any]:
    keep = ("verdict", "static_verdict", "judged_by", "unbound", "ordered_by")
    return {k: finding.data[k] for k in keep if k in finding.data}


def test_the_parent_package_edge_closes_a_cycle_that_crashes(tmp_path: Path) -> None:
    report = _scan("cycles_parent", tmp_path, STATIC)
    (cycle,) = _cycles(report)
    assert _said(report) == ("error", (
        "runtime import cycle: pkg.ops -> pkg.sub -> pkg.sub.lookups -> pkg.ops (unsafe: importing pkg.ops first, "
        "pkg.sub.lookups asks the half-initialised pkg.ops for BaseOps at pkg/sub/lookups.py:1 before it is bound)"
    ))
    assert cycle.data["edges"][0] == {
        "importer": "pkg.ops", "imported": "pkg.sub", "path": "pkg/ops.py", "line": 1,
        "text": "from pkg.sub.expr import Expr", "kind": "runtime", "implied_by": "pkg.sub.expr",
    }
    assert [b["importer"] + ">" + b["imported"] for b in cycle.data["breakers"]] == ["pkg.ops>pkg.sub"]
    assert _verdict(cycle) == {
        "verdict": "unsafe", "static_verdict": "unsafe", "judged_by": "static",
        "unbound": {"entry": "pkg.ops", "importer": "pkg.sub.lookups", "imported": "pkg.ops", "name": "BaseOps",
                    "path": "pkg/sub/lookups.py", "line": 1},
    }
    assert report.metrics["import_cycle_verdicts"] == {
        "crashes": 0, "unsafe": 1, "ordered": 0, "safe": 0, "failing": 1, "proven": 0}
    assert _gate(report, "max_import_cycles") == (1.0, False)
    assert report.passed is False


def test_the_parent_package_cycle_is_proven_to_crash_by_importing(tmp_path: Path) -> None:
    report = _scan("cycles_parent", tmp_path, PROVEN)
    (cycle,) = _cycles(report)
    assert cycle.data["verdict"] == "crashes" and cycle.data["judged_by"] == "import"
    assert cycle.data["crash"] == {
        "entry": "pkg.ops", "exception": "ImportError",
        "message": "cannot import name 'BaseOps' from partially initialized module 'pkg.ops' "
                   "(most likely due to a circular import) (pkg/ops.py)",
        "path": "pkg/sub/lookups.py", "line": 1, "importer": "pkg.sub.lookups", "imported": "pkg.ops",
        "how": "move the import into the function that uses it, or under 'if TYPE_CHECKING:' if only annotations "
               "use it, or move the symbol to a module lower in the layering",
    }
    assert cycle.related[-1].message == "raises ImportError when pkg.ops is imported first"
    # The import check imports in dependency order and so never enters the cycle at pkg.ops: all import.
    assert report.metrics["modules_importable_percent"] == 100.0
    assert _gate(report, "max_import_cycles") == (1.0, False)
    assert report.checks["import-cycle"].detail.startswith("1 runtime components (imported first: 3 members in ")


def test_imports_under_the_main_guard_and_in_main_py_make_no_cycle(tmp_path: Path) -> None:
    report = _scan("cycles_main", tmp_path, STATIC)
    assert _cycles(report) == []
    assert report.metrics["import_cycle_components_by_kind"] == {"runtime": 0, "deferred": 0, "typing": 0}
    assert _gate(report, "max_import_cycles") == (0.0, True)


def test_the_package_idiom_works_by_ordering_and_passes_the_default_gate(tmp_path: Path) -> None:
    for only in (STATIC, PROVEN):
        report = _scan("cycles_ordered", tmp_path / "-".join(sorted(only)), only)
        (cycle,) = _cycles(report)
        assert _said(report) == ("warning", (
            "runtime import cycle: app -> app.handlers -> app (works only by the present order of statements: "
            "app.handlers gets Error from app only because it is bound first)"
        ))
        assert cycle.data["ordered_by"] == {"entry": "app", "importer": "app.handlers", "imported": "app",
                                            "name": "Error", "path": "app/handlers.py", "line": 1}
        assert cycle.data["judged_by"] == ("import" if only == PROVEN else "static")
        assert _gate(report, "max_import_cycles") == (0.0, True)
        assert report.passed is True
    gated = _scan("cycles_ordered", tmp_path / "gated", STATIC, max_ordered_import_cycles=0)
    assert _gate(gated, "max_ordered_import_cycles") == (1.0, False)


def test_import_pkg_used_only_at_call_time_is_safe(tmp_path: Path) -> None:
    report = _scan("cycles_lazy", tmp_path, PROVEN)
    (cycle,) = _cycles(report)
    assert _said(report) == ("warning", (
        "runtime import cycle: svc.jobs -> svc.store -> svc.jobs "
        "(safe: no module asks a half-initialised one for a name while it is imported)"
    ))
    assert _verdict(cycle) == {"verdict": "safe", "static_verdict": "safe", "judged_by": "import"}
    assert report.metrics["import_cycle_verdicts"]["safe"] == 1
    assert _gate(report, "max_import_cycles") == (0.0, True)
    strict = _scan("cycles_lazy", tmp_path / "strict", STATIC, max_runtime_import_cycles=0)
    assert _gate(strict, "max_runtime_import_cycles") == (1.0, False)


def test_a_real_crash_from_every_entry_links_the_import_failure(tmp_path: Path) -> None:
    report = _scan("cycles_crash", tmp_path, PROVEN)
    (cycle,) = _cycles(report)
    assert cycle.data["verdict"] == "crashes" and cycle.data["static_verdict"] == "unsafe"
    assert cycle.data["crash"]["entry"] == "shop.customers"
    (failure,) = [f for f in report.findings if f.kind == "import-failure"]
    assert failure.data["cause"] == "circular" and failure.data["linked"] == [cycle.id]
    assert cycle.data["linked"] == [failure.id]  # and the cycle names the failure it causes
    detail = report.checks["import-cycle"].detail
    assert detail.startswith("1 runtime components (imported first: 2 members in ")
    assert detail.endswith(" s, 2 of them crash with a circular import)")


@pytest.mark.parametrize("only", [STATIC, PROVEN])
def test_a_cycle_that_crashes_only_from_one_entry(tmp_path: Path, only: frozenset[str]) -> None:
    report = _scan("cycles_one_entry", tmp_path, only)
    (cycle,) = _cycles(report)
    assert cycle.data["static_verdict"] == "unsafe"
    assert cycle.data["unbound"] == {"entry": "conf.local", "importer": "conf.base", "imported": "conf.local",
                                     "name": "OVERRIDES", "path": "conf/base.py", "line": 3}
    if only == PROVEN:
        assert cycle.data["verdict"] == "crashes"
        assert (cycle.data["crash"]["entry"], cycle.data["crash"]["line"]) == ("conf.local", 3)
        # The import check, in dependency order, enters at conf.local too: one failure, linked both ways.
        (failure,) = [f for f in report.findings if f.kind == "import-failure"]
        assert (failure.data["module"], failure.data["cause"]) == ("conf.local", "circular")
        assert (cycle.data["linked"], failure.data["linked"]) == ([failure.id], [cycle.id])
    else:
        assert "linked" not in cycle.data  # nothing was imported, so there is no failure to name
    assert _gate(report, "max_import_cycles") == (1.0, False)


def test_each_cycle_is_told_a_cut_that_lies_on_it(tmp_path: Path) -> None:
    # The component's cuts are its runtime edges; the deferred cycle beside them holds none of them (pyparsing).
    for rel, text in {"pkg/__init__.py": "", "pkg/a.py": "from pkg import b\n\ndef later():\n    from pkg import c\n",
                      "pkg/b.py": "from pkg import a\n", "pkg/c.py": "from pkg import a\n"}.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    report = scan(tmp_path, options=ScanOptions(only=STATIC, types=False), cache_dir="none").report
    cuts = {(f.data["kind"], tuple(f.data["modules"])): [(b["importer"], b["imported"]) for b in f.data["breakers"]]
            for f in _cycles(report)}
    assert cuts[("deferred", ("pkg.a", "pkg.c"))] == [("pkg.a", "pkg.c")]
    (runtime,) = [cut for (kind, _), cut in cuts.items() if kind == "runtime"]
    assert len(runtime) == 1 and set(runtime[0]) == {"pkg.a", "pkg.b"}
