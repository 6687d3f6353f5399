"""The fact "this name is used but never defined", whichever engine found it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NameProblem:
    """A name used but never defined (``export``: listed in ``__all__`` but never defined)."""

    name: str
    line: int
    column: int
    export: bool = False
