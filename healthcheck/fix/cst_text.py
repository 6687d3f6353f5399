"""Reading a file into libcst and writing it back, refusing any result that would not parse."""

from __future__ import annotations

import ast
import difflib

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider


def parse(text: str) -> cst.Module | None:
    try:
        return cst.parse_module(text)
    except cst.ParserSyntaxError:
        return None


def statement_at(module: cst.Module, line: int) -> int | None:
    """The index in ``module.body`` of the top-level statement that starts on ``line``."""
    positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    for index, stmt in enumerate(module.body):
        if positions[stmt].start.line == line:
            return index
    return None


def spans(module: cst.Module, stmt: cst.CSTNode, line: int) -> bool:
    """Whether the top-level statement ``stmt`` of ``module`` covers ``line``."""
    position = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)[stmt]
    return position.start.line <= line <= position.end.line


def parses(text: str) -> bool:
    """Whether Python's own parser accepts ``text``: a repair is never written when it does not."""
    try:
        ast.parse(text)
    except (SyntaxError, ValueError):
        return False
    return True


def changed_lines(before: str, after: str) -> int:
    """How many lines an edit adds or removes: the size by which repairs are compared."""
    return sum(1 for line in difflib.ndiff(before.splitlines(), after.splitlines()) if line[:1] in "+-")
