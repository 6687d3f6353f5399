"""``workspace-service``: ``serve`` runs the app (granian or gunicorn); ``token create|list|revoke`` manage API tokens;
``engine list|drain|undrain`` the Docker engines; ``ws ...`` uses the API as a client (``service.cli.ws``)."""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone

import click
from sqlalchemy.engine import make_url

from service.cli.ws import ws
from service.settings import EngineListError, Settings
from service.store import Store
from service.store import tokens as token_rows
from service.store.migrate import SchemaError

DISTRIBUTION = "healthcheck-workspace"  # the distribution (pyproject.toml) whose version --version prints
EXIT_UNUSABLE_DATABASE = 2  # the database is in a shape this version cannot read (a newer version's, or damaged)


class UnusableDatabase(click.ClickException):
    """The store refused the database (``migrate.SchemaError``): one line and ``EXIT_UNUSABLE_DATABASE``, from every
    command that opens it, instead of a traceback (or, under ``serve``, one per server process)."""

    exit_code = EXIT_UNUSABLE_DATABASE


@click.group()
@click.version_option(package_name=DISTRIBUTION, prog_name="workspace-service")
def main() -> None:
    """The workspace service. Configure it with WORKSPACE_SERVICE_* environment variables."""


main.add_command(ws)


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


@main.group()
def engine() -> None:
    """The Docker engines workspaces are placed on (WORKSPACE_SERVICE_ENGINES): list them, drain or undrain one,
    move the workspaces off one."""


EXIT_UNKNOWN_ENGINE = 2


class UnknownEngine(click.ClickException):
    """An engine name the settings do not list, or a list that cannot be read: one line, exit 2."""

    exit_code = EXIT_UNKNOWN_ENGINE


PING_SECONDS = 3.0  # how long ``engine list`` waits for each engine's answer


@engine.command("list")
def list_engines() -> None:
    """One line per engine: name, URL, capacity (0: unbounded), workspaces placed, draining, reachable."""
    import dataclasses

    from service.app import docker_runtime  # the docker SDK: only this command of the engine group needs it
    from service.domain.engines import usage
    from service.runtime import RuntimeFailure

    settings = settings_from_env()
    with _store() as store:
        found = usage(store, settings)
    quick = dataclasses.replace(settings, docker_timeout=PING_SECONDS)
    rows = [("NAME", "URL", "CAPACITY", "USED", "DRAINING", "REACHABLE")]
    for item in found:
        runtime = docker_runtime(quick, item.spec)
        try:
            runtime.ping()
            reachable = "yes"
        except RuntimeFailure:
            reachable = "no"
        finally:
            runtime.close()
        rows.append((item.spec.name, item.spec.url or settings.docker_url or "(DOCKER_HOST or the local socket)",
                     str(item.spec.capacity), str(item.used), "yes" if item.draining else "no", reachable))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())


@engine.command("drain")
@click.argument("name")
def drain_engine(name: str) -> None:
    """Give engine NAME no new workspaces (those on it stay until stopped or moved)."""
    _set_draining(name, True)
    click.echo(f"engine {name} is draining: no new workspaces are placed on it")


@engine.command("undrain")
@click.argument("name")
def undrain_engine(name: str) -> None:
    """Let engine NAME take new workspaces again."""
    _set_draining(name, False)
    click.echo(f"engine {name} takes new workspaces again")


@engine.command("move")
@click.argument("name")
@click.option("--to", "destination", default=None, help="The engine to move to (default: placement's choice).")
def move_off_engine(name: str, destination: str | None) -> None:
    """Queue a move of every running or stopped workspace on engine NAME, one batch per owner (drain it first)."""
    from service.domain.errors import Conflict, Invalid, NotFound
    from service.domain.evacuate import evacuate

    settings = settings_from_env()
    try:
        with _store() as store:
            done = evacuate(store, settings, name, destination)
    except (NotFound, Invalid) as exc:  # NAME, or --to, is not a listed engine
        raise UnknownEngine(exc.detail) from exc
    except Conflict as exc:
        refused = exc.extensions.get("refused") or {}
        reasons = sorted(set(refused.values())) if isinstance(refused, dict) else []
        raise click.ClickException(f"{exc.detail}: {'; '.join(reasons)}") from exc
    for owner, batch, count in done.batches:
        click.echo(f"{owner}: batch {batch.id}, {count} workspace(s) moving")
    for stays in done.left:
        click.echo(f"left on {name}: {stays.id} ({stays.state.value})")
    if not done.batches:
        click.echo(f"engine {name} holds no running or stopped workspace")


def _set_draining(name: str, value: bool) -> None:
    from service.domain.engines import set_draining
    from service.domain.errors import NotFound

    settings = settings_from_env()
    try:
        with _store() as store:
            set_draining(store, settings, name, value, time.time())
    except NotFound as exc:
        raise UnknownEngine(exc.detail) from exc


