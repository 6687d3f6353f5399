"""What a module has bound by each line while it is imported, and which imported names it uses on the way.

A runtime import cycle crashes only when a module asks a half-initialised one
for a name it has not bound yet (``from pkg import Error`` while ``pkg`` is
still on the line that started the import), or reads an attribute of it at
import time (``import pkg.ops`` then ``pkg.ops.BaseOps`` in a class statement).
These facts are what the static verdict (:mod:`healthcheck.checks.import_cycle.verdict`)
needs to tell such a cycle from one that works by ordering, and they come from
the shared parse as an :class:`~healthcheck.parse.Extractor` (so they are cached
with the other facts and never need a second parse).

The result is plain data (dicts, lists, strings, numbers), so any cache format
can keep it:

- ``bound``: name -> the first line at which module-level code binds it (a
  class binds at the end of its body, which runs first);
- ``any_name_from``: the first line from which every name resolves anyway (a
  ``from m import *`` or a module ``__getattr__``), or 0;
- ``uses``: for names bound by import statements, ``[line, "a.b.attr"]`` for
  every read that runs at import time (module level, class bodies, decorators,
  default values), the attribute chain spelt out;
- ``guarded``: lines of imports inside ``try:`` blocks that catch ``ImportError``;
- ``aliases``: ``[line, "c", "a.b"]`` for every ``import a.b as c``;
- ``off_platform``: lines of imports in a branch this platform never takes (``if sys.platform ==
  "win32":`` on Linux, ``if os.name == "nt" and ...``): they run elsewhere, so the cycle they close is
  judged by what runs here.
"""

from __future__ import annotations

import ast
import os
import sys
from typing import Any, Iterable, Sequence

CATCHES_IMPORT_ERROR = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})


def _is_guard(test: ast.expr) -> bool:
    """``if TYPE_CHECKING:`` or ``if __name__ == "__main__":``: bodies that never run on import."""
    if isinstance(test, ast.Name) and test.id == "TYPE_CHECKING":
        return True
    if isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING":
        return True
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq):
        sides = [test.left, test.comparators[0]]
        return any(isinstance(s, ast.Name) and s.id == "__name__" for s in sides) and any(
            isinstance(s, ast.Constant) and s.value == "__main__" for s in sides
        )
    return False


def _platform_test(test: ast.expr) -> bool | None:
    """The value of a test on ``sys.platform`` or ``os.name`` on this platform; None for any other test."""
    if isinstance(test, ast.BoolOp):
        values = [_platform_test(v) for v in test.values]
        if isinstance(test.op, ast.And) and False in values:
            return False
        if isinstance(test.op, ast.Or) and True in values:
            return True
        return None
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        inner = _platform_test(test.operand)
        return None if inner is None else not inner
    if isinstance(test, ast.Call) and isinstance(test.func, ast.Attribute) and test.func.attr == "startswith":
        actual = _platform_value(test.func.value)
        prefix = test.args[0] if len(test.args) == 1 else None
        if actual is not None and isinstance(prefix, ast.Constant) and isinstance(prefix.value, str):
            return actual.startswith(prefix.value)
        return None
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], (ast.Eq, ast.NotEq)):
        actual = _platform_value(test.left)
        other = test.comparators[0]
        if actual is None or not (isinstance(other, ast.Constant) and isinstance(other.value, str)):
            return None
        return (actual == other.value) == isinstance(test.ops[0], ast.Eq)
    return None


def _platform_value(node: ast.expr) -> str | None:
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        if (node.value.id, node.attr) == ("sys", "platform"):
            return sys.platform
        if (node.value.id, node.attr) == ("os", "name"):
            return os.name
    return None


def _target_names(target: ast.expr) -> Iterable[str]:
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            yield from _target_names(element)
    elif isinstance(target, ast.Starred):
        yield from _target_names(target.value)


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    names = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(
        (isinstance(n, ast.Name) and n.id in CATCHES_IMPORT_ERROR)
        or (isinstance(n, ast.Attribute) and n.attr in CATCHES_IMPORT_ERROR)
        for n in names
    )


def _chain(node: ast.Attribute) -> tuple[str, str] | None:
    """``a.b.c`` as ("a", "a.b.c") when the innermost value is a plain name."""
    parts: list[str] = []
    value: ast.expr = node
    while isinstance(value, ast.Attribute):
        parts.append(value.attr)
        value = value.value
    if not isinstance(value, ast.Name):
        return None
    return value.id, ".".join([value.id] + parts[::-1][:6])


