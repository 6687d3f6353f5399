"""Repair a crashing or unsafe runtime import cycle by moving one of its imports off the import-time path.

The cycle check names every runtime edge of the component and the breakers. For each edge this module tries,
in order: move the import into the functions whose bodies alone use its names (and under
``if TYPE_CHECKING:`` for the annotations that use them, adding ``from __future__ import annotations``);
or, when the imported module takes names from the importer at import time (a package's ``__init__``
importing a submodule that imports the package back), move the import below the last statement binding
those names, the package idiom that works by ordering. The edits are ranked by size; the planner proves the
smallest first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import libcst as cst

from healthcheck.fix.cst_text import changed_lines, parse, parses
from healthcheck.fix.import_block import Statement, import_at, import_of, import_region, insert_import, \
    is_docstring, parse_line, remove_statement, top_level_imports
from healthcheck.fix.model import FileEdit, Repair
from healthcheck.fix.name_uses import bound_names, find_uses
from healthcheck.fix.sources import Sources
from healthcheck.model import Finding

BLANK = cst.EmptyLine()


@dataclass(frozen=True)
class Edge:
    importer: str
    imported: str
    path: str
    line: int
    text: str


def component_edges(target: Finding, findings: Sequence[Finding]) -> list[Edge]:
    """Every runtime import of the target's component, the breakers and the crashing edge first."""
    component = target.data.get("component")
    edges: dict[tuple[str, str], Edge] = {}
    for finding in findings:
        if finding.kind != "import-cycle" or finding.data.get("component") != component:
            continue
        for e in finding.data.get("edges", []):
            if e.get("kind") == "runtime" and e.get("path"):
                edges.setdefault((e["importer"], e["imported"]),
                                 Edge(e["importer"], e["imported"], e["path"], int(e["line"]), e.get("text", "")))
    preferred = [(b["importer"], b["imported"]) for b in target.data.get("breakers", [])]
    crash: dict[str, Any] = target.data.get("crash") or {}
    if crash:
        preferred.append((crash.get("importer", ""), crash.get("imported", "")))
    return sorted(edges.values(), key=lambda e: (0 if (e.importer, e.imported) in preferred else 1, e.path, e.line))


def cycle_repairs(target: Finding, findings: Sequence[Finding], sources: Sources) -> list[Repair] | str:
    """The repairs of ``target``'s component, smallest first, or why no import of it can move."""
    repairs: list[tuple[int, Repair]] = []
    why: list[str] = []
    for edge in component_edges(target, findings):
        result = _edge_repair(target.id, edge, sources)
        if isinstance(result, str):
            why.append(f"{edge.importer} -> {edge.imported}: {result}")
        else:
            edit = result.edits[0]
            repairs.append((changed_lines(edit.before, edit.after), result))
    if not repairs:
        return "no import of the cycle can move off the import-time path (" + "; ".join(why) + ")"
    return [r for _, r in sorted(repairs, key=lambda pair: pair[0])]


def _edge_repair(finding_id: str, edge: Edge, sources: Sources) -> Repair | str:
    before = sources.read(edge.path)
    found = import_at(before, edge.path, edge.line)
    if isinstance(found, str):
        return found
    module, index, node = found.module, found.index, found.node
    if isinstance(node, cst.Import) and len(node.names) > 1:
        return f"{edge.path}:{edge.line} imports several modules in one statement"
    names = bound_names(node)
    if not names:
        return f"{edge.path}:{edge.line} is a star import"
    stmt = module.body[index]
    uses = find_uses(module, names, stmt)
    if uses.rebound:
        return f"{edge.path} binds {', '.join(names)} again"
    if not uses.at_import and not uses.functions and not uses.in_annotations:
        return f"nothing in {edge.path} uses {', '.join(names)}: removing the import may drop a side effect"
    text = edge.text or module.code_for_node(stmt).strip()
    if not uses.at_import:
        after, where = _deferred(module, index, uses.functions, uses.in_annotations > 0, sources)
        summary = f"move `{text}` ({edge.path}:{edge.line}) {where}"
    else:
        moved = _reordered(module, index, edge, names, sources)
        if isinstance(moved, str):
            return f"{', '.join(names)} used while {edge.importer} is imported, and {moved}"
        after, below = moved
        summary = f"move `{text}` ({edge.path}:{edge.line}) below {below}, which {edge.imported} takes from " \
                  f"{edge.importer} while it is imported"
    if not parses(after):
        return "the edited module would not parse"
    return Repair(finding_id, "cycle-break", summary, (FileEdit(edge.path, before, after),))


class _IntoFunctions(cst.CSTTransformer):
    """Put ``stmt`` first in the bodies of ``targets`` (after a docstring)."""

    def __init__(self, targets: Sequence[cst.FunctionDef], stmt: cst.SimpleStatementLine) -> None:
        super().__init__()
        self.targets = targets
        self.stmt = stmt

    def leave_FunctionDef(self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef) -> cst.FunctionDef:
        if not any(original_node is t for t in self.targets) or not isinstance(updated_node.body, cst.IndentedBlock):
            return updated_node
        inner = list(updated_node.body.body)
        at = 1 if inner and is_docstring(inner[0]) else 0
        inner.insert(at, self.stmt.with_changes(leading_lines=()))
        return updated_node.with_changes(body=updated_node.body.with_changes(body=inner))


