"""Shared by the SQLite and the PostgreSQL group-commit tests: many creates of a few names at once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from service.domain.errors import Conflict
from service.domain.workspaces import Workspaces


def create_all_at_once(uses: Workspaces, owner: str, names: list[str], threads: int) -> list[str]:
    """Create a workspace per entry of ``names`` from ``threads`` threads; "created" or "conflict" for each."""

    def create(name: str) -> str:
        try:
            uses.create(owner, name)
        except Conflict:
            return "conflict"
        return "created"

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(create, names))


def create_from_each(everyone: list[Workspaces], owner: str, each: int) -> list[str]:
    """``each`` creates of distinct names from every use-case object at once (one thread per create), as the
    server's processes, each with its own store, would make them; "created" or "conflict" for each."""
    with ThreadPoolExecutor(len(everyone)) as pool:
        found = pool.map(lambda uses: create_all_at_once(uses, owner, [f"w{i}-{id(uses)}" for i in range(each)], each),
                         everyone)
        return [outcome for outcomes in found for outcome in outcomes]
