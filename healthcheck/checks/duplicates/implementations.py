"""Duplicate implementations: one class or function written twice, in two modules, behaving alike.

Every definition arrives encoded by the extractor (:mod:`.identity`): one hash per logical line, with its own
names and its state on ``self`` numbered, literals as written, and the free names it takes from its module
listed. Two definitions are one implementation when

- their encodings are equal, or alike at ``threshold`` (the ratio of :class:`difflib.SequenceMatcher` on the
  two line sequences) under the same name, and
- every free name both use means the same thing in both modules (:class:`.resolve.Resolver`): the same
  import target, the same code, the same constant; never two modules' own state;
- neither class inherits from the other (an override is not a copy).

Classes come first. Two classes are one class twice when their encodings match, or when at least
``CLASS_SHARE`` of their methods are the same code (a class copied under another name, its attributes and
parameters renamed): one finding for the class, with the share of matching methods and the renames. Methods
of classes not reported whole are grouped next (same code under one method name, or alike under one
``Class.method``); the same methods of one pair of classes make one finding for the pair, listing them, and
methods of sibling classes of one project base are one ``info`` finding: move them into the base. Functions
match by equal code under any name, or alike under one name.

Definitions with equal encodings and meanings are one *representative* before anything is compared pairwise,
so the work grows with the number of distinct bodies, not with the number of copies.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Hashable, Iterable, Literal, Sequence

from healthcheck.checks.duplicates.extract import TRIVIAL, Definition, DupFacts
from healthcheck.checks.duplicates.resolve import Resolver, code_hash

_RENAMES_LISTED = 6
# A body that warns it is deprecated is on its way out: nobody merges code before deleting it.
_DEPRECATION = re.compile(r"\w*(?:Deprecat|Removed)\w*Warning")
RENAMED_MIN_LINES = 4  # logical lines, the signature included, a copy under another name must have
CLASS_SHARE = 0.8  # methods (the same code) two classes must share, over the larger's, to be one class twice
RENAMED_CLASS_MIN_LINES = 10  # the same for a class (a header and two stored parameters match too often)


@dataclass(frozen=True)
class Located:
    """One definition in one module."""

    path: str
    module: str
    definition: Definition

    @property
    def owner(self) -> str:
        """``module.Class`` of a class or of a method's class."""
        return f"{self.module}.{self.definition.name.partition('.')[0]}"


@dataclass
class ImplementationGroup:
    """Alike definitions in two or more modules."""

    name: str
    kind: str  # "class", "function", "method"
    members: list[Located]
    similarity: float  # the least alike linked pair, 0..1
    names: tuple[str, ...] = ()  # every name the copies go by, when more than one
    base: str | None = None  # methods of sibling classes: the common base to move them into
    methods: tuple[str, ...] = ()  # a class pair sharing only some methods: those
    share: float | None = None  # classes: methods that match over methods of the larger class
    renames: tuple[str, ...] = ()  # "self.table -> self.networks"
    severity: Literal["error", "info"] = "error"


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


class _Union:
    def __init__(self) -> None:
        self.parent: dict[int, int] = {}
        self.score: dict[int, float] = {}

    def find(self, x: int) -> int:
        parent = self.parent
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def join(self, a: int, b: int, score: float) -> None:
        ra, rb = self.find(a), self.find(b)
        least = min(self.score.get(ra, 1.0), self.score.get(rb, 1.0), score)
        self.parent[rb] = ra
        self.score[ra] = least

    def components(self) -> list[tuple[list[int], float]]:
        groups: dict[int, list[int]] = {}
        for x in list(self.parent):
            groups.setdefault(self.find(x), []).append(x)
        return [(sorted(m), round(self.score.get(r, 1.0), 3)) for r, m in groups.items() if len(m) > 1]


