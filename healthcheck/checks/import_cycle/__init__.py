"""``import-cycle``: every cycle in the project's imports, whether it really crashes, and where to cut.

A cycle can only crash when every import in it runs while its module is being
imported (``runtime``); one with an import inside a function (``deferred``)
works but couples the modules; one that exists only for the type checker
(``typing``) is harmless at run time. Imports under ``if __name__ ==
"__main__":`` and in ``__main__.py`` (``main``) never run on import and make no
cycle at all; imports of ``a.b.c`` also run ``a`` and ``a.b`` (implied edges),
so cycles close through parent packages too.

Most runtime cycles still work: the package idiom binds its names and only then
imports the submodules that ask for them. So each runtime component gets a
verdict: the static one (:mod:`healthcheck.checks.import_cycle.verdict`: ``unsafe``,
``ordered`` or ``safe``) and, when the import check runs, the proven one
(:mod:`healthcheck.checks.import_cycle.proof`: every member imported first, with
nothing of its component imported yet; ``crashes`` when one fails with a
circular import, confirmed in a fresh interpreter). The gate
``max_import_cycles`` counts *components* that crash (unsafe ones when nothing
was imported), never enumerated cycles; ordered ones have a gate of their own,
off by default.

Cycles are searched kind by kind: first among runtime edges alone, then adding
deferred ones, then typing ones, so that a runtime cycle is never hidden behind a
shorter cycle that happens to use a typing edge.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, ClassVar, Mapping

from healthcheck.graph import cycles as cycle_algorithms
from healthcheck.checks.base import BaseCheck, CheckContext, CheckResult, DiffSection, FindingKind, GateSpec
from healthcheck.checks.import_cycle import bindings as cycle_bindings
from healthcheck.checks.import_cycle import proof as cycle_proof
from healthcheck.checks.import_cycle import verdict as cycle_verdict
from healthcheck.checks.import_cycle.proof import Crash
from healthcheck.checks.import_cycle.verdict import Access, ComponentVerdict, judge, module_facts
from healthcheck.checks.result_cache import code_digest, load_result, result_key, save_result
from healthcheck.config import OptionSpec
from healthcheck.graph.cycles import min_edges_to_cut, shortest_cycles, strongly_connected
from healthcheck.graph.build import KIND_RANK, ImportGraph
from healthcheck.model import Finding, Related
from healthcheck.parse import Extractor

LAYERS = (("runtime", {"runtime"}), ("deferred", {"runtime", "deferred"}), ("typing", {"runtime", "deferred", "typing"}))
CYCLE_KINDS = LAYERS[-1][1]  # ``main`` imports never run on import: they make no cycle


@lru_cache(maxsize=1)
def _own_code() -> str:
    return code_digest(__file__, cycle_algorithms.__file__, cycle_verdict.__file__, cycle_bindings.__file__)


def _cut_cost(graph: ImportGraph, edge: tuple[str, str]) -> float:
    """Statements to change to remove an edge; an edge that is already lazy costs a little less."""
    sites = graph.sites(*edge)
    lazy = all(s.kind != "runtime" for s in sites)
    return len(sites) - (0.5 if lazy else 0.0)


def _breakers_on(graph: ImportGraph, edges: list[dict[str, Any]], kind: str,
                 component: list[dict[str, str]]) -> list[dict[str, str]]:
    """The cuts that break this cycle: the component's own that lie on it, else its cheapest edge of the
    cycle's kind. The component's cuts are chosen among its runtime edges when it has runtime cycles, so a
    deferred cycle beside them may hold none of them (pyparsing: every deferred cycle was told to cut
    ``pyparsing.helpers -> pyparsing``, which is on none of them); advice about another cycle is no advice."""
    on_cycle = [(str(e["importer"]), str(e["imported"])) for e in edges]
    found = [b for b in component if (b["importer"], b["imported"]) in on_cycle]
    if found:
        return found
    weakest = [(str(e["importer"]), str(e["imported"])) for e in edges if e["kind"] == kind] or on_cycle
    importer, imported = min(weakest, key=lambda edge: _cut_cost(graph, edge))
    return [{"importer": importer, "imported": imported, "how": how_to_cut(graph, importer, imported)}]


def how_to_cut(graph: ImportGraph, importer: str, imported: str) -> str:
    """Advice for removing one edge, from what the edge is."""
    kind = graph.edge_kind(importer, imported)
    if kind == "typing":  # under TYPE_CHECKING already: whatever the modules, nothing runs it
        return ("only type checkers follow this import (it is under TYPE_CHECKING): nothing runs it, so imports "
                "work as they are; no change is needed unless a typing-cycle gate asks for none")
    if (importer, imported) not in graph.edges:
        via = graph.implied[(importer, imported)][0].implied_by
        return (
            f"importing {via} runs the package {imported}'s __init__ first: import what is needed from a module "
            f"outside {imported}, or make {imported}'s __init__ import less"
        )
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
    if kind == "deferred":
        return ("the import runs only when its function is called, after both modules have loaded, so imports work "
                "as they are; to remove the cycle, move the symbol both modules need into a third module that "
                "imports neither")
    return (
        "move the import into the function that uses it, or under 'if TYPE_CHECKING:' "
        "if only annotations use it, or move the symbol to a module lower in the layering"
    )


class ImportCycleCheck(BaseCheck):
    name: ClassVar[str] = "import-cycle"
    order: ClassVar[int] = 30
    kinds: ClassVar[tuple[FindingKind, ...]] = (
        FindingKind("import-cycle", "Modules import each other in a cycle.", "what-it-checks", rank=1,
                    diff=DiffSection("cycles", "import cycles", removed=True)),
    )
    gates: ClassVar[tuple[GateSpec, ...]] = (
        GateSpec(
            "max_import_cycles", "import_cycle_verdicts.failing", "<=", 0,
            help="components with a runtime cycle that crashes (statically unsafe when nothing is imported)",
            retired=("import_cycles.runtime",),  # enumerated runtime cycles, before it counted components
        ),
        GateSpec("max_ordered_import_cycles", "import_cycle_verdicts.ordered", "<=", None,
                 help="components with a runtime cycle that works only by the present order of statements"),
        GateSpec("max_runtime_import_cycles", "import_cycle_components_by_kind.runtime", "<=", None,
                 help="components with any runtime cycle, whatever its verdict"),
        GateSpec("max_deferred_import_cycles", "import_cycle_components_by_kind.deferred", "<=", None,
                 retired=("import_cycles.deferred",)),
        GateSpec("max_typing_import_cycles", "import_cycle_components_by_kind.typing", "<=", None,
                 retired=("import_cycles.typing",)),
    )
    options: ClassVar[Mapping[str, OptionSpec]] = {
        "max_cycles_per_component": OptionSpec(int, 50, "cycles listed per strongly connected component", low=1),
    }
    extractors: ClassVar[tuple[Extractor, ...]] = (
        Extractor(cycle_verdict.BINDINGS, cycle_bindings.extract),
    )

    def run(self, ctx: CheckContext) -> CheckResult:
        limit = int(ctx.option(self.name, "max_cycles_per_component"))
        if cycle_proof.wanted(ctx):  # what importing shows depends on the interpreter, not on the graph alone
            return self._compute(ctx, limit, prove=True)
        key = result_key(
            [_own_code(), str(limit)]
            + [
                f"{a}>{b}:{s.path}:{s.line}:{s.kind}:{s.text}:{s.implied_by}"
                for (a, b), sites in sorted(ctx.graph.sites_map(implied=True).items())
                for s in sites
            ]
            + [f"{f.module}:{f.sha}" for f in ctx.facts]
        )
        cached = load_result(ctx.cache_dir, self.name, key)
        if cached is not None:
            return cached
        result = self._compute(ctx, limit, prove=False)
        save_result(ctx.cache_dir, self.name, key, result)
        return result

    def _compute(self, ctx: CheckContext, limit: int, prove: bool) -> CheckResult:
        graph = ctx.graph
        all_succ = graph.successor_map(CYCLE_KINDS, implied=True)
        components = strongly_connected(graph.modules, all_succ)
        component_of = {m: i for i, comp in enumerate(components, start=1) for m in comp}
        breakers = self._breakers(graph, components)
        runtime = strongly_connected(graph.modules, graph.successor_map({"runtime"}, implied=True))
        facts = module_facts(ctx.facts, (m for comp in runtime for m in comp))
        static = {i: judge(comp, facts, graph.modules) for i, comp in enumerate(runtime)}
        proof = cycle_proof.prove(ctx, runtime) if prove else None
        runtime_of = {m: i for i, comp in enumerate(runtime) for m in comp}

        counts = {"runtime": 0, "deferred": 0, "typing": 0}
        by_kind: dict[str, set[int]] = {"runtime": set(), "deferred": set(), "typing": set()}
        seen: set[tuple[str, ...]] = set()
        result = CheckResult()
        for kind, kinds in LAYERS:
            succ = graph.successor_map(kinds, implied=True)
            for n, comp in enumerate(strongly_connected(graph.modules, succ)):
                for cycle in shortest_cycles(comp, succ, limit=limit):
                    if cycle in seen:
                        continue
                    seen.add(cycle)
                    counts[kind] += 1
                    by_kind[kind].add(n)
                    verdict: dict[str, Any] = {}
                    if kind == "runtime":
                        r = runtime_of[cycle[0]]
                        verdict = _cycle_verdict(cycle, static[r], proof.crashes.get(r) if proof else None,
                                                 proof is not None and r in proof.proven)
                    result.findings.append(
                        self._finding(graph, cycle, kind, kinds, component_of[cycle[0]], breakers, verdict)
                    )
        result.metrics["import_cycles"] = counts
        result.metrics["import_cycle_components"] = len(components)
        result.metrics["import_cycle_components_by_kind"] = {k: len(v) for k, v in by_kind.items()}
        result.metrics["import_cycle_verdicts"] = _verdict_counts(static, proof)
        judged = "static" if proof is None else f"imported first: {proof.detail}"
        result.detail = f"{len(runtime)} runtime components ({judged})" if runtime else ""
        return result

    def _breakers(self, graph: ImportGraph, components: list[list[str]]) -> dict[int, list[dict[str, str]]]:
        """Per component, the fewest edges to cut: among runtime edges when runtime cycles exist."""
        out: dict[int, list[dict[str, str]]] = {}
        for i, comp in enumerate(components, start=1):
            members = set(comp)
            for _kind, kinds in LAYERS:
                succ = {
                    a: [b for b in bs if b in members]
                    for a, bs in graph.successor_map(kinds, implied=True).items() if a in members
                }
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
        verdict: dict[str, Any],
    ) -> Finding:
        edges: list[dict[str, Any]] = []
        related: list[Related] = []
        for i, importer in enumerate(cycle):
            imported = cycle[(i + 1) % len(cycle)]
            sites = sorted(
                (s for s in graph.sites(importer, imported) if s.kind in kinds),
                key=lambda s: (KIND_RANK[s.kind], s.line),
            )
            site = sites[0]
            edge: dict[str, Any] = {
                "importer": importer, "imported": imported, "path": site.path,
                "line": site.line, "text": site.text, "kind": site.kind,
            }
            how = f"{site.kind}, through {site.implied_by}" if site.implied_by else site.kind
            if site.implied_by:
                edge["implied_by"] = site.implied_by
            edges.append(edge)
            related.append(Related(site.path, site.line, f"{importer} imports {imported} ({how}): {site.text}"))
        chain = " -> ".join(list(cycle) + [cycle[0]])
        data: dict[str, Any] = {
            "modules": sorted(cycle),
            "kind": kind,
            "edges": edges,
            "component": component,
            "breakers": _breakers_on(graph, edges, kind, breakers.get(component, [])),
        }
        data.update(verdict)
        crash = verdict.get("crash")
        if crash is not None:
            moved = (str(crash["importer"]), str(crash["imported"]))
            if moved in graph.sites_map(implied=True):
                crash["how"] = how_to_cut(graph, *moved)
            if crash["path"] and crash["line"]:
                related.append(Related(crash["path"], crash["line"],
                                       f"raises {crash['exception']} when {crash['entry']} is imported first"))
        message = f"{kind} import cycle: {chain}"
        severity = "error" if kind == "runtime" else ("warning" if kind == "deferred" else "info")
        if verdict:
            message += _verdict_words(verdict)
            severity = "error" if verdict["verdict"] in ("crashes", "unsafe") else "warning"
        return Finding.create(
            "import-cycle",
            message,
            key=f"{kind}:{'>'.join(cycle)}",
            path=edges[0]["path"],
            line=edges[0]["line"],
            severity=severity,  # type: ignore[arg-type]
            related=tuple(related),
            data=data,
        )


def _cycle_edges(cycle: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(a, cycle[(i + 1) % len(cycle)]) for i, a in enumerate(cycle)]


def _access_data(access: Access) -> dict[str, Any]:
    return {
        "entry": access.entry, "importer": access.importer, "imported": access.imported,
        "name": access.name, "path": access.path, "line": access.line,
    }


def _cycle_verdict(
    cycle: tuple[str, ...], static: ComponentVerdict, crash: Crash | None, proven: bool
) -> dict[str, Any]:
    """The verdict fields of one runtime cycle: what its own edges do, the proof's word first."""
    edges = _cycle_edges(cycle)
    accesses = [a for e in edges for a in static.on_edge(*e)]
    failing = [a for a in accesses if a.fatal]
    static_word = "unsafe" if failing else ("ordered" if accesses else "safe")
    out: dict[str, Any] = {"static_verdict": static_word, "judged_by": "static"}
    if failing:
        out["unbound"] = _access_data(failing[0])
    elif accesses:
        out["ordered_by"] = _access_data(accesses[0])
    final = static_word
    if crash is not None and (crash.edge in edges or crash.partial in cycle):
        final = "crashes"
        out["crash"] = crash.to_data()
        out["judged_by"] = "import"
    elif proven:
        final = "ordered" if static_word == "unsafe" else static_word  # it imports from every entry
        out["judged_by"] = "import"
    out["verdict"] = final
    return out


