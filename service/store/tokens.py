"""API tokens, stored as SHA-256 digests: a leaked database does not leak usable tokens."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import Connection, bindparam, select

from service.store.tables import tokens as t

_OWNER_OF = select(t.c.owner).where(t.c.digest == bindparam("digest"))


def digest(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue(conn: Connection, owner: str, now: float) -> str:
    """Make a new token for ``owner``, store its digest and return the token itself (shown once)."""
    token = "wst_" + secrets.token_urlsafe(32)
    conn.execute(t.insert(), {"digest": digest(token), "owner": owner, "created_at": now})
    return token


def owner_of(conn: Connection, token: str) -> str | None:
    """The owner a token belongs to, or None for an unknown token."""
    row = conn.execute(_OWNER_OF, {"digest": digest(token)}).first()
    return None if row is None else str(row[0])
