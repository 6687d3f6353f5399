"""Where an import goes in a module, the way isort would put it, and how a statement leaves without its comments.

isort's default order: sections (``__future__``, standard library, third party, first party, relative), a
blank line between sections, and inside a section every ``import x`` before every ``from x import y``, each
sorted by module name regardless of case. A new import is put after the last import of the module's leading
import block that sorts before it, so a block isort accepts stays one isort accepts. Comments above a removed
statement stay where they were: they move to the statement that follows.

A guarded import (``try: import x`` / ``except ImportError: x = None``, or ``if sys.version_info ...:``, blocks
of nothing but imports and assignments) belongs to the import block without being part of a sorted run: isort
sorts each run of plain imports between such blocks on its own. A new import goes into the run that already
holds imports of its section (the first one, when none does), never inside a guarded block, and never below a
guarded block that uses the name it binds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import libcst as cst

from healthcheck.fix.cst_text import parse, spans, statement_at

Section = Callable[[str, int], int]
Statement = cst.SimpleStatementLine | cst.BaseCompoundStatement  # what a module body holds


def dotted(node: cst.BaseExpression) -> str:
    """``a.b.c`` for a Name or Attribute chain (the module of an import)."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{dotted(node.value)}.{node.attr.value}"
    raise ValueError("not a dotted name")


def import_of(stmt: cst.CSTNode) -> cst.Import | cst.ImportFrom | None:
    """The import a statement line holds, when it holds exactly one and nothing else."""
    if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1:
        small = stmt.body[0]
        if isinstance(small, (cst.Import, cst.ImportFrom)):
            return small
    return None


def sort_key(node: cst.Import | cst.ImportFrom, section: Section) -> tuple[int, int, str]:
    if isinstance(node, cst.Import):
        module = dotted(node.names[0].name)
        return section(module, 0), 0, module.lower()
    module = dotted(node.module) if node.module is not None else ""
    level = len(node.relative)
    return section(module, level), 1, ("." * level + module).lower()


def is_docstring(stmt: cst.CSTNode) -> bool:
    return (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1
            and isinstance(stmt.body[0], cst.Expr)
            and isinstance(stmt.body[0].value, (cst.SimpleString, cst.ConcatenatedString)))


def guarded_imports(stmt: cst.CSTNode) -> bool:
    """Whether ``stmt`` is a top-level ``try``/``if`` holding only imports, assignments and ``pass``."""
    blocks: list[cst.CSTNode]
    if isinstance(stmt, cst.Try):
        blocks = [stmt.body, *(h.body for h in stmt.handlers), *(b.body for b in (stmt.orelse, stmt.finalbody) if b)]
    elif isinstance(stmt, cst.If):
        rest = stmt.orelse
        blocks = [stmt.body] + ([rest] if isinstance(rest, cst.If) else [rest.body] if rest is not None else [])
    else:
        return False
    return all(_plain_block(block) for block in blocks)


PLAIN = (cst.Import, cst.ImportFrom, cst.Assign, cst.AnnAssign, cst.Pass)


