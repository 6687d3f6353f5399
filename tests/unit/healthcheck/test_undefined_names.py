"""Undefined names: ruff by default, pyflakes where ruff cannot answer, the same findings either way."""

from __future__ import annotations

from pathlib import Path

import pytest

from healthcheck import undefined_names
from healthcheck.config import Config
from healthcheck.parse import FileFacts, parse_project
from healthcheck.project import discover

SOURCES = {
    "pkg/__init__.py": "__all__ = ['submodule']  # in a package, __all__ may name submodules\n",
    "pkg/api.py": "__all__ = ['missing']\n",
    "pkg/a.py": "import os\n\n\ndef f():\n    return time.time(), os.sep\n",
    "pkg/latin.py": b"# -*- coding: latin-1 -*-\nNAME = '\xe9'\n\n\ndef g():\n    return undefined_here\n",
}


def _scan(tmp_path: Path) -> dict[str, FileFacts]:
    for rel, content in SOURCES.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    facts, _ = parse_project(discover(tmp_path, Config()).files)
    return {f.rel: f for f in facts}


def _names(facts: dict[str, FileFacts]) -> dict[str, list[tuple[str, int, bool]]]:
    return {rel: [(p.name, p.line, p.export) for p in f.undefined or ()] for rel, f in facts.items()}


EXPECTED = {
    "pkg/__init__.py": [],
    "pkg/api.py": [("missing", 1, True)],
    "pkg/a.py": [("time", 5, False)],
    "pkg/latin.py": [("undefined_here", 6, False)],
}


def test_ruff_answers_and_pyflakes_covers_files_ruff_cannot_read(tmp_path: Path) -> None:
    facts = _scan(tmp_path)
    assert _names(facts) == EXPECTED
    assert facts["pkg/a.py"].names_by == "ruff"
    assert facts["pkg/latin.py"].names_by == "pyflakes"


def test_pyflakes_alone_gives_the_same_answers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEALTHCHECK_NAMES_ENGINE", "pyflakes")
    facts = _scan(tmp_path)
    assert _names(facts) == EXPECTED
    assert {f.names_by for f in facts.values()} == {"pyflakes"}


def test_when_ruff_fails_pyflakes_answers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(undefined_names, "CHUNK", 1)

    def broken(self: undefined_names.RuffRun) -> dict[str, object]:
        raise RuntimeError("ruff exited with 101: stack overflow")

    monkeypatch.setattr(undefined_names.RuffRun, "results", broken)
    facts = _scan(tmp_path)
    assert _names(facts) == EXPECTED
    assert facts["pkg/a.py"].names_by == "pyflakes"


def test_ruff_output_is_read_per_file(tmp_path: Path) -> None:
    binary = undefined_names.ruff_binary()
    assert binary is not None, "ruff is a dependency of healthcheck"
    target = tmp_path / "m.py"
    target.write_text("print(a)\n__all__ = ['b']\n")
    results = undefined_names.RuffRun(binary, [target]).start().results()
    assert [(p.name, p.line, p.column, p.export) for p in results[str(target)]] == [
        ("a", 1, 6, False),
        ("b", 2, 11, True),
    ]
