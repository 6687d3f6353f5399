"""The scanned repository's mypy configuration, found and read as mypy would, and the overlay."""

from __future__ import annotations

import configparser
from pathlib import Path

from healthcheck.checks.type_error.mypy_config import read_mypy_config


def _overlay(text: str) -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser()
    parser.read_string(text)
    return parser


def test_no_configuration_means_every_file_and_an_overlay_with_only_the_skips(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    config = read_mypy_config(tmp_path)
    assert config.source is None
    assert config.wants("anything/at/all.py")
    parser = _overlay(config.overlay(["pkg.broken"]))
    assert parser.sections() == ["mypy", "mypy-pkg.broken"]
    assert dict(parser["mypy-pkg.broken"]) == {"follow_imports": "skip", "ignore_errors": "True"}


def test_pyproject_table_is_converted_with_its_overrides(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text(
        "[tool.mypy]\n"
        "strict = true\n"
        'files = ["app", "lib/"]\n'
        'exclude = ["^app/generated/", "_pb2\\\\.py$"]\n'
        'mypy_path = "$MYPY_CONFIG_FILE_DIR/stubs"\n'
        "[[tool.mypy.overrides]]\n"
        'module = ["vendor.*", "legacy"]\n'
        "ignore_missing_imports = true\n"
        "[[tool.mypy.overrides]]\n"
        'module = "one"\n'
        "disallow_untyped_defs = false\n"
    )
    config = read_mypy_config(tmp_path)
    assert config.source == tmp_path / "pyproject.toml"
    assert config.files == ["app", "lib"]
    assert config.wants("app/models.py")
    assert config.wants("lib/x.py")
    assert not config.wants("tests/test_app.py")  # not under `files`
    assert not config.wants("app/generated/api.py")  # excluded
    assert not config.wants("app/api_pb2.py")
    parser = _overlay(config.overlay(["app.broken"]))
    assert parser["mypy"]["strict"] == "True"
    assert parser["mypy"]["mypy_path"] == f"{tmp_path}/stubs"
    assert parser["mypy-vendor.*"]["ignore_missing_imports"] == "True"
    assert parser["mypy-legacy"]["ignore_missing_imports"] == "True"
    assert parser["mypy-one"]["disallow_untyped_defs"] == "False"
    assert parser["mypy-app.broken"]["follow_imports"] == "skip"


def test_mypy_ini_wins_over_pyproject_and_is_found_from_a_subfolder(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text("[tool.mypy]\nstrict = true\n")
    (tmp_path / "mypy.ini").write_text("[mypy]\nfiles = src\n[mypy-a.b]\nignore_errors = True\n[other]\nx = 1\n")
    sub = tmp_path / "project"
    sub.mkdir()
    config = read_mypy_config(sub)
    assert config.source == tmp_path / "mypy.ini"
    assert sorted(config.sections) == ["mypy", "mypy-a.b"]
    assert config.files == ["src"]


def test_search_stops_at_the_repository_top(tmp_path: Path) -> None:
    (tmp_path / "mypy.ini").write_text("[mypy]\nstrict = True\n")
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    assert read_mypy_config(repo).source is None


def test_setup_cfg_counts_only_with_a_mypy_section(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "setup.cfg").write_text("[metadata]\nname = x\n")
    assert read_mypy_config(tmp_path).source is None
    (tmp_path / "setup.cfg").write_text("[metadata]\nname = x\n[mypy]\nexclude = build/\n")
    config = read_mypy_config(tmp_path)
    assert config.source == tmp_path / "setup.cfg"
    assert not config.wants("build/lib.py")


def test_unreadable_or_invalid_configuration_is_treated_as_empty(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text("[tool.mypy\n")
    assert read_mypy_config(tmp_path).source is None
    (tmp_path / "mypy.ini").write_text("no section header\n")
    config = read_mypy_config(tmp_path)
    assert config.source == tmp_path / "mypy.ini"
    assert config.sections == {"mypy": {}}


def test_invalid_exclude_pattern_excludes_nothing(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "mypy.ini").write_text("[mypy]\nexclude = ([unclosed\n")
    assert read_mypy_config(tmp_path).wants("a.py")
