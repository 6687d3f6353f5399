"""Copied code: stretches of lines that are the same code under other names, in one file or across files.

Every file contributes its *units* (one per line of code, names and literals
normalised; see :mod:`.extract`). Lines that are only brackets or a lone
keyword are left out of the comparison, so that they neither make a clone long
enough nor break one. All files' units are laid end to end in one sequence, a
unique sentinel closing each file, and then:

1. **seeds**: every run of ``seed`` consecutive units is hashed, data lines
   (table rows, settings, fields, decorators) by their text as written and code
   by its shape; runs that occur twice or more are candidates (a run made of
   one repeated line is not);
2. **extension**: each candidate pair grows backwards while the units agree and
   forwards across small gaps (a statement added, removed or changed) as long
   as the similarity of the two sides, ``2 * matched / (len_a + len_b)``, stays
   at or above the threshold; a pair within one file never overlaps itself. A
   pair is a copy when the lines it *really* shares (code of the same shape,
   data as written) number at least ``min_lines``; a stretch that is mostly data
   (fewer than a third of its lines code) must also be alike *as written* at the
   threshold: tables of one shape with other values are not copies;
3. **groups**: pairs are joined into one group when their places overlap, so
   three copies make one finding with three places, and a clone nested in a
   bigger one is part of the bigger one's group.

Seeds are half the minimum size, which is what lets a near-miss be found whose
two halves are each shorter than the minimum.
"""

from __future__ import annotations

import bisect
import zlib
from array import array
from collections import Counter, defaultdict
from dataclasses import dataclass
from itertools import repeat
from typing import Iterable, Sequence

from healthcheck.checks.duplicates.extract import DupFacts

_BRIDGES = ((1, 0), (0, 1), (1, 1), (2, 0), (0, 2), (2, 2), (3, 0), (0, 3))  # added, removed, changed
_ALL_PAIRS_UP_TO = 12
_SLACK = 0.15


@dataclass(frozen=True)
class Place:
    """One copy: a range of lines in one file."""

    path: str
    line: int
    end_line: int


@dataclass(frozen=True)
class CloneGroup:
    """Code that appears in two or more places."""

    places: tuple[Place, ...]
    lines: int  # the longest copy, in lines of code
    similarity: float  # the least alike pair in the group, 0..1
    content: int  # a hash of the first copy's normalised units, for a stable identity


@dataclass
class _Units:
    """Every weighted unit of every file, end to end, each file closed by a sentinel."""

    hashes: list[int]
    seeds: list[int]
    file_of: list[int]
    first_line: list[int]
    last_line: list[int]
    sizes: list[int]  # lines of code each unit stands for
    paths: list[str]


def _lay_out(files: Sequence[tuple[str, DupFacts]]) -> _Units:
    units = _Units([], [], [], [], [], [], [])
    for index, (path, facts) in enumerate(files):
        units.paths.append(path)
        units.hashes.extend(facts.hashes)
        units.hashes.append(-1 - index)
        units.seeds.extend(facts.seeds)
        units.seeds.append(-1 - index)
        units.file_of.extend(repeat(index, len(facts.hashes) + 1))
        units.first_line.extend(facts.first_line)
        units.first_line.append(0)
        units.last_line.extend(facts.last_line)
        units.last_line.append(0)
        units.sizes.extend(facts.sizes)
        units.sizes.append(0)
    tail = range(-1 - len(files), -5 - len(files), -1)  # room to look ahead past the end
    units.hashes.extend(tail)
    units.seeds.extend(tail)
    units.file_of.extend(repeat(-1, 4))
    units.first_line.extend(repeat(0, 4))
    units.last_line.extend(repeat(0, 4))
    units.sizes.extend(repeat(0, 4))
    return units


def _seed_buckets(hashes: list[int], seed: int) -> Iterable[list[int]]:
    """Positions whose next ``seed`` units occur elsewhere too, bucketed by content.

    A window that crosses the end of a file (it holds a negative sentinel) or
    repeats one line (a table's rows) starts nothing.
    """
    windows = list(zip(*(hashes[k:] for k in range(seed))))
    counts = Counter(windows)
    repeated = {w for w, n in counts.items() if n > 1 and min(w) >= 0 and max(w) != min(w)}
    buckets: dict[tuple[int, ...], list[int]] = defaultdict(list)
    for pos, window in enumerate(windows):
        if window in repeated:
            buckets[window].append(pos)
    return buckets.values()


