"""The plain data a scan produces: findings, check outcomes, gates and the report.

Everything here is a frozen dataclass with no behaviour beyond building and
serialising itself, so that every layer above can exchange it freely and the
JSON contract (``schema/report.schema.json``) has exactly one source.

A finding's ``id`` is a fingerprint: a hash of the check, the path and a *key*
the check chooses (a symbol, an error code, a normalised snippet), never a line
number. The same problem therefore keeps its id when unrelated lines move, which
is what baselines and pull-request diffs rely on.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Literal, Mapping

SCHEMA = "healthcheck.report/1"

Severity = Literal["error", "warning", "info"]
CheckStatus = Literal["ok", "skipped", "error"]

SEVERITY_ORDER: Mapping[str, int] = {"error": 0, "warning": 1, "info": 2}


def fingerprint(*parts: str) -> str:
    """A short stable hash of the given parts (order matters)."""
    digest = hashlib.sha1("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()
    return digest[:16]


@dataclass(frozen=True)
class Related:
    """Another place that belongs to a finding (the other side of a duplicate, an edge of a cycle)."""

    path: str
    line: int | None
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line, "message": self.message}


@dataclass(frozen=True)
class Finding:
    """One problem, in one place, that a person can understand from its message alone."""

    id: str
    kind: str  # the finding kind (the report's ``check`` field)
    severity: Severity
    message: str
    path: str | None
    line: int | None
    end_line: int | None = None
    related: tuple[Related, ...] = ()
    data: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def create(
        cls,
        kind: str,
        message: str,
        *,
        key: str,
        path: str | None = None,
        line: int | None = None,
        end_line: int | None = None,
        severity: Severity = "error",
        related: tuple[Related, ...] = (),
        data: Mapping[str, Any] | None = None,
    ) -> Finding:
        """Build a finding whose id is the fingerprint of (kind, path, key).

        ``key`` is what makes this problem this problem: the undefined name,
        the sorted modules of a cycle, the mypy code plus the normalised line.
        It must not contain a line number.
        """
        return cls(
            id=f"{kind}:{fingerprint(kind, path or '', key)}",
            kind=kind,
            severity=severity,
            message=message,
            path=path,
            line=line,
            end_line=end_line,
            related=related,
            data=dict(data or {}),
        )

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "check": self.kind,
            "severity": self.severity,
            "message": self.message,
            "path": self.path,
            "line": self.line,
        }
        if self.end_line is not None:
            out["end_line"] = self.end_line
        out["related"] = [r.to_json() for r in self.related]
        out["data"] = dict(self.data)
        return out


@dataclass(frozen=True)
class CheckOutcome:
    """How one check went: whether it ran, how long it took, and why not if it did not."""

    name: str
    status: CheckStatus
    duration_s: float
    detail: str = ""
    # Gates of this check that do not apply to this run, with why (no --diff-base, coverage turned off).
    not_gated: Mapping[str, str] = field(default_factory=dict)
    # The engine that judged (name, version, python, environment), when the check used one.
    engine: Mapping[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"status": self.status, "duration_s": round(self.duration_s, 4), "detail": self.detail}
        if self.engine:
            out["engine"] = dict(self.engine)
        if self.not_gated:
            out["not_gated"] = dict(self.not_gated)
        return out


@dataclass(frozen=True)
class GateResult:
    """One threshold applied to one metric."""

    name: str
    metric: str
    op: str
    threshold: float
    actual: float | None
    passed: bool
    baseline: float | None = None
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "metric": self.metric,
            "op": self.op,
            "threshold": self.threshold,
            "actual": self.actual,
            "passed": self.passed,
        }
        if self.baseline is not None:
            out["baseline"] = self.baseline
        if self.detail:
            out["detail"] = self.detail
        return out


@dataclass(frozen=True)
class Report:
    """Everything one run learned. ``to_json`` is the public contract of docs/report.md."""

    root: str
    started_at: str
    duration_s: float
    checks: Mapping[str, CheckOutcome]
    metrics: Mapping[str, Any]
    gates: tuple[GateResult, ...]
    findings: tuple[Finding, ...]
    version: str
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return all(g.passed for g in self.gates)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "schema": SCHEMA,
            "tool": {"name": "healthcheck", "version": self.version},
            "root": self.root,
            "started_at": self.started_at,
            "duration_s": round(self.duration_s, 4),
            "checks": {name: c.to_json() for name, c in self.checks.items()},
            "metrics": dict(self.metrics),
            "gates": [g.to_json() for g in self.gates],
            "passed": self.passed,
            "findings": [f.to_json() for f in self.findings],
        }
        out.update(self.extra)
        return out


def sort_findings(findings: list[Finding] | tuple[Finding, ...]) -> tuple[Finding, ...]:
    """Worst first, then by place, so every renderer shows the same order."""
    return tuple(
        sorted(
            findings,
            key=lambda f: (SEVERITY_ORDER.get(f.severity, 9), f.kind, f.path or "", f.line or 0, f.id),
        )
    )
