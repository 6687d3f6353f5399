"""A check's result is kept between scans under a key of its inputs, and recomputed when anything changes."""

from __future__ import annotations

from pathlib import Path

from healthcheck.checks.base import CheckResult
from healthcheck.checks.result_cache import code_digest, load_result, result_key, save_result
from healthcheck.engine import scan
from healthcheck.model import Finding

FIXTURE = Path(__file__).resolve().parents[3] / "fixtures" / "wsm"


def test_kept_only_under_its_key_and_only_when_ok(tmp_path: Path) -> None:
    finding = Finding.create("import-cycle", "a -> b -> a", key="a>b")
    ok = CheckResult(findings=[finding], metrics={"import_cycles": {"runtime": 1}})
    save_result(tmp_path, "demo", "k1", ok)
    loaded = load_result(tmp_path, "demo", "k1")
    assert loaded is not None and loaded.findings == [finding] and loaded.metrics == ok.metrics
    assert load_result(tmp_path, "demo", "k2") is None
    save_result(tmp_path, "demo", "k3", CheckResult.error("boom"))
    assert load_result(tmp_path, "demo", "k3") is None
    (tmp_path / "demo-result.pickle").write_bytes(b"garbage")
    assert load_result(tmp_path, "demo", "k1") is None
    assert load_result(None, "demo", "k1") is None


def test_keys_and_digests_change_with_their_inputs(tmp_path: Path) -> None:
    assert result_key(["a", "b"]) != result_key(["ab"])
    source = tmp_path / "m.py"
    source.write_text("x = 1\n")
    before = code_digest(str(source))
    source.write_text("x = 2\n")
    assert code_digest(str(source)) != before


def test_a_warm_scan_reuses_the_cycle_result_and_a_changed_graph_does_not(tmp_path: Path) -> None:
    import shutil

    repo = tmp_path / "wsm"
    shutil.copytree(FIXTURE, repo)
    only = frozenset({"import-cycle"})
    from healthcheck.checks.base import ScanOptions

    cache = str(tmp_path / "cache")
    first = scan(repo, ScanOptions(only=only), cache_dir=cache).report
    assert (tmp_path / "cache" / "import-cycle-result.pickle").is_file()
    second = scan(repo, ScanOptions(only=only), cache_dir=cache).report
    assert second.findings == first.findings
    (repo / "wsm" / "models.py").write_text('"""No more cycle."""\n')
    third = scan(repo, ScanOptions(only=only), cache_dir=cache).report
    assert third.metrics["import_cycles"] == {"runtime": 1, "deferred": 1, "typing": 1}
