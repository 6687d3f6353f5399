"""The service's metrics, in the Prometheus text format, right across the server's processes.

Each server process counts its own requests and tasks; a scrape lands on one process. So ``serve`` gives the
processes one fresh directory (``PROMETHEUS_MULTIPROC_DIR``, before they start) and prometheus_client's
multi-process mode keeps every process's values in a file there; a scrape adds them all up, so a counter
never goes down between scrapes, whichever process answers (a process that exits leaves its file, and its
counts stay in the sums). Without that directory (tests, ``--dev``) the values live in this process.
Labels are bounded: routes are rule templates, methods the ones the API knows, and no label names an owner.
The store's gauges (workspaces by state, tasks by status) are read at scrape time. Every series of an app's
scrape carries its ``replica`` label (the ``serve`` instance among those sharing one database), so the
instances' series never merge; a scraper's own ``instance`` label names the address, not the replica.
"""

from __future__ import annotations

import os
import re
from typing import Any

from prometheus_client import CollectorRegistry
from prometheus_client import Counter as _Counter
from prometheus_client import Histogram as _Histogram
from prometheus_client import generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"
_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{?)", re.MULTILINE)
METHODS = frozenset({"GET", "POST", "PATCH", "DELETE", "PUT", "HEAD", "OPTIONS"})


def method_label(method: str) -> str:
    """A request method as a label value: any other method a client invents counts as ``other``."""
    return method if method in METHODS else "other"


class Counter:
    """A monotonically increasing count per label set."""

    def __init__(self, name: str, help_text: str, labels: tuple[str, ...], registry: CollectorRegistry) -> None:
        self._series = _Series(_Counter(name, help_text, labels, registry=registry), labels)

    def inc(self, amount: float = 1.0, **labels: str) -> None:
        """Add ``amount`` to the series named by ``labels``."""
        self._series.child(labels).inc(amount)


class Histogram:
    """Observations bucketed by upper bound, one histogram per label set."""

    def __init__(self, name: str, help_text: str, labels: tuple[str, ...], buckets: tuple[float, ...],
                 registry: CollectorRegistry) -> None:
        self._series = _Series(_Histogram(name, help_text, labels, registry=registry, buckets=buckets), labels)

    def observe(self, value: float, **labels: str) -> None:
        """Count one observation."""
        self._series.child(labels).observe(value)


class _Series:
    """A metric family's children by label values, looked up once each: ``labels()`` takes the family's lock
    and checks every value on each call, and every request counts twice. The labels are bounded (see above),
    so the dict is too."""

    def __init__(self, family: Any, names: tuple[str, ...]) -> None:
        self._family, self._names = family, names
        self._children: dict[tuple[str, ...], Any] = {}

    def child(self, labels: dict[str, str]) -> Any:
        """The child of the family for ``labels`` (the family itself when it has no labels)."""
        if not self._names:
            return self._family
        key = tuple(labels[name] for name in self._names)
        found = self._children.get(key)
        if found is None:
            found = self._children[key] = self._family.labels(*key)
        return found


def _labels(pairs: dict[str, str]) -> str:
    inner = ",".join(f'{k}="{v.replace(chr(92), chr(92) * 2).replace(chr(34), chr(92) + chr(34))}"'
                     for k, v in pairs.items())
    return "{" + inner + "}" if inner else ""


def gauge_lines(name: str, help_text: str, label: str, values: dict[str, int]) -> list[str]:
    """A gauge family computed at scrape time."""
    lines = [f"# HELP {name} {help_text}", f"# TYPE {name} gauge"]
    lines += [f"{name}{_labels({label: k})} {v}" for k, v in sorted(values.items())]
    return lines


class Metrics:
    """The service's metric families, one instance per app."""

    def __init__(self, replica: str = "") -> None:
        self.replica = replica
        self._registry = CollectorRegistry(auto_describe=True)
        fast = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
        r = self._registry
        self.requests = Counter("workspace_http_requests", "HTTP requests by method, route and status.",
                                ("method", "route", "status"), r)
        self.request_seconds = Histogram("workspace_http_request_seconds", "HTTP request duration.", ("route",),
                                         fast, r)
        self.task_pickup_seconds = Histogram(
            "workspace_task_pickup_seconds", "Delay from a task becoming runnable to a worker claiming it.", (),
            fast, r)
        self.task_seconds = Histogram("workspace_task_seconds", "Task execution time by kind.", ("kind",),
                                      fast + (30.0, 60.0), r)
        self.task_outcomes = Counter("workspace_task_outcomes", "Task attempts by kind and outcome.",
                                     ("kind", "outcome"), r)
        self.reconcile_actions = Counter("workspace_reconcile_actions", "Reconciler actions by kind.", ("action",), r)

    def render(self, gauges: list[str]) -> str:
        """Every family (summed over the server's processes in multi-process mode) plus the scrape-time gauges."""
        registry = self._registry
        if os.environ.get(MULTIPROC_DIR):
            registry = CollectorRegistry()
            MultiProcessCollector(registry)  # type: ignore[no-untyped-call]  # the library has no annotations here
        text = generate_latest(registry).decode() + "\n".join(gauges) + "\n"
        return with_label(text, "replica", self.replica) if self.replica else text


def with_label(text: str, name: str, value: str) -> str:
    """Prometheus text with ``name="value"`` first in every sample's labels (comment lines untouched)."""
    pair = _labels({name: value})[1:-1]
    return _SAMPLE.sub(lambda m: m.group(1) + "{" + pair + ("," if m.group(2) else "}"), text)
