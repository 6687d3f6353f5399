"""The parse cache is keyed by the code that draws the facts: change an extractor and a warm cache is cold."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

from healthcheck.code_key import _imported, code_key, source_closure
from healthcheck.config import Config
from healthcheck.parse import Extractor, parse_project
from healthcheck.project import discover

HELPER = "def measure(lines):\n    return len(lines)\n"


def _extractor_package(where: Path) -> None:
    package = where / "xfacts"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "helper.py").write_text(HELPER)
    (package / "extract.py").write_text(
        "from typing import Any\n"
        "from .helper import measure\n\n\n"
        "def count(tree: Any, lines: Any, module: str) -> int:\n"
        "    return measure(lines)\n"
    )


def test_changing_an_extractors_code_makes_a_warm_cache_cold(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code = tmp_path / "code"
    code.mkdir()
    _extractor_package(code)
    monkeypatch.syspath_prepend(str(code))
    monkeypatch.delitem(sys.modules, "xfacts", raising=False)
    import xfacts.extract

    repo = tmp_path / "repo"
    (repo / "pkg").mkdir(parents=True)
    (repo / "pkg" / "__init__.py").write_text("")
    (repo / "pkg" / "a.py").write_text("x = 1\ny = 2\n")
    files = discover(repo, Config()).files
    cache = tmp_path / "cache"

    def run() -> tuple[dict[str, object], tuple[int, int]]:
        facts, stats = parse_project(files, [Extractor("count", xfacts.extract.count)], cache, workers=1)
        return {f.rel: f.extra["count"] for f in facts}, (stats.parsed, stats.from_cache)

    assert run() == ({"pkg/__init__.py": 0, "pkg/a.py": 2}, (2, 0))
    assert run() == ({"pkg/__init__.py": 0, "pkg/a.py": 2}, (0, 2))  # warm

    (code / "xfacts" / "helper.py").write_text(HELPER.replace("len(lines)", "len(lines) * 10"))
    importlib.reload(sys.modules["xfacts.helper"])
    importlib.reload(xfacts.extract)
    assert run() == ({"pkg/__init__.py": 0, "pkg/a.py": 20}, (2, 0))  # a helper it imports changed: cold
    assert run() == ({"pkg/__init__.py": 0, "pkg/a.py": 20}, (0, 2))
    for name in ("xfacts.extract", "xfacts.helper", "xfacts"):
        monkeypatch.delitem(sys.modules, name, raising=False)


def test_the_closures_of_healthcheck_extractors() -> None:
    assert sorted(source_closure("healthcheck.checks.duplicates.extract")) == [
        "healthcheck.checks.duplicates.extract", "healthcheck.checks.duplicates.identity",
        "healthcheck.checks.duplicates.symbols"]
    parse = source_closure("healthcheck.parse")
    assert {"healthcheck.parse", "healthcheck.undefined_names", "healthcheck.project",
            "healthcheck.shape"} <= set(parse)
    assert not any(name.startswith(("ast", "typing", "hashlib")) for name in parse)  # other code has its version
    assert code_key("healthcheck.parse") == code_key("healthcheck.parse")
    assert code_key("healthcheck.parse") != code_key("healthcheck.parse", "healthcheck.checks.import_cycle.bindings")


def test_imports_read_from_source_relative_lazy_and_parenthesised() -> None:
    text = (
        "import os, healthcheck.model as m\n"
        "from . import sibling\n"
        "from ..up import (\n    a,\n    b as c,\n)\n"
        "def f():\n    from pkg.lazy import thing  # a comment\n"
    )
    assert _imported(text, "pkg.sub.mod", False) == {
        "os", "healthcheck.model", "pkg.sub", "pkg.sub.sibling", "pkg.up", "pkg.up.a", "pkg.up.b", "pkg.lazy",
        "pkg.lazy.thing"}
    assert _imported("from . import x\n", "pkg.sub", True) == {"pkg.sub", "pkg.sub.x"}