def _deferred(module: cst.Module, index: int, functions: list[cst.FunctionDef], annotated: bool,
              sources: Sources) -> tuple[str, str]:
    stmt = module.body[index]
    assert isinstance(stmt, cst.SimpleStatementLine)
    where: list[str] = []
    if functions:
        module = module.visit(_IntoFunctions(functions, stmt))
        where.append("into the functions whose bodies use it (" + ", ".join(f.name.value for f in functions) + ")")
    body = list(module.body)
    remove_statement(body, index)
    if annotated:
        _under_type_checking(body, stmt, sources)
        where.append("under `if TYPE_CHECKING:` for the annotations")
    return module.with_changes(body=body).code, " and ".join(where)


def _binds(body: Sequence[Statement], name: str) -> bool:
    for stmt in body:
        node = import_of(stmt)
        if node is not None and name in bound_names(node):
            return True
    return False


def _has_lazy_annotations(body: Sequence[Statement]) -> bool:
    for stmt in body:
        node = import_of(stmt)
        if isinstance(node, cst.ImportFrom) and node.module is not None and isinstance(node.module, cst.Name) \
                and node.module.value == "__future__" and "annotations" in bound_names(node):
            return True
    return False


def _under_type_checking(body: list[Statement], stmt: cst.SimpleStatementLine, sources: Sources) -> None:
    if not _has_lazy_annotations(body):
        insert_import(body, parse_line("from __future__ import annotations\n"), sources.section)
    if not _binds(body, "TYPE_CHECKING"):
        insert_import(body, parse_line("from typing import TYPE_CHECKING\n"), sources.section)
    moved = stmt.with_changes(leading_lines=())
    for i, existing in enumerate(body):
        if isinstance(existing, cst.If) and isinstance(existing.test, cst.Name) \
                and existing.test.value == "TYPE_CHECKING" and isinstance(existing.body, cst.IndentedBlock):
            body[i] = existing.with_changes(body=existing.body.with_changes(body=[*existing.body.body, moved]))
            return
    _, end = import_region(body)
    block = cst.If(test=cst.Name("TYPE_CHECKING"), body=cst.IndentedBlock(body=[moved]), leading_lines=(BLANK,))
    body.insert(end, block)
    if end + 1 < len(body) and not body[end + 1].leading_lines:
        body[end + 1] = body[end + 1].with_changes(leading_lines=(BLANK,))


def _taken_from(importer: str, imported: str, sources: Sources) -> set[str]:
    """The names ``imported`` takes from ``importer`` with module-level ``from ... import`` statements."""
    rel = sources.modules.get(imported)
    module = parse(sources.read(rel)) if rel else None
    if module is None or rel is None:
        return set()
    package = imported if rel.endswith("__init__.py") else imported.rpartition(".")[0]
    names: set[str] = set()
    for node in top_level_imports(module.body):
        if not isinstance(node, cst.ImportFrom) or isinstance(node.names, cst.ImportStar):
            continue
        base = package
        for _ in range(len(node.relative) - 1):
            base = base.rpartition(".")[0]
        source = _dotted_or_empty(node.module)
        target = (f"{base}.{source}" if source else base) if node.relative else source
        if target == importer:
            names.update(a.evaluated_name for a in node.names)
    return names


def _dotted_or_empty(node: cst.BaseExpression | None) -> str:
    if node is None:
        return ""
    if isinstance(node, cst.Attribute):
        return f"{_dotted_or_empty(node.value)}.{node.attr.value}"
    return node.value if isinstance(node, cst.Name) else ""


def _top_binding(stmt: Statement) -> set[str]:
    if isinstance(stmt, (cst.ClassDef, cst.FunctionDef)):
        return {stmt.name.value}
    names: set[str] = set()
    if isinstance(stmt, cst.SimpleStatementLine):
        for small in stmt.body:
            if isinstance(small, cst.Assign):
                names.update(t.target.value for t in small.targets if isinstance(t.target, cst.Name))
            elif isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                names.add(small.target.value)
    return names


def _reordered(module: cst.Module, index: int, edge: Edge, names: list[str],
               sources: Sources) -> tuple[str, str] | str:
    needed = _taken_from(edge.importer, edge.imported, sources)
    if not needed:
        return f"{edge.imported} takes no name from {edge.importer} while it is imported"
    body = list(module.body)
    last = max((i for i, s in enumerate(body) if _top_binding(s) & needed), default=-1)
    if last <= index:
        return f"{edge.importer} binds {', '.join(sorted(needed))} after no statement this import could follow"
    between = module.with_changes(body=body[index + 1:last + 1])
    if find_uses(between, names, body[index]).at_import:
        return f"{edge.importer} uses {', '.join(names)} before it binds {', '.join(sorted(needed))}"
    stmt = body[index]
    remove_statement(body, index)
    anchor = body[last - 1]
    gap = (BLANK, BLANK) if isinstance(anchor, (cst.ClassDef, cst.FunctionDef)) else (BLANK,)
    body.insert(last, stmt.with_changes(leading_lines=gap))
    if last + 1 < len(body):  # isort: one blank line after an import, two before a def or class
        following = body[last + 1]
        comments = tuple(line for line in following.leading_lines if line.comment is not None)
        blank = (BLANK, BLANK) if isinstance(following, (cst.ClassDef, cst.FunctionDef)) else (BLANK,)
        body[last + 1] = following.with_changes(leading_lines=blank + comments)
    below = ", ".join(sorted(_top_binding(anchor) & needed) or sorted(needed))
    return module.with_changes(body=body).code, f"`{below}`"
