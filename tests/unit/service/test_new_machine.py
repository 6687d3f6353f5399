"""On a new machine: the database lives in the user's data directory, made on first use, whatever the current
directory; a busybox that names a dynamic loader is told apart from a static one."""

from __future__ import annotations

import os
import struct
from pathlib import Path

import pytest
from click.testing import CliRunner

from service.cli import main
from service.runtime.base_image import BaseImageError, _is_dynamic
from service.settings import Settings, default_database_url


def test_the_default_database_is_in_the_data_directory(tmp_path: Path) -> None:
    assert default_database_url({"XDG_DATA_HOME": "/data"}) == "sqlite:////data/workspace-service/workspace-service.db"
    assert default_database_url({"HOME": "/home/u"}) == \
        "sqlite:////home/u/.local/share/workspace-service/workspace-service.db"
    assert Settings.from_env({"XDG_DATA_HOME": "/d"}).database_url == "sqlite:////d/workspace-service/workspace-service.db"
    assert Settings.from_env({"XDG_DATA_HOME": "/d", "WORKSPACE_SERVICE_DATABASE_URL": "sqlite:///x.db"}).database_url \
        == "sqlite:///x.db"


def test_token_create_makes_the_data_directory_private_and_leaves_the_current_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    work, data = tmp_path / "work", tmp_path / "data"
    work.mkdir()
    monkeypatch.chdir(work)
    result = CliRunner().invoke(main, ["token", "create", "--owner", "alice"],
                                env={"XDG_DATA_HOME": str(data), "WORKSPACE_SERVICE_DATABASE_URL": None})
    assert result.exit_code == 0, result.output
    assert os.listdir(work) == []
    assert (data / "workspace-service" / "workspace-service.db").is_file()
    assert (data / "workspace-service").stat().st_mode & 0o777 == 0o700


def _elf(program_types: list[int]) -> bytes:
    """A minimal 64-bit little-endian ELF header with program headers of the given types."""
    header = bytearray(64)
    header[:6] = b"\x7fELF\x02\x01"
    struct.pack_into("<Q", header, 32, 64)
    struct.pack_into("<HH", header, 54, 56, len(program_types))
    body = b"".join(struct.pack("<I", kind) + bytes(52) for kind in program_types)
    return bytes(header) + body


def test_a_dynamic_loader_header_marks_a_dynamic_program() -> None:
    assert _is_dynamic(_elf([1, 3, 1])) is True
    assert _is_dynamic(_elf([1, 1])) is False
    with pytest.raises(BaseImageError, match="not an ELF executable"):
        _is_dynamic(b"#!/bin/sh\n" + bytes(100))
