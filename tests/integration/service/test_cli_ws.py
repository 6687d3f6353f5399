"""``workspace-service ws ...`` against a live server on loopback: what a person sees and the exit codes."""

from __future__ import annotations

import re
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result
from integration.service.loopback import served_app  # noqa: F401 - the fixture "served"

from service.cli import main
from service.client import Client


def _ws(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(main, ["ws", *args], env=env)


def _env(client: Client, tmp_path: Path) -> dict[str, str]:
    return {"WORKSPACE_SERVICE_URL": client.url, "WORKSPACE_SERVICE_TOKEN": client.token,
            "XDG_CONFIG_HOME": str(tmp_path / "config"), "WORKSPACE_SERVICE_CLIENT_CONFIG": ""}


def test_lifecycle_commands_print_the_workspace_and_wait(served: Callable[..., tuple[Client, Any]],
                                                         tmp_path: Path) -> None:
    client, _ = served()
    env = _env(client, tmp_path)
    made = _ws(env, "create", "box", "--memory-mb", "64")
    assert made.exit_code == 0, made.output
    workspace_id, name, state = made.output.split()
    assert re.fullmatch(r"[0-9a-f]{32}", workspace_id) and (name, state) == ("box", "running")
    listed = _ws(env, "list")
    assert listed.exit_code == 0 and listed.output.split() == [workspace_id, "box", "running", "workspace-base:latest"]
    status = _ws(env, "status", "box")
    assert status.exit_code == 0 and f"id: {workspace_id}\n" in status.output and "container: running\n" in status.output
    assert "resources: cpus=1.0 memory_mb=64 pids=256\n" in status.output
    assert _ws(env, "stop", "box").output == f"{workspace_id}  box  stopped\n"
    assert _ws(env, "start", workspace_id).output == f"{workspace_id}  box  running\n"
    assert _ws(env, "restart", "box").output == f"{workspace_id}  box  running\n"
    assert _ws(env, "delete", "box").output == f"{workspace_id}  box  deleted\n"
    assert client.get(workspace_id)["state"] == "deleted"


def test_failures_are_one_line_and_exit_one(served: Callable[..., tuple[Client, Any]], tmp_path: Path) -> None:
    client, _ = served()
    env = _env(client, tmp_path)
    for args, words in ((("status", "nobody"), "404 Not Found: no workspace named 'nobody'"),
                        (("create", "Bad"), "422 Unprocessable Content: the body does not match the WorkspaceCreate schema (/name: 'Bad' does not match '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$')"),
                        (("stop", "0" * 32), f"404 Not Found: no workspace {'0' * 32}")):
        result = _ws(env, *args)
        assert result.exit_code == 1 and result.stdout == "", (args, result.output)
        assert result.stderr == f"Error: {words}\n", (args, result.stderr)
    assert _ws({**env, "WORKSPACE_SERVICE_TOKEN": "wrong"}, "list").stderr == \
        "Error: 401 Unauthorized: the bearer token is not valid\n"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    down = _ws({**env, "WORKSPACE_SERVICE_URL": f"http://127.0.0.1:{port}"}, "list")
    assert down.exit_code == 1 and down.stderr.startswith(f"Error: no answer from http://127.0.0.1:{port}: ")
    assert len(down.stderr.splitlines()) == 1
    assert _ws(env, "create", "x", "--env", "NOEQUALS").exit_code == 2
    assert _ws(env, "cp", "a", "b").exit_code == 2


def test_url_and_token_come_from_the_config_file_when_the_environment_has_none(
        served: Callable[..., tuple[Client, Any]], tmp_path: Path) -> None:
    client, _ = served()
    client.create("filed")
    config = tmp_path / "config" / "workspace-service" / "client.toml"
    config.parent.mkdir(parents=True)
    config.write_text(f'url = "{client.url}"\ntoken = "{client.token}"\n')
    env = {"XDG_CONFIG_HOME": str(tmp_path / "config"), "WORKSPACE_SERVICE_URL": "", "WORKSPACE_SERVICE_TOKEN": "",
           "WORKSPACE_SERVICE_CLIENT_CONFIG": ""}
    listed = _ws(env, "list")
    assert listed.exit_code == 0 and listed.output.split()[1] == "filed"
    missing = _ws({**env, "XDG_CONFIG_HOME": str(tmp_path / "elsewhere")}, "list")
    assert missing.exit_code == 1 and "no token: set WORKSPACE_SERVICE_TOKEN or put token" in missing.stderr
    config.write_text("url = [")
    broken = _ws(env, "list")
    assert broken.exit_code == 1 and f"{config} is not valid TOML" in broken.stderr


def test_version_names_the_program_and_the_distribution_version() -> None:
    from importlib.metadata import version

    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0 and result.output == f"workspace-service, version {version('healthcheck-workspace')}\n"


def test_exec_prints_the_output_and_exits_with_the_command_s_code(served: Callable[..., tuple[Client, Any]],
                                                                  tmp_path: Path) -> None:
    client, _ = served()
    env = _env(client, tmp_path)
    assert _ws(env, "create", "run", "--env", "GREETING=hi", "--secret", "KEY=k3y").exit_code == 0
    said = _ws(env, "exec", "run", "--", "sh", "-c", 'echo "$GREETING $KEY"; echo oops >&2; exit 3')
    assert (said.exit_code, said.stdout, said.stderr) == (3, "hi k3y\n", "oops\n")
    assert _ws(env, "exec", "run", "--", "true").exit_code == 0
    status = _ws(env, "status", "run")
    assert "env: GREETING\n" in status.stdout and "secrets: KEY\n" in status.stdout and "k3y" not in status.stdout
    piped = CliRunner().invoke(main, ["ws", "exec", "-i", "run", "--", "cat"], env=env, input="from stdin\n")
    assert piped.stdout == "from stdin\n" and piped.exit_code == 0
    killed = _ws(env, "exec", "run", "--timeout", "1", "--", "sleep", "30")
    assert killed.exit_code == 124 and "killed at its time limit" in killed.stderr
    missing = _ws(env, "exec", "run", "--", "no-such-command")
    assert missing.exit_code != 0


def test_cp_moves_files_and_folders_both_ways(served: Callable[..., tuple[Client, Any]], tmp_path: Path) -> None:
    client, _ = served()
    env = _env(client, tmp_path)
    assert _ws(env, "create", "files").exit_code == 0
    blob = tmp_path / "blob.bin"
    blob.write_bytes(bytes(range(256)) * 4096)
    assert _ws(env, "cp", str(blob), "files:blob.bin").exit_code == 0
    assert _ws(env, "cp", str(blob), "files:data/").exit_code == 0  # a folder named with its slash: the file goes in
    assert _ws(env, "exec", "files", "--", "wc", "-c", "data/blob.bin").stdout.split()[0] == str(256 * 4096)
    back = tmp_path / "back.bin"
    down = _ws(env, "cp", "files:blob.bin", str(back))
    assert down.exit_code == 0 and back.read_bytes() == blob.read_bytes()
    assert down.stderr == f"copied file files:blob.bin -> {back} ({len(blob.read_bytes())} bytes)\n"
    tree = tmp_path / "tree"
    (tree / "sub").mkdir(parents=True)
    (tree / "a.txt").write_text("a\n")
    (tree / "sub" / "b.txt").write_text("b\n")
    assert _ws(env, "cp", str(tree), "files:proj").exit_code == 0
    assert _ws(env, "exec", "files", "--", "cat", "proj/a.txt", "proj/sub/b.txt").stdout == "a\nb\n"
    copy = tmp_path / "copy"
    assert _ws(env, "cp", "files:proj", str(copy)).exit_code == 0
    assert sorted(str(p.relative_to(copy)) for p in copy.rglob("*")) == ["a.txt", "sub", "sub/b.txt"]
    assert (copy / "sub" / "b.txt").read_text() == "b\n"
    into = tmp_path / "into"
    into.mkdir()
    assert _ws(env, "cp", "files:blob.bin", str(into)).exit_code == 0 and (into / "blob.bin").is_file()
    escape = _ws(env, "cp", str(blob), "files:../x")
    assert escape.exit_code == 1 and escape.stderr.startswith("Error: 422 ")
    assert _ws(env, "cp", str(tmp_path / "none"), "files:x").stderr == f"Error: no such file or folder: {tmp_path / 'none'}\n"


def test_logs_print_the_container_s_output_and_follow_it(served: Callable[..., tuple[Client, Any]],
                                                         tmp_path: Path) -> None:
    client, _ = served()
    env = _env(client, tmp_path)
    assert _ws(env, "create", "talks").exit_code == 0
    say = ["exec", "talks", "--", "sh", "-c", 'printf "$0" > /proc/1/fd/1']  # as the container's own process
    assert _ws(env, *say, "one\\ntwo\\nthree\\n").exit_code == 0
    whole = _ws(env, "logs", "talks")
    assert (whole.exit_code, whole.stdout) == (0, "one\ntwo\nthree\n")
    assert _ws(env, "logs", "talks", "--tail", "1").stdout == "three\n"
    workspace_id = _ws(env, "list").stdout.split()[0]
    followed = client.follow_logs(workspace_id, tail=1)
    assert next(followed) == "three\n"
    assert _ws(env, *say, "later\\n").exit_code == 0
    assert next(followed) == "later\n"  # printed while the follow is open
    assert _ws(env, "stop", "talks").exit_code == 0
    assert list(followed) == []  # the stream ends with the container
    assert _ws(env, "logs", "talks", "--tail", "-1").exit_code == 2
