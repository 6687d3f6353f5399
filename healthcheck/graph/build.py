"""The project's import graph, built from the shared parse rather than by a second one.

grimp builds the same graph from source, but raises on the first file that
does not parse; built here from :mod:`healthcheck.parse` facts, the graph simply
lacks the broken file's outgoing imports and every other edge is still there.
:meth:`ImportGraph.to_grimp` hands the result to grimp (and so to import-linter)
when a check wants their algorithms.

An edge remembers every statement that makes it, with the statement's kind:
``runtime`` edges execute while the importer is being imported, which is what
makes "partially initialized module" errors possible; ``deferred``, ``typing``
and ``main`` (under ``if __name__ == "__main__":``, and every import of a
``__main__.py``, which is an entry point, never imported) edges do not.

Importing ``a.b.c`` runs ``a/__init__.py`` and ``a/b/__init__.py`` first, when
they are not running already, so every import also *implies* edges to the
imported module's parent packages (:attr:`ImportGraph.implied`). They are kept
apart from the written edges: layer contracts, diffs and the duplicates check
speak of the imports people wrote; the cycle check asks for both
(``successor_map(kinds, implied=True)``), because a cycle can close through a
parent package's ``__init__`` that nobody imported by name.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Sequence

from healthcheck.parse import FileFacts, ImportFact, ImportKind

KIND_RANK: dict[str, int] = {"runtime": 0, "deferred": 1, "typing": 2, "main": 3}
ALL_KINDS = frozenset(KIND_RANK)


@dataclass(frozen=True)
class EdgeSite:
    """One statement that makes an import edge."""

    path: str
    line: int
    text: str
    kind: ImportKind
    implied_by: str = ""  # for an implied edge to a parent package: the module the statement imports


@dataclass(frozen=True)
class Unresolved:
    """An import of a project module that does not exist."""

    importer: str
    path: str
    module: str
    fact: ImportFact


@dataclass
class ImportGraph:
    """Modules of the project and the imports between them."""

    modules: set[str] = field(default_factory=set)
    paths: dict[str, str] = field(default_factory=dict)
    edges: dict[tuple[str, str], list[EdgeSite]] = field(default_factory=dict)
    implied: dict[tuple[str, str], list[EdgeSite]] = field(default_factory=dict)
    external: dict[str, set[str]] = field(default_factory=dict)
    unresolved: list[Unresolved] = field(default_factory=list)
    top_level: set[str] = field(default_factory=set)
    _successor_maps: dict[tuple[frozenset[str], bool], dict[str, list[str]]] = field(
        default_factory=dict, repr=False, compare=False
    )

    def successor_map(self, kinds: Iterable[str] = ALL_KINDS, implied: bool = False) -> dict[str, list[str]]:
        """Each module's imports, over the edges made by at least one statement of the given kinds
        (with ``implied``, the edges to parent packages too).

        Computed once per set of kinds: the cycle check asks for the same maps many times.
        """
        key = (frozenset(kinds), implied)
        succ = self._successor_maps.get(key)
        if succ is None:
            succ = {}
            for (importer, imported), sites in sorted(self.sites_map(implied).items()):
                if any(site.kind in key[0] for site in sites):
                    succ.setdefault(importer, []).append(imported)
            self._successor_maps[key] = succ
        return succ

    def sites_map(self, implied: bool = False) -> dict[tuple[str, str], list[EdgeSite]]:
        """The written edges, or the written and the implied ones together (a written edge keeps its sites)."""
        if not implied:
            return self.edges
        merged = dict(self.implied)
        merged.update(self.edges)
        return merged

    def sites(self, importer: str, imported: str) -> list[EdgeSite]:
        """The statements behind an edge, written or implied."""
        return self.edges.get((importer, imported)) or self.implied[(importer, imported)]

    def without_typing_imports(self) -> ImportGraph:
        """The same graph with the statements under ``if TYPE_CHECKING:`` left out."""
        edges = {
            edge: [s for s in sites if s.kind != "typing"]
            for edge, sites in self.edges.items()
            if any(s.kind != "typing" for s in sites)
        }
        return replace(self, edges=edges, _successor_maps={})

    def edge_kind(self, importer: str, imported: str) -> ImportKind:
        """The strongest kind among the statements making an edge (runtime beats deferred beats typing)."""
        sites = self.sites(importer, imported)
        best = min(sites, key=lambda s: KIND_RANK[s.kind])
        return best.kind

    def to_grimp(self) -> Any:
        """The same graph as a ``grimp.ImportGraph`` (for import-linter and grimp's algorithms)."""
        import grimp

        g = grimp.ImportGraph()
        for module in sorted(self.modules):
            g.add_module(module)
        for importer, ext in self.external.items():
            for name in ext:
                g.add_module(name, is_squashed=True)
                g.add_import(importer=importer, imported=name)
        for (importer, imported), sites in self.edges.items():
            for site in sites:
                g.add_import(
                    importer=importer, imported=imported, line_number=site.line, line_contents=site.text
                )
        return g


def _resolve_target(fact: ImportFact, modules: set[str]) -> list[str]:
    """The project modules one import statement reaches."""
    targets: list[str] = []
    if fact.names:
        for name in fact.names:
            sub = f"{fact.module}.{name}" if fact.module else name
            if sub in modules:
                targets.append(sub)
            elif fact.module in modules:
                targets.append(fact.module)
    elif fact.module in modules:
        targets.append(fact.module)
    return sorted(set(targets))


def build_graph(
    facts: Sequence[FileFacts], package_roots: Iterable[str], compiled: Iterable[str] = ()
) -> ImportGraph:
    """The graph of every file; ``package_roots`` are the project's top-level names.

    A file that does not parse is still a module (importing it is not an import of
    something missing); it just has no outgoing edges. ``compiled`` are the
    project's modules without Python source (a C extension with its stub):
    importing one is not an import of something missing either.
    """
    provided = frozenset(compiled)
    graph = ImportGraph()
    graph.top_level = set(package_roots)
    for f in facts:
        graph.modules.add(f.module)
        graph.paths[f.module] = f.rel
    # Parents of every module are modules too (namespace packages have no file of their own).
    for module in list(graph.modules):
        parts = module.split(".")
        for i in range(1, len(parts)):
            graph.modules.add(".".join(parts[:i]))
    scripts = _unimported_entry_points(facts, graph.modules)
    for f in facts:
        for fact in f.imports:
            top = fact.module.split(".")[0] if fact.module else ""
            if fact.level and not fact.module:
                graph.unresolved.append(Unresolved(f.module, f.rel, "." * fact.level, fact))
                continue
            if top not in graph.top_level:
                if top:
                    graph.external.setdefault(f.module, set()).add(top)
                continue
            targets = _resolve_target(fact, graph.modules)
            if fact.module not in graph.modules and fact.module not in provided and not (not fact.names and targets):
                graph.unresolved.append(Unresolved(f.module, f.rel, fact.module, fact))
            kind: ImportKind = "main" if f.module in scripts else fact.kind
            for target in targets:
                if target == f.module:
                    continue
                site = EdgeSite(f.rel, fact.line, fact.text, kind)
                graph.edges.setdefault((f.module, target), []).append(site)
                for parent in implied_parents(f.module, target):
                    implied = EdgeSite(f.rel, fact.line, fact.text, kind, implied_by=target)
                    graph.implied.setdefault((f.module, parent), []).append(implied)
    return graph


def _unimported_entry_points(facts: Sequence[FileFacts], modules: set[str]) -> set[str]:
    """The ``__main__`` modules that run only as programs (``python -m pkg``).

    One that a library module imports at run time (``from pkg import __main__``)
    does run on import, so its imports keep their kinds.
    """
    mains = {f.module for f in facts if f.module.rpartition(".")[2] == "__main__"}
    for f in facts:
        if f.module in mains:
            continue
        for fact in f.imports:
            if fact.kind == "runtime" and mains:
                mains.difference_update(_resolve_target(fact, modules))
    return mains


def implied_parents(importer: str, target: str) -> list[str]:
    """The parent packages an import of ``target`` may run, outermost first.

    The importer's own ancestors are left out: they started running before the
    importer did, so importing through them never runs them.
    """
    parts = target.split(".")
    own = importer.split(".")
    out: list[str] = []
    for i in range(1, len(parts)):
        parent = ".".join(parts[:i])
        if own[:i] != parts[:i] and parent != importer:
            out.append(parent)
    return out
