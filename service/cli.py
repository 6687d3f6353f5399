"""``workspace-service``: ``serve`` runs the app under gunicorn; ``create-token`` issues an API token."""

from __future__ import annotations

import time
from typing import Any

import click

from service.settings import Settings
from service.store import Store
from service.store import tokens as token_rows


@click.group()
def main() -> None:
    """The workspace service. Configure it with WORKSPACE_SERVICE_* environment variables."""


@main.command("create-token")
@click.option("--owner", required=True, help="The owner the token acts for.")
def create_token(owner: str) -> None:
    """Print a new API token for OWNER (only its digest is stored; it cannot be shown again)."""
    owner = owner.strip()
    if not owner or len(owner) > 128:
        raise click.BadParameter("owner must be 1 to 128 characters", param_hint="--owner")
    store = Store(Settings.from_env().database_url)
    try:
        with store.write() as conn:
            token = token_rows.issue(conn, owner, time.time())
    finally:
        store.close()
    click.echo(token)


@main.command()
@click.option("--host", default=None, help="Address to bind (default from settings: 127.0.0.1).")
@click.option("--port", default=None, type=int, help="Port to bind (default from settings: 8080).")
@click.option("--dev", is_flag=True, help="Use Flask's development server instead of gunicorn.")
def serve(host: str | None, port: int | None, dev: bool) -> None:
    """Serve the API, with the task workers and the reconciler, in one process."""
    settings = Settings.from_env()
    bind_host = host or settings.host
    bind_port = settings.port if port is None else port
    from service.app import create_app

    if dev:
        create_app(settings).run(host=bind_host, port=bind_port, threaded=True)
        return
    _Gunicorn(settings, f"{bind_host}:{bind_port}").run()


def _gunicorn_base() -> Any:
    from gunicorn.app.base import BaseApplication

    return BaseApplication


class _Gunicorn(_gunicorn_base()):  # type: ignore[misc]
    """One gunicorn process with ``http_threads`` threads: the worker pool and reconciler live beside them."""

    def __init__(self, settings: Settings, bind: str) -> None:
        self.settings = settings
        self.bind = bind
        super().__init__()

    def load_config(self) -> None:
        self.cfg.set("bind", self.bind)
        self.cfg.set("workers", 1)
        self.cfg.set("worker_class", "gthread")
        self.cfg.set("threads", self.settings.http_threads)
        self.cfg.set("timeout", 60)
        self.cfg.set("graceful_timeout", 10)
        self.cfg.set("accesslog", None)

    def load(self) -> Any:
        from service.app import create_app

        return create_app(self.settings)


if __name__ == "__main__":
    main()
