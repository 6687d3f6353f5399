"""Duplicate implementations: one class or function written twice, in two modules, nearly alike.

Candidates come from the definitions the extractor recorded: top-level classes
and functions grouped by name, and methods of same-named classes grouped by
``Class.method``. Most same-named definitions are not duplicates (a plug-in's
``DatabaseWrapper`` per backend, a ``Command`` per management command), so a
group is reported only where bodies are alike.

Likeness is measured on lines: each line of a body with strings as ``N``,
spaces dropped, and the definition's *own* names (parameters, variables it
assigns, loop and ``with`` targets) as ``N``, so that renaming locals changes
nothing while a different attribute, call or class member does. It is the
ratio of :class:`difflib.SequenceMatcher` on the two line sequences. Only the
few definitions that share a name are compared, so their source is read then,
not carried through the parse cache for every definition of every file.

Which copy to keep is decided by the import graph: the copy whose name other
modules import (``from m import Name``) is the one the project uses; a copy
nobody imports, by name or as a module, is the one to delete.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path
from typing import Hashable, Iterable, Sequence

from healthcheck.checks.duplicates.extract import Definition, DupFacts, without_literals

_PARAMS = re.compile(rb"\bdef\s+\w+\s*\((.*?)\)\s*(?:->[^:]*)?:", re.S)
_PARAM_NAME = re.compile(rb"(?:^|[(,])\s*\**\s*([A-Za-z_]\w*)")
_ASSIGNED = re.compile(rb"^([ \t]*)((?:[A-Za-z_]\w*[ \t]*,[ \t]*)*[A-Za-z_]\w*)[ \t]*(?::[^=\n]*)?=(?!=)", re.M)
_LOOP = re.compile(rb"\bfor\s+([\w\s,()*]+?)\s+in\b")
_AS = re.compile(rb"\bas\s+([A-Za-z_]\w*)")
_IDENT = re.compile(rb"[A-Za-z_]\w*")
_TOKEN = re.compile(rb"\.[ \t]*[A-Za-z_]\w*|[A-Za-z_]\w*|[^\s\w]|\w+")  # ".attr" stays whole: not a local


@dataclass(frozen=True)
class Located:
    """One definition in one module, and the facts of its file."""

    path: str
    module: str
    definition: Definition
    facts: DupFacts

    def units(self) -> tuple[int, ...]:
        """The normalised lines of code of the definition (from the parse, no source needed)."""
        first = bisect.bisect_left(self.facts.first_line, self.definition.line)
        last = bisect.bisect_right(self.facts.first_line, self.definition.end_line)
        return self.facts.hashes[first:last]


@dataclass
class ImplementationGroup:
    """Alike definitions of one name in two or more modules."""

    name: str
    kind: str
    members: list[Located]
    similarity: float  # the least alike linked pair, 0..1


def _local_names(text: bytes, is_class: bool) -> set[bytes]:
    """Names a definition binds for itself; for a class, its methods' (not its own attributes)."""
    found: set[bytes] = set()
    for params in _PARAMS.findall(text):
        found.update(_PARAM_NAME.findall(params))
    attribute_indent = _body_indent(text) if is_class else -1
    for match in _ASSIGNED.finditer(text):
        if len(match.group(1).expandtabs()) != attribute_indent:
            found.update(_IDENT.findall(match.group(2)))
    for targets in _LOOP.findall(text):
        found.update(_IDENT.findall(targets))
    found.update(_AS.findall(text))
    return found


def _body_indent(text: bytes) -> int:
    """The indentation of a class's own statements: the least one deeper than its first line."""
    lines = [line.expandtabs() for line in text.split(b"\n") if line.strip()]
    if not lines:
        return -1
    outer = len(lines[0]) - len(lines[0].lstrip())
    deeper = [len(line) - len(line.lstrip()) for line in lines[1:]]
    return min((d for d in deeper if d > outer), default=-1)


def body_lines(raw_lines: Sequence[bytes], definition: Definition) -> list[bytes]:
    """The definition's lines with its own names as ``N`` and spaces removed (blank ones dropped)."""
    text = without_literals(b"\n".join(raw_lines[definition.line - 1 : definition.end_line]))
    local = _local_names(text, definition.kind == "class")
    out: list[bytes] = []
    for line in text.split(b"\n"):
        tokens = [b"N" if t in local else t for t in _TOKEN.findall(line)]
        if tokens:
            out.append(b"".join(tokens))
    return out


