"""A small in-process metrics registry rendered in the Prometheus text format (version 0.0.4).

Hand-written because the service needs only counters and histograms and no Prometheus client library is
part of the distribution; the store's gauges (workspaces by state, tasks by status) are read at scrape time.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Iterable

LabelKey = tuple[tuple[str, str], ...]


def _labels(key: LabelKey, extra: Iterable[tuple[str, str]] = ()) -> str:
    pairs = list(key) + list(extra)
    if not pairs:
        return ""
    inner = ",".join(f'{k}="{v.replace(chr(92), chr(92) * 2).replace(chr(34), chr(92) + chr(34))}"' for k, v in pairs)
    return "{" + inner + "}"


class Counter:
    """A monotonically increasing count per label set."""

    def __init__(self, name: str, help_text: str) -> None:
        self.name, self.help = name, help_text
        self._values: dict[LabelKey, float] = {}
        self._lock = threading.Lock()

    def inc(self, amount: float = 1.0, **labels: str) -> None:
        """Add ``amount`` to the series named by ``labels``."""
        key = tuple(sorted(labels.items()))
        with self._lock:
            self._values[key] = self._values.get(key, 0.0) + amount

    def render(self) -> list[str]:
        """The series in exposition format."""
        lines = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} counter"]
        with self._lock:
            lines += [f"{self.name}{_labels(k)} {v}" for k, v in sorted(self._values.items())]
        return lines


class Histogram:
    """Observations bucketed by upper bound, one histogram per label set."""

    def __init__(self, name: str, help_text: str, buckets: tuple[float, ...]) -> None:
        self.name, self.help, self.buckets = name, help_text, buckets
        self._series: dict[LabelKey, tuple[list[int], list[float]]] = {}
        self._lock = threading.Lock()

    def observe(self, value: float, **labels: str) -> None:
        """Count one observation."""
        key = tuple(sorted(labels.items()))
        with self._lock:
            counts, totals = self._series.setdefault(key, ([0] * (len(self.buckets) + 1), [0.0]))
            counts[bisect.bisect_left(self.buckets, value)] += 1
            totals[0] += value

    def render(self) -> list[str]:
        """The buckets, sum and count in exposition format."""
        lines = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} histogram"]
        with self._lock:
            for key, (counts, totals) in sorted(self._series.items()):
                running = 0
                for bound, count in zip(self.buckets, counts):
                    running += count
                    lines.append(f"{self.name}_bucket{_labels(key, [('le', repr(bound))])} {running}")
                running += counts[-1]
                lines.append(f"{self.name}_bucket{_labels(key, [('le', '+Inf')])} {running}")
                lines.append(f"{self.name}_sum{_labels(key)} {totals[0]}")
                lines.append(f"{self.name}_count{_labels(key)} {running}")
        return lines


def gauge_lines(name: str, help_text: str, label: str, values: dict[str, int]) -> list[str]:
    """A gauge family computed at scrape time."""
    lines = [f"# HELP {name} {help_text}", f"# TYPE {name} gauge"]
    lines += [f"{name}{_labels(((label, k),))} {v}" for k, v in sorted(values.items())]
    return lines


class Metrics:
    """The service's metric families, one instance per app."""

    def __init__(self) -> None:
        fast = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
        self.requests = Counter("workspace_http_requests_total", "HTTP requests by method, route and status.")
        self.request_seconds = Histogram("workspace_http_request_seconds", "HTTP request duration.", fast)
        self.task_pickup_seconds = Histogram(
            "workspace_task_pickup_seconds", "Delay from a task becoming runnable to a worker claiming it.", fast
        )
        self.task_seconds = Histogram("workspace_task_seconds", "Task execution time by kind.", fast + (30.0, 60.0))
        self.task_outcomes = Counter("workspace_task_outcomes_total", "Task attempts by kind and outcome.")
        self.reconcile_actions = Counter("workspace_reconcile_actions_total", "Reconciler actions by kind.")

    def render(self, gauges: list[str]) -> str:
        """Every family plus the scrape-time gauges, as one exposition document."""
        families: list[Counter | Histogram] = [self.requests, self.request_seconds, self.task_pickup_seconds, self.task_seconds,
                    self.task_outcomes, self.reconcile_actions]
        lines: list[str] = []
        for family in families:
            lines += family.render()
        return "\n".join(lines + gauges) + "\n"
