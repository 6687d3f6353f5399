"""The duplicates check through the engine, on the dup_* fixtures: exact findings, metrics, gates, options."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from healthcheck.checks.base import ScanOptions
from healthcheck.engine import scan
from healthcheck.errors import UsageError
from healthcheck.report.json_report import validation_errors

FIXTURES = Path(__file__).resolve().parents[4] / "fixtures"
ONLY = ScanOptions(only=frozenset({"duplicates"}))


def report_of(name: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    doc = scan(FIXTURES / name, ONLY, overrides=overrides, cache_dir="none").report.to_json()
    assert validation_errors(doc) == []
    return doc


def findings(doc: dict[str, Any], check: str) -> list[dict[str, Any]]:
    return [f for f in doc["findings"] if f["check"] == check]


def code_places(doc: dict[str, Any]) -> list[tuple[tuple[str, int, int], ...]]:
    return sorted(
        tuple((loc["path"], loc["line"], loc["end_line"]) for loc in f["data"]["locations"])
        for f in findings(doc, "duplicate-code")
    )


def test_dup_code_fixture_exact_findings() -> None:
    doc = report_of("dup_code")
    assert code_places(doc) == [
        (("app/near_a.py", 5, 14), ("app/near_b.py", 5, 15)),
        (("app/report.py", 5, 14), ("app/report.py", 18, 27)),
    ]
    near, same = sorted(findings(doc, "duplicate-code"), key=lambda f: f["path"])
    assert near["data"]["similarity"] == 0.947 and near["data"]["lines"] == 11
    assert near["message"] == (
        "11 lines of nearly the same code (similarity 0.95) in 2 places: app/near_a.py:5-14, app/near_b.py:5-15"
    )
    assert same["data"]["similarity"] == 1.0 and same["severity"] == "warning"
    assert [r["line"] for r in same["related"]] == [18]
    # Five lines are too few for copied code, but the same function under another name is one implementation.
    [renamed] = findings(doc, "duplicate-implementation")
    assert renamed["message"] == (
        "function get_client (also as build_client) is implemented in 2 modules (similarity 1.00): "
        "no static import of any of them"
    )
    assert renamed["data"]["names"] == ["get_client", "build_client"]
    assert doc["metrics"]["duplicate_implementations"] == 1
    assert doc["metrics"]["duplicated_lines_percent"] == round(100 * 41 / 73, 2)
    gates = {g["name"]: (g["actual"], g["passed"]) for g in doc["gates"]}
    assert gates == {
        "max_duplicate_implementations": (1, False),
        "max_duplicated_lines_percent": (round(100 * 41 / 73, 2), False),
    }


def test_dup_implementations_fixture_exact_findings() -> None:
    doc = report_of("dup_implementations")
    found = {
        f["data"]["name"]: (f["path"], f["data"]["keep"], f["data"]["unused"], f["data"]["similarity"])
        for f in findings(doc, "duplicate-implementation")
    }
    assert found == {
        "GeoIPService": ("pkg/session/geoip_service.py", "pkg.session.geoip", ["pkg.session.geoip_service"], 1.0),
        "BackoffType": ("pkg/retry/adaptive_retrier.py", "pkg.retry.backoff_calculator", ["pkg.retry.adaptive_retrier"], 1.0),
    }
    geoip = next(f for f in findings(doc, "duplicate-implementation") if f["data"]["name"] == "GeoIPService")
    assert geoip["message"] == (
        "class GeoIPService is implemented in 2 modules (similarity 1.00): "
        "keep pkg.session.geoip (imported by 1); no static import of pkg.session.geoip_service"
    )
    assert geoip["severity"] == "error"
    assert [(r["path"], r["line"]) for r in geoip["related"]] == [("pkg/session/geoip.py", 6)]
    assert geoip["data"]["locations"] == [
        {"path": "pkg/session/geoip.py", "line": 6, "end_line": 25, "module": "pkg.session.geoip",
         "name": "GeoIPService", "imported_by": 1, "module_importers": 1, "named_in_strings": 0},
        {"path": "pkg/session/geoip_service.py", "line": 6, "end_line": 25, "module": "pkg.session.geoip_service",
         "name": "GeoIPService", "imported_by": 0, "module_importers": 0, "named_in_strings": 0},
    ]
    assert doc["metrics"]["duplicate_implementations"] == 2
    # The copied class is copied code too; main() of two scripts is a conventional name but still a copy.
    assert code_places(doc) == [
        (("pkg/cli_a.py", 5, 10), ("pkg/cli_b.py", 5, 10)),
        (("pkg/session/geoip.py", 6, 25), ("pkg/session/geoip_service.py", 6, 25)),
    ]


def test_tests_are_compared_only_when_asked() -> None:
    doc = report_of("dup_implementations", {"duplicates": {"include_tests": True}})
    geoip = next(f for f in findings(doc, "duplicate-implementation") if f["data"]["name"] == "GeoIPService")
    assert [loc["path"] for loc in geoip["data"]["locations"]] == [
        "pkg/session/geoip.py", "pkg/session/geoip_service.py", "tests/test_geoip.py",
    ]
    assert sorted(geoip["data"]["unused"]) == ["pkg.session.geoip_service", "tests.test_geoip"]


def test_conventional_names_are_configurable() -> None:
    doc = report_of("dup_implementations", {"duplicates": {"ignore_names": ["GeoIPService"]}})
    names = sorted(f["data"]["name"] for f in findings(doc, "duplicate-implementation"))
    assert names == ["BackoffType", "main"]


def test_thresholds_are_options() -> None:
    doc = report_of("dup_code", {"duplicates": {"min_lines": 9}})  # the copy in report.py shares 8 lines as written
    assert code_places(doc) == [(("app/near_a.py", 5, 14), ("app/near_b.py", 5, 15))]
    strict = report_of("dup_implementations", {"duplicates": {"implementation_similarity": 1.0}})
    assert len(findings(strict, "duplicate-implementation")) == 2
    exact = report_of("dup_code", {"duplicates": {"similarity": 1}})
    assert [f["data"]["similarity"] for f in findings(exact, "duplicate-code")] == [1.0, 1.0]


@pytest.mark.parametrize(
    ("option", "value", "says"),
    [
        ("min_lines", 1, "min_lines must be a whole number from 2"),
        ("similarity", 1.5, "similarity must be a number above 0 and at most 1"),
        ("implementation_similarity", 0, "implementation_similarity must be a number above 0"),
        ("ignore_names", ["main", 3], "ignore_names must be a list of strings"),
    ],
)
def test_bad_options_are_usage_errors(option: str, value: Any, says: str) -> None:
    with pytest.raises(UsageError, match=says):
        scan(FIXTURES / "dup_code", ONLY, overrides={"duplicates": {option: value}}, cache_dir="none")


def test_gates_take_thresholds(tmp_path: Path) -> None:
    doc = scan(
        FIXTURES / "dup_implementations", ONLY, cache_dir=str(tmp_path),
        overrides={"max_duplicate_implementations": 2, "max_duplicated_lines_percent": 50},
    ).report.to_json()
    assert doc["passed"] is True
    again = scan(FIXTURES / "dup_implementations", ONLY, cache_dir=str(tmp_path)).report.to_json()
    assert again["project"]["parse"]["from_cache"] == again["project"]["parse"]["files"]
    assert again["findings"] == report_of("dup_implementations")["findings"]


def test_the_result_is_kept_until_a_file_or_a_setting_changes(tmp_path: Path) -> None:
    import shutil

    repo = tmp_path / "repo"
    shutil.copytree(FIXTURES / "dup_code", repo)
    cache = tmp_path / "cache"
    first = scan(repo, ONLY, cache_dir=str(cache)).report.to_json()
    assert (cache / "duplicates-result.pickle").is_file()
    again = scan(repo, ONLY, cache_dir=str(cache)).report.to_json()
    assert again["findings"] == first["findings"] and again["metrics"] == first["metrics"]

    (repo / "app" / "near_b.py").write_text("def read_records(path):\n    return []\n")
    changed = scan(repo, ONLY, cache_dir=str(cache)).report.to_json()
    assert [f["path"] for f in changed["findings"]] == ["app/boiler_a.py", "app/report.py"]
    tighter = scan(repo, ONLY, cache_dir=str(cache), overrides={"duplicates": {"min_lines": 9}}).report.to_json()
    assert [f["check"] for f in tighter["findings"]] == ["duplicate-implementation"]

    (cache / "duplicates-result.pickle").write_bytes(b"not a pickle")
    assert scan(repo, ONLY, cache_dir=str(cache)).report.to_json()["findings"] == changed["findings"]


def test_the_copy_to_keep_may_be_known_only_by_its_module(tmp_path: Path) -> None:
    body = "def slugify(text):\n    words = text.lower().split()\n    return '-'.join(w for w in words if w)\n"
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "text.py").write_text(body)
    (tmp_path / "pkg" / "old_text.py").write_text(body)
    (tmp_path / "pkg" / "views.py").write_text("import pkg.text\n\n\ndef show(t):\n    return pkg.text.slugify(t)\n")
    doc = scan(tmp_path, ONLY, cache_dir="none").report.to_json()
    [finding] = findings(doc, "duplicate-implementation")
    assert finding["message"] == (
        "function slugify is implemented in 2 modules (similarity 1.00): "
        "keep pkg.text (its module imported by 1); no static import of pkg.old_text"
    )
    assert finding["related"][0]["message"] == "the one the project imports (0 by name, 1 as a module)"


def test_a_file_without_facts_is_counted_not_compared(tmp_path: Path) -> None:
    from healthcheck.checks.duplicates import DuplicatesCheck, _Settings, _compute
    from healthcheck.checks.base import CheckContext
    from healthcheck.config import Config
    from healthcheck.graph.build import ImportGraph
    from healthcheck.parse import FileFacts
    from healthcheck.project import discover

    (tmp_path / "a.py").write_text("x = 1\n")
    project = discover(tmp_path, Config())
    ctx = CheckContext(
        root=tmp_path, config=Config(), project=project, facts=[FileFacts("a.py", "a", "0", 1)],
        options=ONLY, graph=ImportGraph(), cache_dir=None,
        option_specs={"duplicates": DuplicatesCheck.options},
    )
    result = _compute(ctx, _Settings.read(ctx))
    assert result.detail.endswith("; 1 file(s) could not be compared")
    assert result.metrics == {"duplicate_implementations": 0, "duplicated_lines_percent": 0.0}


LOCALE = '''DATE_FORMAT = "{date}"
TIME_FORMAT = "{time}"
DATETIME_FORMAT = "{date} {time}"
YEAR_MONTH_FORMAT = "{month}"
MONTH_DAY_FORMAT = "{day}"
SHORT_DATE_FORMAT = "{short}"
FIRST_DAY_OF_WEEK = {first}
DECIMAL_SEPARATOR = "{dec}"
THOUSAND_SEPARATOR = "{thousand}"
NUMBER_GROUPING = {group}
DATE_INPUT_FORMATS = ["%Y-%m-%d"]
TIME_INPUT_FORMATS = ["%H:%M:%S", "%H:%M"]
DATETIME_INPUT_FORMATS = ["%Y-%m-%d %H:%M:%S"]
MONTH_INPUT_FORMATS = ["%Y-%m"]
WEEK_INPUT_FORMATS = ["%Y-W%W"]
DECIMAL_INPUT = True
'''


def test_tables_of_one_shape_with_other_values_are_not_copies_and_the_same_values_are(tmp_path: Path) -> None:
    (tmp_path / "locale").mkdir()
    values = [
        dict(date="j F Y", time="H:i", month="F Y", day="j F", short="d.m.Y", first=1, dec=",", thousand=".", group=3),
        dict(date="Y-m-d", time="P", month="Y F", day="F j", short="m/d/Y", first=0, dec=".", thousand=",", group=0),
    ]
    for name, v in zip(("de", "en"), values):
        (tmp_path / "locale" / f"{name}.py").write_text(LOCALE.format(**v))
    doc = scan(tmp_path, ONLY, cache_dir="none").report.to_json()
    assert findings(doc, "duplicate-code") == []  # six lines alike as written, of sixteen of one shape
    (tmp_path / "locale" / "de_AT.py").write_text(LOCALE.format(**values[0]))
    doc = scan(tmp_path, ONLY, cache_dir="none").report.to_json()
    assert code_places(doc) == [(("locale/de.py", 1, 16), ("locale/de_AT.py", 1, 16))]


def test_overload_stacks_and_all_lists_are_never_copies(tmp_path: Path) -> None:
    overloads = "".join(
        f"@overload\ndef parse(value: {t}, strict: bool = ..., base: int = ...) -> {t}:\n    ...\n\n\n"
        for t in ("int", "str", "bytes", "float")
    )
    names = "__all__ = [\n" + "".join(f'    "{n}",\n' for n in "abcdefgh") + "]\n"
    for name in ("one", "two"):
        (tmp_path / f"{name}.py").write_text("from typing import overload\n\n" + names + overloads)
    doc = scan(tmp_path, ONLY, cache_dir="none").report.to_json()
    assert findings(doc, "duplicate-code") == [] and findings(doc, "duplicate-implementation") == []


def test_docs_and_examples_trees_are_left_out_and_listed_and_the_trees_are_an_option(tmp_path: Path) -> None:
    body = "def slugify(text):\n    words = text.lower().split()\n    kept = [w for w in words if w]\n    return '-'.join(kept)\n"
    for folder in ("docs/source", "examples", "pkg"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "text.py").write_text(body)
    doc = scan(tmp_path, ONLY, cache_dir="none").report.to_json()
    assert findings(doc, "duplicate-implementation") == []
    assert doc["duplicates"] == {"left_out": [{"tree": "docs", "files": 1}, {"tree": "examples", "files": 1}]}
    assert doc["checks"]["duplicates"]["detail"].endswith("; left out: docs/ (1 files), examples/ (1 files)")
    doc = scan(tmp_path, ONLY, cache_dir="none", overrides={"duplicates": {"exclude_trees": ["docs"]}}).report.to_json()
    [found] = findings(doc, "duplicate-implementation")
    assert [loc["path"] for loc in found["data"]["locations"]] == ["examples/text.py", "pkg/text.py"]


def test_an_entry_point_in_the_project_file_counts_as_a_use(tmp_path: Path) -> None:
    body = "def serve(port):\n    address = ('', port)\n    started = listen(address)\n    return started\n"
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "cli.py").write_text(body)
    (tmp_path / "pkg" / "old_cli.py").write_text(body)
    (tmp_path / "pyproject.toml").write_text('[project.scripts]\nserve = "pkg.cli:serve"\n')
    doc = scan(tmp_path, ONLY, cache_dir="none").report.to_json()
    [found] = findings(doc, "duplicate-implementation")
    assert found["message"].endswith("keep pkg.cli (named in 1 string(s)); no static import of pkg.old_cli")
