"""The baseline file: merge-friendly layout, strict loading, comparison and a ratchet that never loosens."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from healthcheck import baseline as bl
from healthcheck.errors import UsageError
from healthcheck.model import Finding
from unit.healthcheck.gate_report_helpers import CYCLE, INFO, NAME, PROJECT

TODAY = dt.date(2024, 6, 1)


def repo(tmp_path: Path, name: str = "demo") -> Path:
    (tmp_path / "pyproject.toml").write_text(f'[project]\nname = "{name}"\n')
    for rel in ("pkg/a.py", "pkg/c.py"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("")
    return tmp_path


def test_the_file_is_sorted_one_entry_a_line_and_reads_back(tmp_path: Path) -> None:
    root = repo(tmp_path)
    base = bl.build(root, [NAME, CYCLE, PROJECT, INFO], {"undefined_names": 1.0, "coverage.percent": 87.5}, today=TODAY)
    path = root / bl.DEFAULT_NAME
    bl.save(path, base)
    lines = path.read_text().splitlines()
    entry_lines = [line for line in lines if line.strip().startswith('{"check"')]
    assert [json.loads(line.rstrip(","))["check"] for line in entry_lines] == [
        "contract-violation", "import-cycle", "undefined-name"]  # sorted, info findings left out
    assert '    "coverage.percent": 87.5,' in lines and '    "undefined_names": 1' in lines
    again = bl.load(path, root)
    assert again.entries == base.entries and again.metrics == base.metrics
    assert again.repository == "demo" and again.created_at == "2024-06-01"


def test_repository_identity_falls_back_to_the_folder_name(tmp_path: Path) -> None:
    folder = tmp_path / "some-repo"
    folder.mkdir()
    assert bl.repository_identity(folder) == "some-repo"
    (folder / "pyproject.toml").write_text("not toml [")
    assert bl.repository_identity(folder) == "some-repo"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "is corrupt (not JSON"),
        ("[1, 2]", "is corrupt (not a JSON object)"),
        ('{"schema": "healthcheck.baseline/0", "repository": "demo"}', "has schema 'healthcheck.baseline/0'"),
        ('{"schema": "healthcheck.baseline/1", "repository": "other"}', "belongs to repository 'other', not 'demo'"),
        ('{"schema": "healthcheck.baseline/1", "repository": "demo", "findings": {}}', "'findings' must be a list"),
        ('{"schema": "healthcheck.baseline/1", "repository": "demo", "findings": [{"id": 1}]}',
         "finding #1 needs an 'id' and a 'check'"),
        ('{"schema": "healthcheck.baseline/1", "repository": "demo", "findings": '
         '[{"id": "x", "check": "c", "expires": "soon"}]}', "expires 'soon' is not an ISO date"),
        ('{"schema": "healthcheck.baseline/1", "repository": "demo", "metrics": {"m": "high"}}',
         "metric 'm' must be a number"),
    ],
)
def test_bad_baselines_are_one_line_usage_errors(tmp_path: Path, text: str, message: str) -> None:
    root = repo(tmp_path)
    path = root / "b.json"
    path.write_text(text)
    with pytest.raises(UsageError) as caught:
        bl.load(path, root)
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_a_missing_baseline_says_how_to_write_one(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="healthcheck baseline"):
        bl.load(tmp_path / "none.json", repo(tmp_path))


def test_compare_sorts_new_known_fixed_stale_and_expired(tmp_path: Path) -> None:
    root = repo(tmp_path)
    gone_file = Finding.create("undefined-name", "x", key="x", path="pkg/deleted.py", line=1)
    unknown_check = Finding.create("type-error", "t", key="t", path="pkg/a.py", line=1)
    base = bl.build(root, [CYCLE, NAME, gone_file, unknown_check], {}, today=TODAY)
    entries = dict(base.entries)
    entries[NAME.id] = bl.Entry(NAME.id, NAME.kind, NAME.path, NAME.message, reason="legacy", expires="2024-05-31")
    base = bl.Baseline(base.repository, entries, {})
    fresh = Finding.create("undefined-name", "new one", key="y", path="pkg/c.py", line=2)
    result = bl.compare(base, [NAME, fresh, PROJECT, INFO], root, ["import-cycle", "undefined-name"], today=TODAY)
    assert {f.id for f in result.new} == {NAME.id, fresh.id, PROJECT.id}  # expired entry no longer excuses
    assert result.known == ()
    assert [e.id for e in result.fixed] == [CYCLE.id]  # type-error did not run: not known to be fixed
    assert [e.id for e in result.stale] == [gone_file.id]
    assert [e.id for e in result.expired] == [NAME.id]
    doc = result.to_json("b.json")
    assert doc["expired"][0]["reason"] == "legacy" and doc["known"] == 0


def test_tighten_drops_fixed_and_stale_and_only_ever_improves_metrics(tmp_path: Path) -> None:
    root = repo(tmp_path)
    base = bl.build(root, [CYCLE, NAME], {"undefined_names": 3, "coverage.percent": 80, "import_cycles.runtime": 1},
                    today=TODAY)
    result = bl.compare(base, [NAME, PROJECT], root, ["import-cycle", "names", "undefined-name"], today=TODAY)
    now = {"undefined_names": 2.0, "coverage.percent": 75.0, "import_cycles.runtime": 0.0}
    directions = {"undefined_names": "<=", "coverage.percent": ">=", "import_cycles.runtime": "<="}
    tighter = bl.tighten(base, result, now, directions, today=TODAY)
    assert set(tighter.entries) == {NAME.id}  # PROJECT is new: never added by tightening
    assert tighter.metrics == {"undefined_names": 2.0, "coverage.percent": 80.0, "import_cycles.runtime": 0.0}


def test_build_keeps_reasons_and_expiry_of_entries_already_there(tmp_path: Path) -> None:
    root = repo(tmp_path)
    first = bl.build(root, [NAME], {}, today=TODAY)
    annotated = bl.Baseline(first.repository, {NAME.id: bl.Entry(NAME.id, NAME.kind, NAME.path, NAME.message,
                                                                  reason="vendored", expires="2030-01-01")}, {})
    second = bl.build(root, [NAME, CYCLE], {}, previous=annotated, today=TODAY)
    assert second.entries[NAME.id].reason == "vendored" and second.entries[NAME.id].expires == "2030-01-01"
    assert second.entries[CYCLE.id].reason is None


def test_save_reports_an_unwritable_place(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot write baseline"):
        bl.save(tmp_path / "missing-dir" / "b.json", bl.Baseline("demo"))
