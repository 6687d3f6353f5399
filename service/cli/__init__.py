"""``workspace-service``: ``serve`` runs the app under gunicorn; ``token create|list|revoke`` manage API tokens."""

from __future__ import annotations

import dataclasses
import fcntl
import gc
import hashlib
import os
import socket
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any

import click

from service.settings import Settings
from service.store import Store
from service.store import tokens as token_rows


@click.group()
def main() -> None:
    """The workspace service. Configure it with WORKSPACE_SERVICE_* environment variables."""


@main.group()
def token() -> None:
    """Issue, list and revoke API tokens (a revoked token is refused within ``auth.CACHE_SECONDS``)."""


@token.command("create")
@click.option("--owner", required=True, help="The owner the token acts for (a DNS label).")
def create_token(owner: str) -> None:
    """Print a new API token for OWNER (only its digest is stored; it cannot be shown again)."""
    problem = token_rows.owner_problem(owner)
    if problem is not None:
        raise click.BadParameter(problem, param_hint="--owner")
    with _store() as store, store.write() as conn:
        secret = token_rows.issue(conn, owner, time.time())
    click.echo(secret)


@token.command("list")
@click.option("--owner", default=None, help="Only this owner's tokens.")
def list_tokens(owner: str | None) -> None:
    """One line per token: its id, owner and creation time (never the token itself)."""
    with _store() as store, store.read() as conn:
        found = token_rows.listing(conn, owner)
    for info in found:
        created = datetime.fromtimestamp(info.created_at, timezone.utc).isoformat(timespec="seconds")
        click.echo(f"{info.id}  {info.owner}  {created}")


@token.command("revoke")
@click.argument("token_id", required=False)
@click.option("--owner", default=None, help="Revoke every token of this owner instead.")
def revoke_token(token_id: str | None, owner: str | None) -> None:
    """Revoke the token TOKEN_ID (as ``token list`` shows it), or every token of ``--owner``."""
    if (token_id is None) == (owner is None):
        raise click.UsageError("name a TOKEN_ID or --owner, not both and not neither")
    with _store() as store, store.write() as conn:
        gone = token_rows.revoke(conn, token_id, owner)
    if not gone:
        raise click.ClickException(f"no token {token_id}" if token_id else f"owner {owner} has no token")
    for info in gone:
        click.echo(f"revoked {info.id}  {info.owner}")


@contextmanager
def _store() -> Iterator[Store]:
    store = Store(Settings.from_env().database_url)
    try:
        yield store
    finally:
        store.close()


@main.command()
@click.option("--host", default=None, help="Address to bind (default from settings: 127.0.0.1).")
@click.option("--port", default=None, type=click.IntRange(0, 65535), help="Port to bind (default from settings: 8080).")
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
    refuse_taken_address(bind_host, bind_port)
    GunicornServer(settings, f"{bind_host}:{bind_port}").run()


def refuse_taken_address(host: str, port: int) -> None:
    """Fail with one line if something already listens on ``host:port``.

    Each gunicorn process binds its own socket with SO_REUSEPORT (see ``GunicornServer``), and that option would
    also let a second service started by mistake on the same port bind it and silently take half of the
    connections. A plain bind (SO_REUSEADDR only, so connections left in TIME_WAIT do not count) refuses.
    """
    if not 0 <= port <= 65535:  # getaddrinfo would wrap it round silently (99999 -> 34463)
        raise click.ClickException(f"cannot listen on {host}:{port}: the port must be 0 to 65535")
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc


def _gunicorn_base() -> Any:
    from gunicorn.app.base import BaseApplication

    return BaseApplication


def process_settings(settings: Settings, leader: bool) -> Settings:
    """What one of ``http_processes`` gunicorn processes runs: its share of the task workers (so the whole
    deployment still makes ``workers`` concurrent Docker calls), and the reconciler only in the ``leader``."""
    share = -(-settings.workers // max(1, settings.http_processes))
    return dataclasses.replace(settings, workers=share, reconcile=settings.reconcile and leader)


def leader_path(settings: Settings) -> str:
    """The lock file of one deployment: its database and instance, so two instances never share one."""
    key = hashlib.sha256(f"{settings.database_url}|{settings.instance}".encode()).hexdigest()[:16]
    return os.path.join(tempfile.gettempdir(), f"workspace-service-{os.getuid()}-{key}.leader")


def leader_lock(settings: Settings) -> int | None:
    """Try to become the process that runs this deployment's reconciler; the open file is the claim.

    ``flock`` is released when the holder dies, so the process gunicorn starts in its place takes it over.
    Returns the descriptor to keep open, or None when another process holds it.
    """
    fd = os.open(leader_path(settings), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


class GunicornServer(_gunicorn_base()):  # type: ignore[misc]
    """``http_processes`` gunicorn processes with ``http_threads`` threads each; task workers in every one
    (so a request's ``notify`` wakes a worker at once), the reconciler in one.

    ``build_app`` makes the WSGI app of one process; the load benchmark overrides it to measure an app that
    does nothing under exactly this server configuration (the floor that Flask plus gunicorn set here).
    """

    def __init__(self, settings: Settings, bind: str) -> None:
        self.settings = settings
        self.bind = bind
        super().__init__()

    def load_config(self) -> None:
        self.cfg.set("bind", self.bind)
        self.cfg.set("workers", max(1, self.settings.http_processes))
        self.cfg.set("worker_class", "gthread")
        self.cfg.set("threads", self.settings.http_threads)
        # A listening socket per process (SO_REUSEPORT), so the kernel spreads connections over the processes.
        # On one shared socket the first process to wake accepted them all: under 50 keep-alive clients `ss`
        # showed 50 connections in one process and none in the other, which served nothing.
        self.cfg.set("reuse_port", True)
        self.cfg.set("timeout", 60)
        self.cfg.set("graceful_timeout", 10)
        self.cfg.set("accesslog", None)
        # Newer gunicorn opens a control socket at one path per user (~/.gunicorn/gunicorn.ctl): a second
        # instance took it over and deleted it when it exited. The service uses none of its commands.
        if "control_socket_disable" in self.cfg.settings:
            self.cfg.set("control_socket_disable", True)

    def build_app(self) -> Any:
        """The app of one gunicorn process: its share of the workers, the reconciler if it leads."""
        from service.app import create_app

        self.leader = leader_lock(self.settings)  # held for this worker process's lifetime
        return create_app(process_settings(self.settings, self.leader is not None))

    def load(self) -> Any:
        sys.setswitchinterval(0.001)  # a writer holding the SQLite lock gets the GIL back sooner
        app = self.build_app()
        # Everything loaded so far lives as long as the process: a full collection walked all of it (about
        # 80,000 objects, 25 ms with every request thread stopped), a tail-latency spike every few thousand
        # requests. Frozen objects are left out of collections.
        gc.collect()
        gc.freeze()
        return app


if __name__ == "__main__":
    main()
