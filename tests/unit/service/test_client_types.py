"""The client's typed answers are the API's published schemas: the same names, keys and required keys."""

from __future__ import annotations

from service import client
from service.api.schemas import Schemas
from service.settings import Settings

SHARED = ("Workspace", "WorkspaceAccepted", "WorkspaceList", "WorkspaceStatus", "Task", "BatchAccepted", "BatchStatus")


def test_every_typed_answer_has_the_keys_of_its_schema() -> None:
    components = Schemas(Settings()).components
    for name in SHARED + tuple(n for n in ("Policy", "ExecResult", "FileWritten") if n in components):
        typed = getattr(client, name)
        schema = components[name]
        assert typed.__required_keys__ | typed.__optional_keys__ == set(schema["properties"]), name
        assert typed.__required_keys__ == set(schema.get("required", ())), name
