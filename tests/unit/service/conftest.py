"""Unit-test fixtures: a real SQLite store in tmp, and a fake engine at the ContainerRuntime protocol only."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from service.runtime import ContainerInfo, ContainerStats, ExecSpec, Output, RuntimeUnavailable
from service.settings import Settings
from service.store import Store


class FakeRuntime:
    """Answers status questions the way an engine would; ``down`` makes every call fail like a dead daemon."""

    def __init__(self) -> None:
        self.containers: dict[str, ContainerInfo] = {}
        self.down = False

    def _check(self) -> None:
        if self.down:
            raise RuntimeUnavailable("Docker engine unreachable: fake daemon stopped")

    def inspect(self, container_id: str) -> ContainerInfo | None:
        self._check()
        return self.containers.get(container_id)

    def stats(self, container_id: str) -> ContainerStats:
        self._check()
        return ContainerStats(cpu_seconds=1.5, memory_bytes=1024, memory_limit_bytes=4096)

    def exec(self, container_id: str, spec: ExecSpec) -> FakeExec:
        """A command whose output is ``self.output``; with ``self.hang`` it then waits until killed."""
        self._check()
        session = FakeExec(spec, list(getattr(self, "output", [])), getattr(self, "hang", False),
                           getattr(self, "exit", 0))
        self.execs = [*getattr(self, "execs", []), session]
        return session


class FakeExec:
    """An exec session as the engine plays one: output pieces, then (unless it hangs until ``kill``) an exit."""

    def __init__(self, spec: ExecSpec, output: list[Output], hang: bool, exit_code: int) -> None:
        self.spec, self.output, self.hang, self.code = spec, output, hang, exit_code
        self.killed = threading.Event()

    def __iter__(self) -> Iterator[Output]:
        yield from self.output
        if self.hang:
            self.killed.wait(10)

    def exit_code(self) -> int | None:
        return 137 if self.killed.is_set() else self.code

    def kill(self) -> None:
        self.killed.set()


@pytest.fixture
def fake_runtime() -> FakeRuntime:
    return FakeRuntime()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    (tmp_path / "projects").mkdir()
    return Settings(database_url=f"sqlite:///{tmp_path / 'unit.db'}", projects_root=str(tmp_path / "projects"),
                    max_batch=3)


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    found = Store(settings.database_url)
    yield found
    found.close()
