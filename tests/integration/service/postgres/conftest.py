"""Fixtures for the PostgreSQL tests: a fresh database per test on the real server that ``ci/postgres-up.sh`` starts.

The server's URL comes from ``WORKSPACE_TEST_POSTGRES_URL`` or, when that is unset, from the file the script
writes. Without a server the tests skip, except in CI (``CI`` or ``HEALTHCHECK_REQUIRE_DOCKER`` set), where
they fail: a PostgreSQL code path that silently stopped being tested is what this guards against.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest
from integration.service.required import unavailable
from sqlalchemy.engine import make_url

# the same default as ci/postgres-up.sh: ${WORKSPACE_PG_STATE:-${TMPDIR:-/tmp}/workspace-service-pg}
STATE_FILE = Path(
    os.environ.get("WORKSPACE_PG_STATE") or Path(os.environ.get("TMPDIR") or "/tmp", "workspace-service-pg")
) / "url"


def server_url() -> str | None:
    """The server's URL, from the environment or the state file of ci/postgres-up.sh."""
    url = os.environ.get("WORKSPACE_TEST_POSTGRES_URL", "").strip()
    if not url and STATE_FILE.is_file():
        url = STATE_FILE.read_text().strip()
    return url or None


def _admin(url: str) -> psycopg2.extensions.connection:
    parsed = make_url(url)
    conn = psycopg2.connect(
        host=parsed.host, port=parsed.port, user=parsed.username, password=parsed.password,
        dbname=parsed.database or "postgres", connect_timeout=5,
    )
    conn.autocommit = True
    return conn


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """The URL of an empty database made for this test and dropped after it."""
    url = server_url()
    try:
        if url is None:
            raise RuntimeError("WORKSPACE_TEST_POSTGRES_URL is not set; run ci/postgres-up.sh")
        admin = _admin(url)
    except Exception as exc:  # noqa: BLE001 - any failure here means "no usable server"
        unavailable(f"no PostgreSQL server: {exc}")
    name = f"ws_test_{uuid.uuid4().hex[:12]}"
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(url).set(drivername="postgresql+psycopg2", database=name).render_as_string(hide_password=False)
    finally:
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
