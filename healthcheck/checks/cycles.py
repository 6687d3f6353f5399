"""``import-cycle``: every cycle in the project's imports, how dangerous it is, and where to cut.

A cycle is only a crash waiting to happen when every import in it runs while
its module is being imported (``runtime``): then whichever module is imported
first sees the other half-initialised. A cycle with an import inside a function
(``deferred``) works but couples the modules; one that exists only for the type
checker (``typing``) is harmless at run time. The report classifies each cycle
so that the gate (``max_import_cycles``) counts only the ones that can fail.

Cycles are searched kind by kind: first among runtime edges alone, then adding
deferred ones, then typing ones, so that a runtime cycle is never hidden behind a
shorter cycle that happens to use a typing edge.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, ClassVar, Mapping

from healthcheck import cycles as cycle_algorithms
from healthcheck.checks.base import BaseCheck, CheckContext, CheckResult, GateSpec
from healthcheck.checks.result_cache import code_digest, load_result, result_key, save_result
from healthcheck.config import OptionSpec
from healthcheck.cycles import min_edges_to_cut, shortest_cycles, strongly_connected
from healthcheck.graph import KIND_RANK, ImportGraph
from healthcheck.model import Finding, Related

LAYERS = (("runtime", {"runtime"}), ("deferred", {"runtime", "deferred"}), ("typing", {"runtime", "deferred", "typing"}))


@lru_cache(maxsize=1)
def _own_code() -> str:
    return code_digest(__file__, cycle_algorithms.__file__)


def _cut_cost(graph: ImportGraph, edge: tuple[str, str]) -> float:
    """Statements to change to remove an edge; an edge that is already lazy costs a little less."""
    sites = graph.edges[edge]
    lazy = all(s.kind != "runtime" for s in sites)
    return len(sites) - (0.5 if lazy else 0.0)


def how_to_cut(graph: ImportGraph, importer: str, imported: str) -> str:
    """Advice for removing one edge, from what the edge is."""
    kind = graph.edge_kind(importer, imported)
    if importer.startswith(imported + "."):
        return (
            "import the symbol from the submodule that defines it, not through the package's __init__ "
            "(which is only half-initialised while its submodules load)"
        )
    if imported.startswith(importer + "."):
        return (
            "the package's __init__ imports a submodule that imports the package back: "
            "move the symbol both need into a submodule of its own"
        )
    if kind == "typing":
        return "it is only for type checking: add 'from __future__ import annotations' and keep it under TYPE_CHECKING"
    if kind == "deferred":
        return "move the symbol both modules need into a third module that imports neither"
    return (
        "move the import into the function that uses it, or under 'if TYPE_CHECKING:' "
        "if only annotations use it, or move the symbol to a module lower in the layering"
    )


class CycleCheck(BaseCheck):
    name: ClassVar[str] = "import-cycle"
    produces: ClassVar[tuple[str, ...]] = ("import-cycle",)
    gates: ClassVar[tuple[GateSpec, ...]] = (
        GateSpec("max_import_cycles", "import_cycles.runtime", "<=", 0, help="cycles that run at import time"),
        GateSpec("max_deferred_import_cycles", "import_cycles.deferred", "<=", None),
        GateSpec("max_typing_import_cycles", "import_cycles.typing", "<=", None),
    )
    options: ClassVar[Mapping[str, OptionSpec]] = {
        "max_cycles_per_component": OptionSpec(int, 50, "cycles listed per strongly connected component"),
    }

    def run(self, ctx: CheckContext) -> CheckResult:
        limit = int(ctx.option(self.name, "max_cycles_per_component"))
        key = result_key(
            [_own_code(), str(limit)]
            + [
                f"{a}>{b}:{s.path}:{s.line}:{s.kind}:{s.text}"
                for (a, b), sites in sorted(ctx.graph.edges.items())
                for s in sites
            ]
        )
        cached = load_result(ctx.cache_dir, self.name, key)
        if cached is not None:
            return cached
        result = self._compute(ctx.graph, limit)
        save_result(ctx.cache_dir, self.name, key, result)
        return result

    def _compute(self, graph: ImportGraph, limit: int) -> CheckResult:
        all_succ = graph.successor_map()
        components = strongly_connected(graph.modules, all_succ)
        component_of = {m: i for i, comp in enumerate(components, start=1) for m in comp}
        breakers = self._breakers(graph, components)

        counts = {"runtime": 0, "deferred": 0, "typing": 0}
        seen: set[tuple[str, ...]] = set()
        result = CheckResult()
        for kind, kinds in LAYERS:
            succ = graph.successor_map(kinds)
            for comp in strongly_connected(graph.modules, succ):
                for cycle in shortest_cycles(comp, succ, limit=limit):
                    if cycle in seen:
                        continue
                    seen.add(cycle)
                    counts[kind] += 1
                    result.findings.append(
                        self._finding(graph, cycle, kind, kinds, component_of[cycle[0]], breakers)
                    )
        result.metrics["import_cycles"] = counts
        result.metrics["import_cycle_components"] = len(components)
        return result

    def _breakers(self, graph: ImportGraph, components: list[list[str]]) -> dict[int, list[dict[str, str]]]:
        """Per component, the fewest edges to cut: among runtime edges when runtime cycles exist."""
        out: dict[int, list[dict[str, str]]] = {}
        for i, comp in enumerate(components, start=1):
            members = set(comp)
            for _kind, kinds in LAYERS:
                succ = {a: [b for b in bs if b in members] for a, bs in graph.successor_map(kinds).items() if a in members}
                if strongly_connected(comp, succ):
                    cut = min_edges_to_cut(comp, succ, cost=lambda e: _cut_cost(graph, e))
                    out[i] = [
                        {"importer": a, "imported": b, "how": how_to_cut(graph, a, b)} for a, b in cut
                    ]
                    break
        return out

    def _finding(
        self,
        graph: ImportGraph,
        cycle: tuple[str, ...],
        kind: str,
        kinds: set[str],
        component: int,
        breakers: dict[int, list[dict[str, str]]],
    ) -> Finding:
        edges: list[dict[str, Any]] = []
        related: list[Related] = []
        for i, importer in enumerate(cycle):
            imported = cycle[(i + 1) % len(cycle)]
            sites = sorted(
                (s for s in graph.edges[(importer, imported)] if s.kind in kinds),
                key=lambda s: (KIND_RANK[s.kind], s.line),
            )
            site = sites[0]
            edges.append(
                {
                    "importer": importer, "imported": imported, "path": site.path,
                    "line": site.line, "text": site.text, "kind": site.kind,
                }
            )
            related.append(Related(site.path, site.line, f"{importer} imports {imported} ({site.kind}): {site.text}"))
        chain = " -> ".join(list(cycle) + [cycle[0]])
        modules = sorted(cycle)
        severity = "error" if kind == "runtime" else ("warning" if kind == "deferred" else "info")
        return Finding.create(
            "import-cycle",
            f"{kind} import cycle: {chain}",
            key=f"{kind}:{'>'.join(cycle)}",
            path=edges[0]["path"],
            line=edges[0]["line"],
            severity=severity,  # type: ignore[arg-type]
            related=tuple(related),
            data={
                "modules": modules,
                "kind": kind,
                "edges": edges,
                "component": component,
                "breakers": breakers.get(component, []),
            },
        )
