"""What the HTTP layer needs from the rest of the service, attached to the Flask app by the factory."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app

from service.api.auth import TokenCache
from service.api.schemas import Schemas
from service.domain.batches import Batches
from service.domain.execs import Execs
from service.domain.files import Files
from service.domain.logs import Logs
from service.domain.workspaces import Workspaces
from service.metrics import Metrics
from service.runtime.engines import EngineSet
from service.settings import Settings
from service.store import Store

KEY = "workspace_service"


@dataclass(frozen=True)
class ApiContext:
    """Everything a request handler may use; built once per app in ``service.app.create_app``."""

    settings: Settings
    store: Store
    engines: EngineSet
    workspaces: Workspaces
    batches: Batches
    metrics: Metrics
    schemas: Schemas
    tokens: TokenCache
    execs: Execs
    files: Files
    logs: Logs


def attach(app: Flask, ctx: ApiContext) -> None:
    """Make ``ctx`` the app's context."""
    app.extensions[KEY] = ctx


def current() -> ApiContext:
    """The context of the app handling this request."""
    ctx = current_app.extensions[KEY]
    assert isinstance(ctx, ApiContext)
    return ctx