def similarity(a: Sequence[Hashable], b: Sequence[Hashable], threshold: float = 0.0) -> float:
    """``SequenceMatcher.ratio``, or a bound on it when that bound is already below ``threshold``."""
    if not a and not b:
        return 1.0
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    bound = matcher.real_quick_ratio()
    if bound < threshold:
        return bound
    bound = matcher.quick_ratio()
    if bound < threshold:
        return bound
    return matcher.ratio()


class SourceCache:
    """Source files read on demand (only those holding a candidate), split into lines."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.lines: dict[str, list[bytes]] = {}

    def get(self, path: str) -> list[bytes]:
        if path not in self.lines:
            try:
                data = (self.root / path).read_bytes()
            except OSError:
                data = b""
            self.lines[path] = data.replace(b"\r\n", b"\n").split(b"\n")
        return self.lines[path]


def _components(n: int, edges: Iterable[tuple[int, int]]) -> list[list[int]]:
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        parent[find(b)] = find(a)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    return [g for g in groups.values() if len(g) > 1]


def alike_groups(
    candidates: Sequence[Located], sources: SourceCache, threshold: float
) -> list[tuple[list[Located], float]]:
    """Split same-named definitions into groups of alike bodies from different modules."""
    units = [Counter(c.units()) for c in candidates]
    sizes = [sum(u.values()) for u in units]
    bodies: dict[int, list[bytes]] = {}

    def body(i: int) -> list[bytes]:
        if i not in bodies:
            bodies[i] = body_lines(sources.get(candidates[i].path), candidates[i].definition)
        return bodies[i]

    edges: list[tuple[int, int]] = []
    scores: dict[tuple[int, int], float] = {}
    for i in range(len(candidates)):
        for j in range(i + 1, len(candidates)):
            if candidates[i].module == candidates[j].module:
                continue
            # The normalised units (names erased) are a cheap first sieve; the bodies decide.
            if sizes[i] + sizes[j] and 2 * sum((units[i] & units[j]).values()) < threshold * (sizes[i] + sizes[j]):
                continue
            score = similarity(body(i), body(j), threshold)
            if score >= threshold:
                edges.append((i, j))
                scores[(i, j)] = score
    out: list[tuple[list[Located], float]] = []
    for component in _components(len(candidates), edges):
        members = set(component)
        least = min(s for (i, j), s in scores.items() if i in members and j in members)
        out.append(([candidates[i] for i in sorted(component)], round(least, 3)))
    return out


def find_implementations(
    files: Sequence[tuple[str, str, DupFacts]],
    sources: SourceCache,
    threshold: float,
    ignored: frozenset[str],
    skip_flags: int,
) -> list[ImplementationGroup]:
    """Every group of alike definitions sharing a name across modules.

    ``files`` are (path, module, facts) of the files to compare; a definition
    carrying any of ``skip_flags`` (overload, abstract, protocol, conditional,
    stub) or a name in ``ignored`` (or a dunder) is never a candidate.
    """
    by_name: dict[tuple[str, str], list[Located]] = {}
    for path, module, facts in files:
        for d in facts.definitions:
            owner, _, short = d.name.rpartition(".")
            dunder = len(short) > 4 and short.startswith("__") and short.endswith("__")
            if d.flags & skip_flags or short in ignored or owner in ignored or dunder:
                continue
            by_name.setdefault((d.kind, d.name), []).append(Located(path, module, d, facts))
    shared = {
        key: located for key, located in by_name.items()
        if len(located) > 1 and len({x.module for x in located}) > 1
    }
    groups: list[ImplementationGroup] = []
    reported_classes: set[tuple[str, str]] = set()
    for kind in ("class", "function", "method"):
        for (k, name), located in sorted(item for item in shared.items() if item[0][0] == kind):
            if kind == "method":
                cls = name.partition(".")[0]
                located = [x for x in located if (x.module, cls) not in reported_classes]
                if len({x.module for x in located}) < 2:
                    continue
            for members, score in alike_groups(located, sources, threshold):
                groups.append(ImplementationGroup(name, kind, members, score))
                if kind == "class":
                    reported_classes.update((m.module, name) for m in members)
    return groups
