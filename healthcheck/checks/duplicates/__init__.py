"""``duplicate-implementation`` and ``duplicate-code``: what was written twice.

Both findings come from one check because both read the same facts, drawn by
:mod:`.extract` during the shared parse: the definitions of every file and its
lines of code normalised (names and literals replaced). :mod:`.implementations`
finds a class or function defined again in another module with a body alike;
:mod:`.clones` finds stretches of code that are the same under other names,
anywhere. The gates are ``max_duplicate_implementations`` (default 0) and
``max_duplicated_lines_percent`` (default 3, lines of code inside a copy over
all lines of code of the non-test files).

The result is a function of the facts and the settings alone, so it is kept in
the cache folder under a key of every file's content key, the settings and the
check's own source: an unchanged repository re-scans without comparing anything
again.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar, Mapping, Sequence

from healthcheck.checks.base import BaseCheck, CheckContext, CheckResult, GateSpec
from healthcheck.checks.duplicates.clones import CloneGroup, find_clones
from healthcheck.checks.duplicates.extract import (
    ABSTRACT, CONDITIONAL, OVERLOAD, PROTOCOL, STUB, DupFacts, extract,
)
from healthcheck.checks.duplicates.implementations import ImplementationGroup, SourceCache, find_implementations
from healthcheck.checks.result_cache import code_digest, load_result, result_key, save_result
from healthcheck.config import OptionSpec
from healthcheck.errors import UsageError
from healthcheck.model import Finding, Related
from healthcheck.parse import Extractor

CHECK = "duplicates"
EXTRACTOR_VERSION = 3  # bump when what extract() draws from the same file changes
CONVENTIONAL_NAMES = (
    "main", "setup", "teardown", "setUp", "tearDown", "setUpClass", "tearDownClass",
    "setup_module", "teardown_module", "run", "cli", "Meta", "Migration", "Command", "Config",
)
_LISTED = 3


class DuplicatesCheck(BaseCheck):
    name: ClassVar[str] = CHECK
    produces: ClassVar[tuple[str, ...]] = ("duplicate-implementation", "duplicate-code")
    gates: ClassVar[tuple[GateSpec, ...]] = (
        GateSpec(
            "max_duplicate_implementations", "duplicate_implementations", "<=", 0,
            help="classes or functions defined, nearly alike, in two or more modules",
        ),
        GateSpec(
            "max_duplicated_lines_percent", "duplicated_lines_percent", "<=", 3, low=0, high=100,
            help="share of the lines of code that are copies",
        ),
    )
    options: ClassVar[Mapping[str, OptionSpec]] = {
        "min_lines": OptionSpec(int, 6, "lines of code a copy must have to count (2 or more)"),
        "similarity": OptionSpec((int, float), 0.85, "how alike two stretches must be to be a copy (0..1)"),
        "implementation_similarity": OptionSpec(
            (int, float), 0.8, "how alike two same-named definitions must be to be one implementation twice (0..1)"
        ),
        "ignore_names": OptionSpec(list, list(CONVENTIONAL_NAMES), "names that are repeated by convention"),
        "include_tests": OptionSpec(bool, False, "compare test files too"),
    }
    extractors: ClassVar[tuple[Extractor, ...]] = (Extractor(CHECK, EXTRACTOR_VERSION, extract),)

    def run(self, ctx: CheckContext) -> CheckResult:
        settings = _Settings.read(ctx)
        key = _result_key(ctx, settings)
        cached = load_result(ctx.cache_dir, CHECK, key)
        if cached is not None:
            return cached
        result = _compute(ctx, settings)
        save_result(ctx.cache_dir, CHECK, key, result)
        return result


@dataclass(frozen=True)
class _Settings:
    min_lines: int
    code_similarity: float
    implementation_similarity: float
    ignored: frozenset[str]
    include_tests: bool

    @classmethod
    def read(cls, ctx: CheckContext) -> _Settings:
        ignored = ctx.option(CHECK, "ignore_names")
        if not all(isinstance(n, str) for n in ignored):
            raise UsageError(f"[tool.healthcheck.{CHECK}] ignore_names must be a list of strings")
        return cls(
            _int_option(ctx, "min_lines", 2, 10_000),
            _ratio_option(ctx, "similarity"),
            _ratio_option(ctx, "implementation_similarity"),
            frozenset(ignored),
            bool(ctx.option(CHECK, "include_tests")),
        )


def _compute(ctx: CheckContext, settings: _Settings) -> CheckResult:
    files, unread = _compared_files(ctx, settings.include_tests)
    result = CheckResult()
    clones = find_clones([(path, facts) for path, _, facts in files], settings.min_lines, settings.code_similarity)
    result.findings.extend(_clone_finding(g) for g in clones.groups)
    percent = 100.0 * clones.duplicated_lines / clones.code_lines if clones.code_lines else 0.0

    skip = OVERLOAD | ABSTRACT | PROTOCOL | CONDITIONAL | STUB
    groups = find_implementations(
        files, SourceCache(ctx.root), settings.implementation_similarity, settings.ignored, skip
    )
    by_name = _name_importers(ctx)
    as_module: dict[str, set[str]] = {}
    for importer, imported in ctx.graph.edges:
        as_module.setdefault(imported, set()).add(importer)
    for group in groups:
        result.findings.append(_implementation_finding(group, by_name, as_module))

    result.metrics["duplicate_implementations"] = len(groups)
    result.metrics["duplicated_lines_percent"] = round(percent, 2)
    result.detail = (
        f"{len(groups)} duplicate implementation(s); {len(clones.groups)} copied block(s), "
        f"{clones.duplicated_lines} of {clones.code_lines} lines of code"
        + (f"; {unread} file(s) could not be compared" if unread else "")
    )
    return result


def _result_key(ctx: CheckContext, settings: _Settings) -> str:
    """Everything the result depends on: every file's content key, what is a test, the settings, the code."""
    by_rel = ctx.project.by_rel()
    chosen = (
        settings.min_lines, settings.code_similarity, settings.implementation_similarity,
        sorted(settings.ignored), settings.include_tests,
    )  # not repr(settings): a frozenset's order changes from one process to the next
    files = (
        f"{f.rel}\0{f.sha}\0{source.is_test if (source := by_rel.get(f.rel)) else '?'}" for f in ctx.parsed()
    )
    return result_key([_own_code(), str(EXTRACTOR_VERSION), repr(chosen), *files])


