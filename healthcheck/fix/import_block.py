"""Where an import goes in a module, the way isort would put it, and how a statement leaves without its comments.

isort's default order: sections (``__future__``, standard library, third party, first party, relative), a
blank line between sections, and inside a section every ``import x`` before every ``from x import y``, each
sorted by module name regardless of case. A new import is put after the last import of the module's leading
import block that sorts before it, so a block isort accepts stays one isort accepts. Comments above a removed
statement stay where they were: they move to the statement that follows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import libcst as cst

from healthcheck.fix.cst_text import parse, statement_at

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


def import_region(body: Sequence[Statement]) -> tuple[int, int]:
    """``[start, end)`` of the module's leading import block (after the docstring); empty when it has none."""
    start = 1 if body and is_docstring(body[0]) else 0
    end = start
    while end < len(body) and import_of(body[end]) is not None:
        end += 1
    return start, end


def insert_import(body: list[Statement], stmt: cst.SimpleStatementLine, section: Section) -> None:
    """Put ``stmt`` (one import) into ``body`` where isort would, with isort's blank lines around it."""
    new = import_of(stmt)
    assert new is not None
    key = sort_key(new, section)
    start, end = import_region(body)
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
    if index is None or node is None:
        return f"the import at {rel}:{line} is not a module-level import statement"
    return ImportAt(module, index, node)
