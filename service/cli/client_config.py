"""Where the ``ws`` commands find the service and the token: the environment first, then a config file.

``WORKSPACE_SERVICE_URL`` and ``WORKSPACE_SERVICE_TOKEN`` win; whatever they leave unset comes from the TOML
file ``$XDG_CONFIG_HOME/workspace-service/client.toml`` (``~/.config/...`` without XDG_CONFIG_HOME, or the file
``WORKSPACE_SERVICE_CLIENT_CONFIG`` names), keys ``url`` and ``token``. The token is never taken from the
command line, where other users of the machine could read it in the process list.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DEFAULT_URL = "http://127.0.0.1:8080"
MAX_CONFIG_BYTES = 65536


class ConfigError(Exception):
    """The configuration cannot be used; the message is one line that says what to fix."""


@dataclass(frozen=True)
class Connection:
    """The service to talk to and the token to show it."""

    url: str
    token: str


def config_path(environ: Mapping[str, str]) -> Path:
    """The client's config file (which need not exist)."""
    named = environ.get("WORKSPACE_SERVICE_CLIENT_CONFIG")
    if named:
        return Path(named)
    base = environ.get("XDG_CONFIG_HOME") or os.path.join(environ.get("HOME") or os.path.expanduser("~"), ".config")
    return Path(base) / "workspace-service" / "client.toml"


def _read_file(path: Path) -> dict[str, object]:
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_CONFIG_BYTES + 1)
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{path} is larger than {MAX_CONFIG_BYTES} bytes")
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from exc


def connection(environ: Mapping[str, str] | None = None, url: str | None = None) -> Connection:
    """The URL (``url`` if given) and token from the environment, else the config file."""
    env = os.environ if environ is None else environ
    path = config_path(env)
    found = _read_file(path) if not (env.get("WORKSPACE_SERVICE_TOKEN") and (url or env.get("WORKSPACE_SERVICE_URL"))) else {}
    chosen_url = url or env.get("WORKSPACE_SERVICE_URL") or found.get("url") or DEFAULT_URL
    token = env.get("WORKSPACE_SERVICE_TOKEN") or found.get("token")
    if not isinstance(chosen_url, str) or not isinstance(token, (str, type(None))):
        raise ConfigError(f"{path}: url and token must be strings")
    if not token:
        raise ConfigError(f"no token: set WORKSPACE_SERVICE_TOKEN or put token = \"...\" in {path}"
                          " (workspace-service token create --owner NAME makes one)")
    return Connection(chosen_url, token)
