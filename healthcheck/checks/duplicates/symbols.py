"""The names a module defines at its top level, and what each one is: how a body's free names get a meaning.

Two bodies that read alike are one implementation only if their free names mean the same thing in their
own modules. The extractor records, per file, every module-level binding as a :class:`Symbol`: an import (to
be resolved to the module or object it names), a class or function defined there (the same thing elsewhere
only if it is itself the same code), a constant (the same value means the same thing) or any other assigned
value, which is *state*: ``_active = threading.local()`` in two modules is two objects, and a function that
uses its module's ``_active`` cannot be merged with one that uses another module's.
"""

from __future__ import annotations

import ast
from typing import NamedTuple


class Symbol(NamedTuple):
    """One module-level name of a file."""

    name: str
    kind: str  # "module" (import m), "from" (from m import x), "star" (from m import *), "def", "class",
    # "const", "state"
    target: str  # "module"/"from": "<level>:<module>[:<name>]"; "const": the value's repr; else ""


def is_dunder_all(stmt: ast.stmt) -> bool:
    """``__all__ = [...]`` or ``__all__ += [...]``: a list of names, never copied code."""
    targets: list[ast.expr] = []
    if isinstance(stmt, ast.Assign):
        targets = list(stmt.targets)
    elif isinstance(stmt, (ast.AugAssign, ast.AnnAssign)):
        targets = [stmt.target]
    return any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets)


def _constant(node: ast.expr | None) -> str | None:
    """The repr of a literal value (a number, a string, a tuple of them), None for anything computed."""
    if isinstance(node, ast.Constant):
        return repr(node.value)
    if isinstance(node, ast.Tuple) and all(isinstance(e, ast.Constant) for e in node.elts):
        return repr(tuple(e.value for e in node.elts if isinstance(e, ast.Constant)))
    return None


def module_symbols(stmt: ast.stmt) -> list[Symbol]:
    """The bindings one module-level statement makes (imports, assignments)."""
    if isinstance(stmt, ast.Import):
        out = []
        for alias in stmt.names:
            if alias.asname:
                out.append(Symbol(alias.asname, "module", f"0:{alias.name}"))
            else:
                head = alias.name.partition(".")[0]
                out.append(Symbol(head, "module", f"0:{head}"))
        return out
    if isinstance(stmt, ast.ImportFrom):
        return [
            Symbol(f"*{stmt.module or ''}", "star", f"{stmt.level}:{stmt.module or ''}:")
            if alias.name == "*" else
            Symbol(alias.asname or alias.name, "from", f"{stmt.level}:{stmt.module or ''}:{alias.name}")
            for alias in stmt.names
        ]
    if isinstance(stmt, ast.Assign):
        value = _constant(stmt.value)
        # Only the names the statement binds: ``Environment.template_class = Template`` (jinja2) sets an
        # attribute of the class and leaves the name the class.
        names = [n for t in stmt.targets for n in ast.walk(t)
                 if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)]
        single = len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)
        kind = "const" if value is not None and single else "state"
        return [Symbol(n.id, kind, value if kind == "const" and value else "") for n in names]
    if isinstance(stmt, (ast.AnnAssign, ast.AugAssign)) and isinstance(stmt.target, ast.Name):
        value = _constant(stmt.value) if isinstance(stmt, ast.AnnAssign) else None
        return [Symbol(stmt.target.id, "const" if value is not None else "state", value or "")]
    return []
