"""Settings from the environment, the metrics exposition, request schemas, backoff, Docker timestamps."""

from __future__ import annotations

import pytest

from service.api.schemas import Schemas
from service.metrics import method_label, Metrics, gauge_lines
from service.runtime.docker_runtime import _timestamp
from service.settings import Limits, Settings
from service.tasks.worker import backoff


def test_settings_from_environment() -> None:
    env = {
        "WORKSPACE_SERVICE_WORKERS": "3",
        "WORKSPACE_SERVICE_BACKGROUND": "false",
        "WORKSPACE_SERVICE_TASK_TIMEOUT": "2.5",
        "WORKSPACE_SERVICE_DEFAULT_IMAGE": "img:1",
        "WORKSPACE_SERVICE_LIMIT_MAX_CPUS": "4",
        "UNRELATED": "x",
    }
    s = Settings.from_env(env)
    assert (s.workers, s.background, s.task_timeout) == (3, False, 2.5)
    assert s.allowed_images == ("img:1",) and s.limits == Limits(max_cpus=4.0)
    assert Settings.from_env({"WORKSPACE_SERVICE_ALLOWED_IMAGES": "a, b,"}).allowed_images == ("a", "b")
    assert Settings.from_env({}) == Settings()
    with pytest.raises(ValueError, match="WORKSPACE_SERVICE_WORKERS"):
        Settings.from_env({"WORKSPACE_SERVICE_WORKERS": "many"})
    with pytest.raises(ValueError, match="BACKGROUND"):
        Settings.from_env({"WORKSPACE_SERVICE_BACKGROUND": "maybe"})


def test_metrics_exposition() -> None:
    m = Metrics()
    m.requests.inc(method="GET", route='/a"b', status="200")
    m.task_pickup_seconds.observe(0.003)
    m.task_pickup_seconds.observe(20.0)
    text = m.render(gauge_lines("workspace_workspaces", "by state", "state", {"running": 2}))
    assert 'workspace_http_requests_total{method="GET",route="/a\\"b",status="200"} 1.0' in text
    assert 'workspace_task_pickup_seconds_bucket{le="0.005"} 1.0' in text
    assert 'workspace_task_pickup_seconds_bucket{le="+Inf"} 2.0' in text
    assert "workspace_task_pickup_seconds_count 2.0" in text
    assert 'workspace_workspaces{state="running"} 2' in text and text.endswith("\n")
    assert [method_label(m) for m in ("GET", "PATCH", "BREW", "get")] == ["GET", "PATCH", "other", "other"]


def test_request_schemas_report_every_violation_with_its_path() -> None:
    schemas = Schemas(Settings())
    assert schemas.errors("WorkspaceCreate", {"name": "ok"}) == []
    errors = schemas.errors("WorkspaceCreate", {"name": "", "resources": {"cpus": 99}})
    assert {e["path"] for e in errors} == {"/name", "/resources/cpus"}


def test_backoff_is_exponential_and_capped() -> None:
    assert [backoff(n, 0.5, 3.0) for n in (1, 2, 3, 4, 5)] == [0.5, 1.0, 2.0, 3.0, 3.0]


def test_docker_timestamps_keep_microseconds_of_nanoseconds() -> None:
    at = 1795222923.0  # 2026-11-21T01:02:03Z
    assert _timestamp("2026-11-21T01:02:03.123456789Z") == at + 0.123456
    assert _timestamp("2026-11-21T01:02:03.999999999Z") == at + 0.999999
    assert _timestamp("2026-11-21T01:02:03.5Z") == at + 0.5
    assert _timestamp("2026-11-21T01:02:03Z") == at
    assert _timestamp("2026-11-21T03:02:03.123456789+02:00") == at + 0.123456
    assert _timestamp("0001-01-01T00:00:00Z") is None
    assert _timestamp("") is None and _timestamp(None) is None
