"""Which test files a repair's proof runs: the importers of the touched modules, or the whole suite and why."""

from __future__ import annotations

from pathlib import Path

from healthcheck.checks.base import ScanOptions
from healthcheck.engine import parse_phase, prepare
from healthcheck.fix.test_selection import Selection, select_tests

BASE = {
    "pyproject.toml": '[project]\nname = "p"\nversion = "0"\n',
    "pkg/__init__.py": "",
    "pkg/clock.py": "def now() -> int:\n    return 1\n",
    "pkg/report.py": "from pkg.clock import now\n\n\ndef stamp() -> str:\n    return str(now())\n",
    "pkg/names.py": "def shout(s: str) -> str:\n    return s.upper()\n",
    "tests/test_clock.py": "from pkg.clock import now\n\n\ndef test_now() -> None:\n    assert now() == 1\n",
    "tests/test_report.py": "def test_stamp() -> None:\n    from pkg.report import stamp\n    assert stamp()\n",
    "tests/test_names.py": "from pkg.names import shout\n\n\ndef test_shout() -> None:\n    assert shout('a')\n",
}
ALL = ("tests/test_clock.py", "tests/test_names.py", "tests/test_report.py")


def _select(tmp_path: Path, extra: dict[str, str], touched: str = "pkg/clock.py") -> Selection:
    for rel, text in {**BASE, **extra}.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    setup = prepare(tmp_path, ScanOptions(), None, None, lambda _: None)
    graph = parse_phase(setup, lambda _: None).graph
    return select_tests([touched], setup.project, graph)


def test_the_direct_and_the_transitive_importers_are_selected(tmp_path: Path) -> None:
    chosen = _select(tmp_path, {})
    assert chosen == Selection(("tests/test_clock.py", "tests/test_report.py"), 3, False, "pkg.clock")
    assert chosen.describe() == ("2 of 3 test files, those that import pkg.clock: tests/test_clock.py, "
                                 "tests/test_report.py")


def test_no_test_imports_the_module(tmp_path: Path) -> None:
    chosen = _select(tmp_path, {"pkg/alone.py": "X = 1\n"}, touched="pkg/alone.py")
    assert chosen == Selection((), 3, False, "pkg.alone")


def test_a_conftest_that_imports_it_selects_every_test_of_its_folder(tmp_path: Path) -> None:
    chosen = _select(tmp_path, {"tests/unit/conftest.py": "import pkg.report\n",
                                "tests/unit/test_deep.py": "def test_deep() -> None:\n    pass\n"})
    assert chosen.files == ("tests/test_clock.py", "tests/test_report.py", "tests/unit/test_deep.py")
    assert not chosen.whole


def test_a_test_that_names_the_file_in_a_string_runs_the_whole_suite(tmp_path: Path) -> None:
    chosen = _select(tmp_path, {"tests/test_text.py": "from pathlib import Path\n\n\ndef test_text() -> None:\n"
                                                      "    assert Path('pkg', 'clock.py').exists()\n"})
    assert chosen.whole and chosen.files == ("tests/test_clock.py", "tests/test_names.py", "tests/test_report.py",
                                             "tests/test_text.py")
    assert chosen.why == "tests/test_text.py names pkg/clock.py in a string, which the import graph cannot follow"


def test_an_import_by_a_computed_name_runs_the_whole_suite(tmp_path: Path) -> None:
    chosen = _select(tmp_path, {"tests/conftest.py": "import importlib\n\nNAME = 'pkg.' + 'clock'\n"
                                                     "importlib.import_module(NAME)\n"})
    assert chosen.whole and chosen.files == ALL
    assert chosen.why == ("tests/conftest.py calls import_module with a computed name (line 4), which the import "
                          "graph cannot follow")


def test_a_helper_module_between_test_and_code_runs_the_whole_suite(tmp_path: Path) -> None:
    chosen = _select(tmp_path, {"tests/helpers.py": "from pkg.clock import now\n"})
    assert chosen.whole and chosen.why == ("tests/helpers.py imports a touched module, and which tests import "
                                           "tests/helpers.py the import graph does not say")


def test_doctests_of_the_source_run_the_whole_suite(tmp_path: Path) -> None:
    chosen = _select(tmp_path, {"pytest.ini": "[pytest]\naddopts = --doctest-modules\n"})
    assert chosen.whole and chosen.why == "pytest.ini collects doctests from the source modules"
