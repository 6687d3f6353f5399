"""``create_app(settings)``: wires the store, the Docker runtime, the task workers, the reconciler and the API.

A factory so that tests build a fresh app per test and gunicorn builds one per worker process (after the
fork, so the background threads belong to the process that serves).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from flask import Flask, Response, g, request

from service.api import batches, execs, files, logs, ops, problems, workspaces
from service.api.auth import TokenCache
from service.api.context import ApiContext, attach
from service.api.inputs import IdConverter
from service.api.schemas import Schemas
from service.domain.batches import Batches
from service.domain.exec_slots import ExecSlots, slots_path
from service.domain.execs import Execs
from service.domain.files import Files
from service.domain.logs import Logs
from service.domain.workspaces import Workspaces
from service.metrics import Metrics, method_label
from service.reconcile import Reconciler
from service.runtime import ContainerRuntime
from service.runtime.docker_runtime import DockerRuntime
from service.runtime.engines import EngineSet
from service.settings import EngineSpec, Settings
from service.store import Store
from service.tasks.executor import TaskExecutor
from service.tasks.worker import WorkerPool

BACKGROUND = "workspace_service.background"
log = logging.getLogger(__name__)


@dataclass
class Background:
    """The threads an app runs besides serving requests; ``close`` stops them and releases connections."""

    store: Store
    engines: EngineSet
    pool: WorkerPool
    reconciler: Reconciler
    reconcile: bool = True
    running: bool = False

    def start(self) -> None:
        """Start the worker pool and (unless another process of this deployment runs it) the reconciler."""
        self.pool.start()
        if self.reconcile:
            self.reconciler.start()
        self.running = True

    def close(self) -> None:
        """Stop the threads (bounded) and close the store and the Docker clients."""
        if self.running:
            self.reconciler.stop()
            self.pool.stop()
            self.running = False
        self.engines.close()
        self.store.close()


def create_app(settings: Settings | None = None, runtime: ContainerRuntime | None = None) -> Flask:
    """Build the Flask app for ``settings`` (default: from the environment); ``runtime`` (tests) stands for the
    first engine the settings list, and is the only one then."""
    settings = settings or Settings.from_env()
    store = Store(settings.database_url, pool_size=settings.workers + settings.http_threads)
    if runtime is None:
        engines = EngineSet({spec.name: docker_runtime(settings, spec) for spec in settings.engines})
    else:
        engines = EngineSet({settings.engines[0].name: runtime})
    metrics = Metrics(settings.replica)
    executor = TaskExecutor(store, engines, settings)
    pool = WorkerPool(store, executor, settings, metrics)
    reconciler = Reconciler(store, engines, settings, pool.notify, metrics)
    background = Background(store, engines, pool, reconciler, settings.reconcile)

    app = Flask("service")
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.url_map.converters["id"] = IdConverter
    attach(
        app,
        ApiContext(
            settings=settings,
            store=store,
            engines=engines,
            workspaces=Workspaces(store, settings, pool.notify, health=engines.health),
            batches=Batches(store, settings, pool.notify),
            metrics=metrics,
            schemas=Schemas(settings),
            tokens=TokenCache(store),
            execs=Execs(store, engines, settings, ExecSlots(slots_path(settings), settings.exec_concurrency)),
            files=Files(store, engines, settings),
            logs=Logs(store, engines, settings),
        ),
    )
    app.extensions[BACKGROUND] = background
    problems.register(app)
    for blueprint in (workspaces.blueprint, batches.blueprint, ops.blueprint, execs.blueprint, files.blueprint,
                      logs.blueprint):
        app.register_blueprint(blueprint)
    _instrument(app, metrics)
    if settings.background:
        background.start()
    return app


def docker_runtime(settings: Settings, spec: EngineSpec) -> DockerRuntime:
    """The runtime of one listed engine (the implicit default engine's empty URL: ``settings.docker_url``)."""
    return DockerRuntime(
        spec.url or settings.docker_url,
        instance=settings.instance,
        user=settings.container_user,
        limits=settings.limits,
        timeout=settings.docker_timeout,
        pool_size=settings.workers + 4,
        volume_size_mb=settings.volume_size_mb,
        stream_timeout=max(settings.exec_timeout_max, settings.logs_follow_seconds) + 60,
        oci_runtime=settings.oci_runtime,
        image_oci_runtimes=settings.oci_runtimes(),
        tls=spec.tls,
    )


def background_of(app: Flask) -> Background:
    """The app's background threads, for shutdown and for tests."""
    found = app.extensions[BACKGROUND]
    assert isinstance(found, Background)
    return found


def _instrument(app: Flask, metrics: Metrics) -> None:
    @app.before_request
    def _start_timer() -> None:
        g.started = time.perf_counter()

    @app.after_request
    def _count(response: Response) -> Response:
        route = request.url_rule.rule if request.url_rule is not None else "unmatched"
        metrics.requests.inc(method=method_label(request.method), route=route, status=str(response.status_code))
        started = g.get("started")
        if started is not None:
            metrics.request_seconds.observe(time.perf_counter() - started, route=route)
        return response
