"""A baseline: today's accepted debt, so that a gate fails only on what is new, and tightens by itself.

A gate nobody can pass on day one is switched off on day two. The baseline
records the fingerprints of the findings a team accepts (``Finding.id``: check,
path and a key, never a line number, so entries survive unrelated edits) and
the value of every gated metric. A gate run against it then fails only on
findings that are not in it and on metrics that got worse; fixed entries are
reported, and ``--update`` removes them and records better metric values. It
never adds an entry or records a worse value by itself: loosening is a human
decision, made by running ``healthcheck baseline`` again.

The file is JSON laid out for merges: keys sorted, one finding per line,
entries sorted by check, path and id, so two branches that each fix something
merge without conflict. Each entry may carry a ``reason`` and an ``expires``
date (ISO); an expired entry no longer excuses its finding.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from healthcheck.errors import UsageError
from healthcheck.model import Finding
from healthcheck.regular_file import BASELINE_LIMIT, CONFIG_LIMIT, read_regular_text

BASELINE_SCHEMA = "healthcheck.baseline/1"
DEFAULT_NAME = ".healthcheck-baseline.json"
# Findings of this severity never fail a gate, so a baseline neither needs nor keeps them.
IGNORED_SEVERITIES = frozenset({"info"})


@dataclass(frozen=True)
class Entry:
    """One accepted finding."""

    id: str
    kind: str  # the finding kind (the file's ``check`` field)
    path: str | None
    message: str
    reason: str | None = None
    expires: str | None = None  # ISO date; the entry excuses its finding up to and including that day

    def expired(self, today: dt.date) -> bool:
        return self.expires is not None and dt.date.fromisoformat(self.expires) < today

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"check": self.kind, "id": self.id, "message": self.message, "path": self.path}
        if self.reason:
            out["reason"] = self.reason
        if self.expires:
            out["expires"] = self.expires
        return out


@dataclass(frozen=True)
class Baseline:
    """What a repository accepted at one point: finding entries and metric values."""

    repository: str
    entries: Mapping[str, Entry] = field(default_factory=dict)
    metrics: Mapping[str, float] = field(default_factory=dict)
    created_at: str = ""


@dataclass(frozen=True)
class Comparison:
    """A report held against a baseline."""

    new: tuple[Finding, ...]  # not in the baseline, or excused by an expired entry
    known: tuple[Finding, ...]  # excused by a live entry
    fixed: tuple[Entry, ...]  # its check ran, its file is still there, the finding is gone
    stale: tuple[Entry, ...]  # its file is gone: the entry can no longer match anything
    expired: tuple[Entry, ...]  # past its expiry date (its finding, if still there, counts as new)

    def to_json(self, path: str) -> dict[str, Any]:
        return {
            "path": path,
            "new": [f.id for f in self.new],
            "known": len(self.known),
            "fixed": [e.to_json() for e in self.fixed],
            "stale": [e.to_json() for e in self.stale],
            "expired": [e.to_json() for e in self.expired],
        }


def repository_identity(root: Path) -> str:
    """A name for the repository that is the same in every clone: the project name, else the folder name.

    A commit hash would not do: CI's shallow clones do not have the first commit.
    """
    pyproject = root / "pyproject.toml"
    try:
        data = tomllib.loads(read_regular_text(pyproject, CONFIG_LIMIT))
        name = data.get("project", {}).get("name")
        if isinstance(name, str) and name.strip():
            return name.strip()
    except (OSError, ValueError, AttributeError, RecursionError):  # ValueError: not TOML, or not UTF-8
        pass
    return root.resolve().name


def gated(findings: Iterable[Finding]) -> list[Finding]:
    """The findings a baseline is about (everything but informational ones)."""
    return [f for f in findings if f.severity not in IGNORED_SEVERITIES]


def build(
    root: Path,
    findings: Iterable[Finding],
    metrics: Mapping[str, float],
    previous: Baseline | None = None,
    today: dt.date | None = None,
) -> Baseline:
    """A baseline accepting every current finding; reasons and expiry dates of a previous one carry over."""
    kept = previous.entries if previous else {}
    entries: dict[str, Entry] = {}
    for f in gated(findings):
        old = kept.get(f.id)
        entries[f.id] = Entry(
            f.id, f.kind, f.path, f.message,
            reason=old.reason if old else None, expires=old.expires if old else None,
        )
    return Baseline(
        repository=repository_identity(root),
        entries=entries,
        metrics=dict(metrics),
        created_at=(today or dt.date.today()).isoformat(),
    )


def outdated(baseline: Baseline, gates: Iterable[tuple[str, str, Sequence[str]]]) -> str | None:
    """Why ``baseline`` cannot be compared with today's gates, or None when it can.

    ``gates`` holds each gate's name, its metric and the metrics it read before (:attr:`GateSpec.retired`). A
    baseline that records a retired metric and not the current one was written before the gate changed what
    it counts (``max_import_cycles`` counted enumerated runtime cycles, now failing components): no value of
    it means anything for the gate now, and keeping the default threshold instead would pass or fail the gate
    on debt the baseline never recorded.
    """
    for name, metric, retired in gates:
        old = [m for m in retired if m in baseline.metrics]
        if old and metric not in baseline.metrics:
            return (
                f"it was written when {name} read {old[0]}, and it reads {metric} now, so its value cannot be "
                "compared: rewrite the baseline with `healthcheck baseline`"
            )
    return None


def _fail(path: Path, why: str) -> UsageError:
    return UsageError(f"baseline {path}: {why}")


def _entry(path: Path, raw: Any, index: int) -> Entry:
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str) or not isinstance(raw.get("check"), str):
        raise _fail(path, f"finding #{index + 1} needs an 'id' and a 'check' string")
    for key in ("path", "message", "reason", "expires"):
        if raw.get(key) is not None and not isinstance(raw[key], str):
            raise _fail(path, f"finding {raw['id']!r}: {key} must be a string, got {type(raw[key]).__name__}")
    expires = raw.get("expires")
    if expires is not None:
        try:
            dt.date.fromisoformat(expires)
        except ValueError:
            raise _fail(path, f"finding {raw['id']!r}: expires {expires!r} is not an ISO date (YYYY-MM-DD)") from None
    return Entry(
        id=raw["id"],
        kind=raw["check"],
        path=raw.get("path"),
        message=raw.get("message") or "",
        reason=raw.get("reason") or None,
        expires=expires or None,
    )


def _no_constant(name: str) -> Any:
    """``json.loads`` hook for NaN and Infinity, which are no JSON and no metric value."""
    raise ValueError(f"{name} is not a number JSON allows")


def load(path: Path, root: Path) -> Baseline:
    """Read and validate a baseline; a corrupt one, or one of another schema or repository, is a UsageError."""
    try:
        text = read_regular_text(path, BASELINE_LIMIT)
    except FileNotFoundError:
        raise _fail(path, "does not exist (write one with `healthcheck baseline`)") from None
    except OSError as exc:
        raise _fail(path, f"cannot be read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise _fail(path, f"is corrupt (not UTF-8 at byte {exc.start})") from None
    try:
        doc = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise _fail(path, f"is corrupt (not JSON: {exc.msg} at line {exc.lineno})") from None
    except ValueError as exc:
        raise _fail(path, f"is corrupt ({exc})") from None
    except RecursionError:
        raise _fail(path, "is corrupt (nested too deeply)") from None
    if not isinstance(doc, dict):
        raise _fail(path, "is corrupt (not a JSON object)")
    schema = doc.get("schema")
    if schema != BASELINE_SCHEMA:
        raise _fail(path, f"has schema {schema!r}; this healthcheck reads {BASELINE_SCHEMA!r}")
    here = repository_identity(root)
    if doc.get("repository") != here:
        raise _fail(path, f"belongs to repository {doc.get('repository')!r}, not {here!r}")
    raw_findings = doc.get("findings", [])
    raw_metrics = doc.get("metrics", {})
    if not isinstance(raw_findings, list) or not isinstance(raw_metrics, dict):
        raise _fail(path, "is corrupt ('findings' must be a list and 'metrics' an object)")
    metrics: dict[str, float] = {}
    for name, value in raw_metrics.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _fail(path, f"metric {name!r} must be a number, got {type(value).__name__}")
        try:
            number = float(value)
        except OverflowError:  # an integer beyond a float's range
            number = math.inf
        if not math.isfinite(number):
            raise _fail(path, f"metric {name!r} must be a finite number")
        metrics[name] = number
    entries = {e.id: e for e in (_entry(path, raw, i) for i, raw in enumerate(raw_findings))}
    return Baseline(repository=here, entries=entries, metrics=metrics, created_at=str(doc.get("created_at", "")))


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else round(value, 4)


def dumps(baseline: Baseline) -> str:
    """The merge-friendly text: sorted keys, one finding and one metric per line."""
    head = {"created_at": baseline.created_at, "repository": baseline.repository, "schema": BASELINE_SCHEMA}
    lines = ["{"]
    lines += [f"  {json.dumps(k)}: {json.dumps(v)}," for k, v in head.items()]
    ordered = sorted(baseline.entries.values(), key=lambda e: (e.kind, e.path or "", e.id))
    lines.append('  "findings": [')
    body = [f"    {json.dumps(e.to_json(), sort_keys=True, ensure_ascii=False)}" for e in ordered]
    if body:
        lines.append(",\n".join(body))
    lines.append("  ],")
    lines.append('  "metrics": {')
    metric_lines = [f"    {json.dumps(k)}: {json.dumps(_number(v))}" for k, v in sorted(baseline.metrics.items())]
    if metric_lines:
        lines.append(",\n".join(metric_lines))
    lines.append("  }")
    lines.append("}")
    return "\n".join(lines) + "\n"


def save(path: Path, baseline: Baseline) -> None:
    try:
        path.write_text(dumps(baseline), encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write baseline {path}: {exc.strerror or exc}") from None


def compare(
    baseline: Baseline,
    findings: Iterable[Finding],
    root: Path,
    checks_ran: Iterable[str],
    today: dt.date | None = None,
) -> Comparison:
    """Sort the current findings into new and known, and the baseline's entries into fixed, stale, expired."""
    day = today or dt.date.today()
    current = gated(findings)
    present = {f.id for f in current}
    ran = set(checks_ran)
    new: list[Finding] = []
    known: list[Finding] = []
    for f in current:
        entry = baseline.entries.get(f.id)
        (known if entry is not None and not entry.expired(day) else new).append(f)
    fixed: list[Entry] = []
    stale: list[Entry] = []
    for entry in baseline.entries.values():
        if entry.id in present:
            continue
        if entry.path is not None and not (root / entry.path).exists():
            stale.append(entry)
        elif entry.kind in ran:
            fixed.append(entry)
    expired = [e for e in baseline.entries.values() if e.expired(day)]

    def order(e: Entry) -> tuple[str, str, str]:
        return (e.kind, e.path or "", e.id)

    return Comparison(
        new=tuple(new), known=tuple(known),
        fixed=tuple(sorted(fixed, key=order)), stale=tuple(sorted(stale, key=order)),
        expired=tuple(sorted(expired, key=order)),
    )


def tighten(
    baseline: Baseline,
    comparison: Comparison,
    metrics: Mapping[str, float],
    directions: Mapping[str, str],
    today: dt.date | None = None,
) -> Baseline:
    """The baseline without fixed and stale entries and with every metric that improved at its new value.

    ``directions`` maps a metric to its gate's operator (``<=``: lower is better).
    Nothing is ever added and no value gets worse.
    """
    gone = {e.id for e in comparison.fixed} | {e.id for e in comparison.stale}
    entries = {k: v for k, v in baseline.entries.items() if k not in gone}
    better = dict(baseline.metrics)
    for name, old in baseline.metrics.items():
        now = metrics.get(name)
        op = directions.get(name)
        if now is None or op is None:
            continue
        if (op == "<=" and now < old) or (op == ">=" and now > old):
            better[name] = now
    return replace(baseline, entries=entries, metrics=better, created_at=(today or dt.date.today()).isoformat())
