"""Components, smallest cycles and fewest cuts, on graphs small enough to check by hand."""

from __future__ import annotations

from pathlib import Path

from healthcheck.graph.cycles import canonical, min_edges_to_cut, shortest_cycles, strongly_connected


def test_components_of_two_or_more() -> None:
    succ = {"a": ["b"], "b": ["c"], "c": ["a"], "d": ["e"], "e": ["d"], "f": ["a"]}
    assert strongly_connected(succ.keys(), succ) == [["a", "b", "c"], ["d", "e"]]


def test_deep_chains_do_not_hit_the_recursion_limit() -> None:
    n = 5000
    succ = {f"m{i}": [f"m{i + 1}"] for i in range(n)}
    succ[f"m{n}"] = ["m0"]
    comps = strongly_connected(list(succ), succ)
    assert len(comps) == 1 and len(comps[0]) == n + 1


def test_shortest_cycle_through_every_edge_smallest_first() -> None:
    succ = {"a": ["b", "c"], "b": ["a"], "c": ["d"], "d": ["a"]}
    assert shortest_cycles(["a", "b", "c", "d"], succ) == [("a", "b"), ("a", "c", "d")]
    assert canonical(["c", "d", "a"]) == ("a", "c", "d")


def test_min_cut_is_exact_and_prefers_cheap_edges() -> None:
    succ = {"a": ["b"], "b": ["a", "c"], "c": ["b"]}
    assert min_edges_to_cut(["a", "b", "c"], succ) == [("a", "b"), ("b", "c")]
    costly = {("a", "b"): 5.0}
    cut = min_edges_to_cut(["a", "b", "c"], succ, cost=lambda e: costly.get(e, 1.0))
    assert cut == [("b", "a"), ("b", "c")]


def test_min_cut_falls_back_to_greedy_on_large_components() -> None:
    nodes = [f"n{i}" for i in range(40)]
    succ = {n: [m for m in nodes if m != n] for n in nodes}  # complete graph: 1560 edges
    cut = set(min_edges_to_cut(nodes, succ, budget=10))
    remaining = {n: [m for m in succ[n] if (n, m) not in cut] for n in nodes}
    assert strongly_connected(nodes, remaining) == []


def test_a_module_that_does_not_parse_is_still_a_module(tmp_path: Path) -> None:
    from healthcheck.config import Config
    from healthcheck.graph.build import build_graph
    from healthcheck.parse import parse_project
    from healthcheck.project import discover

    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "broken.py").write_text("def f(:\n")
    (tmp_path / "pkg" / "user.py").write_text("from pkg import broken\nfrom pkg.gone import x\n")
    project = discover(tmp_path, Config())
    facts, _ = parse_project(project.files)
    graph = build_graph(facts, project.top_level_packages)
    assert "pkg.broken" in graph.modules
    assert ("pkg.user", "pkg.broken") in graph.edges
    assert [u.module for u in graph.unresolved] == ["pkg.gone"]
