"""One parse per file, in parallel, cached by content hash: the facts every static check reads.

Parsing is the expensive part of a static scan, so it happens exactly once per
file per scan, in a pool of processes, and its result is kept in a cache keyed
by the file's content (plus its module name, which relative imports depend on).
An unchanged repository re-scans from the cache without parsing anything.

What is kept is not the syntax tree (too large to cache or send between
processes) but *facts* drawn from it while it is alive:

- whether it parses at all, and where it does not;
- every import statement, resolved to an absolute module, with its line, text
  and *kind*: ``runtime`` (module level or class body), ``deferred`` (inside a
  function), ``typing`` (under ``if TYPE_CHECKING:``) or ``main`` (under
  ``if __name__ == "__main__":``, which runs only when the file is a script);
- the names reported as undefined: by ruff (:mod:`healthcheck.undefined_names`),
  one process beside the parse workers, or by pyflakes' own checker run on the
  tree we already have where ruff is absent or cannot read the file;
- whatever registered :class:`Extractor` functions draw from the tree (the
  duplicates check adds its definitions and clone fingerprints this way).

A file that cannot be read or parsed (NUL bytes, bad encoding, nesting deep
enough to exhaust the parser) gets a :class:`SyntaxProblem` and no other facts;
the scan goes on with the rest.
"""

from __future__ import annotations

import ast
import hashlib
import io
import os
import sys
import tokenize
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Literal, Mapping, Sequence

from healthcheck.cache_store import read_pickle, write_pickle
from healthcheck.code_key import code_key
from healthcheck.undefined_names import NameProblem, RuffRun, by_pyflakes, by_pyflakes_from_text, ruff_binary
from healthcheck.project import SourceFile
from healthcheck.shape import Checker, Mismatch, record_classes

ImportKind = Literal["runtime", "deferred", "typing", "main"]

@dataclass(frozen=True)
class Extractor:
    """A function that draws check-specific facts from a parsed tree.

    ``fn(tree, lines, module)`` runs in a worker process, so it must be a
    module-level function, and must return something picklable. The source of
    its module, and of what that module imports from its own package, is part
    of the cache key (:mod:`healthcheck.code_key`): change the code and the
    facts it drew are drawn again.
    """

    name: str
    fn: Callable[[ast.Module, Sequence[str], str], Any]


@dataclass(frozen=True)
class SyntaxProblem:
    """Why a file has no facts."""

    message: str
    line: int | None
    column: int | None
    kind: str  # "syntax", "encoding", "nul", "recursion", "unreadable"


@dataclass(frozen=True)
class ImportFact:
    """One imported module as written in one statement."""

    module: str  # absolute; "" if a relative import climbs above the top package
    names: tuple[str, ...]  # for ``from m import a, b``: ("a", "b"); empty for ``import m``
    line: int
    text: str
    kind: ImportKind
    level: int = 0


@dataclass(frozen=True)
class FileFacts:
    """Everything the static checks know about one file."""

    rel: str
    module: str
    sha: str
    lines: int
    syntax: SyntaxProblem | None = None
    imports: tuple[ImportFact, ...] = ()
    undefined: tuple[NameProblem, ...] | None = ()  # None: the names engine failed on this file
    extra: Mapping[str, Any] = field(default_factory=dict)
    names_by: str = "pyflakes"  # which engine answered for undefined names

    @property
    def parsed(self) -> bool:
        return self.syntax is None


@dataclass
class ParseStats:
    """How the parse went, for the report and the benchmarks."""

    files: int = 0
    parsed: int = 0
    from_cache: int = 0
    workers: int = 1
    names_engine: str = "pyflakes"
    names_error: str | None = None


def content_key(data: bytes, source: SourceFile) -> str:
    h = hashlib.sha1(data)
    h.update(b"\0" + source.module.encode() + (b"\0pkg" if source.is_package else b"\0mod"))
    return h.hexdigest()


def _is_type_checking(test: ast.expr) -> bool:
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    if isinstance(test, ast.Attribute):
        return test.attr == "TYPE_CHECKING"
    return False


