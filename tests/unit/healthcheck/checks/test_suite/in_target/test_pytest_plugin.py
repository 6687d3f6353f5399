"""The recording plugin, run in-process on a small suite so every record it writes can be checked."""

from __future__ import annotations

import json
import signal
import sys
import textwrap
from pathlib import Path
from typing import Any, Iterator

import pytest

from healthcheck.checks.test_suite.in_target import pytest_plugin

SUITE = {
    "proj_pkg/__init__.py": "",
    "proj_pkg/core.py": """
        def explode(x):
            raise KeyError(x)
    """,
    "proj_pkg/broken.py": "def f(:\n    pass\n",
    "proj_tests/test_plugin_suite.py": """
        import pytest
        from proj_pkg.core import explode

        def test_passes():
            assert True

        def test_fails():
            explode("k")

        @pytest.fixture
        def bad():
            raise RuntimeError("setup broke")

        def test_setup_error(bad):
            pass

        @pytest.fixture
        def bad_teardown():
            yield
            raise RuntimeError("teardown broke")

        def test_teardown_error(bad_teardown):
            pass

        @pytest.mark.skip(reason="no")
        def test_skipped():
            pass

        @pytest.mark.xfail(reason="bug")
        def test_xfail():
            assert False

        @pytest.mark.xfail(reason="fixed")
        def test_xpass():
            pass

        def test_name_error():
            undefined_thing  # noqa: F821

        def test_subtests(subtests):
            with subtests.test(msg="bad"):
                assert False
            with subtests.test(msg="good"):
                assert True
    """,
    "proj_tests/test_plugin_broken.py": "from proj_pkg.broken import f\n",
    "proj_tests/test_plugin_missing.py": "import not_a_real_package_at_all\n",
    "proj_tests/test_plugin_modskip.py": "import pytest\npytest.skip('all of it', allow_module_level=True)\n",
}


@pytest.fixture
def suite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    for rel, text in SUITE.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    monkeypatch.setenv(pytest_plugin.ROOT_ENV, str(tmp_path))
    monkeypatch.setenv(pytest_plugin.OUT_ENV, str(tmp_path / "out.jsonl"))
    (tmp_path / "suite.ini").write_text("[pytest]\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    before = signal.getsignal(signal.SIGTERM)
    yield tmp_path
    signal.signal(signal.SIGTERM, before)
    for name in [m for m in sys.modules if m.startswith(("proj_pkg", "proj_tests", "test_plugin_"))]:
        del sys.modules[name]


def _run(root: Path, *args: str) -> list[dict[str, Any]]:
    pytest.main([str(root / "proj_tests"), "-p", "no:cacheprovider", "-q", "--import-mode=importlib",
                 "--rootdir", str(root), "-c", str(root / "suite.ini"), "--continue-on-collection-errors", *args], plugins=[pytest_plugin])
    return [json.loads(line) for line in (root / "out.jsonl").read_text().splitlines()]


def test_every_outcome_and_its_exception(suite: Path) -> None:
    records = _run(suite)
    assert records[0]["event"] == "start" and records[-1] == {"event": "finish", "exitstatus": 1}
    tests = {r["nodeid"].split("::")[1]: r for r in records if r["event"] == "test"}
    assert {name: r["outcome"] for name, r in tests.items()} == {
        "test_passes": "passed", "test_fails": "failed", "test_setup_error": "error",
        "test_teardown_error": "error", "test_skipped": "skipped", "test_xfail": "xfailed",
        "test_xpass": "xpassed", "test_name_error": "failed", "test_subtests": "failed",
    }
    fails = tests["test_fails"]
    assert (fails["exception"], fails["message"], fails["when"]) == ("KeyError", "'k'", "call")
    assert fails["frame"] == {"path": "proj_pkg/core.py", "line": 3, "function": "explode", "text": "raise KeyError(x)"}
    assert (tests["test_setup_error"]["when"], tests["test_setup_error"]["message"]) == ("setup", "setup broke")
    assert tests["test_teardown_error"]["when"] == "teardown"
    assert tests["test_name_error"]["facts"] == {"name": "undefined_thing"}
    running = [r["nodeid"] for r in records if r["event"] == "running"]
    assert len(running) == 9


def test_collection_errors_and_module_skips(suite: Path) -> None:
    records = _run(suite)
    collect = {r["nodeid"]: r for r in records if r["event"] == "collect"}
    assert set(collect) == {"proj_tests/test_plugin_broken.py", "proj_tests/test_plugin_missing.py",
                            "proj_tests/test_plugin_modskip.py"}
    broken = collect["proj_tests/test_plugin_broken.py"]
    assert (broken["exception"], broken["facts"]) == ("SyntaxError", {"path": "proj_pkg/broken.py", "line": 1})
    assert broken["frame"]["path"] == "proj_tests/test_plugin_broken.py"
    missing = collect["proj_tests/test_plugin_missing.py"]
    assert (missing["exception"], missing["facts"]) == ("ModuleNotFoundError", {"module": "not_a_real_package_at_all"})
    assert collect["proj_tests/test_plugin_modskip.py"]["outcome"] == "skipped"


def test_selection_keeps_only_the_listed_tests(suite: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    select = suite / "select.txt"
    select.write_text("proj_tests/test_plugin_suite.py::test_passes\n")
    monkeypatch.setenv(pytest_plugin.SELECT_ENV, str(select))
    records = _run(suite, "-k", "not modskip")
    assert [r["nodeid"] for r in records if r["event"] == "test"] == ["proj_tests/test_plugin_suite.py::test_passes"]


def test_without_the_environment_it_records_nothing(suite: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(pytest_plugin.OUT_ENV)
    pytest.main([str(suite / "proj_tests" / "test_plugin_modskip.py"), "-p", "no:cacheprovider", "-q",
                 "--rootdir", str(suite), "-c", str(suite / "suite.ini")], plugins=[pytest_plugin])
    assert not (suite / "out.jsonl").exists()


def test_sigterm_becomes_a_keyboard_interrupt() -> None:
    with pytest.raises(KeyboardInterrupt):
        pytest_plugin._on_sigterm(signal.SIGTERM, None)


def test_unprintable_and_wrapped_exceptions(tmp_path: Path) -> None:
    recorder = pytest_plugin._Recorder(tmp_path / "o.jsonl", tmp_path, None)

    class Loud(Exception):
        def __str__(self) -> str:
            raise RuntimeError("no")

    assert recorder.describe(Loud())["message"] == "<unprintable exception>"
    described = recorder.describe(Loud.__new__(Loud))
    assert described["exception"].endswith("Loud")
    assert pytest_plugin._source_line(tmp_path / "nope.py", 1) == ""
    recorder.stream.close()
