"""Where a module uses the names an import binds: at import time, inside which functions, or in annotations.

This decides whether an import can leave the module level. A use inside a function body runs only when the
function is called; decorators, default values and (without ``from __future__ import annotations``)
signature annotations run when the ``def`` does, at import time, so they count as module-level uses. A name
rebound anywhere in the module (a def, a class or another import of it) makes the answer unknowable here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst


@dataclass
class Uses:
    """The uses of some names in one module: ``functions`` are the outermost defs whose bodies use them."""

    at_import: int = 0  # uses that run while the module is imported
    in_annotations: int = 0  # uses inside annotations (need the name only for type checkers, given lazy annotations)
    functions: list[cst.FunctionDef] = field(default_factory=list)
    rebound: bool = False


class _UseFinder(cst.CSTVisitor):
    def __init__(self, names: frozenset[str], skip: cst.CSTNode) -> None:
        super().__init__()
        self.names = names
        self.skip = skip
        self.uses = Uses()
        self._outer: list[cst.FunctionDef] = []
        self._annotation = 0

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> bool:
        return node is not self.skip

    def visit_Import(self, node: cst.Import) -> bool:
        self._rebinds([a.evaluated_alias or dotted_head(a.name) for a in node.names])
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        if not isinstance(node.names, cst.ImportStar):
            self._rebinds([a.evaluated_alias or dotted_head(a.name) for a in node.names])
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        self._rebinds([node.name.value])
        for part in (*node.decorators, *node.bases, *node.keywords):
            part.visit(self)
        node.body.visit(self)
        return False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self._rebinds([node.name.value])
        for decorator in node.decorators:
            decorator.visit(self)
        node.params.visit(self)
        if node.returns is not None:
            node.returns.visit(self)
        self._outer.append(node)
        node.body.visit(self)
        self._outer.pop()
        return False

    def visit_Param(self, node: cst.Param) -> bool:
        for part in (node.annotation, node.default):
            if part is not None:
                part.visit(self)
        return False

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        node.value.visit(self)
        return False

    def visit_Arg(self, node: cst.Arg) -> bool:
        node.value.visit(self)
        return False

    def visit_Annotation(self, node: cst.Annotation) -> None:
        self._annotation += 1

    def leave_Annotation(self, original_node: cst.Annotation) -> None:
        self._annotation -= 1

    def visit_Name(self, node: cst.Name) -> None:
        if node.value not in self.names:
            return
        if self._annotation:
            self.uses.in_annotations += 1
        elif self._outer:
            if all(f is not self._outer[0] for f in self.uses.functions):
                self.uses.functions.append(self._outer[0])
        else:
            self.uses.at_import += 1

    def _rebinds(self, bound: list[str]) -> None:
        if any(name in self.names for name in bound):
            self.uses.rebound = True


def dotted_head(node: cst.BaseExpression) -> str:
    """The name ``import a.b.c`` binds: ``a``."""
    while isinstance(node, cst.Attribute):
        node = node.value
    return node.value if isinstance(node, cst.Name) else ""


def bound_names(node: cst.Import | cst.ImportFrom) -> list[str]:
    """The names an import binds in its module (empty for ``import *``)."""
    if isinstance(node, cst.ImportFrom) and isinstance(node.names, cst.ImportStar):
        return []
    out: list[str] = []
    for alias in node.names:  # type: ignore[union-attr]
        name = alias.evaluated_alias
        out.append(name if name is not None else (
            dotted_head(alias.name) if isinstance(node, cst.Import) else alias.evaluated_name))
    return out


def find_uses(module: cst.Module, names: list[str], skip: cst.CSTNode) -> Uses:
    """The uses of ``names`` in ``module``, leaving out the statement ``skip`` (the import that binds them)."""
    finder = _UseFinder(frozenset(names), skip)
    module.visit(finder)
    return finder.uses
