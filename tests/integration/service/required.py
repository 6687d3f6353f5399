"""A missing test dependency (Docker engine, PostgreSQL server): a failure in CI, a skip elsewhere.

In CI (``CI`` or ``HEALTHCHECK_REQUIRE_DOCKER`` set) a code path that silently stopped being tested is
what this guards against, so the test fails instead of skipping.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def required() -> bool:
    """True in CI, where a missing dependency fails the test instead of skipping it."""
    return bool(os.environ.get("HEALTHCHECK_REQUIRE_DOCKER") or os.environ.get("CI"))


def unavailable(message: str) -> NoReturn:
    """Fail the current test in CI, skip it elsewhere."""
    if required():
        pytest.fail(message + " (required: CI or HEALTHCHECK_REQUIRE_DOCKER is set)")
    pytest.skip(message)