@lru_cache(maxsize=1)
def _own_code() -> str:
    """This check's own source, digested once: a kept result dies with its code."""
    return code_digest(*sorted(str(p) for p in Path(__file__).parent.glob("*.py")))


def _int_option(ctx: CheckContext, name: str, low: int, high: int) -> int:
    value = ctx.option(CHECK, name)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise UsageError(f"[tool.healthcheck.{CHECK}] {name} must be a whole number from {low} to {high}")
    return value


def _ratio_option(ctx: CheckContext, name: str) -> float:
    value = ctx.option(CHECK, name)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1:
        raise UsageError(f"[tool.healthcheck.{CHECK}] {name} must be a number above 0 and at most 1")
    return float(value)


def _compared_files(ctx: CheckContext, include_tests: bool) -> tuple[list[tuple[str, str, DupFacts]], int]:
    """(path, module, facts) of every file to compare, and how many of them the extractor could not read."""
    by_rel = ctx.project.by_rel()
    out: list[tuple[str, str, DupFacts]] = []
    unread = 0
    for facts in ctx.parsed():
        source = by_rel.get(facts.rel)
        if source is None or (source.is_test and not include_tests):
            continue
        drawn = facts.extra.get(CHECK)
        if isinstance(drawn, DupFacts):
            out.append((facts.rel, facts.module, drawn))
        else:
            unread += 1
    return out, unread


def _where(path: str, line: int, end_line: int) -> str:
    return f"{path}:{line}-{end_line}"


