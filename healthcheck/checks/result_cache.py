"""Keep a check's result between scans, under a key of everything it depends on.

A warm scan of an unchanged repository should cost little more than reading
its files: the parse is cached by content, and a check whose inputs (the import
graph, the facts, its options, its own code) hash to the same key as last time
can return last time's result. One small pickle per check, replaced atomically,
read back only through :mod:`healthcheck.cache_store`'s allow-list; a missing,
stale, corrupt or forged file only means computing again.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Iterable, NamedTuple

from healthcheck.cache_store import read_pickle, write_pickle
from healthcheck.check_run import Sections
from healthcheck.checks.base import CheckResult
from healthcheck.model import Finding
from healthcheck.shape import conforms, record_classes


class Stored(NamedTuple):
    """What one check's cache file holds."""

    key: str
    findings: tuple[Finding, ...]
    metrics: dict[str, Any]
    detail: str
    sections: dict[str, Any]  # Sections.as_dict()


_ALLOWED = record_classes([Stored])


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
    """The result kept under ``name`` when its key is ``key``, else None.

    Read with :mod:`healthcheck.cache_store`'s allow-list (findings and their
    related places, besides plain data) and checked against :class:`Stored`'s
    hints: a file of another shape is a result never kept.
    """
    if cache_dir is None:
        return None
    stored = read_pickle(cache_dir / f"{name}-result.pickle", _ALLOWED)
    if type(stored) is not Stored or not conforms(stored, Stored, _ALLOWED) or stored.key != key:
        return None
    return CheckResult(
        findings=list(stored.findings), metrics=dict(stored.metrics), detail=stored.detail,
        sections=Sections.restored(stored.sections),
    )


def save_result(cache_dir: Path | None, name: str, key: str, result: CheckResult) -> None:
    """Keep an ``ok`` result for the next scan (errors are never kept: they deserve a retry)."""
    if cache_dir is None or result.status != "ok":
        return
    stored = Stored(key, tuple(result.findings), dict(result.metrics), result.detail, result.sections.as_dict())
    write_pickle(cache_dir / f"{name}-result.pickle", stored)  # an unwritable cache only costs speed next time
