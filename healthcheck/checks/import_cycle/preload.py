"""What the cycle proof's fork server may import before it forks the children that import a component's members.

A member is imported *first* when no module of its component has been imported
yet. Everything else its import runs can be done once, beforehand, if doing it
cannot enter the component: the modules the component's members import
(following runtime edges, and the parent package every import of a submodule
runs first) minus every module with a path back into the component. That is
everything the members need from outside the component, and nothing they do
not need. The order is dependencies first, the order the import check uses.

A static graph can miss an import (one made by name at run time), so the fork
server also refuses the component's modules while it preloads and starts over
without any module that asked for one (``healthcheck/in_target/forkserver.py``).
"""

from __future__ import annotations

from typing import Collection, Mapping, Sequence

from healthcheck.checks.import_job import dependency_order
from healthcheck.graph.cycles import reachable, reversed_map


def with_parents(succ: Mapping[str, Sequence[str]], modules: Collection[str]) -> dict[str, list[str]]:
    """The runtime successor map plus an edge from every module to its parent package (importing ``a.b`` runs
    ``a`` first)."""
    out = {module: list(nexts) for module, nexts in succ.items()}
    for module in modules:
        parent = module.rpartition(".")[0]
        if parent:
            out.setdefault(module, []).append(parent)
    return out


def preload_for(component: Collection[str], succ: Mapping[str, Sequence[str]],
                importable: Collection[str]) -> list[str]:
    """The importable modules below ``component`` that cannot enter it, dependencies first (``succ`` from
    :func:`with_parents`)."""
    below = reachable(component, succ)
    entering = reachable(component, reversed_map(succ))
    chosen = [m for m in below - entering if m in importable]
    return dependency_order(chosen, succ)
