"""What the owner-facing use cases share: the store, the settings, a way to wake workers, a clock."""

from __future__ import annotations

import time
from collections.abc import Callable

from service.settings import Settings
from service.store import Store


class UseCases:
    """Base of ``Workspaces`` and ``Batches``; ``notify`` is called after tasks are queued."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        notify: Callable[[], None] = lambda: None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.settings = settings
        self.notify = notify
        self.clock = clock
