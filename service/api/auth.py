"""Bearer-token authentication: the token names the owner, and every query is scoped by that owner.

Tokens are looked up by their SHA-256 digest. A known token is remembered in process for ``CACHE_SECONDS``
so a busy read path does not pay a database round trip per request; that is also the bound on revocation:
``workspace-service token revoke`` deletes the digest, and every process refuses the token once its memory
of it runs out, at most ``CACHE_SECONDS`` later (unknown tokens are never remembered).
"""

from __future__ import annotations

import threading
import time

from service.store import Store
from service.store import tokens as token_rows

CACHE_SECONDS = 1.0  # the README states it as the revocation bound; tests hold it


class TokenCache:
    """Token -> owner, remembered for ``CACHE_SECONDS`` after a successful lookup."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._known: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def owner(self, token: str) -> str | None:
        """The owner of ``token``, or None for an unknown token."""
        key = token_rows.digest(token)
        now = time.monotonic()
        with self._lock:
            hit = self._known.get(key)
        if hit is not None and hit[1] > now:
            return hit[0]
        with self.store.read() as conn:
            owner = token_rows.owner_of(conn, token)
        if owner is not None:
            with self._lock:
                if len(self._known) > 10_000:
                    self._known.clear()
                self._known[key] = (owner, now + CACHE_SECONDS)
        return owner


def bearer(header: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, or None."""
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()
