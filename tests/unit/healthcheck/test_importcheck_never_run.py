"""A scan never runs entry points, documentation and example trees or test modules, at any depth.

Each such file here writes a marker file when it runs; after a whole scan (every check that runs by default,
the import check included) no marker may exist, and the report lists what the import check left out.
"""

from __future__ import annotations

from pathlib import Path

from healthcheck.engine import scan

NEVER_RUN = (
    "setup.py", "examples/tutorial/setup.py", "app/setup.py", "site/manage.py", "noxfile.py", "tools/fabfile.py",
    "app/conftest.py", "app/__main__.py", "docs/conf.py", "doc/build.py", "app/examples/demo.py", "app/tests.py",
    "app/unit_tests.py", "app/test_models.py", "app/models_test.py", "app/_vendor/lib.py", "tools/dev/release.py",
    "scripts/publish.py",
)


def _marker_writer(rel: str, markers: Path) -> str:
    name = rel.replace("/", "__")
    return f"open({str(markers / name)!r}, 'w').write('ran')\n"


def test_a_scan_runs_none_of_them(tmp_path: Path) -> None:
    repo, markers = tmp_path / "repo", tmp_path / "markers"
    markers.mkdir()
    for rel in ("app/__init__.py", "app/models.py", "site/__init__.py", "tools/__init__.py"):
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text("VALUE = 1\n")
    for rel in NEVER_RUN:
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(_marker_writer(rel, markers))

    report = scan(repo, cache_dir="none").report

    assert sorted(p.name for p in markers.iterdir()) == []
    assert report.checks["import-failure"].detail == "4 of 4 modules import"  # app, app.models, site, tools
    left_out = {row["path"]: row["reason"] for row in report.extra["not_imported"]}
    assert left_out == {
        "setup.py": "entry point (setup.py)",
        "examples/tutorial/setup.py": "entry point (setup.py)",
        "app/setup.py": "entry point (setup.py)",
        "site/manage.py": "entry point (manage.py)",
        "noxfile.py": "entry point (noxfile.py)",
        "tools/fabfile.py": "entry point (fabfile.py)",
        "app/__main__.py": "entry point (__main__.py)",
        "docs/conf.py": "in the docs/ tree",
        "doc/build.py": "in the doc/ tree",
        "app/examples/demo.py": "in the examples/ tree",
        "app/tests.py": "test module (tests.py)",
        "app/unit_tests.py": "test module (unit_tests.py)",
        "app/_vendor/lib.py": "vendored (app/_vendor/)",
        "tools/dev/release.py": "script (tools/dev/ is no package)",
        "scripts/publish.py": "script (scripts/ is no package)",
    }
