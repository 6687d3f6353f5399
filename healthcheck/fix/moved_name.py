"""Repair an import of a module that does not exist when the names it asks for moved to one project module.

``from pkg.old import A, B`` where ``pkg.old`` is gone and exactly one project module defines every one of
``A`` and ``B`` at its top level: the statement is pointed at that module, in place (its names, aliases and
comments kept). Several candidates, or none, get no repair.
"""

from __future__ import annotations

import libcst as cst

from healthcheck.fix.cst_text import parses
from healthcheck.fix.import_block import import_at
from healthcheck.fix.model import FileEdit, Repair
from healthcheck.fix.sources import Sources
from healthcheck.model import Finding


def moved_name_repair(finding: Finding, sources: Sources) -> Repair | str:
    if finding.path is None or finding.line is None:
        return "the finding has no place"
    before = sources.read(finding.path)
    found = import_at(before, finding.path, finding.line)
    if isinstance(found, str):
        return found
    module, index, node = found.module, found.index, found.node
    if not isinstance(node, cst.ImportFrom) or isinstance(node.names, cst.ImportStar):
        return "only a module-level `from ... import name` statement can be pointed elsewhere"
    importer = str(finding.data.get("importer", ""))
    names = [alias.evaluated_name for alias in node.names]
    candidates: set[str] | None = None
    for name in names:
        defines = {m for m in sources.definitions.get(name, ()) if m != importer}
        candidates = defines if candidates is None else candidates & defines
    if not candidates:
        return f"no project module defines {', '.join(names)}"
    if len(candidates) > 1:
        return f"{len(candidates)} project modules define {', '.join(names)} ({', '.join(sorted(candidates))})"
    target = candidates.pop()
    moved = node.with_changes(module=cst.parse_expression(target), relative=())
    stmt = module.body[index]
    assert isinstance(stmt, cst.SimpleStatementLine)
    body = list(module.body)
    body[index] = stmt.with_changes(body=[moved])
    after = module.with_changes(body=body).code
    if not parses(after):
        return "the edited module would not parse"
    return Repair(finding.id, "moved-name", f"import {', '.join(names)} from {target} in {finding.path}:"
                  f"{finding.line} ({finding.data.get('module')} does not exist)",
                  (FileEdit(finding.path, before, after),))
