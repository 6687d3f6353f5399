"""Repair an undefined name by importing it: a module (standard library, the project's own package, an
installed distribution's), or a name exactly one project module defines.

A name is imported as a module only when every use of it is ``name.attribute``, the way modules are used, so
an undefined ``test`` variable never becomes ``import test``. The import goes into the module's import block
where isort would put it. A name that several project modules define, or none, gets no repair: guessing
between candidates is how a mechanical fix breaks a program.
"""

from __future__ import annotations

import sys

import libcst as cst

from healthcheck.fix.cst_text import parse, parses
from healthcheck.fix.import_block import insert_import, parse_line
from healthcheck.fix.model import FileEdit, Repair
from healthcheck.fix.sources import Sources
from healthcheck.model import Finding


class _ModuleLike(cst.CSTVisitor):
    """Whether every use of a name reads an attribute of it (``time.time()``), as a module's uses do."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self.uses = 0
        self.attribute_uses = 0

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        if isinstance(node.value, cst.Name) and node.value.value == self.name:
            self.attribute_uses += 1
            self.uses += 1
            return False
        node.value.visit(self)
        return False

    def visit_Name(self, node: cst.Name) -> None:
        if node.value == self.name:
            self.uses += 1


def _used_as_module(module: cst.Module, name: str) -> bool:
    finder = _ModuleLike(name)
    module.visit(finder)
    return finder.uses > 0 and finder.uses == finder.attribute_uses


def import_for(name: str, importer: str | None, sources: Sources, as_module: bool) -> str | None | list[str]:
    """The import statement that binds ``name``; None when nothing provides it; the candidates when several do."""
    if as_module and not name.startswith("_") and (
            name in sys.stdlib_module_names or name in sources.first_party or sources.installed(name)):
        return f"import {name}"
    providers = [m for m in sources.definitions.get(name, ()) if m != importer]
    if len(providers) == 1:
        return f"from {providers[0]} import {name}"
    return providers or None


def missing_import_repair(finding: Finding, sources: Sources) -> Repair | str:
    name = str(finding.data.get("name", ""))
    if not name.isidentifier() or finding.path is None:
        return "the finding names no identifier"
    importer = next((m for m, rel in sources.modules.items() if rel == finding.path), None)
    before = sources.read(finding.path)
    module = parse(before)
    if module is None:
        return f"{finding.path} does not parse"
    found = import_for(name, importer, sources, _used_as_module(module, name))
    if found is None:
        return f"no module the interpreter finds and no project module provides {name!r}"
    if isinstance(found, list):
        return f"{len(found)} project modules define {name!r} ({', '.join(found)}): which one is meant is a choice"
    body = list(module.body)
    insert_import(body, parse_line(found + "\n"), sources.section)
    after = module.with_changes(body=body).code
    if not parses(after):
        return "the edited module would not parse"
    return Repair(finding.id, "missing-import", f"add `{found}` to {finding.path}",
                  (FileEdit(finding.path, before, after),))