def _verdict_words(verdict: dict[str, Any]) -> str:
    word = verdict["verdict"]
    if word == "crashes":
        crash = verdict["crash"]
        return f" (crashes when {crash['entry']} is imported first: {crash['exception']}: {crash['message']})"
    if word == "unsafe":
        u = verdict["unbound"]
        return (
            f" (unsafe: importing {u['entry']} first, {u['importer']} asks the half-initialised {u['imported']} "
            f"for {u['name']} at {u['path']}:{u['line']} before it is bound)"
        )
    if word == "ordered":
        o = verdict.get("ordered_by")
        where = f": {o['importer']} gets {o['name']} from {o['imported']} only because it is bound first" if o else ""
        return f" (works only by the present order of statements{where})"
    return " (safe: no module asks a half-initialised one for a name while it is imported)"


def _verdict_counts(static: Mapping[int, ComponentVerdict], proof: cycle_proof.Proof | None) -> dict[str, int]:
    """Runtime components by their worst verdict; ``failing`` is what the default gate counts."""
    counts = {"crashes": 0, "unsafe": 0, "ordered": 0, "safe": 0}
    for i, verdict in static.items():
        word: str = verdict.verdict
        if proof is not None and i in proof.crashes:
            word = "crashes"
        elif proof is not None and i in proof.proven and word == "unsafe":
            word = "ordered"
        counts[word] += 1
    # A component the proof could not settle (a member that did not import for another reason) keeps its
    # static verdict, so "unsafe" still counts after a proof.
    failing = counts["crashes"] + counts["unsafe"]
    return {**counts, "failing": failing, "proven": len(proof.proven) + len(proof.crashes) if proof else 0}
