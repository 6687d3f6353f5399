"""A revoked token stops working within the bound the README states (``auth.CACHE_SECONDS``), in a running app."""

from __future__ import annotations

import time
from typing import Any

from click.testing import CliRunner

from service.api.auth import CACHE_SECONDS
from service.cli import main


def test_a_revoked_token_is_refused_within_the_cache_bound(make_api: Any) -> None:
    api = make_api(background=False)
    env = {"WORKSPACE_SERVICE_DATABASE_URL": api.app.extensions["workspace_service"].settings.database_url}
    token = CliRunner().invoke(main, ["token", "create", "--owner", "carol"], env=env).output.strip()
    headers = {"Authorization": f"Bearer {token}"}
    assert api.client.get("/api/workspaces", headers=headers).status_code == 200  # now remembered by the app
    listed = CliRunner().invoke(main, ["token", "list", "--owner", "carol"], env=env).output.split()
    revoked = CliRunner().invoke(main, ["token", "revoke", listed[0]], env=env)
    assert revoked.exit_code == 0, revoked.output
    time.sleep(CACHE_SECONDS)
    refused = api.client.get("/api/workspaces", headers=headers)
    assert refused.status_code == 401 and refused.content_type == "application/problem+json"
    assert api.get("/api/workspaces").status_code == 200  # other tokens are untouched


def test_a_call_on_a_workspace_reads_its_token_once(make_api: Any, monkeypatch: Any) -> None:
    """The activity hook and the view both need the owner; the second asks the request, not the tokens."""
    api = make_api(background=False)
    tokens = api.app.extensions["workspace_service"].tokens
    asked: list[str] = []
    look_up = tokens.owner
    monkeypatch.setattr(tokens, "owner", lambda token: asked.append(token) or look_up(token))
    missing = api.get("/api/workspaces/" + "0" * 32)
    assert missing.status_code == 404 and missing.content_type == "application/problem+json"
    assert asked == [api.token]