class _Walker:
    """One pass over the statements that run at import time."""

    def __init__(self) -> None:
        self.bound: dict[str, int] = {}
        self.any_name_from = 0
        self.imported_names: set[str] = set()
        self.reads: list[tuple[str, int, str]] = []
        self.guarded: set[int] = set()
        self.aliases: list[list[Any]] = []
        self.off_platform: list[int] = []

    def bind(self, name: str, line: int) -> None:
        if name not in self.bound or line < self.bound[name]:
            self.bound[name] = line

    def statements(self, body: Sequence[ast.stmt], module_level: bool, guarded: bool) -> None:
        for node in body:
            self.statement(node, module_level, guarded)

    def statement(self, node: ast.stmt, module_level: bool, guarded: bool) -> None:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            self.import_statement(node, module_level, guarded)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self.expressions(node.decorator_list)
            self.expressions(node.args.defaults + [d for d in node.args.kw_defaults if d is not None])
            if module_level:
                self.bind(node.name, node.lineno)
                if node.name == "__getattr__" and not self.any_name_from:
                    self.any_name_from = node.lineno
        elif isinstance(node, ast.ClassDef):
            self.expressions(node.decorator_list + node.bases + [k.value for k in node.keywords])
            self.statements(node.body, False, guarded)
            if module_level:
                self.bind(node.name, node.end_lineno or node.lineno)
        elif isinstance(node, ast.If) and _is_guard(node.test):
            self.statements(node.orelse, module_level, guarded)
        elif isinstance(node, ast.If) and _platform_test(node.test) is not None:
            taken, skipped = (node.body, node.orelse) if _platform_test(node.test) else (node.orelse, node.body)
            self.statements(taken, module_level, guarded)
            self.off_platform.extend(
                n.lineno for child in skipped for n in ast.walk(child) if isinstance(n, (ast.Import, ast.ImportFrom))
            )
        elif isinstance(node, (ast.Try, ast.TryStar)):
            catches = any(_catches_import_error(h) for h in node.handlers)
            self.statements(node.body, module_level, guarded or catches)
            for handler in node.handlers:
                self.statements(handler.body, module_level, guarded)
            self.statements(node.orelse + node.finalbody, module_level, guarded)
        else:
            self.simple_or_compound(node, module_level, guarded)

    def simple_or_compound(self, node: ast.stmt, module_level: bool, guarded: bool) -> None:
        if module_level:
            for target in _assigned(node):
                for name in _target_names(target):
                    self.bind(name, node.lineno)
        for name, value in ast.iter_fields(node):
            if name in ("body", "orelse", "finalbody", "handlers", "cases"):
                continue
            if isinstance(value, ast.expr):
                self.expressions([value])
            elif isinstance(value, list):
                self.expressions([v for v in value if isinstance(v, ast.expr)])
                self.expressions([i.context_expr for i in value if isinstance(i, ast.withitem)])
        for name in ("body", "orelse", "finalbody"):
            children = getattr(node, name, None)
            if isinstance(children, list):
                self.statements([c for c in children if isinstance(c, ast.stmt)], module_level, guarded)
        for case in getattr(node, "cases", []) or []:
            self.statements(case.body, module_level, guarded)

    def import_statement(self, node: ast.Import | ast.ImportFrom, module_level: bool, guarded: bool) -> None:
        if guarded:
            self.guarded.add(node.lineno)
        for alias in node.names:
            if alias.name == "*":
                if module_level and not self.any_name_from:
                    self.any_name_from = node.lineno
                continue
            name = alias.asname or alias.name.split(".")[0]
            self.imported_names.add(name)
            if isinstance(node, ast.Import) and alias.asname:
                self.aliases.append([node.lineno, alias.asname, alias.name])
            if module_level:
                self.bind(name, node.lineno)

    def expressions(self, nodes: Iterable[ast.expr]) -> None:
        stack: list[ast.AST] = list(nodes)
        while stack:
            node = stack.pop()
            if isinstance(node, ast.Lambda):
                stack.extend(node.args.defaults)
                continue
            if isinstance(node, ast.Attribute):
                found = _chain(node)
                if found is not None:
                    self.reads.append((found[0], node.lineno, found[1]))
                    continue
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                self.reads.append((node.id, node.lineno, node.id))
            elif isinstance(node, ast.NamedExpr):
                self.bind(node.target.id, node.lineno)
            stack.extend(ast.iter_child_nodes(node))


def _assigned(node: ast.stmt) -> list[ast.expr]:
    if isinstance(node, ast.Assign):
        return list(node.targets)
    if isinstance(node, (ast.AnnAssign, ast.AugAssign)) and (not isinstance(node, ast.AnnAssign) or node.value):
        return [node.target]
    if isinstance(node, (ast.For, ast.AsyncFor)):
        return [node.target]
    if isinstance(node, (ast.With, ast.AsyncWith)):
        return [i.optional_vars for i in node.items if i.optional_vars is not None]
    return []


def extract(tree: ast.Module, lines: Sequence[str], module: str) -> dict[str, Any]:
    """The binding facts of one module (runs in a parse worker)."""
    walker = _Walker()
    walker.statements(tree.body, True, False)
    uses: dict[str, list[list[Any]]] = {}
    for name, line, chain in walker.reads:
        if name in walker.imported_names:
            entry = [line, chain]
            if entry not in uses.setdefault(name, []):
                uses[name].append(entry)
    return {
        "bound": walker.bound,
        "any_name_from": walker.any_name_from,
        "uses": {name: sorted(entries) for name, entries in sorted(uses.items())},
        "guarded": sorted(walker.guarded),
        "aliases": walker.aliases,
        "off_platform": sorted(walker.off_platform),
    }
