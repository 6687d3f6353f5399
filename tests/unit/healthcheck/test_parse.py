"""The shared parse: import kinds, relative imports, pyflakes names, broken files, the cache."""

from __future__ import annotations

from pathlib import Path

from healthcheck.config import Config
from healthcheck.parse import FileFacts, parse_project
from healthcheck.project import SourceFile, discover


def _facts(tmp_path: Path, files: dict[str, bytes | str], cache: Path | None = None) -> dict[str, FileFacts]:
    for rel, content in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.write_text(content)
        else:
            path.write_bytes(content)
    project = discover(tmp_path, Config())
    facts, _ = parse_project(project.files, cache_dir=cache)
    return {f.rel: f for f in facts}


def test_import_kinds_and_relative_resolution(tmp_path: Path) -> None:
    facts = _facts(
        tmp_path,
        {
            "pkg/__init__.py": "from . import a\n",
            "pkg/a.py": (
                "from __future__ import annotations\n"
                "import os\n"
                "from typing import TYPE_CHECKING\n"
                "from .b import thing\n"
                "if TYPE_CHECKING:\n"
                "    from ..pkg import c\n"
                "class K:\n"
                "    from pkg import d\n"
                "def f() -> None:\n"
                "    from pkg.sub import deep\n"
            ),
        },
    )
    imports = [(i.module, i.names, i.kind, i.line) for i in facts["pkg/a.py"].imports]
    assert imports == [
        ("__future__", ("annotations",), "runtime", 1),
        ("os", (), "runtime", 2),
        ("typing", ("TYPE_CHECKING",), "runtime", 3),
        ("pkg.b", ("thing",), "runtime", 4),
        ("pkg", ("c",), "typing", 6),
        ("pkg", ("d",), "runtime", 8),
        ("pkg.sub", ("deep",), "deferred", 10),
    ]
    assert [(i.module, i.names) for i in facts["pkg/__init__.py"].imports] == [("pkg", ("a",))]
    assert facts["pkg/a.py"].imports[3].text == "from .b import thing"


def test_undefined_names_come_from_pyflakes(tmp_path: Path) -> None:
    facts = _facts(tmp_path, {"m.py": "__all__ = ['gone']\n\ndef f():\n    return time.time()\n"})
    names = [(n.name, n.line, n.export) for n in facts["m.py"].undefined]
    assert sorted(names) == [("gone", 1, True), ("time", 4, False)]


def test_files_that_cannot_be_parsed_get_a_reason(tmp_path: Path) -> None:
    deep = "x = " + "+".join(["1"] * 100_000) + "\n"
    parens = "x = " + "(" * 300 + "1" + ")" * 300 + "\n"
    facts = _facts(
        tmp_path,
        {
            "nul.py": b"x = 1\n\x00\n",
            "latin.py": b"# -*- coding: utf-8 -*-\nname = '\xe9t\xe9'\n",
            "cookie.py": b"# -*- coding: klingon -*-\nx = 1\n",
            "syntax.py": "def f(:\n",
            "deep.py": deep,
            "parens.py": parens,
            "ok.py": "x = 1\n",
        },
    )
    kinds = {rel: (f.syntax.kind if f.syntax else None) for rel, f in facts.items()}
    assert kinds == {
        "nul.py": "nul", "latin.py": "encoding", "cookie.py": "encoding",
        "syntax.py": "syntax", "deep.py": "recursion", "parens.py": "syntax", "ok.py": None,
    }
    assert facts["nul.py"].syntax is not None and facts["nul.py"].syntax.line == 2
    assert facts["latin.py"].syntax is not None and facts["latin.py"].syntax.line == 2
    assert facts["syntax.py"].syntax is not None and facts["syntax.py"].syntax.line == 1


def test_unreadable_file_is_reported_not_raised(tmp_path: Path) -> None:
    ghost = SourceFile(tmp_path / "gone.py", "gone.py", "gone", False, False)
    facts, _ = parse_project([ghost])
    assert facts[0].syntax is not None
    assert facts[0].syntax.kind == "unreadable"


def test_unchanged_files_come_from_the_cache(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    files = {f"pkg/m{i}.py": f"import os\nVALUE = {i}\n" for i in range(40)}
    cache = tmp_path / "cache"
    _facts(repo, files, cache)
    project = discover(repo, Config())
    _, warm = parse_project(project.files, cache_dir=cache)
    assert (warm.parsed, warm.from_cache) == (0, 40)
    (repo / "pkg/m3.py").write_text("import sys\n")
    facts, changed = parse_project(project.files, cache_dir=cache)
    assert (changed.parsed, changed.from_cache) == (1, 39)
    assert [i.module for i in {f.rel: f for f in facts}["pkg/m3.py"].imports] == ["sys"]


def test_a_corrupt_cache_is_a_cold_cache(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    cache = tmp_path / "cache"
    _facts(repo, {"a.py": "x = 1\n"}, cache)
    for path in cache.glob("facts-*.pickle"):
        path.write_bytes(b"not a pickle")
    project = discover(repo, Config())
    facts, stats = parse_project(project.files, cache_dir=cache)
    assert stats.parsed == 1 and facts[0].parsed


def test_parallel_parse_matches_serial(tmp_path: Path) -> None:
    files = {f"pkg/m{i}.py": f"from pkg import m{(i + 1) % 60}\n" for i in range(60)}
    _facts(tmp_path, files)
    project = discover(tmp_path, Config())
    serial, _ = parse_project(project.files, workers=1)
    parallel, stats = parse_project(project.files, workers=2)
    assert stats.workers == 2
    assert serial == parallel