@dataclass
class _Finder:
    located: list[Located]
    resolver: Resolver
    threshold: float
    keys: dict[int, int] = field(default_factory=dict)

    def key(self, i: int, state: bool = True) -> int:
        """Equal for two definitions that are the same code meaning the same things. With ``state``, a
        method's attributes on ``self`` must have the same names too: renamed state makes a class a copy
        only as a whole (two ``initialize_options`` setting four other options to None are not one)."""
        found = self.keys.get(i * 2 + state)
        if found is None:
            d, module = self.located[i].definition, self.located[i].module
            meanings = tuple(self.resolver.meaning(module, n) for n in d.free)
            name = d.name if d.kind != "method" and self.short(d) else ""  # short bodies match under one name
            attrs = d.attrs if state else ()
            found = self.keys[i * 2 + state] = hash((d.kind, name, code_hash(d.code), meanings, attrs))
        return found

    @staticmethod
    def short(d: Definition) -> bool:
        """Too short to be taken for a copy under another name."""
        return len(d.code) < (RENAMED_CLASS_MIN_LINES if d.kind == "class" else RENAMED_MIN_LINES)

    def representatives(self, indices: Iterable[int], union: _Union) -> list[int]:
        """One index per distinct key; the others are joined to it (same code, score 1). A short method
        joins only the same method of a class of the same name."""
        first: dict[tuple[int, str], int] = {}
        for i in indices:
            d = self.located[i].definition
            owner = d.name.partition(".")[0] if d.kind == "method" and self.short(d) else ""
            rep = first.setdefault((self.key(i), owner), i)
            if rep != i and self.allowed(rep, i):
                union.join(rep, i, 1.0)
        return list(first.values())

    def allowed(self, i: int, j: int) -> bool:
        a, b = self.located[i], self.located[j]
        if a.module == b.module:
            return False
        return a.definition.kind == "function" or not self.resolver.related(a.owner, b.owner)

    def alike(self, i: int, j: int) -> float:
        """How alike two definitions' code is, 0 if their shared free names mean different things."""
        a, b = self.located[i], self.located[j]
        if not self.allowed(i, j):
            return 0.0
        if not self.resolver.same_meaning((a.module, a.definition.free), (b.module, b.definition.free)):
            return 0.0
        if a.definition.kind == "method" and any(x != y for x, y in zip(a.definition.attrs, b.definition.attrs)):
            return 0.0  # the same code on other state: see key()
        if a.definition.shape == b.definition.shape:
            return 0.0  # the same code with other literals: a variant (per backend, per locale), not a copy
        return similarity(a.definition.code, b.definition.code, self.threshold)

    def near(self, reps: Sequence[int], by: dict[str, list[int]], union: _Union) -> None:
        """Join representatives of one name whose code is alike at the threshold."""
        for members in by.values():
            for x, i in enumerate(members):
                for j in members[x + 1 :]:
                    score = self.alike(i, j)
                    if score >= self.threshold:
                        union.join(i, j, score)


def find_implementations(
    files: Sequence[tuple[str, str, DupFacts]],
    resolver: Resolver,
    threshold: float,
    ignored: frozenset[str],
    skip_flags: int,
) -> list[ImplementationGroup]:
    """Every group of definitions implemented twice (see the module docstring).

    A definition carrying any of ``skip_flags`` (overload, abstract, protocol, conditional, stub), a trivial
    body (one line), a name in ``ignored`` or a dunder name is never reported.
    """
    located = [Located(path, module, d) for path, module, facts in files for d in facts.definitions]
    finder = _Finder(located, resolver, threshold)
    eligible = [i for i, x in enumerate(located) if _eligible(x.definition, skip_flags | TRIVIAL, ignored)]
    methods_of: dict[str, list[int]] = {}
    for i, x in enumerate(located):
        if x.definition.kind == "method":
            methods_of.setdefault(x.owner, []).append(i)
    classes = [i for i in eligible if located[i].definition.kind == "class"]
    class_groups = _class_groups(finder, classes, methods_of)
    whole = {located[i].owner for g in class_groups for i in g[0]}
    methods = [i for i in eligible if located[i].definition.kind == "method" and located[i].owner not in whole]
    functions = [i for i in eligible if located[i].definition.kind == "function"]
    groups = [_class_group(finder, members, score, methods_of) for members, score in class_groups]
    groups += _method_groups(finder, methods, methods_of)
    groups += [_group(finder, members, score, "function") for members, score in _function_groups(finder, functions)]
    return sorted(groups, key=lambda g: ({"class": 0, "function": 1, "method": 2}[g.kind], g.name, g.members[0].path))


def _eligible(d: Definition, skip: int, ignored: frozenset[str]) -> bool:
    owner, _, short = d.name.rpartition(".")
    dunder = len(short) > 4 and short.startswith("__") and short.endswith("__")
    deprecated = d.kind != "class" and any(_DEPRECATION.fullmatch(n) for n in d.free)
    return not (d.flags & skip or short in ignored or owner in ignored or dunder or deprecated)


