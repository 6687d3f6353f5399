"""What a file says about its own names and imports that a plain name lookup misses, drawn during the one parse.

A static lookup says ``requests.packages.urllib3`` does not exist and ``unicode`` is undefined; a maintainer
knows better, because the code says so:

- modules made at run time: ``sys.modules["pkg.compat.x"] = x`` (or ``sys.modules[f"pkg.packages.{m}"]``,
  ``sys.modules[__name__ + ".moves"]``), a vendored ``six`` (its ``moves`` come from an import hook), and a
  package whose ``__path__`` is changed (its submodules may live anywhere);
- optional imports: an import inside ``try:`` whose handler catches ``ImportError`` is a dependency the code
  does without;
- conditional names: a name used under ``if PY2:`` / ``if sys.version_info < (3,):`` (either branch of a
  version test runs on some Pythons only), inside a ``try`` whose handler catches ``NameError`` (or
  ``Exception``), or tested with ``try: name`` / ``except NameError:`` (``get_ipython``) is there on purpose;
- a namespace written at run time: a module that binds names no parser sees (``vars().update(keywords)`` or
  ``exec(code)`` at module level, ``globals()[name] = ...`` or ``globals().update(...)`` anywhere) may define
  any name it uses, so no use there is claimed undefined (pyparsing's examples define their keywords so).

The facts are plain tuples so that they cache with the rest of the parse (:class:`~healthcheck.parse.Extractor`).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Iterator, Sequence

from healthcheck.checks.python2 import PY2_BUILTINS
from healthcheck.parse import Extractor

IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})
NAME_ERRORS = frozenset({"NameError", "Exception", "BaseException"})
VERSION_NAMES = frozenset({"PY2", "PY3", "PY26", "PY27", "PY34", "PY35", "PY36", "PY37", "PY38", "PY39", "IS_PY2",
                           "IS_PY3", "PYTHON2", "PYTHON3", "PY2K", "PY3K", "_PY3", "_PY2", "is_py2", "is_py3"})


@dataclass(frozen=True)
class NameGuards:
    """One file's runtime modules, optional imports and conditional stretches."""

    runtime_prefixes: tuple[str, ...] = ()  # module names (or name prefixes ending in ".") made at run time
    extends_path: bool = False  # the file (a package's __init__) changes its __path__
    optional_imports: tuple[int, ...] = ()  # lines of imports inside try/except ImportError
    conditional: tuple[tuple[int, int, str], ...] = ()  # (first line, last line, why) of guarded stretches
    probed: tuple[str, ...] = ()  # names whose existence the file tests with try: name / except NameError
    supports_python2: bool = False  # the file tests the Python version: its Python 2 builtins are on purpose
    namespace_written: int = 0  # the first line where the module binds names at run time (exec, globals()), or 0

    def optional(self, line: int) -> bool:
        return line in self.optional_imports

    def written(self) -> str | None:
        """Why any name of the file, listed in ``__all__`` too, may be bound where no parser sees, or None."""
        return f"the module binds names at run time, line {self.namespace_written}" if self.namespace_written else None

    def condition_at(self, line: int, name: str = "") -> str | None:
        """Why ``name`` used at ``line`` may be missing on purpose, or None."""
        if self.namespace_written:
            return self.written()
        if name and name in self.probed:
            return "its existence is tested with try/except NameError"
        branch = next((why for first, last, why in self.conditional if first <= line <= last), None)
        if branch is None and self.supports_python2 and name in PY2_BUILTINS:
            return "a Python 2 builtin in a file that tests the Python version"
        return branch


def _is_sys_modules(node: ast.expr) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "modules"
            and isinstance(node.value, ast.Name) and node.value.id == "sys")


