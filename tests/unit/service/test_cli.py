"""The command line: token create stores only a digest, list shows no secret, revoke removes it; serve's refusals."""

from __future__ import annotations

import socket
from pathlib import Path

from click.testing import CliRunner

from service.cli import main
from service.store import Store
from service.store import tokens as token_rows


def test_create_token_prints_a_token_for_the_owner(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    result = CliRunner().invoke(main, ["token", "create", "--owner", "alice"], env={"WORKSPACE_SERVICE_DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    store = Store(url)
    with store.read() as conn:
        assert token_rows.owner_of(conn, token) == "alice"
        assert token_rows.owner_of(conn, token + "x") is None
    assert token not in (tmp_path / "cli.db").read_bytes().decode("latin-1")
    store.close()


def test_create_token_refuses_an_owner_that_is_no_dns_label(tmp_path: Path) -> None:
    env = {"WORKSPACE_SERVICE_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    for bad in ("  ", "alice ", " alice", "Alice", "a/b", "..", "-x", "x" * 64, ""):
        result = CliRunner().invoke(main, ["token", "create", "--owner", bad], env=env)
        assert result.exit_code == 2 and "owner must be a DNS label" in result.output, (bad, result.output)
    listed = CliRunner().invoke(main, ["token", "list"], env=env)
    assert listed.exit_code == 0 and listed.output == ""


def test_tokens_are_listed_without_their_secret_and_revoked_by_id_or_owner(tmp_path: Path) -> None:
    env = {"WORKSPACE_SERVICE_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    run = CliRunner().invoke
    secrets = [run(main, ["token", "create", "--owner", owner], env=env).output.strip() for owner in ("alice", "alice", "bob")]
    listed = run(main, ["token", "list"], env=env)
    assert listed.exit_code == 0 and [line.split()[1] for line in listed.output.splitlines()] == ["alice", "alice", "bob"]
    assert not any(secret in listed.output for secret in secrets)
    first = listed.output.split()[0]
    assert run(main, ["token", "revoke", first], env=env).output.startswith(f"revoked {first}  alice")
    assert [line.split()[0] for line in run(main, ["token", "list", "--owner", "alice"], env=env).output.splitlines()] != [first]
    again = run(main, ["token", "revoke", first], env=env)
    assert again.exit_code == 1 and f"no token {first}" in again.output
    assert run(main, ["token", "revoke", "--owner", "bob"], env=env).exit_code == 0
    assert run(main, ["token", "revoke"], env=env).exit_code == 2
    store = Store(env["WORKSPACE_SERVICE_DATABASE_URL"])
    with store.read() as conn:
        assert [token_rows.owner_of(conn, secret) for secret in secrets] == [None, "alice", None]
    store.close()


def test_serve_refuses_an_address_something_already_listens_on(tmp_path: Path) -> None:
    env = {"WORKSPACE_SERVICE_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        result = CliRunner().invoke(main, ["serve", "--host", "127.0.0.1", "--port", str(port)], env=env)
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: cannot listen on 127.0.0.1:{port}: Address already in use"



def test_serve_refuses_a_port_outside_the_range(tmp_path: Path) -> None:
    env = {"WORKSPACE_SERVICE_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    result = CliRunner().invoke(main, ["serve", "--port", "99999"], env=env)
    assert result.exit_code == 2 and "'--port': 99999 is not in the range 0<=x<=65535" in result.output
    result = CliRunner().invoke(main, ["serve", "--host", "127.0.0.1"], env={**env, "WORKSPACE_SERVICE_PORT": "99999"})
    assert result.exit_code == 1
    assert result.output.strip() == "Error: cannot listen on 127.0.0.1:99999: the port must be 0 to 65535"
