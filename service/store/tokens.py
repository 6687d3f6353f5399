"""API tokens, stored as SHA-256 digests: a leaked database does not leak usable tokens.

A token is listed and revoked by its id, the first ``ID_LENGTH`` hex digits of its digest: enough to tell
tokens apart, and (being part of a digest) no help to anyone who wants the token itself.
Owner names are DNS labels: they name a directory below the projects root, and ``"alice "`` must not be
an owner apart from ``"alice"``.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, select

from service.store.tables import tokens as t

ID_LENGTH = 12
OWNER_RE = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")
_OWNER_OF = select(t.c.owner).where(t.c.digest == bindparam("digest"))


@dataclass(frozen=True)
class TokenInfo:
    """What may be shown about a token: never the token, only its id, owner and age."""

    id: str
    owner: str
    created_at: float


def digest(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def owner_problem(owner: str) -> str | None:
    """Why ``owner`` cannot be an owner's name, or None when it can."""
    if OWNER_RE.fullmatch(owner) is None:
        return f"owner must be a DNS label (a-z, 0-9 and '-', 1 to 63 characters): {owner[:64]!r}"
    return None


def issue(conn: Connection, owner: str, now: float) -> str:
    """Make a new token for ``owner``, store its digest and return the token itself (shown once)."""
    problem = owner_problem(owner)
    if problem is not None:
        raise ValueError(problem)
    token = "wst_" + secrets.token_urlsafe(32)
    conn.execute(t.insert(), {"digest": digest(token), "owner": owner, "created_at": now})
    return token


def owner_of(conn: Connection, token: str) -> str | None:
    """The owner a token belongs to, or None for an unknown token."""
    row = conn.execute(_OWNER_OF, {"digest": digest(token)}).first()
    return None if row is None else str(row[0])


def listing(conn: Connection, owner: str | None = None) -> list[TokenInfo]:
    """Every token (or the owner's), oldest first."""
    query = select(t.c.digest, t.c.owner, t.c.created_at).order_by(t.c.created_at, t.c.digest)
    if owner is not None:
        query = query.where(t.c.owner == owner)
    return [TokenInfo(str(row[0])[:ID_LENGTH], str(row[1]), float(row[2])) for row in conn.execute(query)]


def revoke(conn: Connection, token_id: str | None = None, owner: str | None = None) -> list[TokenInfo]:
    """Delete the token with id ``token_id``, or every token of ``owner``; returns what was deleted."""
    found = [info for info in listing(conn, owner) if token_id is None or info.id == token_id]
    for info in found:
        conn.execute(t.delete().where(t.c.digest.startswith(info.id, autoescape=True), t.c.owner == info.owner))
    return found
