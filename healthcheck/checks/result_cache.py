"""Keep a check's result between scans, under a key of everything it depends on.

A warm scan of an unchanged repository should cost little more than reading
its files: the parse is cached by content, and a check whose inputs (the import
graph, the facts, its options, its own code) hash to the same key as last time
can return last time's result. One small pickle per check, replaced atomically;
a missing, stale or corrupt file only means computing again.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from pathlib import Path
from typing import Iterable

from healthcheck.checks.base import CheckResult


def code_digest(*modules: str) -> str:
    """A digest of the given source files: a kept result never outlives the code that computed it.

    Callers memoise it for their own code (read when the check first asks, not at import).
    """
    h = hashlib.sha1()
    for module in sorted(modules):
        try:
            h.update(Path(module).read_bytes())
        except OSError:
            h.update(module.encode())
    return h.hexdigest()


def result_key(parts: Iterable[str]) -> str:
    h = hashlib.sha1()
    for part in parts:
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\x1f")
    return h.hexdigest()


def load_result(cache_dir: Path | None, name: str, key: str) -> CheckResult | None:
    """The result kept under ``name`` when its key is ``key``, else None."""
    if cache_dir is None:
        return None
    try:
        with (cache_dir / f"{name}-result.pickle").open("rb") as fh:
            stored = pickle.load(fh)
        if stored["key"] != key:
            return None
        return CheckResult(
            findings=list(stored["findings"]), metrics=dict(stored["metrics"]),
            detail=stored["detail"], extra=dict(stored.get("extra", {})),
        )
    except Exception:  # no cache, an old one or a corrupt one: compute
        return None


def save_result(cache_dir: Path | None, name: str, key: str, result: CheckResult) -> None:
    """Keep an ``ok`` result for the next scan (errors are never kept: they deserve a retry)."""
    if cache_dir is None or result.status != "ok":
        return
    stored = {
        "key": key, "findings": result.findings, "metrics": result.metrics,
        "detail": result.detail, "extra": result.extra,
    }
    path = cache_dir / f"{name}-result.pickle"
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        with tmp.open("wb") as fh:
            pickle.dump(stored, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:
        pass  # an unwritable cache only costs speed next time