def _candidate_pairs(positions: list[int]) -> Iterable[tuple[int, int]]:
    """Every pair of a small bucket; for a large one (a template copied into many files) each
    position with the first and with its neighbour, which connects them all in linear time."""
    n = len(positions)
    if n <= _ALL_PAIRS_UP_TO:
        for i in range(n):
            for j in range(i + 1, n):
                yield positions[i], positions[j]
        return
    first = positions[0]
    for k in range(1, n):
        yield first, positions[k]
        if k > 1:
            yield positions[k - 1], positions[k]


@dataclass(frozen=True)
class _Pair:
    a0: int
    a1: int  # exclusive
    b0: int
    b1: int  # exclusive
    matched: int

    @property
    def similarity(self) -> float:
        return 2 * self.matched / ((self.a1 - self.a0) + (self.b1 - self.b0))


class _Extender:
    """Grows candidate pairs, remembering every aligned pair of units it has walked so that the
    same diagonal, met again from another seed on it, is not grown twice."""

    def __init__(self, units: _Units, threshold: float, min_lines: int) -> None:
        self.units = units
        self.h = units.hashes
        self.threshold = threshold
        self.min_lines = min_lines
        self.visited: set[int] = set()
        self.stride = len(units.hashes)
        self._bridged = (0, 0)

    def extend(self, p: int, q: int) -> _Pair | None:
        """Grow one candidate pair into the largest alike pair of ranges, or None if too small.

        Its size is what is *really* shared: lines of structure (keywords,
        operators) equal after normalising, and data lines equal as written.
        Data lines of the same shape only (``name: str`` against ``line: int``)
        may sit inside a copy but do not make one long enough.
        """
        h, seeds, sizes, visited, stride = self.h, self.units.seeds, self.units.sizes, self.visited, self.stride
        if p * stride + q in visited:
            return None
        same_file = self.units.file_of[p] == self.units.file_of[q]
        i, j, matched, weight, same = p, q, 0, 0, 0
        limit = q if same_file else len(h)
        best = (i, j, matched, weight, same)
        while True:
            while i < limit and h[i] == h[j] and h[i] >= 0:
                visited.add(i * stride + j)
                if seeds[i] == seeds[j]:
                    weight += sizes[i]
                    same += 1
                i += 1
                j += 1
                matched += 1
            alike = 2 * matched / ((i - p) + (j - q)) if i > p else 0.0
            if alike >= self.threshold:
                best = (i, j, matched, weight, same)
            # Past a gap, only a range that meets the threshold is kept, but the walk goes on while it
            # is near: two added statements look costly until the lines after them are counted.
            if alike < self.threshold - _SLACK or not self._bridge(i, j, limit):
                break
            i, j = self._bridged
        a1, b1, matched, weight, same = best
        a0, b0 = p, q
        floor_b = a1 if same_file else 0
        while a0 > 0 and b0 - 1 >= floor_b and h[a0 - 1] == h[b0 - 1] and h[a0 - 1] >= 0:
            a0 -= 1
            b0 -= 1
            matched += 1
            visited.add(a0 * stride + b0)
            if seeds[a0] == seeds[b0]:
                weight += sizes[a0]
                same += 1
        if weight < self.min_lines:
            return None
        if 2 * same < self.threshold * ((a1 - a0) + (b1 - b0)) and self._mostly_data(a0, a1):
            return None  # data of the same shape with other values (a table per locale), not a copy
        return _Pair(a0, a1, b0, b1, matched)

    def _mostly_data(self, start: int, end: int) -> bool:
        """Whether fewer than a third of the units are code (compared by shape, their seed their hash):
        the rest are data lines (names, literals, calls), compared as written."""
        h, seeds = self.h, self.units.seeds
        code = sum(1 for k in range(start, end) if seeds[k] == h[k])
        return 3 * code < end - start

    def _bridge(self, i: int, j: int, limit: int) -> bool:
        """Skip a statement added, removed or changed if the two sides agree again right after it."""
        h = self.h
        if h[i] < 0 or h[j] < 0:
            return False  # the end of a file: nothing to bridge to
        for di, dj in _BRIDGES:
            ii, jj = i + di, j + dj
            if ii + 1 >= limit:
                continue
            after = h[ii]
            if after != h[jj] or after < 0 or h[ii + 1] != h[jj + 1] or h[ii + 1] < 0:
                continue
            if (di > 1 and min(h[i + 1 : ii]) < 0) or (dj > 1 and min(h[j + 1 : jj]) < 0):
                continue  # the gap would cross into another file
            self._bridged = (ii, jj)
            return True
        return False


