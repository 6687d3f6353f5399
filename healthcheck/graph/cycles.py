"""Graph algorithms for import cycles: components, smallest cycles, fewest edges to cut.

Kept apart from the check that reports them because they know nothing about
findings: they take a successor map and return module lists and edge sets.

- :func:`strongly_connected` is Tarjan's algorithm, iterative so that a deep
  import chain cannot exhaust Python's recursion limit.
- :func:`shortest_cycles` finds, for every edge of a component, the shortest
  cycle through it (a breadth-first search back from its head). Every edge of a
  component lies on some cycle, so this covers every edge with the smallest
  cycles first, and it is bounded by the number of edges rather than by the
  (exponential) number of elementary cycles.
- :func:`min_edges_to_cut` is a minimum feedback arc set: exact for small
  components (try every set of 1, 2, 3 edges), greedy beyond (repeatedly cut the
  edge that lies on most remaining cycles).
"""

from __future__ import annotations

from collections import deque
from itertools import combinations
from typing import Callable, Iterable, Mapping, Sequence

Edge = tuple[str, str]
Succ = Mapping[str, Sequence[str]]


def strongly_connected(nodes: Iterable[str], succ: Succ) -> list[list[str]]:
    """Components of two or more nodes, each sorted, in a stable order."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []
    counter = 0
    for start in sorted(nodes):
        if start in index:
            continue
        work: list[tuple[str, int]] = [(start, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            children = succ.get(node, ())
            recurse = False
            while i < len(children):
                child = children[i]
                i += 1
                if child not in index:
                    work.append((node, i))
                    work.append((child, 0))
                    recurse = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if recurse:
                continue
            if work and work[-1][0] != node:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                comp: list[str] = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == node:
                        break
                if len(comp) > 1:
                    out.append(sorted(comp))
    return sorted(out, key=lambda c: (c[0], len(c)))


def _restricted(succ: Succ, members: set[str], removed: set[Edge] | None = None) -> dict[str, list[str]]:
    cut = removed or set()
    return {n: [m for m in succ.get(n, ()) if m in members and (n, m) not in cut] for n in members}


def canonical(cycle: Sequence[str]) -> tuple[str, ...]:
    """A cycle rotated to start at its smallest module, so each has one spelling."""
    i = min(range(len(cycle)), key=lambda k: cycle[k])
    return tuple(cycle[i:]) + tuple(cycle[:i])


def _bfs_parents(succ: Succ, start: str) -> dict[str, str | None]:
    prev: dict[str, str | None] = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for nxt in succ.get(node, ()):
            if nxt not in prev:
                prev[nxt] = node
                queue.append(nxt)
    return prev


def shortest_cycles(component: Sequence[str], succ: Succ, limit: int = 100) -> list[tuple[str, ...]]:
    """The shortest cycle through each edge of a component, deduplicated, smallest first.

    One breadth-first search per node ``b`` answers, for every edge ``a -> b``,
    the shortest way back from ``b`` to ``a``.
    """
    members = set(component)
    local = _restricted(succ, members)
    preds: dict[str, list[str]] = {}
    for a in sorted(local):
        for b in local[a]:
            preds.setdefault(b, []).append(a)
    found: set[tuple[str, ...]] = set()
    for b in sorted(preds):
        prev = _bfs_parents(local, b)
        for a in preds[b]:
            if a not in prev:
                continue
            back: list[str] = []
            node: str | None = a
            while node is not None:
                back.append(node)
                node = prev[node]
            found.add(canonical([a] + back[::-1][:-1]))
    return sorted(found, key=lambda c: (len(c), c))[:limit]


def _acyclic(succ: Succ, members: set[str], removed: set[Edge]) -> bool:
    local = _restricted(succ, members, removed)
    return not strongly_connected(members, local)


def min_edges_to_cut(
    component: Sequence[str],
    succ: Succ,
    cost: Callable[[Edge], float] = lambda edge: 1.0,
    budget: int = 20000,
) -> list[Edge]:
    """Fewest edges whose removal leaves the component without a cycle.

    Among cuts of the same size the cheapest wins, ``cost`` saying what one edge
    costs to remove (the number of import statements behind it, say): the same
    rule grimp's cycle-breaker nomination follows.
    """
    members = set(component)
    local = _restricted(succ, members)
    edges = sorted((a, b) for a in local for b in local[a])
    # A cut must hit every cycle; checking that against the known short cycles first
    # rejects almost every candidate set without the full acyclicity test.
    known = [
        frozenset((c[i], c[(i + 1) % len(c)]) for i in range(len(c)))
        for c in shortest_cycles(component, local, limit=1000)
    ]
    for k in (1, 2, 3):
        n_sets = 1
        for i in range(k):
            n_sets = n_sets * (len(edges) - i) // (i + 1)
        if n_sets > budget:
            break
        working = [
            s
            for s in combinations(edges, k)
            if all(not cycle.isdisjoint(s) for cycle in known) and _acyclic(local, members, set(s))
        ]
        if working:
            return list(min(working, key=lambda s: (sum(cost(e) for e in s), s)))
    return _eades_cut(members, local)


def _eades_cut(members: set[str], succ: Mapping[str, Sequence[str]]) -> list[Edge]:
    """Eades, Lin and Smyth's ordering heuristic, then put back every cut edge that is not needed.

    Order the nodes by repeatedly taking sinks to the back, sources to the front
    and otherwise the node with the largest out-minus-in degree; the edges that
    point backwards in that order break every cycle. Linear in the graph, so it
    copes with components far too large for the exact search.
    """
    out_edges = {n: set(succ.get(n, ())) for n in members}
    in_edges: dict[str, set[str]] = {n: set() for n in members}
    for a, bs in out_edges.items():
        for b in bs:
            in_edges[b].add(a)
    alive = set(members)
    front: list[str] = []
    back: list[str] = []

    def remove(node: str) -> None:
        alive.discard(node)
        for b in out_edges[node]:
            in_edges[b].discard(node)
        for a in in_edges[node]:
            out_edges[a].discard(node)

    while alive:
        changed = True
        while changed:
            changed = False
            for node in sorted(alive):
                if not out_edges[node] & alive:
                    back.append(node)
                    remove(node)
                    changed = True
                elif not in_edges[node] & alive:
                    front.append(node)
                    remove(node)
                    changed = True
        if alive:
            best = max(sorted(alive), key=lambda n: len(out_edges[n] & alive) - len(in_edges[n] & alive))
            front.append(best)
            remove(best)
    position = {n: i for i, n in enumerate(front + back[::-1])}
    cut = sorted((a, b) for a in members for b in succ.get(a, ()) if b in members and position[a] > position[b])
    kept: set[Edge] = set(cut)
    for edge in cut:
        kept.discard(edge)
        if not _acyclic(succ, members, kept):
            kept.add(edge)
    return sorted(kept)


def reachable(starts: Iterable[str], succ: Succ) -> set[str]:
    """Every node reachable from ``starts`` (the starts included)."""
    seen = set(starts)
    todo = list(seen)
    while todo:
        for nxt in succ.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def reversed_map(succ: Succ) -> dict[str, list[str]]:
    """The successor map with every edge turned around (each node's predecessors)."""
    pred: dict[str, list[str]] = {}
    for node, nexts in succ.items():
        for nxt in nexts:
            pred.setdefault(nxt, []).append(node)
    return pred
