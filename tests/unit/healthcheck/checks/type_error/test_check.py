"""The type-error check's decisions, with mypy's answers stubbed where the real one cannot be made to give them."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from healthcheck.checks import type_error as types_module
from healthcheck.checks.base import CheckContext, ScanOptions
from healthcheck.checks.type_error.mypy_config import MypyConfig
from healthcheck.checks.type_error.mypy_output import MypyError
from healthcheck.checks.type_error import MYPY_MAIN, MypyRun, TypeErrorCheck, own_mypy_version
from healthcheck.config import Config
from healthcheck.graph.build import build_graph
from healthcheck.interpreter import Interpreter
from healthcheck.parse import parse_project
from healthcheck.project import discover


def _context(root: Path, config: Config | None = None, options: ScanOptions | None = None) -> CheckContext:
    config = config or Config()
    project = discover(root, config)
    facts, _ = parse_project(project.files, [], None)
    graph = build_graph([f for f in facts if f.parsed], project.top_level_packages)
    return CheckContext(
        root=root.resolve(), config=config, project=project, facts=facts, options=options or ScanOptions(),
        graph=graph, cache_dir=None, option_specs={TypeErrorCheck.name: TypeErrorCheck.options},
    )


def _repo(tmp_path: Path, files: dict[str, str]) -> Path:
    (tmp_path / ".git").mkdir(parents=True)
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def _error(root: Path, rel: str, line: int, code: str, message: str = "m") -> MypyError:
    return MypyError(str(root / rel), line, 1, line, message, code)


def test_a_file_mypy_refuses_is_left_out_and_mypy_runs_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _repo(tmp_path, {"a.py": "x = 1\n", "b.py": "y = 2\n"})
    ctx = _context(root)
    calls: list[tuple[list[str], list[str]]] = []

    def fake_run(self: MypyRun, files: list[str], skip: list[str], timeout: float):  # type: ignore[no-untyped-def]
        calls.append((list(files), list(skip)))
        if len(calls) == 1:
            return 2, [_error(ctx.root, "a.py", 1, "syntax", "invalid syntax")], [], ""
        return 1, [_error(ctx.root, "b.py", 1, "assignment")], [], ""

    monkeypatch.setattr(MypyRun, "run", fake_run)
    result = TypeErrorCheck().run(ctx)
    assert calls == [(["a.py", "b.py"], []), (["b.py"], ["a"])]
    assert [(f.path, f.data["code"]) for f in result.findings] == [("b.py", "assignment")]
    assert result.detail == "1 type errors in 1 files (mypy " + str(MypyRun(ctx, MypyConfig()).version) + "); mypy could not read a.py"


def test_a_file_mypy_crashes_on_is_left_out_and_mypy_runs_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _repo(tmp_path, {"pkg/__init__.py": "", "pkg/a.py": "x = 1\n", "b.py": "y = 2\n"})
    ctx = _context(root)
    calls: list[tuple[list[str], list[str]]] = []
    crash = (
        "pkg/a.py:3: error: INTERNAL ERROR -- Please try using mypy master on GitHub:\n"
        "https://mypy.readthedocs.io/en/stable/common_issues.html#using-a-development-mypy-build\n"
        "pkg/a.py:3: note: please use --show-traceback to print a traceback when reporting a bug\n"
    )

    def fake_run(self: MypyRun, files: list[str], skip: list[str], timeout: float):  # type: ignore[no-untyped-def]
        calls.append((list(files), list(skip)))
        if len(calls) == 1:
            return 2, [_error(ctx.root, "b.py", 1, "assignment")], [], crash
        return 1, [_error(ctx.root, "b.py", 1, "assignment")], [], ""

    monkeypatch.setattr(MypyRun, "run", fake_run)
    result = TypeErrorCheck().run(ctx)
    assert calls == [(["b.py", "pkg/__init__.py", "pkg/a.py"], []), (["b.py", "pkg/__init__.py"], ["pkg.a"])]
    assert [(f.path, f.data["code"]) for f in result.findings] == [("b.py", "assignment")]
    version = str(MypyRun(ctx, MypyConfig()).version)
    assert result.detail == f"1 type errors in 2 files (mypy {version}); mypy crashed on pkg/a.py (left out)"


@pytest.mark.parametrize(
    ("answer", "detail"),
    [
        ((2, [], [], "Traceback (most recent call last):\nAssertionError: boom\n"), "mypy failed (exit 2): AssertionError: boom"),
        ((1, [], ["mypy: error: something unexpected"], ""), "mypy failed (exit 1): mypy: error: something unexpected"),
        ((-9, [], [], ""), "mypy failed (exit -9): no output"),
    ],
)
def test_mypy_failing_is_an_error_with_its_last_words(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, answer: tuple[object, ...], detail: str
) -> None:
    ctx = _context(_repo(tmp_path, {"a.py": "x = 1\n"}))
    monkeypatch.setattr(MypyRun, "run", lambda self, files, skip, timeout: answer)
    result = TypeErrorCheck().run(ctx)
    assert (result.status, result.detail, result.findings) == ("error", detail, [])


def test_errors_outside_the_root_are_not_the_repositorys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = _context(_repo(tmp_path / "repo", {"pkg/__init__.py": "", "pkg/m.py": "x = 1\n", "top.py": ""}))
    answer = (1, [
        MypyError("/elsewhere/site-packages/lib.py", 3, 1, 3, "m", "misc"),
        _error(ctx.root, "pkg/m.py", 1, "name-defined", 'Name "q" is not defined'),
        _error(ctx.root, "top.py", 1, "union-attr"),
        MypyError("not/a/project/file.py", 2, None, None, "m", None),
    ], [], "")
    monkeypatch.setattr(MypyRun, "run", lambda self, files, skip, timeout: answer)
    result = TypeErrorCheck().run(ctx)
    assert [(f.path, f.data["code"], f.data["category"]) for f in result.findings] == [
        ("pkg/m.py", "name-defined", "name"), ("top.py", "union-attr", "attribute"),
        ("not/a/project/file.py", "misc", "other"),
    ]
    assert result.metrics["type_errors_by_package"] == {"(other)": 1, "pkg": 1, "top": 1}


def test_line_numbers_in_messages_do_not_change_the_id(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = _context(_repo(tmp_path, {"a.py": "x = 1\n"}))
    ids = []
    for line in (4, 9):
        error = _error(ctx.root, "a.py", line, "no-redef", f'Name "f" already defined on line {line - 2}')
        monkeypatch.setattr(MypyRun, "run", lambda self, files, skip, timeout, e=error: (1, [e], [], ""))
        ids.append(TypeErrorCheck().run(ctx).findings[0].id)
    assert ids[0] == ids[1]


def test_nothing_to_check_is_zero_errors_and_says_so(tmp_path: Path) -> None:
    root = _repo(tmp_path, {"a.py": "x = 1\n", "mypy.ini": "[mypy]\nfiles = src\n"})
    result = TypeErrorCheck().run(_context(root))
    assert (result.status, result.detail, result.metrics["type_errors"]) == ("ok", "no files for mypy to check", 0)


def test_skipped_when_types_are_turned_off(tmp_path: Path) -> None:
    ctx = _context(_repo(tmp_path, {"a.py": ""}), options=ScanOptions(types=False))
    assert TypeErrorCheck().enabled(ctx) == "type checking turned off (--no-types)"
    assert TypeErrorCheck().enabled(_context(tmp_path)) is None


def _as_interpreter(monkeypatch: pytest.MonkeyPatch, python: str, prefix: str, engines: dict[str, str]) -> None:
    """Make the check see ``python`` as an interpreter of ``prefix`` with ``engines`` (what inspect() reads)."""
    found = Interpreter(python, (3, 11, 0), prefix, python, engines)
    monkeypatch.setattr(CheckContext, "interpreter", property(lambda self: found))


def test_the_repositorys_own_mypy_is_preferred(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _repo(tmp_path / "repo", {"src/app/__init__.py": "", "src/app/m.py": "x = 1\n"})
    python = str(tmp_path / "venv" / "bin" / "python")
    _as_interpreter(monkeypatch, python, str(tmp_path / "venv"), {"mypy": "1.5.0"})
    runner = MypyRun(_context(root, options=ScanOptions(python=python)), MypyConfig())
    argv = runner.argv(tmp_path, ["src/app/m.py"], ["app.broken"])
    assert argv[:3] == [python, "-c", MYPY_MAIN]
    assert "-O" not in argv  # mypy before 1.11 has no JSON output: its text is parsed
    assert "--python-executable" not in argv
    assert argv[argv.index("--config-file") + 1] == str(tmp_path / "mypy-overlay.ini")
    assert "[mypy-app.broken]" in (tmp_path / "mypy-overlay.ini").read_text()
    assert argv[-1] == f"@{tmp_path / 'mypy-files.txt'}"
    assert (tmp_path / "mypy-files.txt").read_text() == "src/app/m.py\n"
    assert argv[argv.index("--cache-dir") + 1] == os.devnull
    assert runner.env()["MYPYPATH"].split(os.pathsep)[0] == str(root.resolve() / "src")
    assert runner.engine() == {"name": "mypy", "version": "1.5.0", "python": python,
                               "environment": f"the repository's ({tmp_path / 'venv'})"}


def test_an_interpreter_without_mypy_borrows_healthcheck_s(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _repo(tmp_path / "repo", {"a.py": ""})
    python = str(tmp_path / "venv" / "bin" / "python")
    _as_interpreter(monkeypatch, python, str(tmp_path / "venv"), {"pytest": "8.0.0"})
    runner = MypyRun(_context(root, options=ScanOptions(python=python)), MypyConfig())
    argv = runner.argv(tmp_path, ["a.py"], [])
    assert argv[0] == sys.executable
    assert argv[argv.index("--python-executable") + 1] == python
    # healthcheck's own mypy: JSON output from 1.11 on (the lowest mypy the range allows prints text)
    assert ("-O" in argv) == (types_module._version_tuple(own_mypy_version()) >= types_module.JSON_SINCE)
    assert "--config-file" not in argv
    assert "MYPYPATH" not in runner.env() or runner.env()["MYPYPATH"] == os.environ.get("MYPYPATH")
    assert runner.engine()["version"] == own_mypy_version()


def test_healthcheck_s_own_environment_needs_no_python_executable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _repo(tmp_path / "repo", {"a.py": ""})
    _as_interpreter(monkeypatch, "/some/other/link/to/python", sys.prefix, {})
    argv = MypyRun(_context(root), MypyConfig()).argv(tmp_path, ["a.py"], [])
    assert argv[0] == sys.executable and "--python-executable" not in argv


def test_mypy_exiting_1_without_an_error_it_could_read_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _repo(tmp_path, {"a.py": "x = 1\n"})

    def fake_run(self: MypyRun, files: list[str], skip: list[str], timeout: float):  # type: ignore[no-untyped-def]
        return 1, [], [], "/venv/bin/python: No module named mypy\n"

    monkeypatch.setattr(MypyRun, "run", fake_run)
    result = TypeErrorCheck().run(_context(root))
    assert (result.status, result.detail) == ("error", "mypy failed (exit 1): /venv/bin/python: No module named mypy")
    assert result.engine["name"] == "mypy"


def test_version_parsing_tolerates_dev_builds() -> None:
    assert types_module._version_tuple("1.11.0+dev.abc") == (1, 11, 0)
    assert types_module._version_tuple("2.4") == (2, 4)