def _group(pairs: list[_Pair]) -> list[list[tuple[int, int, float]]]:
    """Union pairs whose ranges overlap by at least half of the shorter one."""
    ranges: list[tuple[int, int]] = []
    for pair in pairs:
        ranges.append((pair.a0, pair.a1))
        ranges.append((pair.b0, pair.b1))
    parent = list(range(len(ranges)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(x: int, y: int) -> None:
        rx, ry = find(x), find(y)
        if rx != ry:
            parent[ry] = rx

    for k in range(0, len(ranges), 2):
        union(k, k + 1)
    order = sorted(range(len(ranges)), key=lambda k: ranges[k])
    active: list[int] = []
    for k in order:
        start, end = ranges[k]
        active = [a for a in active if ranges[a][1] > start]
        for a in active:
            overlap = min(end, ranges[a][1]) - start
            if overlap * 2 >= min(end - start, ranges[a][1] - ranges[a][0]):
                union(a, k)
        active.append(k)
    groups: dict[int, list[tuple[int, int, float]]] = defaultdict(list)
    for k, (start, end) in enumerate(ranges):
        groups[find(k)].append((start, end, pairs[k // 2].similarity))
    return list(groups.values())


@dataclass(frozen=True)
class CloneResult:
    """The groups, and what the ``duplicated_lines_percent`` metric is made of."""

    groups: list[CloneGroup]
    duplicated_lines: int  # lines of code inside some copy, each counted once
    code_lines: int  # lines of code of every file compared


def find_clones(files: Sequence[tuple[str, DupFacts]], min_lines: int = 6, similarity: float = 0.85) -> CloneResult:
    """Every clone group among ``files`` (path, facts), and how many lines of code they cover."""
    units = _lay_out(files)
    seed = max(2, min_lines // 2)
    extender = _Extender(units, similarity, min_lines)
    pairs: list[_Pair] = []
    for bucket in _seed_buckets(units.seeds, seed):
        for p, q in _candidate_pairs(bucket):
            pair = extender.extend(p, q)
            if pair is not None:
                pairs.append(pair)
    groups: list[CloneGroup] = []
    duplicated: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for members in _group(pairs):
        places = _merge_places(units, members)
        if len(places) < 2:
            continue
        lines = max(sum(units.sizes[s:e]) for s, e, _ in members)
        start, end, _ = min(members)
        content = zlib.crc32(array("I", units.hashes[start:end]).tobytes())
        groups.append(CloneGroup(tuple(places), lines, round(min(s for _, _, s in members), 3), content))
        for place in places:
            duplicated[place.path].append((place.line, place.end_line))
    groups.sort(key=lambda g: (g.places[0].path, g.places[0].line))
    covered = 0
    for path, facts in files:
        for start, end in _merge_ranges(duplicated.get(path, [])):
            first = bisect.bisect_left(facts.first_line, start)
            last = bisect.bisect_right(facts.first_line, end)
            covered += sum(facts.sizes[first:last])
    return CloneResult(groups, covered, sum(facts.code_lines for _, facts in files))


def _merge_places(units: _Units, members: list[tuple[int, int, float]]) -> list[Place]:
    by_file: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for start, end, _ in members:
        by_file[units.file_of[start]].append((units.first_line[start], units.last_line[end - 1]))
    places: list[Place] = []
    for index, ranges in by_file.items():
        for line, end_line in _merge_ranges(ranges):
            places.append(Place(units.paths[index], line, end_line))
    return sorted(places, key=lambda p: (p.path, p.line))


def _merge_ranges(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
