"""What a change did: scan a git ref in a throwaway worktree and the working tree, and compare.

A pull request should be judged on what it changes. The base ref is checked
out with ``git worktree add --detach`` into a temporary folder (removed
afterwards, whatever happens), both trees are scanned the same way, and the
difference is expressed in the terms reviewers use: import edges added,
cycles added and removed, duplicates and type errors added (the lists the
finding kinds ask for in the catalog), coverage of the changed lines. Each
new item is traced to the lines the change touched, so a reviewer sees which
of their lines caused it. Asking git (the ref, the worktree, which lines
changed) is :mod:`healthcheck.git`'s.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from healthcheck.catalog import diff_sections
from healthcheck.engine import ScanResult
from healthcheck.graph.build import ImportGraph
from healthcheck.model import Finding


@dataclass
class ChangeReport:
    """The difference between the base scan and the working tree scan."""

    base: str
    commit: str
    new_findings: list[Finding] = field(default_factory=list)
    fixed_findings: list[Finding] = field(default_factory=list)
    new_edges: list[dict[str, Any]] = field(default_factory=list)
    changed_files: int = 0
    changed_line_count: int = 0
    diff_coverage: float | None = None

    def traced(self, f: Finding, changed: Mapping[str, set[int]]) -> list[str]:
        return _touches(f, changed)

    def to_json(self, changed: Mapping[str, set[int]]) -> dict[str, Any]:
        def row(f: Finding) -> dict[str, Any]:
            return {"id": f.id, "check": f.kind, "message": f.message, "path": f.path, "line": f.line,
                    "changed_lines": _touches(f, changed)}

        out: dict[str, Any] = {
            "base": self.base,
            "commit": self.commit,
            "changed_files": self.changed_files,
            "changed_lines": self.changed_line_count,
            "new_findings": [row(f) for f in self.new_findings],
            "fixed_findings": [row(f) for f in self.fixed_findings],
            "new_import_edges": self.new_edges,
        }
        for section, kinds in diff_sections():  # the lists the catalog's kinds ask for, in its order
            out[f"new_{section.key}"] = [row(f) for f in self.new_findings if f.kind in kinds]
            if section.removed:
                out[f"removed_{section.key}"] = [row(f) for f in self.fixed_findings if f.kind in kinds]
        out["diff_coverage"] = self.diff_coverage
        return out


def _places(f: Finding) -> list[tuple[str, int]]:
    """Every (path, line) a finding points at: its own place, related places, the sites of its edges."""
    places = [(f.path, f.line)] if f.path and f.line else []
    places += [(r.path, r.line) for r in f.related if r.path and r.line]
    for key in ("edges", "locations"):
        for item in f.data.get(key, []) or []:
            if isinstance(item, Mapping) and item.get("path") and isinstance(item.get("line"), int):
                places.append((str(item["path"]), int(item["line"])))
    return places


def _touches(f: Finding, changed: Mapping[str, set[int]]) -> list[str]:
    """The changed lines a finding points at, as ``path:line``."""
    return sorted({f"{p}:{n}" for p, n in _places(f) if n in changed.get(p, set())})


def new_import_edges(base: ImportGraph | None, head: ImportGraph | None,
                     changed: Mapping[str, set[int]]) -> list[dict[str, Any]]:
    """Edges of the working tree that the base did not have, each with the statements that make it."""
    if head is None:
        return []
    before = set(base.edges) if base is not None else set()
    out: list[dict[str, Any]] = []
    for (importer, imported), sites in sorted(head.edges.items()):
        if (importer, imported) in before:
            continue
        out.append({
            "importer": importer, "imported": imported, "kind": head.edge_kind(importer, imported),
            "sites": [{"path": s.path, "line": s.line, "text": s.text, "changed": s.line in changed.get(s.path, set())}
                      for s in sites],
        })
    return out


def compare(base: ScanResult, head: ScanResult, ref: str, commit: str,
            changed: Mapping[str, set[int]]) -> ChangeReport:
    before = {f.id for f in base.report.findings}
    after = {f.id for f in head.report.findings}
    coverage = head.report.metrics.get("coverage")
    diff_cov = coverage.get("diff_percent") if isinstance(coverage, Mapping) else None
    return ChangeReport(
        base=ref,
        commit=commit,
        new_findings=[f for f in head.report.findings if f.id not in before],
        fixed_findings=[f for f in base.report.findings if f.id not in after],
        new_edges=new_import_edges(base.graph, head.graph, changed),
        changed_files=len(changed),
        changed_line_count=sum(len(v) for v in changed.values()),
        diff_coverage=float(diff_cov) if isinstance(diff_cov, (int, float)) else None,
    )


def base_root(tree: Path, inside: str) -> Path:
    return tree / inside if inside else tree

