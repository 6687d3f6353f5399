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

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar, Mapping

from healthcheck.check_run import SectionKey
from healthcheck.checks.base import BaseCheck, CheckContext, CheckResult, DiffSection, FindingKind, GateSpec
from healthcheck.checks.duplicates.clones import find_clones
from healthcheck.checks.duplicates.extract import (
    ABSTRACT, CONDITIONAL, OVERLOAD, PROTOCOL, STUB, DupFacts, extract,
)
from healthcheck.checks.duplicates.findings import Uses, clone_finding, implementation_finding
from healthcheck.checks.duplicates.implementations import find_implementations
from healthcheck.checks.duplicates.resolve import Resolver
from healthcheck.checks.result_cache import code_digest, load_result, result_key, save_result
from healthcheck.config import OptionSpec
from healthcheck.errors import UsageError
from healthcheck.parse import Extractor
from healthcheck.regular_file import CONFIG_LIMIT, read_regular_text

CHECK = "duplicates"
# The trees left out of the comparison, with their file counts.
LEFT_OUT: SectionKey[dict[str, list[dict[str, Any]]]] = SectionKey(CHECK)
CONVENTIONAL_NAMES = (
    "main", "setup", "teardown", "setUp", "tearDown", "setUpClass", "tearDownClass",
    "setup_module", "teardown_module", "run", "cli", "Meta", "Migration", "Command", "Config",
)
LEFT_OUT_TREES = (
    "docs", "doc", "examples", "example", "demo", "demos",  # not the project's code
    "vendor", "_vendor", "vendored", "third_party",  # someone else's code, copied in
)
_STRING_FILES = ("pyproject.toml", "setup.cfg")
_ENTRY_POINT = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+(?::[A-Za-z_]\w*)?")


class DuplicatesCheck(BaseCheck):
    name: ClassVar[str] = CHECK
    order: ClassVar[int] = 50
    kinds: ClassVar[tuple[FindingKind, ...]] = (
        FindingKind("duplicate-implementation", "The same thing is implemented more than once.", "duplicates",
                    rank=9, diff=DiffSection("duplicates", "duplicates")),
        FindingKind("duplicate-code", "A block of code is copied.", "duplicates", "warning", rank=10,
                    diff=DiffSection("duplicates", "duplicates")),
    )
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
            (int, float), 0.9, "how alike two same-named definitions must be to be one implementation twice (0..1)"
        ),
        "ignore_names": OptionSpec(list, list(CONVENTIONAL_NAMES), "names that are repeated by convention"),
        "include_tests": OptionSpec(bool, False, "compare test files too"),
        "exclude_trees": OptionSpec(
            list, list(LEFT_OUT_TREES), "folders (by name, at any depth) whose files are not compared: docs, examples, vendored code"
        ),
    }
    extractors: ClassVar[tuple[Extractor, ...]] = (Extractor(CHECK, extract),)

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
    left_out: frozenset[str]

    @classmethod
    def read(cls, ctx: CheckContext) -> _Settings:
        ignored = _names_option(ctx, "ignore_names")
        return cls(
            _int_option(ctx, "min_lines", 2, 10_000),
            _ratio_option(ctx, "similarity"),
            _ratio_option(ctx, "implementation_similarity"),
            frozenset(ignored),
            bool(ctx.option(CHECK, "include_tests")),
            frozenset(_names_option(ctx, "exclude_trees")),
        )


def _names_option(ctx: CheckContext, name: str) -> list[str]:
    value = ctx.option(CHECK, name)
    if not isinstance(value, list) or not all(isinstance(n, str) for n in value):
        raise UsageError(f"[tool.healthcheck.{CHECK}] {name} must be a list of strings")
    return value


