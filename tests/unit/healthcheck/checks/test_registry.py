"""The registry finds healthcheck's own checks through its entry points, or, when they are not installed, as the
packages under healthcheck/checks/; either way once each, in the order their classes declare."""

from __future__ import annotations

import importlib.metadata
import tomllib
from collections.abc import Iterator
from importlib.metadata import Distribution, EntryPoint
from pathlib import Path

import pytest

import healthcheck.checks as registry

REPO = Path(__file__).resolve().parents[4]
PYPROJECT = REPO / "pyproject.toml"
ORDER = ["syntax-error", "names", "import-cycle", "contract-violation", "duplicates", "type-error",
         "import-failure", "test-suite"]


@pytest.fixture(autouse=True)
def fresh() -> Iterator[None]:
    registry.loaded.cache_clear()
    yield
    registry.loaded.cache_clear()


def _installed(site: Path, dist: str, entry_points: str) -> list[EntryPoint]:
    """The entry points of a distribution as pip leaves one (a dist-info), read through importlib.metadata."""
    info = site / f"{dist}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[{registry.GROUP}]\n{entry_points}\n")
    return list(Distribution.at(info).entry_points.select(group=registry.GROUP))


def _without_own_entry_points(monkeypatch: pytest.MonkeyPatch, extra: list[EntryPoint]) -> None:
    real = importlib.metadata.entry_points

    def points(group: str) -> list[EntryPoint]:
        return [p for p in real(group=group) if not registry._own(p)] + extra

    monkeypatch.setattr(registry, "entry_points", points)


def test_the_installed_built_ins_come_from_healthcheck_s_own_entry_points_in_declared_order() -> None:
    assert [(one.check.name, one.origin) for one in registry.loaded()] == [(n, "built-in") for n in ORDER]


def test_pyproject_lists_each_check_package_as_an_entry_point() -> None:
    table = tomllib.loads(PYPROJECT.read_text())["project"]["entry-points"][registry.GROUP]
    packaged = {name: f"{found.__module__}:{found.__name__}" for name, found in registry._packaged()
                if not isinstance(found, str)}
    assert table == packaged and sorted(table) == sorted(ORDER)


def test_without_installed_entry_points_the_packages_are_the_built_ins(monkeypatch: pytest.MonkeyPatch) -> None:
    _without_own_entry_points(monkeypatch, [])
    assert [(one.check.name, one.origin) for one in registry.loaded()] == [(n, registry.PACKAGED) for n in ORDER]
    assert [k.name for k in registry.builtin_classes()[0].kinds] == ["syntax-error"]


def test_a_stale_install_still_loads_a_check_once(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # metadata that knows only one built-in (installed before the others were added): the rest come from the
    # packages, the one it knows from its entry point, none twice
    points = _installed(tmp_path, "healthcheck_workspace", "names = healthcheck.checks.names:NamesCheck")
    _without_own_entry_points(monkeypatch, points)
    got = [(one.check.name, one.origin) for one in registry.loaded()]
    assert [name for name, _ in got] == ORDER
    assert dict(got)["names"] == "built-in" and dict(got)["duplicates"] == registry.PACKAGED
    assert len(registry.all_checks()) == len(ORDER)


def test_a_third_party_check_without_an_order_runs_after_the_built_ins(monkeypatch: pytest.MonkeyPatch,
                                                                        tmp_path: Path) -> None:
    monkeypatch.syspath_prepend(str(REPO / "tests" / "plugins"))
    points = _installed(tmp_path, "healthcheck_todo", "todo-comment = healthcheck_todo:TodoCheck")
    _without_own_entry_points(monkeypatch, points)
    got = registry.loaded()
    assert [one.check.name for one in got] == [*ORDER, "todo-comment"]
    assert got[-1].origin == "entry point todo-comment = healthcheck_todo:TodoCheck of healthcheck_todo 1.0"
    assert not got[-1].builtin and all(one.builtin for one in got[:-1])
