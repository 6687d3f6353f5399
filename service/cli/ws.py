"""``workspace-service ws ...``: the API from the command line, through ``service.client``.

Each command prints what a person needs and exits 0, or prints one line (``error: ...``, the service's problem
detail or why it could not be reached) and exits 1; bad usage exits 2 (click's own). ``ws exec`` exits with
the command's own exit code. A workspace is named by its id or, among the owner's live ones, by its name.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from service.cli import copying
from service.cli.client_config import ConfigError, connection
from service.client import SETTLED, ApiError, Client, ExecOutput, Workspace

ID_RE = re.compile(r"[0-9a-f]{32}")
EXIT_FAILED = 1
EXIT_EXEC_TIMED_OUT = 124  # as timeout(1): the command was killed at its time limit
EXIT_EXEC_NO_CODE = 125  # the command ended without an exit code


@contextmanager
def _one_line() -> Iterator[None]:
    """Every failure of a command as one line and exit 1."""
    try:
        yield
    except ApiError as exc:
        raise click.ClickException(str(exc)) from exc
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    except OSError as exc:
        name = f" {exc.filename}" if exc.filename else ""
        raise click.ClickException(f"{exc.strerror or exc}:{name}") from exc


def _client(ctx: click.Context) -> Client:
    conn = connection(url=ctx.obj)
    return Client(conn.url, conn.token)


def _resolve(client: Client, ref: str) -> str:
    """The id of the workspace ``ref`` names (its id, or the name of one of the owner's live workspaces)."""
    if ID_RE.fullmatch(ref):
        return ref
    for ws in client.all():
        if ws["name"] == ref and ws["state"] != "deleted":
            return ws["id"]
    raise ApiError(404, "Not Found", f"no workspace named {ref!r}")


def _line(ws: Workspace) -> str:
    return f"{ws['id']}  {ws['name']}  {ws['state']}"


def _settle(client: Client, workspace_id: str, wait: bool, timeout: float) -> Workspace:
    """Wait (when asked) for the workspace to settle; a ``failed`` one is an error with its reason."""
    ws = client.wait_state(workspace_id, SETTLED, timeout) if wait else client.get(workspace_id)
    if ws["state"] == "failed":
        raise ApiError(None, f"workspace {ws['name']} failed", ws["last_error"] or "no reason recorded")
    return ws


def _pairs(values: tuple[str, ...], option: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for value in values:
        name, sep, text = value.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"{value!r} is not NAME=VALUE", param_hint=option)
        found[name] = text
    return found


WAIT = click.option("--wait/--no-wait", default=True, show_default=True, help="Wait until the workspace settles.")
TIMEOUT = click.option("--timeout", default=120.0, show_default=True, help="Seconds to wait at most.")


@click.group()
@click.option("--url", default=None, help="The service (default: WORKSPACE_SERVICE_URL, the config file, "
              "or http://127.0.0.1:8080).")
@click.pass_context
def ws(ctx: click.Context, url: str | None) -> None:
    """Use workspaces through the API (token from WORKSPACE_SERVICE_TOKEN or the config file)."""
    ctx.obj = url


@ws.command()
@click.argument("name")
@click.option("--image", default=None, help="An image from the operator's allow-list.")
@click.option("--project-path", default=None, help="A directory under your part of the projects root.")
@click.option("--cpus", type=float, default=None)
@click.option("--memory-mb", type=int, default=None)
@click.option("--pids", type=int, default=None)
@click.option("--env", "env", multiple=True, metavar="NAME=VALUE", help="An environment variable (repeatable).")
@click.option("--secret", "secret", multiple=True, metavar="NAME=VALUE",
              help="A secret environment variable: stored, given to the container, never shown again.")
@click.option("--idle-timeout", type=float, default=None, help="Stop after this many seconds idle (0: never).")
@click.option("--ttl", type=float, default=None, help="Delete this many seconds after creation.")
@WAIT
@TIMEOUT
@click.pass_context
def create(ctx: click.Context, name: str, image: str | None, project_path: str | None, cpus: float | None,
           memory_mb: int | None, pids: int | None, env: tuple[str, ...], secret: tuple[str, ...],
           idle_timeout: float | None, ttl: float | None, wait: bool, timeout: float) -> None:
    """Create workspace NAME and (by default) wait until it runs; prints its id, name and state."""
    resources = {k: v for k, v in (("cpus", cpus), ("memory_mb", memory_mb), ("pids", pids)) if v is not None}
    variables, secrets = _pairs(env, "--env"), _pairs(secret, "--secret")
    with _one_line():
        client = _client(ctx)
        made = client.create(name, image=image, project_path=project_path, resources=resources or None,
                             env=variables or None, secrets=secrets or None, idle_timeout_s=idle_timeout,
                             ttl_s=ttl)
        click.echo(_line(_settle(client, made["id"], wait, timeout)))


@ws.command("list")
@click.option("--state", default=None, help="Only workspaces in this state.")
@click.pass_context
def list_workspaces(ctx: click.Context, state: str | None) -> None:
    """One line per workspace: id, name, state, image."""
    with _one_line():
        for found in _client(ctx).all(state):
            click.echo(f"{_line(found)}  {found['image']}")


@ws.command()
@click.argument("workspace")
@click.pass_context
def status(ctx: click.Context, workspace: str) -> None:
    """The workspace's record, its container's live state and its policy (secrets by name), one fact a line."""
    with _one_line():
        client = _client(ctx)
        found = client.status(_resolve(client, workspace))
    record = found["workspace"]
    facts: dict[str, Any] = {"id": record["id"], "name": record["name"], "state": record["state"],
                             "desired": record["desired_state"], "image": record["image"],
                             "resources": " ".join(f"{k}={v}" for k, v in record["resources"].items()),
                             "container": found["container_state"], "uptime_s": found.get("uptime_seconds"),
                             "cpu_s": found.get("cpu_seconds"), "memory_bytes": found.get("memory_bytes"),
                             "oci_runtime": found.get("oci_runtime"),
                             "last_error": found["last_error"], "reason": found["reason"]}
    policy = found["policy"]
    facts.update({"env": " ".join(sorted(policy["env"])) or None, "secrets": " ".join(policy["secret_names"]) or None,
                  "idle_timeout_s": policy["idle_timeout_s"], "last_active_at": policy["last_active_at"],
                  "expires_at": policy["expires_at"]})
    for key, value in facts.items():
        if value is not None:
            click.echo(f"{key}: {value}")


@ws.command("exec", context_settings={"ignore_unknown_options": True})
@click.argument("workspace")
@click.argument("cmd", nargs=-1, required=True, type=click.UNPROCESSED)
@click.option("--cwd", default=None, help="Working directory (default: /workspace).")
@click.option("--env", "env", multiple=True, metavar="NAME=VALUE", help="An environment variable (repeatable).")
@click.option("--timeout", "timeout_s", type=float, default=None, help="Kill the command after this many seconds.")
@click.option("-i", "--stdin", "send_stdin", is_flag=True, help="Send this command's standard input to it.")
@click.pass_context
def exec_command(ctx: click.Context, workspace: str, cmd: tuple[str, ...], cwd: str | None, env: tuple[str, ...],
                 timeout_s: float | None, send_stdin: bool) -> None:
    """Run CMD in WORKSPACE (``ws exec ID -- sh -c '...'``), print its output as it comes, exit with its code."""
    variables = _pairs(env, "--env")
    stdin = sys.stdin.read() if send_stdin else None
    with _one_line():
        client = _client(ctx)
        result = None
        for item in client.exec_stream(_resolve(client, workspace), list(cmd), cwd=cwd, env=variables or None,
                                       timeout_s=timeout_s, stdin=stdin):
            if isinstance(item, ExecOutput):
                stream = sys.stdout if item.stream == "stdout" else sys.stderr
                stream.write(item.text)
                stream.flush()
            else:
                result = item
    assert result is not None  # exec_stream ends with the result or raises
    for name in ("stdout", "stderr"):
        if result[f"{name}_truncated"]:  # type: ignore[literal-required]
            click.echo(f"warning: the command's {name} was cut at the service's limit", err=True)
    if result["timed_out"]:
        click.echo(f"error: the command was killed at its time limit after {result['duration_s']:.1f} s", err=True)
        sys.exit(EXIT_EXEC_TIMED_OUT)
    sys.exit(EXIT_EXEC_NO_CODE if result["exit_code"] is None else result["exit_code"])


@ws.command()
@click.argument("source")
@click.argument("target")
@click.pass_context
def cp(ctx: click.Context, source: str, target: str) -> None:
    """Copy a file or folder: ``ws cp LOCAL WORKSPACE:PATH`` or ``ws cp WORKSPACE:PATH LOCAL``.

    PATH is relative to /workspace. A local folder's contents go into the folder PATH; a workspace folder's
    contents go into the folder LOCAL (each made when missing)."""
    up, down = copying.split_remote(target), copying.split_remote(source)
    if (up is None) == (down is None):
        raise click.UsageError("exactly one of SOURCE and TARGET must be WORKSPACE:PATH")
    with _one_line():
        client = _client(ctx)
        if up is not None:
            workspace_id = _resolve(client, up[0])
            local = Path(source)
            if not local.exists():
                raise click.ClickException(f"no such file or folder: {source}")
            done = copying.upload(client, workspace_id, local, up[1])
        else:
            assert down is not None
            workspace_id = _resolve(client, down[0])
            done = copying.download(client, workspace_id, down[1], Path(target))
    click.echo(f"copied {done.kind} {source} -> {target} ({done.size} bytes)", err=True)


@ws.command()
@click.argument("workspace")
@click.option("--tail", type=click.IntRange(min=0), default=None, help="Only the last N lines.")
@click.option("-f", "--follow", is_flag=True, help="Keep printing what the container prints next.")
@click.pass_context
def logs(ctx: click.Context, workspace: str, tail: int | None, follow: bool) -> None:
    """The workspace container's output."""
    with _one_line():
        client = _client(ctx)
        for piece in client.follow_logs(_resolve(client, workspace), tail, follow):
            sys.stdout.write(piece)
            sys.stdout.flush()


def _operation(name: str, call: Callable[[Client, str], Any], doc: str) -> None:
    @ws.command(name, help=doc)
    @click.argument("workspace")
    @WAIT
    @TIMEOUT
    @click.pass_context
    def command(ctx: click.Context, workspace: str, wait: bool, timeout: float) -> None:
        with _one_line():
            client = _client(ctx)
            workspace_id = _resolve(client, workspace)
            call(client, workspace_id)
            click.echo(_line(_settle(client, workspace_id, wait, timeout)))


_operation("start", Client.start, "Start WORKSPACE (and by default wait until it runs).")
_operation("stop", Client.stop, "Stop WORKSPACE (and by default wait until it is stopped).")
_operation("restart", Client.restart, "Restart WORKSPACE (and by default wait until it runs again).")


@ws.command()
@click.argument("workspace")
@click.option("--keep-volume", is_flag=True, help="Keep the workspace's /workspace volume.")
@WAIT
@TIMEOUT
@click.pass_context
def delete(ctx: click.Context, workspace: str, keep_volume: bool, wait: bool, timeout: float) -> None:
    """Delete WORKSPACE (its container, and its volume unless --keep-volume)."""
    with _one_line():
        client = _client(ctx)
        workspace_id = _resolve(client, workspace)
        client.delete(workspace_id, keep_volume)
        click.echo(_line(_settle(client, workspace_id, wait, timeout)))