def _by_name(finder: _Finder, reps: Iterable[int]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for i in reps:
        out.setdefault(finder.located[i].definition.name, []).append(i)
    return out


def _function_groups(finder: _Finder, functions: list[int]) -> list[tuple[list[int], float]]:
    union = _Union()
    reps = finder.representatives(functions, union)
    finder.near(reps, _by_name(finder, reps), union)
    return union.components()


def _class_groups(finder: _Finder, classes: list[int], methods_of: dict[str, list[int]]) -> list[tuple[list[int], float]]:
    """Classes whose code matches, or alike under one name, or sharing most of their methods."""
    union = _Union()
    reps = finder.representatives(classes, union)
    finder.near(reps, _by_name(finder, reps), union)
    method_keys = {i: {finder.key(m, False) for m in methods_of.get(finder.located[i].owner, [])} for i in reps}
    holders: dict[int, list[int]] = {}
    for i in (i for i in reps if not finder.short(finder.located[i].definition)):
        for m in methods_of.get(finder.located[i].owner, []):
            method = finder.located[m].definition
            if not method.flags & TRIVIAL and not finder.short(method):
                holders.setdefault(finder.key(m, False), []).append(i)
    seen: set[tuple[int, int]] = set()
    for sharing in holders.values():
        for x, i in enumerate(sharing):
            for j in sharing[x + 1 :]:
                if (i, j) in seen or union.find(i) == union.find(j) or not finder.allowed(i, j):
                    continue
                seen.add((i, j))
                share = len(method_keys[i] & method_keys[j]) / max(len(method_keys[i]), len(method_keys[j]))
                if share >= CLASS_SHARE:
                    union.join(i, j, share)
    return union.components()


def _renames(finder: _Finder, a: Located, b: Located, methods_of: dict[str, list[int]]) -> tuple[str, ...]:
    """Own names and self attributes one class's methods use where the other's use others."""
    theirs = {finder.located[m].definition.name.partition(".")[2]: finder.located[m].definition
              for m in methods_of.get(b.owner, [])}
    found: dict[str, None] = {}
    for m in methods_of.get(a.owner, []):
        mine = finder.located[m].definition
        other = theirs.get(mine.name.partition(".")[2])
        if other is None or mine.code != other.code:
            continue
        for x, y in zip(mine.attrs, other.attrs):
            if x != y:
                found[f"self.{x} -> self.{y}"] = None
        for x, y in zip(mine.bound, other.bound):
            if x != y:
                found[f"{x} -> {y}"] = None
    return tuple(found)[:_RENAMES_LISTED]


def _group(finder: _Finder, members: list[int], score: float, kind: str) -> ImplementationGroup:
    located = [finder.located[i] for i in members]
    names = tuple(dict.fromkeys(x.definition.name for x in located))
    return ImplementationGroup(names[0], kind, located, score, names if len(names) > 1 else ())


def _class_group(
    finder: _Finder, members: list[int], score: float, methods_of: dict[str, list[int]]
) -> ImplementationGroup:
    group = _group(finder, members, score, "class")
    first, second = group.members[0], group.members[1]
    keys = [{finder.key(m, False) for m in methods_of.get(x.owner, [])} for x in (first, second)]
    group.share = round(len(keys[0] & keys[1]) / max(len(keys[0]), len(keys[1]), 1), 3) if any(keys) else 1.0
    group.renames = _renames(finder, first, second, methods_of)
    return group


def _method_groups(finder: _Finder, methods: list[int], methods_of: dict[str, list[int]]) -> list[ImplementationGroup]:
    union = _Union()
    reps = finder.representatives(methods, union)
    finder.near(reps, _by_name(finder, reps), union)
    by_classes: dict[tuple[str, ...], list[tuple[list[int], float]]] = {}
    for members, score in union.components():
        owners = tuple(sorted({finder.located[i].owner for i in members}))
        by_classes.setdefault(owners, []).append((members, score))
    out: list[ImplementationGroup] = []
    for owners, parts in sorted(by_classes.items()):
        base = finder.resolver.common_base(owners)
        if len(parts) == 1:
            group = _group(finder, *parts[0], "method")
        else:  # some methods of the same classes: one finding for the classes, listing the methods
            members = sorted({i for m, _ in parts for i in m})
            first_of = {finder.located[i].owner: i for i in members}
            located = [finder.located[i] for i in sorted(first_of.values())]
            names = tuple(dict.fromkeys(x.definition.name.partition(".")[0] for x in located))
            group = ImplementationGroup(
                names[0], "class", located, min(s for _, s in parts), names if len(names) > 1 else ()
            )
            group.methods = tuple(sorted({finder.located[i].definition.name.partition(".")[2] for i in members}))
            sizes = [len(methods_of.get(o, [])) for o in owners]
            group.share = round(len(group.methods) / max(sizes), 3)
        if base is not None:
            group.base, group.severity = base, "info"
        out.append(group)
    return out
