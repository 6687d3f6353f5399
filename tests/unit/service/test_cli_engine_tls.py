"""An engine whose TLS files cannot be read stops ``serve`` with one line naming the engine and the file,
before any server process starts (each would otherwise fail making that engine's runtime)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from service.cli import main


@pytest.mark.parametrize("args", [["serve", "--port", "0"], ["serve", "--dev", "--port", "0"]], ids=" ".join)
def test_serve_refuses_an_engine_whose_tls_key_is_missing(tmp_path: Path, args: list[str]) -> None:
    for name in ("ca.pem", "client.pem"):
        (tmp_path / name).write_text("-----BEGIN CERTIFICATE-----\n")
    missing = str(tmp_path / "client-key.pem")
    engines = [{"name": "remote", "url": "tcp://127.0.0.1:2376",
                "tls": {"ca": str(tmp_path / "ca.pem"), "cert": str(tmp_path / "client.pem"), "key": missing}}]
    env = {"WORKSPACE_SERVICE_ENGINES": json.dumps(engines),
           "WORKSPACE_SERVICE_DATABASE_URL": f"sqlite:///{tmp_path / 'service.db'}"}
    result = CliRunner().invoke(main, args, env=env)
    assert result.exit_code == 1, result.output
    assert result.stderr == f"Error: engine remote: engine TLS key file {missing!r} cannot be read: No such file or directory\n"
    assert not (tmp_path / "service.db").exists()  # refused before the store is opened