class _Imports(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[cst.Import | cst.ImportFrom] = []

    def visit_Import(self, node: cst.Import) -> None:
        self.found.append(node)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        self.found.append(node)


def top_level_imports(body: Sequence[Statement]) -> list[cst.Import | cst.ImportFrom]:
    """The imports that run while the module is imported: its import statements and its guarded imports'."""
    finder = _Imports()
    for stmt in body:
        if import_of(stmt) is not None or guarded_imports(stmt):
            stmt.visit(finder)
    return finder.found


def _plain_block(block: cst.CSTNode) -> bool:
    if isinstance(block, cst.If):
        return guarded_imports(block)
    if isinstance(block, cst.SimpleStatementSuite):
        return all(isinstance(s, PLAIN) for s in block.body)
    if not isinstance(block, cst.IndentedBlock):
        return False
    return all(all(isinstance(small, PLAIN) for small in s.body) if isinstance(s, cst.SimpleStatementLine)
               else guarded_imports(s) for s in block.body)


def import_region(body: Sequence[Statement]) -> tuple[int, int]:
    """``[start, end)`` of the module's leading import block (after the docstring), guarded imports included."""
    start = 1 if body and is_docstring(body[0]) else 0
    end = start
    while end < len(body) and (import_of(body[end]) is not None or guarded_imports(body[end])):
        end += 1
    return start, end


def import_runs(body: Sequence[Statement]) -> list[tuple[int, int]]:
    """The ``[start, end)`` runs of plain import statements in the leading import block, in order."""
    start, end = import_region(body)
    runs: list[tuple[int, int]] = []
    index = start
    while index < end:
        if import_of(body[index]) is None:
            index += 1
            continue
        first = index
        while index < end and import_of(body[index]) is not None:
            index += 1
        runs.append((first, index))
    return runs or [(start, start)]


class _Mentions(cst.CSTVisitor):
    def __init__(self, names: frozenset[str]) -> None:
        super().__init__()
        self.names = names
        self.found = False

    def visit_Name(self, node: cst.Name) -> None:
        self.found = self.found or node.value in self.names


def _mentions(stmts: Sequence[Statement], names: frozenset[str]) -> bool:
    finder = _Mentions(names)
    for stmt in stmts:
        stmt.visit(finder)
    return finder.found


def _bound(node: cst.Import | cst.ImportFrom) -> frozenset[str]:
    if isinstance(node.names, cst.ImportStar):
        return frozenset()
    return frozenset(alias.evaluated_alias or (dotted(alias.name).split(".")[0] if isinstance(node, cst.Import)
                                               else alias.evaluated_name) for alias in node.names)


def _run_for(body: Sequence[Statement], new: cst.Import | cst.ImportFrom, section: Section) -> tuple[int, int]:
    """The run a new import joins: the first holding its section (else the first), below no guarded block that
    uses the name it binds (else the top of the import block)."""
    top = import_region(body)[0]
    runs = import_runs(body)
    wanted = sort_key(new, section)[0]
    chosen = next((run for run in runs if any(
        sort_key(node, section)[0] == wanted for node in map(import_of, body[run[0]:run[1]]) if node is not None)),
        runs[0])
    for run in (chosen, runs[0]):
        if not _mentions(body[top:run[0]], _bound(new)):
            return run
    return top, top


def insert_import(body: list[Statement], stmt: cst.SimpleStatementLine, section: Section) -> None:
    """Put ``stmt`` (one import) into ``body`` where isort would, with isort's blank lines around it."""
    new = import_of(stmt)
    assert new is not None
    key = sort_key(new, section)
    start, end = _run_for(body, new, section)
    at = start
    for index in range(start, end):
        node = import_of(body[index])
        if node is not None and sort_key(node, section) <= key:
            at = index + 1
    prev = import_of(body[at - 1]) if at > start else None
    nxt = import_of(body[at]) if at < end else None
    same_prev = prev is not None and sort_key(prev, section)[0] == key[0]
    same_next = nxt is not None and sort_key(nxt, section)[0] == key[0]
    blank = (cst.EmptyLine(),)
    if same_prev:
        stmt = stmt.with_changes(leading_lines=())
    elif same_next:
        stmt = stmt.with_changes(leading_lines=body[at].leading_lines)
        body[at] = body[at].with_changes(leading_lines=())
    else:
        stmt = stmt.with_changes(leading_lines=blank if at > 0 else ())
        if at < len(body) and not body[at].leading_lines:
            body[at] = body[at].with_changes(leading_lines=blank)
    body.insert(at, stmt)


def remove_statement(body: list[Statement], index: int) -> Statement:
    """Take statement ``index`` out of ``body``; its leading comments stay, on the statement that follows.

    When it was the first of a group (blank lines above it) and the next one was not, the next one takes
    the blank lines, so the groups stay apart.
    """
    removed = body.pop(index)
    kept = tuple(line for line in removed.leading_lines if line.comment is not None)
    if index < len(body):
        following = body[index]
        lines = removed.leading_lines if following.leading_lines == () else kept + tuple(following.leading_lines)
        body[index] = following.with_changes(leading_lines=lines)
    return removed


def parse_line(code: str) -> cst.SimpleStatementLine:
    stmt = cst.parse_statement(code)
    assert isinstance(stmt, cst.SimpleStatementLine)
    return stmt


@dataclass(frozen=True)
class ImportAt:
    """The module-level import statement a finding points at, in its parsed module."""

    module: cst.Module
    index: int
    node: cst.Import | cst.ImportFrom


def import_at(text: str, rel: str, line: int) -> ImportAt | str:
    """The import statement starting on ``line`` of ``rel``, or why there is none to edit."""
    module = parse(text)
    if module is None:
        return f"{rel} does not parse"
    index = statement_at(module, line)
    node = import_of(module.body[index]) if index is not None else None
    if index is None:
        guard = next((s for s in module.body if isinstance(s, (cst.Try, cst.If)) and spans(module, s, line)), None)
        if isinstance(guard, cst.Try):
            return (f"the import at {rel}:{line} is inside a top-level `try:` block: moving it would change what its "
                    "`except` does when the import fails")
        if guard is not None:
            return (f"the import at {rel}:{line} is inside a top-level `if` block: moving it would drop the condition "
                    "it runs under")
    if index is None or node is None:
        return f"the import at {rel}:{line} is not a module-level import statement"
    return ImportAt(module, index, node)
