"""Reports built by hand for the gate, baseline and renderer tests (no scan needed)."""

from __future__ import annotations

from typing import Any

from healthcheck.model import CheckOutcome, Finding, GateResult, Related, Report

CYCLE = Finding.create(
    "import-cycle", "runtime import cycle: pkg.a -> pkg.b -> pkg.a", key="pkg.a,pkg.b", path="pkg/a.py", line=3,
    related=(Related("pkg/b.py", 1, "pkg.b imports pkg.a"),),
    data={"modules": ["pkg.a", "pkg.b"], "kind": "runtime", "edges": [
        {"importer": "pkg.a", "imported": "pkg.b", "path": "pkg/a.py", "line": 3, "text": "import pkg.b", "kind": "runtime"},
        {"importer": "pkg.b", "imported": "pkg.a", "path": "pkg/b.py", "line": 1, "text": "import pkg.a", "kind": "deferred"},
    ], "breakers": [{"importer": "pkg.b", "imported": "pkg.a", "how": "move it"}]},
)
NAME = Finding.create("undefined-name", "'time' is used but never defined", key="time", path="pkg/c.py", line=7,
                      data={"name": "time"})
PROJECT = Finding.create("contract-violation", "contract <broken> & \"quoted\"", key="k", severity="warning",
                         data={"contract": "c", "importer": "a", "imported": "b"})
INFO = Finding.create("import-cycle", "typing import cycle", key="typing", path="pkg/t.py", line=1, severity="info")


def report(findings: tuple[Finding, ...] = (CYCLE, NAME, PROJECT, INFO), passed: bool = False,
           extra: dict[str, Any] | None = None, root: str = "/tmp/repo") -> Report:
    gates = (
        GateResult("max_import_cycles", "import_cycle_verdicts.failing", "<=", 0, 1.0, passed),
        GateResult("max_undefined_names", "undefined_names", "<=", 0, 1.0, True),
    )
    return Report(
        root=root, started_at="2024-05-01T10:00:00+00:00", duration_s=1.5,
        checks={
            "import-cycle": CheckOutcome("import-cycle", "ok", 0.1),
            "names": CheckOutcome("names", "ok", 0.1),
            "contract-violation": CheckOutcome("contract-violation", "ok", 0.1),
            "type-error": CheckOutcome("type-error", "skipped", 0.0, "type checking turned off"),
            "import-health": CheckOutcome("import-health", "error", 0.2, "RuntimeError: boom"),
        },
        metrics={"files": 4, "import_cycles": {"runtime": 1, "deferred": 0, "typing": 1},
                 "import_cycle_verdicts": {"failing": 1}, "undefined_names": 1},
        gates=gates, findings=findings, version="0.1.0", extra=dict(extra or {}),
    )
