"""Repair a duplicate implementation by replacing the copy nothing imports with an import of the kept one.

The duplicates check says which copy the project uses (``keep``) and which have no static import
(``unused``). The unused copy's definition is removed and its module imports the kept one under the copy's
name, so ``module.Name`` stays available to anything that loads it some way a static reading cannot see.
A copy that something imports, or names in a string, is left alone.
"""

from __future__ import annotations

from typing import Any

import libcst as cst

from healthcheck.fix.cst_text import parse, parses
from healthcheck.fix.import_block import insert_import, parse_line, remove_statement
from healthcheck.fix.model import FileEdit, Repair
from healthcheck.fix.sources import Sources
from healthcheck.model import Finding


def duplicate_repair(finding: Finding, sources: Sources) -> Repair | str:
    keep = finding.data.get("keep")
    unused = set(finding.data.get("unused") or ())
    locations: list[dict[str, Any]] = list(finding.data.get("locations") or ())
    kept = next((loc for loc in locations if loc.get("module") == keep), None)
    if not keep or kept is None or not unused:
        return "the duplicates check names no copy to keep and none that nothing imports"
    edits: list[FileEdit] = []
    for loc in locations:
        if loc.get("module") not in unused:
            continue
        if loc.get("imported_by") or loc.get("named_in_strings"):
            return f"{loc['module']}.{loc['name']} is used; only a copy nothing uses is replaced"
        result = _replaced(str(loc["path"]), str(loc["name"]), str(keep), str(kept["name"]), sources)
        if isinstance(result, str):
            return result
        edits.append(result)
    summary = "; ".join(f"replace {e.path}'s copy of {finding.data.get('name')} with an import from {keep}"
                        for e in edits)
    return Repair(finding.id, "duplicate-copy", summary, tuple(edits))


def _replaced(rel: str, name: str, keep: str, kept_name: str, sources: Sources) -> FileEdit | str:
    before = sources.read(rel)
    module = parse(before)
    if module is None:
        return f"{rel} does not parse"
    found = [i for i, s in enumerate(module.body)
             if isinstance(s, (cst.ClassDef, cst.FunctionDef)) and s.name.value == name]
    if len(found) != 1:
        return f"{rel} does not define {name} once at its top level"
    body = list(module.body)
    remove_statement(body, found[0])
    alias = f" as {name}" if name != kept_name else ""
    insert_import(body, parse_line(f"from {keep} import {kept_name}{alias}\n"), sources.section)
    after = module.with_changes(body=body).code
    if not parses(after):
        return "the edited module would not parse"
    return FileEdit(rel, before, after)