def _is_main_guard(test: ast.expr) -> bool:
    """``__name__ == "__main__"``, either way round: the body runs only when the file is run as a script."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)):
        return False
    sides = [test.left, test.comparators[0]]
    named = any(isinstance(s, ast.Name) and s.id == "__name__" for s in sides)
    main = any(isinstance(s, ast.Constant) and s.value == "__main__" for s in sides)
    return named and main


def _resolve(module: str | None, level: int, current: str, is_package: bool) -> str:
    if level == 0:
        return module or ""
    parts = current.split(".") if current else []
    if not is_package:
        parts = parts[:-1]
    if level - 1 > len(parts):
        return ""
    base = parts[: len(parts) - (level - 1)]
    if module:
        base = base + module.split(".")
    return ".".join(base)


class _ImportCollector:
    """Walks a tree once, remembering whether each import runs at import time."""

    def __init__(self, lines: Sequence[str], module: str, is_package: bool) -> None:
        self.lines = lines
        self.module = module
        self.is_package = is_package
        self.found: list[ImportFact] = []

    def text(self, node: ast.stmt) -> str:
        start = node.lineno - 1
        end = getattr(node, "end_lineno", node.lineno) or node.lineno
        snippet = " ".join(line.strip() for line in self.lines[start:end])
        return snippet[:200]

    def visit(self, nodes: Iterable[ast.AST], kind: ImportKind) -> None:
        stack: list[tuple[ast.AST, ImportKind]] = [(n, kind) for n in reversed(list(nodes))]
        while stack:
            node, k = stack.pop()
            if isinstance(node, ast.Import):
                for alias in node.names:
                    self.found.append(ImportFact(alias.name, (), node.lineno, self.text(node), k))
            elif isinstance(node, ast.ImportFrom):
                target = _resolve(node.module, node.level, self.module, self.is_package)
                names = tuple(a.name for a in node.names)
                self.found.append(ImportFact(target, names, node.lineno, self.text(node), k, node.level))
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                inner: ImportKind = k if k in ("typing", "main") else "deferred"
                stack.extend((child, inner) for child in reversed(node.body))
            elif isinstance(node, ast.If) and _is_main_guard(node.test):
                stack.extend((child, k) for child in reversed(node.orelse))
                stack.extend((child, "main") for child in reversed(node.body))
            elif isinstance(node, ast.If) and _is_type_checking(node.test):
                stack.extend((child, k) for child in reversed(node.orelse))
                stack.extend((child, "typing") for child in reversed(node.body))
            else:
                # Only statements hold imports: descend into the bodies of compound
                # statements and skip expressions, which are most of a large file.
                for name in _BODY_FIELDS:
                    body = getattr(node, name, None)
                    if body:
                        stack.extend((child, k) for child in reversed(body))


_BODY_FIELDS = ("cases", "finalbody", "handlers", "orelse", "body")


def _decode(data: bytes) -> tuple[str | None, SyntaxProblem | None]:
    if b"\0" in data:
        nul_line = data[: data.index(b"\0")].count(b"\n") + 1
        return None, SyntaxProblem("source contains a NUL byte", nul_line, None, "nul")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        text = data.decode(encoding)
    except SyntaxError as exc:
        return None, SyntaxProblem(f"bad encoding declaration: {exc.msg}", exc.lineno or 1, None, "encoding")
    except (UnicodeDecodeError, LookupError) as exc:
        line: int | None = None
        if isinstance(exc, UnicodeDecodeError):
            line = data[: exc.start].count(b"\n") + 1
        return None, SyntaxProblem(f"cannot decode source: {exc}", line, None, "encoding")
    if text.startswith("\ufeff"):
        text = text[1:]
    return text, None


def parse_one(
    source: SourceFile, data: bytes, sha: str, extractors: Sequence[Extractor], ruff_names: bool = False
) -> FileFacts:
    """Parse one file and draw every fact from its tree. Never raises.

    With ``ruff_names`` the undefined names are left for ruff, unless the file is
    not UTF-8 (which ruff cannot read): then pyflakes answers here.
    """
    line_count = data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)
    text, problem = _decode(data)
    if text is None:
        return FileFacts(source.rel, source.module, sha, line_count, syntax=problem)
    try:
        tree = ast.parse(text, filename=source.rel, type_comments=False)
    except SyntaxError as exc:
        msg = exc.msg or "invalid syntax"
        return FileFacts(
            source.rel, source.module, sha, line_count,
            syntax=SyntaxProblem(msg, exc.lineno, exc.offset, "syntax"),
        )
    except (RecursionError, MemoryError):
        return FileFacts(
            source.rel, source.module, sha, line_count,
            syntax=SyntaxProblem("too deeply nested for the Python parser", None, None, "recursion"),
        )
    except ValueError as exc:
        return FileFacts(
            source.rel, source.module, sha, line_count,
            syntax=SyntaxProblem(str(exc), None, None, "syntax"),
        )
    lines = text.splitlines()
    collector = _ImportCollector(lines, source.module, source.is_package)
    extra: dict[str, Any] = {}
    try:
        collector.visit(tree.body, "runtime")
        utf8 = _is_utf8(data)
        names_by = "ruff" if ruff_names and utf8 else "pyflakes"
        undefined = () if names_by == "ruff" else by_pyflakes(tree, source.rel)
        for extractor in extractors:
            extra[extractor.name] = extractor.fn(tree, lines, source.module)
    except RecursionError:
        return FileFacts(
            source.rel, source.module, sha, line_count,
            syntax=SyntaxProblem("too deeply nested to analyse", None, None, "recursion"),
        )
    return FileFacts(
        source.rel, source.module, sha, line_count,
        imports=tuple(collector.found), undefined=undefined, extra=extra, names_by=names_by,
    )


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _parse_batch(
    batch: list[tuple[SourceFile, bytes, str]], extractors: Sequence[Extractor], ruff_names: bool = False
) -> list[FileFacts]:
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 3000))
    return [parse_one(src, data, sha, extractors, ruff_names) for src, data, sha in batch]


class FactsCache:
    """A single pickle of {content key: FileFacts}, rewritten atomically after a scan.

    One file rather than one per source file: loading 900 entries from one
    pickle costs a few milliseconds; opening 900 files costs far more. The file
    is read back with :mod:`healthcheck.cache_store`'s allow-list (the classes
    of :class:`FileFacts` and of what each extractor declares it returns) and
    every entry is checked against those classes' type hints before it is used:
    an entry that fails is parsed again, like one that was never cached.
    """

    def __init__(self, directory: Path | None, extractors: Sequence[Extractor], engine: str = "pyflakes") -> None:
        self.directory = directory
        code = code_key(__name__, *(e.fn.__module__ for e in extractors))  # this parse's code and the extractors'
        sig = ",".join(e.name for e in extractors) + f"|names={engine}"
        tag = hashlib.sha1(f"{code}|{sys.version_info[:2]}|{sig}".encode()).hexdigest()[:12]
        self.path = directory / f"facts-{tag}.pickle" if directory else None
        self.allowed = record_classes([FileFacts, *(_returns(e) for e in extractors)])
        self.entries: dict[str, FileFacts] = {}
        self.dirty = False

    def load(self) -> None:
        if self.path is None:
            return
        loaded = read_pickle(self.path, self.allowed)
        if type(loaded) is not dict:
            return
        checker = Checker(self.allowed)
        for key, facts in loaded.items():
            if type(key) is str and type(facts) is FileFacts and facts.sha == key and _valid(checker, facts):
                self.entries[key] = facts
        self.dirty = len(self.entries) != len(loaded)

    def save(self, keep: Iterable[str]) -> None:
        if self.path is None or not self.dirty:
            return
        assert self.directory is not None
        wanted = set(keep)
        entries = {k: v for k, v in self.entries.items() if k in wanted}
        if write_pickle(self.path, entries):
            gitignore = self.directory / ".gitignore"
            if not gitignore.exists():
                try:
                    gitignore.write_text("*\n")
                except OSError:
                    pass  # an unwritable cache only costs speed next time


def _returns(extractor: Extractor) -> Any:
    """The return hint of an extractor's function: the classes its facts may hold in the cache."""
    try:
        return typing.get_type_hints(extractor.fn).get("return", Any)
    except Exception:  # an unresolvable hint: its facts may then hold plain data only
        return Any