def _clone_finding(group: CloneGroup) -> Finding:
    first, rest = group.places[0], group.places[1:]
    shown = ", ".join(_where(p.path, p.line, p.end_line) for p in group.places[:_LISTED])
    more = f" and {len(group.places) - _LISTED} more" if len(group.places) > _LISTED else ""
    alike = "the same code" if group.similarity >= 1 else f"nearly the same code (similarity {group.similarity:.2f})"
    paths = ",".join(sorted({p.path for p in group.places}))
    return Finding.create(
        "duplicate-code",
        f"{group.lines} lines of {alike} in {len(group.places)} places: {shown}{more}",
        key=f"{group.content:08x}:{paths}",
        path=first.path,
        line=first.line,
        end_line=first.end_line,
        severity="warning",
        related=tuple(Related(p.path, p.line, f"copy, lines {p.line}-{p.end_line}") for p in rest),
        data={
            "locations": [{"path": p.path, "line": p.line, "end_line": p.end_line} for p in group.places],
            "lines": group.lines,
            "similarity": group.similarity,
        },
    )


def _name_importers(ctx: CheckContext) -> dict[tuple[str, str], set[str]]:
    """(module, name) -> the modules that import that name from that module."""
    found: dict[tuple[str, str], set[str]] = {}
    for facts in ctx.parsed():
        for fact in facts.imports:
            for name in fact.names:
                found.setdefault((fact.module, name), set()).add(facts.module)
    return found


def _implementation_finding(
    group: ImplementationGroup, by_name: dict[tuple[str, str], set[str]], as_module: dict[str, set[str]]
) -> Finding:
    imported_name = group.name.partition(".")[0]
    counts: dict[str, tuple[int, int]] = {}
    for member in group.members:
        named = by_name.get((member.module, imported_name), set()) - {member.module}
        moduled = as_module.get(member.module, set()) - {member.module}
        counts[member.module] = (len(named), len(moduled))
    ranked = sorted(group.members, key=lambda m: (-counts[m.module][0], -counts[m.module][1], m.path))
    keep = ranked[0] if counts[ranked[0].module] != (0, 0) else None
    unused = [m.module for m in group.members if counts[m.module] == (0, 0)]
    primary = next((m for m in ranked if m is not keep), ranked[-1])
    modules = sorted(m.module for m in group.members)
    word = {"class": "class", "function": "function", "method": "method"}[group.kind]
    if keep is not None:
        name_count, module_count = counts[keep.module]
        why = f"imported by {name_count}" if name_count else f"its module imported by {module_count}"
        advice = f"keep {keep.module} ({why})"
        if unused:
            advice += f"; nothing imports {', '.join(unused)}"
    else:
        advice = "nothing imports any of them"
    message = (
        f"{word} {group.name} is implemented in {len(group.members)} modules "
        f"(similarity {group.similarity:.2f}): {advice}"
    )
    related = tuple(
        Related(m.path, m.definition.line, _role(m.module, keep.module if keep else None, counts[m.module]))
        for m in ranked
        if m is not primary
    )
    return Finding.create(
        "duplicate-implementation",
        message,
        key=f"{group.kind}:{group.name}:{','.join(modules)}",
        path=primary.path,
        line=primary.definition.line,
        end_line=primary.definition.end_line,
        related=related,
        data=_implementation_data(group, counts, keep.module if keep else None, unused),
    )


def _role(module: str, keep: str | None, count: tuple[int, int]) -> str:
    if module == keep:
        return f"the one the project imports ({count[0]} by name, {count[1]} as a module)"
    if count == (0, 0):
        return "nothing imports this one"
    return f"another copy ({count[0]} by name, {count[1]} as a module)"


def _implementation_data(
    group: ImplementationGroup, counts: dict[str, tuple[int, int]], keep: str | None, unused: Sequence[str]
) -> dict[str, Any]:
    return {
        "name": group.name,
        "kind": group.kind,
        "similarity": group.similarity,
        "locations": [
            {
                "path": m.path, "line": m.definition.line, "end_line": m.definition.end_line,
                "module": m.module, "imported_by": counts[m.module][0], "module_importers": counts[m.module][1],
            }
            for m in group.members
        ],
        "keep": keep,
        "unused": list(unused),
    }