def make_database_dir(url: str) -> None:
    """Make the directory of a SQLite file (the default one, in the user's data directory, is new on a new
    machine), private to the user; other databases are left to their URL."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        os.makedirs(os.path.dirname(os.path.abspath(parsed.database)), mode=0o700, exist_ok=True)


def settings_from_env() -> Settings:
    """The operator's settings; a variable that cannot be read is one line and exit 1 (the engine list: exit 2,
    ``EXIT_UNKNOWN_ENGINE``), never a traceback."""
    try:
        return Settings.from_env()
    except EngineListError as exc:
        raise UnknownEngine(str(exc)) from exc
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc


@contextmanager
def _store(url: str | None = None) -> Iterator[Store]:
    url = settings_from_env().database_url if url is None else url
    make_database_dir(url)
    try:
        store = Store(url)
    except SchemaError as exc:
        shown = make_url(url).render_as_string(hide_password=True)
        raise UnusableDatabase(f"the database {shown} cannot be used by this version: {exc}") from exc
    try:
        yield store
    finally:
        store.close()


@main.command()
@click.option("--host", default=None, help="Address to bind (default from settings: 127.0.0.1).")
@click.option("--port", default=None, type=click.IntRange(0, 65535), help="Port to bind (default from settings: 8080).")
@click.option("--dev", is_flag=True, help="Use Flask's development server instead of granian or gunicorn.")
def serve(host: str | None, port: int | None, dev: bool) -> None:
    """Serve the API, with the task workers and the reconciler, in one process."""
    settings = settings_from_env()
    refuse_unreadable_tls(settings)
    bind_host = host or settings.host
    bind_port = settings.port if port is None else port
    with _store(settings.database_url):
        pass  # refused here, once, before any server process would fail on it with a traceback each
    prepare_base_image(settings)
    if dev:
        from service.app import create_app

        create_app(settings).run(host=bind_host, port=bind_port, threaded=True)
        return
    refuse_taken_address(bind_host, bind_port)
    # one fresh directory for the metric values of this serve's processes (see service.metrics), made before
    # any of them imports prometheus_client
    values = os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix=f"workspace-service-metrics-{os.getpid()}-")
    try:
        if settings.http_server == "gunicorn":
            from service.cli.gthread_server import serve_behind_front

            serve_behind_front(settings, bind_host, bind_port)
        elif settings.http_server == "granian":
            from service.cli.rsgi_server import GranianServer

            GranianServer(settings, bind_host, bind_port).run()
        else:
            raise click.ClickException(
                f"WORKSPACE_SERVICE_HTTP_SERVER must be granian or gunicorn, not {settings.http_server!r}")
    finally:
        shutil.rmtree(values, ignore_errors=True)


def refuse_unreadable_tls(settings: Settings) -> None:
    """An engine's TLS files that cannot be read are one line and exit 1 here, once, instead of a traceback
    from every server process when it makes that engine's runtime."""
    from service.runtime.tls import tls_config  # the docker SDK: serve's import only

    for engine in settings.engines:
        if engine.tls is not None:
            try:
                tls_config(engine.tls)
            except ValueError as exc:
                raise click.ClickException(f"engine {engine.name}: {exc}") from exc


def prepare_base_image(settings: Settings) -> None:
    """Build the default workspace image on every listed engine where it is allowed and missing (a new machine
    has no registry to pull it from, and a workspace may be placed on any engine); a failure is one warning line
    per engine, and the service still serves (creates of that image there fail until it exists)."""
    image = settings.base_image
    if not image or image not in settings.allowed_images:
        return
    from service.runtime.base_image import BaseImageError, ensure_base_image  # the docker SDK: only serve needs it

    for engine in settings.engines:
        where = f" on engine {engine.name}" if len(settings.engines) > 1 else ""
        try:
            if ensure_base_image(engine.url or settings.docker_url, image, tls=engine.tls):
                click.echo(f"serve: built {image}{where} from scratch and the host's busybox", err=True)
        except BaseImageError as exc:
            click.echo(f"serve: warning{where}: {exc}; workspaces of {image} fail there until it exists", err=True)


def refuse_taken_address(host: str, port: int) -> None:
    """Fail with one line if something already listens on ``host:port``.

    Each gunicorn process binds its own socket with SO_REUSEPORT (see ``gthread_server``), and that option would
    also let a second service started by mistake on the same port bind it and silently take half of the
    connections; granian would fail later, in its workers. A plain bind (SO_REUSEADDR only, so connections left in TIME_WAIT do not count) refuses.
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


if __name__ == "__main__":
    main()