def _valid(checker: Checker, facts: FileFacts) -> bool:
    try:
        checker.check(facts, FileFacts)
    except (Mismatch, RecursionError):
        return False
    return True


def _unreadable(source: SourceFile, exc: OSError) -> FileFacts:
    reason = exc.strerror or str(exc)
    return FileFacts(
        source.rel, source.module, "", 0,
        syntax=SyntaxProblem(f"cannot be read: {reason}", None, None, "unreadable"),
    )


def parse_project(
    files: Sequence[SourceFile],
    extractors: Sequence[Extractor] = (),
    cache_dir: Path | None = None,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[list[FileFacts], ParseStats]:
    """Facts for every file, from the cache where the content is unchanged."""
    ruff = ruff_binary()
    engine = "ruff" if ruff else "pyflakes"
    cache = FactsCache(cache_dir, extractors, engine)
    cache.load()
    stats = ParseStats(files=len(files), names_engine=engine)
    results: dict[str, FileFacts] = {}
    todo: list[tuple[SourceFile, bytes, str]] = []
    keys: list[str] = []
    for src in files:
        try:
            data = src.path.read_bytes()
        except OSError as exc:
            results[src.rel] = _unreadable(src, exc)
            continue
        key = content_key(data, src)
        keys.append(key)
        hit = cache.entries.get(key)
        if hit is not None and hit.rel == src.rel:
            results[src.rel] = hit
            stats.from_cache += 1
        else:
            todo.append((src, data, key))

    stats.parsed = len(todo)
    if todo:
        cache.dirty = True
        run = RuffRun(ruff, [src.path for src, _, _ in todo]).start() if ruff else None
        n_workers = workers or min(os.cpu_count() or 1, 8)
        if n_workers <= 1 or len(todo) < 32:
            parsed = _parse_batch(todo, extractors, run is not None)
            stats.workers = 1
        else:
            stats.workers = n_workers
            parsed = _parse_in_pool(todo, extractors, n_workers, progress, run is not None)
        if run is not None:
            parsed = _merge_ruff(todo, parsed, run, stats)
        for (src, _data, key), facts in zip(todo, parsed):
            results[src.rel] = facts
            if facts.undefined is not None:
                cache.entries[key] = facts
    cache.save(keys)
    ordered = [results[f.rel] for f in files]
    return ordered, stats


def _merge_ruff(
    todo: list[tuple[SourceFile, bytes, str]], parsed: list[FileFacts], run: RuffRun, stats: ParseStats
) -> list[FileFacts]:
    """Put ruff's answers into the facts of the files it answered for.

    Ruff was started on every file before any was parsed. When it fails (it can
    overflow its stack on pathologically nested code, which Python's own parser
    rejects too), it runs again on the files that parsed; if that fails as well,
    pyflakes answers for those files, at the price of parsing them again: a slow
    path for a rare case, never a silent gap.
    """
    from dataclasses import replace

    by_path: dict[str, tuple[NameProblem, ...]] | None = None
    try:
        by_path = run.results()
    except (RuntimeError, OSError, ValueError):
        wanted = [src.path for (src, _d, _k), f in zip(todo, parsed) if f.parsed and f.names_by == "ruff"]
        try:
            by_path = RuffRun(run.binary, wanted, run.timeout).start().results()
        except (RuntimeError, OSError, ValueError) as exc:
            stats.names_error = str(exc)
    merged: list[FileFacts] = []
    for (src, data, _key), facts in zip(todo, parsed):
        if facts.parsed and facts.names_by == "ruff":
            if by_path is not None:
                facts = replace(facts, undefined=by_path.get(str(src.path), ()))
            else:
                facts = replace(facts, undefined=_pyflakes_only(data, src.rel), names_by="pyflakes")
        merged.append(facts)
    return merged


def _pyflakes_only(data: bytes, rel: str) -> tuple[NameProblem, ...] | None:
    text, _problem = _decode(data)
    return None if text is None else by_pyflakes_from_text(text, rel)


def _parse_in_pool(
    todo: list[tuple[SourceFile, bytes, str]],
    extractors: Sequence[Extractor],
    n_workers: int,
    progress: Callable[[int, int], None] | None,
    ruff_names: bool = False,
) -> list[FileFacts]:
    # Interleave by size so each batch costs about the same; many small batches keep both cores busy.
    order = sorted(range(len(todo)), key=lambda i: -len(todo[i][1]))
    n_batches = max(n_workers * 4, 1)
    batches: list[list[int]] = [[] for _ in range(n_batches)]
    for pos, idx in enumerate(order):
        batches[pos % n_batches].append(idx)
    out: list[FileFacts | None] = [None] * len(todo)
    done = 0
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    ctx = multiprocessing.get_context("fork") if sys.platform != "win32" else None
    with ProcessPoolExecutor(max_workers=n_workers, mp_context=ctx) as pool:
        futures = [
            (batch, pool.submit(_parse_batch, [todo[i] for i in batch], extractors, ruff_names))
            for batch in batches
            if batch
        ]
        for batch, future in futures:
            for idx, facts in zip(batch, future.result()):
                out[idx] = facts
            done += len(batch)
            if progress:
                progress(done, len(todo))
    return [f for f in out if f is not None]