def _compute(ctx: CheckContext, settings: _Settings) -> CheckResult:
    files, unread, left_out = _compared_files(ctx, settings)
    result = CheckResult()
    clones = find_clones([(path, facts) for path, _, facts in files], settings.min_lines, settings.code_similarity)
    result.findings.extend(clone_finding(g) for g in clones.groups)
    percent = 100.0 * clones.duplicated_lines / clones.code_lines if clones.code_lines else 0.0

    skip = OVERLOAD | ABSTRACT | PROTOCOL | CONDITIONAL | STUB
    packages = {s.module for s in ctx.project.by_rel().values() if s.is_package}
    groups = find_implementations(
        files, Resolver(files, packages), settings.implementation_similarity, settings.ignored, skip
    )
    uses = _uses(ctx)
    result.findings.extend(implementation_finding(g, uses) for g in groups)
    errors = sum(1 for g in groups if g.severity == "error")

    result.metrics["duplicate_implementations"] = errors
    result.metrics["duplicated_lines_percent"] = round(percent, 2)
    result.sections.put(LEFT_OUT, {"left_out": [{"tree": t, "files": n} for t, n in sorted(left_out.items())]})
    moved = len(groups) - errors
    result.detail = (
        f"{errors} duplicate implementation(s)"
        + (f" and {moved} to move into a base class" if moved else "")
        + f"; {len(clones.groups)} copied block(s), {clones.duplicated_lines} of {clones.code_lines} lines of code"
        + (f"; {unread} file(s) could not be compared" if unread else "")
        + (f"; left out: {', '.join(f'{t}/ ({n} files)' for t, n in sorted(left_out.items()))}" if left_out else "")
    )
    return result


def _result_key(ctx: CheckContext, settings: _Settings) -> str:
    """Everything the result depends on: every file's content key, what is a test, the settings, the code."""
    by_rel = ctx.project.by_rel()
    chosen = (
        settings.min_lines, settings.code_similarity, settings.implementation_similarity,
        sorted(settings.ignored), settings.include_tests, sorted(settings.left_out),
    )  # not repr(settings): a frozenset's order changes from one process to the next
    files = (
        f"{f.rel}\0{f.sha}\0{source.is_test if (source := by_rel.get(f.rel)) else '?'}" for f in ctx.parsed()
    )
    strings = [_read(ctx.root / name) for name in _STRING_FILES]
    return result_key([_own_code(), repr(chosen), *strings, *files])


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


def _compared_files(
    ctx: CheckContext, settings: _Settings
) -> tuple[list[tuple[str, str, DupFacts]], int, dict[str, int]]:
    """(path, module, facts) of every file to compare, how many of them the extractor could not read, and
    how many files each left-out tree (docs, examples) held."""
    by_rel = ctx.project.by_rel()
    out: list[tuple[str, str, DupFacts]] = []
    unread = 0
    left_out: dict[str, int] = {}
    for facts in ctx.parsed():
        source = by_rel.get(facts.rel)
        if source is None or (source.is_test and not settings.include_tests):
            continue
        tree = next((part for part in facts.rel.split("/")[:-1] if part in settings.left_out), None)
        if tree is not None:
            left_out[tree] = left_out.get(tree, 0) + 1
            continue
        drawn = facts.extra.get(CHECK)
        if isinstance(drawn, DupFacts):
            out.append((facts.rel, facts.module, drawn))
        else:
            unread += 1
    return out, unread, left_out


def _read(path: Path) -> str:
    try:
        return read_regular_text(path, CONFIG_LIMIT, errors="replace")
    except OSError:
        return ""


def _uses(ctx: CheckContext) -> Uses:
    """Every import by name and of a module, and every dotted path written in a string or an entry point."""
    by_name: dict[tuple[str, str], set[str]] = {}
    for facts in ctx.parsed():
        for fact in facts.imports:
            for name in fact.names:
                by_name.setdefault((fact.module, name), set()).add(facts.module)
    as_module: dict[str, set[str]] = {}
    for importer, imported in ctx.graph.edges:
        as_module.setdefault(imported, set()).add(importer)
    strings: set[str] = set()
    for facts in ctx.parsed():
        drawn = facts.extra.get(CHECK)
        if isinstance(drawn, DupFacts):
            strings.update(drawn.dotted)
    for name in _STRING_FILES:
        strings.update(_ENTRY_POINT.findall(_read(ctx.root / name)))
    return Uses(by_name, as_module, frozenset(strings))