def _prefix(node: ast.expr, module: str) -> str | None:
    """The module name, or its known leading part ending in ``.``, that a ``sys.modules`` key spells."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name) and node.id == "__name__":
        return module
    if isinstance(node, ast.JoinedStr):
        text = ""
        for part in node.values:
            if isinstance(part, ast.Constant) and isinstance(part.value, str):
                text += part.value
            elif isinstance(part, ast.FormattedValue) and isinstance(part.value, ast.Name) and part.value.id == "__name__":
                text += module
            else:
                return text if text.endswith(".") else None
        return text
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left = _prefix(node.left, module)
        if left is None:
            return None
        right = _prefix(node.right, module)
        if right is not None and not right.endswith("."):
            return left + right
        return left if left.endswith(".") else (left + right if right else None)
    return None


def _runtime_keys(tree: ast.Module, module: str) -> Iterator[str]:
    for node in ast.walk(tree):
        keys: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            keys = [t.slice for t in node.targets if isinstance(t, ast.Subscript) and _is_sys_modules(t.value)]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and _is_sys_modules(node.func.value):
            if node.func.attr == "setdefault" and node.args:
                keys = [node.args[0]]
            elif node.func.attr == "update" and node.args and isinstance(node.args[0], ast.Dict):
                keys = [k for k in node.args[0].keys if k is not None]
        for key in keys:
            prefix = _prefix(key, module)
            if prefix and prefix.strip("."):
                yield prefix


def _module_level(body: Sequence[ast.stmt]) -> Iterator[ast.stmt]:
    """The statements that run at module level: the body and its if/try blocks, not functions or classes."""
    for node in body:
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield from _module_level(_child_statements(node))


def _changes_path(tree: ast.Module) -> bool:
    """Whether the module itself changes its ``__path__`` (a class attribute of that name does not count)."""
    for statement in _module_level(tree.body):
        node: ast.AST = statement.value if isinstance(statement, ast.Expr) else statement
        targets: list[ast.expr] = []
        if isinstance(node, (ast.Assign, ast.AugAssign)):
            targets = list(node.targets) if isinstance(node, ast.Assign) else [node.target]
        if any(isinstance(t, ast.Name) and t.id == "__path__" for t in targets):
            return True
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "__path__"):
            return True
    return False


def _handler_names(handler: ast.ExceptHandler) -> set[str]:
    if handler.type is None:
        return {"BaseException"}
    nodes = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return {n.id if isinstance(n, ast.Name) else n.attr if isinstance(n, ast.Attribute) else "" for n in nodes}


def _mentions_version(test: ast.expr) -> bool:
    for node in ast.walk(test):
        if isinstance(node, ast.Attribute) and node.attr in ("version_info", "version", "hexversion") and (
            isinstance(node.value, ast.Name) and node.value.id == "sys"
        ):
            return True
        if isinstance(node, ast.Name) and node.id in VERSION_NAMES:
            return True
        if isinstance(node, ast.Attribute) and node.attr in VERSION_NAMES:
            return True
    return False


def _span(nodes: Sequence[ast.stmt]) -> tuple[int, int]:
    return nodes[0].lineno, max(getattr(n, "end_lineno", None) or n.lineno for n in nodes)


TRY_NODES: tuple[type[ast.stmt], ...] = (ast.Try, *([ast.TryStar] if hasattr(ast, "TryStar") else []))


def _child_statements(node: ast.stmt) -> list[ast.stmt]:
    """The statements directly inside a compound statement (bodies, branches, handlers, match cases)."""
    children: list[ast.stmt] = []
    for name in ("body", "orelse", "finalbody"):
        children += [c for c in getattr(node, name, None) or () if isinstance(c, ast.stmt)]
    for holder in [*(getattr(node, "handlers", None) or ()), *(getattr(node, "cases", None) or ())]:
        children += holder.body
    return children


def _guards(body: Sequence[ast.stmt], optional: list[int], conditional: list[tuple[int, int, str]],
            guarded: bool = False, probed: set[str] | None = None) -> None:
    """Collect the optional imports and conditional stretches below ``body``; ``guarded``: inside a ``try``
    whose handler catches ImportError (an import in a function defined there runs later, unguarded)."""
    for node in body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            if guarded:
                optional.append(node.lineno)
            continue
        if isinstance(node, TRY_NODES):
            handlers: list[ast.ExceptHandler] = getattr(node, "handlers", [])
            caught = {name for h in handlers for name in _handler_names(h)}
            body_of: list[ast.stmt] = getattr(node, "body", [])
            if caught & NAME_ERRORS and body_of:
                conditional.append((*_span(body_of), "inside a try that catches NameError"))
            if "NameError" in caught and probed is not None:
                probed.update(n.id for stmt in body_of for n in ast.walk(stmt)
                              if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load))
            _guards(body_of, optional, conditional, guarded or bool(caught & IMPORT_ERRORS), probed)
            rest = [s for h in handlers for s in h.body] + list(getattr(node, "orelse", [])) + list(
                getattr(node, "finalbody", []))
            _guards(rest, optional, conditional, guarded, probed)
            continue
        if isinstance(node, ast.If) and _mentions_version(node.test):
            test_end = getattr(node.test, "end_lineno", None) or node.lineno
            conditional.append((node.lineno, test_end, "only under a Python-version branch"))
            for branch in (node.body, node.orelse):
                if branch:
                    conditional.append((*_span(branch), "only under a Python-version branch"))
        inner = guarded and not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        _guards(_child_statements(node), optional, conditional, inner, probed)


NAMESPACES = frozenset({"globals", "vars", "locals"})  # called bare at module level, each is the module's namespace
WRITES = frozenset({"update", "setdefault", "__setitem__"})


def _namespace_call(node: ast.expr, module_level: bool) -> bool:
    """``globals()`` (anywhere), or ``vars()`` / ``locals()`` at module level: the module's own namespace."""
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.args and not node.keywords
            and (node.func.id == "globals" or (module_level and node.func.id in NAMESPACES)))


