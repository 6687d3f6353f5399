"""The graph as Python executes it (parent packages, the main guard, __main__.py) and the facts and abstract
execution behind the static verdict, on repositories written in tmp."""

from __future__ import annotations

import sys
from pathlib import Path

from healthcheck.checks.import_cycle.bindings import extract
from healthcheck.checks.import_cycle.verdict import judge, module_facts
from healthcheck.checks.import_cycle import ImportCycleCheck
from healthcheck.config import Config
from healthcheck.graph.cycles import strongly_connected
from healthcheck.graph.build import ImportGraph, build_graph
from healthcheck.parse import FileFacts, parse_project
from healthcheck.project import discover


def _graph(tmp_path: Path, files: dict[str, str]) -> tuple[ImportGraph, list[FileFacts]]:
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    project = discover(tmp_path, Config())
    facts, _ = parse_project(project.files, ImportCycleCheck.extractors)
    return build_graph(facts, project.top_level_packages), facts


def _verdict(tmp_path: Path, files: dict[str, str]) -> tuple[str, list[tuple[str, str, str, bool]]]:
    graph, facts = _graph(tmp_path, files)
    (component,) = strongly_connected(graph.modules, graph.successor_map({"runtime"}, implied=True))
    judged = judge(component, module_facts(facts, component), graph.modules)
    return judged.verdict, [(a.entry, a.importer, a.name, a.ok) for a in judged.accesses]


def test_an_import_implies_edges_to_the_parents_it_runs_but_not_to_the_importer_s_own(tmp_path: Path) -> None:
    graph, _ = _graph(tmp_path, {
        "pkg/__init__.py": "", "pkg/sub/__init__.py": "", "pkg/sub/expr.py": "",
        "pkg/ops.py": "from pkg.sub.expr import Expr\n",
        "pkg/sub/near.py": "import pkg.sub.expr\n",
    })
    assert ("pkg.ops", "pkg.sub.expr") in graph.edges
    assert sorted(graph.implied) == [("pkg.ops", "pkg.sub")]
    assert graph.implied[("pkg.ops", "pkg.sub")][0].implied_by == "pkg.sub.expr"
    assert ("pkg.ops", "pkg.sub") not in graph.edges  # contracts and diffs see only the written imports
    assert graph.successor_map({"runtime"}, implied=True)["pkg.ops"] == ["pkg.sub", "pkg.sub.expr"]
    assert graph.edge_kind("pkg.ops", "pkg.sub") == "runtime"


def test_imports_under_the_main_guard_and_of_a_script_main_py_are_main(tmp_path: Path) -> None:
    graph, facts = _graph(tmp_path, {
        "tool/__init__.py": "",
        "tool/a.py": (
            "import tool.b\n"
            "if __name__ == '__main__':\n"
            "    import tool.c\n"
            "    def demo():\n"
            "        import tool.d\n"
            "else:\n"
            "    import tool.e\n"
        ),
        "tool/b.py": "", "tool/c.py": "", "tool/d.py": "", "tool/e.py": "",
        "tool/__main__.py": "import tool.a\n",
        "other/__init__.py": "", "other/__main__.py": "import tool.b\n", "other/lib.py": "from other import __main__\n",
    })
    kinds = {i.module: i.kind for f in facts if f.rel == "tool/a.py" for i in f.imports}
    assert kinds == {"tool.b": "runtime", "tool.c": "main", "tool.d": "main", "tool.e": "runtime"}
    assert graph.edge_kind("tool.__main__", "tool.a") == "main"
    # A __main__ that a library module imports does run on import: its imports keep their kind.
    assert graph.edge_kind("other.__main__", "tool.b") == "runtime"


def test_binding_facts_say_when_each_name_exists() -> None:
    import ast

    source = (
        "import a.b as ab\n"
        "import c.d\n"
        "try:\n"
        "    from x import y\n"
        "except ImportError:\n"
        "    y = None\n"
        "class K(ab.Base):\n"
        "    z = c.d.VALUE\n"
        "def f():\n"
        "    return c.d.OTHER\n"
        "if __name__ == '__main__':\n"
        "    MAIN = 1\n"
        "from m import *\n"
    )
    facts = extract(ast.parse(source), source.splitlines(), "pkg.mod")
    assert facts["bound"] == {"ab": 1, "c": 2, "y": 4, "K": 8, "f": 9}
    assert facts["uses"] == {"ab": [[7, "ab.Base"]], "c": [[8, "c.d.VALUE"]]}
    assert facts["guarded"] == [4]
    assert facts["aliases"] == [[1, "ab", "a.b"]]
    assert facts["any_name_from"] == 13


def test_a_guarded_import_survives_the_failure_it_catches(tmp_path: Path) -> None:
    verdict, accesses = _verdict(tmp_path, {
        "p/__init__.py": "",
        "p/a.py": "try:\n    from p.b import B\nexcept ImportError:\n    B = None\nA = 1\n",
        "p/b.py": "from p.a import A\nB = A\n",
    })
    # Entering at p.a: p.b asks the partial p.a for A before line 5 and fails; p.a catches it and goes on.
    # Entering at p.b: p.a asks the partial p.b for B, fails into its fallback, and p.b then gets A.
    # Nothing raises, but it works only by that fallback: ordered, not unsafe.
    assert (verdict, accesses) == ("ordered", [("p.a", "p.b", "A", False), ("p.b", "p.a", "B", False)])


def test_reading_an_attribute_of_a_half_imported_submodule_is_unsafe(tmp_path: Path) -> None:
    verdict, accesses = _verdict(tmp_path, {
        "p/__init__.py": "import p.core\n",
        "p/core.py": "import p.util\nVALUE = 1\n",
        "p/util.py": "import p.core\nCOPY = p.core.VALUE\n",
    })
    assert verdict == "unsafe"
    assert ("p.core", "p.util", "core", False) in accesses or ("p", "p.util", "core", False) in accesses


def test_an_alias_used_only_in_functions_asks_nothing(tmp_path: Path) -> None:
    verdict, accesses = _verdict(tmp_path, {
        "p/__init__.py": "",
        "p/a.py": "import p.b as b\ndef f():\n    return b.g()\n",
        "p/b.py": "import p.a as a\nX = a\ndef g():\n    return a.f\n",
    })
    assert (verdict, accesses) == ("safe", [])


def test_an_import_in_a_branch_this_platform_never_takes_closes_no_cycle_here(tmp_path: Path) -> None:
    other = "win32" if not sys.platform.startswith("win") else "linux"
    verdict, accesses = _verdict(tmp_path, {
        "p/__init__.py": "",
        "p/compat.py": f"import sys\nif sys.platform == {other!r} and True:\n    from p.console import stream\n",
        "p/console.py": "from p.compat import helper\nstream = 1\n",
    })
    assert (verdict, accesses) == ("safe", [])
