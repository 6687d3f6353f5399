"""Workspace policy rows: environment, secrets, idle timeout, expiry and last activity of each workspace.

Secrets come back from here only for the container's environment (``environment``); everything the API shows
goes through ``Policy``, which holds their names alone.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, delete, select, update

from service.model import State
from service.store import workspaces as workspace_rows
from service.store.rows import insert_row
from service.store.tables import workspace_policy as t
from service.store.tables import workspaces as w

_TOUCH = update(t).where(t.c.workspace_id == bindparam("key")).values(last_active_at=bindparam("now"))


@dataclass(frozen=True)
class Policy:
    """What the API may show of a workspace's policy: its environment, its secrets' names, its clocks."""

    workspace_id: str
    env: dict[str, str]
    secret_names: tuple[str, ...]
    idle_timeout: float | None
    expires_at: float | None
    last_active_at: float


def insert(conn: Connection, workspace_id: str, env: dict[str, str], secrets: dict[str, str],
           idle_timeout: float | None, expires_at: float | None, now: float) -> None:
    """Store a new workspace's policy."""
    insert_row(conn, t, {"workspace_id": workspace_id, "env": json.dumps(env), "secrets": json.dumps(secrets),
                         "idle_timeout": idle_timeout, "expires_at": expires_at, "last_active_at": now})


def _policy(values: Mapping[Any, Any]) -> Policy:
    return Policy(workspace_id=values["workspace_id"], env=json.loads(values["env"]),
                  secret_names=tuple(sorted(json.loads(values["secrets"]))), idle_timeout=values["idle_timeout"],
                  expires_at=values["expires_at"], last_active_at=values["last_active_at"])


def get(conn: Connection, workspace_id: str) -> Policy | None:
    """One workspace's policy, or None for a workspace made before policies existed."""
    row = conn.execute(select(t).where(t.c.workspace_id == workspace_id)).mappings().first()
    return None if row is None else _policy(row)


def environment(conn: Connection, workspace_id: str) -> dict[str, str]:
    """The container's environment: the variables and the secrets (secrets win a name both give)."""
    row = conn.execute(select(t.c.env, t.c.secrets).where(t.c.workspace_id == workspace_id)).first()
    if row is None:
        return {}
    return {**json.loads(row[0]), **json.loads(row[1])}


def touch(conn: Connection, workspace_id: str, now: float, owner: str | None = None) -> None:
    """Record activity on a workspace (only if it is ``owner``'s, when named; one made before policies existed
    gets its row now)."""
    if owner is not None and workspace_rows.get(conn, workspace_id, owner) is None:
        return
    if int(conn.execute(_TOUCH, {"key": workspace_id, "now": now}).rowcount) == 0:
        insert(conn, workspace_id, {}, {}, None, None, now)


def drop(conn: Connection, workspace_id: str) -> None:
    """Forget a deleted workspace's policy, its secrets with it."""
    conn.execute(delete(t).where(t.c.workspace_id == workspace_id))


def live(conn: Connection) -> dict[str, Policy]:
    """The policies of every workspace that is not deleted, for the reconciler's periodic pass."""
    rows = conn.execute(select(t).join(w, w.c.id == t.c.workspace_id).where(w.c.state != State.DELETED.value)).mappings()
    return {policy.workspace_id: policy for policy in map(_policy, rows)}