def _writes_namespace(node: ast.AST, module_level: bool) -> bool:
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in WRITES and _namespace_call(func.value, module_level):
            return True
        if isinstance(func, ast.Name) and func.id == "exec" and node.args:
            scope = node.args[1] if len(node.args) > 1 else None
            return (module_level and scope is None) or (scope is not None and _namespace_call(scope, module_level))
    if isinstance(node, (ast.Assign, ast.AugAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return any(isinstance(t, ast.Subscript) and _namespace_call(t.value, module_level) for t in targets)
    return False


def _namespace_written(tree: ast.Module) -> int:
    """The first line where the module binds names no parser sees, or 0 (see the module's docstring)."""
    lines: list[int] = []
    pending: list[tuple[ast.AST, bool]] = [(tree, True)]
    while pending:
        node, module_level = pending.pop()
        if _writes_namespace(node, module_level):
            lines.append(getattr(node, "lineno", 0))
        inner = module_level and not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
                                                       ast.Lambda))
        pending += [(child, inner) for child in ast.iter_child_nodes(node)]
    return min(lines, default=0)


def _tests_version(tree: ast.Module) -> bool:
    return any(isinstance(node, (ast.If, ast.IfExp, ast.While, ast.Assign)) and _mentions_version(
        node.value if isinstance(node, ast.Assign) else node.test) for node in ast.walk(tree))


def name_guards(tree: ast.Module, lines: Sequence[str], module: str) -> NameGuards:
    """The facts of one file (an :class:`~healthcheck.parse.Extractor` function). The whole-tree walks run
    only on files whose text mentions what they look for: most files hold none of it."""
    text = "\n".join(lines)
    optional: list[int] = []
    conditional: list[tuple[int, int, str]] = []
    probed: set[str] = set()
    _guards(tree.body, optional, conditional, probed=probed)
    prefixes = set(_runtime_keys(tree, module)) if "sys.modules" in text else set()
    if module.rsplit(".", 1)[-1] == "six":  # six's moves come from its import hook
        prefixes.add(module + ".moves")
    versioned = any(word in text for word in ("version_info", "PY2", "PY3", "hexversion", "sys.version"))
    dynamic = any(word in text for word in ("exec(", "globals()", "vars()", "locals()"))
    return NameGuards(
        tuple(sorted(prefixes)), "__path__" in text and _changes_path(tree), tuple(sorted(set(optional))),
        tuple(sorted(set(conditional))), tuple(sorted(probed)), versioned and _tests_version(tree),
        _namespace_written(tree) if dynamic else 0,
    )


EXTRACTOR = Extractor("name-guards", name_guards)
