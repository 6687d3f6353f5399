"""The registry of post-check steps: what runs once every check has, in this order.

A post-check step reads the merged :class:`~healthcheck.check_run.CheckRun` and
refines it, as the checks are registered in :mod:`healthcheck.checks`: a class
with a ``name`` and ``run(run)`` (:class:`~healthcheck.check_run.PostCheckStep`),
listed here, so the engine runs whatever is registered without knowing any
step by name. Order matters: links go back first, so the recovery plan sees the
findings as the report will show them.
"""

from __future__ import annotations

from healthcheck.check_run import PostCheckStep
from healthcheck.links import LinkBack
from healthcheck.triage import Triage

BUILTIN: tuple[type[PostCheckStep], ...] = (LinkBack, Triage)


def all_post_check_steps() -> list[PostCheckStep]:
    """A fresh instance of every post-check step, in the order they run."""
    return [cls() for cls in BUILTIN]
