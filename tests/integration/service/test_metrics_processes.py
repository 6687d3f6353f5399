"""/metrics of a live ``serve`` (two processes) counts every process's requests, and never goes down."""

from __future__ import annotations

import os
import re
from pathlib import Path

import requests
from integration.service.live import Server


def _healthz_count(text: str) -> float:
    found = re.search(r'workspace_http_requests_total\{replica="[^"]+",method="GET",route="/healthz",status="200"\} ([\d.e+]+)', text)
    return float(found.group(1)) if found else 0.0


def test_counters_are_summed_over_processes_and_never_decrease(tmp_path: Path, instance: str) -> None:
    env = {**os.environ, "WORKSPACE_SERVICE_INSTANCE": instance, "WORKSPACE_SERVICE_HTTP_PROCESSES": "2",
           "WORKSPACE_SERVICE_DATABASE_URL": f"sqlite:///{tmp_path / 'metrics.db'}"}
    server = Server(env, tmp_path / "server.log")
    try:
        server.start()
        for _ in range(40):  # a new connection each: the kernel and granian spread them over the processes
            assert requests.get(server.url + "/healthz", timeout=10, headers={"Connection": "close"}).ok
        seen = []
        for _ in range(12):
            text = requests.get(server.url + "/metrics", timeout=10, headers={"Connection": "close"}).text
            seen.append(_healthz_count(text))
    finally:
        server.stop()
    assert seen == sorted(seen), seen  # never down between scrapes, whichever process answered
    assert seen[0] >= 40, seen  # every process's requests (the start-up probes count too)
    assert 'method="BREW"' not in text
