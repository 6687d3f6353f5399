"""Rule violations. The API turns each class into one HTTP status and an RFC 9457 problem document."""

from __future__ import annotations


class DomainError(Exception):
    """A request the rules refuse; ``detail`` says why in words a caller can act on."""

    def __init__(self, detail: str, **extensions: object) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extensions = extensions


class NotFound(DomainError):
    """Absent, or the caller's owner does not own it: the two look the same on purpose."""


class Conflict(DomainError):
    """Legal request, illegal now (state transition, name in use)."""


class Invalid(DomainError):
    """Well-formed but refused by a rule (image not allowed, path outside the root, over a limit)."""


class TooMany(DomainError):
    """A limit on things in progress at once is reached; the detail names the limit. Retry later."""


class Unavailable(DomainError):
    """The container engine does not answer, so the request cannot be served now."""
