"""``healthcheck scan`` on the fixture repositories: the exact findings, the gates, the exit code."""

from __future__ import annotations

from pathlib import Path

from e2e.healthcheck.scan_helpers import FIXTURES, STATIC, run_cli, scan_json, summary


def test_workspace_manager_every_problem_found_and_nothing_else(tmp_path: Path) -> None:
    code, report, stderr = scan_json(FIXTURES / "wsm", tmp_path, *STATIC)
    assert code == 1, stderr
    assert set(report["checks"]) == {"syntax-error", "names", "import-cycle", "contract-violation"}
    assert all(c["status"] == "ok" for c in report["checks"].values())

    assert summary(report, "syntax-error") == [
        ("wsm/session/geoip_service.py", 2, "wsm/session/geoip_service.py does not parse: expected ':' (line 2)")
    ]
    assert summary(report, "undefined-name") == [
        ("wsm/session/retry.py", 5, "'time' is used but never defined or imported")
    ]
    assert summary(report, "unresolved-import") == [
        ("wsm/api.py", 3, "imports wsm.session.missing, which does not exist in the project")
    ]
    assert summary(report, "contract-violation") == [
        (
            "wsm/storage/repo.py",
            5,
            "contract 'api over services over storage' broken: wsm.storage.repo imports wsm.services.workspaces",
        )
    ]
    cycles = {
        (f["data"]["kind"], tuple(f["data"]["modules"])): f for f in report["findings"] if f["check"] == "import-cycle"
    }
    assert sorted(cycles) == [
        ("deferred", ("wsm.services.workspaces", "wsm.storage.repo")),
        ("runtime", ("wsm.models", "wsm.storage")),
        ("runtime", ("wsm.storage", "wsm.storage.memory")),
        ("typing", ("wsm.runtime.container", "wsm.runtime.docker")),
    ]
    parent = cycles[("runtime", ("wsm.storage", "wsm.storage.memory"))]
    assert parent["data"]["edges"] == [
        {
            "importer": "wsm.storage", "imported": "wsm.storage.memory", "path": "wsm/storage/__init__.py",
            "line": 3, "text": "from wsm.storage.memory import MemoryStore", "kind": "runtime",
        },
        {
            "importer": "wsm.storage.memory", "imported": "wsm.storage", "path": "wsm/storage/memory.py",
            "line": 2, "text": "from wsm.storage import Store", "kind": "runtime",
        },
    ]
    # Both runtime cycles share one component, and two cuts break it: each cycle names the one on it.
    models = cycles[("runtime", ("wsm.models", "wsm.storage"))]
    assert parent["data"]["component"] == models["data"]["component"]
    assert [(b["importer"], b["imported"]) for b in parent["data"]["breakers"]] == [("wsm.storage", "wsm.storage.memory")]
    assert [(b["importer"], b["imported"]) for b in models["data"]["breakers"]] == [("wsm.models", "wsm.storage")]
    deferred = cycles[("deferred", ("wsm.services.workspaces", "wsm.storage.repo"))]
    assert [e["kind"] for e in deferred["data"]["edges"]] == ["runtime", "deferred"]
    assert [(b["importer"], b["imported"]) for b in deferred["data"]["breakers"]] == [
        ("wsm.storage.repo", "wsm.services.workspaces")
    ]
    typing_cycle = cycles[("typing", ("wsm.runtime.container", "wsm.runtime.docker"))]
    assert typing_cycle["severity"] == "info"
    # Nothing to fix for imports to work, and the advice says so instead of asking for what is already there.
    assert [b["how"].split(":")[0] for b in typing_cycle["data"]["breakers"]] == [
        "only type checkers follow this import (it is under TYPE_CHECKING)"]
    assert deferred["data"]["breakers"][0]["how"].startswith("the import runs only when its function is called")

    assert report["metrics"]["import_cycles"] == {"runtime": 2, "deferred": 1, "typing": 1}
    assert report["metrics"]["unparseable_files"] == 1
    assert report["metrics"]["files"] == 15
    failed = sorted(g["name"] for g in report["gates"] if not g["passed"])
    assert failed == [
        "max_contract_violations", "max_import_cycles", "max_syntax_errors",
        "max_undefined_names", "max_unresolved_imports",
    ]
    assert report["passed"] is False
    assert len(report["findings"]) == 8


def test_clean_repository_passes_with_no_finding(tmp_path: Path) -> None:
    code, report, stderr = scan_json(FIXTURES / "clean", tmp_path, *STATIC)
    assert code == 0, stderr
    assert report["findings"] == []
    assert report["passed"] is True
    assert report["project"]["source_roots"] == ["src", "."]
    assert report["metrics"]["contracts"] == {"total": 1, "broken": 0}


def test_gate_threshold_from_the_command_line_lets_a_known_debt_pass(tmp_path: Path) -> None:
    code, report, _ = scan_json(
        FIXTURES / "wsm", tmp_path,
        "--gate", "max_import_cycles=2", "--gate", "max_syntax_errors=1", "--gate", "max_undefined_names=1",
        "--gate", "max_unresolved_imports=1", "--gate", "max_contract_violations=1", *STATIC,
    )
    assert code == 0
    assert report["passed"] is True


def test_finding_ids_survive_unrelated_lines_moving(tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "wsm"
    shutil.copytree(FIXTURES / "wsm", copy)
    _, before, _ = scan_json(copy, tmp_path / "a", *STATIC)
    for rel in ("wsm/session/retry.py", "wsm/models.py", "wsm/api.py", "wsm/storage/repo.py"):
        path = copy / rel
        path.write_text("# a comment added above everything\n\n" + path.read_text())
    _, after, _ = scan_json(copy, tmp_path / "b", *STATIC)
    assert sorted(f["id"] for f in before["findings"]) == sorted(f["id"] for f in after["findings"])
    assert [f["line"] for f in before["findings"]] != [f["line"] for f in after["findings"]]


def test_default_outputs_are_json_and_markdown_in_reports(tmp_path: Path) -> None:
    proc = run_cli("scan", str(FIXTURES / "clean"), "--cache-dir", "none", *STATIC, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "reports" / "healthcheck.json").is_file()
    markdown = (tmp_path / "reports" / "healthcheck.md").read_text()
    assert markdown.startswith("## healthcheck PASSED")
    assert "healthcheck PASSED: 0 findings (0 files of 5 scanned)" in proc.stdout


def test_an_import_of_a_compiled_extension_is_not_unresolved(tmp_path: Path) -> None:
    # tornado/util.py: ``from tornado.speedups import websocket_mask``, built from speedups.c, typed by speedups.pyi.
    repo = tmp_path / "repo"
    (repo / "web").mkdir(parents=True)
    (repo / "web" / "__init__.py").write_text("")
    (repo / "web" / "speedups.pyi").write_text("def websocket_mask(mask: bytes, data: bytes) -> bytes: ...\n")
    (repo / "web" / "speedups.c").write_text("/* the extension */\n")
    (repo / "web" / "util.py").write_text(
        "try:\n    from web.speedups import websocket_mask\nexcept ImportError:\n    websocket_mask = None\n"
        "from web import nowhere\nfrom web.missing import thing\n"
    )
    code, report, stderr = scan_json(repo, tmp_path, *STATIC)
    assert code == 1, stderr
    assert summary(report, "unresolved-import") == [
        ("web/util.py", 6, "imports web.missing, which does not exist in the project"),
    ]
